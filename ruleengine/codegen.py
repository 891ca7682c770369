"""The fast path: Python source generated from a checked epoch, compiled once.

Safety: the source is generated only from the checked tree. No text a user wrote is ever
placed in it: every constant (strings, fractions, dates, texts) is passed in through the
namespace under a generated name, and every identifier in the source is a generated one
(``_v3``, ``_d1``, ``_p0``). Only integers and the field names of records, which the grammar
restricts to ``[A-Za-z_][A-Za-z0-9_]*``, appear as literals, through ``repr``.
"""

from __future__ import annotations

import datetime
import functools
import marshal
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from typing import Any

import attrs

from ruleengine_dsl.collector import gc_paused

from . import ir, lighter_eval, runtime
from .facts import MAX_DIGITS, FactsError, _Invalid, convert, validate_fields
from .ir import MISSING
from .runtime import Decision, Unset
from .trace import Claims, Tests, negated_tests
from .types import EnumType, ListType, MoneyType, RecordType, normalize

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NAME = re.compile(r"\b_[A-Za-z0-9_]+")  # every generated name starts with "_"
_HELPER_CALL = re.compile(r"\b(_(?:f|w|wz)__d[0-9]+)\((\))?")

#: About the most characters of one generated function (see ``_Gen.program``).
CHUNK_SIZE = 100_000
#: The generated source is kept (``decide.source``, to read) for a program up to this size.
SOURCE_KEPT = 1_000_000
#: A dict of more entries than this is built one entry a statement (``_Gen.mapping``).
INLINE_ITEMS = 200
#: Variables that carry a value from one plan step to the next, besides those of inputs,
#: definitions, rules and conclusions.
_ACCUMULATORS = frozenset(("_t", "_cl", "_conflicts", "_E", "_X", "_rec", "_O", "_D", "_L", "_AP"))

ARITHMETIC = {"+": "p_add", "-": "p_sub", "*": "p_mul", "/": "p_div"}
COMPARE_PAIRS = {">=": "p_ge", ">": "p_gt", "<=": "p_le", "<": "p_lt", "=": "p_eq", "!=": "p_ne"}
PYOP = {
    "=": "==",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "+": "+",
    "-": "-",
    "*": "*",
}


_CHEAP = re.compile(r"\(?-?\d+\)?|[A-Za-z_][A-Za-z0-9_]*(\.(numerator|denominator))?")


#: Inlined bodies nest at most this deep together (the language allows 64 in one text).
MAX_INLINE_NESTING = 64


def _height(e: ir.Expr) -> int:
    """The height of an expression tree, without recursion."""
    best, stack = 0, [(e, 1)]
    while stack:
        node, depth = stack.pop()
        best = max(best, depth)
        stack.extend((x, depth + 1) for x in ir.children(node))
    return best


def _cheap(code: str) -> bool:
    """Code that may be written twice: a literal, a variable or its numerator/denominator."""
    return _CHEAP.fullmatch(code) is not None


def _positive_literal(code: str) -> bool:
    m = re.fullmatch(r"\((\d+)\)", code)
    return m is not None and int(m.group(1)) > 0


def _times(a: str, b: str) -> str:
    if b == "(1)":
        return a
    if a == "(1)":
        return b
    return f"({a} * {b})"


class Num:
    """A number-valued expression's code: ``int`` (a Python int), ``sym`` (numerator ``a``
    and positive denominator ``b``), ``pair`` (a tuple expression) or ``num`` (an int or a
    Fraction)."""

    __slots__ = ("kind", "a", "b")

    def __init__(self, kind: str, a: str, b: str | None = None):
        self.kind, self.a, self.b = kind, a, b

    def sym(self) -> tuple[str, str] | None:
        if self.kind == "int":
            return self.a, "(1)"
        if self.kind == "sym":
            return self.a, self.b
        return None

    def pair(self) -> str:
        if self.kind == "pair":
            return self.a
        if self.kind == "num":
            return f"_p_of({self.a})"
        n, d = self.sym()
        return f"({n}, {d})"

    def value(self) -> str:
        if self.kind in ("int", "num"):
            return self.a
        if self.kind == "sym" and self.b == "(1)":
            return self.a
        return f"_p_val({self.pair()})"


def substitute(e: ir.Expr, values: dict[str, ir.Expr]) -> ir.Expr:
    """The expression with local names replaced (a definition's parameters by constants)."""
    if not values:
        return e
    if isinstance(e, ir.Ref) and e.kind == "local" and e.name in values:
        v = values[e.name]
        if isinstance(v, ir.Const):
            return ir.Const(e.type, e.span, e.text, v.value)
        return v
    if isinstance(e, ir.Aggregate):
        inner = {k: v for k, v in values.items() if k != e.var}
        return attrs.evolve(
            e,
            iterable=substitute(e.iterable, values),
            body=substitute(e.body, inner) if e.body is not None else None,
            where=substitute(e.where, inner) if e.where is not None else None,
        )
    changes = {}
    for f in attrs.fields(type(e)):
        v = getattr(e, f.name)
        if isinstance(v, ir.Expr):
            changes[f.name] = substitute(v, values)
        elif isinstance(v, list) and v and isinstance(v[0], ir.Expr):
            changes[f.name] = [substitute(x, values) for x in v]
    return attrs.evolve(e, **changes) if changes else e


class _Var(ir.Ref):
    """A value already computed into a generated variable (used when explaining a test)."""

    def __init__(self, like: ir.Expr, var: str):
        super().__init__(like.type, like.span, like.text, "generated", var)


def _numeric_type(t) -> bool:
    return t.kind in ("integer", "decimal", "money")


def _numeric(e: ir.Expr) -> bool:
    """An arithmetic node over numbers or money (not dates and durations)."""
    if isinstance(e, ir.Binary):
        return _numeric_type(e.left.type) and _numeric_type(e.right.type)
    return _numeric_type(e.type)


class _Gen:
    def __init__(self, rulebook, epoch, explain: bool = False, cited: bool = False):
        self.rb = rulebook
        self.epoch = epoch
        self.explain = explain  # the explain program, else the decision only
        self.cited = cited  # the decision and which rules applied (batches cite them)
        self.ns: dict[str, Any] = {
            "_Fraction": Fraction,
            "_date": datetime.date,
            "_Unset": Unset,
            "_Decision": Decision,
            "_negated": negated_tests,
            "_Claims": Claims,
            "_rt": runtime,
        }
        # The exact-pair helpers, bound directly: no attribute lookup per operation.
        for name in (
            "p_of",
            "p_val",
            "p_add",
            "p_sub",
            "p_mul",
            "p_div",
            "p_neg",
            "p_ge",
            "p_gt",
            "p_le",
            "p_lt",
            "p_eq",
            "p_ne",
        ):
            self.ns["_" + name] = getattr(runtime, name)
        self.consts: dict[tuple, str] = {}
        #: The functions called, each by the name of its place in the namespace: made again
        #: from the rulebook's functions when the program comes from the cache, not kept.
        self.calls: dict[str, tuple[str, Any, Any]] = {}
        #: Each lighter block's chooser by its name in the namespace, likewise made again (it
        #: holds the rulebook, plugins' functions included, which the cache does not keep).
        self.choosers: dict[str, str] = {}
        self.inputs = {name: f"_v{i}" for i, name in enumerate(rulebook.inputs)}
        self.defines = {name: f"_d{i}" for i, name in enumerate(rulebook.definitions)}
        self.conclusions = {name: f"_c{i}" for i, name in enumerate(rulebook.conclusions)}
        self.rules = {name: f"_r{i}" for i, name in enumerate(rulebook.rules)}
        self.applies = {name: f"_a{i}" for i, name in enumerate(rulebook.rules)}
        self.lighters = {name: f"_l{i}" for i, name in enumerate(rulebook.lighters)}
        self.counter = 0
        self.pairs: dict[str, str] = {}  # decimal definition -> prefix of its n/d variables
        self.inline_depth = 0
        self.inline_nesting = 0  # the heights of the bodies being inlined, added up
        self.depths: dict[str, int] = {}
        self.folded: dict[int, tuple[ir.Expr, ir.Const | None]] = {}
        self.ranks: dict[EnumType, dict[str, int]] = {}
        self.early_names: set[str] = set()
        #: The explain program's tests and rules (``trace.Tests``), a constant of its own.
        self.tests = Tests()
        if explain:
            self.ns["_TESTS"] = self.tests
            self.consts[("tests",)] = "_TESTS"

    def const(self, value: Any) -> str:
        if type(value) is bool:
            return "True" if value else "False"
        if type(value) is int:
            return f"({value!r})"
        # Plain values are shared by value; anything else (spans, types, functions) by identity,
        # since two of them may print alike (a span's repr leaves out its file).
        plain = (str, Fraction, datetime.date, tuple, frozenset, type(None))
        key = (type(value).__name__, repr(value)) if isinstance(value, plain) else ("id", id(value))
        name = self.consts.get(key)
        if name is None:
            name = self.consts[key] = f"_k{len(self.consts)}"
            self.ns[name] = value
        return name

    def rank(self, scale: EnumType) -> dict[str, int]:
        """A scale's members by rank: one dict, and one constant, for the whole program
        (``EnumType.rank`` makes a new one each time it is read)."""
        found = self.ranks.get(scale)
        if found is None:
            found = self.ranks[scale] = scale.rank
        return found

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # ------------------------------------------------------------------ expressions
    def expr(self, e: ir.Expr, scope: dict[str, str]) -> str:
        if isinstance(e, ir.Const):
            return self.const(e.value)
        if isinstance(e, ir.Ref):
            if e.kind == "generated":
                return e.name
            if e.kind == "local":
                return scope[e.name]
            if e.kind == "input":
                return self.inputs[e.name]
            if e.kind == "define":
                return self.defines[e.name]
            if e.kind == "parameter":
                value = self.epoch.parameters[e.name]
                if value is MISSING:
                    param = self.rb.parameters[e.name]
                    first = param.values[0][0] if param.values else None
                    return (
                        f"_rt.no_parameter_value({self.const(e.name)}, {self.const(first)}, "
                        f"_day, {self.const(e.span)})"
                    )
                return self.const(value)
            if e.kind == "conclusion":
                var = self.conclusions[e.name]
                return (
                    f"({var} if {var}.__class__ is not _Unset else "
                    f"_rt.unreadable({var}, {self.const(e.span)}))"
                )
            if e.kind == "lighter":  # NAME.applied, .at_act, .at_decision (lighter_eval)
                block, attr = e.name.split(".")
                var = f"{self.lighters[block]}[{ir.LIGHTER_ATTRIBUTES.index(attr)}]"
                return (
                    f"({var} if {var}.__class__ is not _Unset else "
                    f"_rt.no_version({var}, {self.const(e.span)}))"
                )
        if isinstance(e, ir.Attr):
            assert _IDENT.match(e.field)
            return f"{self.expr(e.obj, scope)}[{e.field!r}]"
        if isinstance(e, ir.Unary) and e.op == "-" and _numeric(e):
            return self.num(e, scope).value()
        if isinstance(e, ir.Unary):
            op = "not " if e.op == "not" else "-"
            return f"({op}{self.expr(e.operand, scope)})"
        if isinstance(e, ir.If):
            return (
                f"({self.expr(e.then, scope)} if {self.expr(e.cond, scope)} "
                f"else {self.expr(e.otherwise, scope)})"
            )
        if isinstance(e, ir.ListE):
            items = ", ".join(self.expr(x, scope) for x in e.items)
            return f"({items},)" if e.items else "()"
        if isinstance(e, ir.Binary):
            return self.binary(e, scope)
        if isinstance(e, ir.CallDef) and self.inlinable(e):
            nesting = self.body_depth(e.name)
            self.inline_depth += 1
            self.inline_nesting += nesting
            try:
                return self.expr(self.inline(e), {})
            finally:
                self.inline_depth -= 1
                self.inline_nesting -= nesting
        if isinstance(e, ir.CallDef):
            args = ", ".join(self.expr(a, scope) for a in e.args)
            return f"_f_{self.defines[e.name]}({args})"
        if isinstance(e, ir.CallFunc):
            fn = self.fresh("_fn")
            self.calls[fn] = (e.name, e.type, e.span)
            self.ns[fn] = _function(self.rb, e.name, e.type, e.span)
            args = ", ".join(self.expr(a, scope) for a in e.args)
            tail = "," if e.args else ""
            return f"_rt_call({fn}, {self.const(e.span)}, {self.const(e.name)}, ({args}{tail}))"
        if isinstance(e, ir.Aggregate):
            return self.aggregate(e, scope)
        raise AssertionError(e)

    # ------------------------------------------------------------------ justifications
    def why(
        self, e: ir.Expr, scope, via: str, out: list[str], indent: str
    ) -> tuple[str, str, int | None]:
        """Statements computing a condition's value and the elementary tests that decided it.

        Appends lines to ``out``; returns the names of the value and the tests variables (the
        tests recorded as ``trace.Tests`` says), and how many tests it always records, or
        None when that depends on the case. An
        ``and`` is shown by both sides, held or failed (so every condition a provision misses
        is listed); an ``or`` that holds by its first holding side, one that fails by both.
        """
        v, atoms = self.fresh("_wv"), self.fresh("_wa")
        if isinstance(e, ir.Binary) and e.op in ("and", "or"):
            lv, la, _ = self.why(e.left, scope, via, out, indent)
            inner: list[str] = []
            rv, ra, _ = self.why(e.right, scope, via, inner, indent + "    ")
            if e.op == "and":
                # Every test of an "and" is shown, those that hold and those that fail: the
                # right side is computed even when the left one fails, for the explanation
                # only. Where the decision would not have computed it, a failure there (a
                # division by zero) leaves its tests out instead of failing the explanation.
                ok = self.fresh("_wk")
                out.append(f"{indent}try:")
                out.extend(inner)
                out.append(f"{indent}    {ok} = True")
                out.append(f"{indent}except Exception:")
                out.append(f"{indent}    if {lv}: raise")
                out.append(f"{indent}    {ok} = False")
                out.append(f"{indent}if {lv}:")
                out.append(f"{indent}    {v} = {rv}; {atoms} = {la} + {ra}")
                out.append(f"{indent}else:")
                out.append(f"{indent}    {v} = False; {atoms} = ({la} + {ra}) if {ok} else {la}")
            else:
                out.append(f"{indent}if {lv}:")
                out.append(f"{indent}    {v} = True; {atoms} = {la}")
                out.append(f"{indent}else:")
                out.extend(inner)
                out.append(f"{indent}    {v} = {rv}; {atoms} = {ra} if {rv} else ({la} + {ra})")
            return v, atoms, None
        if isinstance(e, ir.Unary) and e.op == "not":
            ov, oa, count = self.why(e.operand, scope, via, out, indent)
            out.append(f"{indent}{v} = not {ov}; {atoms} = _negated({oa})")
            return v, atoms, count
        if isinstance(e, ir.If):
            cv, ca, _ = self.why(e.cond, scope, via, out, indent)
            then: list[str] = []
            tv, ta, _ = self.why(e.then, scope, via, then, indent + "    ")
            other: list[str] = []
            ov, oa, _ = self.why(e.otherwise, scope, via, other, indent + "    ")
            out.append(f"{indent}if {cv}:")
            out.extend(then)
            out.append(f"{indent}    {v} = {tv}; {atoms} = {ca} + {ta}")
            out.append(f"{indent}else:")
            out.extend(other)
            out.append(f"{indent}    {v} = {ov}; {atoms} = {ca} + {oa}")
            return v, atoms, None
        if isinstance(e, ir.CallDef) and e.type.kind == "bool" and self.inlinable(e):
            d = self.rb.definitions[e.name]
            shown = runtime.show_call(
                e.name,
                tuple(p for p, _ in d.params),
                tuple((self.fold(a) or a).value for a in e.args),
            )
            nesting = self.body_depth(e.name)
            self.inline_depth += 1
            self.inline_nesting += nesting
            try:
                return self.why(self.inline(e), {}, self.const(shown), out, indent)
            finally:
                self.inline_depth -= 1
                self.inline_nesting -= nesting
        if isinstance(e, ir.CallDef) and e.type.kind == "bool":
            args = ", ".join(self.expr(a, scope) for a in e.args)
            out.append(f"{indent}{v}, {atoms} = _w_{self.defines[e.name]}({args})")
            return v, atoms, None
        if isinstance(e, ir.Ref) and e.kind == "define" and e.type.kind == "bool":
            out.append(
                f"{indent}{v} = {self.defines[e.name]}; _, {atoms} = _wz_{self.defines[e.name]}()"
            )
            return v, atoms, None
        if isinstance(e, ir.Binary) and (e.op in COMPARE_PAIRS or e.op == "in"):
            # Each side computed once, into a variable unless it is one or a literal already.
            sides = []
            for side, prefix in ((e.left, "_wl"), (e.right, "_wr")):
                code = self.expr(side, scope)
                if not _cheap(code):
                    var = self.fresh(prefix)
                    out.append(f"{indent}{var} = {code}")
                    code = var
                sides.append(code)
            left, right = sides
            test = ir.Binary(
                e.type, e.span, e.text, e.op, _Var(e.left, left), _Var(e.right, right), e.scale
            )
            out.append(f"{indent}{v} = {self.binary(test, scope)}")
            is_ref = isinstance(e.left, ir.Ref)
            left_input = e.left.name if is_ref and e.left.kind == "input" else None
            left_define = e.left.name if is_ref and e.left.kind == "define" else None
            if isinstance(e.left, ir.CallDef):
                left_define = e.left.name
            left_conclusion = e.left.name if is_ref and e.left.kind == "conclusion" else None
            site = self.tests.site(
                e.text,
                e.span,
                e.op,
                e.left.text,
                e.right.text,
                left_input,
                left_define,
                left_conclusion,
            )
            # The test as values in a flat list (``trace.Tests``): no object of its own.
            out.append(f"{indent}{atoms} = [{site}, {v}, {left}, {right}, {via}]")
            return v, atoms, 1
        left_input = e.name if isinstance(e, ir.Ref) and e.kind == "input" else None
        site = self.tests.site(e.text, e.span, None, e.text, None, left_input, None, None)
        out.append(f"{indent}{v} = {self.expr(e, scope)}")
        out.append(f"{indent}{atoms} = [{site}, bool({v}), {v}, None, {via}]")
        return v, atoms, 1

    # ------------------------------------------------------------------ exact arithmetic
    def num(self, e: ir.Expr, scope) -> Num:
        """Code for a number-valued expression, kept exact and as cheap as possible.

        Arithmetic stays in Python ints, or in fractions written out as a numerator and a
        denominator (``sym``) compared by cross-multiplying, or in (numerator, denominator)
        tuples handled by small helpers (``pair``); constants fold at compile time. No
        Fraction object is made inside an expression.
        """
        if isinstance(e, ir.Const):
            v = e.value
            if type(v) is int:
                return Num("int", f"({v!r})")
            return Num("sym", f"({v.numerator!r})", f"({v.denominator!r})")
        folded = self.fold(e)
        if folded is not None:
            return self.num(folded, scope)
        if isinstance(e, ir.CallDef) and self.inlinable(e):
            nesting = self.body_depth(e.name)
            self.inline_depth += 1
            self.inline_nesting += nesting
            try:
                return self.num(self.inline(e), {})
            finally:
                self.inline_depth -= 1
                self.inline_nesting -= nesting
        if isinstance(e, ir.Binary) and e.op in ARITHMETIC and _numeric(e):
            return self.arith(e, self.num(e.left, scope), self.num(e.right, scope))
        if isinstance(e, ir.Unary) and e.op == "-" and _numeric(e):
            n = self.num(e.operand, scope)
            if n.kind == "pair":
                return Num("pair", f"_p_neg({n.a})")
            if n.kind == "sym":
                return Num("sym", f"(-{n.a})", n.b)
            return Num(n.kind, f"(-{n.a})")
        if isinstance(e, ir.Ref) and e.type.kind != "integer":
            # Decimal definitions and parameters carry their numerator and denominator.
            if e.kind == "define" and e.name in self.pairs:
                var = self.pairs[e.name]
                return Num("sym", f"{var}n", f"{var}d")
            if e.kind == "local" and scope.get(e.name, "").startswith("_p_"):
                var = scope[e.name]
                return Num("sym", f"{var}n", f"{var}d")
        code = self.expr(e, scope)
        if e.type.kind == "integer":
            return Num("int", code)
        if _CHEAP.fullmatch(code):
            # An int or a Fraction held in a variable: both have numerator and denominator.
            return Num("sym", f"{code}.numerator", f"{code}.denominator")
        return Num("num", code)

    def arith(self, e: ir.Binary, left: Num, right: Num) -> Num:
        op = e.op
        if left.kind == right.kind == "int" and op != "/":
            return Num("int", f"({left.a} {op} {right.a})")
        ls, rs = left.sym(), right.sym()
        if ls and rs:
            (a, b), (c, d) = ls, rs
            if op == "*":
                return Num("sym", _times(a, c), _times(b, d))
            if op in ("+", "-") and _cheap(b) and _cheap(d):
                if b == d == "(1)":
                    return Num("sym", f"({a} {op} {c})", "(1)")
                return Num("sym", f"({_times(a, d)} {op} {_times(c, b)})", _times(b, d))
            if op == "/" and _positive_literal(c):
                return Num("sym", _times(a, d), _times(b, c))
        lp, rp = left.pair(), right.pair()
        if op == "/":
            return Num("pair", f"_p_div({lp}, {rp}, {self.const(e.span)})")
        return Num("pair", f"_{ARITHMETIC[op]}({lp}, {rp})")

    def inlinable(self, e: ir.CallDef) -> bool:
        """A call whose arguments are all constants is specialised: its body is inlined with
        the constants in place and folded (``meets(10)`` computes 50 * 10 once, here)."""
        return (
            all(isinstance(self.fold(a) or a, ir.Const) for a in e.args)
            and self.inline_depth < 8
            # Bodies inlined into one another nest in one Python expression, which CPython
            # refuses past about 200 brackets: within the language's own bound (E212), the
            # call is made instead.
            and self.inline_nesting + self.body_depth(e.name) <= MAX_INLINE_NESTING
        )

    def body_depth(self, name: str) -> int:
        """How deeply a definition's body nests (its expression's height), computed once."""
        depth = self.depths.get(name)
        if depth is None:
            depth = self.depths[name] = _height(self.rb.definitions[name].body)
        return depth

    def inline(self, e: ir.CallDef) -> ir.Expr:
        d = self.rb.definitions[e.name]
        values = {p: self.fold(a) or a for (p, _), a in zip(d.params, e.args)}
        return substitute(d.body, values)

    def fold(self, e: ir.Expr) -> ir.Const | None:
        """Arithmetic on constants computed once, at compile time, by the shared runtime."""
        if not (isinstance(e, ir.Binary) and e.op in ARITHMETIC and _numeric(e)):
            return None
        # Asked again of every node of a long sum on the way down: computed once per node.
        # (The node is kept with its result, so that its id is not reused.)
        known = self.folded.get(id(e))
        if known is not None and known[0] is e:
            return known[1]
        result = self.folded_once(e)
        self.folded[id(e)] = (e, result)
        return result

    def folded_once(self, e: ir.Binary) -> ir.Const | None:
        left = self.fold(e.left) or e.left
        right = self.fold(e.right) or e.right
        if not (isinstance(left, ir.Const) and isinstance(right, ir.Const)):
            return None
        a, b = left.value, right.value
        if e.op == "/":
            if b == 0:
                return None  # left to fail at run time, with its span
            value = runtime.divide(a, b, e.span)
        else:
            value = runtime.p_val(
                getattr(runtime, ARITHMETIC[e.op])(runtime.p_of(a), runtime.p_of(b))
            )
        return ir.Const(e.type, e.span, e.text, value)

    def binary(self, e: ir.Binary, scope) -> str:
        op, lt, rt = e.op, e.left.type, e.right.type
        if op in COMPARE_PAIRS and _numeric_type(lt) and _numeric_type(rt):
            left, right = self.num(e.left, scope), self.num(e.right, scope)
            if left.kind == right.kind == "int":
                return f"({left.a} {PYOP[op]} {right.a})"
            ls, rs = left.sym(), right.sym()
            if ls and rs:
                # Denominators are positive, so cross-multiplying keeps the order.
                (a, b), (c, d) = ls, rs
                return f"({_times(a, d)} {PYOP[op]} {_times(c, b)})"
            return f"_{COMPARE_PAIRS[op]}({left.pair()}, {right.pair()})"
        if op in ARITHMETIC and _numeric(e):
            folded = self.fold(e)
            if folded is not None:
                return self.const(folded.value)
            return self.num(e, scope).value()
        a, b = self.expr(e.left, scope), self.expr(e.right, scope)
        if op in ("and", "or"):
            return f"({a} {op} {b})"
        if op == "in":
            return f"({a} in {b})"
        if e.scale is not None:
            rank = self.rank(e.scale)
            ra = (
                str(rank[e.left.value])
                if isinstance(e.left, ir.Const)
                else f"{self.const(rank)}[{a}]"
            )
            rb = (
                str(rank[e.right.value])
                if isinstance(e.right, ir.Const)
                else f"{self.const(rank)}[{b}]"
            )
            return f"({ra} {op} {rb})"
        if lt.kind == "duration" and rt.kind == "duration" and op not in ("+",):
            return f"_rt.compare_durations({a}, {self.const(op)}, {b}, {self.const(e.span)})"
        if lt.kind == "date" and rt.kind == "duration":
            sign = 1 if op == "+" else -1
            return f"_rt.date_add({a}, {b}, {self.const(e.span)}, {sign})"
        if lt.kind == "date" and rt.kind == "date" and op == "-":
            return f"_rt.date_diff({a}, {b})"
        return f"({a} {PYOP[op]} {b})"

    def aggregate(self, e: ir.Aggregate, scope) -> str:
        var = self.fresh("_p")
        inner = dict(scope, **{e.var: var})
        it = self.expr(e.iterable, scope)
        where = f" if {self.expr(e.where, inner)}" if e.where is not None else ""
        body = self.expr(e.body, inner)
        if e.func == "count":
            return f"sum(1 for {var} in {it}{where})"
        gen = f"({body} for {var} in {it}{where})"
        if e.func == "sum":
            return f"sum{gen}"
        if e.func in ("any", "all"):
            return f"{e.func}{gen}"
        if isinstance(e.type, EnumType):
            return (
                f"_rt.extreme_ranked({self.const(e.func)}, {gen}, {self.const(e.type)}, "
                f"{self.const(e.span)})"
            )
        return f"_rt.extreme({self.const(e.func)}, {gen}, {self.const(e.span)})"

    # ------------------------------------------------------------------ the program
    def input_check(self, spec: ir.FieldSpec, var: str) -> str | None:
        """A cheap test that a raw value is already in canonical form, or None."""
        t = spec.type
        big = "_BIG"  # numbers of MAX_DIGITS digits or more take the validating path
        if t.kind == "integer":
            low = f" or {var} < {self.const(spec.minimum)}" if spec.minimum is not None else ""
            return f"type({var}) is not int or not -{big} < {var} < {big}{low}"
        if t.kind == "decimal" or isinstance(t, MoneyType):
            low = f" or {var} < {self.const(spec.minimum)}" if spec.minimum is not None else ""
            return (
                f"(type({var}) is not int or not -{big} < {var} < {big}) "
                f"and type({var}) is not _Fraction{low}"
            )
        if t.kind == "bool":
            return f"({var} is not True and {var} is not False)"
        if t.kind == "date":
            return f"type({var}) is not _date"
        if t.kind == "text":
            return f"type({var}) is not str"
        if isinstance(t, EnumType):
            return f"(type({var}) is not str or {var} not in {self.const(frozenset(t.members))})"
        return None  # records, lists and durations always take the validating path

    def param_pairs(self, d: ir.Definition, scope: dict[str, str]) -> list[str]:
        """Decimal parameters as exact pairs, made once per call (``_p_0p``)."""
        return [
            f"    {scope[p]}n, {scope[p]}d = {scope[p]}.numerator, {scope[p]}.denominator"
            for p, t in d.params
            if t.kind in ("decimal", "money")
        ]

    def helpers(self) -> dict[str, list[str]]:
        """The functions of definitions with parameters (``_f_``, and ``_w_`` which also says
        why) and the explanations of zero-argument conditions (``_wz_``), by name.

        They are module-level functions, not closures: the program's values they read are
        passed as leading arguments (see :meth:`pass_values`), so that a large program can be
        split into functions compiled one at a time.
        """
        rb = self.rb
        planned = {name for kind, name in self.epoch.plan if kind == "define"}
        out: dict[str, list[str]] = {}
        for name, d in rb.definitions.items():
            var = self.defines[name]
            if d.params is None:
                if self.explain and d.type.kind == "bool" and name in planned:
                    lines = [f"def _wz_{var}():"]
                    vv, aa, _ = self.why(d.body, {}, self.const(name), lines, "    ")
                    lines.append(f"    return {vv}, {aa}")
                    out[f"_wz_{var}"] = lines
                continue
            scope = {p: f"_p_{i}" for i, (p, _) in enumerate(d.params)}
            params = ", ".join(scope[p] for p, _ in d.params)
            lines = [f"def _f_{var}({params}):"]
            lines.extend(self.param_pairs(d, scope))
            if _numeric_type(d.type):
                lines.append(f"    _r = {self.expr(d.body, scope)}")
                lines.append(
                    f"    if _rt.too_big(_r): "
                    f"_rt.number_too_big({self.const(name)}, {self.const(d.span)})"
                )
                lines.append("    return _r")
            else:
                lines.append(f"    return {self.expr(d.body, scope)}")
            out[f"_f_{var}"] = lines
            if self.explain and d.type.kind == "bool":
                lines = [f"def _w_{var}({params}):"]
                lines.extend(self.param_pairs(d, scope))
                shown = ", ".join(scope[p] for p, _ in d.params)
                lines.append(
                    f"    _via = _rt.show_call({self.const(name)}, "
                    f"{self.const(tuple(p for p, _ in d.params))}, ({shown},))"
                )
                vv, aa, _ = self.why(d.body, scope, "_via", lines, "    ")
                lines.append(f"    return {vv}, {aa}")
                out[f"_w_{var}"] = lines
        return out

    def values(self) -> set[str]:
        """The variables of values that outlive one plan step: inputs, definitions (with the
        numerator and denominator of decimal ones), rules, conclusions, and the accumulators."""
        names = set(self.inputs.values()) | set(self.defines.values())
        names |= set(self.conclusions.values()) | set(self.rules.values())
        names |= set(self.applies.values()) | set(self.lighters.values())
        names |= {f"{p}{x}" for p in self.pairs.values() for x in "nd"}
        names |= {f"{acc}{var[2:]}" for var in self.conclusions.values() for acc in ("_t", "_cl")}
        return names | _ACCUMULATORS

    def pass_values(self, helpers: dict[str, list[str]]) -> Callable[[list[str]], list[str]]:
        """Give each helper the program's values it reads, directly or through the helpers it
        calls, as leading parameters (in place); returns what gives the calls of helpers in
        other lines those arguments."""
        values = self.values()
        reads: dict[str, set[str]] = {}
        calls: dict[str, set[str]] = {}
        for name, lines in helpers.items():
            mentioned = set(_NAME.findall("\n".join(lines)))
            reads[name] = mentioned & values
            calls[name] = {m for m in mentioned if m in helpers and m != name}
        passed: dict[str, str] = {}
        for root in helpers:  # depth first, without recursion: definitions may nest deeply
            stack = [root]
            while stack:
                name = stack[-1]
                if name in passed:
                    stack.pop()
                    continue
                pending = [c for c in calls[name] if c not in passed]
                if pending:
                    stack.extend(pending)
                    continue
                for c in calls[name]:
                    reads[name] |= reads[c]
                passed[name] = ", ".join(sorted(reads[name]))
                stack.pop()

        def with_values(m: re.Match) -> str:
            args = passed[m.group(1)]
            if not args:
                return m.group(0)
            return f"{m.group(1)}({args}{')' if m.group(2) else ', '}"

        def rewrite(lines: list[str]) -> list[str]:
            if any(passed.values()):
                for i, line in enumerate(lines):
                    if "__d" in line:
                        lines[i] = _HELPER_CALL.sub(with_values, line)
            return lines

        for lines in helpers.values():
            rewrite(lines)
        return rewrite

    def body(self, explain: bool) -> Iterator[list[str]]:
        """The evaluation along the epoch's plan, as groups of statements that stay together
        (one plan step, or one rule's claim on a conclusion); ``explain`` also records why."""
        rb, epoch = self.rb, self.epoch
        yield _Group(["_conflicts = []"], ["_conflicts"])
        if explain:
            yield _Group(["_E = []", "_X = []", "_rec = []", "_L = []"], ["_E", "_X", "_rec", "_L"])
        claims: dict[str, list[tuple[str, ir.Assignment]]] = {}
        early = {name: self.accumulator(name, early=True) for name in self.early()}
        self.early_names = set(early)
        for name, acc in early.items():
            yield self.claim_start(name, acc)
        # Long lists of what each rule and definition gave are filled in at their steps, not
        # read back at the end (in a long program, from every piece before the last).
        many_rules = len(epoch.rules) > INLINE_ITEMS
        many_defines = sum(1 for kind, _ in epoch.plan if kind == "define") > INLINE_ITEMS
        if explain and many_defines:
            yield _Group(["_D = {}"], ["_D"])
        if self.cited and many_rules:
            yield _Group(["_AP = []"], ["_AP"])
        for kind, name in epoch.plan:
            step: list[str] = []
            sets: list[str] = []
            after: list[_Group] = []  # the rule's claims on conclusions gathered early
            if kind == "define":
                d = rb.definitions[name]
                sets.append(self.defines[name])
                step.append(f"{self.defines[name]} = {self.expr(d.body, {})}")
                if _numeric_type(d.type):
                    step.append(
                        f"if _rt.too_big({self.defines[name]}): "
                        f"_rt.number_too_big({self.const(name)}, {self.const(d.span)})"
                    )
                if name in self.pairs:
                    var = self.defines[name]
                    sets += [f"{var}pn", f"{var}pd"]
                    step.append(f"{var}pn, {var}pd = {var}.numerator, {var}.denominator")
                if explain and many_defines:
                    step.append(f"_D[{self.const(name)}] = {self.defines[name]}")
            elif kind == "rule":
                rule = rb.rules[name]
                fired, applies = self.rules[name], self.applies[name]
                over = epoch.overriders.get(name)
                count: int | None = 0  # the tests it records, when always as many
                if explain and rule.when is not None:
                    vv, aa, count = self.why(rule.when, {}, "None", step, "")
                    step.append(f"{fired} = {vv}")
                    step.append(f"_E += {aa}")
                    sets += [fired, "_E"]
                else:
                    cond = self.expr(rule.when, {}) if rule.when is not None else "True"
                    if over or explain:
                        step.append(f"{fired} = {cond}")
                        sets.append(fired)
                    else:  # whether it fired is read by nothing else: only the explanation
                        fired = cond
                if over:
                    blockers = " or ".join(self.applies[o] for o in over)
                    step.append(f"{applies} = {fired} and not ({blockers})")
                else:
                    step.append(f"{applies} = {fired}")
                sets.append(applies)
                if explain:
                    # Whether it fired, whether it applied (when something could set it
                    # aside), and where its tests end (when not always as many): the
                    # program's own shortest record (``trace.Tests``).
                    self.tests.rules.append((name, bool(over), count))
                    flags = [fired, applies] if over else [fired]
                    if count is None:
                        flags.append("len(_E)")
                    step.append(f"_X += ({', '.join(flags)},)")
                    sets.append("_X")
                elif self.cited and many_rules:
                    step.append(f"_AP.append({applies})")
                for a in rule.then:
                    claims.setdefault(a.conclusion, []).append((name, a))
                    acc = early.get(a.conclusion)
                    if acc is not None:
                        after.append(self.claim(a.conclusion, name, a, acc, explain))
            elif kind == "lighter":
                block = rb.lighters[name]
                step.extend(self.lighter(block, explain))
                sets += [self.conclusions[c] for c in block.decides]
                sets.append(self.lighters[name])
            elif name in early:
                step = self.claim_finish(name, claims.pop(name, []), early[name])
                sets = list(step.sets)
            else:
                yield from self.conclusion(name, claims.pop(name, []), explain)
            if step:
                yield _Group(step, sets)
            yield from after
        outs, built = self.mapping("_O", [(repr(n), self.conclusions[n]) for n in rb.conclusions])
        yield from built
        if explain:
            # Where the claims of each conclusion are gathered: the order of the claims.
            plan = enumerate(epoch.plan)
            self.tests.steps.update((name, i) for i, (kind, name) in plan if kind == "conclusion")
        decision = f"_Decision(_day, {outs}, tuple(_conflicts), {bool(epoch.rules)!r})"
        if explain:
            defs = "_D"
            if not many_defines:
                named = [n for k, n in epoch.plan if k == "define"]
                defs = "{" + ", ".join(f"{self.const(n)}: {self.defines[n]}" for n in named) + "}"
            yield [f"return {decision}, _X, _E, _Claims((_TESTS, _X, _rec)), {defs}, _L"]
        elif self.cited:
            # Whether each rule in force applied, in the epoch's order: the rules to cite.
            if many_rules:
                yield [f"return {decision}, _AP"]
            else:
                flags = "".join(f"{self.applies[n]}, " for n in epoch.rules)
                yield [f"return {decision}, ({flags})"]
        else:
            yield [f"return {decision}"]

    def lighter(self, block: ir.Lighter, explain: bool) -> list[str]:
        """A ``lighter`` block's step: its conclusions take the applied version's values
        (``lighter_eval.Chooser``, which evaluates the case on another day when it must)."""
        chooser = self.fresh("_ch")
        self.choosers[chooser] = block.name
        self.ns[chooser] = _chooser(self.rb, self.epoch, block.name)
        values = ", ".join(self.conclusions[c] for c in block.decides) + ","
        inputs = "".join(f"{v}, " for v in self.inputs.values())
        record = ", _L" if explain else ""
        return [
            f"({values}), {self.lighters[block.name]} = {chooser}(_day, "
            f"{self.expr(block.act_date, {})}, ({values}), ({inputs}), _conflicts{record})"
        ]

    @staticmethod
    def mapping(var: str, items: list[tuple[str, str]]) -> tuple[str, list[list[str]]]:
        """A dict of generated keys and values: a display, or when long, ``var`` built one
        entry a statement (so that it can be split like the rest)."""
        if len(items) <= INLINE_ITEMS:
            return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}", []
        return var, [_Group([f"{var} = {{}}"], [var])] + [
            _Group([f"{var}[{k}] = {v}"], []) for k, v in items
        ]

    def program(self) -> Iterator[str]:
        """The program's source, in pieces each to be compiled on its own, as generated.

        CPython compiles a module in memory about a hundred times the size of its source,
        whatever the shape of its functions. A function of up to ``CHUNK_SIZE`` characters
        is generated as it reads best. A longer one is split into a run of functions of about
        that size that pass the values that outlive them in a list; each piece is compiled
        as soon as it is generated, so that memory stays in proportion to one piece.
        """
        rb = self.rb
        for kind, name in self.epoch.plan:
            if kind == "define" and rb.definitions[name].type.kind in ("decimal", "money"):
                self.pairs[name] = self.defines[name] + "p"  # _d0pn, _d0pd
        helpers = self.helpers()
        rewrite = self.pass_values(helpers)
        for chunk in _chunks(helpers.values()):
            yield "\n".join(chunk) + "\n"
        del helpers
        entry = self.entry_name()
        yield from self.function(f"{entry}_typed", map(rewrite, self.body(self.explain)))
        yield from self.entry(entry)

    def entry_name(self) -> str:
        return "_explain" if self.explain else "_cite" if self.cited else "_decide"

    def range_spans(self, claims) -> str:
        """Where each rule gives a range: the place to report a range that runs downward."""
        return self.const({rule: a.span for rule, a in claims})

    def function(self, name: str, groups: Iterable[list[str]]) -> Iterator[str]:
        """``name(_day, *inputs)``: one function, or when longer than ``CHUNK_SIZE`` a run of
        functions ``name0``, ``name1``, ... that a short ``name`` calls in turn. Each takes
        from the list ``_S`` the values it reads that an earlier one computed, and leaves
        there the values it assigns that a later one reads.

        What a group of lines assigns, the generator says (``_Group.sets``); what it reads is
        taken to be every value it mentions (reading one more is harmless). The text of all
        the pieces is made first, to know what each later one reads; each is still compiled
        on its own."""
        inputs = list(self.inputs.values())
        packed = list(_packed(groups))
        if len(packed) <= 1:
            chunk = [line for group in packed[0] for line in group] if packed else []
            args = "".join(f", {var}" for var in inputs)
            yield "\n".join([f"def {name}(_day{args}):", *_indent(chunk)]) + "\n"
            return
        values = self.values()
        mentions, sets = [], []
        for chunk in packed:
            mentioned = set(_NAME.findall("\n".join(line for group in chunk for line in group)))
            mentions.append(mentioned & values)
            sets.append(
                set().union(*(g.sets if isinstance(g, _Group) else mentioned for g in chunk))
                & values
            )
        later: list[set[str]] = [set() for _ in packed]  # what the pieces after each read
        for i in range(len(packed) - 2, -1, -1):
            later[i] = later[i + 1] | mentions[i + 1]
        slots = {var: i for i, var in enumerate(inputs)}
        for i, chunk in enumerate(packed):
            lines = [f"def {name}{i}(_day, _S):"]
            read = sorted(mentions[i] & slots.keys())  # what an earlier piece left in _S
            lines += [f"    {var} = _S[{slots[var]}]" for var in read]
            lines += _indent([line for group in chunk for line in group])
            for var in sorted(sets[i] & later[i]):
                lines.append(f"    _S[{slots.setdefault(var, len(slots))}] = {var}")
            packed[i] = []  # each piece's text, once made, is not kept
            yield "\n".join(lines) + "\n"
        count = len(packed)
        blank = self.const((None,) * (len(slots) - len(inputs)))
        lines = [f"def {name}(_day, *_V):", f"    _S = [*_V, *{blank}]"]
        lines += [f"    {name}{i}(_day, _S)" for i in range(count - 1)]
        lines.append(f"    return {name}{count - 1}(_day, _S)")
        yield "\n".join(lines) + "\n"

    def entry(self, entry: str) -> Iterator[str]:
        """The entry point, ``_decide(facts, day)`` or ``_explain(facts, day)``: canonical
        values are taken as they are, any other value is converted field by field; on any
        problem, full validation reports every problem. Many inputs are fetched by functions
        of about ``CHUNK_SIZE`` characters each."""
        names = list(self.rb.inputs)
        fetch = [self.fetch(i, name) for i, name in enumerate(names)]
        if _size(fetch) <= CHUNK_SIZE:
            fetched = _indent([line for group in fetch for line in group], 2) or ["        pass"]
            args = ", ".join(self.inputs[n] for n in names)
            typed = "{" + ", ".join(f"{self.const(n)}: {self.inputs[n]}" for n in names) + "}"
            start: list[str] = []
        else:
            for i, (name, group) in enumerate(zip(names, fetch)):
                group.append(f"_V[{i}] = {self.inputs[name]}")
            fetched = []
            for i, chunk in enumerate(_chunks(fetch)):
                yield "\n".join([f"def _fetch{i}(_facts, _V):", *_indent(chunk)]) + "\n"
                fetched.append(f"        _fetch{i}(_facts, _V)")
            args = "*_V"
            typed = f"dict(zip({self.const(tuple(names))}, _V))"
            start = [f"    _V = [None] * {len(names)}"]
        result = f"{entry}_typed(_day{', ' if args else ''}{args})"
        if self.explain:
            result = f"{typed}, {result}"
        lines = [
            f"def {entry}(_facts, _day):",
            "    if type(_facts) is not dict or not _KNOWN.issuperset(_facts):",
            f"        return _slow{entry}(_facts, _day)",
            *start,
            "    try:",
            *fetched,
            "    except _Redo:",
            f"        return _slow{entry}(_facts, _day)",
            f"    return {result}",
        ]
        yield "\n".join(lines) + "\n"

    def fetch(self, index: int, name: str) -> list[str]:
        """An input taken from the facts as it is when in canonical form, else converted."""
        spec = self.rb.inputs[name]
        var = self.inputs[name]
        default = self.const(spec.default) if spec.default is not MISSING else "_MISS"
        check = self.input_check(spec, var)
        lines = [f"{var} = _facts.get({self.const(name)}, {default})"]
        if check is None:
            lines.append(f"{var} = _convert({index}, {var})")
        else:
            lines.append(f"if {check}:")
            lines.append(f"    {var} = _convert({index}, {var})")
        return lines

    def accumulator(self, name: str, early: bool) -> str:
        """Where a conclusion's claims are gathered: ``_t`` (the highest rank so far), ``_cl``
        (the claims) or, for a set, the conclusion's own variable. A conclusion whose claims
        are gathered as its rules are decided (``early``) has one of its own (``_t3``)."""
        c = self.rb.conclusions[name]
        if c.kind == "set":
            return self.conclusions[name]
        acc = "_t" if c.kind == "highest" else "_cl"
        return f"{acc}{self.conclusions[name][2:]}" if early else acc

    def claim_start(self, name: str, acc: str) -> _Group:
        c = self.rb.conclusions[name]
        if c.kind == "highest":
            return _Group([f"{acc} = {self.rank(c.type)[c.default]}"], [acc])
        return _Group([f"{acc} = {'frozenset()' if c.kind == 'set' else '[]'}"], [acc])

    def claim(self, name: str, rule: str, a: ir.Assignment, acc: str, explain: bool) -> _Group:
        """One rule's claim on a conclusion, gathered into ``acc`` if the rule applies."""
        c = self.rb.conclusions[name]
        applies = self.applies[rule]
        sets = [acc] if c.kind in ("highest", "set") else []
        if not explain:
            value = self.expr(a.value, {})
            if c.kind == "highest" and isinstance(a.value, ir.Const):
                r = self.rank(c.type)[a.value.value]
                return _Group([f"if {applies} and {acc} < {r}: {acc} = {r}"], sets)
            if c.kind == "highest":
                return _Group(
                    [
                        f"if {applies}:",
                        f"    _x = {self.const(self.rank(c.type))}[{value}]",
                        f"    if _x > {acc}: {acc} = _x",
                    ],
                    sets,
                )
            if c.kind == "set":
                add = value if isinstance(a.value.type, ListType) else f"({value},)"
                return _Group([f"if {applies}: {acc} = {acc}.union({add})"], sets)
            upper = f", {self.expr(a.upper, {})}" if c.kind == "range" else ""
            return _Group(
                [f"if {applies}: {acc}.append(({self.const(rule)}, {value}{upper}))"], sets
            )
        # Explaining: each applicable rule's claim is computed once, recorded, then combined.
        # The value (and upper end) computed once, into a variable unless it is one or a
        # literal already.
        lines = [f"if {applies}:"]
        x = self.expr(a.value, {})
        u = self.expr(a.upper, {}) if a.upper is not None else "None"
        if not _cheap(x):
            lines.append(f"    _x = {x}")
            x = "_x"
        if not _cheap(u):
            lines.append(f"    _u = {u}")
            u = "_u"
        if name in self.early_names:
            # Constants all (``early``): known from whether the rule applied, not recorded
            # (``trace.Tests.claims``): a constant a rule would read (a global of the
            # program's) takes a place in the processor's caches, at 5,000 rules more than
            # they hold.
            upper = a.upper.value if a.upper is not None else None
            self.tests.claimed.append((rule, name, a.value.value, upper))
            if c.kind == "highest":
                r = self.rank(c.type)[a.value.value]
                return _Group([f"if {applies} and {acc} < {r}: {acc} = {r}"], sets)
        else:
            lines.append(f"    _rec.append(({self.const(rule)}, {self.const(name)}, {x}, {u}))")
        if c.kind == "highest" and isinstance(a.value, ir.Const):
            r = self.rank(c.type)[a.value.value]
            lines.append(f"    if {acc} < {r}: {acc} = {r}")
        elif c.kind == "highest":
            lines.append(f"    {acc} = max({acc}, {self.const(self.rank(c.type))}[{x}])")
        elif c.kind == "set":
            many = isinstance(a.value.type, ListType)
            lines.append(f"    {acc} = {acc}.union({x if many else f'({x},)'})")
        elif c.kind == "range":
            lines.append(f"    {acc}.append(({self.const(rule)}, {x}, {u}))")
        else:
            lines.append(f"    {acc}.append(({self.const(rule)}, {x}))")
        return _Group(lines, sets)

    def claim_finish(self, name: str, claims, acc: str) -> _Group:
        """The conclusion from the claims gathered in ``acc``."""
        c = self.rb.conclusions[name]
        var = self.conclusions[name]
        if c.kind == "highest":
            line = f"{var} = {self.const(c.type.members)}[{acc}]"
        elif c.kind == "set":
            return _Group([], [])  # gathered in the conclusion itself
        elif c.kind == "range":
            scale = self.const(c.type) if isinstance(c.type, EnumType) else "None"
            line = (
                f"{var} = _rt.combine_range({self.const(name)}, {acc}, {scale}, "
                f"{self.const(c.span)}, {self.range_spans(claims)})"
            )
        else:
            line = (
                f"{var} = _rt.combine_value({self.const(name)}, {acc}, "
                f"{self.const(c.default)}, _conflicts)"
            )
        return _Group([line], [var])

    def conclusion(self, name: str, claims, explain: bool = False) -> list[_Group]:
        """A conclusion from the claims of the rules that apply, at its own plan step: a group
        of statements to start, one for each claim, one to finish."""
        acc = self.accumulator(name, early=False)
        out = [self.claim_start(name, acc)]
        out.extend(self.claim(name, rule, a, acc, explain) for rule, a in claims)
        out.append(self.claim_finish(name, claims, acc))
        return [group for group in out if group]

    def early(self) -> set[str]:
        """The conclusions whose claims are gathered as each rule is decided, not at the
        conclusion's own step: those whose claims are all constants, which nothing can make
        fail, so that no error is raised in another order than the plan's. Then a rule's
        applying need not be kept until the conclusion's step (in a long program, passed
        from the function that decides the rule to the one that combines the claims)."""
        claimed: dict[str, list[ir.Assignment]] = {}
        for kind, name in self.epoch.plan:
            if kind == "rule":
                for a in self.rb.rules[name].then:
                    claimed.setdefault(a.conclusion, []).append(a)
        return {
            name
            for name, assignments in claimed.items()
            if all(
                isinstance(a.value, ir.Const) and (a.upper is None or isinstance(a.upper, ir.Const))
                for a in assignments
            )
        }


class _Group(list):
    """Lines that stay together in one function (a plan step, a rule's claim), and the
    program's values they assign (``sets``): a piece of a long program passes on only
    those (see ``_Gen.function``). A plain list of lines is taken to assign every value it
    mentions."""

    __slots__ = ("sets",)

    def __init__(self, lines: Iterable[str], sets: Iterable[str]):
        super().__init__(lines)
        self.sets = frozenset(sets)


def _indent(lines: list[str], levels: int = 1) -> list[str]:
    pad = "    " * levels
    return [pad + line for line in lines]


def _size(groups: Iterable[list[str]]) -> int:
    # Each line indented, with its newline.
    return sum(sum(map(len, group)) + 5 * len(group) for group in groups)


def _packed(groups: Iterable[list[str]]) -> Iterator[list[list[str]]]:
    """Groups of lines packed in order, as they come, into chunks of about ``CHUNK_SIZE``
    characters at most (a larger group is a chunk of its own)."""
    current: list[list[str]] = []
    size = 0
    for group in groups:
        grown = _size([group])
        if current and size + grown > CHUNK_SIZE:
            yield current
            current, size = [], 0
        current.append(group)
        size += grown
    if current:
        yield current


def _chunks(groups: Iterable[list[str]]) -> Iterator[list[str]]:
    """The lines of each chunk of ``_packed``."""
    for chunk in _packed(groups):
        yield [line for group in chunk for line in group]


_PLAIN_DECIMAL = re.compile(r"(-?[0-9]+)(?:\.([0-9]+))?")


class _Redo(Exception):
    """A field the fast entry could not take: validate the whole case the slow way."""


def _call(fn, span, name, args):
    try:
        return fn(*args)
    except runtime.EvaluationError:
        raise
    except (ValueError, ArithmeticError, TypeError) as err:
        raise runtime.EvaluationError(f"{name}(): {err}", span) from None


def generate(rulebook, epoch, saved: dict[str, Saved] | None = None, keep=None) -> None:
    """Give the epoch its programs: ``epoch.fast(facts, day) -> Decision``,
    ``epoch.explain(facts, day)`` and ``epoch.cited(facts, day)``, each generated and compiled
    when first used (eval needs only the first, explain only the second, the larger; batches
    only the third).

    ``cited`` returns (the decision, whether each rule of ``epoch.rules`` applied): the fast
    path and the rules to cite for each conclusion, without the explain path's tests.

    ``explain`` returns (the typed facts, (the decision; {rule: (fired, applies)}; {rule:
    atoms}; the claims [(rule, conclusion, value, upper)]; {definition: value}; the
    ``lighter_eval.Choice`` of each ``lighter`` block)).

    ``saved``: programs the cache kept, by place ("fast", "explain"), made from their compiled
    code instead of being generated. ``keep(place, saved)``: told of each program generated,
    for the cache.
    """
    lock = threading.Lock()
    saved = saved or {}
    for place, explain, cited in (
        ("fast", False, False),
        ("explain", True, False),
        ("cited", False, True),
    ):
        lazy = _Lazy(rulebook, epoch, place, explain, lock, saved.get(place), keep, cited)
        setattr(epoch, place, lazy)


class _Lazy:
    """A program of an epoch not yet generated: the first use generates and compiles it, and
    puts it in the epoch in its own place, so that later uses go to it directly."""

    def __init__(self, rulebook, epoch, place, explain, lock, saved=None, keep=None, cited=False):
        self.rulebook, self.epoch, self.place, self.explain = rulebook, epoch, place, explain
        self.lock, self.saved, self.keep, self.cited = lock, saved, keep, cited

    def program(self):
        with self.lock:
            program = getattr(self.epoch, self.place)
            if program is self:
                keep = None
                if self.keep is not None:
                    keep = functools.partial(self.keep, self.place)
                with gc_paused():
                    program = _compiled(
                        self.rulebook, self.epoch, self.explain, self.saved, keep, self.cited
                    )
                setattr(self.epoch, self.place, program)
        return program

    def __call__(self, facts, day):
        return self.program()(facts, day)

    def __getattr__(self, name: str):  # the program's source, its globals, ...
        return getattr(self.program(), name)


def _chooser(rulebook, epoch, block: str):
    """The chooser of one ``lighter`` block for the programs of ``epoch``."""
    return lighter_eval.Chooser(rulebook, rulebook.lighters[block], epoch.at, epoch.undecided)


def _function(rulebook, name: str, type_, span):
    """A function of the rulebook as one call calls it: a plugin's function checks its
    result against this call's type (plugins.py)."""
    impl = rulebook.functions[name].impl
    return impl.for_call(type_, span) if hasattr(impl, "for_call") else impl


@attrs.frozen
class Saved:
    """A program as the cache keeps it (``diskcache``): its compiled code, the constants its
    namespace holds, the functions it calls (made again from the rulebook's own), its
    source when short."""

    explain: bool
    code: tuple[bytes, ...]  # marshal of each piece's code object, in order
    consts: dict[str, Any]
    calls: dict[str, tuple[str, Any, Any]]
    source: str | None
    choosers: dict[str, str] = attrs.field(factory=dict)


def _compiled(
    rulebook, epoch, explain: bool, saved: Saved | None = None, keep=None, cited: bool = False
):
    """One program: ``_decide(facts, day)``, ``_explain(facts, day)`` or ``_cite(facts,
    day)``, compiled; or made from what the cache kept (``saved``). ``keep(saved)`` is given
    what to cache."""
    gen = _Gen(rulebook, epoch, explain, cited)
    entry = gen.entry_name()
    if saved is None:
        pieces = gen.program()
        ns = gen.ns
    else:
        pieces = None
        ns = gen.ns  # the fixed part of the namespace
        ns.update(saved.consts)
        for name, (function, type_, span) in saved.calls.items():
            ns[name] = _function(rulebook, function, type_, span)
        for name, block in saved.choosers.items():
            ns[name] = _chooser(rulebook, epoch, block)
    fields = list(rulebook.inputs.values())
    names = list(rulebook.inputs)
    ns["_KNOWN"] = frozenset(names)
    ns["_MISS"] = MISSING
    ns["_BIG"] = 10**MAX_DIGITS
    ns["_rt_call"] = _call

    def slow(facts, day):
        typed = validate_fields(facts, fields)
        result = ns[f"{entry}_typed"](day, *(typed[n] for n in names))
        return (typed, result) if explain else result

    # Amounts with no bound, or never below 0 (money not declared signed): read directly.
    plain_amounts = {
        i: spec.minimum
        for i, spec in enumerate(fields)
        if spec.type.kind in ("decimal", "money") and spec.minimum in (None, 0)
    }

    def convert_one(index, raw):
        """One field that is not in canonical form, converted like validation does."""
        if raw is MISSING:
            raise _Redo
        if index in plain_amounts and type(raw) is str:
            # "4999.50", the commonest form of an amount in JSON facts, read directly.
            m = _PLAIN_DECIMAL.fullmatch(raw)
            if (
                m is not None
                and len(raw) <= MAX_DIGITS
                and not (plain_amounts[index] == 0 and raw[0] == "-")
            ):
                whole, places = m.groups()
                if places is None:
                    return int(whole)
                return normalize(Fraction(int(whole + places), 10 ** len(places)))
        spec = fields[index]
        try:
            return convert(raw, spec.type, spec.minimum)
        except (_Invalid, FactsError):
            raise _Redo from None

    ns[f"_slow{entry}"] = slow
    ns["_convert"] = convert_one
    ns["_Redo"] = _Redo
    if saved is not None:
        for data in saved.code:
            exec(marshal.loads(data), ns)  # compiled from generated code; see diskcache
        program = ns[entry]
        program.typed = ns[f"{entry}_typed"]
        program.source = saved.source
        return program
    kept: list[str] | None = []
    codes: list[bytes] | None = [] if keep is not None else None
    size = 0
    for piece in pieces:  # one at a time, as generated: see _Gen.program
        code = compile(piece, f"<ruleengine {rulebook.name}>", "exec")
        exec(code, ns)  # generated from the checked tree only; see the module docstring
        if codes is not None:
            codes.append(marshal.dumps(code))
        if kept is not None:
            kept.append(piece)
            size += len(piece)
            kept = kept if size <= SOURCE_KEPT else None
    program = ns[entry]
    program.typed = ns[f"{entry}_typed"]  # typed inputs, for evaluating on another day
    # The source, to read: kept for a program of up to SOURCE_KEPT characters.
    program.source = "".join(kept) if kept is not None else None
    if keep is not None:
        consts = {name: gen.ns[name] for name in gen.consts.values()}
        calls, choosers = dict(gen.calls), dict(gen.choosers)
        keep(Saved(explain, tuple(codes), consts, calls, program.source, choosers))
    return program


__all__ = ["generate", "RecordType"]
