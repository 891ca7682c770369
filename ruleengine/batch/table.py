"""The results table: one row per person, its columns derived from the rulebook.

A row holds where the person came from (``line``, ``case``, ``person``), the date judged at
(``as_of``), whether any provision was in force then (``in_force``), the conclusions in
conflict, and for every conclusion its value and the rules that decided it (``NAME.by``, in
the rule text's order). A range gives two columns, ``NAME.floor`` and ``NAME.ceiling``.

Cells are plain and exact, the same in every format: numbers and amounts as exact decimal
text (``"4999.50"``, never a binary float), dates as ``YYYY-MM-DD``, sets as lists of members
in declaration order, booleans as booleans, an undecided conclusion as null, a bilingual text
as its JSON object. ``value_of`` reads a cell back into the engine's value, for labels and
order.
"""

from __future__ import annotations

import datetime
import functools
import json
from fractions import Fraction
from typing import Any

import attrs

from ..facts import convert, parse_date
from ..runtime import Unset
from ..types import Duration, EnumType, LocalText, format_number

#: The columns every results table starts with, and their kinds.
FIXED = (
    ("line", "int"),
    ("case", "text"),
    ("person", "text"),
    ("as_of", "text"),
    ("in_force", "bool"),
    ("conflicts", "list"),
)
#: A column that says a file is a results table, not cases (with ``FIXED``'s others).
MARKERS = frozenset(name for name, _ in FIXED)
TRACE = "trace"
#: Distinct values (or patterns of rules) whose cells are kept, per column.
MEMO = 4096


@attrs.frozen
class Part:
    """One column of a conclusion's value: a set, a level, a value, or one end of a range."""

    conclusion: str
    kind: str  # highest | set | range | value
    part: str | None  # "floor" | "ceiling" for ranges, else None
    type: Any

    @property
    def column(self) -> str:
        return f"{self.conclusion}.{self.part}" if self.part else self.conclusion

    @property
    def cell_kind(self) -> str:
        if self.kind == "set":
            return "list"
        if self.kind == "value" and getattr(self.type, "kind", None) == "bool":
            return "bool"
        return "text"


def parts_of(rulebook) -> list[Part]:
    out = []
    for name, c in rulebook.conclusions.items():
        if c.kind == "range":
            out += [Part(name, c.kind, "floor", c.type), Part(name, c.kind, "ceiling", c.type)]
        else:
            out.append(Part(name, c.kind, None, c.type))
    return out


class Schema:
    """The columns of a rulebook's results, and how a decision becomes a row."""

    def __init__(self, rulebook, trace: bool = False):
        self.rulebook = rulebook
        self.parts = parts_of(rulebook)
        self.conclusions = list(rulebook.conclusions)
        columns = list(FIXED)
        for name in self.conclusions:
            columns += [(p.column, p.cell_kind) for p in self.parts if p.conclusion == name]
            columns.append((f"{name}.by", "list"))
        if trace:
            columns.append((TRACE, "json"))
        self.columns: list[tuple[str, str]] = columns
        self.names = [name for name, _ in columns]
        self.trace = trace
        order = {name: i for i, name in enumerate(rulebook.rules)}
        self._order = order.__getitem__
        # For each conclusion, the rules that can decide it.
        self._claimants: dict[str, frozenset[str]] = {}
        for rule_name, rule in rulebook.rules.items():
            for a in rule.then:
                self._claimants[a.conclusion] = self._claimants.get(a.conclusion, frozenset()) | {
                    rule_name
                }
        # For each conclusion in column order: its parts' encoders and the rules that claim it.
        self.plan = [
            (
                name,
                [(p.column, _encoder(p)) for p in self.parts if p.conclusion == name],
                self._claimants.get(name, frozenset()),
            )
            for name in self.conclusions
        ]
        self._cited: dict[tuple, tuple[list[str], ...]] = {}

    def cited(self, applied: tuple[str, ...]) -> tuple[list[str], ...]:
        """For each conclusion, the rules of ``applied`` (any order) that decided it, in the
        rule text's order: its ``NAME.by`` cell. A batch meets a few patterns of rules again
        and again, so each is worked out once (the lists are shared: not to be changed)."""
        found = self._cited.get(applied)
        if found is None:
            ordered = sorted(applied, key=self._order)
            found = tuple([r for r in ordered if r in claim] for _, _, claim in self.plan)
            if len(self._cited) < MEMO:
                self._cited[applied] = found
        return found

    def row(self, line, case, person, decision, applied, trace_json=None) -> list:
        """The row of one person, as cells: ``applied`` is the rules that applied, any order.
        (A batch encodes its rows with ``writing.Encoder``, which gives the same cells.)"""
        out: list[Any] = [
            line,
            case,
            person or None,
            decision.as_of.isoformat(),
            decision.in_force,
            [c.conclusion for c in decision.conflicts],
        ]
        values = decision.conclusions
        for (name, encoders, _), by in zip(self.plan, self.cited(tuple(applied))):
            value = values[name]
            out += [encode(value) for _, encode in encoders]
            out.append(by)
        if self.trace:
            out.append(trace_json)
        return out


def _encoder(part: Part):
    t = part.type
    if part.kind == "set":
        members = list(t.members) if isinstance(t, EnumType) else None

        def encode_set(value):
            if isinstance(value, Unset):
                return None
            if members is not None:
                return [m for m in members if m in value]
            return sorted((cell(v) for v in value), key=str)

        return encode_set
    if part.kind == "range":
        end = 0 if part.part == "floor" else 1
        return lambda value: None if isinstance(value, Unset) else cell(value[end])
    return cell


def cell(value: Any) -> Any:
    """A value as a cell: exact text for numbers, ISO dates, JSON for bilingual texts."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Unset):
        return None
    if isinstance(value, (int, Fraction)):
        return format_number(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, LocalText):
        return _text_cell(value)
    return str(value)


@functools.lru_cache(maxsize=4096)
def _text_cell(value: LocalText) -> str:
    """A bilingual text as JSON: the texts come from the rules, a few, each encoded once."""
    return json.dumps(value.to_json(), ensure_ascii=False, sort_keys=True)


def value_of(text: Any, t: Any) -> Any:
    """A cell read back into the engine's value of type ``t`` (for labels and order); what
    does not read as ``t`` is kept as it is."""
    if text is None or isinstance(text, bool) or isinstance(t, EnumType):
        return text
    kind = getattr(t, "kind", None)
    if kind == "bool" and text in ("true", "false"):
        return text == "true"
    if kind == "date":
        return parse_date(str(text)) or text
    if kind == "text" and isinstance(text, str) and text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return text
        if isinstance(data, dict) and data and set(data) <= {"zh", "en"}:
            return LocalText(tuple(sorted(data.items())))
        return text
    if kind in ("integer", "decimal", "money", "duration"):
        try:
            return convert(str(text), t, None)
        except Exception:  # not of the type: shown as it is
            return text
    return text
