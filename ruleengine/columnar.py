"""The columnar path: a batch of cases decided at once, over columns of integers (numpy).

The same checked tree as the per-case programs, compiled for one period into operations on
whole columns. Arithmetic stays exact and in integers: counts are integers, money and
decimals are scaled integers (fen: a hundredth), every value is a numerator over a
denominator known when compiling, and comparisons are cross-multiplied. No binary floating
point. Overflow is ruled out when compiling: each numeric input is given a bound (``CAPS``),
the largest value each operation can reach from those bounds is computed exactly, and the
program is made only if it stays within 64 bits; a case whose facts lie outside the bounds,
or are not already in plain form (a fraction of a fen, an enum member by its label, an unknown
field, a missing field without a default), is decided by the per-case path instead.

A rulebook qualifies when its inputs are counts, integers, amounts, yes/no facts, dates (day
numbers), enums, texts no rule reads and lists of records of those (``_List``: a column of
all the items for each field, and where each case's items start), and its rules use
arithmetic, comparisons, ``and``/``or``/``not``, ``if``, ``in``, ``min``/``max``,
``sum``/``count``/``any``/``all`` over a list, named definitions (called with constants, or
with an aggregate's item), exceptions, scale, value and set conclusions and ranges, and
``lighter`` blocks (``_lighter``: the rows of an earlier version's period evaluated again by
that period's program). A row in conflict, with a range running downward, or reading a value
no rule decided, is decided again one by one: the per-case path reports it. Otherwise
``compile`` says which construct blocks it and where (``Blocked``), and ``decide_chunk``
decides every case by the per-case path.

    program = columnar.compile(book, day)          # Program, or Blocked(construct, span)
    out = program.decide_columns(columns)          # {conclusion: array of values}
    rows = columnar.decide_chunk(book, records)    # one Decision (or the error) per record
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import attrs

from . import ir
from .facts import parse_date
from .ir import MISSING
from .runtime import Decision, Unset
from .types import EnumType, ListType, RecordType

try:
    import numpy as np
except ImportError:  # optional (the ``columnar`` extra): without it, every case goes one by one
    np = None

#: Largest magnitude a value may reach anywhere in the computation (int64, with room).
LIMIT = 2**62
#: Bounds tried for numeric inputs, in their scaled units, largest first: the first for
#: which no operation can leave 64 bits is used.
CAPS = (10**15, 10**12, 10**9, 10**6)
#: Money and decimals in hundredths (fen).
SCALE = 100
#: Rows computed at once (a slice of a larger batch).
SLICE = 4096
#: The most items of a list a case may have in columns (a longer one goes one by one): the
#: bound of a sum over it is this times the bound of an item.
MAX_ITEMS = 1000


@attrs.frozen
class Blocked:
    """Why a rulebook does not qualify: the construct, and where it is."""

    construct: str
    span: Any = None

    def __str__(self) -> str:
        where = f" at {self.span.location()}" if self.span is not None else ""
        return f"{self.construct}{where}"


class _Block(Exception):
    def __init__(self, construct: str, span=None):
        super().__init__(construct)
        self.blocked = Blocked(construct, span)


def available() -> bool:
    return np is not None


# ------------------------------------------------------------------ compiling
Cols = dict[str, Any]
Env = dict[Any, Any]
#: Where the steps mark the rows to decide one by one.
_REDO = ("redo",)
#: Where the steps find the as-of date, as a day number (a ``lighter`` block compares it).
_DAY = ("day",)
#: Why a program cannot be made with a bound: a smaller one is tried.
_OVERFLOW = "arithmetic that may leave 64 bits"
#: The key of an aggregate item's field in the items' columns: (_ITEM, field).
_ITEM = "item"


@attrs.frozen
class _List:
    """A list input of records as columns: each field's values of all the items, one after
    the other, and where each case's items start (``offsets``, one more than the cases)."""

    fields: dict[str, Any]
    offsets: Any

    def take(self, at) -> _List:
        """The items of the cases ``at`` (indices), in that order."""
        low, high = self.offsets[at], self.offsets[at + 1]
        counts = high - low
        offsets = np.zeros(len(at) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        index = np.repeat(low - offsets[:-1], counts) + np.arange(offsets[-1])
        return _List({k: v[index] for k, v in self.fields.items()}, offsets)

    def rows(self, start: int, end: int) -> _List:
        low, high = int(self.offsets[start]), int(self.offsets[end])
        fields = {k: v[low:high] for k, v in self.fields.items()}
        return _List(fields, self.offsets[start : end + 1] - low)


class _Items:
    """The columns (or values) of the cases as seen by each item of a list: an item's field,
    or a case's value repeated for each of its items."""

    def __init__(self, base, items: _List):
        self.base, self.items = base, items
        self.counts = np.diff(items.offsets)
        self.seen: dict = {}

    def __getitem__(self, key):
        if key == "__rows__":
            return int(self.items.offsets[-1])
        if type(key) is tuple and len(key) == 2 and key[0] == _ITEM:
            return self.items.fields[key[1]]
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = _spread(self.base[key], self.counts)
        return found


def _spread(value, counts):
    if isinstance(value, tuple):
        return tuple(_spread(v, counts) for v in value)
    if isinstance(value, np.ndarray) and value.ndim:
        return np.repeat(value, counts)
    return value


@attrs.frozen
class _Num:
    """A numeric column: numerators ``fn`` over positive denominators ``den``, each a term
    (an int known when compiling, or ``f(cols, env)`` giving a column); ``bound`` and
    ``dbound`` are the largest magnitudes they can have; ``positive``: the value is known to
    be above zero."""

    fn: Any
    den: Any
    bound: int
    dbound: int
    positive: bool = False


# Terms: an int is folded while compiling (a product by 1 is no operation on a column);
# anything else is a function of the columns and the values computed so far.
def _mul(a, b):
    if type(a) is int and type(b) is int:
        return a * b
    if type(a) is int and a == 1:
        return b
    if type(b) is int and b == 1:
        return a
    if type(a) is int:
        return lambda c, env: a * b(c, env)
    if type(b) is int:
        return lambda c, env: a(c, env) * b
    return lambda c, env: a(c, env) * b(c, env)


def _add(a, b, sign: int = 1):
    if type(a) is int and type(b) is int:
        return a + sign * b
    fa, fb = _run(a), _run(b)
    if sign == 1:
        return lambda c, env: fa(c, env) + fb(c, env)
    return lambda c, env: fa(c, env) - fb(c, env)


def _where(cond, a, b):
    """``if cond then a else b`` of two terms (one term when both are the same int)."""
    if type(a) is int and type(b) is int and a == b:
        return a
    fa, fb = _run(a), _run(b)
    return lambda c, env: np.where(cond(c, env), fa(c, env), fb(c, env))


def _run(term) -> Callable[[Cols, Env], Any]:
    return (lambda c, env: term) if type(term) is int else term


class _Compiler:
    def __init__(self, rulebook, epoch, cap: int):
        self.rb, self.epoch, self.cap = rulebook, epoch, cap
        #: Inside an aggregate: its variable, and the list input it runs over. Its body is
        #: compiled as any expression, over the items' columns (``_Items``).
        self.item: tuple[str, str] | None = None

    def check(self, *bounds: int, span=None) -> int:
        if max(bounds) > LIMIT:
            raise _Block(_OVERFLOW, span)
        return max(bounds)

    # -- numbers
    def num(self, e: ir.Expr) -> _Num:
        if isinstance(e, ir.Const) and _is_number(e.value):
            v = Fraction(e.value)
            n, d = v.numerator, v.denominator
            return _Num(n, d, abs(n), d, n > 0)
        if isinstance(e, ir.Ref) and e.kind == "input":
            den = 1 if e.type.kind == "integer" else SCALE
            return _Num(lambda c, env, name=e.name: c[name], den, self.cap, den)
        if isinstance(e, ir.Attr):
            den = 1 if e.type.kind == "integer" else SCALE
            return _Num(self.field(e), den, self.cap, den)
        if isinstance(e, ir.Aggregate) and e.func in ("sum", "count"):
            return self.total(e)
        if isinstance(e, ir.Ref) and e.kind == "parameter":
            return self.num(ir.Const(e.type, e.span, e.text, self._parameter(e)))
        if isinstance(e, ir.Ref) and e.kind == "define":
            d = self.rb.definitions[e.name]
            if d.params:
                raise _Block("a definition with parameters read without a call", e.span)
            item, self.item = self.item, None  # a case's value, whatever is around it
            try:
                inner = self.num(d.body)
            finally:
                self.item = item
            return _Num(
                inner.fn if type(inner.fn) is int else lambda c, env, name=e.name: env[name][0],
                inner.den if type(inner.den) is int else lambda c, env, name=e.name: env[name][1],
                inner.bound,
                inner.dbound,
                inner.positive,
            )
        if isinstance(e, ir.CallDef):
            return self.num(self._inline(e))
        if isinstance(e, ir.Unary) and e.op == "-":
            x = self.num(e.operand)
            return _Num(_add(0, x.fn, -1), x.den, x.bound, x.dbound)
        if isinstance(e, ir.Binary) and e.op in ("+", "-", "*", "/"):
            return self.arith(e)
        if isinstance(e, ir.CallFunc) and e.name in ("min", "max") and self.builtin(e):
            values = [self.num(a) for a in e.args]
            out = values[0]
            for x in values[1:]:
                out = self.extreme(e.name, out, x, e.span)
            return out
        if isinstance(e, ir.If):
            cond = self.boolean(e.cond)
            a, b = self.num(e.then), self.num(e.otherwise)
            return _Num(
                _where(cond, a.fn, b.fn),
                _where(cond, a.den, b.den),
                max(a.bound, b.bound),
                max(a.dbound, b.dbound),
                a.positive and b.positive,
            )
        raise _Block(_construct(e), e.span)

    def arith(self, e: ir.Binary) -> _Num:
        a, b = self.num(e.left), self.num(e.right)
        span = e.span
        if e.op in ("+", "-"):
            bound = self.check(a.bound * b.dbound + b.bound * a.dbound, span=span)
            dbound = self.check(a.dbound * b.dbound, span=span)
            sign = 1 if e.op == "+" else -1
            return _Num(
                _add(_mul(a.fn, b.den), _mul(b.fn, a.den), sign),
                _mul(a.den, b.den),
                bound,
                dbound,
                e.op == "+" and a.positive and b.positive,
            )
        if e.op == "*":
            return _Num(
                _mul(a.fn, b.fn),
                _mul(a.den, b.den),
                self.check(a.bound * b.bound, span=span),
                self.check(a.dbound * b.dbound, span=span),
                a.positive and b.positive,
            )
        # Division only by what is known to be above zero: nothing to fail on a case, and
        # the denominator stays positive. x / (n/d) = x * d / n.
        if not b.positive:
            raise _Block("a division by something not known to be above zero", span)
        return _Num(
            _mul(a.fn, b.den),
            _mul(a.den, b.fn),
            self.check(a.bound * b.dbound, span=span),
            self.check(a.dbound * b.bound, span=span),
            a.positive,
        )

    def extreme(self, func: str, a: _Num, b: _Num, span) -> _Num:
        """``min(a, b)`` or ``max(a, b)``: the one chosen by cross-multiplying, numerator and
        denominator alike (equal values are the same number, whichever is taken)."""
        self.check(a.bound * b.dbound, b.bound * a.dbound, span=span)
        left, right = _run(_mul(a.fn, b.den)), _run(_mul(b.fn, a.den))
        if func == "min":
            first = lambda c, env: left(c, env) <= right(c, env)  # noqa: E731
        else:
            first = lambda c, env: left(c, env) >= right(c, env)  # noqa: E731
        both = func == "min" and a.positive and b.positive
        return _Num(
            _where(first, a.fn, b.fn),
            _where(first, a.den, b.den),
            max(a.bound, b.bound),
            max(a.dbound, b.dbound),
            both or (func == "max" and (a.positive or b.positive)),
        )

    def builtin(self, e: ir.CallFunc) -> bool:
        """A call of the built-in function of that name (default_functions), not a plugin's."""
        from . import default_functions

        impl = getattr(self.rb.functions.get(e.name), "impl", None)
        while hasattr(impl, "impl"):  # plugin_guards.PluginFunction: the function it guards
            impl = impl.impl
        return getattr(impl, "__module__", None) == default_functions.__name__

    # -- yes/no
    def boolean(self, e: ir.Expr) -> Callable[[Cols, Env], Any]:
        if isinstance(e, ir.Const) and isinstance(e.value, bool):
            v = e.value
            return lambda c, env: v
        if isinstance(e, ir.Ref) and e.kind == "input" and e.type.kind == "bool":
            return lambda c, env, name=e.name: c[name]
        if isinstance(e, ir.Attr) and e.type.kind == "bool":
            return self.field(e)
        if isinstance(e, ir.Aggregate) and e.func in ("any", "all"):
            count = _run(self.total(e).fn)  # of the items that hold (any), that fail (all)
            if e.func == "any":
                return lambda c, env: count(c, env) > 0
            return lambda c, env: count(c, env) == 0
        if isinstance(e, ir.Ref) and e.kind == "define" and e.type.kind == "bool":
            d = self.rb.definitions[e.name]
            if d.params:
                raise _Block("a definition with parameters read without a call", e.span)
            return lambda c, env, name=e.name: env[name]
        if isinstance(e, ir.Ref) and e.kind == "parameter" and e.type.kind == "bool":
            v = self._parameter(e)
            return lambda c, env: v
        if isinstance(e, ir.Ref) and e.kind == "conclusion" and e.type.kind == "bool":
            read = self.conclusion(e)
            return lambda c, env: read(c, env) == 1
        if isinstance(e, ir.CallDef):
            return self.boolean(self._inline(e))
        if isinstance(e, ir.Unary) and e.op == "not":
            f = self.boolean(e.operand)
            return lambda c, env: np.logical_not(f(c, env))
        if isinstance(e, ir.If):
            cond, a, b = self.boolean(e.cond), self.boolean(e.then), self.boolean(e.otherwise)
            return lambda c, env: np.where(cond(c, env), a(c, env), b(c, env))
        if isinstance(e, ir.Binary) and e.op in ("and", "or"):
            a, b = self.boolean(e.left), self.boolean(e.right)
            if e.op == "and":
                return lambda c, env: np.logical_and(a(c, env), b(c, env))
            return lambda c, env: np.logical_or(a(c, env), b(c, env))
        if isinstance(e, ir.Binary) and e.op in ("=", "!=", "<", "<=", ">", ">="):
            return self.compare(e)
        if isinstance(e, ir.Binary) and e.op == "in":
            return self.member(e)
        raise _Block(_construct(e), e.span)

    def compare(self, e: ir.Binary):
        op = _OPS[e.op]
        lt = e.left.type
        if _numeric(lt) and _numeric(e.right.type):
            a, b = self.num(e.left), self.num(e.right)
            self.check(a.bound * b.dbound, b.bound * a.dbound, span=e.span)
            # Denominators are positive: cross-multiplying keeps the order.
            left, right = _run(_mul(a.fn, b.den)), _run(_mul(b.fn, a.den))
            return lambda c, env: op(left(c, env), right(c, env))
        if isinstance(lt, EnumType) and isinstance(e.right.type, EnumType):
            if e.op not in ("=", "!=") and e.scale is None:
                raise _Block("an order on an enum that is not a scale", e.span)
            a, b = self.enum(e.left), self.enum(e.right)
            return lambda c, env: op(a(c, env), b(c, env))
        if lt.kind == "bool" and e.right.type.kind == "bool" and e.op in ("=", "!="):
            a, b = self.boolean(e.left), self.boolean(e.right)
            return lambda c, env: op(a(c, env), b(c, env))
        if lt.kind == "date" and e.right.type.kind == "date":
            a, b = _run(self.day(e.left)), _run(self.day(e.right))
            return lambda c, env: op(a(c, env), b(c, env))
        raise _Block(f"a comparison of {lt.describe()} values", e.span)

    # -- dates, as day numbers (``date.toordinal``): exact, and in the order of the dates
    def day(self, e: ir.Expr):
        """An int known when compiling, or a function of the columns."""
        known, value = self.constant(e)
        if known and isinstance(value, datetime.date):
            return value.toordinal()
        if isinstance(e, ir.Ref) and e.kind == "input":
            return lambda c, env, name=e.name: c[name]
        if isinstance(e, ir.Attr):
            return self.field(e)
        if isinstance(e, ir.Ref) and e.kind == "define":
            if self.rb.definitions[e.name].params:
                raise _Block("a definition with parameters read without a call", e.span)
            return lambda c, env, name=e.name: env[name]
        if isinstance(e, ir.CallDef):
            return self.day(self._inline(e))
        if isinstance(e, ir.CallFunc) and e.name in ("min", "max") and self.builtin(e):
            days = [_run(self.day(a)) for a in e.args]
            pick = np.minimum if e.name == "min" else np.maximum

            def extreme(c, env):
                out = days[0](c, env)
                for d in days[1:]:
                    out = pick(out, d(c, env))
                return out

            return extreme
        if isinstance(e, ir.If):
            cond = self.boolean(e.cond)
            a, b = _run(self.day(e.then)), _run(self.day(e.otherwise))
            return lambda c, env: np.where(cond(c, env), a(c, env), b(c, env))
        raise _Block(_construct(e), e.span)

    def member(self, e: ir.Binary):
        if not isinstance(e.right, ir.ListE) or not all(
            isinstance(x, ir.Const) for x in e.right.items
        ):
            raise _Block("'in' a list that is not written out", e.span)
        if isinstance(e.left.type, EnumType):
            a = self.enum(e.left)
            rank = e.left.type.rank
            codes = [rank[x.value] for x in e.right.items if x.value in rank]
            return lambda c, env: np.isin(a(c, env), codes)
        if _numeric(e.left.type):
            tests = [
                self.compare(ir.Binary(e.type, e.span, e.text, "=", e.left, x, None))
                for x in e.right.items
            ]

            def any_of(c, env):
                out = np.zeros(_rows(c), dtype=bool)
                for t in tests:
                    out |= t(c, env)
                return out

            return any_of
        raise _Block(f"'in' a list of {e.left.type.describe()}", e.span)

    # -- enums, as codes (a scale's codes are its ranks)
    def enum(self, e: ir.Expr):
        t = e.type
        if isinstance(e, ir.Const):
            code = t.rank[e.value]
            return lambda c, env: code
        if isinstance(e, ir.Ref) and e.kind == "input":
            return lambda c, env, name=e.name: c[name]
        if isinstance(e, ir.Attr):
            return self.field(e)
        if isinstance(e, ir.Ref) and e.kind == "conclusion":
            return self.conclusion(e)
        if isinstance(e, ir.Ref) and e.kind == "define":
            return lambda c, env, name=e.name: env[name]
        if isinstance(e, ir.Ref) and e.kind == "parameter":
            code = t.rank[self._parameter(e)]
            return lambda c, env: code
        if isinstance(e, ir.Ref) and e.kind == "lighter":  # NAME.applied, .at_act, .at_decision
            return self.version(e)
        if isinstance(e, ir.CallDef):
            return self.enum(self._inline(e))
        if isinstance(e, ir.If):
            cond, a, b = self.boolean(e.cond), self.enum(e.then), self.enum(e.otherwise)
            return lambda c, env: np.where(cond(c, env), a(c, env), b(c, env))
        raise _Block(_construct(e), e.span)

    # -- lists of records: a field of the aggregate's item, and sums and counts over them
    def field(self, e: ir.Attr):
        """A field of the item an aggregate runs over: its column of all the items."""
        if not (
            self.item is not None
            and isinstance(e.obj, ir.Ref)
            and e.obj.kind == "local"
            and e.obj.name == self.item[0]
        ):
            raise _Block(_construct(e), e.span)
        return lambda c, env, key=(_ITEM, e.field): c[key]

    def total(self, e: ir.Aggregate) -> _Num:
        """``sum(... for a in acts where ...)`` or ``count(...)`` over the items' columns,
        added up for each case (differences of a running sum: exact integers); for ``any``
        and ``all``, the count of the items that hold, or that fail."""
        t = e.iterable.type
        if self.item is not None:
            what = f"an aggregate ({e.func}) for each item of another"
            raise _Block(what, e.span)
        if not (
            isinstance(e.iterable, ir.Ref)
            and e.iterable.kind == "input"
            and isinstance(t, ListType)
            and isinstance(t.element, RecordType)
        ):
            raise _Block(_construct(e), e.span)
        self.item = (e.var, e.iterable.name)
        try:
            body = self.num(e.body) if e.func == "sum" else _Num(1, 1, 1, 1)
            tests = [self.boolean(e.where)] if e.where is not None else []
            if e.func in ("any", "all"):
                holds = self.boolean(e.body)
                if e.func == "any":
                    tests.append(holds)
                else:
                    tests.append(lambda c, env: np.logical_not(holds(c, env)))
        finally:
            self.item = None
        test = None
        if tests:
            test = (
                tests[0]
                if len(tests) == 1
                else (lambda c, env: np.logical_and(tests[0](c, env), tests[1](c, env)))
            )
        if type(body.den) is not int:
            raise _Block("a sum of values with different denominators", e.span)
        bound = self.check(body.bound * MAX_ITEMS, span=e.span)
        fn, name = _run(body.fn), e.iterable.name

        def added(c, env):
            items = c[name]
            ic, ienv = _Items(c, items), _Items(env, items)
            values = _full_of(ic, fn(ic, ienv))
            if test is not None:
                values = np.where(test(ic, ienv), values, 0)
            # The running sum of all the slice's items may wrap around 64 bits; a difference
            # of two of them is still exact (modulo 2^64), as each case's sum fits (checked
            # above from the bound of an item and MAX_ITEMS).
            running = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
            return running[items.offsets[1:]] - running[items.offsets[:-1]]

        return _Num(added, body.den, bound, body.den)

    def version(self, e: ir.Ref):
        """``NAME.applied``, ``.at_act`` or ``.at_decision`` of a lighter block: the rank of
        the version (``_lighter``). Where there is none (a day before every version), the
        per-case path reports it where it is read: the row goes one by one."""
        if self.item is not None:
            raise _Block("a version of the law read for each item of a list", e.span)
        block, attr = e.name.split(".")
        key, i = ("lighter", block), ir.LIGHTER_ATTRIBUTES.index(attr)

        def read(cols, env):
            ranks = env[key][i]
            env[_REDO] |= ranks < 0
            return ranks

        return read

    def conclusion(self, e: ir.Ref):
        """A conclusion a rule reads, as codes: a scale's highest, or a value (an enum,
        yes/no). A value with no default may be undecided, which the per-case path reports
        where it is read: such a row goes one by one (not inside an aggregate, where a row
        cannot be marked). A row in conflict goes one by one anyway."""
        c = self.rb.conclusions[e.name]
        if c.kind not in ("highest", "value"):
            raise _Block(f"a conclusion of kind '{c.kind}' read by a rule", e.span)
        key = ("conclusion", e.name)
        if c.kind == "highest" or c.default is not MISSING:
            return lambda cols, env: env[key]
        if self.item is not None:
            what = "a conclusion of kind 'value' with no default read for each item of a list"
            raise _Block(what, e.span)

        def read(cols, env):
            codes = env[key]
            env[_REDO] |= codes < 0  # undecided: the per-case path says so where it is read
            return codes

        return read

    def constant(self, e: ir.Expr) -> tuple[bool, Any]:
        """(True, the value) of a constant: a literal, a definition of a literal, a
        parameter's value on the date; else (False, None)."""
        if isinstance(e, ir.Const):
            return True, e.value
        if isinstance(e, ir.Ref) and e.kind == "define":
            d = self.rb.definitions[e.name]
            return self.constant(d.body) if d.params is None else (False, None)
        if isinstance(e, ir.Ref) and e.kind == "parameter":
            v = self.epoch.parameters.get(e.name, MISSING)
            return (v is not MISSING), v
        return False, None

    def coded(self, e: ir.Expr, t, table: list):
        """A conclusion's value as codes (``_table``): an int known when compiling, or a
        function of the columns. An enum's or yes/no's from any expression of them; any
        other type's from constants, definitions of them and ``if``."""
        if isinstance(t, EnumType):
            return self.enum(e)
        if t.kind == "bool":
            f = self.boolean(e)
            return lambda c, env: np.asarray(f(c, env), dtype=np.int64)
        known, value = self.constant(e)
        if known:
            return _code(table, value)
        if isinstance(e, ir.If):
            cond = self.boolean(e.cond)
            a, b = _run(self.coded(e.then, t, table)), _run(self.coded(e.otherwise, t, table))
            return lambda c, env: np.where(cond(c, env), a(c, env), b(c, env))
        if isinstance(e, ir.Ref) and e.kind == "define" and not self.rb.definitions[e.name].params:
            return self.coded(self.rb.definitions[e.name].body, t, table)
        if isinstance(e, ir.CallDef):
            return self.coded(self._inline(e), t, table)
        raise _Block("a conclusion given a computed value", e.span)

    # -- helpers
    def _parameter(self, e: ir.Ref):
        value = self.epoch.parameters[e.name]
        if value is MISSING:
            raise _Block(f"parameter '{e.name}' with no value on the date", e.span)
        return value

    def _inline(self, e: ir.CallDef) -> ir.Expr:
        from .codegen import substitute

        d = self.rb.definitions[e.name]
        values = {}
        for (p, _), a in zip(d.params, e.args):
            if self.item is not None and not isinstance(a, ir.Aggregate):
                values[p] = a  # over an aggregate's items: the item, one of its fields...
                continue
            v = _constant(a, self)
            if v is None:
                what = f"a call of '{e.name}' with an argument that is not a constant"
                raise _Block(what, a.span)
            values[p] = ir.Const(a.type, a.span, a.text, v)
        return substitute(d.body, values)

    def value(self, e: ir.Expr):
        """A definition's value: numbers as (numerators, den), yes/no, enum codes."""
        t = e.type
        if _numeric(t):
            n = self.num(e)
            fn, den = _run(n.fn), _run(n.den)
            return lambda c, env: (_full_of(c, fn(c, env)), _full_of(c, den(c, env)))
        if t.kind == "bool":
            return self.boolean(e)
        if isinstance(t, EnumType):
            return self.enum(e)
        if t.kind == "date":
            return _run(self.day(e))
        raise _Block(f"a value of type {t.describe()}", getattr(e, "span", None))


def _constant(e: ir.Expr, compiler: _Compiler) -> Fraction | None:
    """The exact value of an expression of constants, or None."""
    if isinstance(e, ir.Const) and _is_number(e.value):
        return Fraction(e.value)
    if isinstance(e, ir.Ref) and e.kind == "parameter":
        v = compiler.epoch.parameters.get(e.name, MISSING)
        return Fraction(v) if _is_number(v) else None
    if isinstance(e, ir.Unary) and e.op == "-":
        v = _constant(e.operand, compiler)
        return -v if v is not None else None
    if isinstance(e, ir.Binary) and e.op in ("+", "-", "*", "/"):
        a, b = _constant(e.left, compiler), _constant(e.right, compiler)
        if a is None or b is None or (e.op == "/" and b == 0):
            return None
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[e.op]
    return None


def _scalar(t) -> bool:
    """A type whose values fit in a column of integers (a text's column only says it is one:
    no rule may read it there, see ``_text``)."""
    return _numeric(t) or t.kind in ("bool", "date", "text") or isinstance(t, EnumType)


def _enum(t) -> bool:
    return isinstance(t, EnumType)


def _is_number(v) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


def _numeric(t) -> bool:
    return t.kind in ("integer", "decimal", "money")


def _rows(cols: Cols) -> int:
    return cols["__rows__"]


def _construct(e: ir.Expr) -> str:
    if isinstance(e, ir.Aggregate):
        return f"an aggregate over a list ({e.func})"
    if isinstance(e, ir.CallFunc):
        return f"a call of the function {e.name}()"
    if isinstance(e, ir.Attr):
        return "a field of a record"
    if isinstance(e, ir.Ref) and e.kind == "conclusion":
        return "a conclusion read by a rule"
    return f"an expression of type {e.type.describe()} ({type(e).__name__})"


def _ops():
    import operator

    return {
        "=": operator.eq,
        "!=": operator.ne,
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }


_OPS = _ops()


# ------------------------------------------------------------------ the program
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

    def __attrs_post_init__(self) -> None:
        self.readers = [
            (name, spec.default, _reader(spec, self.cap))
            for name, spec in self.rulebook.inputs.items()
        ]

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


@attrs.define
class Columns:
    data: Cols
    rows: list[int]  # the index of each row's record
    rest: list[int]  # the records decided one by one
    #: For each of ``rest``, why (the field that does not fit, or what the record is).
    why: list[str] = attrs.Factory(list)


def compile(book, day: datetime.date) -> Program | Blocked:  # noqa: A001 - the module's verb
    """The columnar program of the book's period on ``day``, or why there is none."""
    if np is None:
        return Blocked("numpy is not installed (the 'columnar' extra)")
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
            steps.append(("lighter", name, _lighter(book, comp, rb.lighters[name], cap, tables)))
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


def _code(table: list, value) -> int:
    """A value's code in the table, added when new (equal values share one, as the per-case
    path compares them)."""
    for i, known in enumerate(table):
        if type(known) is type(value) and known == value:
            return i
    table.append(value)
    return len(table) - 1


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


# ------------------------------------------------------------------ the law in time
#: How a ``lighter`` block's versions compare on a row (``lighter_eval.lighter_side``).
_PENDING, _DECISION, _ACT, _NOT_COMPARED = 0, 1, 2, 3


def _lighter(book, comp: _Compiler, block: ir.Lighter, cap: int, tables: dict):
    """A ``lighter`` block's step, as ``lighter_eval.settle`` decides it for each row.

    The version in force on the as-of date is the same all through the program's period.
    A row whose act date falls in an earlier version's period is evaluated again by the
    program of that version's last day (compiled here, with the same bound on the inputs),
    the rows of each such period together; the block's conclusions are compared there and
    here as ``lighter_side`` does, and the act-date version's values taken where it applies.
    Its codes are made the codes of this program's tables. A conflict in the other
    evaluation sends the row one by one. Returns the columns of ``(applied, at_act,
    at_decision)``: ranks, -1 where there is no version (``_Compiler.version``)."""
    rb = book.rulebook
    param = rb.parameters[block.versions]
    rank = block.type.rank
    starts = np.array([since.toordinal() for since, _ in param.values], dtype=np.int64)
    members = np.array([rank[m] for _, m in param.values], dtype=np.int64)
    now = comp.epoch.parameters.get(block.versions, MISSING)
    at_decision = -1 if now is MISSING else rank[now]
    act_day = _run(comp.day(block.act_date))
    earlier = []  # (period, its version's rank, the day judged on, its program, the code maps)
    for p, (_, member) in enumerate(param.values if now is not MISSING else ()):
        if member == now:  # the periods before the as-of version's (each version has one)
            break
        when = param.values[p + 1][0] - datetime.timedelta(days=1)  # its last day in force
        sub = _attempt(book, when, cap)
        if isinstance(sub, Blocked):
            raise _Block(sub.construct, sub.span)
        maps = {c: _recode(tables.get(c), sub.tables.get(c)) for c in block.decides}
        earlier.append((p, members[p], when.toordinal(), sub, maps))
    compare = [(c, _Key(rb.conclusions[c], tables.get(c))) for c in block.compare]
    undecided = comp.epoch.undecided
    decides = block.decides

    def step(cols, env):
        rows = _rows(cols)
        act = _full_of(cols, act_day(cols, env))
        later = act > env[_DAY]  # judged under the as-of version (another block's case)
        period = np.searchsorted(starts, act, side="right") - 1
        at_act = np.where(later, at_decision, np.where(period >= 0, members[period], -1))
        applied = np.full(rows, at_decision, dtype=np.int64)
        for p, version, when, sub, maps in earlier:
            at = np.flatnonzero((period == p) & ~later)
            if not at.size:
                continue
            then = sub.run(_take(cols, at), when)
            env[_REDO][at] |= then[_REDO]
            side = np.full(at.size, _PENDING, dtype=np.int8)
            for c, key in compare:
                a = maps[c](then[("conclusion", c)])
                d = env[("conclusion", c)][at]
                _weigh(side, key(a), key(d), c in sub.epoch.undecided, c in undecided, key)
            side[side == _PENDING] = _ACT  # equal all through: the act-date version
            take = side == _ACT
            chosen = at[take]
            for c in decides:
                value = maps[c](then[("conclusion", c)])
                env[("conclusion", c)] = _put(env[("conclusion", c)], chosen, value, take)
            applied[chosen] = version
        return applied, at_act, np.full(rows, at_decision, dtype=np.int64)

    return step


def _weigh(side, ka, kd, a_undecided: bool, d_undecided: bool, key) -> None:
    """One conclusion of ``compare`` on the rows still pending (``lighter_side``): keys ``ka``
    (the act-date version's) and ``kd`` (the as-of version's), -1 where not decided."""
    pending = side == _PENDING
    a_unset = (ka < 0) | a_undecided
    d_unset = (kd < 0) | d_undecided
    side[pending & a_unset] = _NOT_COMPARED
    pending &= ~a_unset
    # Not decided as of the decision: only the act-date version's lowest member (of a scale)
    # compares, as nothing is lighter than it.
    lowest = (ka == 0) if key.scale else np.zeros_like(pending)
    side[pending & d_unset & ~lowest] = _NOT_COMPARED
    pending &= ~d_unset
    side[pending & (kd < ka)] = _DECISION
    side[pending & (ka < kd)] = _ACT


class _Key:
    """``key(codes)``: a compared conclusion's codes as keys in the order of its values
    (ranks for a scale; for numbers, amounts and dates, their order in the table), -1 where
    no rule decided it."""

    def __init__(self, c: ir.Conclusion, table: list | None):
        self.scale = _enum(c.type)
        self.table = None if self.scale or c.kind == "highest" else table
        self.size = -1
        self.order = None

    def __call__(self, codes):
        if self.table is None:
            return codes
        if self.size != len(self.table):  # the table is complete once the program is made
            distinct = sorted(set(self.table))
            where = {v: i for i, v in enumerate(distinct)}
            self.order = np.array([where[v] for v in self.table] + [-1], dtype=np.int64)
            self.size = len(self.table)
        return self.order[codes]


def _recode(mine: list | None, theirs: list | None) -> Callable[[Any], Any]:
    """Another program's column of a conclusion in this program's codes (a value's table
    codes; other kinds' columns are the same in both)."""
    if mine is None or theirs is None:
        return lambda column: column
    codes = np.array([_code(mine, v) for v in theirs] + [-1], dtype=np.int64)
    return lambda column: codes[column]


def _take(cols: Cols, at) -> Cols:
    """The rows ``at`` of the columns (a list's items with them)."""
    out: Cols = {"__rows__": int(at.size)}
    for k, v in cols.items():
        if k == "__rows__":
            continue
        out[k] = v.take(at) if isinstance(v, _List) else v[at]
    return out


def _put(column, at, values, take):
    """``column`` with the rows ``at`` set to ``values[take]`` (a range's columns each)."""
    if isinstance(column, tuple):
        return tuple(_put(c, at, v, take) for c, v in zip(column, values))
    column = np.array(column, copy=True)
    column[at] = values[take]
    return column


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


def _full_of(c: Cols, v):
    return v if isinstance(v, np.ndarray) else np.full(_rows(c), v, dtype=np.int64)


def _full(fn):
    """A definition's column, as a full column (a constant is broadcast)."""

    def full(c, env):
        v = fn(c, env)
        return v if isinstance(v, np.ndarray) else np.full(_rows(c), v)

    return full


# ------------------------------------------------------------------ from records to columns
_PLAIN = re.compile(r"(-?[0-9]+)(?:\.([0-9]{1,2}))?")


def _columns(program: Program, records: list) -> Columns:
    rb = program.rulebook
    specs = list(rb.inputs.items())
    known = frozenset(rb.inputs)
    readers = program.readers
    values: dict[str, list] = {name: [] for name, _ in specs}
    columns = [values[name] for name, _ in specs]
    rows, rest, why = [], [], []
    for i, record in enumerate(records):
        if type(record) is not dict:
            rest.append(i)
            why.append("facts that are not a record")
            continue
        if not known.issuperset(record):
            rest.append(i)
            why.append("a field the rulebook does not declare")
            continue
        got = []
        for name, default, read in readers:
            v = read(record.get(name, default))
            if v is None:
                why.append(f"'{name}' missing, out of the columns' bounds or not in plain form")
                break
            got.append(v)
        else:
            rows.append(i)
            for column, v in zip(columns, got):
                column.append(v)
            continue
        rest.append(i)
    data: Cols = {"__rows__": len(rows)}
    for name, spec in specs:
        if isinstance(spec.type, ListType):
            data[name] = _list_columns(spec.type.element, values[name])
            continue
        dtype = bool if spec.type.kind == "bool" else np.int64
        data[name] = np.array(values[name], dtype=dtype)
    return Columns(data, rows, rest, why)


def _list_columns(record: RecordType, lists: list) -> _List:
    """Each case's items (tuples of their fields' values) as the columns of a ``_List``."""
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum([len(items) for items in lists], out=offsets[1:])
    flat = [item for items in lists for item in items]
    fields = {}
    for i, (name, spec) in enumerate(record.fields.items()):
        dtype = bool if spec.type.kind == "bool" else np.int64
        fields[name] = np.array([item[i] for item in flat], dtype=dtype)
    return _List(fields, offsets)


def _reader(spec, cap: int) -> Callable[[Any], Any]:
    """``read(raw)``: a raw value of this input in the column's form (an integer; fen; a
    code), or None: the record goes one by one. Chosen once for each input."""
    t = spec.type
    if t.kind == "bool":
        return lambda raw: raw if raw is True or raw is False else None
    if isinstance(t, EnumType):
        rank = t.rank
        return lambda raw: rank.get(raw) if type(raw) is str else None
    if t.kind == "date":
        return _day
    if t.kind == "text":
        return _text
    if isinstance(t, ListType):
        return _items_reader(t.element, cap)
    return lambda raw: _plain(raw, spec, cap)


def _items_reader(record: RecordType, cap: int) -> Callable[[Any], Any]:
    """``read(raw)``: a list of records as a list of tuples of their fields in column form,
    or None: the case goes one by one (not a list, too long, an item not a record, a field
    not declared, missing without a default or not in plain form)."""
    fields = [(name, spec.default, _reader(spec, cap)) for name, spec in record.fields.items()]
    known = frozenset(record.fields)

    def read(raw):
        if type(raw) is not list or len(raw) > MAX_ITEMS:
            return None
        out = []
        for item in raw:
            if type(item) is not dict or not known.issuperset(item):
                return None
            got = []
            for name, default, one in fields:
                v = one(item.get(name, default))
                if v is None:
                    return None
                got.append(v)
            out.append(tuple(got))
        return out

    return read


def _text(raw) -> int | None:
    """A text, which only rules that compare nothing read (an act's id): 0, that it is one
    (validation's test); None: one by one. Any use of a text by a rule blocks the program
    when compiling (a comparison of text values, a value computed from it)."""
    if type(raw) is not str:
        return None
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return 0


def _day(raw) -> int | None:
    """A date, or one written YYYY-MM-DD, as its day number; None: one by one."""
    if type(raw) is datetime.date:
        return raw.toordinal()
    day = parse_date(raw) if type(raw) is str else None
    return day.toordinal() if day is not None else None


def _plain(raw, spec, cap: int):
    """A raw number in the column's form (an integer; fen), or None: one by one."""
    t = spec.type
    if raw is MISSING:
        return None
    if t.kind == "integer":
        v = raw if type(raw) is int else None
    elif type(raw) is int:
        v = raw * SCALE
    elif type(raw) is str:
        m = _PLAIN.fullmatch(raw)
        if m is None or len(raw) > 30:
            return None
        whole, places = m.groups()
        v = int(whole + (places or "").ljust(2, "0"))
    elif type(raw) is Fraction and SCALE % raw.denominator == 0:
        v = raw.numerator * (SCALE // raw.denominator)
    else:
        return None
    if v is None or not -cap <= v <= cap:
        return None
    minimum = spec.minimum
    if minimum is not None and v < minimum * (1 if t.kind == "integer" else SCALE):
        return None
    return v


# ------------------------------------------------------------------ batches
#: The path of a case decided in columns, as ``how`` and the batch runner say it.
COLUMNAR = "columnar (numpy)"
#: Why a case the columns decided is decided again one by one.
AGAIN = (
    "a conflict between rules, a range running downward, or a value read where it is not "
    "decided (the per-case path reports it)"
)


def decide_chunk(book, records: list, day: datetime.date | None = None) -> list:
    """One row per record, in order: its ``Decision``, or the exception the per-case path
    raised for it (``FactsError``, ``EvaluationError``). The records of each period go through
    the columnar program when the rulebook qualifies; the others, and any record that does not
    fit in columns, one by one (``book.decide``). ``how(book, day)`` says which."""
    return [r if isinstance(r, BaseException) else r[0] for r in decide_cited(book, records, day)]


def decide_cited(book, records: list, day: datetime.date | None = None) -> list:
    """What a batch needs of each record, in order: ``(Decision, the rules that applied,
    the path it took)`` (the rules in the epoch's order, as ``book.decide_cited`` gives them;
    the path ``COLUMNAR``, or ``"one by one: "`` and why), or the exception the per-case path
    raised for it. Decided as ``decide_chunk`` says."""
    rows: list = [None] * len(records)
    groups: dict[datetime.date, list[int]] = {}
    for i, record in enumerate(records):
        try:
            when = book.as_of(record, day)
        except Exception as err:  # noqa: BLE001 - reported as the row, as decide would
            rows[i] = err
            continue
        groups.setdefault(when, []).append(i)
    for when, indices in groups.items():
        program = _program_for(book, when)
        if not isinstance(program, Program):
            _one_by_one(book, records, day, rows, indices, f"one by one: {program}")
            continue
        cols = program.columns([records[i] for i in indices])
        if cols.rows:
            again = _in_columns(program, cols, when, [indices[at] for at in cols.rows], rows)
            _one_by_one(book, records, day, rows, again, f"one by one: {AGAIN}")
        for at, why in zip(cols.rest, cols.why):
            _one_by_one(book, records, day, rows, [indices[at]], f"one by one: {why}")
    return rows


def _in_columns(program: Program, cols: Columns, when, targets: list[int], rows: list) -> list:
    """The rows decided in columns; returns those to decide one by one (``decide_rows``)."""
    out, applied, redo = program.decide_rows(cols, when)
    in_force = bool(program.epoch.rules)
    names = program.outputs
    columns = [out[n].tolist() for n in names]
    rules = program.epoch.rules
    cited: dict[bytes, tuple[str, ...]] = {}  # the rules of each pattern of flags, made once
    keys = np.packbits(applied, axis=1) if rules else np.zeros((len(targets), 0), np.uint8)
    again = [targets[j] for j in np.flatnonzero(redo).tolist()]
    for j, i in enumerate(targets):
        key = keys[j].tobytes()
        found = cited.get(key)
        if found is None:
            found = cited[key] = tuple(itertools.compress(rules, applied[j]))
        conclusions = {n: col[j] for n, col in zip(names, columns)}
        rows[i] = (Decision(when, conclusions, (), in_force), found, COLUMNAR)
    return again


def _one_by_one(book, records, day, rows: list, indices: list[int], path: str) -> None:
    for i in indices:
        try:
            decision, applied = book.decide_cited(records[i], day)
        except Exception as err:  # noqa: BLE001 - the row says what went wrong
            rows[i] = err
        else:
            rows[i] = (decision, applied, path)


def how(book, day: datetime.date) -> str:
    """In words: whether a batch on ``day`` goes through the columnar path, and if not why."""
    program = _program_for(book, day)
    if isinstance(program, Program):
        return f"{COLUMNAR}, cases that do not fit in columns one by one"
    return f"one by one: {program}"


def _program_for(book, day: datetime.date) -> Program | Blocked:
    """Compiled once for each period of the book."""
    cache = book.__dict__.setdefault("_columnar", {})
    index = bisect.bisect_right(book.changes, day)
    found = cache.get(index)
    if found is None:
        found = cache[index] = compile(book, day)
    return found
