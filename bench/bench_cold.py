"""Cold start: commands run as fresh processes, and the shipped rulebooks loaded from a warm
disk cache (ruleengine/diskcache.py), each the median of R interleaved runs with min..max.

    python bench/bench_cold.py [--repeats R]

The disk cache is warmed first (one run of each command). "load, warm cache" is the time of
``load_paths`` alone in a fresh interpreter, imports done before the clock starts; "load, no
cache" the same with ``RULEENGINE_CACHE=0`` (parse, check), for comparison.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from timing import shown, spread

ROOT = Path(__file__).resolve().parents[1]
CLI = shutil.which("ruleengine") or "ruleengine"
QUICKSTART = ["--rules", "examples/quickstart/article5.rules", "examples/quickstart/case.json"]
COMMANDS = {
    "python -c pass (the floor of any command)": [sys.executable, "-c", "pass"],
    "python -c 'import ruleengine'": [sys.executable, "-c", "import ruleengine"],
    "ruleengine --help": [CLI, "--help"],
    "ruleengine explain (quickstart)": [CLI, "explain", *QUICKSTART, "--as-of", "2018-03-01"],
    "ruleengine explain -r ccdi (kickbacks example)": [
        CLI,
        "explain",
        "-r",
        "ccdi",
        "examples/ccdi/kickbacks.json",
    ],
    "ruleengine explain -r pi2017 (courier example)": [
        CLI,
        "explain",
        "-r",
        "pi2017",
        "examples/pi2017/courier_sells_waybills.json",
    ],
}
TARGETS = {
    "ruleengine --help": 0.2,
    "ruleengine explain (quickstart)": 0.3,
    "ruleengine explain -r ccdi (kickbacks example)": 0.5,
}
LOAD = """
import sys, time
from ruleengine.loader import load_paths
from ruleengine.plugins import get_plugin_manager, rule_sources
pm = get_plugin_manager()
name = sys.argv[1]
paths = [ROOT + "/bench/article5.rules"] if name == "article5" else list(
    rule_sources(pm)[name][1].paths)
start, cpu = time.perf_counter(), time.process_time()
load_paths(paths, name=name, pm=pm)
print(time.perf_counter() - start, time.process_time() - cpu)
""".replace("ROOT", repr(str(ROOT)))


def run(cmd: list[str], env=None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user and system) of the process: on a loaded machine
    the wall time includes waiting for a processor, which the CPU time does not."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: the explain of a case that is not decided is fine
        sys.exit(f"{cmd} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return took, cpu


def load_time(name: str, cache: bool) -> tuple[float, float]:
    """Wall and CPU seconds of loading the rulebook, in a fresh interpreter."""
    env = dict(os.environ, RULEENGINE_CACHE="1" if cache else "0")
    out = subprocess.run(
        [sys.executable, "-c", LOAD, name], env=env, capture_output=True, text=True, check=True
    )
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=9)
    args = p.parse_args(argv)
    for cmd in COMMANDS.values():  # warm the disk cache (and the file system's)
        run(cmd)
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    cpus: dict[str, list[float]] = {k: [] for k in COMMANDS}
    books = ("article5", "pi2017", "ccdi")
    loads = {(b, c): [] for b in books for c in (True, False)}
    for b in books:
        load_time(b, True)
    for _ in range(args.repeats):
        for label, cmd in COMMANDS.items():
            wall, cpu = run(cmd)
            times[label].append(wall)
            cpus[label].append(cpu)
        for b, c in loads:
            loads[(b, c)].append(load_time(b, c))
    print("| fresh process | wall s, median (min..max) | CPU s, median (min..max) | target |")
    print("|---|---|---|---|")
    for label, ts in times.items():
        med = spread(ts)[0]
        target = TARGETS.get(label)
        verdict = f"< {target} s: {'met' if med < target else 'NOT met'}" if target else ""
        print(
            f"| {label} | {shown(*spread(ts), 3)} | {shown(*spread(cpus[label]), 3)} | {verdict} |"
        )
    print(
        "\n| rulebook | load, warm cache, wall ms | warm, CPU ms | no cache, wall ms "
        "| no cache, CPU ms | target (warm, wall) |"
    )
    print("|---|---|---|---|---|---|")
    for b in books:
        cells = []
        for cache in (True, False):
            for i in (0, 1):
                cells.append(spread([x[i] for x in loads[(b, cache)]], 1e3))
        verdict = "met" if cells[0][0] < 50 else "NOT met"
        row = " | ".join(shown(*c, 1) for c in cells)
        print(f"| {b} | {row} | < 50 ms: {verdict} |")


if __name__ == "__main__":
    main()
