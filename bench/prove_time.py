"""How long ``ruleengine check --prove`` takes per shipped rulebook, as a user runs it.

Each run is the whole command in a fresh process (Python start, plugins, loading and checking
the rules, every period proven, every witness replayed), so the figure is what a user or CI
waits. The machine is shared and noisy, so the figure held to the target is the command's CPU
time (user + system, of the process and its children: what the work costs, whatever the
load), the median of ``--repeats`` runs with min..max; the wall time and the load average are
printed beside it. Targets (issue 14): ccdi under 30 s, pi2017 under 5 s.

Run: ``python bench/prove_time.py [--repeats 3] [--rulebook pi2017 --rulebook ccdi]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

TARGETS = {"pi2017": 5.0, "ccdi": 30.0}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def once(book: str) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds, exit code and the summary line of one run."""
    exe = shutil.which("ruleengine") or sys.executable
    args = [exe] if exe != sys.executable else [exe, "-m", "ruleengine.cli"]
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [*args, "check", "--prove", "--rulebook", book],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    return seconds, cpu, done.returncode, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rulebook", action="append", default=None)
    options = parser.parse_args()
    books = options.rulebook or list(TARGETS)
    print(f"load average before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    for book in books:
        runs = [once(book) for _ in range(options.repeats)]
        walls = [w for w, _, _, _ in runs]
        cpus = [c for _, c, _, _ in runs]
        target = TARGETS.get(book)
        verdict = "" if target is None else f" (target < {target:.0f} s)"
        print(
            f"{book}: CPU median {statistics.median(cpus):.2f} s "
            f"(min {min(cpus):.2f} .. max {max(cpus):.2f}, {len(cpus)} runs){verdict}; "
            f"wall median {statistics.median(walls):.2f} s; "
            f"exit {runs[0][2]}: {runs[0][3]}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
