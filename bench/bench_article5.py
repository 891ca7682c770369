"""Benchmark: the Art. 5 standards (PI interpretation 2017) in ruleengine, against the floor
(the exact hand-written function) and two peer engines, after checking that every path gives
the same outcome on every case.

    python bench/bench_article5.py [--cases N --repeats R --seed S]

Every figure is the median of R interleaved repetitions, with min..max: µs a case, and the
ratio to the floor. bench/README.md says what each line includes and why.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from timing import interleaved, shown, spread

import ruleengine
from ruleengine.render import json as render_json
from ruleengine.render import text as render_text

HERE = Path(__file__).resolve().parent
RULES = HERE / "article5.rules"
DAY = datetime.date(2018, 1, 1)
LEVELS = ("none", "serious", "especially_serious")
# Standards of Art. 5 para. 1 items 3-5 and 7 (items); money in yuan.
BASE = {"sensitive_items": 50, "important_items": 500, "other_items": 5000}
GAIN = 5000
#: The engine's bound on the digits of a number (facts.MAX_DIGITS), kept by the floor too.
MAX_DIGITS = 40


# ------------------------------------------------------------------ the floor
_FIELDS = frozenset((*BASE, "illegal_gain", "in_duty"))
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]+))?")
_BIG = 10**MAX_DIGITS


def _count(facts: dict, name: str) -> int:
    value = facts.get(name, 0)
    if type(value) is not int or not 0 <= value < _BIG:
        raise ValueError(f"{name}: expected a whole number >= 0, got {value!r}")
    return value


def floor(facts: dict) -> str:
    """The rule written by hand, exactly, from the same raw dict the engine gets: unknown
    fields refused, each field checked, money read from its decimal text as an integer over a
    power of ten. Halving a threshold is doubling the left side; the proportional sum is
    cross-multiplied (s/50 + i/500 + o/5000 >= 1 <=> 100s + 10i + o >= 5000); no ratio is
    left that needs a Fraction."""
    if type(facts) is not dict or not _FIELDS.issuperset(facts):
        raise ValueError(f"unknown fields: {sorted(set(facts) - _FIELDS)}")
    s = _count(facts, "sensitive_items")
    i = _count(facts, "important_items")
    o = _count(facts, "other_items")
    gain = facts.get("illegal_gain", 0)
    if type(gain) is int and 0 <= gain < _BIG:
        g, scale = gain, 1
    elif type(gain) is str and len(gain) <= MAX_DIGITS and (m := _AMOUNT.fullmatch(gain)):
        whole, places = m.groups()
        g, scale = (int(whole + places), 10 ** len(places)) if places else (int(whole), 1)
    else:
        raise ValueError(f"illegal_gain: expected an amount >= 0, got {gain!r}")
    duty = facts.get("in_duty", False)
    if duty is not True and duty is not False:
        raise ValueError(f"in_duty: expected true or false, got {duty!r}")
    if duty:
        s, i, o, g = 2 * s, 2 * i, 2 * o, 2 * g
    mix = 100 * s + 10 * i + o
    if s >= 500 or i >= 5000 or o >= 50000 or g >= 50000 * scale or mix >= 50000:
        return "especially_serious"
    if s >= 50 or i >= 500 or o >= 5000 or g >= 5000 * scale or mix >= 5000:
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


LEVEL_EXPRESSION = (
    f"({_condition(10)}) ? 'especially_serious' : (({_condition(1)}) ? 'serious' : 'none')"
)


def make_rule_engine():
    """Two rule-engine rules, highest first, each called with ``Rule.matches`` as its docs
    show. Numbers are decimal.Decimal in rule-engine; every divisor is 2^a*5^b, so each
    quotient terminates and is exact within 28 digits."""
    import rule_engine

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
    node = {"x": 0, "y": 0}
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "request", "position": node},
            {
                "id": "level",
                "type": "expressionNode",
                "name": "level",
                "position": node,
                "content": {
                    "expressions": [{"id": "e1", "key": "level", "value": LEVEL_EXPRESSION}]
                },
            },
            {"id": "out", "type": "outputNode", "name": "response", "position": node},
        ],
        "edges": [
            {"id": "e-in", "sourceId": "in", "targetId": "level", "type": "edge"},
            {"id": "e-out", "sourceId": "level", "targetId": "out", "type": "edge"},
        ],
    }


def make_zen_engine():
    """zen's documented way to evaluate a decision many times: a ``ZenEngine`` whose loader
    hands back the decision pre-compiled (``ZenDecisionContent``), then
    ``engine.evaluate(key, context)``. (``create_decision(...).evaluate`` builds the decision
    again at every call: about 40 times slower.) zen computes with 28-digit decimals; the
    context is JSON text, which it parses exactly: a Python float in a dict would be rounded
    to about 15 significant digits on the way in (2499.9999999999995 becomes 2500)."""
    import zen

    content = zen.ZenDecisionContent(json.dumps(zen_graph()))
    engine = zen.ZenEngine({"loader": lambda key: content})
    evaluate = engine.evaluate

    def level(text: str) -> str:
        return evaluate("article5", text)["result"]["level"]

    return level


def make_zen_expression():
    """The same expression compiled once with ``zen.compile_expression``, evaluated on each
    case's JSON text."""
    import zen

    evaluate = zen.compile_expression(LEVEL_EXPRESSION).evaluate
    return evaluate


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
    # The exact-sum example: 36/50 + 99/500 + 410/5000 is exactly 1.
    cases[0] = {
        "sensitive_items": 36,
        "important_items": 99,
        "other_items": 410,
        "illegal_gain": "4999.50",
        "in_duty": False,
    }
    return cases


def zen_text(case: dict) -> str:
    """The case as JSON text with the amount as a JSON number (``4999.50``)."""
    return json.dumps(case).replace(f'"{case["illegal_gain"]}"', case["illegal_gain"])


# ------------------------------------------------------------------ the paths
def paths(book) -> list[tuple[str, str, object, object]]:
    """(label, input kind, callable on one input, its outcome from what the callable
    returned). The callables return what a caller gets; reading the level out of it is left
    out of the timing, but its work is not (a rendered text is rendered in full)."""
    decide, explain = book.decide, book.explain
    labels = {m: book.rulebook.conclusions["level"].type.labels[m].get("en") for m in LEVELS}

    def to_json(facts):
        return render_json.render(explain(facts, DAY))

    def to_text(facts):
        return render_text.render(explain(facts, DAY))

    def level_of_text(text: str) -> str:
        head = text.split("\n", 1)[0]
        found = [m for m in LEVELS if head.endswith(": " + labels[m])]
        return found[0] if len(found) == 1 else f"? {head}"

    table = [
        ("floor (hand-written, exact, validating)", "raw", floor, lambda r: r),
        ("ruleengine decide", "raw", lambda f: decide(f, DAY), lambda d: d.conclusions["level"]),
        (
            "ruleengine explain -> Trace",
            "raw",
            lambda f: explain(f, DAY),
            lambda t: t.decision.conclusions["level"],
        ),
        (
            "ruleengine explain -> JSON text",
            "raw",
            to_json,
            lambda s: json.loads(s)["outcome"]["level"],
        ),
        ("ruleengine explain -> text (tree)", "raw", to_text, level_of_text),
    ]
    try:
        table.append(("zen-engine ZenEngine.evaluate", "zen", make_zen_engine(), str))
        table.append(("zen-engine compile_expression", "zen", make_zen_expression(), str))
    except ImportError:
        print("zen-engine not installed (pip install -e '.[bench]'): left out", file=sys.stderr)
    try:
        table.append(("rule-engine Rule.matches", "re", make_rule_engine(), str))
    except ImportError:
        print("rule-engine not installed (pip install -e '.[bench]'): left out", file=sys.stderr)
    return table


def columnar_paths(book, cases: list[dict]):
    """The columnar path, when it can run here: the whole batch at once. Returns [(label,
    callable running the batch, its outcomes)] or [] with the reason printed."""
    try:
        from ruleengine import columnar
    except ImportError as err:
        print(f"columnar path left out: {err}", file=sys.stderr)
        return []
    program = columnar.compile(book, DAY)
    if isinstance(program, columnar.Blocked):
        print(f"columnar path not chosen: {program}", file=sys.stderr)
        return []
    columns = program.columns(cases)
    if not columns.rows:
        print("columnar path: the cases do not fit in columns", file=sys.stderr)
        return []

    def on_columns():
        return program.decide_columns(columns)

    def on_records():
        return columnar.decide_chunk(book, cases, DAY)

    return [
        (
            "columnar decide_columns (int64 columns)",
            on_columns,
            lambda out: [str(x) for x in out["level"]],
        ),
        (
            "columnar decide_chunk (raw dicts in)",
            on_records,
            lambda rows: [r.conclusions["level"] for r in rows],
        ),
    ]


#: How many times in a row a batch path decides the cases in one timed run.
CHUNKS = 10


def _chunks(fn):
    def run():
        for _ in range(CHUNKS):
            fn()

    return run


def prepare(cases: list[dict]) -> dict[str, list]:
    """Each engine's input in its natural form, built once, outside the timings."""
    return {
        "raw": cases,  # the JSON-like dict: counts as ints, money as its decimal text
        "re": [dict(c, illegal_gain=Decimal(c["illegal_gain"])) for c in cases],
        "zen": [zen_text(c) for c in cases],
    }


def check_agreement(table, batch, inputs, cases) -> None:
    """Abort unless every path gives the floor's outcome on every case."""
    expected = [floor(c) for c in cases]
    bad = []
    for label, kind, fn, outcome in table:
        for n, x in enumerate(inputs[kind]):
            got = outcome(fn(x))
            if got != expected[n]:
                bad.append(f"  {label}: case {n} {cases[n]} -> {got!r}, expected {expected[n]!r}")
    for label, fn, outcomes in batch:
        for n, got in enumerate(outcomes(fn())):
            if got != expected[n]:
                bad.append(f"  {label}: case {n} {cases[n]} -> {got!r}, expected {expected[n]!r}")
    if bad:
        sys.exit("DISAGREEMENT (no timings printed):\n" + "\n".join(bad[:20]))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=3000)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--seed", type=int, default=20170601)
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu (default): the time the process ran, not counting waits for a processor "
        "(on a loaded machine a 3 ms loop of the floor often escapes them and a 200 ms loop "
        "of explain never does, which a wall clock turns into a ratio in our favour); wall: "
        "elapsed time",
    )
    args = p.parse_args(argv)

    book = ruleengine.load_paths([str(RULES)])
    cases = make_cases(args.cases, args.seed)
    inputs = prepare(cases)
    table = paths(book)
    batch = columnar_paths(book, cases)
    check_agreement(table, batch, inputs, cases)
    counts = {lv: sum(floor(c) == lv for c in cases) for lv in LEVELS}

    def loop(fn, xs):
        def run():
            for x in xs:
                fn(x)

        return run

    runs = {label: loop(fn, inputs[kind]) for label, kind, fn, _ in table}
    # A batch path decides the cases CHUNKS times in a row in each run, as a batch runner
    # deciding chunk after chunk would: the collector run before each timing gives memory
    # back, and the first chunk after it pays the page faults of its new arrays (about 80 ns
    # a case for the int64 columns, three times the work itself), which the next do not.
    runs.update({label: _chunks(fn) for label, fn, _ in batch})
    batch_labels = {label for label, _, _ in batch}
    per_run = {label: CHUNKS if label in batch_labels else 1 for label in runs}
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    times = interleaved(runs, args.repeats, clock)
    n = len(cases)
    per_case = {label: spread(ts, 1e6 / n / per_run[label]) for label, ts in times.items()}
    floor_us = per_case[table[0][0]][0]
    # The ratio within each round (the floor and the path timed moments apart), then its
    # median and range: less moved by the load on the machine than a ratio of medians.
    floor_times = times[table[0][0]]
    ratios = {
        label: spread([t / per_run[label] / f for t, f in zip(ts, floor_times, strict=True)])
        for label, ts in times.items()
    }

    print(f"python {platform.python_version()}, nproc {os.cpu_count()}, {platform.machine()}")
    print(
        f"{n} cases (seed {args.seed}): {counts}; median of {args.repeats} interleaved runs, "
        f"{args.clock} time"
    )
    print(f"all {len(table) + len(batch)} paths agree on every case\n")
    if args.markdown:
        print("| path | µs/case, median (min..max) | cases/s | × floor | × floor, per round |")
        print("|---|---|---|---|---|")
    else:
        head = (
            f"{'path':42} {'us/case median (min..max)':>28} {'cases/s':>11} {'x floor':>8}"
            f" {'x floor per round':>24}"
        )
        print(head)
        print("-" * len(head))
    for label in runs:
        med, low, high = per_case[label]
        ratio = med / floor_us
        if args.markdown:
            print(
                f"| {label} | {shown(med, low, high)} | {1e6 / med:,.0f} | {ratio:.2f} "
                f"| {shown(*ratios[label])} |"
            )
        else:
            print(
                f"{label:42} {shown(med, low, high):>28} {1e6 / med:11,.0f} {ratio:8.2f}"
                f" {shown(*ratios[label]):>24}"
            )

    targets = [
        ("ruleengine decide", 5),
        ("ruleengine explain -> Trace", 30),
        ("ruleengine explain -> JSON text", 60),
    ]
    print("\ntargets (ratio of the medians; per round: median (min..max)):")
    for label, limit in targets:
        ratio = per_case[label][0] / floor_us
        verdict = "met" if max(ratio, ratios[label][0]) <= limit else "NOT met"
        print(
            f"  {label:34} {ratio:7.2f}x, per round {shown(*ratios[label])}"
            f"  (target <= {limit}x): {verdict}"
        )
    if batch:
        label = batch[0][0]
        speedup = floor_us / per_case[label][0]
        round_speedups = [
            f * per_run[label] / t for t, f in zip(times[label], floor_times, strict=True)
        ]
        per_round = spread(round_speedups)
        verdict = "met" if min(speedup, per_round[0]) >= 10 else "NOT met"
        print(
            f"  {label:34} {speedup:7.2f}x the floor's cases/s, per round {shown(*per_round)}"
            f" (target >= 10x): {verdict}"
        )


if __name__ == "__main__":
    main()
