"""A reference evaluator for tests: walks the checked tree directly, with no generated code.

It gives the same decision as the generated fast path (a property test holds them to it);
it also keeps, for every rule, the elementary tests that decided it and their values.
"""

from __future__ import annotations

import datetime
from typing import Any

from ruleengine import ir, lighter_eval, runtime
from ruleengine.analysis.nearest import checked
from ruleengine.explain import not_decided
from ruleengine.ir import MISSING
from ruleengine.runtime import Conflict, Decision, EvaluationError, Unset
from ruleengine.trace import Atom, RuleTrace, Trace, nearest_misses, negated
from ruleengine.types import EnumType, ListType, format_number

_COMPARE = ("=", "!=", "<", "<=", ">", ">=")


class _Env:
    def __init__(self, rulebook, epoch, facts: dict, day: datetime.date):
        self.rb = rulebook
        self.epoch = epoch
        self.facts = facts
        self.day = day
        self.defines: dict[str, Any] = {}
        self.conclusions: dict[str, Any] = {}
        self.lighters: dict[str, tuple] = {}  # block -> (applied, at_act, at_decision)

    # ------------------------------------------------------------------ values
    def ev(self, e: ir.Expr, scope: dict[str, Any]) -> Any:
        if isinstance(e, ir.Const):
            return e.value
        if isinstance(e, ir.Ref):
            if e.kind == "local":
                return scope[e.name]
            if e.kind == "input":
                return self.facts[e.name]
            if e.kind == "define":
                return self.defines[e.name]
            if e.kind == "parameter":
                value = self.epoch.parameters[e.name]
                if value is MISSING:
                    param = self.rb.parameters[e.name]
                    first = param.values[0][0] if param.values else None
                    runtime.no_parameter_value(e.name, first, self.day, e.span)
                return value
            if e.kind == "lighter":
                block, attr = e.name.split(".")
                value = self.lighters[block][ir.LIGHTER_ATTRIBUTES.index(attr)]
                if isinstance(value, Unset):
                    runtime.no_version(value, e.span)
            else:
                value = self.conclusions[e.name]
            if isinstance(value, Unset):
                runtime.unreadable(value, e.span)
            return value
        if isinstance(e, ir.Attr):
            return self.ev(e.obj, scope)[e.field]
        if isinstance(e, ir.Unary):
            v = self.ev(e.operand, scope)
            return (not v) if e.op == "not" else -v
        if isinstance(e, ir.If):
            return self.ev(e.then if self.ev(e.cond, scope) else e.otherwise, scope)
        if isinstance(e, ir.ListE):
            return tuple(self.ev(x, scope) for x in e.items)
        if isinstance(e, ir.Binary):
            return self.binary(e, scope)
        if isinstance(e, ir.CallDef):
            d = self.rb.definitions[e.name]
            args = [self.ev(a, scope) for a in e.args]
            return self.ev(d.body, {p: v for (p, _), v in zip(d.params, args)})
        if isinstance(e, ir.CallFunc):
            from ruleengine.codegen import _call

            fn = self.rb.functions[e.name].impl
            return _call(fn, e.span, e.name, tuple(self.ev(a, scope) for a in e.args))
        if isinstance(e, ir.Aggregate):
            return self.aggregate(e, scope)
        raise AssertionError(e)

    def binary(self, e: ir.Binary, scope) -> Any:
        op = e.op
        if op == "and":
            return self.ev(e.left, scope) and self.ev(e.right, scope)
        if op == "or":
            return self.ev(e.left, scope) or self.ev(e.right, scope)
        a, b = self.ev(e.left, scope), self.ev(e.right, scope)
        return self.apply(e, op, a, b)

    def apply(self, e: ir.Binary, op: str, a: Any, b: Any) -> Any:
        if op == "in":
            return a in b
        if e.scale is not None:
            rank = e.scale.rank
            a, b = rank[a], rank[b]
        lt, rt = e.left.type, e.right.type
        if lt.kind == "duration" and rt.kind == "duration" and op in _COMPARE:
            return runtime.compare_durations(a, op, b, e.span)
        if op == "/":
            return runtime.divide(a, b, e.span)
        if lt.kind == "date" and rt.kind == "duration":
            return runtime.date_add(a, b, e.span, 1 if op == "+" else -1)
        if lt.kind == "date" and rt.kind == "date" and op == "-":
            return runtime.date_diff(a, b)
        return {
            "=": lambda: a == b,
            "!=": lambda: a != b,
            "<": lambda: a < b,
            "<=": lambda: a <= b,
            ">": lambda: a > b,
            ">=": lambda: a >= b,
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
        }[op]()

    def aggregate(self, e: ir.Aggregate, scope) -> Any:
        items = []
        for item in self.ev(e.iterable, scope):
            inner = dict(scope, **{e.var: item})
            if e.where is not None and not self.ev(e.where, inner):
                continue
            items.append(1 if e.func == "count" else self.ev(e.body, inner))
        if e.func in ("sum", "count"):
            return sum(items)
        if e.func == "any":
            return any(items)
        if e.func == "all":
            return all(items)
        if isinstance(e.type, EnumType):
            return runtime.extreme_ranked(e.func, items, e.type, e.span)
        return runtime.extreme(e.func, items, e.span)

    # ------------------------------------------------------------------ justifications
    def why(self, e: ir.Expr, scope: dict, via: str | None = None) -> tuple[bool, list[Atom]]:
        """A condition's value and the elementary tests that decided it."""
        if isinstance(e, ir.Binary) and e.op == "and":
            # Both sides shown; the right one computed for the explanation even when the left
            # fails, its tests left out if it cannot be computed then.
            lv, la = self.why(e.left, scope, via)
            try:
                rv, ra = self.why(e.right, scope, via)
            except Exception:
                if lv:
                    raise
                return False, la
            return (rv if lv else False), la + ra
        if isinstance(e, ir.Binary) and e.op == "or":
            lv, la = self.why(e.left, scope, via)
            if lv:
                return True, la
            rv, ra = self.why(e.right, scope, via)
            return rv, ra if rv else la + ra
        if isinstance(e, ir.Unary) and e.op == "not":
            v, atoms = self.why(e.operand, scope, via)
            return (not v), [negated(a) for a in atoms]
        if isinstance(e, ir.If):
            c, ca = self.why(e.cond, scope, via)
            v, ba = self.why(e.then if c else e.otherwise, scope, via)
            return v, ca + ba
        if isinstance(e, ir.CallDef):
            d = self.rb.definitions[e.name]
            args = [self.ev(a, scope) for a in e.args]
            shown = ", ".join(f"{p} = {_show(v)}" for (p, _), v in zip(d.params, args))
            return self.why(
                d.body, {p: v for (p, _), v in zip(d.params, args)}, f"{e.name}({shown})"
            )
        if isinstance(e, ir.Ref) and e.kind == "define":
            value = self.defines[e.name]
            _, atoms = self.why(self.rb.definitions[e.name].body, {}, e.name)
            return value, atoms
        if isinstance(e, ir.Binary) and (e.op in _COMPARE or e.op == "in"):
            a, b = self.ev(e.left, scope), self.ev(e.right, scope)
            result = self.apply(e, e.op, a, b)
            left = e.left
            is_ref = isinstance(left, ir.Ref)
            left_input = left.name if is_ref and left.kind == "input" else None
            left_define = left.name if is_ref and left.kind == "define" else None
            if isinstance(left, ir.CallDef):
                left_define = left.name
            left_conclusion = left.name if is_ref and left.kind == "conclusion" else None
            atom = Atom(
                e.text,
                result,
                e.span,
                e.op,
                a,
                b,
                left.text,
                e.right.text,
                left_input,
                via,
                left_define,
                left_conclusion,
            )
            return result, [atom]
        value = self.ev(e, scope)
        left_input = e.name if isinstance(e, ir.Ref) and e.kind == "input" else None
        return value, [
            Atom(e.text, bool(value), e.span, None, value, None, e.text, None, left_input, via)
        ]


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int) or hasattr(v, "denominator"):
        return format_number(v)
    return str(v)


def explain(rulebook, epoch, facts: dict, day: datetime.date, misses: bool = True) -> Trace:
    """Evaluate one case along the epoch's plan, keeping the trace; with ``misses``, the
    nearest misses, each checked by deciding changed cases again (without theirs)."""
    env = _Env(rulebook, epoch, facts, day)
    traces: dict[str, RuleTrace] = {}
    fired: dict[str, bool] = {}
    applies: dict[str, bool] = {}
    conflicts: list[Conflict] = []
    claims: dict[str, list[tuple[str, ir.Assignment]]] = {}
    choices: list = []
    for kind, name in epoch.plan:
        if kind == "define":
            env.defines[name] = env.ev(rulebook.definitions[name].body, {})
        elif kind == "rule":
            rule = rulebook.rules[name]
            if rule.when is None:
                value, atoms = True, []
            else:
                value, atoms = env.why(rule.when, {})
            fired[name] = bool(value)
            blockers = [o for o in epoch.overriders.get(name, []) if applies.get(o)]
            applies[name] = fired[name] and not blockers
            status = "applied" if applies[name] else ("set_aside" if fired[name] else "not_met")
            trace = RuleTrace(name, status, atoms, set_aside_by=blockers if fired[name] else [])
            traces[name] = trace
            for a in rule.then:
                claims.setdefault(a.conclusion, []).append((name, a))
        elif kind == "lighter":
            choices.append(_lighter(env, rulebook.lighters[name], conflicts))
        else:
            env.conclusions[name] = _conclude(
                env, name, claims.get(name, []), applies, traces, conflicts
            )
    for name in rulebook.rules:
        if name not in traces:
            traces[name] = RuleTrace(name, "not_in_force")
    decision = Decision(day, dict(env.conclusions), tuple(conflicts), bool(epoch.rules))
    ordered = [traces[name] for name in rulebook.rules]
    trace = Trace(
        rulebook=rulebook,
        as_of=day,
        facts=facts,
        decision=decision,
        rules=ordered,
        definitions=dict(env.defines),
        not_decided=not_decided(rulebook, epoch, choices),
        choices=choices,
    )
    found = nearest_misses(rulebook, decision, ordered) if misses else []
    if found:
        trace.misses = checked(
            found,
            rulebook,
            facts,
            lambda f: explain(rulebook, epoch, f, day, misses=False).decision,
            ordered,
            lambda f: explain(rulebook, epoch, f, day, misses=False),
        )
    return trace


def _lighter(env: _Env, block: ir.Lighter, conflicts: list) -> lighter_eval.Choice:
    """A lighter block's step: the case evaluated again, by this interpreter, on the day the
    act-date version is judged as of, when the versions differ."""

    def evaluate(day):
        trace = explain(env.rb, env.epoch.at(day), env.facts, day)
        values = tuple(trace.decision.conclusions[c] for c in block.decides)
        rules = tuple(
            tuple(
                r.name
                for r in trace.rules
                if r.status == "applied" and any(x[0] == c for x in r.conclusions)
            )
            for c in block.decides
        )
        taken = tuple(x for x in trace.decision.conflicts if x.conclusion in block.decides)
        return values, rules, taken, env.epoch.at(day).undecided

    current = tuple(env.conclusions[c] for c in block.decides)
    act = env.ev(block.act_date, {})
    choice = lighter_eval.settle(
        env.rb, block, env.day, act, current, evaluate, None, env.epoch.undecided
    )
    lighter_eval.take_conflicts(block, choice, conflicts)
    for c, value in zip(block.decides, choice.values(), strict=True):
        env.conclusions[c] = value
    env.lighters[block.name] = choice.attributes()
    return choice


def _conclude(env: _Env, name: str, claims, applies, traces, conflicts) -> Any:
    c = env.rb.conclusions[name]
    values = []
    for rule, a in claims:
        if not applies.get(rule):
            continue
        value = env.ev(a.value, {})
        upper = env.ev(a.upper, {}) if a.upper is not None else None
        traces[rule].conclusions.append((name, value, upper))
        values.append((rule, value, upper))
    if c.kind == "highest":
        rank = c.type.rank
        best = rank[c.default]
        for _, value, _ in values:
            best = max(best, rank[value])
        return c.type.members[best]
    if c.kind == "set":
        out: frozenset = frozenset()
        for (_, value, _), (_, a) in zip(values, [x for x in claims if applies.get(x[0])]):
            out = out.union(value if isinstance(a.value.type, ListType) else (value,))
        return out
    if c.kind == "range":
        scale = c.type if isinstance(c.type, EnumType) else None
        spans = {rule: a.span for rule, a in claims}
        return runtime.combine_range(name, values, scale, c.span, spans)
    return runtime.combine_value(name, [(r, v) for r, v, _ in values], c.default, conflicts)


__all__ = ["explain", "EvaluationError"]
