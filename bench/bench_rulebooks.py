"""Whole rulebooks: decide and explain cases per second on generated pi2017 and ccdi cases,
and how compiling and deciding grow with synthetic rulebooks of 10 to 5,000 rules.

    python bench/bench_rulebooks.py [--cases N --repeats R]

Cases are generated from each rulebook's declared inputs (seeded): counts log-uniform up to a
million, amounts in yuan with cents, yes/no facts true one time in five, enum members at
random, lists of records of the same kind; cases that do not validate are left out.

Times are CPU time of this process (``time.process_time``), not wall time: on the shared,
loaded machine a long run always includes waits for a processor and a short one often does
not, so wall time would favour long runs over short ones.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import gc
import random
import statistics
import time

from large_rulebooks import rule_text
from timing import interleaved, shown, spread

import ruleengine
from ruleengine import columnar
from ruleengine.plugins import get_plugin_manager, rule_sources
from ruleengine.types import EnumType, ListType, RecordType

CLOCK = time.process_time
DAYS = {"pi2017": datetime.date(2019, 1, 10), "ccdi": datetime.date(2024, 9, 2)}


def value(spec_type, rng: random.Random, day: datetime.date):
    t = spec_type
    if t.kind == "integer":
        return int(10 ** rng.uniform(0, 6)) if rng.random() < 0.7 else 0
    if t.kind in ("money", "decimal"):
        cents = int(10 ** rng.uniform(2, 9))
        return f"{cents // 100}.{cents % 100:02d}"
    if t.kind == "bool":
        return rng.random() < 0.2
    if t.kind == "date":
        return (day - datetime.timedelta(days=rng.randint(0, 2000))).isoformat()
    if isinstance(t, EnumType):
        return rng.choice(t.members)
    if isinstance(t, ListType) and isinstance(t.element, RecordType):
        return [record(t.element.fields, rng, day) for _ in range(rng.randint(0, 4))]
    if t.kind == "text":
        return "x"
    return None


def record(fields: dict, rng: random.Random, day: datetime.date) -> dict:
    out = {}
    for name, spec in fields.items():
        v = value(spec.type, rng, day)
        if v is not None and (rng.random() < 0.6 or spec.default is ruleengine.ir.MISSING):
            out[name] = v
    return out


def cases(book, n: int, day: datetime.date, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        facts = record(book.rulebook.inputs, rng, day)
        if book.rulebook.date_input:
            facts[book.rulebook.date_input] = day.isoformat()
        try:
            book.decide(facts, day)
        except Exception:  # noqa: BLE001 - only cases the rulebook takes
            continue
        out.append(facts)
    return out


def rulebooks(args) -> None:
    pm = get_plugin_manager()
    print("| rulebook | decide, cases/s | explain, cases/s | explain → JSON, cases/s | columnar |")
    print("|---|---|---|---|---|")
    from ruleengine.render import json as render_json

    for name, (_, source) in sorted(rule_sources(pm).items()):
        book = ruleengine.load_paths(list(source.paths), name=name, pm=pm)
        day = DAYS[name]
        batch = cases(book, args.cases, day, 20170601)
        decide, explain = book.decide, book.explain
        runs = {
            "decide": lambda d=decide, b=batch, day=day: [d(c, day) for c in b],
            "explain": lambda e=explain, b=batch, day=day: [e(c, day) for c in b],
            "json": lambda e=explain, b=batch, day=day: [render_json.render(e(c, day)) for c in b],
        }
        times = interleaved(runs, args.repeats, CLOCK)
        rate = {k: len(batch) / spread(v)[0] for k, v in times.items()}
        how = columnar.how(book, day)
        print(
            f"| {name} | {rate['decide']:,.0f} | {rate['explain']:,.0f} | {rate['json']:,.0f} "
            f"| {how} |"
        )


def columns(args) -> None:
    """Each shipped rulebook that qualifies: the columnar path against the per-case one, in
    this process, on the same generated cases, agreement checked first."""
    pm = get_plugin_manager()
    print(
        "\n| rulebook | per-case decide, cases/s | columnar from records "
        "(decide_chunk), cases/s | columnar program on columns, cases/s | path |"
    )
    print("|---|---|---|---|---|")
    for name, (_, source) in sorted(rule_sources(pm).items()):
        book = ruleengine.load_paths(list(source.paths), name=name, pm=pm)
        day = DAYS[name]
        program = columnar.compile(book, day)
        if not isinstance(program, columnar.Program):
            print(f"| {name} | | | | one by one: {program} |")
            continue
        batch = cases(book, args.cases, day, 20170601)
        rows = columnar.decide_cited(book, batch, day)
        for row, facts in zip(rows, batch):
            assert row[:2] == book.decide_cited(facts, day), facts
        paths = collections.Counter(row[2] for row in rows)
        cols = program.columns(batch)
        runs = {
            "decide": lambda bk=book, b=batch, day=day: [bk.decide(c, day) for c in b],
            "chunk": lambda bk=book, b=batch, day=day: columnar.decide_chunk(bk, b, day),
            "program": lambda p=program, c=cols, day=day: p.decide_rows(c, day),
        }
        times = interleaved(runs, args.repeats, CLOCK)
        shown_rate = {}
        for k, v in times.items():
            median, shortest, longest = spread(v)
            rates = (len(batch) / median, len(batch) / longest, len(batch) / shortest)
            shown_rate[k] = "{:,.0f} ({:,.0f}..{:,.0f})".format(*rates)
        print(
            f"| {name} | {shown_rate['decide']} | {shown_rate['chunk']} | "
            f"{shown_rate['program']} | "
            + "; ".join(f"{path}: {count}" for path, count in sorted(paths.items()))
            + " |"
        )


def scaling(args) -> None:
    """Compile time and per-case time of `scale` texts (large_rulebooks.py) of N rules, for
    the decision (`decide`) and the explanation (`explain`, a Trace). The sizes take turns,
    round by round, so that drift on the shared machine hits all alike; the last column is
    the ratio of explaining at each size to explaining at the size before, per round."""
    print(
        "\n| rules | load (parse + check), ms | generate + compile decide, ms "
        "| decide, µs/case | generate + compile explain, ms | explain, µs/case "
        "| explain, x the size before | explain, every rule read, µs/case |"
    )
    print("|---|---|---|---|---|---|---|---|")
    day = datetime.date(2020, 1, 1)
    sizes = (10, 100, 1000, 5000)
    texts = {n: rule_text("scale", n) for n in sizes}
    keys = ("load", "fast", "decide", "ex", "explain", "read")
    times = {n: {k: [] for k in keys} for n in sizes}
    for _ in range(args.repeats):
        for n in sizes:
            facts, t = {"n": n // 2}, times[n]
            book = None  # the size before's rulebook, collected before this one is timed
            gc.collect()
            start = CLOCK()
            book = ruleengine.load_text(texts[n])
            t["load"].append(CLOCK() - start)
            epoch = book.epoch(day)

            def read(facts, day, explain=book.explain):
                """An explanation with all a renderer reads: every rule's evidence (made
                when first read), and the nearest misses, checked."""
                trace = explain(facts, day)
                for rule in trace.rules:
                    rule.evidence  # noqa: B018
                return trace.misses

            for place, key in ((epoch.fast, "fast"), (epoch.explain, "ex")):
                start = CLOCK()
                place.program()
                t[key].append(CLOCK() - start)
            # Each call timed alone, the median kept: a loop of a few long calls timed as one
            # takes in every time the process was made to wait (at 5,000 rules, up to 4x).
            for key, call in (("decide", book.decide), ("explain", book.explain), ("read", read)):
                calls = []
                for _ in range(max(20, 20000 // n if key == "decide" else 2000 // n)):
                    start = CLOCK()
                    call(facts, day)
                    calls.append(CLOCK() - start)
                t[key].append(statistics.median(calls))
    for i, n in enumerate(sizes):
        ms = {k: shown(*spread(v, 1e3), 1) for k, v in times[n].items()}
        us = {k: shown(*spread(v, 1e6), 1) for k, v in times[n].items()}
        ratio = ""
        if i:
            before = times[sizes[i - 1]]["explain"]
            ratio = shown(*spread([a / b for a, b in zip(times[n]["explain"], before)]), 1)
        print(
            f"| {n:,} | {ms['load']} | {ms['fast']} | {us['decide']} | {ms['ex']} "
            f"| {us['explain']} | {ratio} | {us['read']} |"
        )


def explain_calls(n: int, count: int, collector: bool) -> None:
    """``count`` explanations of a `scale` text of ``n`` rules and nothing else timed, for
    counting their instructions: the calls are driven by ``itertools.starmap``, so that
    ``valgrind --tool=callgrind --toggle-collect=starmap_next`` counts only them (loading
    and compiling left out), the collector running or disabled (bench/README.md)."""
    import collections as c
    import gc
    import itertools

    day = datetime.date(2020, 1, 1)
    book = ruleengine.load_text(rule_text("scale", n))
    facts = {"n": n // 2}
    book.explain(facts, day)  # compiled and warm
    if not collector:
        gc.disable()
    c.deque(itertools.starmap(book.explain, itertools.repeat((facts, day), count)), maxlen=0)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--only", choices=("rulebooks", "columnar", "scaling"))
    p.add_argument(
        "--explain-calls",
        nargs=2,
        type=int,
        metavar=("RULES", "CALLS"),
        help="only run CALLS explanations of a scale text of RULES rules (to count them)",
    )
    p.add_argument("--no-collector", action="store_true", help="with --explain-calls")
    args = p.parse_args(argv)
    if args.explain_calls:
        explain_calls(*args.explain_calls, collector=not args.no_collector)
        return
    if args.only in (None, "rulebooks"):
        rulebooks(args)
    if args.only in (None, "columnar"):
        columns(args)
    if args.only in (None, "scaling"):
        scaling(args)


if __name__ == "__main__":
    main()
