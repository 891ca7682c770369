"""A rulebook's period compiled over columns (``Program``): its steps along the plan, each
conclusion from the claims of the rules that apply, and the columns as the per-case path's
values; made once for each period and bound on the inputs."""

from __future__ import annotations

import bisect
import datetime
import functools
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import attrs

from .. import ir
from ..ir import MISSING
from ..runtime import Unset
from ..types import EnumType, ListType, RecordType
from .base import (
    _DAY,
    _OVERFLOW,
    _REDO,
    CAPS,
    SLICE,
    Blocked,
    Cols,
    Env,
    _Block,
    _enum,
    _full_of,
    _List,
    _numeric,
    _rows,
    _scalar,
    np,
)
from .expressions import _code, _Compiler, _Num, _run
from .lighter import _lighter
from .reading import Columns, _columns, _reader


@attrs.define
class Program:
    """A rulebook's period compiled over columns (see the module's docstring)."""

    rulebook: Any
    epoch: Any
    cap: int
    steps: list  # (kind, name, function) along the plan
    outputs: list[str]  # the conclusions, in the rulebook's order
    #: Each conclusion's column as the per-case path's values (``_output``).
    shown: dict[str, Callable[[Any], Any]]
    #: The values of each value conclusion by code (``_table``).
    tables: dict[str, list] = attrs.Factory(dict)
    #: The as-of date the program was compiled for: the default of ``decide_rows``.
    day: datetime.date | None = None
    #: (input, its default, its reader) for each input, made once.
    readers: list = attrs.field(init=False)
    #: Each input's reader by name, and its default as read (None: a record without the
    #: input goes one by one).
    read_of: dict = attrs.field(init=False)
    absent: dict = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.readers = [
            (name, spec.default, _reader(spec, self.cap))
            for name, spec in self.rulebook.inputs.items()
        ]
        self.read_of = {name: read for name, _, read in self.readers}
        self.absent = {name: read(default) for name, default, read in self.readers}

    def columns(self, records: list) -> Columns:
        """The records that fit, as columns; the others' indices, and why each does not."""
        return _columns(self, records)

    def decide_columns(self, columns: Columns | Cols) -> dict[str, Any]:
        """``{conclusion: array of its values}`` for every row of the columns (a row that
        ``decide_rows`` says to decide one by one holds no meaningful value)."""
        return self.decide_rows(columns)[0]

    def decide_rows(
        self, columns: Columns | Cols, day: datetime.date | None = None
    ) -> tuple[dict[str, Any], Any, Any]:
        """The conclusions (as ``decide_columns``) as of ``day`` (a day of the program's
        period; by default the one it was compiled for); whether each rule of ``epoch.rules``
        applied (in force, met, not set aside) on each row: a boolean array of one row per
        case, one column per rule, the rules a batch cites; and the rows to decide one by
        one (a conflict, a range running downward: what the per-case path reports)."""
        cols = columns.data if isinstance(columns, Columns) else columns
        today = (day or self.day or datetime.date.today()).toordinal()
        rows = _rows(cols)
        rules = self.epoch.rules
        # In slices that the intermediate columns of one slice stay in the processor's
        # cache: a whole large batch at once is about twice as slow a case.
        codes: dict[str, list] = {name: [] for name in self.outputs}
        flags: list = []
        redo: list = []
        for start in range(0, rows, SLICE):
            size = min(SLICE, rows - start)
            part = {
                k: v.rows(start, start + size) if isinstance(v, _List) else v[start : start + size]
                for k, v in cols.items()
                if k != "__rows__"
            }
            part["__rows__"] = size
            env = self.run(part, today)
            for name in self.outputs:
                codes[name].append(env[("conclusion", name)])
            redo.append(env[_REDO])
            flags.append(np.empty((size, 0), dtype=bool))
            if rules:
                flags[-1] = np.stack([env[("rule", r)] for r in rules], axis=1)
        out = {}
        for name in self.outputs:
            parts = codes[name]
            if parts and isinstance(parts[0], tuple):  # a range: its columns, each joined
                column = tuple(np.concatenate(x) for x in zip(*parts))
            else:
                column = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            out[name] = self.shown[name](column)
        applied = np.concatenate(flags) if rows else np.zeros((0, len(rules)), dtype=bool)
        return out, applied, np.concatenate(redo) if rows else np.zeros(0, dtype=bool)

    def decide_cited(self, columns: Columns | Cols) -> tuple[dict[str, Any], Any]:
        """The conclusions and the rules that applied, as ``decide_rows``."""
        return self.decide_rows(columns)[:2]

    def run(self, part: Cols, today: int) -> Env:
        """Every step over the columns of one slice as of the day numbered ``today``: the
        values by step (a conclusion's as codes), and the rows to decide one by one."""
        env: Env = {_REDO: np.zeros(_rows(part), dtype=bool), _DAY: today}
        for kind, name, fn in self.steps:
            env[(kind, name) if kind in ("rule", "conclusion", "lighter") else name] = fn(part, env)
        return env


def build(book, day: datetime.date) -> Program | Blocked:
    """The columnar program of the book's period on ``day``, or why there is none (numpy
    installed: ``columnar.compile``)."""
    rb = book.rulebook
    for name, spec in rb.inputs.items():
        t = spec.type
        if isinstance(t, ListType) and isinstance(t.element, RecordType):
            inner = [f for f in t.element.fields.values() if not _scalar(f.type)]
            if inner:
                where = f"field '{inner[0].name}' of type {inner[0].type.describe()}"
                return Blocked(f"{where} in the items of input '{name}'", inner[0].span)
        elif not _scalar(t):
            return Blocked(f"input '{name}' of type {t.describe()}", spec.span)
    for name, c in rb.conclusions.items():
        if c.kind == "set" and not (_enum(c.type) and len(c.type.members) <= 62):
            return Blocked(f"conclusion '{name}', a set not of an enum of at most 62", c.span)
        if c.kind == "range" and not (_numeric(c.type) or _enum(c.type)):
            return Blocked(f"conclusion '{name}' of kind '{c.kind}'", c.span)
    last: Blocked | None = None
    for cap in CAPS:
        found = _attempt(book, day, cap)
        if isinstance(found, Program) or found.construct != _OVERFLOW:
            return found
        last = found
    return last


def _attempt(book, day: datetime.date, cap: int) -> Program | Blocked:
    """The program of the book's period on ``day`` with inputs bounded by ``cap``, or why
    there is none; made once for each period and bound (a ``lighter`` block's program runs
    the programs of earlier periods with its own bound)."""
    cache = book.__dict__.setdefault("_columnar_caps", {})
    key = (bisect.bisect_right(book.changes, day), cap)
    found = cache.get(key)
    if found is None:
        try:
            found = _program(book, book.epoch(day), cap, day)
        except _Block as err:
            found = err.blocked
        cache[key] = found
    return found


def _program(book, epoch, cap: int, day: datetime.date) -> Program:
    rb = book.rulebook
    comp = _Compiler(rb, epoch, cap)
    steps: list = []
    claims: dict[str, list] = {}
    tables: dict[str, list] = {}
    for kind, name in epoch.plan:
        if kind == "define":
            d = rb.definitions[name]
            if d.params:
                continue  # inlined where called
            if not (_numeric(d.type) or d.type.kind in ("bool", "date") or _enum(d.type)):
                continue  # a text: read only as a claim's value, where it is inlined (coded)
            fn = comp.value(d.body)
            steps.append(("define", name, fn if _numeric(d.type) else _full(fn)))
        elif kind == "rule":
            rule = rb.rules[name]
            when = comp.boolean(rule.when) if rule.when is not None else (lambda c, env: True)
            over = [o for o in epoch.overriders.get(name, [])]

            def applies(c, env, when=when, over=over):
                fired = np.broadcast_to(np.asarray(when(c, env), dtype=bool), (_rows(c),))
                for o in over:
                    fired = fired & ~env[("rule", o)]
                return fired

            steps.append(("rule", name, applies))
            for a in rule.then:
                c = rb.conclusions[a.conclusion]
                table = tables.setdefault(a.conclusion, _table(c))
                claims.setdefault(a.conclusion, []).append((name, _claim(comp, c, a, table)))
        elif kind == "lighter":  # the law in time: cases evaluated again on other days
            block = rb.lighters[name]
            earlier = functools.partial(_attempt, book, cap=cap)
            steps.append(("lighter", name, _lighter(comp, block, earlier, tables)))
        else:
            c = rb.conclusions[name]
            table = tables.setdefault(name, _table(c))
            steps.append(("conclusion", name, _conclude(comp, c, claims.pop(name, []), table)))
    outputs = {name: _output(rb.conclusions[name], tables.get(name)) for name in rb.conclusions}
    return Program(rb, epoch, cap, steps, list(rb.conclusions), outputs, tables, day)


def _table(c: ir.Conclusion) -> list | None:
    """The values a conclusion's column holds, by code: a scale's or an enum's members (the
    code is the rank), yes/no (0, 1), or for any other value the constants the rules give
    it, the default first. None for a range or a set: its column holds the numbers
    themselves, or the members as bits."""
    if c.kind in ("range", "set"):
        return None
    if isinstance(c.type, EnumType):
        return list(c.type.members)
    if c.type.kind == "bool":
        return [False, True]
    return [] if c.default is MISSING else [c.default]


def _claim(comp: _Compiler, c: ir.Conclusion, a: ir.Assignment, table: list | None):
    """A rule's claim: a code (scales, values), or the two ends of a range as numbers."""
    if c.kind == "range" and _enum(c.type):  # a range of a scale: its members' ranks
        size = len(c.type.members)
        return _Num(comp.enum(a.value), 1, size, 1), _Num(comp.enum(a.upper), 1, size, 1)
    if c.kind == "range":
        if not _numeric(c.type):
            raise _Block(f"a range of {c.type.describe()}", a.span)
        return comp.num(a.value), comp.num(a.upper)
    if c.kind == "set":  # the members given, as bits
        known, value = comp.constant(a.value)
        if not known:
            raise _Block("a conclusion given a computed value", a.span)
        rank = c.type.rank
        return sum(1 << rank[m] for m in (value if isinstance(value, tuple) else (value,)))
    return comp.coded(a.value, c.type, table)


def _conclude(comp: _Compiler, c: ir.Conclusion, mine: list, table: list | None):
    """A conclusion's step: its column from the claims of the rules that apply."""
    if c.kind == "highest":
        start = c.type.rank[c.default]

        def highest(cols, env):
            t = np.full(_rows(cols), start, dtype=np.int64)
            for rule, claim in mine:
                rank = _run(claim)(cols, env)
                t = np.where(env[("rule", rule)] & (t < rank), rank, t)
            return t

        return highest
    if c.kind == "set":

        def members(cols, env):
            bits = np.zeros(_rows(cols), dtype=np.int64)
            for rule, claim in mine:
                bits = np.where(env[("rule", rule)], bits | claim, bits)
            return bits

        return members
    if c.kind == "value":
        default = -1 if c.default is MISSING else _code(table, c.default)

        def value(cols, env):
            # The first claim's code, and whether a later one differs: a conflict, which
            # the per-case path reports (the row goes one by one).
            codes = np.full(_rows(cols), -1, dtype=np.int64)
            for rule, claim in mine:
                applies = env[("rule", rule)]
                code = _run(claim)(cols, env)
                env[_REDO] |= applies & (codes >= 0) & (codes != code)
                codes = np.where(applies & (codes < 0), code, codes)
            return np.where(codes < 0, default, codes) if default >= 0 else codes

        return value
    return _range(comp, c, mine)


def _range(comp: _Compiler, c: ir.Conclusion, mine: list):
    """A range of numbers: the highest floor and the highest ceiling of the claims of the
    rules that apply (each end a numerator over a positive denominator, compared by
    cross-multiplying). A claim running downward is an error of the per-case path: that row
    goes one by one."""
    ends = [end for _, claim in mine for end in claim]
    if ends:
        bound = max(e.bound for e in ends)
        dbound = max(e.dbound for e in ends)
        comp.check(bound * dbound, span=c.span)
    parts = [
        (rule, _run(lo.fn), _run(lo.den), _run(hi.fn), _run(hi.den)) for rule, (lo, hi) in mine
    ]

    def span(cols, env):
        rows = _rows(cols)
        has = np.zeros(rows, dtype=bool)
        ln, hn = np.zeros(rows, dtype=np.int64), np.zeros(rows, dtype=np.int64)
        ld, hd = np.ones(rows, dtype=np.int64), np.ones(rows, dtype=np.int64)
        for rule, lfn, lden, hfn, hden in parts:
            applies = env[("rule", rule)]
            a_n, a_d = _full_of(cols, lfn(cols, env)), _full_of(cols, lden(cols, env))
            b_n, b_d = _full_of(cols, hfn(cols, env)), _full_of(cols, hden(cols, env))
            env[_REDO] |= applies & (a_n * b_d > b_n * a_d)
            low = applies & (~has | (a_n * ld > ln * a_d))
            high = applies & (~has | (b_n * hd > hn * b_d))
            ln, ld = np.where(low, a_n, ln), np.where(low, a_d, ld)
            hn, hd = np.where(high, b_n, hn), np.where(high, b_d, hd)
            has = has | applies
        return has, ln, ld, hn, hd

    return span


def _output(c: ir.Conclusion, table: list | None):
    """``out(column) -> object array``: a conclusion's column as the per-case path's values."""
    unset = Unset(c.name, "was decided by no rule")
    if c.kind == "range":
        members = c.type.members if _enum(c.type) else None

        def ends(column):
            has, ln, ld, hn, hd = column
            out = np.full(len(has), unset, dtype=object)
            at = np.flatnonzero(has)
            if members is not None:  # ranks, over 1
                pairs = zip(
                    (members[i] for i in ln[at].tolist()), (members[i] for i in hn[at].tolist())
                )
            else:
                pairs = zip(_numbers(ln[at], ld[at]), _numbers(hn[at], hd[at]))
            for i, pair in zip(at.tolist(), pairs):
                out[i] = pair
            return out

        return ends
    if c.kind == "set":
        names = c.type.members

        def members(column):
            found: dict[int, frozenset] = {}
            out = np.empty(len(column), dtype=object)
            for i, bits in enumerate(column.tolist()):
                value = found.get(bits)
                if value is None:
                    value = found[bits] = frozenset(m for k, m in enumerate(names) if bits >> k & 1)
                out[i] = value
            return out

        return members
    values = np.empty(len(table) + 1, dtype=object)
    values[: len(table)] = table
    values[-1] = unset  # code -1: no rule decided it, and no default
    return lambda column: values[column]


def _numbers(num, den) -> list:
    """Exact values of numerators over positive denominators: an int where the division is
    exact (as ``normalize`` gives it), else a Fraction."""
    whole, rest = np.divmod(num, den)
    return [
        q if r == 0 else Fraction(n, d)
        for q, r, n, d in zip(whole.tolist(), rest.tolist(), num.tolist(), den.tolist())
    ]


def _full(fn):
    """A definition's column, as a full column (a constant is broadcast)."""

    def full(c, env):
        v = fn(c, env)
        return v if isinstance(v, np.ndarray) else np.full(_rows(c), v)

    return full
