"""How long the what-if analyses take on one case, in process (the rulebook already loaded).

Each analysis runs on the shipped worked examples; the figures are the median of interleaved
repetitions with min..max (the machine is shared and noisy). `decide` and `explain` of the
same case are measured alongside, so the cost of asking "what would change it" is seen
against the cost of the decision itself.

    python bench/bench_whatif.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time
from pathlib import Path

import ruleengine
from ruleengine.analysis.whatif import breakpoints, changes, parse_vary, unknowns
from ruleengine.facts import loads_json
from ruleengine.plugins import adapter_chain, get_plugin_manager, rule_sources

ROOT = Path(__file__).resolve().parents[1]
CASES = [
    (
        "pi2017",
        ROOT / "examples" / "whatif" / "pi2017_tracking.json",
        "tracking_items=0..600",
        "illegal_gain",
    ),
    (
        "ccdi",
        ROOT / "examples" / "whatif" / "ccdi_embezzlement.json",
        "acts[0].amount=0..4000000",
        "prior_sanction_for_graft",
    ),
]


def load(pm, name):
    _, source = rule_sources(pm)[name]
    return ruleengine.load_paths(list(source.paths), name=name, pm=pm)


def case(pm, book, name, path):
    record = loads_json(path.read_text("utf-8"))
    day = record.get("as_of")
    facts, _ = adapter_chain(pm, name, derivations=False)(record["facts"])
    typed = book.validate(facts)
    return typed, book.as_of(facts, datetime.date.fromisoformat(day) if day else None)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    pm = get_plugin_manager()
    jobs = []
    for name, path, vary, unknown in CASES:
        book = load(pm, name)
        facts, day = case(pm, book, name, path)
        ranges = [parse_vary(book.rulebook, vary)]
        book.explain(facts, day)  # both programs compiled before timing
        jobs += [
            (f"{name}: decide", lambda b=book, f=facts, d=day: b.decide(f, d)),
            (f"{name}: explain", lambda b=book, f=facts, d=day: b.explain(f, d)),
            (
                f"{name}: whatif --vary {vary}",
                lambda b=book, f=facts, d=day, r=ranges: breakpoints(b, f, d, r),
            ),
            (
                f"{name}: explain --whatif (changes)",
                lambda b=book, f=facts, d=day: changes(b, f, d),
            ),
            (
                f"{name}: --unknown {unknown}",
                lambda b=book, f=facts, d=day, u=unknown: unknowns(b, f, d, [u]),
            ),
        ]
    seen: dict[str, list[float]] = {label: [] for label, _ in jobs}
    for _ in range(args.repeats):  # interleaved: every job once per round
        for label, fn in jobs:
            seen[label].append(timed(fn))
    print("| analysis | median | min .. max |")
    print("|---|---|---|")
    for label, times in seen.items():
        med, lo, hi = statistics.median(times), min(times), max(times)
        unit, k = ("ms", 1e3) if med >= 1e-3 else ("µs", 1e6)
        print(f"| {label} | {med * k:.1f} {unit} | {lo * k:.1f} .. {hi * k:.1f} {unit} |")


if __name__ == "__main__":
    main()
