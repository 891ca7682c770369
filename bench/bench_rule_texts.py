"""The sixth QA round's scenario (qa8, F2): six distinct 15,000-rule texts posted to
``/rules/eval`` at once on ``ruleengine serve --allow-rule-texts --timeout 3``; then (a) the
seconds until a trivial request (sent one at a time from 3.5 s on) is answered again, the peak
RSS of the service and its children, (b) the seconds SIGTERM takes right after the six answers.
Figures in docs/server.md ("Bounds").

    python bench/bench_rule_texts.py
"""

# ruff: noqa
import json, os, signal, socket, subprocess, sys, threading, time, urllib.request, urllib.error


def text(k: int, n: int = 15_000) -> str:
    """A distinct rule text of ``n`` one-line rules (960 KB for 15,000)."""
    lines = ["input x: integer = 0", "conclusion c: value integer = 0"]
    lines += [f"rule r{k}_{i} {{ cite article {i} when x > {i} then c = {i} }}" for i in range(n)]
    return "\n".join(lines) + "\n"


TRIVIAL = json.dumps(
    {
        "rules": "input x: integer = 0\nconclusion c: value integer = 0\nrule r { cite article 1 when x > 1 then c = 1 }\n",
        "case": {"x": 2},
    }
).encode()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def post(port, body, timeout=120):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/rules/eval",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def rss_tree(pid):
    total = 0
    pids = [pid]
    try:
        out = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
        for c in out:
            pids.append(int(c))
            pids += [
                int(x)
                for x in subprocess.run(
                    ["pgrep", "-P", c], capture_output=True, text=True
                ).stdout.split()
            ]
    except Exception:
        pass
    for p in pids:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total // 1024


def start():
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ruleengine",
            "serve",
            "--allow-rule-texts",
            "--timeout",
            "3",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/rulebooks", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    return proc, port


def burst(port):
    bodies = [json.dumps({"rules": text(k), "case": {"x": 2}}).encode() for k in range(6)]
    results = {}

    def one(k):
        results[k] = (post(port, bodies[k]), time.monotonic() - t0)

    t0 = time.monotonic()
    threads = [threading.Thread(target=one, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    return t0, threads, results


def phase_a():
    proc, port = start()
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_tree(proc.pid))
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    t0, threads, results = burst(port)
    # probes from 3.5 s on (the first answers "took too long" came at 3.5 s in qa8), one at a time
    time.sleep(3.5)
    answered = None
    statuses = []
    while time.monotonic() - t0 < 90:
        s = post(port, TRIVIAL, timeout=30)
        statuses.append((s, round(time.monotonic() - t0, 1)))
        if s == 200:
            answered = time.monotonic() - t0
            break
        time.sleep(0.25)
    for t in threads:
        t.join()
    time.sleep(1)
    after = rss_tree(proc.pid)
    done.set()
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)
    print("burst:", sorted(results.values(), key=lambda r: r[1]))
    print(
        f"trivial answered 200 at {answered:.1f} s after the burst began; statuses before: {statuses[:-1]}"
    )
    print(f"peak RSS (service and children) {peak[0]} MB; 1 s after: {after} MB")


def phase_b():
    proc, port = start()
    t0, threads, results = burst(port)
    for t in threads:
        t.join()
    ts = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(120)
    print(
        f"SIGTERM right after the six answers: exited {proc.returncode} in {time.monotonic() - ts:.1f} s"
    )


if __name__ == "__main__":
    print("load:", os.getloadavg())
    phase_a()
    phase_b()
    print("load:", os.getloadavg())
