"""The values of a results file checked against the rulebook's declared conclusions.

``summary`` reads a results file ``run`` wrote, but a file can be edited by hand or made by
another program: a ``"level": "bogus"`` became a group of its own and ``"heavier_punishment":
"yes"`` was counted as true (DuckDB casts it) beside the booleans (sixth QA round F2). Each
conclusion's cells are read here as written (JSON, or a CSV cell's text), each distinct one
checked once against the conclusion's type, and the lines holding a bad one are skipped, as
a bad line of cases is: named by the cases line, the column and why, and counted apart.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from ..facts import Said, parse_date
from ..types import EnumType
from .records import Skipped
from .results import Results, _literal, quote
from .table import Part

#: The view of the lines whose every value is the rulebook's, which ``summary`` counts.
CHECKED = "results_checked"


def _raw_source(results: Results, columns: list[str]) -> str:
    """A query giving ``line`` and each column as its text as written: JSON (JSON Lines,
    Parquet) or a CSV cell."""
    path = str(results.path)
    cols = ", ".join(quote(c) for c in columns)
    if results.format == "parquet":
        source = str(results.path / "*.parquet") if results.path.is_dir() else path
        raw = ", ".join(f"CAST(to_json({quote(c)}) AS VARCHAR) AS {quote(c)}" for c in columns)
        return f"SELECT line, {raw} FROM read_parquet({_literal(source)})"
    if results.format == "csv":
        return (
            f"SELECT CAST(line AS BIGINT) AS line, {cols} FROM read_csv({_literal(path)}, "
            "header = true, all_varchar = true, quote = '\"', escape = '\"', strict_mode = true)"
        )
    spec = ", ".join(f"{_literal(c)}: 'JSON'" for c in columns)
    raw = ", ".join(f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in columns)
    return (
        f"SELECT line, {raw} FROM read_json({_literal(path)}, format = 'newline_delimited', "
        f"columns = {{'line': 'BIGINT', {spec}}})"
    )


def _value(raw: str | None, part: Part, csv: bool) -> Any:
    """A cell as the JSON value it stands for (``None``: not decided)."""
    if raw is None:
        return None
    if not csv:
        return json.loads(raw)
    if raw == "":
        return None
    if part.cell_kind == "bool":
        return {"true": True, "false": False}.get(raw, raw)
    if part.cell_kind == "list":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:80]


def wrong(part: Part, value: Any) -> Said | None:
    """Why a cell's value is not one of the part's declared type (None: it is)."""
    if value is None:
        return None
    t = part.type
    if part.kind == "set":
        members = t.members if isinstance(t, EnumType) else None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return Said(
                f"expected a list of members, got {_shown(value)}",
                f"应为成员列表，实际为 {_shown(value)}",
            )
        bad = [v for v in value if members is not None and v not in members]
        if not bad:
            return None
        listed = ", ".join(members)
        return Said(
            f"{_shown(bad[0])} is not a member ({listed})", f"{_shown(bad[0])} 不是成员（{listed}）"
        )
    if isinstance(t, EnumType):
        if not isinstance(value, str) or value not in t.members:
            listed = ", ".join(t.members)
            return Said(
                f"{_shown(value)} is not one of {listed}", f"{_shown(value)} 不是 {listed} 之一"
            )
        return None
    kind = getattr(t, "kind", None)
    if kind == "bool":
        if isinstance(value, bool):
            return None
        return Said(
            f"expected true or false, got {_shown(value)}",
            f"应为 true 或 false，实际为 {_shown(value)}",
        )
    if kind in ("integer", "count", "decimal", "money"):
        if type(value) is int:
            return None
        if isinstance(value, str):
            try:
                Fraction(value)  # exact text: 4999.50, 1/3
                return None
            except (ValueError, ZeroDivisionError):
                pass
        return Said(
            f"expected a number (as exact text), got {_shown(value)}",
            f"应为数字（精确文本），实际为 {_shown(value)}",
        )
    if kind == "date":
        if isinstance(value, str) and parse_date(value) is not None:
            return None
        return Said(
            f"expected a date (YYYY-MM-DD), got {_shown(value)}",
            f"应为日期（YYYY-MM-DD），实际为 {_shown(value)}",
        )
    if isinstance(value, (str, dict)):
        return None  # text, or a text in two languages
    return Said(f"expected a text, got {_shown(value)}", f"应为文本，实际为 {_shown(value)}")


def check(results: Results) -> list[Skipped]:
    """The lines of ``results`` with a value that is not of its conclusion's type, one
    ``Skipped`` each (its first such value named), in line order; ``results.name`` is then
    the view of the other lines, which the summary counts."""
    parts = results.schema.parts
    columns = [p.column for p in parts]
    source = _raw_source(results, columns)
    csv = results.format == "csv"
    # Every column's distinct cells in one reading of the file (a grouping set a column).
    flags = ", ".join(f"{quote(c)}, grouping({quote(c)})" for c in columns)
    sets = ", ".join(f"({quote(c)})" for c in columns)
    found = results.query(f"SELECT {flags} FROM ({source}) GROUP BY GROUPING SETS ({sets})")
    why_of: dict[int, dict[str, Said]] = {}  # column index: bad cell: why
    for row in found:
        i = next(i for i in range(len(columns)) if row[2 * i + 1] == 0)
        raw = row[2 * i]
        try:
            why = wrong(parts[i], _value(raw, parts[i], csv))
        except ValueError:
            why = Said(f"not valid JSON: {raw[:80]}", f"不是有效的 JSON：{raw[:80]}")
        if why is not None:
            why_of.setdefault(i, {})[raw] = why
    bad_lines: dict[int, tuple[str, Said]] = {}
    if why_of:
        test = " OR ".join(f"{quote(columns[i])} IN (SELECT unnest(?))" for i in why_of)
        picked = ", ".join(quote(columns[i]) for i in why_of)
        rows = results.query(
            f"SELECT line, {picked} FROM ({source}) WHERE {test}",
            [list(b) for b in why_of.values()],
        )
        for line, *cells in rows:
            for i, raw in zip(why_of, cells):
                if raw in why_of[i] and line not in bad_lines:
                    bad_lines[line] = (parts[i].column, why_of[i][raw])
    if not bad_lines:
        return []
    lines = sorted(bad_lines)
    results.query("CREATE TEMP TABLE results_bad_lines AS SELECT unnest(?) AS line", [lines])
    results.query(
        f"CREATE VIEW {CHECKED} AS SELECT * FROM {results.name} r WHERE NOT EXISTS "
        "(SELECT 1 FROM results_bad_lines b WHERE b.line = r.line)"
    )
    results.name = CHECKED
    out = []
    for line in lines:
        column, why = bad_lines[line]
        en, zh = f"{column}: {why.en}", f"{column}：{why.zh}"
        out.append(Skipped(line, en, "data", None, column, ((column, why.en),), zh=zh))
    return out
