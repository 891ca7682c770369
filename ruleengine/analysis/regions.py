"""The facts that may vary, and the regions of them in which a case comes out the same.

:func:`explore` partitions the values of one to three varied facts into regions, each with
one outcome, exactly: it evaluates the case at a point, takes the decisions that point led
to as the region's description (``symbolic``), and then explores the rest of the space, the
complement of that region, piece by piece, until nothing is left (the way concolic testing
enumerates the paths of a program). Every region holds whole points only: counts in items,
money in fen, decimals in hundredths, dates in days (``linear``).
"""

from __future__ import annotations

import copy
import datetime
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs

from ..ir import FieldSpec
from ..stopping import check
from ..types import MoneyType, RecordType, Type, normalize
from .linear import Constraint, Lin, NotLinear, constraint, witness
from .symbolic import Outcome, Path, evaluate

#: At most this many regions are explored for one question; past it, the answer says so.
MAX_REGIONS = 2000
#: Units of a varied amount of money (fen) and of a varied decimal (hundredths).
MONEY_SCALE = 100
DECIMAL_SCALE = 100


@attrs.frozen
class Variable:
    """A fact that varies: where it is in the facts, its kind, its unit and bounds."""

    path: tuple[str | int, ...]  # ("illegal_gain",) or ("acts", 0, "amount")
    kind: str  # integer | money | decimal | date
    scale: int  # whole units per unit of the fact's value (100 for money: fen)
    base: Any  # the value in the case
    low: Any = None  # the least value it may take (None: unbounded)
    high: Any = None
    type: Type | None = attrs.field(default=None, eq=False)
    label: Any = attrs.field(default=None, eq=False)

    @property
    def name(self) -> str:
        out = ""
        for step in self.path:
            out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
        return out

    def units(self, value: Any) -> int:
        """A value of the fact in whole units (rounded toward the base for inexact ones)."""
        if self.kind == "date":
            return value.toordinal()
        return math.floor(Fraction(value) * self.scale)

    def value(self, units: int) -> Any:
        if self.kind == "date":
            return datetime.date.fromordinal(units)
        return normalize(Fraction(units, self.scale))

    def symbol(self, index: int) -> Lin:
        return Lin.var(index, 1 if self.kind == "date" else self.scale)

    def bounds(self, index: int) -> list[Constraint | bool]:
        x = Lin.var(index)
        out: list[Constraint | bool] = []
        if self.low is not None:
            out.append(constraint(x - self.units(self.low), ">="))
        if self.high is not None:
            out.append(constraint(x - self.units(self.high), "<="))
        return out


def variable(
    facts: dict, path: Sequence[str | int], spec: FieldSpec, low=None, high=None
) -> Variable:
    """The variable for the fact at ``path`` (declared by ``spec``), between ``low`` and
    ``high`` where given, never below the field's own minimum."""
    t = spec.type
    value = get(facts, path)
    if isinstance(t, MoneyType):
        kind, scale = "money", MONEY_SCALE
    elif t.kind == "decimal":
        kind, scale = "decimal", DECIMAL_SCALE
    elif t.kind == "integer":
        kind, scale = "integer", 1
    elif t.kind == "date":
        kind, scale = "date", 1
        if isinstance(value, str):  # a field of the record the adapters read, as written
            value = datetime.date.fromisoformat(value)  # (valid: the case was decided)
    else:
        raise ValueError(f"{spec.name} is {t.describe()}: only numbers, money and dates vary")
    if kind in ("money", "decimal") and not isinstance(value, bool):
        # A value finer than the unit (0.001 yuan), in the case or at an end, keeps its own
        # precision: the fact then moves in steps of that finer unit.
        for v in (value, low, high):
            if v is not None:
                scale = math.lcm(scale, Fraction(v).denominator)
    if spec.minimum is not None and (low is None or low < spec.minimum):
        low = spec.minimum
    return Variable(tuple(path), kind, scale, value, low, high, t, spec.label)


def get(facts: Any, path: Sequence[str | int]) -> Any:
    for step in path:
        facts = facts[step]
    return facts


def put(facts: Any, path: Sequence[str | int], value: Any) -> Any:
    """A copy of ``facts`` with the value at ``path`` replaced (lists are tuples)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(facts, dict):
        out = dict(facts)
        out[head] = put(facts[head], rest, value)
        return out
    items = list(facts)
    items[head] = put(items[head], rest, value)
    return tuple(items)


def field_spec(rulebook, path: Sequence[str | int]) -> FieldSpec:
    """The declaration of the fact at ``path`` (a record field inside a list, too)."""
    spec = rulebook.inputs[path[0]]
    for step in path[1:]:
        if isinstance(step, int):
            continue
        t = spec.type.element if hasattr(spec.type, "element") else spec.type
        if not isinstance(t, RecordType):
            raise KeyError(step)
        spec = t.fields[step]
    return spec


@attrs.frozen
class Region:
    """Values of the varied facts (``constraints`` on their whole units) with one outcome;
    ``point`` is the one nearest the case that was evaluated."""

    constraints: tuple[Constraint, ...]
    point: tuple[int, ...]
    outcome: Outcome

    def interval(self, index: int = 0) -> tuple[int | None, int | None]:
        """The whole units of variable ``index`` in the region, for a region of one variable."""
        low = high = None
        for c in self.constraints:
            ((i, a),) = c.coefs
            assert i == index
            bound = Fraction(-c.const, a)
            if c.equal:
                return int(bound), int(bound)
            if a > 0:
                b = math.ceil(bound)
                low = b if low is None else max(low, b)
            else:
                b = math.floor(bound)
                high = b if high is None else min(high, b)
        return low, high


@attrs.frozen
class Exploration:
    variables: tuple[Variable, ...]
    regions: tuple[Region, ...]
    complete: bool  # False: stopped at MAX_REGIONS
    not_linear: NotLinear | None = None


def symbolic_facts(facts: dict, variables: Sequence[Variable]) -> dict:
    out = facts
    for i, v in enumerate(variables):
        out = put(out, v.path, v.symbol(i))
    return out


def explore(
    book,
    facts: dict,
    variables: Sequence[Variable],
    as_of: datetime.date | None,
    extra: Sequence[Constraint] = (),
    max_regions: int = MAX_REGIONS,
) -> Exploration:
    """Every region of the varied facts (``facts`` are typed, as validation returns them),
    nearest the case first within each branch of the search."""
    variables = tuple(variables)
    prefer = tuple(v.units(v.base) for v in variables)
    domain: list = [c for i, v in enumerate(variables) for c in v.bounds(i)] + list(extra)
    symbolic = symbolic_facts(copy.copy(facts), variables)
    regions: list[Region] = []
    work: list[tuple[Constraint, ...]] = [()]
    while work:
        check()  # each region is an evaluation: a stopped request ends here
        if len(regions) >= max_regions:
            return Exploration(variables, tuple(regions), False)
        chosen = work.pop()
        point = witness(domain + list(chosen), prefer)
        if point is None:
            continue
        path = Path(point)
        try:
            outcome = evaluate(book, symbolic, path, as_of)
        except NotLinear as err:
            return Exploration(variables, tuple(regions), False, err)
        decided = list(dict.fromkeys(c for c in path.constraints if c not in chosen))
        regions.append(Region(chosen + tuple(decided), point, outcome))
        # The rest of the branch: the same decisions up to one, then that one the other way.
        for i in reversed(range(len(decided))):
            for other in decided[i].negations():
                work.append(chosen + tuple(decided[:i]) + (other,))
    return Exploration(variables, tuple(regions), True)


def concrete(outcome: Outcome, point: Sequence[int]) -> dict[str, Any]:
    """The conclusions of a region at one of its points (a varying value evaluated there)."""
    out = {}
    for name, value in outcome.conclusions:
        out[name] = _at(value, point)
    return out


def _at(value: Any, point: Sequence[int]) -> Any:
    if isinstance(value, Lin):
        return normalize(value.at(point))
    if isinstance(value, tuple):
        return tuple(_at(v, point) for v in value)
    return value
