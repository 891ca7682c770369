"""Benchmark: ``ruleengine run`` on generated pi2017 cases and ccdi records, against deciding
the same lines in-process, with 1 and 2 jobs and on Dask (``--dask local``).

Run: ``python bench/bench_batch.py [--cases N] [--seed S] [--dask] [--columnar] [--tmp DIR]
[--runs R]`` (``--cases 1000000`` for the issue's figures; ``--runs 3`` interleaves three
rounds of the runs and gives each figure as a median with its min..max). For each rulebook
it writes N generated lines to a temporary file as they are generated (never all in memory),
then measures:

- in-process ``decide``: one process reading the file line by line, parsing JSON, running the
  plugin's input adapters and ``decide_cited``, the collector settled after loading as a
  worker settles it (what a batch's worker does, without making or writing a row): wall time
  and CPU time a line;
- ``ruleengine run FILE -o OUT.jsonl --jobs 1`` and ``--jobs 2`` (and ``--dask local --jobs
  2``), as a user runs it: wall time from start to exit (loading the rulebook and starting
  workers included), the peak resident memory of the whole process tree, sampled every 50 ms,
  and CPU time a line: of the command's own process (exact, net of a run of one line) and of
  the other processes of its tree (sampled, start-up included), which a loaded machine moves
  far less than wall time; and from these, the most two jobs can give over one on two cores
  (twice one job's CPU a line over two jobs').

With ``--columnar`` (alone: ``--only columnar``), the columnar path against the per-case
path, on the Art. 5 benchmark rule (bench/article5.rules) and the quickstart's, on cases
generated as bench_article5.py makes them (the path each shipped rulebook takes is printed:
ccdi does not qualify, and why); with ``--only pi2017 --columnar``, on pi2017's lines, undated
and dated across the periods of Art. 253-1 (``columnar_pi2017``). Either way: in one
process, interleaved repetitions of the batch runner's ``decide_chunk`` over chunks of 500
JSON lines (reading, deciding, the rows encoded as JSON Lines: all ``run --jobs 1`` does but
write the file) with ``decide_auto`` and with ``decide_each``, rows checked equal first; and
the deciding alone (``Context.decide`` on the facts, read beforehand). Then ``ruleengine run
--jobs 1`` on the file, which prints its path.

Figures go in bench/README.md ("Batches"); the machine, its load and the command are printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CCDI = ROOT / "examples" / "ccdi" / "cases.jsonl"


# ------------------------------------------------------------------ generated cases
def pi2017_lines(n: int, rng: random.Random):
    kinds = (
        "tracking_items",
        "credit_items",
        "property_items",
        "health_physiological_items",
        "other_personal_items",
    )
    for i in range(n):
        facts = {k: rng.choice((0, 0, rng.randint(1, 60), rng.randint(1, 6000))) for k in kinds}
        facts["illegal_gain"] = str(rng.choice((0, rng.randint(100, 60000))))
        facts["obtained_in_duty"] = rng.random() < 0.3
        yield json.dumps({"id": f"p{i}", "as_of": "2018-09-01", "facts": facts})


def ccdi_lines(n: int, rng: random.Random):
    """The good lines of examples/ccdi/cases.jsonl, amounts and dates varied."""
    good = []
    for text in CCDI.read_text(encoding="utf-8").splitlines():
        try:
            good.append(json.loads(text))
        except ValueError:
            continue
    good = [g for g in good if "about" not in json.dumps(g)]

    def vary(value):
        if isinstance(value, dict):
            return {
                k: (str(rng.randint(500, 600000)) if k == "amount" else vary(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [vary(v) for v in value]
        return value

    for _ in range(n):
        yield json.dumps(vary(rng.choice(good)), ensure_ascii=False)


# ------------------------------------------------------------------ measuring
def in_process(rulebook: str, path: Path) -> tuple[float, float]:
    """Lines per second (wall, and CPU time of the process), deciding here what a worker
    decides, read from the file as it goes: JSON, the plugin's input adapters,
    ``decide_cited``, the collector settled after loading as a worker settles it; no row."""
    code = f"""
import sys, time
from ruleengine.plugins import get_plugin_manager, adapter_chain, rule_sources
from ruleengine.loader import load_paths
from ruleengine.batch.records import split_record, subject_facts, unwrap
from ruleengine.batch.running import settle
from ruleengine.facts import loads_json
pm = get_plugin_manager()
book = load_paths(list(rule_sources(pm)[{rulebook!r}][1].paths), name={rulebook!r}, pm=pm)
adapt = adapter_chain(pm, {rulebook!r}, derivations=False)
inputs = book.rulebook.inputs
settle()
n = 0
start, cpu = time.perf_counter(), time.process_time()
with open({str(path)!r}, encoding="utf-8") as f:
    for text in f:
        n += 1
        try:
            record, day = unwrap(loads_json(text), inputs, None)
            for label, raw in split_record(record, inputs):
                facts, _ = subject_facts(raw, inputs, adapt)
                book.decide_cited(facts, day)
        except Exception:
            pass  # a line run would skip
print(n / (time.perf_counter() - start), n / (time.process_time() - cpu))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


#: Runs the command line and, as it exits, writes the CPU seconds it used itself (its own
#: process, not its workers) to the file named first.
LAUNCH = """
import atexit, resource, sys
def cpu(path=sys.argv[1]):
    r = resource.getrusage(resource.RUSAGE_SELF)
    with open(path, "w") as f:
        f.write(str(r.ru_utime + r.ru_stime))
atexit.register(cpu)
from ruleengine.cli import main
sys.argv = ["ruleengine", *sys.argv[2:]]
sys.exit(main())
"""


def _tree(root: int) -> dict[int, tuple[float, int]]:
    """CPU seconds and resident bytes of a process and each of its descendants."""
    children: dict[int, list[int]] = {}
    seen: dict[int, tuple[float, int]] = {}
    tick, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        seen[pid] = ((int(fields[11]) + int(fields[12])) / tick, int(fields[21]) * page)
    out, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in seen:
            out[pid] = seen[pid]
        stack += children.get(pid, [])
    return out


@dataclasses.dataclass
class Timed:
    wall: float  # seconds from start to exit
    peak: int  # resident bytes of the whole process tree, at most
    command_cpu: float  # CPU seconds of the command's own process (exact)
    others_cpu: float  # of its descendants (workers; Dask's nannies and workers), sampled
    totals: str
    #: Resident bytes of each process when the tree was at its peak, by what it is.
    at_peak: dict[str, int] = dataclasses.field(default_factory=dict)


def _role(pid: int, root: int) -> str:
    """What a process of the tree is: the command, a worker, multiprocessing's tracker."""
    if pid == root:
        return "command"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            line = f.read()
    except OSError:
        return f"process {pid}"
    return "tracker" if b"resource_tracker" in line else f"worker {pid}"


def timed_run(args: list[str], tmp: Path) -> Timed:
    """Run ``ruleengine ARGS``: wall time, peak memory of the process tree (sampled every
    50 ms), the CPU time of the command's process and of all its descendants (each as last
    sampled before it ended, so a few hundredths of a second may be missed)."""
    cpu_file = tmp / "cpu.txt"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(cpu_file), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak = 0
    at_peak: dict[str, int] = {}
    last: dict[int, float] = {}
    done = threading.Event()

    def sample():
        nonlocal peak, at_peak
        while not done.is_set():
            tree = _tree(proc.pid)
            total = sum(rss for _, rss in tree.values())
            if total > peak:
                peak = total
                at_peak = {_role(pid, proc.pid): rss for pid, (_, rss) in tree.items()}
            last.update({pid: cpu for pid, (cpu, _) in tree.items() if pid != proc.pid})
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    own = float(cpu_file.read_text())
    return Timed(wall, peak, own, sum(last.values()), out.strip(), at_peak)


# ------------------------------------------------------------------ columnar or one by one
COLUMNAR_BOOKS = (HERE / "article5.rules", ROOT / "examples" / "quickstart" / "article5.rules")


def columnar_vs_per_case(n: int, seed: int, repeats: int, tmp: Path) -> None:
    """Cases per second of a batch on the columnar path and one by one (see the docstring)."""
    import datetime

    from bench_article5 import make_cases

    import ruleengine
    from ruleengine import columnar
    from ruleengine.batch import running
    from ruleengine.plugins import get_plugin_manager, rule_sources

    day = datetime.date(2018, 3, 1)
    pm = get_plugin_manager()
    for name, (_, source) in rule_sources(pm).items():
        book = ruleengine.load_paths(list(source.paths), name=name, pm=pm)
        print(f"\n{name}: {columnar.how(book, day)}")
    cases = make_cases(n, seed)
    texts = [json.dumps(c) for c in cases]
    for rules in COLUMNAR_BOOKS:
        book = ruleengine.load_paths([rules])
        options = running.Options(day, output="jsonl")
        contexts = {
            "columnar": running.Context(book, None, options, running.decide_auto),
            "one by one": running.Context(book, None, options, running.decide_each),
        }
        label = str(rules.relative_to(ROOT))
        compare_paths(label, contexts, texts, cases, day, repeats, tmp, ["--rules", str(rules)])


def columnar_pi2017(n: int, seed: int, repeats: int, tmp: Path) -> None:
    """pi2017 on both paths (``--only pi2017 --columnar``): the lines ``pi2017_lines`` makes
    (undated: judged under the Amendment IX text, as the run figures), and the same lines
    with the act date (``acted_last``) drawn across the four periods of Art. 253-1, a quarter
    each: before 1997-10-01, before 2009-02-28, before 2015-11-01, after; an earlier period's
    rows are evaluated again by that period's program (the lighter block)."""
    import datetime

    import ruleengine
    from ruleengine import columnar
    from ruleengine.batch import running
    from ruleengine.plugins import get_plugin_manager, rule_sources

    pm = get_plugin_manager()
    book = ruleengine.load_paths(list(rule_sources(pm)["pi2017"][1].paths), name="pi2017", pm=pm)
    day = datetime.date(2018, 9, 1)  # the lines' as_of
    print(f"\npi2017: {columnar.how(book, day)}")
    undated = list(pi2017_lines(n, random.Random(seed)))
    rng = random.Random(seed + 1)
    periods = [(1990, 1997), (1997, 2009), (2009, 2015), (2015, 2018)]
    dated = []
    for text in undated:
        line = json.loads(text)
        start, end = rng.choice(periods)
        when = datetime.date(start, 11, 1) + datetime.timedelta(
            days=rng.randint(0, 365 * (end - start) - 60)
        )
        line["facts"]["acted_last"] = when.isoformat()
        dated.append(json.dumps(line))
    options = running.Options(None, output="jsonl")
    contexts = {
        "columnar": running.Context.with_plugins(book, pm, "pi2017", options),
        "one by one": running.Context.with_plugins(book, pm, "pi2017", options),
    }
    contexts["one by one"].decide = running.decide_each
    for label, texts in (("undated", undated), ("dated across the four periods", dated)):
        cases = [json.loads(t)["facts"] for t in texts]
        compare_paths(
            f"pi2017, {label}", contexts, texts, cases, day, repeats, tmp, ["-r", "pi2017"]
        )


def compare_paths(label, contexts, texts, cases, day, repeats, tmp, rules_args) -> None:
    """The batch runner's chunks decided on each path (rows checked equal first), and the
    deciding alone, interleaved, CPU time; then ``ruleengine run --jobs 1`` on the lines."""
    from timing import interleaved, shown, spread

    from ruleengine.batch import running

    n = len(texts)
    path = tmp / "columnar.jsonl"
    path.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    items = [(i, t, None) for i, t in enumerate(texts, 1)]
    chunks = list(running.chunks(items, running.CHUNK_LINES))
    got = {k: [running.decide_chunk(c, chunk) for chunk in chunks] for k, c in contexts.items()}
    assert [d.rows for d in got["columnar"]] == [d.rows for d in got["one by one"]]
    paths: dict[str, int] = {}
    for d in got["columnar"]:
        running._count(paths, d.paths)
    print(f"\n{label}: {n:,} cases; columnar run's paths: {paths}")

    def batch(context):
        return lambda: [running.decide_chunk(context, chunk) for chunk in chunks]

    def deciding(context):
        return lambda: context.decide(context.book, cases, day)

    runs = {f"batch, {k}": batch(c) for k, c in contexts.items()}
    runs |= {f"deciding only, {k}": deciding(c) for k, c in contexts.items()}
    times = interleaved(runs, repeats, time.process_time)
    for name, seconds in times.items():
        rates = sorted(n / t for t in seconds)
        median = spread([n / t for t in seconds])[0]
        text = shown(median / 1e3, rates[0] / 1e3, rates[-1] / 1e3, 0)
        print(f"  {name}: {text} thousand cases/s (CPU time, {repeats} rounds)")
    for k in ("batch", "deciding only"):
        ratios = sorted(
            b / a for a, b in zip(times[f"{k}, columnar"], times[f"{k}, one by one"])
        )  # round by round: the two runs of a round next to each other
        a = spread([1 / t for t in times[f"{k}, columnar"]])[0]
        b = spread([1 / t for t in times[f"{k}, one by one"]])[0]
        print(
            f"  {k}: columnar {a / b:.2f}x one by one (medians); round by round "
            f"{shown(spread(ratios)[0], ratios[0], ratios[-1], 2)}x"
        )
    out = tmp / "columnar.out.jsonl"
    t = timed_run(["run", str(path), *rules_args, "-o", str(out), "--jobs", "1"], tmp)
    print(f"  run --jobs 1: {t.wall:.1f} s wall, {n / t.wall:,.0f} cases/s, start-up included")
    print(f"    {t.totals}")


def first_line(path: Path) -> str:
    with open(path, encoding="utf-8") as f:
        return f.readline()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000, help="lines per rulebook")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--dask", action="store_true", help="also --dask local")
    parser.add_argument("--only", choices=("pi2017", "ccdi", "columnar"))
    parser.add_argument("--columnar", action="store_true", help="also columnar vs one by one")
    parser.add_argument("--repeats", type=int, default=5, help="rounds of the columnar runs")
    parser.add_argument("--runs", type=int, default=1, help="rounds of the run commands")
    parser.add_argument("--tmp", help="where the generated files go (default: a temporary folder)")
    a = parser.parse_args()
    print(
        f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} "
        f"cores, load average {os.getloadavg()[0]:.1f} at start"
    )
    print(
        f"# python bench/bench_batch.py --cases {a.cases} --seed {a.seed}"
        + (" --dask" if a.dask else "")
        + (" --columnar" if a.columnar else "")
        + (f" --only {a.only}" if a.only else "")
        + (f" --runs {a.runs}" if a.runs != 1 else "")
    )
    with tempfile.TemporaryDirectory(dir=a.tmp) as tmp:
        tmp = Path(tmp)
        if a.only == "columnar" or (a.columnar and a.only is None):
            columnar_vs_per_case(a.cases, a.seed, a.repeats, tmp)
        if a.columnar and a.only == "pi2017":
            columnar_pi2017(a.cases, a.seed, a.repeats, tmp)
            return
        for name, gen in (("pi2017", pi2017_lines), ("ccdi", ccdi_lines)):
            if a.only and name != a.only:
                continue
            measure(name, gen, a, tmp)


def measure(name: str, gen, a, tmp: Path) -> None:
    """One rulebook: in-process, then ``run`` with 1 and 2 jobs (and on Dask), the runs
    interleaved ``--runs`` times; each figure a median with its min..max."""
    from timing import shown

    path = tmp / f"{name}.jsonl"
    with open(path, "w", encoding="utf-8") as f:  # written as generated, never held
        for line in gen(a.cases, random.Random(a.seed)):
            f.write(line + "\n")
    rate, cpu_rate = in_process(name, path)
    print(f"\n{name}: {a.cases:,} lines ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"  in-process decide: {rate:,.0f} lines/s; {1e6 / cpu_rate:.1f} us CPU a line")
    one = tmp / f"{name}.one.jsonl"
    one.write_text(first_line(path), "utf-8")
    start = timed_run(["run", str(one), "-r", name, "-o", str(one) + ".out"], tmp)
    print(
        f"  run of one line (start-up: loading, compiling): {start.wall:.1f} s, "
        f"{start.command_cpu:.2f} s CPU"
    )
    runs = [("--jobs 1", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"])]
    if a.dask:
        runs.append(("--dask local", ["--dask", "local", "--jobs", "2"]))
    got: dict[str, list[Timed]] = {label: [] for label, _ in runs}
    for _ in range(a.runs):  # interleaved: drift on the machine hits all alike
        for label, extra in runs:
            out = tmp / f"{name}.out.jsonl"
            t = timed_run(["run", str(path), "-r", name, "-o", str(out), *extra], tmp)
            out.unlink(missing_ok=True)
            got[label].append(t)
            print(f"    ({label}: {t.wall:.1f} s, load {os.getloadavg()[0]:.1f} after)")

    def figure(values, digits=0):
        v = sorted(values)
        median = v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
        return shown(median, v[0], v[-1], digits)

    walls, cpus = {}, {}
    for label, _ in runs:
        ts = got[label]
        nets = [max(t.wall - start.wall, 1e-9) for t in ts]
        walls[label] = sorted(nets)[len(nets) // 2]
        cores = 1 if label == "--jobs 1" else 2
        print(
            f"  run {label}: wall {figure([t.wall for t in ts], 1)} s; net of start-up "
            f"{figure([a.cases / n for n in nets])} lines/s, per core "
            f"{figure([a.cases / n / cores / rate * 100 for n in nets])}% of in-process; "
            f"peak memory {figure([t.peak / 1e6 for t in ts])} MB"
        )
        # CPU time does not depend on what else the machine runs: the command's own process
        # net of its start-up (reading, handing on, writing), the workers with theirs.
        parent = [(t.command_cpu - start.command_cpu) / a.cases * 1e6 for t in ts]
        workers = [t.others_cpu / a.cases * 1e6 for t in ts]
        share = [1e6 / cpu_rate / (p + w) * 100 for p, w in zip(parent, workers)]
        cpus[label] = sorted(p + w for p, w in zip(parent, workers))[len(parent) // 2]
        print(
            f"    CPU a line: command {figure(parent, 1)} us (net of start-up), other "
            f"processes {figure(workers, 1)} us (start-up included); in-process / all: "
            f"{figure(share)}%"
        )
        if len(ts[-1].at_peak) > 1:  # per process, at the tree's peak (the last round)
            parts = sorted(ts[-1].at_peak.items(), key=lambda kv: (kv[0] != "command", kv[0]))
            shown_at = ", ".join(f"{role} {rss / 1e6:.0f}" for role, rss in parts)
            print(f"    at the peak (MB): {shown_at}")
        print(f"    {ts[-1].totals}")
    one, two = walls["--jobs 1"], walls["--jobs 2"]
    print(f"  --jobs 1 to --jobs 2 (wall, net of start-up, medians): {one / two:.2f}x")
    # What two cores can give at most, whatever the load: one job's CPU a line against two
    # jobs' (the command's and the workers', all of which the two cores must run).
    ceiling = 2 * cpus["--jobs 1"] / max(cpus["--jobs 2"], 1e-9)
    print(f"    ceiling by CPU a line (2 x jobs 1 / jobs 2, medians): {ceiling:.2f}x")
    if a.runs > 1:  # run by run, the runs of a round being next to each other
        ratios = [
            (t1.wall - start.wall) / max(t2.wall - start.wall, 1e-9)
            for t1, t2 in zip(got["--jobs 1"], got["--jobs 2"])
        ]
        print(f"    round by round: {figure(ratios, 2)}x")
    if "--dask local" in walls:
        dask = walls["--dask local"]
        print(f"  --dask local against --jobs 2 (wall, net of start-up): {dask / two:.2f}x")


if __name__ == "__main__":
    main()
