"""Calendar arithmetic on day numbers as solver terms: a date moved by months or years.

The engine moves a date by a duration of months as ``types.add_duration`` does: the same day
of the month so many months on, or the month's last day where it is shorter (2016-02-29 plus
five years is 2021-02-28), then the duration's days. Dates are ``Int`` day numbers
(``date.toordinal``) in the encoding. Two exact encodings:

- over the facts' dates (``DAYS``), the days a move adds are known in advance for every day,
  and between the century years that are not leap years (1900, 2100) they repeat every four
  years (1,461 days): a few segments, each a step function of the day's place in its four
  years (one division by a constant). The solver decides it about as fast as a comparison
  of dates; a balanced tree over the 300 years' steps took ten times as long, and the
  calendar below a hundred times;
- anywhere, the year, month and day recovered from the number as the proleptic Gregorian
  calendar defines them (``datetime``'s own algorithm: divisions by constants, which linear
  integer arithmetic holds exactly) and the date built back from them: used only where the
  day may leave the facts' dates.

No fresh variables: each result is a term of the day it moves, so it holds in every version
of the rulebook that reads it.
"""

from __future__ import annotations

import datetime
import functools

import z3

from ..types import Duration, add_duration

#: Days before the first of each month in a common year (index 1..12).
_BEFORE = (0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_LENGTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_400Y, _100Y, _4Y = 146097, 36524, 1461
_LAST = datetime.date.max.toordinal()
#: The days a fact's date may take (``encode`` bounds the facts by them): where the
#: segments (``_segments``) hold a move.
DAYS = (datetime.date(1900, 1, 1).toordinal(), datetime.date(2199, 12, 31).toordinal())
_CYCLE = 1461  # four years of the Julian calendar, which the Gregorian is between 1900 and 2100


def _leap(year) -> z3.BoolRef:
    return z3.Or(z3.And(year % 4 == 0, year % 100 != 0), year % 400 == 0)


def _days_before_year(year):
    y = year - 1
    return 365 * y + y / 4 - y / 100 + y / 400


def _year_and_day(day) -> tuple:
    """The year of day number ``day`` (1 is 0001-01-01) and its 0-based day of the year."""
    n400, n = (day - 1) / _400Y, (day - 1) % _400Y
    n100, n = n / _100Y, n % _100Y
    n4, n = n / _4Y, n % _4Y
    n1, n = n / 365, n % 365
    year = n400 * 400 + n100 * 100 + n4 * 4 + n1 + 1
    last = z3.Or(n1 == 4, n100 == 4)  # 31 December of a leap year
    return z3.If(last, year - 1, year), z3.If(last, 365, n)


def _month_start(year, month: int):
    """The 0-based day of the year on which ``month`` (a constant) of ``year`` starts."""
    extra = z3.If(_leap(year), 1, 0) if month > 2 else 0
    return _BEFORE[month] + extra


def _month_length(year, month: int):
    return z3.If(_leap(year), 29, 28) if month == 2 else _LENGTH[month]


def shift(day, span: Duration, sign: int = 1, bounds=()) -> tuple:
    """``day`` moved by ``span`` (``sign`` -1: back), and when the engine cannot move it
    (the date leaves years 1 to 9999: ``runtime.date_add`` stops with an error).
    ``bounds``: what is known of the facts, to tell whether ``day`` stays in ``DAYS``
    (then the segments alone hold it)."""
    if not span.months:
        moved = day + sign * span.days
        return moved, z3.Or(moved < 1, moved > _LAST)
    segments = _segments(span.months, sign)
    if segments is None:  # some fact's date leaves the calendar
        return _calendar(day, span, sign)
    moved = day + _segmented(day, segments) + sign * span.days
    off = z3.Or(moved < 1, moved > _LAST) if span.days else z3.BoolVal(False)
    if _within(day, bounds):
        return moved, off
    inside = z3.And(day >= DAYS[0], day <= DAYS[1])
    exact, fails = _calendar(day, span, sign)
    return z3.If(inside, moved, exact), z3.If(inside, off, fails)


@functools.lru_cache(maxsize=64)
def _segments(months: int, sign: int) -> tuple | None:
    """The days a move by ``months`` adds to each day of ``DAYS``, as segments (first day,
    steps): in a segment the days added are the steps' value at the day's place in its four
    years, counted from the segment's first day (steps: (first place, days added)). None
    where the move takes some day of ``DAYS`` out of the calendar."""
    span, added = Duration(months=months), []
    for n in range(DAYS[0], DAYS[1] + 1):
        on = datetime.date.fromordinal(n)
        if on.day in (1, 29, 30, 31) or not added:  # the same from the 1st to the 28th
            try:
                value = add_duration(on, span, sign).toordinal() - n
            except (ValueError, OverflowError):
                return None
        added.append(value)
    out, i = [], 0
    while i < len(added):
        place: dict[int, int] = {}
        j = i
        while j < len(added) and place.setdefault((j - i) % _CYCLE, added[j]) == added[j]:
            j += 1
        steps: list[tuple[int, int]] = []
        for at in sorted(place):
            if not steps or steps[-1][1] != place[at]:
                steps.append((at, place[at]))
        out.append((DAYS[0] + i, tuple(steps)))
        i = j
    return tuple(out)


def _segmented(day, segments: tuple):
    """The days added, from the day's place in the four years counted from ``DAYS[0]``: one
    division for every move of the day (the solver shares the term), each segment's place
    a shift of it."""
    place = (day - DAYS[0]) % _CYCLE
    return _by_segment(day, place, segments)


def _by_segment(day, place, segments: tuple):
    if len(segments) == 1:
        first, steps = segments[0]
        if len(steps) == 1:
            return z3.IntVal(steps[0][1])
        shift = (DAYS[0] - first) % _CYCLE  # the place counted from the segment's first day
        at = (
            z3.If(place >= _CYCLE - shift, place + shift - _CYCLE, place + shift)
            if shift
            else place
        )
        return _tree(at, steps)
    half = len(segments) // 2
    return z3.If(
        day < segments[half][0],
        _by_segment(day, place, segments[:half]),
        _by_segment(day, place, segments[half:]),
    )


def _tree(at, steps: tuple):
    if len(steps) == 1:
        return z3.IntVal(steps[0][1])
    half = len(steps) // 2
    return z3.If(at < steps[half][0], _tree(at, steps[:half]), _tree(at, steps[half:]))


def _within(day, bounds) -> bool:
    """Whether the facts' bounds keep ``day`` in ``DAYS`` (a quick question)."""
    if not bounds:
        return False
    s = z3.Solver()
    s.set("timeout", 2000)
    s.add(*bounds, z3.Or(day < DAYS[0], day > DAYS[1]))
    return s.check() == z3.unsat


def _calendar(day, span: Duration, sign: int) -> tuple:
    """The move through the year, month and day of ``day``: exact for any day."""
    year, doy = _year_and_day(day)
    moved = fails = None
    for month in range(1, 13):  # the month the day falls in (the latest start), where it lands
        total = month - 1 + sign * span.months
        to_year, to_month = year + total // 12, total % 12 + 1
        dd = doy - _month_start(year, month) + 1
        length = _month_length(to_year, to_month)
        landed = (
            _days_before_year(to_year)
            + _month_start(to_year, to_month)
            + z3.If(dd <= length, dd, length)
        )
        off = z3.Or(to_year < 1, to_year > 9999)
        if moved is None:
            moved, fails = landed, off
        else:
            inside = doy >= _month_start(year, month)
            moved, fails = z3.If(inside, landed, moved), z3.If(inside, off, fails)
    moved = moved + sign * span.days
    return moved, z3.Or(day < 1, fails, moved < 1, moved > _LAST)
