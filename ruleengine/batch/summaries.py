"""Summaries of a batch: counts by one conclusion, cross-tabs of two, filtered, as queries.

Analysts ask what a disciplinary body publishes: how many persons and cases per discipline
breached, per sanction, per criminal band, and across two of them. Each count here is one
DuckDB group-by over the results table (``results.Results``): a person counts under each value
it has (a set: under each member; an empty set under *none*; an undecided value under *not
decided*), a case once under each value any of its persons has (``count(DISTINCT line)``).
What is asked is printed: by default the conclusions the rule text declares as its headline
(``headline:`` in the document header), else every conclusion.
"""

from __future__ import annotations

import datetime
import io
import json
from fractions import Fraction
from typing import Any

import attrs

from ..facts import to_json_value
from ..types import EnumType
from .listing import MAX_LISTED, as_grid, largest
from .records import CAUSES, Skipped
from .results import NONE, UNDECIDED, Filter, Results, find_part, key_sql, quote, where_sql
from .table import Part, Schema, value_of

WORDS = {
    "persons": {"en": "persons", "zh": "人数"},
    "cases": {"en": "cases", "zh": "案件数"},
    "value": {"en": "value", "zh": "认定"},
    "floor": {"en": "floor (least the rules allow)", "zh": "下限"},
    "ceiling": {"en": "ceiling (most the rules allow)", "zh": "上限"},
    "empty": {"en": "none", "zh": "无"},
    "undecided": {"en": "not decided", "zh": "未认定"},
    "totals": {
        "en": "{rulebook}: {cases} cases, {persons} persons; {skipped} of {lines} lines skipped",
        "zh": "{rulebook}：案件{cases}件，涉及{persons}人；共{lines}行，跳过{skipped}行",
    },
    "blank_unknown": {
        "en": " (not blank; run's totals count the blank lines, which results do not hold)",
        "zh": "（不含空行；空行数见 run 的合计，结果文件不记录空行）",
    },
    "faults": {
        "en": "{n} line(s) skipped because of a bug in a plugin or in ruleengine, not because of "
        "their content (see standard error)",
        "zh": "{n}行因插件或ruleengine的程序错误而跳过，并非数据有误（见标准错误输出）",
    },
    "conflicts": {
        "en": "{n} person(s) with conflicting rules (counted as not decided there)",
        "zh": "{n}人存在规则冲突（相应结论计为未认定）",
    },
    "not_in_force": {
        "en": "{n} person(s) judged on a date when no provision was in force",
        "zh": "{n}人的适用日期无生效条款",
    },
    "where": {
        "en": "where {filters}: {persons} persons, {cases} cases",
        "zh": "筛选条件 {filters}：{persons}人，{cases}件",
    },
    "by": {"en": "{a} by {b} ({count})", "zh": "{a} × {b}（{count}）"},
    "left_out": {
        "en": " ({total:,} {what}, the {most} largest shown: all with --format json or csv)",
        "zh": "（共{total:,}{what}，列出人数最多的{most}项；全部见 --format json 或 csv）",
    },
    "values": {"en": "values", "zh": "个值"},
    "pairs": {"en": "pairs of values", "zh": "对值"},
}


def word(key: str, lang: str, **kw) -> str:
    return WORDS[key][lang].format(**kw)


@attrs.define
class Table:
    """Persons and cases under each value of one part of a conclusion."""

    part: Part
    #: (key, value shown) in reading order; the key is the cell's text, NONE or UNDECIDED.
    rows: list[tuple[str, Any]]
    persons: dict[str, int]
    cases: dict[str, int]


@attrs.define
class Cross:
    """Persons and cases under each pair of values of two parts."""

    a: Table
    b: Table
    #: Only the pairs that occur (a grid of two amounts is mostly empty).
    cells: dict[tuple[str, str], tuple[int, int]]

    def occurring(self) -> list[tuple[tuple[str, Any], tuple[str, Any], int, int]]:
        """``((key, value) of a, (key, value) of b, persons, cases)`` for each pair that
        occurs, in the axes' reading order."""
        at_a = {k: (i, v) for i, (k, v) in enumerate(self.a.rows)}
        at_b = {k: (i, v) for i, (k, v) in enumerate(self.b.rows)}
        pairs = sorted(self.cells, key=lambda kk: (at_a[kk[0]][0], at_b[kk[1]][0]))
        return [((ka, at_a[ka][1]), (kb, at_b[kb][1]), *self.cells[(ka, kb)]) for ka, kb in pairs]


@attrs.define
class Summary:
    rulebook: str
    as_of: datetime.date | None
    totals: dict
    skipped: list[Skipped]
    tables: list[Table] = attrs.Factory(list)
    cross: Cross | None = None
    where: list[str] = attrs.Factory(list)
    matching: tuple[int, int] | None = None  # persons, cases that pass the filters
    provisions: Any = None  # provisions.Provisions

    # The totals by name, as the summary of old had them.
    lines = property(lambda self: self.totals["lines"])
    blank = property(lambda self: self.totals["lines_blank"])
    cases = property(lambda self: self.totals["cases"])
    persons = property(lambda self: self.totals["persons"])
    conflicts = property(lambda self: self.totals["persons_with_conflicts"])
    not_in_force = property(lambda self: self.totals["persons_not_in_force"])


# ------------------------------------------------------------------ counting
def count(results: Results, part: Part, filters: list[Filter]) -> Table:
    where, params = where_sql(filters)
    rows = results.query(
        f"SELECT k, count(*), count(DISTINCT line) FROM (SELECT line, {key_sql(part)} AS k "
        f"FROM {results.name}{where}) GROUP BY k",
        params,
    )
    persons = {k: p for k, p, _ in rows}
    cases = {k: c for k, _, c in rows}
    return Table(part, ordered(part, persons), persons, cases)


def crosstab(results: Results, a: Part, b: Part, filters: list[Filter]) -> Cross:
    where, params = where_sql(filters)
    rows = results.query(
        f"SELECT ka, kb, count(*), count(DISTINCT line) FROM (SELECT line, ka, {key_sql(b)} "
        f"AS kb FROM (SELECT line, {quote(b.column)}, {key_sql(a)} AS ka FROM {results.name}"
        f"{where})) GROUP BY ka, kb",
        params,
    )
    cells = {(ka, kb): (p, c) for ka, kb, p, c in rows}
    tables = []
    for part, index in ((a, 0), (b, 1)):
        persons: dict[str, int] = {}
        for key, (p, _) in cells.items():
            persons[key[index]] = persons.get(key[index], 0) + p
        tables.append(Table(part, ordered(part, persons), persons, {}))
    return Cross(tables[0], tables[1], cells)


def ordered(part: Part, found: dict[str, int]) -> list[tuple[str, Any]]:
    """``(key, value)`` in reading order: members as declared (all of them, even at zero),
    other values in order, then "none" and "not decided" when they occur."""
    t = part.type
    if isinstance(t, EnumType):
        out = [(m, m) for m in t.members]
        known = set(t.members)
        out += sorted((k, k) for k in found if k not in known and k not in (NONE, UNDECIDED))
    else:
        values = [(k, value_of(k, t)) for k in found if k not in (NONE, UNDECIDED)]
        out = sorted(values, key=lambda kv: _order(kv[1]))
    for special in (NONE, UNDECIDED):
        if found.get(special):
            out.append((special, special))
    return out


def _order(value: Any) -> tuple:
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, (int, Fraction)):
        return (1, value, "")
    return (2, 0, json.dumps(to_json_value(value), sort_keys=True, ensure_ascii=False))


def totals_of(results: Results, skipped: list[Skipped], filters: list[Filter]) -> dict:
    """The totals of a results file, and the lines its errors file lists."""
    ((persons, cases, conflicts, not_in_force),) = results.query(
        f"SELECT count(*), count(DISTINCT line), count(*) FILTER (WHERE len(conflicts) > 0), "
        f"count(*) FILTER (WHERE NOT in_force) FROM {results.name}"
    )
    return {
        "lines": cases + len(skipped),
        "lines_counted": cases,
        "lines_skipped": len(skipped),
        "lines_skipped_by_cause": {c: sum(s.cause == c for s in skipped) for c in CAUSES},
        "lines_blank": None,  # not in the results: run's totals gave them (docs/batch.md)
        "cases": cases,
        "persons": persons,
        "persons_with_conflicts": conflicts,
        "persons_not_in_force": not_in_force,
    }


def summarise_results(
    results: Results,
    totals: dict,
    skipped: list[Skipped],
    *,
    by: list[str] | None = None,
    where: list[Filter] = (),
    as_of: datetime.date | None = None,
) -> Summary:
    """The summary asked: ``by`` one name (a table per part) or two (a cross-tab); by default
    the rulebook's headline conclusions, else every conclusion."""
    schema = results.schema
    rb = schema.rulebook
    filters = list(where)
    summary = Summary(rb.name, as_of, totals, skipped, where=[f.text for f in filters])
    if filters:
        clause, params = where_sql(filters)
        ((persons, cases),) = results.query(
            f"SELECT count(*), count(DISTINCT line) FROM {results.name}{clause}", params
        )
        summary.matching = (persons, cases)
    parts, cross = asked(schema, by)
    if cross is not None:
        summary.cross = crosstab(results, *cross, filters)
    for part in parts:
        summary.tables.append(count(results, part, filters))
    return summary


def asked(schema: Schema, by: list[str] | None) -> tuple[list[Part], tuple[Part, Part] | None]:
    """The parts to count: a table per part (``by``'s one name; by default the rulebook's
    headline conclusions, else every conclusion), or the two of a cross-tab. ``ResultsError``
    for a name that is none, so that ``summary`` can check ``--by`` before any work."""
    if by and len(by) == 2:
        (a,) = find_part(schema, by[0])
        (b,) = find_part(schema, by[1])
        return [], (a, b)
    rb = schema.rulebook
    names = by or list(getattr(rb, "headline", ()) or ()) or list(rb.conclusions)
    return [p for name in names for p in find_part(schema, name, whole_range=True)], None


# ------------------------------------------------------------------ presenting
def part_label(book, part: Part, lang: str) -> str:
    from ..render.explanation import local

    c = book.rulebook.conclusions[part.conclusion]
    label = local(c.label, lang, part.conclusion)
    sep = "：" if lang == "zh" else ": "
    return f"{label}{sep}{word(part.part, lang)}" if part.part else label


def value_label(part: Part, value: Any, lang: str) -> str:
    from ..render.explanation import show_value

    if value == NONE:
        return word("empty", lang)
    if value == UNDECIDED:
        return word("undecided", lang)
    return show_value(value, part.type, lang)


def value_json(value: Any) -> Any:
    return None if value in (NONE, UNDECIDED) else to_json_value(value)


def _row_json(part: Part, key: str, value: Any, lang: str, persons: int, cases: int) -> dict:
    row: dict[str, Any] = {
        "value": value_json(value),
        "label": value_label(part, value, lang),
        "persons": persons,
        "cases": cases,
    }
    if value == NONE:
        row["special"] = "none"
    elif value == UNDECIDED:
        row["special"] = "not_decided"
    return row


def to_json(summary: Summary, book, lang: str = "en") -> dict:
    """Machine-readable and deterministic: same file, same arguments, same bytes."""
    from .provisions import provisions_json

    out: dict[str, Any] = {
        "rulebook": summary.rulebook,
        "as_of": summary.as_of.isoformat() if summary.as_of else None,
        "totals": summary.totals,
        "skipped": [
            {"line": s.line, "reason": s.reason, "cause": s.cause}
            | ({"zh": s.text("zh")} if lang == "zh" else {})
            for s in summary.skipped
        ],
    }
    if summary.where:
        persons, cases = summary.matching or (0, 0)
        out["where"] = {"filters": summary.where, "persons": persons, "cases": cases}
    out["conclusions"] = [
        {
            "conclusion": t.part.conclusion,
            "kind": t.part.kind,
            "part": t.part.part,
            "label": part_label(book, t.part, lang),
            "rows": [
                _row_json(t.part, k, v, lang, t.persons.get(k, 0), t.cases.get(k, 0))
                for k, v in t.rows
            ],
        }
        for t in summary.tables
    ]
    if summary.cross is not None:
        x = summary.cross
        out["crosstab"] = {
            "rows": _axis_json(book, x.a.part, lang),
            "columns": _axis_json(book, x.b.part, lang),
            "cells": [
                {
                    "row": value_json(va),
                    "column": value_json(vb),
                    "row_label": value_label(x.a.part, va, lang),
                    "column_label": value_label(x.b.part, vb, lang),
                    "persons": p,
                    "cases": c,
                }
                for (_, va), (_, vb), p, c in x.occurring()
            ],
        }
    if summary.provisions is not None:
        out["provisions"] = provisions_json(summary.provisions, book, lang)
    return out


def _axis_json(book, part: Part, lang: str) -> dict:
    return {
        "conclusion": part.conclusion,
        "part": part.part,
        "label": part_label(book, part, lang),
    }


def sections(summary: Summary, book, lang: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """The summary as titled tables of text: ``(title, header, rows)``."""
    from .provisions import provisions_sections

    out = []
    for t in summary.tables:
        title, shown = part_label(book, t.part, lang), t.rows
        if len(shown) > MAX_LISTED:  # an amount: a value a case or so
            ranked, _ = largest(
                ((-t.persons.get(k, 0), i, (k, v)) for i, (k, v) in enumerate(shown)),
                lambda r: r[:2],
            )
            shown = [kv for _, _, kv in ranked]
            title += _left_out(len(t.rows), "values", lang)
        rows = [
            [value_label(t.part, v, lang), str(t.persons.get(k, 0)), str(t.cases.get(k, 0))]
            for k, v in shown
        ]
        header = [word("value", lang), word("persons", lang), word("cases", lang)]
        out.append((title, header, rows))
    if summary.cross is not None:
        out.append(_cross_section(summary.cross, book, lang))
    if summary.provisions is not None:
        out += provisions_sections(summary.provisions, book, lang)
    return out


def _cross_section(x: Cross, book, lang: str) -> tuple[str, list[str], list[list[str]]]:
    """A grid of persons while each axis has few values (``listing.as_grid``), else the
    pairs that occur as rows, the largest first."""
    a, b = part_label(book, x.a.part, lang), part_label(book, x.b.part, lang)
    title = word("by", lang, a=a, b=b, count=word("persons", lang))
    if as_grid(len(x.a.rows), len(x.b.rows)):
        header = [f"{a} \\ {b}"] + [value_label(x.b.part, v, lang) for _, v in x.b.rows]
        rows = [
            [value_label(x.a.part, va, lang)]
            + [str(x.cells.get((ka, kb), (0, 0))[0]) for kb, _ in x.b.rows]
            for ka, va in x.a.rows
        ]
        return title, header, rows
    pairs = x.occurring()
    shown, more = largest(enumerate(pairs), lambda ip: (-ip[1][2], ip[0]))
    if more:
        title += _left_out(len(pairs), "pairs", lang)
    header = [a, b, word("persons", lang), word("cases", lang)]
    rows = [
        [value_label(x.a.part, va, lang), value_label(x.b.part, vb, lang), str(p), str(c)]
        for _, ((_, va), (_, vb), p, c) in shown
    ]
    return title, header, rows


def _left_out(total: int, what: str, lang: str) -> str:
    return word("left_out", lang, total=total, what=word(what, lang), most=MAX_LISTED)


def headlines(summary: Summary, lang: str) -> list[str]:
    t = summary.totals
    out = [
        word(
            "totals",
            lang,
            rulebook=summary.rulebook,
            cases=t["cases"],
            persons=t["persons"],
            skipped=t["lines_skipped"],
            lines=t["lines"],
        )
    ]
    if t["lines_blank"]:
        blank = t["lines_blank"]
        out[0] += f"; {blank:,} blank" if lang != "zh" else f"，空行{blank:,}行"
    elif t["lines_blank"] is None:  # a results file: run counted its blank lines apart
        out[0] += word("blank_unknown", lang)
    faults = t["lines_skipped"] - t["lines_skipped_by_cause"]["data"]
    if faults:
        out.append(word("faults", lang, n=faults))
    if t["persons_with_conflicts"]:
        out.append(word("conflicts", lang, n=t["persons_with_conflicts"]))
    if t["persons_not_in_force"]:
        out.append(word("not_in_force", lang, n=t["persons_not_in_force"]))
    if summary.where:
        persons, cases = summary.matching or (0, 0)
        filters = " and ".join(summary.where) if lang == "en" else "，".join(summary.where)
        out.append(word("where", lang, filters=filters, persons=persons, cases=cases))
    return out


def render_text(summary: Summary, book, lang: str = "en", color: bool = False) -> str:
    """The totals, then a table per part, the cross-tab, the provisions."""
    return render_tables(headlines(summary, lang), sections(summary, book, lang), color)


def render_tables(head: list[str], parts, color: bool = False) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable

    out = io.StringIO()
    console = Console(
        file=out,
        width=120,
        color_system="auto" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
    )
    for line in head:  # whole, as a file's name in it must stay copyable
        console.print(line, soft_wrap=True)
    for title, header, rows in parts:
        console.print()
        console.print(title, style="bold" if color else None)
        table = RichTable(
            box=box.SIMPLE_HEAD, show_edge=False, header_style="bold" if color else None
        )
        for i, name in enumerate(header):
            table.add_column(name, overflow="fold", justify="left" if i == 0 else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    return out.getvalue()


def render_markdown(head: list[str], parts) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [*head]
    for title, header, rows in parts:
        lines += ["", f"### {cell(title)}", ""]
        lines.append("| " + " | ".join(cell(h) for h in header) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_csv(summary: Summary, book, lang: str = "en") -> str:
    """One long table: a row per value (or pair of values), or per provision."""
    from .provisions import provisions_rows
    from .writing import SpreadsheetWriter

    out = io.StringIO()
    w = SpreadsheetWriter(out)  # no text cell runs as a formula in a spreadsheet
    if summary.provisions is not None:
        for row in provisions_rows(summary.provisions, book, lang):
            w.writerow(row)
        return out.getvalue()
    if summary.cross is not None:
        x = summary.cross
        w.writerow(
            ["row_conclusion", "row_value", "column_conclusion", "column_value", "persons", "cases"]
        )
        for (_, va), (_, vb), p, c in x.occurring():
            w.writerow(
                [
                    x.a.part.column,
                    _csv_value(x.a.part, va, lang),
                    x.b.part.column,
                    _csv_value(x.b.part, vb, lang),
                    p,
                    c,
                ]
            )
        return out.getvalue()
    w.writerow(["conclusion", "value", "label", "persons", "cases"])
    for t in summary.tables:
        for k, v in t.rows:
            w.writerow(
                [
                    t.part.column,
                    _csv_value(t.part, v, lang, label=False),
                    value_label(t.part, v, lang),
                    t.persons.get(k, 0),
                    t.cases.get(k, 0),
                ]
            )
    return out.getvalue()


def _csv_value(part: Part, value: Any, lang: str, label: bool = True) -> str:
    if value == NONE:
        return "(none)"
    if value == UNDECIDED:
        return "(not decided)"
    shown = to_json_value(value)
    return (
        json.dumps(shown, ensure_ascii=False)
        if isinstance(shown, (dict, list))
        else str(shown).lower()
        if isinstance(shown, bool)
        else str(shown)
    )


# ------------------------------------------------------------------ a summary in one call
def summarise(
    book,
    lines,
    adapt=None,
    as_of: datetime.date | None = None,
    on_skip=None,
    on_note=None,
    on_fault=None,
    *,
    by: list[str] | None = None,
    where: list[str] = (),
) -> Summary:
    """Decide every line here and summarise: the results go through a temporary file that
    DuckDB reads. ``on_skip`` receives each ``Skipped`` line, ``on_note`` each (line, note),
    ``on_fault`` each (line, traceback) of a bug met on a line."""
    import tempfile
    from pathlib import Path

    from .results import Results, parse_where
    from .running import Context, Options, run
    from .writing import ResultsWriter

    context = Context(book, adapt, Options(as_of, False, "jsonl"))
    skipped: list[Skipped] = []
    with tempfile.TemporaryDirectory(prefix="ruleengine-") as tmp:
        path = Path(tmp) / "results.jsonl"
        writer = ResultsWriter(path, "jsonl", context.schema)

        def sink(decided) -> None:
            writer.write(decided.rows, decided.persons)
            for s in decided.skipped:
                skipped.append(s)
                if on_skip is not None:
                    on_skip(s)
            for line, said in decided.notes:
                if on_note is not None:
                    on_note(line, said.en)
            for line, text in decided.tracebacks:
                if on_fault is not None:
                    on_fault(line, text)

        try:
            totals = run(lines, sink, context=context)
        finally:
            writer.close()
        results = Results(path, context.schema, "jsonl")
        try:
            filters = [parse_where(context.schema, w) for w in where]
            return summarise_results(
                results, totals.to_json(paths=False), skipped, by=by, where=filters, as_of=as_of
            )
        finally:
            results.con.close()
