"""Exact linear algebra for the what-if analysis: expressions, constraints, and a point in a
region.

The analysis varies a few facts at once. Each varied fact is a *variable* that takes whole
values in its own unit: a count in items, money in fen (0.01 yuan), a decimal in hundredths,
a date in days. A value of the rules that depends on the variables is a :class:`Lin`, an exact
linear expression over them; every test the rules make on such a value is a linear
constraint. Because the variables are whole, a strict inequality is a non-strict one moved by
one unit, so every constraint is ``sum(c_i x_i) + c0 >= 0`` or ``... == 0`` with integer
coefficients (:class:`Constraint`), and a region of the facts is a list of them.

:func:`witness` finds a whole point of a region, as near a preferred point as it can, by
Fourier–Motzkin elimination and back substitution: exact for one variable; for two or three,
exact in the rationals and searched, within a bound, for a whole point.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from fractions import Fraction

import attrs

#: At most this many whole values of a variable are tried, when choosing one leaves the
#: next variable no whole value (two or three variables only).
MAX_TRIES = 64
#: Constraints kept at any step of an elimination; past it, the region is "not explored".
MAX_CONSTRAINTS = 4000


class NotLinear(Exception):
    """A value of the rules is not a linear function of the varied facts (a product of two
    of them, a division by one, a function of a plugin's)."""

    def __init__(self, what: str, span=None):
        super().__init__(what)
        self.what = what
        self.span = span


@attrs.frozen
class Lin:
    """``sum(coefs[i] * x_i) + const``, exact; ``coefs`` as sorted ``(variable, coefficient)``
    pairs with no zero coefficient."""

    coefs: tuple[tuple[int, Fraction], ...]
    const: Fraction

    @staticmethod
    def var(index: int, scale: int = 1) -> Lin:
        """The value of variable ``index`` in the facts' own unit (its whole count / scale)."""
        return Lin(((index, Fraction(1, scale)),), Fraction(0))

    @staticmethod
    def of(value) -> Lin:
        return value if isinstance(value, Lin) else Lin((), Fraction(value))

    @property
    def constant(self) -> bool:
        return not self.coefs

    def at(self, point: Sequence[int]) -> Fraction:
        return self.const + sum((c * point[i] for i, c in self.coefs), Fraction(0))

    def __add__(self, other) -> Lin:
        other = Lin.of(other)
        merged = dict(self.coefs)
        for i, c in other.coefs:
            merged[i] = merged.get(i, 0) + c
        return Lin(_clean(merged), self.const + other.const)

    __radd__ = __add__

    def __neg__(self) -> Lin:
        return Lin(tuple((i, -c) for i, c in self.coefs), -self.const)

    def __sub__(self, other) -> Lin:
        return self + (-Lin.of(other))

    def __rsub__(self, other) -> Lin:
        return Lin.of(other) - self

    def scaled(self, k) -> Lin:
        k = Fraction(k)
        if k == 0:
            return Lin((), Fraction(0))
        return Lin(tuple((i, c * k) for i, c in self.coefs), self.const * k)

    def variables(self) -> set[int]:
        return {i for i, _ in self.coefs}


def _clean(coefs: dict[int, Fraction]) -> tuple[tuple[int, Fraction], ...]:
    return tuple(sorted((i, Fraction(c)) for i, c in coefs.items() if c != 0))


@attrs.frozen
class Constraint:
    """``sum(coefs[i] * x_i) + const >= 0`` (or ``== 0`` when ``equal``), integer
    coefficients with no common factor."""

    coefs: tuple[tuple[int, int], ...]
    const: int
    equal: bool = False

    def holds(self, point: Sequence[int]) -> bool:
        total = self.const + sum(c * point[i] for i, c in self.coefs)
        return total == 0 if self.equal else total >= 0

    def negations(self) -> list[Constraint]:
        """The constraints whose union is the complement: one for ``>=``, two for ``==``."""
        flipped = tuple((i, -c) for i, c in self.coefs)
        if self.equal:
            return [
                Constraint(self.coefs, self.const - 1),  # e >= 1
                Constraint(flipped, -self.const - 1),  # e <= -1
            ]
        return [Constraint(flipped, -self.const - 1)]  # e <= -1

    def variables(self) -> set[int]:
        return {i for i, _ in self.coefs}


def constraint(lin: Lin, relation: str) -> Constraint | bool:
    """``lin relation 0`` (``>=``, ``>``, ``<=``, ``<``, ``=``) over whole variables; a
    constant comparison is returned as its truth."""
    if relation in ("<=", "<"):
        lin, relation = -lin, {"<=": ">=", "<": ">"}[relation]
    if lin.constant:
        v = lin.const
        return v == 0 if relation == "=" else (v > 0 if relation == ">" else v >= 0)
    denominators = [c.denominator for _, c in lin.coefs] + [lin.const.denominator]
    m = math.lcm(*denominators)
    coefs = [(i, int(c * m)) for i, c in lin.coefs]
    const = lin.const * m  # an integer
    # Whole variables: the sum of whole terms is whole, so "s + c > 0" is "s + ceil(c) - 1 >= 0"
    # and "s + c >= 0" is "s + ceil(c) >= 0".
    const = int(const)
    if relation == ">":
        const -= 1
    return _normal(tuple(coefs), const, relation == "=")


def _normal(coefs: tuple[tuple[int, int], ...], const: int, equal: bool) -> Constraint | bool:
    """Divide out the common factor of the coefficients (tightening the constant of an
    inequality: whole variables); a constraint with no variables left is its truth."""
    coefs = tuple((i, c) for i, c in coefs if c != 0)
    if not coefs:
        return const == 0 if equal else const >= 0
    g = math.gcd(*(c for _, c in coefs))
    if g > 1:
        if equal:
            if const % g:
                return False  # no whole solution
            const //= g
        else:
            const = math.floor(Fraction(const, g))
        coefs = tuple((i, c // g) for i, c in coefs)
    return Constraint(coefs, const, equal)


# ------------------------------------------------------------------ finding a point
def _coef(c: Constraint, k: int) -> int:
    for i, v in c.coefs:
        if i == k:
            return v
    return 0


def _combine(a: Constraint, ka: int, b: Constraint, kb: int) -> Constraint | bool:
    """``ka * a + kb * b`` (ka, kb > 0 for inequalities)."""
    merged: dict[int, int] = {}
    for i, c in a.coefs:
        merged[i] = merged.get(i, 0) + ka * c
    for i, c in b.coefs:
        merged[i] = merged.get(i, 0) + kb * c
    const = ka * a.const + kb * b.const
    coefs = tuple(sorted((i, c) for i, c in merged.items() if c != 0))
    if not coefs:
        return const == 0 if (a.equal and b.equal) else const >= 0
    # Rational elimination: the divided constant is not tightened here (it would cut whole
    # points of the projection that a rational shadow keeps; back substitution checks them).
    g = math.gcd(*(c for _, c in coefs), const) or 1
    return Constraint(tuple((i, c // g) for i, c in coefs), const // g, a.equal and b.equal)


def eliminate(cons: list[Constraint], k: int) -> list[Constraint] | None:
    """The constraints on the other variables that hold wherever ``cons`` can hold for some
    rational ``x_k`` (Fourier–Motzkin); ``None`` if none can."""
    with_k = [c for c in cons if _coef(c, k) != 0]
    rest = [c for c in cons if _coef(c, k) == 0]
    out: list[Constraint] = list(rest)
    equal = next((c for c in with_k if c.equal), None)
    if equal is not None:
        e = _coef(equal, k)
        for c in with_k:
            if c is equal:
                continue
            ck = _coef(c, k)
            # |e| * c - sign(e) * ck * equal: the x_k terms cancel, and c keeps its direction.
            sign = 1 if e > 0 else -1
            combined = _combine(c, abs(e), equal, -sign * ck)
            if combined is False:
                return None
            if combined is not True:
                out.append(combined)
    else:
        pos = [c for c in with_k if _coef(c, k) > 0]
        neg = [c for c in with_k if _coef(c, k) < 0]
        for p in pos:
            for q in neg:
                combined = _combine(p, -_coef(q, k), q, _coef(p, k))
                if combined is False:
                    return None
                if combined is not True:
                    out.append(combined)
    out = list(dict.fromkeys(out))
    if len(out) > MAX_CONSTRAINTS:
        raise NotLinear(f"more than {MAX_CONSTRAINTS} constraints to eliminate")
    return out


def _interval(cons: Iterable[Constraint], k: int, point: list[int | None]):
    """``(low, high, exact)`` for whole ``x_k`` given the chosen values of the others: the
    bounds (``None``: unbounded), or ``(1, 0)`` when empty; ``exact`` is a forced value."""
    low: int | None = None
    high: int | None = None
    exact: int | None = None
    for c in cons:
        ck = _coef(c, k)
        rest = c.const + sum(v * point[i] for i, v in c.coefs if i != k)
        if ck == 0:
            if not (rest == 0 if c.equal else rest >= 0):
                return 1, 0, None
            continue
        bound = Fraction(-rest, ck)
        if c.equal:
            if bound.denominator != 1 or (exact is not None and exact != bound):
                return 1, 0, None
            exact = int(bound)
        elif ck > 0:  # x_k >= bound
            b = math.ceil(bound)
            low = b if low is None else max(low, b)
        else:  # x_k <= bound
            b = math.floor(bound)
            high = b if high is None else min(high, b)
    if exact is not None:
        if (low is not None and exact < low) or (high is not None and exact > high):
            return 1, 0, None
        return exact, exact, exact
    if low is not None and high is not None and low > high:
        return 1, 0, None
    return low, high, None


def _nearest(low: int | None, high: int | None, prefer: int) -> int:
    if low is not None and prefer < low:
        return low
    if high is not None and prefer > high:
        return high
    return prefer


def witness(cons: Sequence[Constraint], prefer: Sequence[int]) -> tuple[int, ...] | None:
    """A whole point satisfying every constraint, each coordinate as near ``prefer`` as the
    earlier ones allow; ``None`` when there is none (or none found within the bound, for two
    or more variables whose rational region holds no whole point near the preferred one)."""
    n = len(prefer)
    if any(c is False for c in cons):
        return None
    cons = [c for c in cons if c is not True]
    for c in cons:
        if any(i >= n for i in c.variables()):
            raise ValueError("a constraint names a variable that does not exist")
    systems: list[list[Constraint]] = [cons]  # systems[j]: variables n-1 .. n-j eliminated
    for k in reversed(range(1, n)):
        reduced = eliminate(systems[-1], k)
        if reduced is None:
            return None
        systems.append(reduced)
    point: list[int | None] = [None] * n

    def choose(k: int) -> bool:
        system = systems[n - 1 - k]
        low, high, exact = _interval(system, k, point)
        if low is not None and high is not None and low > high:
            return False
        first = exact if exact is not None else _nearest(low, high, prefer[k])
        if k == n - 1:
            point[k] = first
            return True
        # Try values outward from the first choice, within the interval, a bounded number.
        for step in range(MAX_TRIES):
            for value in (first + step, first - step) if step else (first,):
                if (low is not None and value < low) or (high is not None and value > high):
                    continue
                point[k] = value
                if choose(k + 1):
                    return True
            if exact is not None:
                break
        point[k] = None
        return False

    if n == 0:
        return () if not cons else None
    return tuple(point) if choose(0) else None  # type: ignore[arg-type]
