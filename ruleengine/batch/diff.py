"""What changes between two runs of the same cases: two as-of dates, or two versions of the
rules (docs/batch.md).

Both sides are results tables (``run``'s rows, one per person); a person is the same person on
both sides when it comes from the same line and has the same place in it (``line``,
``person``). For every conclusion both rulebooks have, the persons whose value differs are
listed with the old and the new value and the provisions that decided each, and a transition
table counts persons (and cases) by old value x new value. Both are DuckDB queries over the two
tables joined, so a caseload of any size is compared out of core.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from .listing import MAX_LISTED, as_grid, largest
from .results import NONE, UNDECIDED, Results, ResultsError, find_part, key_sql, quote
from .table import Part, Schema
from .writing import spreadsheet_sql


@attrs.define
class Transition:
    """Persons and cases by (old value, new value) of one part of a conclusion."""

    part: Part
    cells: list[tuple[str, str, int, int]]  # old key, new key, persons, cases
    changed: int  # persons whose value differs


@attrs.define
class Change:
    line: int
    case: str | None
    person: str | None
    conclusion: str
    old: Any
    new: Any
    old_by: list[str]
    new_by: list[str]


@attrs.define
class Diff:
    old_label: str
    new_label: str
    compared: list[str]  # conclusions both sides have
    only_old: list[str]  # conclusions of one side only, not compared
    only_new: list[str]
    persons: int  # persons decided on both sides
    changed_persons: int
    changed_cases: int
    decided_old_only: int  # persons decided on one side only (a line skipped on the other)
    decided_new_only: int
    transitions: list[Transition] = attrs.Factory(list)
    changes: list[Change] = attrs.Factory(list)
    more: int = 0  # changes not listed (beyond the limit)
    #: Lines skipped on either side, by cause (``records.CAUSES``): the command's exit code.
    skipped_by_cause: dict[str, int] = attrs.Factory(dict)
    #: Where every line went on each side (``Totals.to_json``: lines, blank, decided,
    #: skipped), old then new; and the file the skipped lines were written to, if any.
    totals: list[dict] = attrs.Factory(list)
    errors: str | None = None


def _cell(part: Part, side: str) -> str:
    """A part's value on one side as text, the same text for the same value on both (a set:
    its members, in declaration order, joined by ", "; the empty set "")."""
    col = f"{side}.{quote(part.column)}"
    if part.kind == "set":
        return f"array_to_string({col}, ', ')"
    return f"CAST({col} AS VARCHAR)"


#: How the two tables meet by hashing: the same line, the same person in it.
JOIN = "FROM {old} a JOIN {new} b ON a.line = b.line AND a.person IS NOT DISTINCT FROM b.person"
#: The persons of one side the other side has too, in the side's order (by line: ``run``'s).
_BOTH = (
    "CREATE OR REPLACE TABLE {name} AS SELECT * FROM {x} a WHERE EXISTS (SELECT 1 FROM {y} b "
    "WHERE a.line = b.line AND a.person IS NOT DISTINCT FROM b.person)"
)


def paired(old: Results, new: Results) -> str:
    """How the two tables meet: the persons both sides decided, side by side in the order
    both were written (``POSITIONAL JOIN``; only the keys are hashed, by the semi-joins). A
    hash join of the two wide tables held one side in memory, and neither it nor a sort of
    them spills (issue 9: 700 MB for 20,000 ccdi lines). Tables not in the same order (not
    written by ``run``) are joined by hashing. Made once per pair of tables."""
    name = f"{old.name}__paired"
    if getattr(old, "paired", None) is None:
        old.query("SET preserve_insertion_order = true")
        old.query(_BOTH.format(name=name + "_a", x=old.name, y=new.name))
        old.query(_BOTH.format(name=name + "_b", x=new.name, y=old.name))
        old.query("SET preserve_insertion_order = false")
        join = f"FROM {name}_a a POSITIONAL JOIN {name}_b b"
        ((bad,),) = old.query(
            f"SELECT count(*) {join} WHERE a.line IS DISTINCT FROM b.line "
            "OR a.person IS DISTINCT FROM b.person"
        )
        old.paired = JOIN.format(old=old.name, new=new.name) if bad else join
    return old.paired


def compare(
    old: Results,
    new: Results,
    old_label: str,
    new_label: str,
    *,
    by: list[str] | None = None,
    limit: int | None = 20,
) -> Diff:
    """The persons whose conclusions differ, and transition tables of ``by`` (by default the
    headline conclusions, else every conclusion compared). ``new`` must share ``old``'s
    connection (``Results(..., con=old.con, name=...)``)."""
    compared, only_old, only_new = _sides(old.schema, new.schema)
    parts = _parts(old, compared)
    join = paired(old, new)
    flags = [f"({_cell(p, 'a')} IS DISTINCT FROM {_cell(p, 'b')})" for p in parts]
    differs = " OR ".join(flags) or "false"
    count = " + ".join(f"CAST({f} AS INTEGER)" for f in flags) or "0"
    ((persons, changed, cases, total),) = old.query(
        f"SELECT count(*), count(*) FILTER (WHERE {differs}), "
        f"count(DISTINCT a.line) FILTER (WHERE {differs}), coalesce(sum({count}), 0) {join}"
    )
    alone = (
        "SELECT count(*) FROM {x} a WHERE NOT EXISTS (SELECT 1 FROM {y} b "
        "WHERE a.line = b.line AND a.person IS NOT DISTINCT FROM b.person)"
    )
    ((only_a,),) = old.query(alone.format(x=old.name, y=new.name))
    ((only_b,),) = old.query(alone.format(x=new.name, y=old.name))
    out = Diff(
        old_label, new_label, compared, only_old, only_new, persons, changed, cases, only_a, only_b
    )
    for part in tabled(old.schema, new.schema, by):
        out.transitions.append(_transition(old, part, join))
    union = _changes_sql(parts, join)
    if union:
        cap = f" LIMIT {int(limit)}" if limit is not None else ""
        rows = old.query(f"{_ordered(union, join)}{cap}")
        out.changes = [Change(*row) for row in rows]
        out.more = total - len(out.changes)
    return out


def _sides(old: Schema, new: Schema) -> tuple[list[str], list[str], list[str]]:
    """The conclusions both sides have, those of the old side only, of the new side only."""
    old_c, new_c = old.conclusions, new.conclusions
    return (
        [c for c in old_c if c in new_c],
        [c for c in old_c if c not in new_c],
        [c for c in new_c if c not in old_c],
    )


def tabled(old: Schema, new: Schema, by: list[str] | None) -> list[Part]:
    """The parts whose transition tables are shown: ``by``'s (``ResultsError`` for a name
    that is no conclusion both sides have: checked before any case is decided), by default the
    headline conclusions, else every conclusion compared."""
    compared, _, _ = _sides(old, new)
    headline = [c for c in getattr(old.rulebook, "headline", ()) if c in compared]
    out = []
    for name in by or headline or compared:
        if name.partition(".")[0] not in compared and name.partition(".")[0] in new.conclusions:
            raise ResultsError(f"'{name}' is a conclusion of one side only; it cannot be compared")
        out += find_part(old, name, whole_range=True)
    return out


#: The formats of the changes file, by its suffix.
CHANGES_FORMATS = {".csv": "CSV, HEADER", ".parquet": "PARQUET", ".jsonl": "JSON"}


def changes_format(path: str) -> str:
    """The format ``COPY`` writes the changes in (``ResultsError`` for another suffix: checked
    before any case is decided)."""
    fmt = CHANGES_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ResultsError(f"--changes {path}: the changes file is .csv, .jsonl or .parquet")
    return fmt


def _parts(old: Results, compared: list[str]) -> list[Part]:
    return [p for p in old.schema.parts if p.conclusion in compared]


def _transition(old: Results, part: Part, join: str) -> Transition:
    """Old value x new value; a set compared as the whole set (its members joined)."""
    col = quote(part.column)
    if part.kind == "set":
        ka, kb = (f"coalesce(array_to_string({side}.{col}, ', '), '{UNDECIDED}')" for side in "ab")
    else:
        ka = key_sql(part).replace(col, f"a.{col}")
        kb = key_sql(part).replace(col, f"b.{col}")
    rows = old.query(
        f"SELECT {ka} AS ka, {kb} AS kb, count(*), count(DISTINCT a.line) {join} "
        "GROUP BY ka, kb ORDER BY ka, kb"
    )
    changed = sum(p for ka, kb, p, _ in rows if ka != kb)
    return Transition(part, [(ka, kb, p, c) for ka, kb, p, c in rows], changed)


def _changes_sql(parts: list[Part], join: str) -> str:
    """Each (person, part) whose value differs: line, case, person, the part's column, old and
    new value as text, the rules that decided each, and the part's rank (``k``). One join,
    each pair of rows unnested into its parts (in order), the rules looked up for a change
    only: a join per part, all at once, held a hash table per part (issue 9: 500 MB for
    5,000 ccdi lines)."""
    if not parts:
        return ""
    items, names, by_cols, old_by, new_by = [], [], [], [], []
    for k, p in enumerate(parts):
        by = quote(p.conclusion + ".by")
        items.append(f"{{'k': {k}, 'old': {_cell(p, 'a')}, 'new': {_cell(p, 'b')}}}")
        names.append("'" + p.column.replace("'", "''") + "'")
        by_cols.append(f"a.{by} AS ob{k}, b.{by} AS nb{k}")
        old_by.append(f"WHEN {k} THEN ob{k}")
        new_by.append(f"WHEN {k} THEN nb{k}")
    pairs = (
        f'SELECT a.line AS line, a."case" AS "case", a.person AS person, {", ".join(by_cols)}, '
        f"unnest([{', '.join(items)}]) AS c {join}"
    )
    return (
        f'SELECT line, "case", person, [{", ".join(names)}][c.k + 1] AS conclusion, '
        f"c.old AS old, c.new AS new, CASE c.k {' '.join(old_by)} END AS old_by, "
        f"CASE c.k {' '.join(new_by)} END AS new_by, c.k AS k FROM ({pairs}) "
        "WHERE c.old IS DISTINCT FROM c.new"
    )


def _ordered(union: str, join: str) -> str:
    """The changes by line, person and rank: as they come from a positional join (a sort of
    them all did not spill), sorted after a hash join."""
    select = f'SELECT line, "case", person, conclusion, old, new, old_by, new_by FROM ({union})'
    if "POSITIONAL" in join:
        return select
    return f"{select} ORDER BY line, person NULLS FIRST, k"


def write_changes(old: Results, new: Results, diff: Diff, path: str) -> None:
    """Every change (not only those listed) to a file: CSV, JSON Lines or Parquet by suffix."""
    fmt = changes_format(path)
    join = paired(old, new)
    union = _changes_sql(_parts(old, diff.compared), join)
    if not union:  # no conclusion in common: nothing can change
        Path(path).write_bytes(b"")
        return
    target = "'" + path.replace("'", "''") + "'"
    old.query("SET preserve_insertion_order = true")
    select = _ordered(union, join)
    if fmt.startswith("CSV"):  # text cells kept from running as formulas in a spreadsheet
        columns = ", ".join(
            f"{spreadsheet_sql(f'CAST({quote(c)} AS VARCHAR)')} AS {quote(c)}"
            if c in ("case", "person", "old", "new")
            else quote(c)
            for c in ("line", "case", "person", "conclusion", "old", "new", "old_by", "new_by")
        )
        select = f"SELECT {columns} FROM ({select})"
    old.query(f"COPY ({select}) TO {target} (FORMAT {fmt})")
    old.query("SET preserve_insertion_order = false")


# ------------------------------------------------------------------ presenting
def _shown(part: Part, key: str, lang: str) -> str:
    from .summaries import value_label
    from .table import value_of

    if key == UNDECIDED or key is None:
        return value_label(part, UNDECIDED, lang)
    if part.kind == "set":
        return key or value_label(part, NONE, lang)
    return value_label(part, value_of(key, part.type), lang)


def headlines(diff: Diff) -> list[str]:
    out = [
        f"{diff.old_label} -> {diff.new_label}: {diff.changed_persons:,} of {diff.persons:,} "
        f"persons change ({diff.changed_cases:,} cases)"
    ]
    for label, totals in zip((diff.old_label, diff.new_label), diff.totals):
        out.append(f"{label}: {side_text(totals, diff.errors)}")
    if diff.decided_old_only or diff.decided_new_only:
        out.append(
            f"decided on one side only (a line skipped on the other): {diff.decided_old_only:,} "
            f"under {diff.old_label}, {diff.decided_new_only:,} under {diff.new_label}"
        )
    for label, names in ((diff.old_label, diff.only_old), (diff.new_label, diff.only_new)):
        if names:
            out.append(f"not compared, only under {label}: {', '.join(names)}")
    return out


def side_text(totals: dict, errors: str | None) -> str:
    """Where one side's lines went: decided, skipped (by cause, and where they are listed),
    blank."""
    text = f"{totals['lines'] + totals['lines_blank']:,} lines: {totals['cases']:,} cases decided"
    if totals["lines_skipped"]:
        causes = ", ".join(f"{c} {n}" for c, n in totals["lines_skipped_by_cause"].items() if n)
        text += f"; {totals['lines_skipped']:,} skipped ({causes})"
        if errors is not None:
            text += f" -> {errors}"
    if totals["lines_blank"]:
        text += f"; {totals['lines_blank']:,} blank"
    return text


def sections(diff: Diff, book, lang: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """The transition tables (old value by new value, persons), then the changes listed."""
    from .summaries import ordered, part_label

    out = []
    for t in diff.transitions:
        seen_old, seen_new = {c[0] for c in t.cells}, {c[1] for c in t.cells}
        olds = [k for k, _ in ordered(t.part, dict.fromkeys(seen_old, 1)) if k in seen_old]
        news = [k for k, _ in ordered(t.part, dict.fromkeys(seen_new, 1)) if k in seen_new]
        change = "person changes" if t.changed == 1 else "persons change"
        title = f"{part_label(book, t.part, lang)}: {t.changed:,} {change}"
        if not as_grid(len(olds), len(news)):
            out.append(_transition_list(diff, t, title, olds, news, lang))
            continue
        counts = {(ka, kb): p for ka, kb, p, _ in t.cells}
        header = [f"{diff.old_label} \\ {diff.new_label}"] + [_shown(t.part, k, lang) for k in news]
        rows = [
            [_shown(t.part, ka, lang)] + [str(counts.get((ka, kb), 0)) for kb in news]
            for ka in olds
        ]
        out.append((title, header, rows))
    if diff.changes:
        header = [
            "line",
            "case",
            "person",
            "conclusion",
            diff.old_label,
            "by",
            diff.new_label,
            "by",
        ]
        parts = {p.column: p for p in _all_parts(book)}
        rows = [
            [
                str(c.line),
                c.case or "",
                c.person or "",
                c.conclusion,
                _shown_cell(parts.get(c.conclusion), c.old, lang),
                ", ".join(c.old_by or ()),
                _shown_cell(parts.get(c.conclusion), c.new, lang),
                ", ".join(c.new_by or ()),
            ]
            for c in diff.changes
        ]
        more = f" (and {diff.more:,} more)" if diff.more else ""
        out.append((f"Changes{more}", header, rows))
    return out


def _transition_list(diff: Diff, t: Transition, title: str, olds, news, lang: str):
    """A transition table of many values as ``old, new, persons`` rows: the changes, the
    largest first (then in the values' order), and one row for the unchanged."""
    at_old = {k: i for i, k in enumerate(olds)}
    at_new = {k: i for i, k in enumerate(news)}
    moved, more = largest(
        (cell for cell in t.cells if cell[0] != cell[1]),
        lambda c: (-c[2], at_old[c[0]], at_new[c[1]]),
    )
    rows = [[_shown(t.part, a, lang), _shown(t.part, b, lang), f"{p:,}"] for a, b, p, _ in moved]
    if more:
        total = len(moved) + more
        title += f" ({total:,} transitions, the {MAX_LISTED} largest shown: all with --format json)"
    same = sum(p for a, b, p, _ in t.cells if a == b)
    rows.append(["(unchanged)", "", f"{same:,}"])
    return title, [diff.old_label, diff.new_label, "persons"], rows


def _all_parts(book) -> list[Part]:
    from .table import parts_of

    return parts_of(book.rulebook)


def _shown_cell(part: Part | None, text: str | None, lang: str) -> str:
    """A cell as text (a set's list as its members)."""
    if part is None:
        return "" if text is None else str(text)
    if text is None:
        return _shown(part, UNDECIDED, lang)
    return _shown(part, text, lang)


def to_json(diff: Diff) -> dict:
    return {
        "old": diff.old_label,
        "new": diff.new_label,
        "persons": diff.persons,
        "persons_changed": diff.changed_persons,
        "cases_changed": diff.changed_cases,
        "decided_only_old": diff.decided_old_only,
        "decided_only_new": diff.decided_new_only,
        "totals": dict(zip(("old", "new"), diff.totals)),
        "errors": diff.errors,
        "compared": diff.compared,
        "only_old": diff.only_old,
        "only_new": diff.only_new,
        "transitions": [
            {
                "conclusion": t.part.conclusion,
                "part": t.part.part,
                "persons_changed": t.changed,
                "cells": [
                    {"old": _key_json(ka), "new": _key_json(kb), "persons": p, "cases": c}
                    for ka, kb, p, c in t.cells
                ],
            }
            for t in diff.transitions
        ],
        "changes": [
            {
                "line": c.line,
                "case": c.case,
                "person": c.person,
                "conclusion": c.conclusion,
                "old": c.old,
                "new": c.new,
                "old_by": list(c.old_by or ()),
                "new_by": list(c.new_by or ()),
            }
            for c in diff.changes
        ],
        "changes_not_listed": diff.more,
    }


def _key_json(key: str) -> str | None:
    return None if key == UNDECIDED else key
