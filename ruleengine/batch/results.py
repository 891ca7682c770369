"""A results table as DuckDB reads it: JSON Lines, CSV or Parquet (a file or a folder of
parts), the same typed columns whatever the format, and filters on conclusions.

Summaries, cross-tabs, provision counts and diffs are queries over this view (``results``):
DuckDB streams a file of any size through its group-bys, out of core, so nothing here counts
by hand. Every name put into a query is a column of the rulebook's schema, quoted; every value
a user gives is a bound parameter.
"""

from __future__ import annotations

import json
import re
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

from .inputs import format_of, need
from .records import Skipped
from .table import FIXED, MARKERS, Part, Schema
from .writing import errors_path

#: The keys of values that are not values: no rule decided, or an empty set.
UNDECIDED = "\x00not_decided"
NONE = "\x00none"
_SQL_TYPES = {"int": "BIGINT", "text": "VARCHAR", "bool": "BOOLEAN", "list": "VARCHAR[]"}


class ResultsError(Exception):
    """A results file that cannot be read as the rulebook's results, or a bad filter."""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


#: What DuckDB may hold in memory for one command's queries; a join or a group-by larger than
#: this spills to a temporary folder (issue 9: memory flat whatever the input's size).
MEMORY_LIMIT = "150MB"


def connect(spill: str, database: str = ":memory:"):
    """A DuckDB database (in memory, or a file for tables larger than memory) whose queries
    hold at most ``MEMORY_LIMIT``, spilling to the folder ``spill`` (not DuckDB's default,
    ``.tmp`` in the working folder)."""
    duckdb = need("duckdb", "batch", "Summaries and diffs")
    config = {"memory_limit": MEMORY_LIMIT, "temp_directory": spill, "threads": 1}
    con = duckdb.connect(database, config=config)
    con.execute("SET preserve_insertion_order = false")
    types = ["VARCHAR", "VARCHAR"]  # by name: duckdb.typing became duckdb.sqltypes in 1.4
    con.create_function(EXACT, _compare_exact, types, "INTEGER", side_effects=False)
    return con


#: ``EXACT(cell, value)``: -1, 0 or 1 as a number's cell is below, at or above the value,
#: compared as exact rationals (a cell is ``format_number``'s text: ``57300``, ``0.35``,
#: ``1/3``). DuckDB's DECIMAL(38, 10) rounded ``57299.99999999999`` to 57300 (QA round six)
#: and could not read ``1/3``.
EXACT = "ruleengine_exact_cmp"


def _compare_exact(cell: str, value: str) -> int | None:
    try:
        a = Fraction(cell)
    except (ValueError, ZeroDivisionError):  # not a number: matches no bound
        return None
    b = Fraction(value)
    return (a > b) - (a < b)


def is_results(path: str, fmt: str | None = None) -> bool:
    """Whether a file is results written by ``run`` rather than cases: its first record (or
    header, or columns) has every one of the results' fixed columns. Only a regular file
    (or a folder of Parquet parts) is looked at: a pipe read here would lose its first line."""
    fmt = format_of(path, fmt)
    p = Path(path)
    if not (p.is_file() or (fmt == "parquet" and p.is_dir())):
        return False
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            first = next(iter(sorted(p.glob("*.parquet"))), None) if p.is_dir() else p
            names = set(pq.read_schema(first).names) if first is not None else set()
        else:
            with open(path, "rb") as f:
                head = f.readline(1_000_000).decode("utf-8-sig", "replace")
            if fmt == "csv":
                names = set(head.strip().split(","))
            else:
                data = json.loads(head)
                names = set(data) if isinstance(data, dict) else set()
    except (OSError, ValueError, ImportError, StopIteration):
        return False
    return MARKERS <= names


class Results:
    """The view ``results`` over one results file, typed by the rulebook's schema."""

    def __init__(
        self,
        path: str | Path,
        schema: Schema,
        fmt: str | None = None,
        con=None,
        name: str = "results",
    ):
        self.path = Path(path)
        self.schema = schema
        if con is None:
            self._spill = tempfile.TemporaryDirectory(prefix="ruleengine-duckdb-")
            con = connect(self._spill.name)
        self.con = con
        fmt = format_of(str(path), fmt)
        self.format = fmt
        self.name = name
        self.paired: str | None = None  # how diff joins this table to another
        self._create(fmt)

    def _create(self, fmt: str) -> None:
        import duckdb

        columns = self.schema.columns
        path = str(self.path)
        try:
            if fmt == "parquet":
                source = str(self.path / "*.parquet") if self.path.is_dir() else path
                found = [
                    r[0]
                    for r in self.con.execute(
                        "DESCRIBE SELECT * FROM read_parquet(?)", [source]
                    ).fetchall()
                ]
                self._check(found)
                select = ", ".join(quote(n) for n, _ in columns)
                self.con.execute(
                    f"CREATE VIEW {self.name} AS SELECT {select} FROM read_parquet("
                    f"{_literal(source)})"
                )
            elif fmt == "csv":
                found = [
                    r[0]
                    for r in self.con.execute(
                        "DESCRIBE SELECT * FROM read_csv(?, header = true, all_varchar = true)",
                        [path],
                    ).fetchall()
                ]
                self._check(found)
                select = ", ".join(_from_text(n, kind) for n, kind in columns)
                self.con.execute(
                    f"CREATE VIEW {self.name} AS SELECT {select} FROM read_csv("
                    f"{_literal(path)}, header = true, all_varchar = true, quote = '\"', "
                    "escape = '\"', strict_mode = true)"
                )
            else:
                keys = _first_keys(self.path)
                if keys is not None:
                    self._check(keys)
                types = {n: _SQL_TYPES.get(kind, "JSON") for n, kind in columns}
                spec = "{" + ", ".join(f"{_literal(n)}: '{t}'" for n, t in types.items()) + "}"
                self.con.execute(
                    f"CREATE VIEW {self.name} AS SELECT * FROM read_json({_literal(path)}, "
                    f"format = 'newline_delimited', columns = {spec})"
                )
                self.con.execute(f"SELECT count(*) FROM {self.name} LIMIT 1").fetchall()
        except duckdb.Error as err:
            raise ResultsError(
                f"{self.path}: cannot be read as results: {_first_line(err)}"
            ) from None

    def _check(self, found: list[str]) -> None:
        missing = [n for n in self.schema.names if n not in found]
        if missing:
            shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
            raise ResultsError(
                f"{self.path}: not results of the rulebook '{self.schema.rulebook.name}' "
                f"(no column {shown})"
            )

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        import duckdb

        try:
            return self.con.execute(sql, params or []).fetchall()
        except duckdb.Error as err:
            raise ResultsError(f"{self.path}: {_first_line(err)}") from None

    def skipped(self) -> list[Skipped] | None:
        """The lines ``run`` could not decide, from the errors file beside the results (None
        when there is none); ``ResultsError`` naming its line for one that is not ``run``'s."""
        path = errors_path(self.path)
        if not path.is_file():
            return None
        out = []
        with open(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                if raw.strip():
                    try:
                        out.append(_skipped(raw))
                    except (ValueError, KeyError, TypeError) as err:
                        why = f"no {err.args[0]!r}" if isinstance(err, KeyError) else str(err)
                        raise ResultsError(
                            f"{path}:{number}: not a line of run's errors file ({why}); "
                            "run the cases again, or move the file away to count without it"
                        ) from None
        return out


def _skipped(raw: bytes) -> Skipped:
    """A line of an errors file (``ValueError``, ``KeyError`` or ``TypeError`` if it is not
    one ``run`` writes)."""
    from .records import CAUSES

    d = json.loads(raw.decode("utf-8"))
    if not isinstance(d, dict):
        raise TypeError("not a JSON object")
    line, reason, cause = d["line"], d["reason"], d.get("cause", "data")
    if type(line) is not int or line < 1:
        raise ValueError(f"line: not a line number: {line!r}")
    if not isinstance(reason, str) or cause not in CAUSES:
        raise ValueError("reason or cause: not run's")
    case, field, problems = d.get("case"), d.get("field"), d.get("problems", [])
    if not all(v is None or isinstance(v, str) for v in (case, field)):
        raise ValueError("case or field: not text")
    if not isinstance(problems, list) or not all(
        isinstance(p, dict)
        and isinstance(p.get("reason"), str)
        and (p.get("field") is None or isinstance(p["field"], str))
        for p in problems
    ):
        raise ValueError("problems: not a list of {field, reason}")
    zh = d.get("zh")  # written under --lang zh
    problems_read = tuple((p.get("field"), p["reason"]) for p in problems)
    return Skipped(
        line, reason, cause, case, field, problems_read, zh=zh if isinstance(zh, str) else None
    )


def _first_keys(path: Path) -> list[str] | None:
    """The keys of the first record of a JSON Lines results file (None for an empty file, or a
    first line that is no object: DuckDB then says what is wrong with it). ``run`` writes every
    column in every row, so the first row's keys are the file's columns."""
    with open(path, "rb") as f:
        for raw in f:
            if raw.strip():
                try:
                    data = json.loads(raw)
                except ValueError:
                    return None
                return list(data) if isinstance(data, dict) else None
    return None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _from_text(name: str, kind: str) -> str:
    col = quote(name)
    if kind == "int":
        return f"CAST({col} AS BIGINT) AS {col}"
    if kind == "bool":
        return f"CAST({col} AS BOOLEAN) AS {col}"
    if kind == "list":
        return f"CAST(from_json({col}, '[\"VARCHAR\"]') AS VARCHAR[]) AS {col}"
    if kind == "json":
        return f"CAST({col} AS JSON) AS {col}"
    return col


# ------------------------------------------------------------------ naming parts and filters
def find_part(schema: Schema, name: str, whole_range: bool = False) -> list[Part]:
    """The parts a name means: a conclusion (a range: both ends, when ``whole_range``), or
    ``NAME.floor`` / ``NAME.ceiling``."""
    import difflib

    conclusion, _, end = name.partition(".")
    parts = [p for p in schema.parts if p.conclusion == conclusion]
    if not parts:
        close = difflib.get_close_matches(conclusion, schema.conclusions, n=1)
        names = ", ".join(schema.conclusions[:12]) + (
            ", ..." if len(schema.conclusions) > 12 else ""
        )
        hint = f"; did you mean '{close[0]}'?" if close else f" (the conclusions: {names})"
        raise ResultsError(f"no conclusion named '{conclusion}'{hint}")
    if end:
        parts = [p for p in parts if p.part == end]
        if not parts:
            raise ResultsError(f"'{name}': a range has .floor and .ceiling, nothing else")
    elif len(parts) > 1 and not whole_range:
        raise ResultsError(
            f"'{name}' is a range: name its floor or its ceiling ({name}.floor, {name}.ceiling)"
        )
    return parts


def key_sql(part: Part) -> str:
    """A part's value as the text a count groups by (a set: one per member, unnested)."""
    col = quote(part.column)
    if part.kind == "set":
        return (
            f"unnest(CASE WHEN {col} IS NULL THEN [{_literal(UNDECIDED)}] "
            f"WHEN len({col}) = 0 THEN [{_literal(NONE)}] ELSE {col} END)"
        )
    return f"coalesce(CAST({col} AS VARCHAR), {_literal(UNDECIDED)})"


@attrs.frozen
class Filter:
    """``--where NAME OP VALUE``: on a conclusion (a set: has the member), or on ``as_of``."""

    text: str
    sql: str
    params: tuple


_WHERE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[a-z]+)?)\s*(!=|>=|<=|=|>|<)\s*(.*?)\s*")
_WORDS = {"true": True, "yes": True, "false": False, "no": False}


def parse_where(schema: Schema, text: str) -> Filter:
    m = _WHERE.fullmatch(text)
    if not m:
        raise ResultsError(
            f"--where {text!r}: write CONCLUSION=VALUE (or !=, >=, >, <=, <), e.g. "
            "--where disciplines=integrity"
        )
    name, op, value = m.groups()
    if name == "as_of":
        _date(text, value)
    if name in ("as_of", "case", "person"):
        col = quote(name)
        if op == "=":
            return Filter(text, f"{col} = ?", (value,))
        if op == "!=":
            return Filter(text, f"{col} IS DISTINCT FROM ?", (value,))
        return Filter(text, f"{col} {op} ?", (value,))
    (part,) = find_part(schema, name)
    col = quote(part.column)
    t = part.type
    members = list(getattr(t, "members", ()) or ())
    if value == "undecided":
        return Filter(text, f"{col} IS {'NOT ' if op == '!=' else ''}NULL", ())
    if part.kind == "set":
        if op not in ("=", "!="):
            raise ResultsError(f"--where {text!r}: a set is tested with = (has) or != (has not)")
        if value == "none":
            return Filter(text, f"len({col}) {'=' if op == '=' else '>'} 0", ())
        _known(text, value, members)
        has = f"list_contains({col}, ?)"
        return Filter(text, has if op == "=" else f"NOT {has}", (value,))
    if part.cell_kind == "bool":
        if value.lower() not in _WORDS or op not in ("=", "!="):
            raise ResultsError(f"--where {text!r}: a yes/no conclusion is = true or = false")
        truth = _WORDS[value.lower()]
        return Filter(text, f"{col} = ?" if op == "=" else f"{col} IS DISTINCT FROM ?", (truth,))
    if members:
        _known(text, value, members)
        if op in ("=", "!="):
            return Filter(text, f"{col} {'=' if op == '=' else 'IS DISTINCT FROM'} ?", (value,))
        if part.kind == "value":
            raise ResultsError(f"--where {text!r}: the members of an enum have no order")
        ranks = "[" + ", ".join(_literal(m) for m in members) + "]"
        return Filter(
            text, f"list_position({ranks}, {col}) {op} list_position({ranks}, ?)", (value,)
        )
    kind = getattr(t, "kind", None)
    if kind in ("integer", "decimal", "money"):
        number = _number(text, value.removesuffix("yuan").removesuffix("CNY").strip())
        compared = f"{EXACT}(CAST({col} AS VARCHAR), ?)"
        if op == "!=":  # an undecided value is not the number either
            return Filter(text, f"{compared} IS DISTINCT FROM 0", (number,))
        return Filter(text, f"{compared} {'=' if op == '=' else op} 0", (number,))
    if kind == "date":
        _date(text, value)
    if op in ("=", "!="):
        return Filter(text, f"{col} {'=' if op == '=' else 'IS DISTINCT FROM'} ?", (value,))
    if kind == "date":
        return Filter(text, f"{col} {op} ?", (value,))
    raise ResultsError(f"--where {text!r}: values of this conclusion have no order")


def _number(text: str, value: str) -> str:
    """The value as an exact number's text; ``ResultsError`` (a usage error, before anything
    is decided) for one that is none: DuckDB said so only after every case was decided,
    naming a temporary file."""
    from ..facts import convert_value
    from ..types import DECIMAL, format_number

    try:
        return format_number(convert_value(value, DECIMAL))
    except ValueError as err:
        raise ResultsError(f"--where {text!r}: '{value}' is not a number ({err})") from None


def _date(text: str, value: str) -> None:
    from ..facts import parse_date

    if parse_date(value) is None:
        raise ResultsError(f"--where {text!r}: '{value}' is not a date (YYYY-MM-DD)")


def _known(text: str, value: str, members: list[str]) -> None:
    if value not in members:
        import difflib

        close = difflib.get_close_matches(value, members, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(members)}"
        raise ResultsError(f"--where {text!r}: no member '{value}'; {hint}")


def where_sql(filters: list[Filter]) -> tuple[str, list[Any]]:
    if not filters:
        return "", []
    return " WHERE " + " AND ".join(f"({f.sql})" for f in filters), [
        p for f in filters for p in f.params
    ]


__all__ = ["FIXED", "Results", "ResultsError", "parse_where", "find_part", "key_sql"]
