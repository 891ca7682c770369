"""What would change the outcome: breakpoints along a fact, verified changes up and down, and
what facts not yet known could still decide.

Three questions, each answered from the regions of the varied facts (``regions.explore``) and
each answer re-evaluated by the engine's own fast path (``book.decide``) before it is
returned: a breakpoint is checked at its value and one unit below, a change is applied to the
case and decided again. Anything that does not verify is left out, never shown.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs

from ..ir import FieldSpec
from ..runtime import Unset
from ..stopping import check
from ..types import EnumType, ListType, RecordType
from .adapted import base, record_field
from .linear import Constraint, Lin, NotLinear, witness
from .regions import (
    MAX_REGIONS,
    Exploration,
    Region,
    Variable,
    explore,
    field_spec,
    get,
    put,
    variable,
)

#: A fallback search (for a condition not linear in the fact) samples this many points.
SEARCH_POINTS = 256
#: How far a bounded search of a date without ends reaches each side of the case's date.
DATE_REACH = 36_525  # a hundred years of days
#: Why a fact of the record an input adapter reads (pi2017's acts) is searched, not computed.
THROUGH_ADAPTER = "read into the rulebook's facts by its input adapter, which is not rule text"
#: Changes of up to this many facts at once are searched for.
MAX_FACTS_CHANGED = 2
#: A search for changes (``explain --whatif``) or for what unknown facts decide spends at
#: most this many decisions (each a region evaluated or a changed case decided; one of a case
#: with n records in its lists counts n), each fact alone first, then pairs; past it, the
#: answer says it stopped. A plane of two numbers has at most PLANE_REGIONS regions.
DECISIONS = 20000
PLANE_REGIONS = 200
#: At most this many alternatives are kept for each value a conclusion could move to.
ALTERNATIVES = 3
#: Finite facts (booleans, members) whose combinations are enumerated for unknown facts.
MAX_COMBINATIONS = 256


# ------------------------------------------------------------------ naming facts
#: A fact's path: names, each list of records followed by an index (``acts[2].amount``).
_PATH = re.compile(r"[A-Za-z_]\w*(\[\d{1,9}\])*(\.[A-Za-z_]\w*(\[\d{1,9}\])*)*")


def parse_path(text: str) -> tuple[str | int, ...]:
    """``acts[2].amount`` -> ``("acts", 2, "amount")``; an index is a whole number from 0."""
    if not _PATH.fullmatch(text):
        raise ValueError(f"'{_short(text)}' does not name a fact")
    out: list[str | int] = []
    for part in text.replace("]", "").split("."):
        name, *indices = part.split("[")
        out.append(name)
        out.extend(int(i) for i in indices)
    return tuple(out)


def _short(text: str, limit: int = 60) -> str:
    """A user's text in a message, cut to ``limit`` characters."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_present(rulebook, facts: dict, path: Sequence[str | int]) -> None:
    """A :class:`RequestError` unless ``path`` names a value the case has: ``acts[5].amount``
    of a case with one act says so."""
    value: Any = facts
    for i, step in enumerate(path):
        if isinstance(step, int):
            items = value if isinstance(value, (list, tuple)) else ()
            if step >= len(items):
                where = show_path(path[:i])
                n = len(items)
                have = {0: "no items", 1: f"1 item ({where}[0])"}.get(
                    n, f"{n} items ({where}[0] to {where}[{n - 1}])"
                )
                have_zh = {0: "没有任何项", 1: f"只有 1 项（{where}[0]）"}.get(
                    n, f"有 {n} 项（{where}[0] 至 {where}[{n - 1}]）"
                )
                raise RequestError(
                    f"{show_path(path)}: the case has {have} in {where}",
                    f"{show_path(path)}：本案的 {where} {have_zh}",
                )
            value = items[step]
        else:
            if not isinstance(value, dict) or step not in value:
                raise RequestError(
                    f"{show_path(path)}: the case gives no {show_path(path[: i + 1])}",
                    f"{show_path(path)}：本案没有给出 {show_path(path[: i + 1])}",
                )
            value = value[step]


def show_path(path: Sequence[str | int]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _decide(book, facts: dict, as_of):
    """A decision of a changed case; a request answered "took too long" ends here
    (ruleengine.stopping)."""
    check()
    return book.decide(facts, as_of)


def _decided(book, facts: dict, as_of) -> dict[str, Any]:
    return dict(_decide(book, facts, as_of).conclusions)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Unset) or isinstance(b, Unset):
        return (
            isinstance(a, Unset)
            and isinstance(b, Unset)
            and (a.why.startswith("is in conflict") == b.why.startswith("is in conflict"))
        )
    return a == b


# ------------------------------------------------------------------ breakpoints
@attrs.frozen
class Segment:
    """Values of one varied fact, from ``low`` to ``high`` (``None``: without end), over
    which every conclusion stays the same; ``conclusions`` may hold a :class:`Lin` where a
    value follows the fact linearly."""

    low: Any
    high: Any
    conclusions: tuple[tuple[str, Any], ...]
    applied: frozenset[str]
    error: str | None = None


@attrs.frozen
class Breakpoint:
    """Where the outcome changes: from ``value`` on (``below`` is one unit less)."""

    value: Any
    below: Any
    changes: tuple[tuple[str, Any, Any], ...]  # (conclusion, before, after)
    starts: tuple[str, ...]  # rules that apply from here on
    stops: tuple[str, ...]  # rules that no longer apply


@attrs.frozen
class Breakpoints:
    variables: tuple[Variable, ...]
    segments: tuple[Segment, ...]  # one varied fact: in order
    breakpoints: tuple[Breakpoint, ...]
    regions: tuple[Region, ...]  # two varied facts: the regions of the plane
    method: str  # "exact" (computed), "search" (a bounded search) or "not_linear" (a plane)
    complete: bool
    not_linear: str | None = None

    @property
    def outcomes(self) -> list[tuple[tuple, str | None]]:
        """``(conclusions, error)`` of every segment or region."""
        out = [(s.conclusions, s.error) for s in self.segments]
        return out + [(r.outcome.conclusions, r.outcome.error) for r in self.regions]

    @property
    def fails(self) -> bool:
        """Whether the case cannot be evaluated anywhere in the range (explain's exit 5)."""
        outcomes = self.outcomes
        return bool(outcomes) and all(error for _, error in outcomes)

    @property
    def conflicts(self) -> bool:
        """Whether rules conflict somewhere in the range (eval's exit 1)."""
        return any(
            isinstance(v, Unset) and v.why.startswith("is in conflict")
            for conclusions, _ in self.outcomes
            for _, v in conclusions
        )


def breakpoints(
    book,
    facts: dict,
    as_of: datetime.date | None,
    vary: Sequence[tuple[str, Any, Any]],
) -> Breakpoints:
    """Every value of the varied facts at which a conclusion changes, with the other facts as
    they are. ``facts`` are typed (``book.validate``); ``vary`` is ``[(path, low, high)]``,
    one or two facts, ``low``/``high`` ``None`` for the field's own bounds."""
    rb = book.rulebook
    variables = []
    for path_text, low, high in vary:
        path = parse_path(path_text)
        check_present(rb, facts, path)
        variables.append(variable(facts, path, field_spec(rb, path), low, high))
    through = [v for v in variables if record_field(book, v.path)]
    if through:
        if len(variables) != 1:
            raise RequestError(
                f"--vary {through[0].name}: a fact of the record its input adapter reads is "
                "varied alone",
                f"--vary {through[0].name}：输入适配器读取的记录字段只能单独变化",
            )
        return _searched(book, facts, as_of, variables[0], THROUGH_ADAPTER)
    found = explore(base(book), facts, variables, as_of)
    if found.not_linear is not None:
        if len(variables) != 1:  # a plane is not searched: said, not shown as regions
            return Breakpoints(
                tuple(variables), (), (), (), "not_linear", False, found.not_linear.what
            )
        return _searched(book, facts, as_of, variables[0], found.not_linear.what)
    if len(variables) == 2:
        regions = tuple(_simplified(r, found) for r in found.regions)
        regions = tuple(sorted(regions, key=lambda r: r.point))
        return Breakpoints(tuple(variables), (), (), regions, "exact", found.complete)
    segments = _segments(found)
    points = _verified(book, facts, as_of, variables[0], segments)
    return Breakpoints(tuple(variables), segments, points, (), "exact", found.complete)


def _segments(found: Exploration) -> tuple[Segment, ...]:
    """The regions of one fact in order, neighbours with the same outcome by the same
    provisions merged: where the provisions that apply change, a new segment starts, so that
    each segment's ``applied`` is what applies at every value of it."""
    v = found.variables[0]
    pieces = []
    bottom = v.units(v.low) if v.low is not None else None
    top = v.units(v.high) if v.high is not None else None
    for r in found.regions:
        low, high = r.interval()
        low = bottom if low is None else low if bottom is None else max(low, bottom)
        high = top if high is None else high if top is None else min(high, top)
        pieces.append((low, high, r.outcome))
    pieces.sort(key=lambda p: (p[0] is not None, p[0] if p[0] is not None else 0))
    out: list[Segment] = []
    for low, high, outcome in pieces:
        conclusions = outcome.conclusions
        if (
            out
            and _same_outcome(out[-1].conclusions, conclusions)
            and out[-1].error == outcome.error
            and out[-1].applied == outcome.applied
        ):  # the same outcome by the same provisions: one segment
            out[-1] = attrs.evolve(out[-1], high=None if high is None else v.value(high))
            continue
        out.append(
            Segment(
                None if low is None else v.value(low),
                None if high is None else v.value(high),
                conclusions,
                outcome.applied,
                outcome.error,
            )
        )
    return tuple(out)


def _same_outcome(a, b) -> bool:
    """Two outcomes alike, a conclusion not decided counting as one whatever the reason
    given (no rule, no rule in force), a conflict apart."""
    return len(a) == len(b) and all(
        na == nb and _same(_plain_unset(va), _plain_unset(vb)) for (na, va), (nb, vb) in zip(a, b)
    )


def _verified(book, facts, as_of, v: Variable, segments) -> tuple[Breakpoint, ...]:
    """A breakpoint between each two segments, checked by deciding the case at its value and
    one unit below; one that does not check is left out."""
    out = []
    for before, after in itertools.pairwise(segments):
        value = after.low
        below = v.value(v.units(value) - 1)
        try:
            at = _decided(book, put(facts, v.path, value), as_of)
            under = _decided(book, put(facts, v.path, below), as_of)
        except Exception:  # noqa: BLE001 - an error on either side: not a verified change
            if before.error is None and after.error is None:
                continue
            at = under = None
        changes = []
        point_at, point_below = (v.units(value),), (v.units(below),)
        expected_at = _values(after.conclusions, point_at)
        expected_below = _values(before.conclusions, point_below)
        if at is not None and not (_agree(at, expected_at) and _agree(under, expected_below)):
            continue
        same_rule = dict(before.conclusions)
        for name, expression in after.conclusions:
            if same_rule.get(name) == expression and _follows(expression):
                continue  # the same linear formula on both sides: it moves, it does not change
            old, new = expected_below.get(name), expected_at[name]
            if not _same(old, new):
                changes.append((name, old, new))
        out.append(
            Breakpoint(
                value,
                below,
                tuple(changes),
                tuple(sorted(after.applied - before.applied)),
                tuple(sorted(before.applied - after.applied)),
            )
        )
    return tuple(out)


def _follows(value: Any) -> bool:
    """Whether a conclusion's value follows the varied fact (a linear formula, or a range
    with one)."""
    if isinstance(value, tuple):
        return any(isinstance(v, Lin) for v in value)
    return isinstance(value, Lin)


def _values(conclusions, point) -> dict[str, Any]:
    out = {}
    for name, value in conclusions:
        out[name] = _at(value, point)
    return out


def _at(value, point):
    from .regions import _at as at

    return at(value, point)


def _agree(decided: dict, expected: dict) -> bool:
    return all(_same(decided.get(k), v) for k, v in expected.items())


def _simplified(region: Region, found: Exploration) -> Region:
    """The region with the constraints implied by the others (and the bounds) dropped."""
    kept = list(region.constraints)
    domain = [c for i, v in enumerate(found.variables) for c in v.bounds(i)]
    for c in list(kept):
        others = [k for k in kept if k is not c]
        if all(witness(domain + others + [n], region.point) is None for n in c.negations()):
            kept = others
    return attrs.evolve(region, constraints=tuple(kept))


def _plain_unset(value: Any) -> Any:
    if isinstance(value, Unset) and not value.why.startswith("is in conflict"):
        return Unset(value.name, "was decided by no rule")
    return value


def _searched(book, facts, as_of, v: Variable, why: str) -> Breakpoints:
    """A bounded search, for a fact the rules do not use linearly: the outcome at evenly
    spaced values, and each change narrowed down to the exact unit by bisection."""
    here = v.units(v.base)
    # Without ends: ten times the value (at least 100 units) each side; a date, whose day
    # number says nothing of its size, a hundred years each side, within the calendar.
    reach = DATE_REACH if v.kind == "date" else 10 * max(abs(here), 100)
    low = v.units(v.low) if v.low is not None else here - reach
    high = v.units(v.high) if v.high is not None else here + reach
    if v.kind == "date":
        low = max(low, datetime.date.min.toordinal())
        high = min(high, datetime.date.max.toordinal())
    refused = None
    if record_field(book, v.path):  # beyond what the adapter reads, one refused range
        low, high, refused = _readable(book, facts, v, low, high)
    step = max(1, (high - low) // SEARCH_POINTS)
    samples = list(range(low, high + 1, step))
    if samples[-1] != high:
        samples.append(high)

    # Along a record field, an amount that follows it (the fine with an act's gain) would
    # change at every value: the search is of the levels, findings and provisions only.
    levels = record_field(book, v.path)

    def outcome(units: int):
        try:
            d = _decide(book, put(facts, v.path, v.value(units)), as_of)
            # Not decided is one outcome, whatever the reason given (a conflict apart).
            return tuple(
                (n, _plain_unset(x))
                for n, x in d.conclusions.items()
                if not (levels and _amount(x))
            ), None
        except Exception as err:  # noqa: BLE001 - an error is an outcome of its own here
            return (), str(err)

    seen = [(u, outcome(u)) for u in samples]
    edges = []
    for (a, oa), (end, oend) in itertools.pairwise(seen):
        # Every change between two samples whose outcomes differ, one after the other: the
        # first bisection finds the first change, which may lead to a third outcome.
        while oa != oend:
            b, ob = end, oend
            while b - a > 1:
                mid = (a + b) // 2
                om = outcome(mid)
                if om == oa:
                    a, oa = mid, om
                else:
                    b, ob = mid, om
            edges.append((a, oa, b, ob))
            a, oa = b, ob
    segments, points = [], []
    start = low
    for a, oa, b, ob in edges:
        segments.append(Segment(v.value(start), v.value(a), oa[0], frozenset(), oa[1]))
        start = b
        before, after = dict(oa[0]), dict(ob[0])
        changes = tuple(
            (k, before.get(k), after[k]) for k in after if not _same(before.get(k), after[k])
        )
        points.append(Breakpoint(v.value(b), v.value(a), changes, (), ()))
    last = seen[-1][1]
    segments.append(Segment(v.value(start), v.value(high), last[0], frozenset(), last[1]))
    for at, end, error in refused or ():
        first = v.units(at) < low
        segments.insert(0 if first else len(segments), Segment(at, end, (), frozenset(), error))
    # Decided at every whole unit of the range, the search left nothing out.
    return Breakpoints((v,), tuple(segments), tuple(points), (), "search", step == 1, why)


def _amount(value: Any) -> bool:
    """Whether a conclusion's value is an amount or a range of amounts (not a level)."""
    if isinstance(value, tuple):
        return bool(value) and all(_amount(v) for v in value)
    return isinstance(value, (int, Fraction, decimal.Decimal)) and not isinstance(value, bool)


def _readable(book, facts, v: Variable, low: int, high: int) -> tuple[int, int, list]:
    """The units from ``low`` to ``high`` at which the adapter reads the record (a count
    proven untrue beyond the items seized is refused), found by bisection from the case's
    value, and the ranges beyond as ``(from, to, why)``: one refused range each side, not a
    refusal per value sampled."""
    here = v.units(v.base)

    def why(units: int) -> str | None:
        try:
            book.facts_of(put(facts, v.path, v.value(units)))
        except Exception as err:  # noqa: BLE001 - the adapter or validation refuses it
            return str(err)
        return None

    def edge(ok: int, bad: int) -> tuple[int, int]:
        """The last unit read and the first refused between ``ok`` and ``bad`` (either way)."""
        while abs(bad - ok) > 1:
            mid = (ok + bad) // 2
            ok, bad = (mid, bad) if why(mid) is None else (ok, mid)
        return ok, bad

    refused = []
    if why(high) is not None:
        high_ok, bad = edge(here, high)
        refused.append((v.value(bad), v.value(high), why(bad)))
        high = high_ok
    if why(low) is not None:
        low_ok, bad = edge(here, low)
        refused.append((v.value(low), v.value(bad), why(bad)))
        low = low_ok
    return low, high, refused


# ------------------------------------------------------------------ changes up and down
@attrs.frozen
class Change:
    """A change of the facts that moves one conclusion to another value, verified."""

    conclusion: str
    before: Any
    after: Any
    direction: str  # up | down | other | adds | removes (a member of a set)
    member: str | None  # for a set: the member added or removed
    facts: tuple[tuple[str, Any, Any], ...]  # (fact, in the case, changed to)
    decided_by: tuple[str, ...]  # the rules that decide the new value
    #: Where the facts changed are the record's (``acts[1].proven_duplicate``): the rulebook's
    #: facts its input adapter derives from them that move, ``(fact, in the case, then)``.
    derived: tuple[tuple[str, Any, Any], ...] = ()
    #: Where the new value follows one of the facts changed by a formula (a fine of one to
    #: five times the gains), ``(that fact, the formula)``: the fact is the last of
    #: ``facts``, changed to the least value from which the formula gives the value, and
    #: ``after`` is the value there (shown as the formula, not as that amount).
    follows: tuple[Variable, Any] | None = None
    #: The greatest value of that fact at which the formula gives it (``None``: no end).
    up_to: Any = None


@attrs.frozen
class Changes:
    changes: tuple[Change, ...]
    varied: tuple[str, ...]  # the facts that were varied
    fixed: tuple[str, ...]  # facts the rule text says are not to be varied
    complete: bool  # False: some search stopped at its bound or was not linear
    notes: tuple[str, ...] = ()
    #: The record fields its input adapter reads (``acts``), by name, to label their paths.
    record_fields: tuple[tuple[str, FieldSpec], ...] = ()
    #: The adapter's derivations of the case's facts (how ``credit_items`` was counted).
    derivations: tuple[dict, ...] = ()


def _unsaid(rulebook, path, value) -> bool:
    """A change of a date to its default: to "not given" (pi2017's filing date, 1900-01-01),
    which no lawyer makes of a date the case gives (candidate_facts)."""
    try:
        spec = field_spec(rulebook, path)
    except (KeyError, AttributeError):
        return False
    return spec.type.kind == "date" and spec.default is not None and value == spec.default


def candidate_facts(rulebook, facts: dict) -> tuple[list[tuple], list[str]]:
    """``([(path, spec)], fixed)``: every fact the analysis may vary (numbers, money, dates,
    booleans, members; inside lists of records too), and those the rule text fixes."""
    out, fixed = [], []

    def visit(path, spec: FieldSpec, value):
        t = spec.type
        if getattr(spec, "fixed", False):
            fixed.append(show_path(path))
            return
        if isinstance(t, ListType) and isinstance(t.element, RecordType):
            for i, item in enumerate(value or ()):
                for f in t.element.fields.values():
                    if f.name in item:
                        visit((*path, i, f.name), f, item[f.name])
            return
        if isinstance(t, RecordType) or isinstance(t, ListType):
            return
        if t.kind == "date" and value is not None and value == spec.default:
            # A date left at its default is one the case does not give: the language has no
            # optional date, so a default date stands for "not given" (pi2017's filing date,
            # 1900-01-01), and its neighbours are no change a lawyer could make. --vary it.
            return
        if t.kind in ("integer", "decimal", "money", "date", "bool") or isinstance(t, EnumType):
            out.append((path, spec))

    for name, spec in rulebook.inputs.items():
        if name in facts:
            visit((name,), spec, facts[name])
    return out, fixed


class Budget:
    """A count of decisions (a symbolic evaluation of a region, or a decision of a changed
    case) that a search may spend: deterministic, unlike a time limit, and said in the
    answer when spent."""

    def __init__(self, decisions: int, facts: dict | None = None):
        self.total = decisions
        self.left = decisions
        #: A decision of a case with n records in its lists (acts) costs n.
        self.weight = max(1, _records(facts or {}))

    @property
    def spent(self) -> bool:
        return self.left <= 0

    @property
    def regions(self) -> int:
        """How many more regions may be evaluated."""
        return max(0, self.left // self.weight)

    def spend(self, n: int = 1) -> None:
        self.left -= n * self.weight


def _own(book, facts: dict) -> dict:
    """The rulebook's facts of ``facts``: a decision costs by the records of its own lists
    (a record field its adapter reads, pi2017's acts, is searched at a cost of its own)."""
    return {k: v for k, v in facts.items() if not record_field(book, (k,))}


def _records(facts: dict) -> int:
    return sum(len(v) for v in facts.values() if isinstance(v, (list, tuple)))


def changes(book, facts: dict, as_of: datetime.date | None, budget: int | None = None) -> Changes:
    """The smallest verified changes of the facts that move each conclusion to each other
    value it can reach: first of one fact, then of two where one is not enough; within
    ``budget`` decisions (``DECISIONS``), each fact alone first."""
    rb = book.rulebook
    current = _decided(book, facts, as_of)
    candidates, fixed = candidate_facts(rb, facts)
    candidates = [(p, s) for p, s in candidates if _varied_here(book, p, s)]
    found: dict[tuple, list[tuple[int, tuple, tuple, dict]]] = {}
    complete = True
    notes: list[str] = []
    left = Budget(DECISIONS if budget is None else budget, _own(book, facts))

    def consider(assignment: dict[tuple, Any]):
        changed = {p: v for p, v in assignment.items() if not _same(get(facts, p), v)}
        if not changed or left.spent or any(_unsaid(rb, p, v) for p, v in changed.items()):
            return
        new_facts = facts
        for p, v in changed.items():
            new_facts = put(new_facts, p, v)
        left.spend()
        try:
            decision = _decide(book, new_facts, as_of)
        except Exception:  # noqa: BLE001 - a change the rules cannot evaluate: not offered
            return
        if decision.conflicts:
            return
        far = distance(facts, changed.items())
        # An amount moved by an act's number (the fine with its gain) is shown only where a
        # level, a finding or a provision moves too: else it is one value of a formula the
        # adapter hides, at a point of no consequence (docs/whatif.md).
        amounts_only = any(record_field(book, p) for p in changed) and all(
            _amount(v) or _same(v, current[n]) for n, v in decision.conclusions.items()
        )
        for name, value in decision.conclusions.items():
            if amounts_only and _amount(value):
                continue
            for key in _targets(rb, name, current[name], value):
                found.setdefault(key, []).append(
                    (len(changed), far, tuple(sorted(changed.items(), key=str)), new_facts)
                )

    def regions_of(here, variables, most=MAX_REGIONS) -> Exploration | None:
        if left.spent:
            return None
        found_here = explore(
            base(book), here, variables, as_of, max_regions=min(most, left.regions)
        )
        left.spend(len(found_here.regions))
        return found_here

    def searched(path, spec) -> None:
        """A record field (``acts[1].proven_duplicate``) along its range, decided through
        the adapter value by value: the nearest value of each other outcome is a candidate."""
        v = variable(facts, path, spec)
        if left.spent:
            return
        found_here = _searched(book, facts, as_of, v, THROUGH_ADAPTER)
        left.spend(SEARCH_POINTS + 32 * len(found_here.segments))
        here = v.units(v.base)
        for segment in found_here.segments:
            low, high = v.units(segment.low), v.units(segment.high)
            if not segment.error and not low <= here <= high:
                consider({path: v.value(low if low > here else high)})

    numeric = [(p, s) for p, s in candidates if _is_numeric(s)]
    finite = [(p, s) for p, s in candidates if not _is_numeric(s)]
    explored: dict[tuple, Exploration] = {}
    for path, spec in numeric:
        if record_field(book, path):
            searched(path, spec)
            continue
        found_here = regions_of(facts, [variable(facts, path, spec)])
        if found_here is None:
            break
        explored[path] = found_here
        complete &= found_here.complete
        if found_here.not_linear is not None:
            notes.append(f"{show_path(path)}: {found_here.not_linear.what}")
        for region in found_here.regions:
            near = witness(
                list(region.constraints) + found_here.variables[0].bounds(0),
                (found_here.variables[0].units(get(facts, path)),),
            )
            if near is not None:
                consider({path: found_here.variables[0].value(near[0])})
    for path, spec in finite:
        for value in _alternatives(spec, get(facts, path)):
            consider({path: value})
    # Two facts at once: a boolean or a member with another fact.
    for (pa, sa), (pb, sb) in itertools.combinations(candidates, 2):
        if left.spent:
            break
        if _is_numeric(sa) and _is_numeric(sb):
            continue  # two amounts at once: see below, only where needed
        fin, num = ((pa, sa), (pb, sb)) if not _is_numeric(sa) else ((pb, sb), (pa, sa))
        if record_field(book, num[0]):
            continue  # a record field is searched alone (docs/whatif.md)
        for value in _alternatives(fin[1], get(facts, fin[0])):
            if not _is_numeric(num[1]):
                for other in _alternatives(num[1], get(facts, num[0])):
                    consider({fin[0]: value, num[0]: other})
                continue
            moved = put(facts, fin[0], value)
            var = variable(moved, num[0], num[1])
            here = regions_of(moved, [var])
            if here is None:
                break
            complete &= here.complete
            for region in here.regions:
                near = witness(list(region.constraints) + var.bounds(0), (var.units(var.base),))
                if near is not None:
                    consider({fin[0]: value, num[0]: var.value(near[0])})
    if MAX_FACTS_CHANGED >= 2:  # two numbers, amounts or dates at once
        for (pa, sa), (pb, sb) in itertools.combinations(numeric, 2):
            if record_field(book, pa) or record_field(book, pb):
                continue
            va, vb = variable(facts, pa, sa), variable(facts, pb, sb)
            here = regions_of(facts, [va, vb], most=PLANE_REGIONS)
            if here is None:
                break
            complete &= here.complete
            for region in here.regions:
                near = witness(
                    list(region.constraints) + va.bounds(0) + vb.bounds(1),
                    (va.units(va.base), vb.units(vb.base)),
                )
                if near is not None:
                    consider({pa: va.value(near[0]), pb: vb.value(near[1])})
    # A value that follows a fact (a fine of twice the gains) reached by a change of two
    # facts may be reached by one alone: solved for along each fact, then decided again.
    for key in list(found):
        name, after, direction, member = key
        if direction == "other" and member is None:
            for path, found_here in explored.items():
                for units in _solved(found_here, name, after):
                    consider({path: found_here.variables[0].value(units)})
    if left.spent:
        complete = False
        notes.append(
            f"the search stopped after its budget of {left.total} decisions; "
            "other changes may exist"
        )
    out = []
    follow: dict[tuple, list] = {}  # (conclusion, fact, formula): changes reaching its values
    for key, options in found.items():
        name, after, direction, member = key
        for changed, new_facts in _minimal(book, facts, as_of, current, key, options):
            formula = (
                _formula(book, facts, new_facts, as_of, name, changed, left)
                if direction == "other" and member is None
                else None
            )
            if formula == "follows":
                continue
            if formula is not None:  # one of the amounts a formula gives: said once, below
                path, var, value, low, high = formula
                others = tuple((p, v) for p, v in changed if p != path)
                follow.setdefault((name, path, repr(value)), []).append(
                    (distance(facts, others), others, var, value, low, high)
                )
                continue
            applied = _deciders(book, new_facts, as_of, name, member or after, current)
            out.append(
                Change(
                    name,
                    current[name],
                    after,
                    direction,
                    member,
                    tuple((show_path(p), get(facts, p), v) for p, v in changed),
                    tuple(sorted(applied)),
                    _derived(book, facts, new_facts, changed),
                )
            )
    for (name, path, _), options in follow.items():
        out.extend(_formula_changes(book, facts, as_of, current, name, path, options))
    order = {n: i for i, n in enumerate(rb.conclusions)}

    def nearest_first(c: Change) -> tuple:
        t = rb.conclusions[c.conclusion].type
        rank = t.rank if isinstance(t, EnumType) and t.ordered else {}
        level = c.after[0] if isinstance(c.after, tuple) and c.after else c.after
        step = rank.get(level, 0) if isinstance(level, str) else 0
        # Up before down; the next level up (or down) before the further ones.
        return (
            order[c.conclusion],
            c.direction != "up",
            step if c.direction == "up" else -step,
            str(c.after),
            len(c.facts),
        )

    out.sort(key=nearest_first)
    record = getattr(rb, "record_fields", {})
    return Changes(
        tuple(out),
        tuple(show_path(p) for p, _ in candidates),
        tuple(fixed),
        complete,
        tuple(notes),
        tuple(record.items()),
        getattr(book, "notes", ()),
    )


def _formula(book, facts, new_facts, as_of, name, changed, left: Budget):
    """``(fact, variable, formula, least units)`` where, once the change is made, the value of
    ``name`` follows one of the numbers changed by a formula (Art. 12's fine of one to five
    times the gains), with the least value of that number from which it does (the other
    changes made); ``"follows"`` where the value followed that number by the formula in the
    case already (the change moves it along the formula, it does not change it); ``None``
    otherwise."""
    held = False  # a number changed whose formula held in the case already
    for path, value in changed:
        spec = field_spec(book.rulebook, path)
        if record_field(book, path) or spec.type.kind not in ("integer", "decimal", "money"):
            continue
        var = variable(new_facts, path, spec)
        if left.spent:
            return None
        found = explore(base(book), new_facts, [var], as_of, max_regions=min(64, left.regions))
        left.spend(len(found.regions))
        if found.not_linear is not None:
            continue
        here = var.units(value)
        pieces = sorted(
            ((r.interval(), dict(r.outcome.conclusions).get(name)) for r in found.regions),
            key=lambda piece: (piece[0][0] is not None, piece[0][0] or 0),
        )
        runs: list[list] = []  # neighbouring regions that give the same formula, joined
        for (low, high), follows in pieces:
            last = runs[-1] if runs else None
            if last and last[1] is not None and low == last[1] + 1 and repr(follows) == last[2]:
                last[1] = high
            else:
                runs.append([low, high, repr(follows), follows])
        for low, high, _, follows in runs:
            if (low is None or low <= here) and (high is None or here <= high):
                if not _follows(follows) or not found.complete:
                    break
                was = var.units(get(facts, path))
                if (low is None or low <= was) and (high is None or was <= high):
                    held = True  # it moves the value along the formula, it does not change it
                    break
                least = low if low is not None else var.units(var.low or 0)
                return path, var, follows, least, high
    return "follows" if held and len(changed) == 1 else None


def _formula_changes(book, facts, as_of, current, name, path, options) -> list[Change]:
    """One value a formula gives is no fact anyone argues (a fine of 0.01 to 0.05 yuan at
    0.01 yuan of gains): the formula is shown once, with the nearest changes of the other
    facts that bring it in, and its own fact from the least value at which it does, each
    decided again there (docs/whatif.md)."""
    out, seen = [], set()
    for _, others, var, formula, least, most in sorted(options, key=lambda o: o[0]):
        which = frozenset(p for p, _ in others)
        if which in seen or len(seen) >= ALTERNATIVES:
            continue
        moved = facts
        for p, v in (*others, (path, var.value(least))):
            moved = put(moved, p, v)
        try:
            decided = _decided(book, moved, as_of)
        except Exception:  # noqa: BLE001 - not verified: not shown
            continue
        if not _same(decided[name], _at(formula, (least,))):
            continue
        seen.add(which)
        changed = (*others, (path, var.value(least)))
        out.append(
            Change(
                name,
                current[name],
                decided[name],
                "other",
                None,
                tuple((show_path(p), get(facts, p), v) for p, v in changed),
                tuple(sorted(_deciders(book, moved, as_of, name, decided[name], current))),
                _derived(book, facts, moved, changed),
                (var, formula),
                None if most is None else var.value(most),
            )
        )
    return out


def _varied_here(book, path, spec: FieldSpec) -> bool:
    """Whether ``changes`` varies this fact. Of a case given as a record its adapter reads,
    the record's numbers are varied (``acts[1].proven_duplicate``; its dates, kinds and
    categories are what happened, not a count to argue), the numbers the adapter derives
    from them (``credit_items``) only through them: the user never gave those. A member or
    yes/no the adapter derives from the record's kinds (pi2017's ``conduct``, "illegally
    obtaining, and selling or providing" from acts of obtaining and selling) is what happened
    too, and is not varied: "conduct → lawful collection, nothing sold" beside acts of selling
    described a case that cannot be (seventh legal review, E1)."""
    if record_field(book, path):
        return spec.type.kind in ("integer", "decimal", "money")
    return path[0] not in getattr(book, "derived", ())


def _derived(book, facts: dict, new_facts: dict, changed) -> tuple[tuple[str, Any, Any], ...]:
    """The rulebook's facts the adapter derives that a change of record fields moves."""
    if not any(record_field(book, p) for p, _ in changed):
        return ()
    before, after = book.facts_of(facts), book.facts_of(new_facts)
    return tuple(
        (k, before.get(k), after[k])
        for k in sorted(book.derived)
        if k in after and not _same(before.get(k), after[k])
    )


def _solved(found: Exploration, name: str, after: Any) -> list[int]:
    """The whole units of the one varied fact at which ``name``, following it by a formula
    in some region, takes the value ``after`` (the first end of a range that follows it)."""
    out = []
    for region in found.regions:
        value = dict(region.outcome.conclusions).get(name)
        pairs = (
            zip(value, after)
            if isinstance(value, tuple) and isinstance(after, tuple)
            else [(value, after)]
        )
        for formula, target in pairs:
            if not isinstance(formula, Lin) or len(formula.coefs) != 1:
                continue
            try:
                units = (Fraction(target) - formula.const) / formula.coefs[0][1]
            except (TypeError, ValueError):
                break
            low, high = region.interval()
            if (
                units.denominator == 1
                and (low is None or low <= units)
                and (high is None or units <= high)
            ):
                out.append(int(units))
            break
    return out


def _is_numeric(spec: FieldSpec) -> bool:
    return spec.type.kind in ("integer", "decimal", "money", "date")


def _alternatives(spec: FieldSpec, value: Any) -> list[Any]:
    t = spec.type
    if t.kind == "bool":
        return [not value]
    if isinstance(t, EnumType):
        return [m for m in t.members if m != value]
    return []


def _distance(old: Any, new: Any) -> tuple[int, Fraction]:
    """How far a change of one fact is (docs/whatif.md, "How far a change is"), as
    ``(findings changed, size)``: a yes/no fact or a member is a finding changed, ``(1, 0)``;
    a number weighs its change relative to its value in the case (50 -> 500 items and
    5,000 -> 50,000 yuan weigh alike, 9) but never relative to less than one whole unit (an
    item, a yuan), so that from 0 a change weighs its size (0 -> 15 items: 15, less than
    0 -> 40); a date, the years it moves. So a recount of quantities comes before a changed
    finding, and for one fact a smaller change always weighs less."""
    if isinstance(old, bool) or isinstance(old, str) or old is None:
        return (1, Fraction(0))
    if isinstance(old, datetime.date):
        return (0, Fraction(abs((new - old).days), 365))
    old, new = Fraction(old), Fraction(new)
    return (0, abs(new - old) / max(abs(old), Fraction(1)))


def distance(facts: dict, changed) -> tuple[int, Fraction]:
    """How far a change of several facts ``[(path, new value)]`` is: the sum of each's."""
    parts = [_distance(get(facts, p), v) for p, v in changed]
    return (sum(p[0] for p in parts), sum((p[1] for p in parts), Fraction(0)))


def _minimal(book, facts, as_of, current, key, options) -> list[tuple[tuple, dict]]:
    """The changes kept for one target, each minimal: of the fewest facts, the nearest of
    each set of facts first, at most ``ALTERNATIVES``; a change of several facts of which a
    part already reaches the target (decided again) is replaced by that part."""
    rb = book.rulebook
    name = key[0]

    def reaches(changed) -> dict | None:
        moved = facts
        for p, v in changed:
            moved = put(moved, p, v)
        try:
            decision = _decide(book, moved, as_of)
        except Exception:  # noqa: BLE001 - cannot be evaluated: does not reach it
            return None
        if decision.conflicts:
            return None
        value = decision.conclusions[name]
        return moved if key in _targets(rb, name, current[name], value) else None

    def reduced(option):
        changed = option[2]
        for k in range(1, len(changed)):
            parts = []
            for part in itertools.combinations(changed, k):
                moved = reaches(part)
                if moved is not None:
                    parts.append((k, distance(facts, part), part, moved))
            if parts:
                return min(parts, key=lambda o: o[1])
        return option

    def nearest_per_set(options):
        options = sorted(options, key=lambda o: (o[0], o[1]))
        seen, kept = set(), []
        for option in options:
            which = frozenset(p for p, _ in option[2])
            if option[0] == options[0][0] and which not in seen:
                seen.add(which)
                kept.append(option)
        return kept

    kept = nearest_per_set([reduced(o) for o in nearest_per_set(options)])
    return [(changed, new_facts) for _, _, changed, new_facts in kept[:ALTERNATIVES]]


def _deciders(
    book, facts, as_of, conclusion: str, value: Any, before: dict | None = None
) -> frozenset[str]:
    """The rules that give ``conclusion`` its new ``value`` (for a set, the member; for a
    scale, the level) once the change is made. Where a lighter block takes the conclusion from
    the version in force on the act date, the rules of that version decided it, not the ones in
    force on the as-of date (a case under the 2015 regulations decided in 2019 is not decided by
    the 2018 text)."""
    return _passed_on(book, book.explain(facts, as_of), conclusion, value, before or {})


def _passed_on(book, trace, conclusion: str, value: Any, before: dict, depth: int = 0):
    """The rules that give ``conclusion`` its ``value`` in ``trace``. A rule that gives the
    value another conclusion it reads has just moved to (the headline "circumstances" under
    the text applied, CL Art. 12, restating the interpretation's level: seventh legal review,
    E2) only passes that change on: the rules that moved that conclusion decided it."""
    rb = book.rulebook
    for choice in trace.choices:
        block = rb.lighters[choice.lighter]
        if choice.reason == "act_version" and choice.at_act_rules and conclusion in block.decides:
            return frozenset(choice.at_act_rules[block.decides.index(conclusion)])
    now = trace.decision.conclusions
    out = set()
    for r in trace.rules:
        if r.status != "applied":
            continue
        for name, claimed, _ in r.conclusions:
            if name != conclusion:
                continue
            c = rb.conclusions[name]
            if c.kind in ("highest", "set") and claimed != value:
                continue  # a lower level, another member: not what this change brings
            source = [
                read
                for kind, read in sorted(rb.reads.get(("rule", r.name), ()))
                if kind == "conclusion"
                and read in before
                and read != conclusion
                and depth < len(rb.conclusions)
                and _member(now.get(read)) is not None
                and _member(now.get(read)) == _member(value)
                and not _same(before[read], now.get(read))
            ]
            if source:
                out |= _passed_on(book, trace, source[0], now[source[0]], before, depth + 1)
            else:
                out.add(r.name)
    return frozenset(out)


def _member(value: Any) -> str | None:
    """The name of an enum member or level (not a truth value, number or text)."""
    return value if isinstance(value, str) and value.isidentifier() else None


def _targets(rb, name: str, before: Any, after: Any) -> list[tuple]:
    """``(conclusion, value, direction, member)`` keys for a conclusion that moved."""
    if _same(before, after) or isinstance(after, Unset):
        return []
    c = rb.conclusions[name]
    if c.kind == "set":
        keys = [(name, m, "adds", m) for m in sorted(after - before)]
        keys += [(name, m, "removes", m) for m in sorted(before - after)]
        return keys
    if c.kind == "highest" and not isinstance(before, Unset):
        rank = c.type.rank
        return [(name, after, "up" if rank[after] > rank[before] else "down", None)]
    if c.kind == "range" and not isinstance(before, Unset) and isinstance(c.type, EnumType):
        rank = c.type.rank
        up = (rank[after[0]], rank[after[1]]) > (rank[before[0]], rank[before[1]])
        return [(name, after, "up" if up else "down", None)]
    return [(name, after, "other", None)]


# ------------------------------------------------------------------ unknown facts
@attrs.frozen
class Unknowns:
    """What the decision comes to while some facts are unknown."""

    unknown: tuple[str, ...]
    fixed: tuple[str, ...]  # conclusions decided whatever the unknown facts are
    open: tuple[tuple[str, tuple[Any, ...]], ...]  # conclusion -> the values it could take
    ranked: tuple[tuple[str, int, tuple[Breakpoint, ...]], ...]  # fact, decides, where
    outcomes: tuple[tuple[tuple[tuple[str, Any], ...], int], ...]  # outcome, regions
    complete: bool
    #: The unknown numbers: a value in ``open`` may be a :class:`Lin` of them (a fine that
    #: follows the gains), shown as the formula, not as a value sampled from it.
    variables: tuple[Variable, ...] = ()
    notes: tuple[str, ...] = ()  # how the answer was found where not exactly, where it stopped
    #: The record fields its input adapter reads (``acts``), by name, to label their paths.
    record_fields: tuple[tuple[str, FieldSpec], ...] = ()


def unknowns(book, facts: dict, as_of, unknown: Sequence[str]) -> Unknowns:
    """Whether the decision is fixed whatever the ``unknown`` facts are, and if not, which of
    them can change it, ranked, each with the values at which it does."""
    rb = book.rulebook
    paths = [parse_path(u) for u in unknown]
    for p in paths:
        check_present(rb, facts, p)
    specs = [field_spec(rb, p) for p in paths]
    finite = [(p, s) for p, s in zip(paths, specs) if not _is_numeric(s)]
    numeric = [(p, s) for p, s in zip(paths, specs) if _is_numeric(s)]
    if len(numeric) > 2:
        raise RequestError(
            "at most two unknown numbers, amounts or dates at once",
            "一次最多两个未知的数、金额或日期",
        )
    domains = [_domain(s) for _, s in finite]
    combos = list(itertools.product(*domains))
    if len(combos) > MAX_COMBINATIONS:
        raise RequestError(
            f"more than {MAX_COMBINATIONS} combinations of unknown facts",
            f"未知事实的组合超过 {MAX_COMBINATIONS} 种",
        )
    outcomes: dict[tuple, int] = {}
    complete = True
    notes: list[str] = []
    shown_variables: tuple[Variable, ...] = ()
    left = Budget(DECISIONS, _own(book, facts))
    for combo in combos:
        if left.spent:
            complete = False
            break
        here = facts
        for (p, _), value in zip(finite, combo):
            here = put(here, p, value)
        if not numeric:
            left.spend()
            try:
                decided = _decide(book, here, as_of)
                key = tuple(decided.conclusions.items())
            except Exception as err:  # noqa: BLE001
                key = (("error", str(err)),)
            outcomes[key] = outcomes.get(key, 0) + 1
            continue
        variables = [variable(here, p, s) for p, s in numeric]
        low_first = [
            attrs.evolve(v, base=v.low if v.low is not None else v.base) for v in variables
        ]
        if any(record_field(book, v.path) for v in variables):
            found = Exploration(tuple(low_first), (), False, NotLinear(THROUGH_ADAPTER))
        else:
            found = explore(
                base(book), here, low_first, as_of, max_regions=min(MAX_REGIONS, left.regions)
            )
        left.spend(max(1, len(found.regions)))
        shown_variables = found.variables
        if found.not_linear is not None:
            # Not linear: the documented bounded search along the one number, as whatif does.
            complete = False
            why = found.not_linear.what
            if len(variables) != 1:
                notes.append(f"not linear ({why}): two unknown numbers are not searched")
                continue
            searched = _searched(book, here, as_of, variables[0], why)
            left.spend(SEARCH_POINTS + 32 * len(searched.segments))
            note = f"found by a bounded search, not computed: {why}"
            if note not in notes:
                notes.append(note)
            for segment in searched.segments:
                key = (("error", segment.error),) if segment.error else segment.conclusions
                outcomes[key] = outcomes.get(key, 0) + 1
            continue
        complete &= found.complete
        for region in found.regions:
            key = _outcome_key(region.outcome)
            outcomes[key] = outcomes.get(key, 0) + 1
    if left.spent:
        notes.append(
            f"the search stopped after its budget of {left.total} decisions; other values may exist"
        )
    values: dict[str, list] = {n: [] for n in rb.conclusions}
    for key in outcomes:
        for name, value in key:
            if name in values and not any(_same(value, v) for v in values[name]):
                values[name].append(value)
    fixed = tuple(n for n, vs in values.items() if len(vs) == 1 and not _follows(vs[0]))
    open_ = tuple((n, tuple(vs)) for n, vs in values.items() if n not in fixed and vs)
    ranked = []
    for path, spec in zip(paths, specs):
        decides, where = _influence(book, facts, as_of, path, spec, paths)
        ranked.append((show_path(path), decides, where))
    ranked.sort(key=lambda r: -r[1])
    return Unknowns(
        tuple(show_path(p) for p in paths),
        fixed,
        open_,
        tuple(ranked),
        tuple(outcomes.items()),
        complete,
        shown_variables,
        tuple(notes),
        tuple(getattr(rb, "record_fields", {}).items()),
    )


def _outcome_key(outcome) -> tuple:
    """A region's outcome, a value that follows the unknown facts kept as its formula."""
    if outcome.error:
        return (("error", outcome.error),)
    return tuple(outcome.conclusions)


def _domain(spec: FieldSpec) -> list[Any]:
    t = spec.type
    if t.kind == "bool":
        return [False, True]
    if isinstance(t, EnumType):
        return list(t.members)
    raise ValueError(f"{spec.name}: not a finite fact")


def _influence(book, facts, as_of, path, spec, all_paths) -> tuple[int, tuple[Breakpoint, ...]]:
    """How many conclusions this unknown fact alone can change (the others as in the case),
    and, for a number, where along it they do."""
    current = _decided(book, facts, as_of)
    if not _is_numeric(spec):  # each other value, with what it changes
        moved, where = set(), []
        now = get(facts, path)
        for value in _domain(spec):
            if value == now:
                continue
            try:
                other = _decided(book, put(facts, path, value), as_of)
            except Exception:  # noqa: BLE001
                continue
            changed = tuple(
                (n, current[n], other[n]) for n in other if not _same(other[n], current[n])
            )
            moved |= {n for n, _, _ in changed}
            if changed:
                where.append(Breakpoint(value, now, changed, (), ()))
        return len(moved), tuple(where)
    found = breakpoints(book, facts, as_of, [(show_path(path), None, None)])
    moved = {name for bp in found.breakpoints for name, _, _ in bp.changes}
    return len(moved), found.breakpoints


__all__ = [
    "Breakpoint",
    "Breakpoints",
    "Change",
    "Changes",
    "Constraint",
    "Lin",
    "MAX_REGIONS",
    "Segment",
    "Unknowns",
    "breakpoints",
    "changes",
    "unknowns",
]


# ------------------------------------------------------------------ reading requests
class RequestError(ValueError):
    """A ``--vary`` or ``--unknown`` that names no fact the analysis can vary: in English
    (``str(err)``, what machines read) and in Chinese (``zh``, said under ``--lang zh``)."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh

    def __reduce__(self):
        return type(self), (str(self), self.zh)

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else str(self)


def parse_vary(rulebook, text: str, read_end=None) -> tuple[str, Any, Any]:
    """``FIELD`` or ``FIELD=LO..HI`` (either end may be left out: ``gain=..60000``), the ends
    read as facts of the field are (``60000``, ``1_000``, ``"5000 CNY"``, ``2018-03-01``):
    ``read_end`` reads the text as ``--set`` does (YAML), then as the field's type with its
    minimum, so an end below it (``-5`` of an amount) is refused, as ``--set`` refuses it."""
    from ..facts import FactsError, describe_expected, read_value

    field, _, span = text.partition("=")
    path = _known_path(rulebook, field.strip())
    spec = field_spec(rulebook, path)
    _not_fixed(spec, path, "--vary")
    if not _is_numeric(spec):
        raise RequestError(
            f"--vary {_short(field)}: {spec.type.describe()} does not vary along a line; "
            "a boolean or a member is tried value by value in explain --whatif",
            f"--vary {_short(field)}：该事实（{describe_expected(spec.type, lang='zh')}）"
            "不能沿一条线变化；"
            "是非或成员类的事实由 explain --whatif 逐个值试算",
        )
    low = high = None
    if span.strip():
        lo_text, sep, hi_text = span.partition("..")
        if not sep:
            raise RequestError(
                f"--vary {_short(text)}: write FIELD=LOW..HIGH (either end may be empty)",
                f"--vary {_short(text)}：请写作 FIELD=LOW..HIGH（任一端可以留空）",
            )
        read = read_end or (lambda raw: raw)
        try:
            if lo_text.strip():
                low = read_value(read(lo_text.strip()), spec.type, show_path(path), spec.minimum)
            if hi_text.strip():
                high = read_value(read(hi_text.strip()), spec.type, show_path(path), spec.minimum)
        except FactsError as err:
            problem = err.problems[0]
            raise RequestError(
                f"--vary {_short(text)}: {problem.render()}",
                f"--vary {_short(text)}：{problem.render('zh')}",
            ) from None
        if low is not None and high is not None and high < low:
            raise RequestError(
                f"--vary {_short(text)}: the range runs downward",
                f"--vary {_short(text)}：范围的上限低于下限",
            )
    return show_path(path), low, high


def parse_unknown(rulebook, text: str) -> str:
    from ..facts import describe_expected

    path = _known_path(rulebook, text.strip())
    spec = field_spec(rulebook, path)
    _not_fixed(spec, path, "--unknown")
    t = spec.type
    if not (_is_numeric(spec) or t.kind == "bool" or isinstance(t, EnumType)):
        raise RequestError(
            f"--unknown {_short(text)}: {t.describe()} cannot be left unknown",
            f"--unknown {_short(text)}：该事实（{describe_expected(t, lang='zh')}）"
            "不能作为未知事实",
        )
    return show_path(path)


def _not_fixed(spec: FieldSpec, path, option: str) -> None:
    """A fact the rule text declares ``fixed`` (the date of the decision) is not varied,
    and is not left unknown either: the rulebook is chosen and read as of it."""
    if spec.fixed:
        raise RequestError(
            f"{option} {show_path(path)}: the rule text declares this fact fixed (docs/whatif.md, "
            "'Facts not to be varied'); give another value with --set, or another day with --as-of",
            f"{option} {show_path(path)}：规则文本声明此事实固定不变（docs/whatif.md，"
            "“Facts not to be varied”）；请用 --set 给出另一个值，或用 --as-of 给出另一日期",
        )


def _known_path(rulebook, text: str) -> tuple[str | int, ...]:
    """The path ``text`` names, checked against the rulebook's declarations: each list of
    records indexed, nothing else indexed, ending at a single fact."""
    import difflib

    try:
        path = parse_path(text)
    except ValueError:
        raise RequestError(
            f"'{_short(text)}' does not name a fact (write illegal_gain or acts[0].amount; "
            "an index is a whole number counted from 0)",
            f"'{_short(text)}' 不是事实的名称（请写作 illegal_gain 或 acts[0].amount；"
            "序号是从 0 起算的整数）",
        ) from None
    if path[0] not in rulebook.inputs:
        close = difflib.get_close_matches(str(path[0]), list(rulebook.inputs), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        hint_zh = f"（您是否指 '{close[0]}'？）" if close else ""
        if not close and len(path) > 1:
            hint = (
                f"; a case written as {path[0]} is read into this rulebook's facts by its "
                "input adapter: vary one of those (ruleengine schema lists them)"
            )
            hint_zh = (
                f"；以 {path[0]} 写成的案件由输入适配器读成本规则集的事实：请改变其中之一"
                "（ruleengine schema 列出这些事实）"
            )
        raise RequestError(
            f"'{path[0]}' is not a fact of this rulebook{hint}",
            f"'{path[0]}' 不是本规则集的事实{hint_zh}",
        )
    spec = rulebook.inputs[path[0]]
    steps = list(path[1:])
    where = [path[0]]
    while True:
        t = spec.type
        if isinstance(t, ListType) and isinstance(t.element, RecordType):
            if not steps or not isinstance(steps[0], int):
                numbers = [n for n, f in t.element.fields.items() if _is_numeric(f) and not f.fixed]
                first = (numbers or list(t.element.fields) or ["field"])[0]
                raise RequestError(
                    f"'{_short(text)}': {show_path(where)} is a list; name one item's field "
                    f"({show_path(where)}[0].{first})",
                    f"'{_short(text)}'：{show_path(where)} 是列表；请指明其中一项的字段"
                    f"（{show_path(where)}[0].{first}）",
                )
            where.append(steps.pop(0))
            t = t.element
        if isinstance(t, RecordType):
            if not steps or isinstance(steps[0], int):
                fields = ", ".join(list(t.fields)[:8])
                raise RequestError(
                    f"'{_short(text)}': {show_path(where)} is a record; name one of its "
                    f"fields ({fields})",
                    f"'{_short(text)}'：{show_path(where)} 是记录；请指明其字段之一"
                    f"（{fields.replace(', ', '、')}）",
                )
            name = steps.pop(0)
            if name not in t.fields:
                raise RequestError(
                    f"'{_short(text)}' names no field of {show_path(where)}",
                    f"'{_short(text)}' 不是 {show_path(where)} 的字段",
                )
            where.append(name)
            spec = t.fields[name]
            continue
        if steps:
            raise RequestError(
                f"'{_short(text)}': {show_path(where)} has no parts to name",
                f"'{_short(text)}'：{show_path(where)} 没有可以指明的部分",
            )
        return path


# ------------------------------------------------------------------ as JSON
def value_json(value: Any, variables: Sequence[Variable] = ()) -> Any:
    """A value of a conclusion or a fact as JSON; one that follows the varied facts
    linearly as ``{"linear": [{"fact", "times"}], "plus"}`` in the facts' own units."""
    from ..facts import to_json_value

    if isinstance(value, Unset):
        return None
    if isinstance(value, Lin):
        return {
            "linear": [
                {
                    "fact": variables[i].name,
                    "times": to_json_value(
                        c * (1 if variables[i].kind == "date" else variables[i].scale)
                    ),
                }
                for i, c in value.coefs
            ],
            "plus": to_json_value(value.const),
        }
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return [value_json(v, variables) for v in value]
    return to_json_value(value)


def _unit(v: Variable) -> int:
    """Whole units per unit of the fact's own value (a date's unit is a day)."""
    return 1 if v.kind == "date" else v.scale


def breakpoints_json(found: Breakpoints) -> dict:
    vs = found.variables
    out: dict[str, Any] = {
        "varied": [
            {
                "fact": v.name,
                "low": value_json(v.low),
                "high": value_json(v.high),
                "in_the_case": value_json(v.base),
                # The unit the fact moves by: a breakpoint is exact to it (a date: one day).
                "step": value_json(Fraction(1, v.scale)) if v.kind != "date" else "1 day",
            }
            for v in vs
        ],
        "method": found.method,
        "complete": found.complete,
        "not_linear": found.not_linear,
    }
    if len(vs) == 1:
        out["breakpoints"] = [
            {
                "at": value_json(bp.value),
                "below": value_json(bp.below),
                "changes": [
                    {"conclusion": n, "from": value_json(a), "to": value_json(b)}
                    for n, a, b in bp.changes
                ],
                "starts": list(bp.starts),
                "stops": list(bp.stops),
            }
            for bp in found.breakpoints
        ]
        out["segments"] = [
            {
                "from": value_json(s.low),
                "to": value_json(s.high),
                "outcome": {n: value_json(v, vs) for n, v in s.conclusions},
                "applied": sorted(s.applied),
                "error": s.error,
            }
            for s in found.segments
        ]
    else:
        out["regions"] = [
            {
                "where": [
                    {
                        "terms": [{"fact": vs[i].name, "units": c} for i, c in con.coefs],
                        "relation": "=" if con.equal else ">=",
                        "constant": -con.const,
                    }
                    for con in r.constraints
                ],
                "example": {v.name: value_json(v.value(x)) for v, x in zip(vs, r.point)},
                "outcome": {n: value_json(v, vs) for n, v in r.outcome.conclusions},
                "applied": sorted(r.outcome.applied),
                "error": r.outcome.error,
            }
            for r in found.regions
        ]
    return out


def changes_json(found: Changes) -> dict:
    return {
        "changes": [
            {
                "conclusion": c.conclusion,
                "from": value_json(c.before),
                "to": value_json(c.after),
                # A value that follows one fact by a formula (the fine of 1-5 times the gains):
                # the fact (the last of "facts", at the least value from which the formula
                # gives it), the formula, and the greatest value at which it does.
                **(
                    {
                        "follows": c.follows[0].name,
                        "formula": value_json(c.follows[1], (c.follows[0],)),
                        "up_to": value_json(c.up_to),
                    }
                    if c.follows
                    else {}
                ),
                "direction": c.direction,
                "member": c.member,
                "facts": [
                    {"fact": f, "in_the_case": value_json(old), "changed_to": value_json(new)}
                    for f, old, new in c.facts
                ],
                "decided_by": list(c.decided_by),
                # Only for a change of the record's own fields (acts), as the adapter counts it.
                **(
                    {
                        "derived": [
                            {"fact": f, "in_the_case": value_json(a), "changed_to": value_json(b)}
                            for f, a, b in c.derived
                        ]
                    }
                    if c.derived
                    else {}
                ),
                "verified": True,
            }
            for c in found.changes
        ],
        "varied": list(found.varied),
        "fixed": list(found.fixed),
        "complete": found.complete,
        "not_linear": list(found.notes),
    }


def unknowns_json(found: Unknowns) -> dict:
    return {
        "unknown": list(found.unknown),
        "decided": not found.open and found.complete,
        "fixed": list(found.fixed),
        "open": [
            {"conclusion": n, "could_be": [value_json(v, found.variables) for v in vs]}
            for n, vs in found.open
        ],
        "ranked": [
            {
                "fact": fact,
                "decides": n,
                "breakpoints": [
                    {
                        "at": value_json(bp.value),
                        "changes": [
                            {"conclusion": c, "from": value_json(a), "to": value_json(b)}
                            for c, a, b in bp.changes
                        ],
                    }
                    for bp in where
                ],
            }
            for fact, n, where in found.ranked
        ],
        "complete": found.complete,
        "notes": list(found.notes),
    }
