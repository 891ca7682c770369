"""Benchmark: PI interpretation Art. 5 standards in ruleengine against hand-written Python and
two peer engines (rule-engine, zen-engine), after checking that all agree on every case.

Run: ``python bench/bench_article5.py [--cases N --repeats R --seed S]``. Every figure is the
median of R runs (never a single timing). See bench/README.md for what each timing includes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import rule_engine
import zen

import ruleengine

HERE = Path(__file__).resolve().parent
RULES = HERE / "article5.rules"
CASE = HERE / "case.json"
DAY = datetime.date(2018, 1, 1)
LEVELS = ("none", "serious", "especially_serious")
# Standards of Art. 5 para. 1 items 3-5 and 7 (items); money in yuan.
BASE = {"sensitive_items": 50, "important_items": 500, "other_items": 5000}
GAIN = 5000


# ------------------------------------------------------------------ hand-written references
def hand_fraction(s: int, i: int, o: int, gain: Fraction, in_duty: bool) -> str:
    """The rule transcribed directly, exact with fractions.Fraction (the main reference)."""
    f = Fraction(1, 2) if in_duty else 1

    def meets(k: int) -> bool:
        t = k * f
        return (
            s >= 50 * t
            or i >= 500 * t
            or o >= 5000 * t
            or gain >= 5000 * t
            or Fraction(s) / (50 * t) + Fraction(i) / (500 * t) + Fraction(o) / (5000 * t) >= 1
        )

    if meets(10):
        return "especially_serious"
    if meets(1):
        return "serious"
    return "none"


def hand_int(s: int, i: int, o: int, gain_cents: int, in_duty: bool) -> str:
    """The same rule in integer arithmetic: money in cents, halving as doubling the left side,
    the proportional sum cross-multiplied (s/50 + i/500 + o/5000 >= 1 <=> 100s + 10i + o >= 5000).
    """
    d = 2 if in_duty else 1
    s, i, o, g = s * d, i * d, o * d, gain_cents * d
    mix = 100 * s + 10 * i + o
    if s >= 500 or i >= 5000 or o >= 50000 or g >= 5000000 or mix >= 50000:
        return "especially_serious"
    if s >= 50 or i >= 500 or o >= 5000 or g >= 500000 or mix >= 5000:
        return "serious"
    return "none"


# ------------------------------------------------------------------ peer engines
def _threshold(base: int, k: int) -> str:
    return f"(in_duty ? {base * k // 2} : {base * k})"


def _condition(k: int) -> str:
    """The test of one level in the expression syntax rule-engine and zen share (nearly)."""
    s, i, o, g = (_threshold(b, k) for b in (50, 500, 5000, GAIN))
    return (
        f"sensitive_items >= {s} or important_items >= {i} or other_items >= {o}"
        f" or illegal_gain >= {g}"
        f" or sensitive_items / {s} + important_items / {i} + other_items / {o} >= 1"
    )


def make_rule_engine():
    """Two rule-engine rules, highest first. Numbers are decimal.Decimal in rule-engine; every
    divisor is 2^a*5^b, so each quotient terminates and is exact within 28 digits."""
    especially = rule_engine.Rule(_condition(10))
    serious = rule_engine.Rule(_condition(1))

    def level(thing: dict) -> str:
        if especially.matches(thing):
            return "especially_serious"
        if serious.matches(thing):
            return "serious"
        return "none"

    return level


def zen_graph() -> dict:
    """A JDM graph: input -> one expression node computing `level` -> output."""
    expr = f"({_condition(10)}) ? 'especially_serious' : (({_condition(1)}) ? 'serious' : 'none')"
    node = {"x": 0, "y": 0}
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "request", "position": node},
            {
                "id": "level",
                "type": "expressionNode",
                "name": "level",
                "position": node,
                "content": {"expressions": [{"id": "e1", "key": "level", "value": expr}]},
            },
            {"id": "out", "type": "outputNode", "name": "response", "position": node},
        ],
        "edges": [
            {"id": "e-in", "sourceId": "in", "targetId": "level", "type": "edge"},
            {"id": "e-out", "sourceId": "level", "targetId": "out", "type": "edge"},
        ],
    }


def make_zen():
    """zen evaluates numbers as 28-digit decimals. It is given each case as JSON text, which it
    parses exactly ("4999.50" stays decimal); a Python float in a dict would be rounded to about
    15 significant digits on the way in (2499.9999999999995 becomes 2500)."""
    decision = zen.ZenEngine().create_decision(json.dumps(zen_graph()))

    def level(text: str) -> str:
        return decision.evaluate(text)["result"]["level"]

    return level


# ------------------------------------------------------------------ cases
def make_cases(n: int, seed: int) -> list[dict]:
    """Seeded realistic cases: counts and gains near every threshold (both levels, halved when
    in duty), proportional sums just under, at and over 1, money often with cents."""
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        in_duty = rng.random() < 0.4
        k = rng.choice((1, 1, 10))
        half = Fraction(1, 2) if in_duty else 1
        s, i, o, cents = (
            rng.randint(0, 20),
            rng.randint(0, 150),
            rng.randint(0, 1500),
            rng.randint(0, 150000),
        )
        kind = rng.random()
        if kind < 0.3:  # one category near its threshold
            name = rng.choice(list(BASE))
            t = int(BASE[name] * k * half)
            value = max(0, t + rng.randint(-2, 2))
            s, i, o = (value if name == n_ else v for n_, v in zip(BASE, (s, i, o)))
        elif kind < 0.5:  # gain near its threshold, with or without cents
            t = GAIN * k * half * 100
            cents = max(0, int(t) + rng.choice((-100, -1, 0, 1, 50, -50, 100)))
        elif kind < 0.8:  # proportional sum near 1: pick two counts, complete with the third
            ts, ti, to = (b * k * half for b in BASE.values())
            s = rng.randint(0, int(ts) - 1)
            i = rng.randint(0, int(ti) - 1)
            rest = to * (1 - Fraction(s) / ts - Fraction(i) / ti)
            o = max(0, -(-rest.numerator // rest.denominator) + rng.randint(-1, 1))
            cents = rng.randint(0, int(GAIN * k * half * 100) - 1)
        gain = Decimal(cents) / 100
        text = f"{gain:.2f}" if cents % 100 or rng.random() < 0.5 else str(cents // 100)
        cases.append(
            {
                "sensitive_items": s,
                "important_items": i,
                "other_items": o,
                "illegal_gain": text,
                "in_duty": in_duty,
            }
        )
    # The exact-sum example from the brief: 36/50 + 99/500 + 410/5000 is exactly 1.
    cases[0] = {
        "sensitive_items": 36,
        "important_items": 99,
        "other_items": 410,
        "illegal_gain": "4999.50",
        "in_duty": False,
    }
    return cases


def prepare(cases: list[dict]) -> dict[str, list]:
    """Each engine's input in its natural form, built once, outside the timings."""
    raw = cases  # ruleengine: JSON-like dict, money as a string, validated by decide()
    typed = []  # ruleengine: already canonical (money as int/Fraction): the generated checks only
    frac, ints, re_in, zen_in = [], [], [], []
    for c in cases:
        g = Fraction(Decimal(c["illegal_gain"]))
        g = g.numerator if g.denominator == 1 else g
        typed.append(dict(c, illegal_gain=g))
        args = (c["sensitive_items"], c["important_items"], c["other_items"])
        frac.append((*args, Fraction(Decimal(c["illegal_gain"])), c["in_duty"]))
        ints.append((*args, int(Decimal(c["illegal_gain"]) * 100), c["in_duty"]))
        re_in.append(dict(c, illegal_gain=Decimal(c["illegal_gain"])))
        zen_in.append(json.dumps(c).replace(f'"{c["illegal_gain"]}"', c["illegal_gain"]))
    return {"raw": raw, "typed": typed, "frac": frac, "int": ints, "re": re_in, "zen": zen_in}


# ------------------------------------------------------------------ timing
def engines(book) -> list[tuple[str, str, object]]:
    """(label, input kind, callable returning the level name)."""
    decide, explain = book.decide, book.explain

    def rule_decide(f):
        return decide(f, DAY).conclusions["level"]

    def rule_explain(f):
        return explain(f, DAY).decision.conclusions["level"]

    return [
        ("hand-written, Fraction (reference)", "frac", lambda a: hand_fraction(*a)),
        ("hand-written, integers (cents)", "int", lambda a: hand_int(*a)),
        ("ruleengine decide (raw dict, money str)", "raw", rule_decide),
        ("ruleengine decide (typed dict)", "typed", rule_decide),
        ("ruleengine explain (raw dict)", "raw", rule_explain),
        ("rule-engine (Decimal)", "re", make_rule_engine()),
        ("zen-engine (JSON text)", "zen", make_zen()),
    ]


def check_agreement(table, inputs, cases) -> None:
    """Abort unless every engine gives the reference's level on every case."""
    expected = [hand_fraction(*a) for a in inputs["frac"]]
    bad = []
    for label, kind, fn in table:
        for n, x in enumerate(inputs[kind]):
            got = fn(x)
            if got != expected[n]:
                bad.append(f"  {label}: case {n} {cases[n]} -> {got!r}, expected {expected[n]!r}")
    if bad:
        sys.exit("DISAGREEMENT between engines (no timings printed):\n" + "\n".join(bad[:20]))


def time_loop(fn, xs) -> float:
    start = time.perf_counter()
    for x in xs:
        fn(x)
    return time.perf_counter() - start


def median_time(fn, repeats: int) -> float:
    return statistics.median(_timed(fn) for _ in range(repeats))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fresh_process_explain(repeats: int) -> tuple[str, float]:
    """`ruleengine explain` as a new process, or the python -c equivalent if the CLI fails."""
    cli = Path(sys.executable).with_name("ruleengine")
    cmd = [str(cli if cli.exists() else shutil.which("ruleengine") or cli)]
    cmd += ["explain", "--rules", str(RULES), str(CASE)]
    probe = subprocess.run(cmd, capture_output=True, cwd=HERE.parent)
    if probe.returncode != 0:
        code = (
            "import ruleengine, ruleengine.facts as f, pathlib;"
            f"b = ruleengine.load_paths([{str(RULES)!r}]);"
            f"t = b.explain(f.loads_json(pathlib.Path({str(CASE)!r}).read_text()));"
            "print(t.decision.conclusions['level'])"
        )
        cmd = [sys.executable, "-c", code]
        label = "python -c (load + explain; CLI not usable)"
        probe = subprocess.run(cmd, capture_output=True, cwd=HERE.parent)
        if probe.returncode != 0:
            sys.exit(f"fresh-process explain failed:\n{probe.stderr.decode()}")
    else:
        label = "ruleengine explain (CLI)"
    return label, median_time(lambda: subprocess.run(cmd, capture_output=True), repeats)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=3000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seed", type=int, default=20170601)
    args = p.parse_args(argv)

    book = ruleengine.load_paths([str(RULES)])
    cases = make_cases(args.cases, args.seed)
    inputs = prepare(cases)
    table = engines(book)
    check_agreement(table, inputs, cases)
    counts = {lv: sum(hand_fraction(*a) == lv for a in inputs["frac"]) for lv in LEVELS}

    # Round-robin over engines in each repeat so drift hits all alike.
    runs: dict[str, list[float]] = {label: [] for label, _, _ in table}
    for _ in range(args.repeats):
        for label, kind, fn in table:
            runs[label].append(time_loop(fn, inputs[kind]) / len(cases))
    per_case = {label: statistics.median(ts) for label, ts in runs.items()}
    ref = per_case[table[0][0]]
    ref_int = per_case[table[1][0]]

    print(f"python {platform.python_version()}, nproc {os.cpu_count()}, {platform.machine()}")
    print(f"{len(cases)} cases (seed {args.seed}): {counts}; median of {args.repeats} runs")
    print(f"all {len(table)} implementations agree on every case\n")
    head = f"{'implementation':42} {'us/case':>9} {'cases/s':>10} {'x Fraction':>10} {'x int':>7}"
    print(head)
    print("-" * len(head))
    for label, _, _ in table:
        t = per_case[label]
        print(f"{label:42} {t * 1e6:9.2f} {1 / t:10.0f} {t / ref:10.2f} {t / ref_int:7.2f}")

    # Load + compile with the grammar cache warm.
    def load():
        return ruleengine.load_paths([str(RULES)])

    def load_and_build():
        load().epoch(DAY)

    load_and_build()
    t_load = median_time(load, max(args.repeats, 5))
    t_build = median_time(load_and_build, max(args.repeats, 5))
    label, t_fresh = fresh_process_explain(max(args.repeats, 7))
    t_python = median_time(
        lambda: subprocess.run([sys.executable, "-c", "pass"]), max(args.repeats, 5)
    )

    fast = per_case["ruleengine decide (raw dict, money str)"] / ref
    fast_typed = per_case["ruleengine decide (typed dict)"] / ref
    expl = per_case["ruleengine explain (raw dict)"] / ref
    print()
    print(f"load_paths (parse + check), warm grammar cache:  {t_load * 1e3:7.1f} ms")
    print(f"load_paths + epoch build (codegen):             {t_build * 1e3:7.1f} ms")
    print(f"fresh process, {label}: {t_fresh * 1e3:7.0f} ms")
    print(f"  (bare `python -c pass`: {t_python * 1e3:.0f} ms)")
    print()
    print("targets (against the Fraction reference):")
    for name, value, limit, unit in (
        ("fast path, raw dict", fast, 3, "x"),
        ("fast path, typed dict", fast_typed, 3, "x"),
        ("explain path", expl, 25, "x"),
        ("load + compile", t_build * 1e3, 50, " ms"),
        ("fresh-process explain", t_fresh, 0.5, " s"),
    ):
        verdict = "met" if value <= limit else "NOT met"
        print(f"  {name:24} {value:8.2f}{unit:3} (target <= {limit}{unit.strip()}): {verdict}")


if __name__ == "__main__":
    main()
