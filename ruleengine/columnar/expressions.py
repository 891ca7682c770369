"""Expressions of the checked tree compiled into functions of the columns: numbers as
numerators over positive denominators with their bounds (``_Num``), yes/no, dates as day
numbers, enum codes, aggregates over a list's items, ``min``/``max``, versions of the law."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import attrs

from .. import ir
from ..ir import MISSING
from ..types import EnumType, ListType, RecordType
from .base import (
    _ITEM,
    _OVERFLOW,
    _REDO,
    LIMIT,
    MAX_ITEMS,
    SCALE,
    Cols,
    Env,
    _Block,
    _full_of,
    _is_number,
    _List,
    _numeric,
    _rows,
    np,
)
from .dates import shift


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
        from .. import default_functions

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
        if isinstance(e, ir.Binary) and e.op in ("+", "-") and e.right.type.kind == "duration":
            return self.moved(e)
        raise _Block(_construct(e), e.span)

    def moved(self, e: ir.Binary):
        """A date moved by a duration written in the rules (``dates.shift``). A row the
        engine cannot move (out of the calendar) goes one by one, where the per-case path
        says so; inside an aggregate a row cannot be marked."""
        known, span = self.constant(e.right)
        if not known:
            raise _Block("a date moved by a varied duration", e.span)
        if self.item is not None:
            raise _Block("a date moved by a duration for each item of a list", e.span)
        sign = 1 if e.op == "+" else -1
        day = _run(self.day(e.left))

        def move(c, env):
            moved, off = shift(_full_of(c, day(c, env)), span, sign)
            env[_REDO] |= off
            return np.where(off, 0, moved)

        return move

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
        from ..codegen import substitute

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


def _code(table: list, value) -> int:
    """A value's code in the table, added when new (equal values share one, as the per-case
    path compares them)."""
    for i, known in enumerate(table):
        if type(known) is type(value) and known == value:
            return i
    table.append(value)
    return len(table) - 1
