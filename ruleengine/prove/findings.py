"""What ``check --prove`` finds, period by period: conflicts, dead rules and exceptions,
rules always set aside, gaps and unreachable scale values, each with a witness where a case
can show it.

Every question is one satisfiability query over the period's formulas (``encode``) with the
facts' types and bounds asserted: *can* two rules that apply together give different
values, *can* this rule's condition hold, ... A satisfiable query yields a model, which
becomes the witness case; an unsatisfiable one is the proof that no case exists. A query the
solver cannot settle within its budget is reported as not proven, never as clean.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

import attrs
import z3

from ..ir import MISSING
from ..types import EnumType
from .encode import Encoder, NotProven, Shared
from .regions import Region, gap_regions
from .witness import witness_case

#: Stable codes (docs/prove.md).
CODES = {
    "P100": "conflict",
    "P101": "dead rule",
    "P102": "dead exception",
    "P103": "rule always set aside",
    "P104": "gap",
    "P105": "unreachable scale value",
}
#: Per query, in milliseconds: a question the solver cannot answer in this time is "unknown".
QUERY_BUDGET_MS = 10_000
#: Of which the run's solver gets the first part (``_Solver.check``).
FIRST_TRY_MS = 500


@attrs.define
class Finding:
    code: str
    message: str
    #: Where: the first is the place the diagnostic points at, the others are shown under it.
    spans: list[Any]
    rules: tuple[str, ...]
    conclusion: str | None = None
    periods: list[tuple[datetime.date | None, datetime.date | None]] = attrs.Factory(list)
    #: ``{"as_of": ..., "facts": ...}``: a case that shows the finding, or None where the
    #: finding is that no case exists (then ``proof`` says why).
    witness: dict | None = None
    #: What the witness shows, checked by running it through the engine: True, or a reason.
    replayed: Any = None
    proof: str | None = None
    #: The reason given in the rule text (``may overlap ... because``), when declared.
    declared: str | None = None

    #: What each span after the first is (``rule 'b' gives another value here``).
    notes: list[str] = attrs.Factory(list)
    #: What the finding says is impossible, for findings of absence (P101, P102, P103,
    #: P105): such a finding stands only if it holds in every period.
    subject: tuple | None = None
    #: A gap's regions (P104), each with its periods and witness; ``more_regions``: the cap
    #: was reached with more left; ``regions_note``: what of the gap they do not describe.
    regions: list[Region] = attrs.Factory(list)
    more_regions: bool = False
    regions_note: str | None = None

    @property
    def key(self) -> tuple:
        if self.subject is not None:
            return self.subject
        if self.code == "P104":
            return (self.code, self.conclusion)
        return (self.code, self.rules, self.conclusion)


@attrs.define
class Report:
    rulebook: str
    findings: list[Finding]
    not_proven: list[NotProven]
    bounded_lists: dict[str, Any]
    list_bound: int
    periods: int
    #: The rulebook's input adapters, which the witnesses were replayed through.
    adapters: tuple[str, ...] = ()

    @property
    def undeclared(self) -> list[Finding]:
        return [f for f in self.findings if f.declared is None]


def prove(book, list_bound: int = 3, budget_ms: int | None = None) -> Report:
    """Every finding of every period of ``book`` (a ``CompiledRulebook``); each question to
    the solver gets ``budget_ms`` (``QUERY_BUDGET_MS`` when not given, read at the call)."""
    budget_ms = QUERY_BUDGET_MS if budget_ms is None else budget_ms
    found: dict[tuple, Finding] = {}
    not_proven: dict[tuple, NotProven] = {}
    bounded: dict[str, Any] = {}
    seen: dict[tuple, list[Finding]] = {}
    seen_regions: dict[tuple, list[Region]] = {}
    possible: set[tuple] = set()  # what some period shows can happen
    periods = _periods(book)
    proven = 0
    _Solver.asked = 0
    _Solver.deadline = time.monotonic() + MAX_SECONDS
    exhausted = False
    shared = Shared()
    for start, end, day in periods:
        if not book.epoch(day).rules:
            continue  # nothing in force (before the rulebook takes effect): nothing to prove
        proven += 1
        enc = Encoder(book, day, list_bound, shared)
        bounded.update(enc.bounded_lists)
        same = _signature(enc)
        if same in seen:  # the same rules and values as an earlier period: the same answers
            for f in seen[same]:
                f.periods.append((start, end))
            for r in seen_regions[same]:
                r.periods.append((start, end))
            continue
        here, period = [], []
        try:
            _period_findings(book, enc, budget_ms, possible, period)
        except _Exhausted:
            exhausted = True
        seen_regions[same] = []
        for f in period:
            for r in f.regions:
                r.periods.append((start, end))
                seen_regions[same].append(r)
            if f.key in found:
                known = found[f.key]
                known.periods.append((start, end))
                _merge_regions(known, f)
                if len(f.rules) > len(known.rules):  # the fuller account of the same finding
                    known.message, known.spans, known.rules = f.message, f.spans, f.rules
                    known.notes = f.notes
                here.append(known)
            else:
                f.periods.append((start, end))
                found[f.key] = f
                here.append(f)
        not_proven.update(enc.not_proven)  # the encoding's, and questions left open
        seen[same] = here
        if exhausted:
            break
    # A rule that can fire in one period is not dead because it cannot in another (where the
    # rules it builds on are not yet in force): absence is reported only where it always holds.
    kept = [f for f in found.values() if f.subject is None or f.subject not in possible]
    if exhausted:  # absence cannot be claimed where not everything was asked
        kept = [f for f in kept if f.subject is None]
        stop = NotProven(
            f"the rest of the rulebook: not asked, after {_Solver.asked} questions to the "
            f"solver (at most {MAX_QUERIES}, or {MAX_SECONDS:.0f} s); findings of absence "
            "(P101-P103, P105) are not reported",
            None,
        )
        not_proven[("budget", "")] = stop
    kept.sort(key=lambda f: (f.spans[0].file, f.spans[0].line, f.spans[0].column, f.code))
    return Report(
        book.rulebook.name,
        kept,
        list(not_proven.values()),
        bounded,
        list_bound,
        proven,
    )


def _merge_regions(known: Finding, new: Finding) -> None:
    """A gap found again in another period: the regions said alike are one, with both
    periods; the others are added."""
    by_text = {r.text: r for r in known.regions if r.text}
    for r in new.regions:
        if r.text and r.text in by_text:
            by_text[r.text].periods += r.periods
        else:
            known.regions.append(r)
    known.more_regions = known.more_regions or new.more_regions
    known.regions_note = known.regions_note or new.regions_note


def _periods(book) -> list[tuple[datetime.date | None, datetime.date | None, datetime.date]]:
    """Each period in which the rulebook is constant, with a day inside it to judge on."""
    changes = book.changes
    if not changes:
        return [(None, None, datetime.date.today())]
    out = []
    if changes[0] > datetime.date.min:  # a value from 0001-01-01 leaves no day before it
        out.append((None, changes[0], changes[0] - datetime.timedelta(days=1)))
    for i, start in enumerate(changes):
        out.append((start, changes[i + 1] if i + 1 < len(changes) else None, start))
    return out


def _signature(enc: Encoder) -> tuple:
    params = tuple(sorted((k, repr(v)) for k, v in enc.epoch.parameters.items()))
    return (tuple(enc.epoch.rules), params)


#: Questions asked of the solver for one rulebook, at most, and seconds spent asking: a
#: rulebook of thousands of rules deciding one conclusion has millions of pairs; past either
#: bound, what is left is not proven. (ccdi asks about 1,200 questions, pi2017 about 110.)
MAX_QUERIES = 20_000
MAX_SECONDS = 120.0


class _Exhausted(Exception):
    """The rulebook's budget of questions is spent."""


class _Solver:
    asked = 0  # per prove() run, reset there
    deadline = 0.0

    def __init__(self, enc: Encoder, budget_ms: int):
        self.s = z3.Solver()
        self.budget_ms = budget_ms
        self.first_ms = min(FIRST_TRY_MS, budget_ms)
        self.s.set("timeout", self.first_ms)
        self.s.add(*enc.bounds, enc.evaluable)
        self.enc = enc

    @staticmethod
    def ask() -> None:
        """One more question against the run's budget (``_Exhausted`` past it)."""
        if _Solver.asked >= MAX_QUERIES or time.monotonic() > _Solver.deadline:
            raise _Exhausted
        _Solver.asked += 1

    def check(self, *facts) -> tuple[str, Any]:
        """``sat`` with a model, ``unsat``, or ``unknown`` (the budget ran out).

        Asked first of the run's solver, which keeps what it learnt between questions (most
        are settled in milliseconds); one it does not settle at once is asked again of a
        fresh solver, which simplifies the whole question first: a question about a date
        moved by years took the first 3 s and the second 0.15 s."""
        self.ask()
        solver = self.s
        result = solver.check(*facts)
        if result == z3.unknown and self.budget_ms > self.first_ms:
            solver = z3.Solver()
            solver.set("timeout", self.budget_ms - self.first_ms)
            solver.add(*self.s.assertions(), *facts)
            result = solver.check()
        if result == z3.sat:
            return "sat", solver.model()
        return ("unsat" if result == z3.unsat else "unknown"), None


def _period_findings(book, enc: Encoder, budget_ms: int, possible: set, out: list) -> None:
    """Adds the period's findings to ``out`` (so that those found stay found when the
    budget of questions runs out midway: ``_Exhausted``)."""
    rb = book.rulebook
    solver = _Solver(enc, budget_ms)
    in_force = [n for n in rb.rules if n in enc.fired]  # file order
    alive: dict[str, bool] = {}

    def unknown(what: str, span) -> None:
        enc.unproven(f"the solver could not decide {what} in {budget_ms // 1000} s", span)

    for name in in_force:
        rule = rb.rules[name]
        result, model = solver.check(enc.fired[name])
        alive[name] = result != "unsat"
        if result == "sat":
            possible.add(("P101", name))
        if result == "unsat":
            out.append(
                Finding(
                    "P101",
                    f"rule '{name}' can never fire: "
                    + (
                        "its condition cannot hold for any facts of the declared types and bounds"
                        if rule.when is not None
                        else "no facts of the declared types and bounds let the engine apply it"
                    ),
                    [rule.when.span if rule.when is not None else rule.span],
                    (name,),
                    proof=_core(solver, rule, enc),
                    subject=("P101", name),
                )
            )
            continue
        if result == "unknown":
            unknown(f"whether '{name}' can fire", rule.span)
            continue
        blockers = [o for o in enc.epoch.overriders.get(name, []) if o in enc.applies]
        if not blockers:
            continue
        result, _ = solver.check(enc.applies[name])
        if result == "unknown":
            unknown(f"whether '{name}' is ever left standing by its exceptions", rule.span)
        if result == "sat":
            possible.add(("P103", name))
        if result == "unsat":
            out.append(
                Finding(
                    "P103",
                    f"rule '{name}' is set aside in every case where it fires (by "
                    f"{', '.join(blockers)})",
                    [rule.span] + [rb.rules[o].span for o in blockers],
                    (name, *blockers),
                    witness=_case(book, enc, model),
                    subject=("P103", name),
                    notes=[f"rule '{o}' sets it aside" for o in blockers],
                )
            )
    # exceptions that never apply while their target fires
    for name in in_force:
        for target in rb.rules[name].overrides:
            if target not in enc.fired or not alive.get(name) or not alive.get(target):
                continue
            result, _ = solver.check(enc.applies[name], enc.fired[target])
            if result == "sat":
                possible.add(("P102", name, target))
            if result == "unsat":
                _, model = solver.check(enc.fired[target])
                out.append(
                    Finding(
                        "P102",
                        f"rule '{name}' overrides '{target}' but can never apply while "
                        f"'{target}' fires",
                        [rb.rules[name].span, rb.rules[target].span],
                        (name, target),
                        witness=_case(book, enc, model),
                        subject=("P102", name, target),
                        notes=[f"the rule it overrides, '{target}'"],
                    )
                )
            elif result == "unknown":
                unknown(f"whether '{name}' can set aside '{target}'", rb.rules[name].span)
    # conflicts on single-valued conclusions
    for conclusion, claims in enc.claims.items():
        c = rb.conclusions[conclusion]
        if c.kind != "value":
            continue
        for i, (r1, a1, v1) in enumerate(claims):
            for r2, a2, v2 in claims[i + 1 :]:
                if r1 == r2 or not (alive.get(r1) and alive.get(r2)):
                    continue
                differ = enc.differ(v1, v2, c.type, a1.span)
                if differ is None or z3.is_false(differ):
                    continue  # not encodable (said), or the same value: no conflict
                stands = enc.standing.get(conclusion, z3.BoolVal(True))  # a lighter block's
                result, model = solver.check(enc.applies[r1], enc.applies[r2], differ, stands)
                if result == "unknown":
                    unknown(f"whether '{r1}' and '{r2}' conflict", a1.span)
                if result != "sat":
                    continue
                reason = rb.rules[r1].overlaps.get(r2) or rb.rules[r2].overlaps.get(r1)
                out.append(
                    Finding(
                        "P100",
                        f"rules '{r1}' and '{r2}' can both apply and give '{conclusion}' "
                        "different values",
                        [a1.span, a2.span],
                        (r1, r2),
                        conclusion,
                        witness=_case(book, enc, model),
                        declared=reason[0].get("en") if reason else None,
                        notes=[f"rule '{r2}' gives another value here"],
                    )
                )
    # gaps of conclusions declared always decided
    for name, c in rb.conclusions.items():
        if not c.always_decided:
            continue
        deciders = [r for r, _, _ in enc.claims.get(name, [])]
        result, model = solver.check(enc.undecided[name])
        if result == "sat":
            gap = gap_regions(book, enc, name, model, _Solver.ask, budget_ms)
            out.append(
                Finding(
                    "P104",
                    f"'{name}' must always be decided, but no rule decides it for some facts"
                    + (
                        f" (rules that decide it: {', '.join(deciders)})"
                        if deciders
                        else " (no rule in force decides it)"
                    ),
                    [c.span],
                    tuple(deciders),
                    name,
                    witness=gap.regions[0].witness,
                    regions=gap.regions,
                    more_regions=gap.more,
                    regions_note=gap.undescribed,
                )
            )
        elif result == "unknown":
            unknown(f"whether '{name}' is always decided", c.span)
    # scale values that rules give to a highest conclusion but no case reaches (shadowed)
    for name, c in rb.conclusions.items():
        if c.kind != "highest" or not isinstance(c.type, EnumType) or name not in enc.conclusions:
            continue
        term = enc.conclusions[name]
        low = c.type.rank[c.default] if c.default is not MISSING else 0
        for member in c.type.members[low + 1 :]:
            givers = [(r, a) for r, a, _ in enc.claims.get(name, []) if member in _members(a.value)]
            if not givers:
                continue  # a member no rule writes here is not used, not shadowed
            result, _ = solver.check(term == c.type.rank[member])
            if result == "unknown":
                unknown(f"whether '{name}' can be '{member}'", c.span)
            if result == "sat":
                possible.add(("P105", name, member))
            elif result == "unsat":
                out.append(
                    Finding(
                        "P105",
                        f"'{name}' can never be '{member}': no case reaches it, though "
                        f"{', '.join(repr(r) for r, _ in givers)} give"
                        f"{'s' if len(givers) == 1 else ''} it",
                        [c.span] + [a.span for _, a in givers[:2]],
                        tuple(r for r, _ in givers),
                        name,
                        subject=("P105", name, member),
                        notes=[f"rule '{r}' gives it" for r, _ in givers[:2]],
                    )
                )


def _core(solver: _Solver, rule, enc: Encoder) -> str | None:
    """Why a condition cannot hold: the smallest set of its parts that contradict each other
    (with the facts' bounds), quoted from the rule text."""
    from .. import ir

    parts: list = []

    def split(e):
        if isinstance(e, ir.Binary) and e.op == "and":
            split(e.left)
            split(e.right)
        else:
            parts.append(e)

    if rule.when is not None:  # a rule with no condition: only the engine's stops are left
        split(rule.when)
    s = z3.Solver()
    s.set("timeout", QUERY_BUDGET_MS)
    s.add(*enc.bounds)
    evaluable = z3.Bool("#evaluable")
    s.add(z3.Implies(evaluable, enc.evaluable))
    marks = [evaluable]
    for i, part in enumerate(parts):
        mark = z3.Bool(f"#part{i}")
        s.add(z3.Implies(mark, _bool(enc.quiet(part))))
        marks.append(mark)
    if s.check(*marks) != z3.unsat:
        return None
    core = {str(m) for m in s.unsat_core()}
    quoted = [f"'{p.text}'" for i, p in enumerate(parts) if f"#part{i}" in core]
    reads = " or ".join(f"'{text}'" for text in enc.stops)
    if "#evaluable" not in core:
        if not quoted:
            return "the facts' types and bounds alone exclude it"
        return "these cannot all hold: " + " and ".join(quoted)
    # the engine stops, instead of deciding, on the cases that would fire it
    if not quoted:
        return f"the engine stops on every case that meets it: {reads} cannot be read there"
    return (
        f"these cannot all hold where the engine decides the case (it stops where {reads} "
        "cannot be read): " + " and ".join(quoted)
    )


def _members(e) -> set:
    """The constants an expression is written with (the scale members it can give)."""
    from .. import ir

    found: set = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, ir.Const) and isinstance(x.value, str):
            found.add(x.value)
        elif isinstance(x, ir.Expr):
            stack.extend(v for v in attrs.astuple(x, recurse=False) if isinstance(v, ir.Expr))
    return found


def _bool(v):
    return v if isinstance(v, z3.ExprRef) else z3.BoolVal(bool(v))


def _case(book, enc: Encoder, model) -> dict | None:
    return witness_case(book, enc, model) if model is not None else None
