"""Expressions, checked: names resolved (with "did you mean"), types inferred and checked, the
nesting bounded, and the plan steps each expression reads recorded.

The checker calls :func:`check` for the condition of a rule, the value given to a conclusion,
the body of a definition and a ``lighter`` block's act date, with itself: this module reads its
declared names (inputs, parameters, definitions, conclusions, types and members, functions,
``lighter`` blocks), asks it for a definition a name reads (``check_definition``, which checks
that definition's body here in turn), notes the inputs used, and reports through its ``error``
and ``suggest``. The rules it applies: docs/language.md, "Types" and "Expressions and
operators".
"""

from __future__ import annotations

import datetime
import itertools
from fractions import Fraction
from typing import TYPE_CHECKING

from ruleengine_dsl import syntax as s
from ruleengine_dsl.diagnostics import Span

from . import ir, lighter
from .types import (
    BOOL,
    DATE,
    DECIMAL,
    DURATION,
    INTEGER,
    TEXT,
    AnyType,
    Duration,
    EnumType,
    ListType,
    LocalText,
    MoneyType,
    RecordType,
    Type,
    assignable,
    is_numeric,
    same_type,
)

if TYPE_CHECKING:
    from .checker import Checker

#: How deeply an expression (or a literal value) may nest. The evaluators are generated Python,
#: and Python's parser refuses more than 200 nested brackets; a call or an exact division takes
#: two or three per level, so 64 keeps every form of expression compilable (a test holds this),
#: with room to spare: the deepest expression of the shipped rule books nests 8 levels.
MAX_EXPR_DEPTH = 64

AGGREGATES = ("sum", "count", "any", "all", "min", "max")


def local_text(t: s.Text | None) -> LocalText | None:
    if t is None:
        return None
    return LocalText(tuple(t.values.items()))


def source_text(span: Span) -> str:
    lines = span.source.lines
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    chunk = [lines[span.line - 1][span.column - 1 :]]
    chunk += lines[span.line : span.end_line - 1]
    chunk.append(lines[span.end_line - 1][: span.end_column - 1])
    return " ".join(part.strip() for part in chunk)


class Scope:
    """Local names: parameters of a definition and variables of aggregates."""

    def __init__(self, names: dict[str, Type] | None = None, parent: Scope | None = None):
        self.names = names or {}
        self.parent = parent

    def get(self, name: str) -> Type | None:
        if name in self.names:
            return self.names[name]
        return self.parent.get(name) if self.parent else None

    def all(self) -> list[str]:
        return list(self.names) + (self.parent.all() if self.parent else [])


class Unresolved(Exception):
    """An expression whose error has been reported; stops checking the enclosing one."""


def check(
    ck: Checker, e: s.Expr, scope: Scope, deps: set, expected: Type | None = None, depth: int = 0
) -> ir.Expr:
    """Check one expression; record in ``deps`` the plan steps it reads."""
    if depth > MAX_EXPR_DEPTH:
        ck.error(
            "E212",
            f"expression nested more than {MAX_EXPR_DEPTH} deep",
            e.span,
            "give parts of it names with 'define', and use the names",
        )
        raise Unresolved()
    text = source_text(e.span)
    sub = lambda x, exp=None, sc=scope: check(ck, x, sc, deps, exp, depth + 1)  # noqa: E731
    if isinstance(e, s.Constant):
        return _constant(e, text)
    if isinstance(e, s.Name):
        return _name(ck, e, scope, deps, expected, text, depth)
    if isinstance(e, s.Attribute):
        if (
            isinstance(e.obj, s.Name)
            and isinstance(ck.types.get(e.obj.name), EnumType)
            and scope.get(e.obj.name) is None
            and (e.obj.name not in ck.values or e.name.name in ck.types[e.obj.name].members)
        ):
            t = ck.types[e.obj.name]
            if e.name.name not in t.members:
                ck.error(
                    "E200",
                    f"'{e.name.name}' is not a member of {t.name}",
                    e.name.span,
                    ck.suggest(e.name.name, t.members),
                )
                raise Unresolved()
            return ir.Const(t, e.span, text, e.name.name)
        if (
            isinstance(e.obj, s.Name)
            and e.obj.name in ck.lighter_decls
            and scope.get(e.obj.name) is None
        ):
            return lighter.attribute(ck, e, text, deps)
        obj = sub(e.obj)
        if not isinstance(obj.type, RecordType):
            ck.error(
                "E201",
                f"'{obj.text}' is {obj.type.describe()}, which has no fields",
                e.name.span,
            )
            raise Unresolved()
        spec = obj.type.fields.get(e.name.name)
        if spec is None:
            ck.error(
                "E200",
                f"record {obj.type.name} has no field '{e.name.name}'",
                e.name.span,
                ck.suggest(e.name.name, obj.type.fields),
            )
            raise Unresolved()
        return ir.Attr(spec.type, e.span, text, obj, e.name.name)
    if isinstance(e, s.Unary):
        operand = sub(e.operand)
        if e.op == "not":
            want(ck, operand, BOOL, "'not' applies to a condition")
            return ir.Unary(BOOL, e.span, text, "not", operand)
        if not (is_numeric(operand.type) or isinstance(operand.type, MoneyType)):
            ck.error("E201", f"cannot negate {operand.type.describe()}", e.span)
            raise Unresolved()
        return ir.Unary(operand.type, e.span, text, "-", operand)
    if isinstance(e, s.Binary):
        return _binary(ck, e, scope, deps, text, depth)
    if isinstance(e, s.IfExpr):
        cond = sub(e.cond)
        want(ck, cond, BOOL, "the condition of 'if' must be true or false")
        then = sub(e.then, expected)
        other = sub(e.otherwise, then.type)
        if not same_type(then.type, other.type):
            ck.error(
                "E201",
                f"the branches of 'if' differ: {then.type.describe()} and {other.type.describe()}",
                e.span,
            )
            raise Unresolved()
        t = DECIMAL if is_numeric(then.type) and then.type != other.type else then.type
        return ir.If(t, e.span, text, cond, then, other)
    if isinstance(e, s.ListExpr):
        items = [
            sub(x, expected.element if isinstance(expected, ListType) else None) for x in e.items
        ]
        if not items:
            return ir.ListE(AnyType(), e.span, text, [])
        for item in items[1:]:
            if not same_type(items[0].type, item.type):
                ck.error(
                    "E201",
                    f"list mixes {items[0].type.describe()} and {item.type.describe()}",
                    item.span,
                )
                raise Unresolved()
        element = items[0].type
        if any(item.type == DECIMAL for item in items) and is_numeric(element):
            element = DECIMAL  # [1, 0.5] is a list of decimals, not of integers
        return ir.ListE(ListType(element=element), e.span, text, items)
    if isinstance(e, s.Aggregate):
        return _aggregate(ck, e, scope, deps, text, depth)
    if isinstance(e, s.Call):
        return _call(ck, e, scope, deps, text, depth)
    raise AssertionError(e)


def want(ck: Checker, e: ir.Expr, t: Type, message: str):
    if not same_type(e.type, t):
        ck.error("E201", f"{message}; '{e.text}' is {e.type.describe()}", e.span)
        raise Unresolved()


def _constant(e: s.Constant, text: str) -> ir.Const:
    v = e.value
    if isinstance(v, bool):
        return ir.Const(BOOL, e.span, text, v)
    if isinstance(v, int):
        return ir.Const(INTEGER, e.span, text, v)
    if isinstance(v, Fraction):
        return ir.Const(DECIMAL, e.span, text, v)
    if isinstance(v, str):
        return ir.Const(TEXT, e.span, text, v)
    if isinstance(v, s.Text):
        return ir.Const(TEXT, e.span, text, local_text(v))
    if isinstance(v, datetime.date):
        return ir.Const(DATE, e.span, text, v)
    if isinstance(v, s.MoneyLit):
        return ir.Const(MoneyType(currency=v.currency), e.span, text, v.amount)
    if isinstance(v, s.DurationLit):
        return ir.Const(DURATION, e.span, text, Duration.of(v.amount, v.unit))
    raise AssertionError(v)


def _name(
    ck: Checker, e: s.Name, scope: Scope, deps: set, expected: Type | None, text: str, depth: int
):
    n = e.name
    local = scope.get(n)
    if local is not None:
        return ir.Ref(local, e.span, text, "local", n)
    if isinstance(expected, EnumType) and n in expected.members:
        # Where a member of a known enum is expected, a member's name means the member,
        # even if an input or definition has the same name.
        return ir.Const(expected, e.span, text, n)
    if n in ck.inputs:
        ck.used_inputs.add(n)
        return ir.Ref(ck.inputs[n].type, e.span, text, "input", n)
    if n in ck.parameters:
        return ir.Ref(ck.parameters[n].type, e.span, text, "parameter", n)
    if n in ck.define_decls:
        definition = ck.check_definition(n, depth + 1)
        if definition is None:
            raise Unresolved()
        if definition.params is not None:
            ck.error(
                "E206",
                f"'{n}' takes {len(definition.params)} argument(s)",
                e.span,
                f"write {n}({', '.join(p for p, _ in definition.params)})",
            )
            raise Unresolved()
        deps.add(("define", n))
        return ir.Ref(definition.type, e.span, text, "define", n)
    if n in ck.conclusions:
        deps.add(("conclusion", n))
        c = ck.conclusions[n]
        t = ListType(element=c.type) if c.kind == "set" else c.type
        if c.kind == "range":
            ck.error("E201", f"conclusion '{n}' is a range and cannot be read", e.span)
            raise Unresolved()
        return ir.Ref(t, e.span, text, "conclusion", n)
    if n in ck.members:
        enums = ck.members[n]
        if len(enums) > 1 and isinstance(expected, EnumType) and expected in enums:
            enums = [expected]
        if len(enums) > 1:
            ck.error(
                "E200",
                f"'{n}' is a member of several enums: {', '.join(t.name for t in enums)}",
                e.span,
                f"write {enums[0].name}.{n}",
            )
            raise Unresolved()
        return ir.Const(enums[0], e.span, text, n)
    candidates = itertools.chain(  # listed only while hints are given (MAX_SUGGESTION_WORK)
        scope.all(),
        ck.inputs,
        ck.parameters,
        ck.define_decls,
        ck.conclusions,
        ck.members,
    )
    ck.error("E200", f"unknown name '{n}'", e.span, ck.suggest(n, candidates))
    raise Unresolved()


def _binary(ck: Checker, e: s.Binary, scope: Scope, deps: set, text: str, depth: int):
    op = e.op
    sub = lambda x, exp=None: check(ck, x, scope, deps, exp, depth + 1)  # noqa: E731
    if op in ("and", "or"):
        # Check both sides even when one fails, so that one run reports both mistakes.
        sides = []
        for side in (e.left, e.right):
            try:
                checked = sub(side)
                want(ck, checked, BOOL, f"'{op}' joins conditions")
                sides.append(checked)
            except Unresolved:
                pass
        if len(sides) < 2:
            raise Unresolved()
        return ir.Binary(BOOL, e.span, text, op, sides[0], sides[1])
    # Check a side that is not a bare member first, to resolve members by context.
    if isinstance(e.left, s.Name) and e.left.name in ck.members and not isinstance(e.right, s.Name):
        right = sub(e.right)
        left = sub(e.left, right.type)
    else:
        left = sub(e.left)
        right = sub(e.right, _hint(left, op))
    lt, rt = left.type, right.type
    if op == "in":
        if not isinstance(rt, (ListType, AnyType)) or not same_type(
            lt, rt.element if isinstance(rt, ListType) else lt
        ):
            ck.error(
                "E201",
                f"'in' needs a list of {lt.describe()} on the right; "
                f"'{right.text}' is {rt.describe()}",
                e.right.span,
            )
            raise Unresolved()
        return ir.Binary(BOOL, e.span, text, op, left, right)
    if op in ("=", "!="):
        for side in (left, right):
            if (
                isinstance(side, ir.Ref)
                and side.kind == "conclusion"
                and (ck.conclusions[side.name].kind == "set")
            ):
                ck.error(
                    "E201",
                    f"'{side.text}' is a set; test its members with 'in'",
                    e.span,
                    f"write: member in {side.text}",
                )
                raise Unresolved()
        if not same_type(lt, rt):
            ck.error(
                "E201",
                f"cannot compare {lt.describe()} with {rt.describe()}",
                e.span,
                _money_hint(lt, rt),
            )
            raise Unresolved()
        return ir.Binary(BOOL, e.span, text, op, left, right)
    if op in ("<", "<=", ">", ">="):
        ordered = (
            (is_numeric(lt) and is_numeric(rt))
            or (isinstance(lt, MoneyType) and lt == rt)
            or (lt.kind in ("date", "duration") and lt == rt)
            or (isinstance(lt, EnumType) and lt.ordered and lt == rt)
        )
        if not ordered:
            why = ""
            if isinstance(lt, EnumType) and lt == rt:
                why = f"; {lt.name} is an enum, not an ordered scale"
            ck.error(
                "E201",
                f"cannot order {lt.describe()} against {rt.describe()}{why}",
                e.span,
                _money_hint(lt, rt),
            )
            raise Unresolved()
        scale = lt if isinstance(lt, EnumType) else None
        return ir.Binary(BOOL, e.span, text, op, left, right, scale)
    # Arithmetic.
    t = _arith_type(op, lt, rt)
    if t is None:
        ck.error(
            "E201",
            f"cannot compute {lt.describe()} {op} {rt.describe()}",
            e.span,
            _money_hint(lt, rt),
        )
        raise Unresolved()
    return ir.Binary(t, e.span, text, op, left, right)


def _hint(left: ir.Expr, op: str) -> Type | None:
    if op == "in":
        return ListType(element=left.type)
    return left.type if isinstance(left.type, EnumType) else None


def _money_hint(a: Type, b: Type) -> str | None:
    if isinstance(a, MoneyType) != isinstance(b, MoneyType) and (is_numeric(a) or is_numeric(b)):
        money = a if isinstance(a, MoneyType) else b
        return f"write amounts with their currency, for example 5000 {money.currency}"
    return None


def _arith_type(op: str, a: Type, b: Type) -> Type | None:
    if is_numeric(a) and is_numeric(b):
        if op == "/":
            return DECIMAL
        return INTEGER if a == INTEGER and b == INTEGER else DECIMAL
    money_a, money_b = isinstance(a, MoneyType), isinstance(b, MoneyType)
    if op in ("+", "-") and money_a and a == b:
        return a
    if op == "*" and money_a and is_numeric(b):
        return a
    if op == "*" and money_b and is_numeric(a):
        return b
    if op == "/" and money_a and is_numeric(b):
        return a
    if op == "/" and money_a and a == b:
        return DECIMAL
    if a == DATE and b == DURATION and op in ("+", "-"):
        return DATE
    if a == DATE and b == DATE and op == "-":
        return DURATION
    if a == DURATION and b == DURATION and op == "+":
        return DURATION
    return None


def _aggregate(ck: Checker, e: s.Aggregate, scope: Scope, deps: set, text: str, depth: int):
    func = e.func.name
    if func not in AGGREGATES:
        ck.error(
            "E200",
            f"'{func}' is not an aggregate",
            e.func.span,
            ck.suggest(func, AGGREGATES) or f"aggregates: {', '.join(AGGREGATES)}",
        )
        raise Unresolved()
    iterable = check(ck, e.iterable, scope, deps, None, depth + 1)
    if not isinstance(iterable.type, ListType):
        ck.error(
            "E201",
            f"'{iterable.text}' is {iterable.type.describe()}, not a list",
            e.iterable.span,
        )
        raise Unresolved()
    inner = Scope({e.var.name: iterable.type.element}, scope)
    body = check(ck, e.body, inner, deps, None, depth + 1)
    where = None
    if e.where is not None:
        where = check(ck, e.where, inner, deps, None, depth + 1)
        want(ck, where, BOOL, "'where' takes a condition")
    if func == "count":
        t: Type = INTEGER
    elif func in ("any", "all"):
        want(ck, body, BOOL, f"'{func}' needs a condition before 'for'")
        t = BOOL
    elif func == "sum":
        if not (is_numeric(body.type) or isinstance(body.type, MoneyType)):
            ck.error("E201", f"cannot sum {body.type.describe()}", e.body.span)
            raise Unresolved()
        t = body.type
    else:
        if not (
            is_numeric(body.type)
            or isinstance(body.type, MoneyType)
            or body.type.kind in ("date", "duration")
            or (isinstance(body.type, EnumType) and body.type.ordered)
        ):
            ck.error("E201", f"cannot take {func} of {body.type.describe()}", e.body.span)
            raise Unresolved()
        t = body.type
    return ir.Aggregate(t, e.span, text, func, body, e.var.name, iterable, where)


def _call(ck: Checker, e: s.Call, scope: Scope, deps: set, text: str, depth: int):
    n = e.func.name
    args = [check(ck, a, scope, deps, None, depth + 1) for a in e.args]
    if n in ck.define_decls:
        definition = ck.check_definition(n, depth + 1)
        if definition is None:
            raise Unresolved()
        params = definition.params or []
        if definition.params is None or len(params) != len(args):
            ck.error("E206", f"'{n}' takes {len(params)} argument(s), given {len(args)}", e.span)
            raise Unresolved()
        for (pname, ptype), arg in zip(params, args):
            if not assignable(ptype, arg.type):
                ck.error(
                    "E201",
                    f"argument '{pname}' of '{n}' is {ptype.describe()}; "
                    f"'{arg.text}' is {arg.type.describe()}",
                    arg.span,
                )
                raise Unresolved()
        deps.add(("call", n))
        return ir.CallDef(definition.type, e.span, text, n, args)
    if n in ck.functions:
        spec = ck.functions[n]
        try:
            t = spec.signature([a.type for a in args])
        except TypeError as err:
            ck.error("E206", f"{n}(): {err}", e.span)
            raise Unresolved() from None
        return ir.CallFunc(t, e.span, text, n, args)
    if n in AGGREGATES:
        ck.error(
            "E206",
            f"'{n}' is an aggregate",
            e.span,
            f"write {n}(x.field for x in list where condition)",
        )
        raise Unresolved()
    ck.error(
        "E200",
        f"unknown function '{n}'",
        e.func.span,
        ck.suggest(n, itertools.chain(ck.functions, ck.define_decls)),
    )
    raise Unresolved()
