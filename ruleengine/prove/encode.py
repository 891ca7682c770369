"""One period of a rulebook as exact SMT formulas: the facts as variables, every rule's
condition and every conclusion as a term over them.

The walk follows the engine's plan for the period (``compiler.Epoch``): the same rules in
force, the same parameter values (folded in as constants), the same definitions, and the same
combination of conclusions as ``analysis.symbolic`` has it: a rule applies when its condition
holds and no exception in force that applies overrides it. What is known is computed as the
engine computes it; only what depends on a fact becomes a formula. Numbers stay exact:
counts and integers are ``Int``, money is a whole number of hundredths (fen, cents) as
``Int`` read as a ``Real``, decimals are ``Real``, enumerations and scales are ``Int`` ranks,
dates ``Int`` day numbers, texts ``Int`` codes of the texts the rules name. Lists of facts are
bounded to a stated length; what cannot be encoded exactly (a plugin's function, a product of
two facts, ...) becomes an unconstrained value and is recorded as *not proven*, naming the
construct.

A ``lighter`` block is encoded exactly (``Encoder.lighter``): the rulebook as it stood on the
last day of each earlier version is encoded too, over the same facts, and the block's
conclusions take its values where the act date falls in that version and it is not heavier.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import attrs
import z3

from .. import ir, lighter_eval, runtime
from ..ir import MISSING
from ..runtime import EvaluationError
from ..types import Duration, EnumType, ListType, LocalText, MoneyType, RecordType, Type
from . import dates

#: Dates a witness may take: wide enough for any case a court hears, printable as YYYY-MM-DD.
FIRST_DAY, LAST_DAY = dates.DAYS
#: Money is exact to the hundredth of its unit (fen, cents).
MONEY_SCALE = 100
BUILTINS = ("min", "max", "abs", "floor", "ceil", "round", "days_between", "size")


@attrs.frozen
class NotProven:
    """A construct the prover could not encode exactly: what it is, where."""

    construct: str
    span: Any

    def describe(self) -> str:
        return f"{self.construct}: '{_text(self.span)}'" if self.span else self.construct


def _text(span) -> str:
    return span.source.line(span.line).strip() if span is not None else ""


@attrs.define
class Var:
    """An input (or a field of one element of an input list) as a solver variable."""

    path: tuple  # ("acts", 0, "amount") or ("items",)
    type: Type
    term: Any  # the z3 variable


@attrs.define
class SymList:
    """A list input bounded to ``len(items)``: element ``i`` is present when ``i < length``."""

    length: Any
    items: list[Any]

    def present(self, i: int):
        return self.length > i


@attrs.define
class Shared:
    """What the encoders of one ``prove`` run share: the codes of texts (compared across
    the rulebook's days), fresh names, and the rulebook as it stood on each day a ``lighter``
    block judges an earlier version on (the same formulas for every period that asks)."""

    texts: dict[Any, int] = attrs.Factory(dict)
    fresh: int = 0
    earlier: dict[datetime.date, Encoder] = attrs.Factory(dict)


class Encoder:
    """Formulas for one period (``epoch``) of a compiled rulebook, judged on ``day``.

    ``shared``: what it shares with the other encoders of the run (``Shared``). The facts are
    variables named by their path, so the encoders of two days hold the same variables.
    """

    def __init__(self, book, day: datetime.date, list_bound: int = 3, shared: Shared | None = None):
        self.book = book
        self.rb = book.rulebook
        self.day = day
        self.epoch = book.epoch(day)
        self.list_bound = list_bound
        self.shared = shared or Shared()
        self.texts = self.shared.texts
        self.vars: dict[str, Any] = {}  # input name -> its symbolic value
        #: Input name -> the variables and bounds it brought (handed on by ``at``).
        self.inputs: dict[str, tuple[list[Var], list[Any]]] = {}
        self.leaves: list[Var] = []
        self.bounds: list[Any] = []
        self.not_proven: dict[tuple, NotProven] = {}
        self.bounded_lists: dict[str, Any] = {}  # input name -> span of an aggregate over it
        self.defines: dict[str, Any] = {}
        self.conclusions: dict[str, Any] = {}
        self.fired: dict[str, Any] = {}
        self.applies: dict[str, Any] = {}
        self.claims: dict[str, list[tuple[str, ir.Assignment, Any]]] = {}
        #: Block -> its (applied, at_act, at_decision) versions as ranks (None: no version).
        self.lighters: dict[str, tuple] = {}
        #: Block -> each earlier version it may judge by: (first day, end, that rulebook).
        self.versions: dict[str, list[tuple[datetime.date, datetime.date, Encoder]]] = {}
        #: Conclusion -> when the claims of this period's rules stand: a conclusion decided by
        #: a lighter block takes an earlier version's value where that version applies.
        self.standing: dict[str, Any] = {}
        #: Conclusion -> when no rule decides it (that version's rules, for a block's).
        self.undecided: dict[str, Any] = {}
        #: Block -> when its (applied, at_act, at_decision) cannot be read: the engine stops
        #: with an error where a rule reads one then (``runtime.no_version``).
        self.unreadable: dict[str, tuple] = {}
        #: When the engine stops on the facts instead of deciding (``evaluable``), and the
        #: condition under which the expression being encoded is evaluated at all (the
        #: engine does not evaluate the right side of a settled ``and``, the branch not
        #: taken, a rule's values where it does not apply).
        self.failures: list[Any] = []
        self.path: list[Any] = []
        #: The reads on which the engine may stop (``NAME.at_act`` and the like), to name.
        self.stops: dict[str, Any] = {}
        self._run()

    @property
    def evaluable(self) -> Any:
        """That the engine decides a case on the facts rather than stopping: a version is
        read only where one can be. The questions are asked of such cases only."""
        return z3.Not(z3.Or(*self.failures)) if self.failures else z3.BoolVal(True)

    def under(self, cond: Any, make, *args):
        """``make(*args)`` encoded where it is evaluated only when ``cond`` holds."""
        self.path.append(z3_bool(cond))
        try:
            return make(*args)
        finally:
            self.path.pop()

    def fails(self, cond: Any, e: ir.Expr) -> None:
        """The engine stops where ``cond`` holds and ``e`` is evaluated."""
        if not z3.is_false(cond) and not any(z3.is_false(p) for p in self.path):
            self.failures.append(z3.And(*self.path, cond) if self.path else cond)
            self.stops.setdefault(e.text, e.span)

    # ------------------------------------------------------------------ the period
    def _run(self):
        rb, epoch = self.rb, self.epoch
        for kind, name in epoch.plan:
            if kind == "define":
                self.defines[name] = self.guarded(rb.definitions[name].body, rb.definitions[name])
            elif kind == "rule":
                rule = rb.rules[name]
                fired = True if rule.when is None else self.guarded(rule.when, rule)
                blockers = [
                    self.applies[o] for o in epoch.overriders.get(name, []) if o in self.applies
                ]
                self.fired[name] = z3_bool(fired)
                self.applies[name] = (
                    z3.And(z3_bool(fired), z3.Not(z3.Or(*blockers))) if blockers else z3_bool(fired)
                )
                for a in rule.then:  # the engine reads a rule's values where it applies
                    value = self.under(self.applies[name], self.guarded, a.value, a)
                    self.claims.setdefault(a.conclusion, []).append((name, a, value))
            elif kind == "lighter":
                self.lighter(rb.lighters[name])
            else:
                self.conclusions[name] = self.conclude(name)
                deciders = [self.applies[r] for r, _, _ in self.claims.get(name, [])]
                self.undecided[name] = z3.Not(z3.Or(*deciders)) if deciders else z3.BoolVal(True)

    # ------------------------------------------------------------------ the law in time
    def at(self, day: datetime.date) -> Encoder:
        """The rulebook as it stood on ``day``, over the same facts (encoded once per run);
        the facts it reads, their bounds and what it could not prove become this one's."""
        then = self.shared.earlier.get(day)
        if then is None:
            then = self.shared.earlier[day] = Encoder(self.book, day, self.list_bound, self.shared)
        for name, value in then.vars.items():
            if name not in self.vars:
                self.vars[name] = value
                leaves, bounds = then.inputs[name]
                self.inputs[name] = (leaves, bounds)
                self.leaves += leaves
                self.bounds += bounds
        self.not_proven.update(then.not_proven)
        self.bounded_lists.update(then.bounded_lists)
        return then

    def lighter(self, block: ir.Lighter) -> None:
        """A ``lighter`` block's step, exactly as ``lighter_eval.settle`` takes it.

        On this period's day the version ``k`` is in force. An act date in version ``k`` or
        later (after the as-of date) keeps this period's outcome; one before every version
        keeps it too (no act-date version). An act date in an earlier version ``i`` is judged
        by the rulebook as it stood on that version's last day (``at``), and its outcome
        applies unless this period's is lighter by ``compare`` (``_act_side``). Which day in
        the period is the as-of date does not matter: every earlier version ended before it.
        ``at_act`` is the version of the act date's period, a later one's too (a case judged
        before its acts names the version truly in force on the act date).
        """
        param = self.rb.parameters[block.versions]
        rank = block.type.rank
        at_decision, _ = lighter_eval.version_on(param, self.day)
        if at_decision is None:  # no version in force: the outcome stands, none can be read
            self.lighters[block.name] = (None, None, None)
            self.unreadable[block.name] = (z3.BoolVal(True),) * 3
            return
        act = self.lift(self.guarded(block.act_date, block), block.act_date.type)
        k = next(i for i, (_, m) in enumerate(param.values) if m == at_decision)
        values = {c: self.conclusions[c] for c in block.decides}
        unset = {c: self.undecided[c] for c in block.decides}
        applied: Any = z3.IntVal(rank[at_decision])
        at_act: Any = z3.IntVal(rank[at_decision])
        taken = []
        for i in reversed(range(k)):
            since, member = param.values[i]
            until = param.values[i + 1][0]
            inside = z3.And(act >= since.toordinal(), act < until.toordinal())
            then = self.at(until - datetime.timedelta(days=1))
            self.versions.setdefault(block.name, []).append((since, until, then))
            if then.failures:  # the engine evaluates that day's rulebook only then
                self.failures.append(z3.And(inside, z3.Or(*then.failures)))
                for text, span in then.stops.items():
                    self.stops.setdefault(text, span)
            takes = z3.And(inside, self._act_side(block, then))
            taken.append(takes)
            for c in block.decides:
                values[c] = self._choose(takes, then.conclusions[c], values[c], c)
                unset[c] = z3.If(takes, then.undecided[c], unset[c])
            applied = z3.If(takes, rank[member], applied)
            at_act = z3.If(inside, rank[member], at_act)
        first = param.values[0][0].toordinal()
        earlier, later = at_act, param.values[k + 1 :]

        def at_act_read() -> Any:
            """The act date's version, made when a rule reads ``NAME.at_act``: terms that no
            rule reads change the solver's search all the same (pi2017, which reads only
            ``.applied``, had two questions run out of time once they were made)."""
            value = earlier
            for since, member in later:  # after the as-of date: not compared
                value = z3.If(act >= since.toordinal(), rank[member], value)
            return z3.If(act < first, self.fresh(block.type), value)  # none: cannot be read

        at_act = _Once(at_act_read)
        no = z3.BoolVal(False)
        self.unreadable[block.name] = (no, act < first, no)
        stands = z3.Not(z3.Or(*taken)) if taken else z3.BoolVal(True)
        for c in block.decides:
            self.conclusions[c] = values[c]
            self.undecided[c] = unset[c]
            self.standing[c] = stands
        self.lighters[block.name] = (applied, at_act, z3.IntVal(rank[at_decision]))

    def version(self, block: str, attr: str) -> Any:
        """``NAME.applied``, ``.at_act`` or ``.at_decision`` of a lighter block: a version's
        rank as a term (None where no version was in force on the as-of date)."""
        value = self.lighters[block][ir.LIGHTER_ATTRIBUTES.index(attr)]
        return value() if isinstance(value, _Once) else value

    def _choose(self, cond: Any, a: Any, b: Any, name: str) -> Any:
        """A conclusion's value: ``a`` where ``cond`` holds, else ``b`` (a set of members
        member by member; a range, which no rule reads, not at all)."""
        if a is None or b is None:
            return None
        if isinstance(a, dict) and isinstance(b, dict):
            return {m: z3.If(cond, a[m], b[m]) for m in a}
        t = self.rb.conclusions[name].type
        return z3.If(cond, self._term(a, t), self._term(b, t))

    def _term(self, value: Any, t: Type) -> Any:
        try:
            return self.lift(value, t)
        except _Opaque as why:
            self.unproven(str(why), None)
            return self.fresh(t)

    def _not_decided(self, c: str) -> Any:
        """That ``c`` is not decided, as ``lighter_eval`` compares: no rule in force decides
        it, or it has no default and no rule gave it a value."""
        if c in self.epoch.undecided:
            return z3.BoolVal(True)
        conclusion = self.rb.conclusions[c]
        if conclusion.kind == "value" and conclusion.default is MISSING:
            return self.undecided[c]
        return z3.BoolVal(False)

    def _act_side(self, block: ir.Lighter, then: Encoder) -> Any:
        """That the act-date version (``then``) applies: ``lighter_eval.lighter_side`` says
        "act". In order, the first ``compare`` conclusion that differs decides, the lower
        value the lighter; equal all through, the act-date version; not decided under it, or
        under this version unless it gives the lowest member of a scale, not compared."""
        act, decision, none = 0, 1, 2
        side: Any = z3.IntVal(act)
        for c in reversed(block.compare):
            t = self.rb.conclusions[c].type
            a, d = self._term(then.conclusions[c], t), self._term(self.conclusions[c], t)
            rest = side
            compared = z3.If(d < a, decision, z3.If(a < d, act, rest))
            # nothing is lighter than a scale's lowest member: the next conclusion decides
            open_here = z3.If(a == 0, rest, none) if isinstance(t, EnumType) else none
            side = z3.If(
                then._not_decided(c),
                none,
                z3.If(self._not_decided(c), open_here, compared),
            )
        return side == act

    def quiet(self, e: ir.Expr) -> Any:
        """``e``'s term for a question about it (a proof's parts, a gap's region), leaving
        what the engine evaluates, and where it stops, as it is."""
        failures, stops = len(self.failures), dict(self.stops)
        try:
            return self.ev(e, {})
        finally:
            del self.failures[failures:]
            self.stops = stops

    def guarded(self, e: ir.Expr, owner) -> Any:
        """``e``'s term; where the engine itself could not evaluate it, a fresh value."""
        try:
            return self.ev(e, {})
        except EvaluationError as err:
            self.unproven(f"cannot be evaluated ({err.message})", err.span or e.span)
            return self.fresh(e.type)

    def conclude(self, name: str) -> Any:
        """The conclusion's term as the engine combines the claims of the rules that apply."""
        c = self.rb.conclusions[name]
        claims = [(r, v) for r, _, v in self.claims.get(name, [])]
        if c.kind == "highest":
            rank = c.type.rank
            best: Any = z3.IntVal(rank[c.default])
            for r, v in claims:
                v = self.rank_of(v, c.type)
                best = z3.If(z3.And(self.applies[r], v > best), v, best)
            return best
        if c.kind == "set":
            if not isinstance(c.type, EnumType):
                return self.fresh(c.type)
            out = {m: z3.BoolVal(False) for m in c.type.members}
            for r, v in claims:
                members = v if isinstance(v, (tuple, list, frozenset)) else (v,)
                for m in members:
                    if isinstance(m, str):
                        out[m] = z3.Or(out[m], self.applies[r])
                    else:
                        for i, each in enumerate(c.type.members):
                            out[each] = z3.Or(out[each], z3.And(self.applies[r], m == i))
            return out
        if c.kind == "range":
            return None  # cannot be read by a rule (the checker refuses it)
        try:
            value = self.fresh(c.type) if c.default is MISSING else self.lift(c.default, c.type)
            for r, v in reversed(claims):
                value = z3.If(self.applies[r], self.lift(v, c.type), value)
        except _Opaque as why:
            self.unproven(f"the conclusion '{name}' holds {why}", c.span)
            return self.fresh(c.type)
        return value

    def differ(self, a: Any, b: Any, t: Type, span) -> Any:
        """That two values of a conclusion differ, as a formula (known values: a bool)."""
        if not (_symbolic(a) or _symbolic(b)):
            return z3.BoolVal(a != b)
        try:
            return self.lift(a, t) != self.lift(b, t)
        except _Opaque as why:
            self.unproven(f"two values compared: {why}", span)
            return None

    # ------------------------------------------------------------------ facts
    def input(self, name: str) -> Any:
        if name not in self.vars:
            spec = self.rb.inputs[name]
            leaves, bounds = len(self.leaves), len(self.bounds)
            self.vars[name] = self.variable((name,), spec.type, spec.minimum)
            self.inputs[name] = (self.leaves[leaves:], self.bounds[bounds:])
        return self.vars[name]

    def variable(self, path: tuple, t: Type, minimum: int | None) -> Any:
        label = ".".join(str(p) for p in path)
        if isinstance(t, ListType):
            length = z3.Int(f"{label}#length")
            self.bounds += [length >= 0, length <= self.list_bound]
            self.leaves.append(Var(path + ("#length",), t, length))
            items = [
                self.variable(path + (i,), t.element, t.minimum) for i in range(self.list_bound)
            ]
            return SymList(length, items)
        if isinstance(t, RecordType):
            return {
                f.name: self.variable(path + (f.name,), f.type, f.minimum)
                for f in t.fields.values()
            }
        if t.kind == "bool":
            term = z3.Bool(label)
        elif isinstance(t, MoneyType):
            units = z3.Int(label)
            if minimum is not None:
                self.bounds.append(units >= minimum * MONEY_SCALE)
            self.leaves.append(Var(path, t, units))
            return z3.ToReal(units) / MONEY_SCALE
        elif t.kind == "decimal":
            term = z3.Real(label)
            if minimum is not None:
                self.bounds.append(term >= minimum)
        elif t.kind == "integer":
            term = z3.Int(label)
            if minimum is not None:
                self.bounds.append(term >= minimum)
        elif isinstance(t, EnumType):
            term = z3.Int(label)
            self.bounds += [term >= 0, term < len(t.members)]
        elif t.kind == "date":
            term = z3.Int(label)
            self.bounds += [term >= FIRST_DAY, term <= LAST_DAY]
        elif t.kind == "text":
            term = z3.Int(label)
            self.bounds.append(term >= 0)
        else:  # a duration given as a fact
            self.unproven(f"a fact of type {t.describe()}", self.rb.inputs[path[0]].span)
            return self.fresh(t)
        self.leaves.append(Var(path, t, term))
        return term

    def fresh(self, t: Type) -> Any:
        self.shared.fresh += 1
        name = f"#unknown{self.shared.fresh}"
        if t.kind == "bool":
            return z3.Bool(name)
        if t.kind in ("integer", "date", "text") or isinstance(t, EnumType):
            return z3.Int(name)
        return z3.Real(name)

    def unproven(self, construct: str, span) -> None:
        key = (construct, span.location() if span is not None else "")
        self.not_proven.setdefault(key, NotProven(construct, span))

    # ------------------------------------------------------------------ values
    def text_code(self, value: Any) -> int:
        key = value.values if isinstance(value, LocalText) else value
        return self.texts.setdefault(key, len(self.texts))

    def lift(self, v: Any, t: Type | None) -> Any:
        """A known value as a term of the sort its type is encoded in."""
        if isinstance(v, z3.ExprRef):
            return v
        if isinstance(v, bool):
            return z3.BoolVal(v)
        if isinstance(v, int):
            return z3.IntVal(v)
        if isinstance(v, Fraction):
            return z3.Q(v.numerator, v.denominator)
        if isinstance(v, datetime.date):
            return z3.IntVal(v.toordinal())
        if isinstance(v, str) and isinstance(t, EnumType) and v in t.rank:
            return z3.IntVal(t.rank[v])
        if isinstance(v, (str, LocalText)):
            return z3.IntVal(self.text_code(v))
        raise _Opaque(f"a value of type {type(v).__name__}")

    def rank_of(self, v: Any, t: EnumType) -> Any:
        return z3.IntVal(t.rank[v]) if isinstance(v, str) else v

    def ev(self, e: ir.Expr, scope: dict) -> Any:
        try:
            return self._ev(e, scope)
        except _Opaque as why:
            self.unproven(str(why), e.span)
            return self.fresh(e.type)

    def _ev(self, e: ir.Expr, scope: dict) -> Any:
        if isinstance(e, ir.Const):
            return e.value
        if isinstance(e, ir.Ref):
            return self.ref(e, scope)
        if isinstance(e, ir.Attr):
            obj = self.ev(e.obj, scope)
            if isinstance(obj, dict):
                return obj[e.field]
            raise _Opaque("a field of a value the prover does not hold")
        if isinstance(e, ir.Unary):
            v = self.ev(e.operand, scope)
            if e.op == "not":
                return z3.Not(v) if isinstance(v, z3.ExprRef) else not v
            return -v
        if isinstance(e, ir.If):
            cond = self.ev(e.cond, scope)
            if not isinstance(cond, z3.ExprRef):
                return self.ev(e.then if cond else e.otherwise, scope)
            a = self.under(cond, self.ev, e.then, scope)
            b = self.under(z3.Not(cond), self.ev, e.otherwise, scope)
            if isinstance(a, (dict, SymList, tuple)) or isinstance(b, (dict, SymList, tuple)):
                raise _Opaque("a choice between two lists or records")
            return z3.If(cond, self.lift(a, e.type), self.lift(b, e.type))
        if isinstance(e, ir.ListE):
            return tuple(self.ev(x, scope) for x in e.items)
        if isinstance(e, ir.Binary):
            return self.binary(e, scope)
        if isinstance(e, ir.CallDef):
            d = self.rb.definitions[e.name]
            args = [self.ev(a, scope) for a in e.args]
            return self.ev(d.body, {p: v for (p, _), v in zip(d.params, args)})
        if isinstance(e, ir.CallFunc):
            return self.call(e, [self.ev(a, scope) for a in e.args])
        if isinstance(e, ir.Aggregate):
            return self.aggregate(e, scope)
        raise _Opaque(f"an expression of kind {type(e).__name__}")

    def ref(self, e: ir.Ref, scope):
        if e.kind == "local":
            return scope[e.name]
        if e.kind == "input":
            return self.input(e.name)
        if e.kind == "define":
            return self.defines[e.name]
        if e.kind == "parameter":
            value = self.epoch.parameters[e.name]
            if value is MISSING:
                param = self.rb.parameters[e.name]
                first = param.values[0][0] if param.values else None
                runtime.no_parameter_value(e.name, first, self.day, e.span)
            return value
        if e.kind == "lighter":  # NAME.applied, .at_act, .at_decision: a version's rank
            block, attr = e.name.split(".")
            index = ir.LIGHTER_ATTRIBUTES.index(attr)
            self.fails(self.unreadable[block][index], e)
            value = self.version(block, attr)
            return self.fresh(e.type) if value is None else value  # none: the engine fails
        value = self.conclusions.get(e.name)
        if value is None:
            raise _Opaque("a conclusion read before it is decided")
        c = self.rb.conclusions.get(e.name)
        if c is not None and c.kind == "value" and c.default is MISSING:
            # decided by no rule, it has no value: the engine stops where a rule reads it
            self.fails(self.undecided.get(e.name, z3.BoolVal(False)), e)
        return value

    def binary(self, e: ir.Binary, scope) -> Any:
        if e.op in ("and", "or"):
            a = self.ev(e.left, scope)
            if not isinstance(a, z3.ExprRef):  # as the engine: the right side may not run
                if (e.op == "and") != bool(a):
                    return a
                return self.ev(e.right, scope)
            run = a if e.op == "and" else z3.Not(a)  # when the engine evaluates the right side
            b = z3_bool(self.under(run, self.ev, e.right, scope))
            return z3.And(a, b) if e.op == "and" else z3.Or(a, b)
        a, b = self.ev(e.left, scope), self.ev(e.right, scope)
        symbolic = _symbolic(a) or _symbolic(b)
        if not symbolic:
            return self.concrete(e, a, b)
        op, lt, rt = e.op, e.left.type, e.right.type
        if op == "in":
            return self.member(a, b, e)
        if isinstance(a, set) or isinstance(b, set):
            raise _Opaque("a set compared as a whole")
        if isinstance(a, dict) or isinstance(b, dict):
            return self.enum_set_equal(a, b, op, e)
        if lt.kind == "duration" or rt.kind == "duration":
            if lt.kind == "date" and isinstance(b, Duration):
                moved, fails = dates.shift(self.lift(a, lt), b, 1 if op == "+" else -1, self.bounds)
                self.fails(fails, e)  # out of the calendar: the engine stops (runtime.date_add)
                return moved
            raise _Opaque("a date moved by a varied duration")
        if lt.kind == "date" and rt.kind == "date" and op == "-":
            raise _Opaque("the duration between two dates")
        a, b = self.lift(a, lt), self.lift(b, rt)
        if e.scale is not None:
            a, b = self.rank_of(a, e.scale), self.rank_of(b, e.scale)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(a, op, b)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            if _symbolic(a) and _symbolic(b) and not (_const(a) or _const(b)):
                cases = _cases(b)
                if cases is None:
                    a, b = b, a
                    cases = _cases(b)
                if cases is not None:  # one side takes a few known values: linear per case
                    return _by_cases(cases, lambda k: a * _num(k))
                self.unproven("non-linear arithmetic (a product of two facts)", e.span)
            return a * b
        if op == "/":
            if _const(b):
                value = _fraction(b)
                if value == 0:
                    raise EvaluationError("division by zero", e.span)
                return _real(a) / _num(value)
            cases = _cases(b)
            if cases is not None and all(k != 0 for _, k in cases):
                return _by_cases(cases, lambda k: _real(a) / _num(k))
            self.unproven("non-linear arithmetic (a division by a fact)", e.span)
            return _real(a) / b
        raise _Opaque(f"the operator {op}")

    def member(self, a, b, e: ir.Binary):
        t = e.left.type
        if isinstance(b, SymList):
            return (
                z3.Or(
                    *[
                        z3.And(b.present(i), _compare(self.lift(a, t), "=", self.lift(x, t)))
                        for i, x in enumerate(b.items)
                    ]
                )
                if b.items
                else z3.BoolVal(False)
            )
        if isinstance(b, dict):  # a set conclusion of enum members
            if isinstance(a, str):
                return b[a]
            return z3.Or(*[z3.And(a == i, b[m]) for i, m in enumerate(t.members)])
        if isinstance(b, (tuple, list, frozenset)):
            if not b:
                return z3.BoolVal(False)
            return z3.Or(*[_compare(self.lift(a, t), "=", self.lift(x, t)) for x in b])
        raise _Opaque("membership in a value the prover does not hold")

    def enum_set_equal(self, a, b, op, e):
        raise _Opaque("a set of members compared as a whole")

    def concrete(self, e: ir.Binary, a, b) -> Any:
        """Known operands: the engine's own meaning (as ``analysis.symbolic`` has it)."""
        op = e.op
        if isinstance(a, SymList) or isinstance(b, SymList) or isinstance(b, dict):
            return self.member(a, b, e)
        if op == "in":
            return a in b
        if e.scale is not None:
            a, b = e.scale.rank[a], e.scale.rank[b]
        lt, rt = e.left.type, e.right.type
        if lt.kind == "duration" and rt.kind == "duration" and op in _CMP:
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

    # ------------------------------------------------------------------ functions
    def call(self, e: ir.CallFunc, args: list) -> Any:
        if not any(_symbolic(a) for a in args):
            from ..codegen import _call

            return _call(self.rb.functions[e.name].impl, e.span, e.name, tuple(args))
        name = e.name
        if not _builtin(self.rb.functions[e.name].impl):
            raise _Opaque(f"the plugin function {name}()")
        if name not in BUILTINS:
            raise _Opaque(f"the function {name}() of a fact (calendar arithmetic)")
        t = e.type
        if name in ("min", "max"):
            items = [self.lift(a, e.args[i].type) for i, a in enumerate(args)]
            best = items[0]
            for item in items[1:]:
                best = z3.If(item < best if name == "min" else item > best, item, best)
            return best
        if name == "abs":
            (x,) = args
            return z3.If(x < 0, -x, x)
        if name == "floor":
            return z3.ToInt(_real(args[0]))
        if name == "ceil":
            return -z3.ToInt(-_real(args[0]))
        if name == "round":
            x, places = args
            if _symbolic(places):
                raise _Opaque("rounding to a varied number of places")
            scale = 10**places
            x = _real(x)
            magnitude = z3.ToInt(z3.If(x < 0, -x, x) * scale + z3.Q(1, 2))
            whole = z3.If(x < 0, -magnitude, magnitude)
            return z3.ToReal(whole) / scale if places else whole
        if name == "days_between":
            a, b = (self.lift(v, e.args[i].type) for i, v in enumerate(args))
            return b - a
        if name == "size":
            (xs,) = args
            if isinstance(xs, SymList):
                return z3.Sum(*[z3.If(xs.present(i), 1, 0) for i in range(len(xs.items))])
        del t
        raise _Opaque(f"{name}() of a value the prover does not hold")

    # ------------------------------------------------------------------ aggregates
    def aggregate(self, e: ir.Aggregate, scope) -> Any:
        items = self.ev(e.iterable, scope)
        if isinstance(items, SymList):
            self.bounded_lists.setdefault(_root(e.iterable), e.span)
            present = [items.present(i) for i in range(len(items.items))]
            elements = items.items
        elif isinstance(items, (tuple, list)):
            present = [z3.BoolVal(True)] * len(items)
            elements = list(items)
        else:
            raise _Opaque("an aggregate over a value the prover does not hold")
        chosen, values = [], []
        # Where the engine stops inside an element is said for the elements it evaluates:
        # all of them, but for ``any`` and ``all``, which may stop early (none is claimed).
        lazy = e.func in ("any", "all")
        for here, item in zip(present, elements):
            inner = dict(scope, **{e.var: item})
            keep = here
            if e.where is not None:
                where = self.under(False if lazy else here, self.ev, e.where, inner)
                keep = z3.And(here, z3_bool(where))
            chosen.append(keep)
            if e.func == "count":
                values.append(z3.IntVal(1))
            else:
                body = self.under(False if lazy else keep, self.ev, e.body, inner)
                values.append(self.lift(body, e.body.type))
        if e.func in ("sum", "count"):
            if not values:
                return 0
            return z3.Sum(*[z3.If(k, v, _zero(v)) for k, v in zip(chosen, values)])
        if e.func == "any":
            return z3.Or(*[z3.And(k, v) for k, v in zip(chosen, values)]) if values else False
        if e.func == "all":
            return z3.And(*[z3.Implies(k, v) for k, v in zip(chosen, values)]) if values else True
        # min / max of the chosen ones; of none, the engine fails: the prover leaves it open
        if isinstance(e.type, EnumType):
            values = [self.rank_of(v, e.type) for v in values]
        best = self.fresh(e.type)
        for k, v in zip(chosen, values):
            better = v < best if e.func == "min" else v > best
            best = z3.If(z3.And(k, z3.Or(better, z3.Not(z3.Or(*_before(chosen, k))))), v, best)
        return best


class _Opaque(Exception):
    """A construct the encoding does not hold exactly (becomes *not proven*)."""


_CMP = ("=", "!=", "<", "<=", ">", ">=")


def _before(chosen: list, k) -> list:
    i = next(n for n, c in enumerate(chosen) if c is k)
    return chosen[:i] or [z3.BoolVal(False)]


def _builtin(impl) -> bool:
    """Whether a function is the language's own (``default_functions``), not a plugin's."""
    plugin = getattr(impl, "plugin", None)  # as plugin_guards wraps it
    if plugin is not None:
        return plugin == "ruleengine.default_functions"
    return getattr(impl, "__module__", None) in ("ruleengine.default_functions", "builtins")


def _root(e: ir.Expr) -> str:
    while isinstance(e, ir.Attr):
        e = e.obj
    return e.name if isinstance(e, ir.Ref) else e.text


#: A divisor or factor that depends only on this many yes/no facts is split into cases.
MAX_CASE_FACTS = 4


def _cases(term: Any) -> list[tuple[Any, Fraction]] | None:
    """The values ``term`` takes, each with its condition, where it depends on a few yes/no
    facts only (``if in_duty then 1/2 else 1``); else None."""
    if not isinstance(term, z3.ExprRef):
        return [(z3.BoolVal(True), Fraction(term))]
    free: dict[str, Any] = {}
    stack, seen = [term], set()
    while stack:
        x = stack.pop()
        if x.get_id() in seen:
            continue
        seen.add(x.get_id())
        if z3.is_const(x) and x.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            if not z3.is_bool(x) or len(free) >= MAX_CASE_FACTS:
                return None
            free[str(x)] = x
        stack.extend(x.children())
    out = []
    names = list(free.values())
    for bits in range(2 ** len(names)):
        pairs = [(v, z3.BoolVal(bool(bits >> i & 1))) for i, v in enumerate(names)]
        value = z3.simplify(z3.substitute(term, *pairs) if pairs else term)
        if not (z3.is_int_value(value) or z3.is_rational_value(value)):
            return None
        cond = z3.And(*[v == b for v, b in pairs]) if pairs else z3.BoolVal(True)
        out.append((cond, _fraction(value)))
    return out


def _by_cases(cases: list, make) -> Any:
    result = make(cases[-1][1])
    for cond, value in reversed(cases[:-1]):
        result = z3.If(cond, make(value), result)
    return result


def _num(value) -> Any:
    value = Fraction(value)
    return z3.Q(value.numerator, value.denominator)


def _symbolic(v: Any) -> bool:
    return isinstance(v, (z3.ExprRef, SymList, dict))


def _const(v: Any) -> bool:
    return not isinstance(v, z3.ExprRef) or z3.is_rational_value(v) or z3.is_int_value(v)


def _fraction(v: Any) -> Fraction:
    if isinstance(v, z3.ExprRef):
        v = z3.simplify(v)
        if z3.is_int_value(v):
            return Fraction(v.as_long())
        return Fraction(v.numerator_as_long(), v.denominator_as_long())
    return Fraction(v)


def _real(v: Any):
    if isinstance(v, z3.ArithRef) and v.is_int():
        return z3.ToReal(v)
    return v


def _zero(v):
    return z3.RealVal(0) if isinstance(v, z3.ArithRef) and v.is_real() else z3.IntVal(0)


def _compare(a, op: str, b):
    return {
        "=": lambda: a == b,
        "!=": lambda: a != b,
        "<": lambda: a < b,
        "<=": lambda: a <= b,
        ">": lambda: a > b,
        ">=": lambda: a >= b,
    }[op]()


def z3_bool(v: Any):
    return v if isinstance(v, z3.ExprRef) else z3.BoolVal(bool(v))


class _Once:
    """A term made on first use, then the same term at every use."""

    def __init__(self, make):
        self.make, self.made = make, None

    def __call__(self) -> Any:
        if self.made is None:
            self.made = self.make()
        return self.made
