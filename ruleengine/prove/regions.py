"""A gap (P104) as the regions of the facts where no rule decides the conclusion, each said in
the rule text's own terms and each with a witness case.

From a case in the gap, the region is the conjunction of the tests the relevant rules are
written with (their comparisons, member tests and yes/no facts, and for a conclusion a
``lighter`` block decides, the act date against each version's first day), each with the
truth value it takes in that case. The solver then shrinks it: a test is dropped while what
is left still implies that no rule decides the conclusion, for facts of the declared types
and bounds that the engine decides. The region is blocked and the next one searched for, up
to ``MAX_REGIONS``.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import attrs
import z3

from .. import ir
from ..render.explanation import _OPS, _describe_side, show_value
from ..types import EnumType
from .encode import Encoder
from .witness import witness_case

#: Regions listed per gap and period, at most; the report says when there may be more.
MAX_REGIONS = 10

_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}
_LOWER = (">", ">=")
_UPPER = ("<", "<=")


@attrs.define
class Test:
    """One test the rules are written with: ``left op right`` with a known ``right`` where it
    has one (``op`` None: a yes/no fact or a test said as written), and its formula."""

    text: str
    term: Any
    left: ir.Expr | None = None
    op: str | None = None
    right: Any = None
    type: Any = None  # the type ``right`` is shown in


@attrs.define
class Region:
    #: The tests, each with the truth value it takes throughout the region.
    literals: list[tuple[Test, bool]]
    text: str
    witness: dict | None = None
    periods: list[tuple[datetime.date | None, datetime.date | None]] = attrs.Factory(list)
    replayed: Any = None


@attrs.define
class Gap:
    """The regions of a gap found in one period; ``more``: the cap was reached with more
    left; ``undescribed``: what of the gap the rules' tests could not describe."""

    regions: list[Region]
    more: bool = False
    undescribed: str | None = None


def gap_regions(book, enc: Encoder, conclusion: str, model, ask, budget_ms: int) -> Gap:
    """The regions where ``conclusion`` is not decided in ``enc``'s period, starting from
    ``model`` (a case in the gap). ``ask()`` counts a question against the run's budget."""
    rb = book.rulebook
    tests = _tests(enc, conclusion)
    gap = enc.undecided[conclusion]
    search = z3.Solver()
    search.set("timeout", budget_ms)
    search.add(*enc.bounds, enc.evaluable, gap)
    implies = z3.Solver()  # a conjunction implies the gap: with the gap's negation, unsat
    implies.set("timeout", budget_ms)
    implies.add(*enc.bounds, enc.evaluable, z3.Not(gap))
    marks: dict[tuple[int, bool], Any] = {}
    for i, t in enumerate(tests):
        for value in (True, False):
            mark = marks[i, value] = z3.Bool(f"#test{i}{'+' if value else '-'}")
            implies.add(z3.Implies(mark, t.term if value else z3.Not(t.term)))
    out = Gap([])
    while model is not None:
        values = [z3.is_true(model.eval(t.term, model_completion=True)) for t in tests]
        held = [marks[i, v] for i, v in enumerate(values)]
        ask()
        result = implies.check(*held)
        if result != z3.unsat:
            out.undescribed = (
                "the rest of the gap depends on more than the tests its rules are written "
                "with (a conclusion another rule reads, a value computed); its witness is a "
                "case of it"
                if result == z3.sat
                else f"the solver could not settle the rest of the gap in {budget_ms // 1000} s;"
                " its witness is a case of it"
            )
            out.regions.append(Region([], "", witness_case(book, enc, model)))
            return out
        chosen = list(range(len(tests)))
        for i in _strongest_first(tests, values):  # drop each while the rest implies the gap
            rest = [held[j] for j in chosen if j != i]
            ask()
            if implies.check(*rest) == z3.unsat:
                chosen.remove(i)
        literals = [(tests[i], values[i]) for i in chosen]
        region = Region(literals, describe(rb, literals), witness_case(book, enc, model))
        out.regions.append(region)
        inside = z3.And(*[t.term if v else z3.Not(t.term) for t, v in literals])
        search.add(z3.Not(inside))
        ask()
        result = search.check()
        if result != z3.sat:
            if result == z3.unknown:
                out.undescribed = "the solver could not tell whether more regions remain"
            return out
        if len(out.regions) >= MAX_REGIONS:
            out.more = True
            return out
        model = search.model()
    return out


def _strongest_first(tests: list[Test], values: list[bool]) -> list[int]:
    """The order to try dropping tests in: of two bounds on one fact, the stronger first
    (``items >= 80`` before ``items >= 50``), so that the weaker one stays where it is enough
    and the region is the widest the tests can say."""

    def strength(i: int) -> Any:
        t = tests[i]
        right = t.right.toordinal() if isinstance(t.right, datetime.date) else t.right
        numeric = isinstance(right, (int, Fraction)) and not isinstance(right, bool)
        if t.op not in _NEGATED or not numeric:
            return 0
        op = t.op if values[i] else _NEGATED[t.op]
        return -right if op in _LOWER else right if op in _UPPER else 0

    return sorted(range(len(tests)), key=strength)


# ------------------------------------------------------------------ the rules' tests
def _tests(enc: Encoder, conclusion: str) -> list[Test]:
    """The tests of the rules that decide ``conclusion`` and of the exceptions to them, in
    file order; for a conclusion a lighter block decides, also the act date against each
    version's first day, and the tests of the rules that decide it and the conclusions the
    block compares, under this version and each earlier one."""
    rb = enc.rb
    out: list[Test] = []
    seen: set[int] = set()

    def add(t: Test) -> None:
        key = t.term.get_id()
        if key not in seen and not (z3.is_true(t.term) or z3.is_false(t.term)):
            seen.add(key)
            out.append(t)

    def rules_of(e: Encoder, conclusion: str) -> None:
        wanted = {r for r, _, _ in e.claims.get(conclusion, [])}
        more = list(wanted)
        while more:  # the exceptions that set them aside, and theirs
            for o in e.epoch.overriders.get(more.pop(), []):
                if o not in wanted and o in e.applies:
                    wanted.add(o)
                    more.append(o)
        for name, rule in rb.rules.items():
            if name in wanted and rule.when is not None:
                _walk(e, rule.when, add, set())

    rules_of(enc, conclusion)
    for block in rb.lighters.values():
        if conclusion not in block.decides or block.name not in enc.versions:
            continue
        act = enc.lift(enc.quiet(block.act_date), block.act_date.type)
        param = rb.parameters[block.versions]
        for since, _ in param.values:
            if since.toordinal() > enc.day.toordinal():
                break
            add(Test(f"{block.act_date.text} < {since}", act < since.toordinal(),
                     block.act_date, "<", since, block.act_date.type))  # fmt: skip
        for e in [enc] + [then for _, _, then in enc.versions[block.name]]:
            for c in (conclusion, *block.compare):  # which version applies, and its rules
                rules_of(e, c)
    return out


def _walk(enc: Encoder, e: ir.Expr, add, defining: set) -> None:
    """The elementary tests of a condition: through ``and``, ``or``, ``not``, a yes/no
    choice, and a yes/no definition without arguments."""
    if isinstance(e, ir.Binary) and e.op in ("and", "or"):
        _walk(enc, e.left, add, defining)
        _walk(enc, e.right, add, defining)
    elif isinstance(e, ir.Unary) and e.op == "not":
        _walk(enc, e.operand, add, defining)
    elif isinstance(e, ir.If) and e.type.kind == "bool":
        for part in (e.cond, e.then, e.otherwise):
            _walk(enc, part, add, defining)
    elif isinstance(e, ir.Ref) and e.kind == "define" and e.name not in defining:
        _walk(enc, enc.rb.definitions[e.name].body, add, defining | {e.name})
    elif not isinstance(e, ir.Const):
        term = enc.quiet(e)
        if isinstance(term, z3.ExprRef) and z3.is_bool(term):
            add(_test(enc, e, term))


def _test(enc: Encoder, e: ir.Expr, term) -> Test:
    if isinstance(e, ir.Binary) and e.op in _NEGATED:
        left, right, op = e.left, e.right, e.op
        known = enc.quiet(right)
        if _known(known):
            return Test(e.text, term, left, op, known, left.type)
        known = enc.quiet(left)
        if _known(known):  # 5 < x reads x > 5
            flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
            return Test(e.text, term, right, flipped, known, right.type)
    if isinstance(e, ir.Binary) and e.op == "in":
        known = enc.quiet(e.right)
        if isinstance(known, (tuple, list, frozenset)) and all(_known(k) for k in known):
            return Test(e.text, term, e.left, "in", tuple(known), e.left.type)
    if isinstance(e, ir.Ref):
        return Test(e.text, term, e)
    return Test(e.text, term)


def _known(v: Any) -> bool:
    return not isinstance(v, (z3.ExprRef, dict, tuple, list, set, frozenset)) and not hasattr(
        v, "items"
    )


# ------------------------------------------------------------------ in the rule text's terms
def describe(rb, literals: list[tuple[Test, bool]]) -> str:
    """The region as a lawyer reads it, in the explanation's words (English, as the rest of
    the report): each fact by its label, members by their labels, money with its currency,
    dates as dates, exact numbers; bounds on one fact as one range (``10 ≤ items < 20``)."""
    lang = "en"
    if not literals:
        return "any facts"
    groups: dict[tuple, list[tuple[Test, bool]]] = {}  # the tests said together
    for t, v in literals:
        groups.setdefault(_kind(t), []).append((t, v))
    parts = []
    for (kind, _), group in groups.items():
        if kind == "plain":
            parts.extend(_plain(rb, t, v, lang) for t, v in group)
        elif kind == "members":
            parts.append(_members(rb, group, lang))
        else:
            parts.append(_bounds(rb, group, lang))
    return " and ".join(parts)


def _kind(t: Test) -> tuple:
    """How a test is said, and with which others: member tests on one fact as the members
    it may be, bounds on one fact as a range, the others one by one."""
    if t.left is None or t.op is None or isinstance(t.right, bool):
        return ("plain", id(t))
    if isinstance(t.type, EnumType) and t.op in ("=", "!=", "in"):
        return ("members", t.left.text)
    if t.op == "in":
        return ("plain", id(t))
    return ("bounds", t.left.text)


def _name(rb, e: ir.Expr, lang: str) -> str:
    """A side of a test by its label, as the explanation names it."""
    if isinstance(e, ir.Ref) and e.kind in ("input", "define", "conclusion"):
        return _describe_side(
            rb,
            e.name if e.kind == "input" else None,
            e.text,
            lang,
            e.name if e.kind == "define" else None,
            e.name if e.kind == "conclusion" else None,
        )
    return e.text


def _plain(rb, t: Test, value: bool, lang: str) -> str:
    if isinstance(t.right, bool) and t.op in ("=", "!="):  # "fact = false" reads "fact: no"
        value = t.right if (t.op == "=") == value else not t.right
    if t.op == "in":  # a list of numbers, texts or dates
        listed = "; ".join(show_value(x, t.type, lang) for x in t.right)
        return f"{_name(rb, t.left, lang)} is {'one' if value else 'none'} of: {listed}"
    if t.left is not None and t.left.type.kind == "bool":
        return f"{_name(rb, t.left, lang)}: {show_value(value, None, lang)}"
    return t.text if value else f"not ({t.text})"


def _members(rb, group: list[tuple[Test, bool]], lang: str) -> str:
    t = group[0][0]
    allowed = list(t.type.members)
    for x, v in group:
        named = set(x.right) if x.op == "in" else {x.right}
        inside = v if x.op in ("=", "in") else not v
        allowed = [m for m in allowed if (m in named) == inside]
    shown = "; ".join(show_value(m, t.type, lang) for m in allowed)  # labels may hold commas
    what = _name(rb, t.left, lang)
    if len(allowed) == 1:
        return f"{what} is {shown}"
    excluded = [m for m in t.type.members if m not in allowed]
    if len(excluded) == 1:
        return f"{what} is not {show_value(excluded[0], t.type, lang)}"
    if len(excluded) < len(allowed):
        return f"{what} is none of: " + "; ".join(show_value(m, t.type, lang) for m in excluded)
    return f"{what} is one of: {shown}"


def _bounds(rb, group: list[tuple[Test, bool]], lang: str) -> str:
    t = group[0][0]
    what = _name(rb, t.left, lang)
    ops = [(x.op if v else _NEGATED[x.op], x.right) for x, v in group]
    lower = [(op, r) for op, r in ops if op in _LOWER]
    upper = [(op, r) for op, r in ops if op in _UPPER]
    others = [(op, r) for op, r in ops if op not in _LOWER + _UPPER]
    parts = []
    if len(lower) == 1 and len(upper) == 1:
        (lo, low), (hi, high) = lower[0], upper[0]
        mirrored = {">": "<", ">=": "≤"}[lo]
        parts.append(
            f"{_show(low, t.type, lang)} {mirrored} {what} {_OPS[hi]} {_show(high, t.type, lang)}"
        )
    else:
        others = lower + upper + others
    parts += [f"{what} {_OPS[op]} {_show(r, t.type, lang)}" for op, r in others]
    return " and ".join(parts)


def _show(value: Any, t: Any, lang: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and t is not None:
        if t.kind == "date":
            return show_value(datetime.date.fromordinal(value), t, lang)
    return show_value(value, t, lang)
