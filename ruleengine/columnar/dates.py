"""Calendar arithmetic on columns of day numbers: a date moved by months, years and days.

As ``types.add_duration`` moves one date: the same day of the month so many months on, or
that month's last day where it is shorter (2016-02-29 plus five years is 2021-02-28), then
the duration's days. numpy's ``datetime64`` does the calendar (proleptic Gregorian, as
``datetime``), in integers throughout.
"""

from __future__ import annotations

import datetime

from ..types import Duration
from .base import np

_EPOCH = datetime.date(1970, 1, 1).toordinal()
_LAST = datetime.date.max.toordinal()


def shift(days, span: Duration, sign: int = 1) -> tuple:
    """``days`` (day numbers, ``date.toordinal``) moved by ``span`` (``sign`` -1: back), and
    which rows the engine cannot move (out of years 1 to 9999: ``runtime.date_add`` stops
    with an error; their value here is meaningless)."""
    d = np.asarray(days, dtype=np.int64)
    off = np.zeros(d.shape, dtype=bool)
    if span.months:
        on = (d - _EPOCH).astype("datetime64[D]")
        month = on.astype("datetime64[M]")
        into = (on - month.astype("datetime64[D]")).astype(np.int64)  # 0-based day of month
        to = month + np.timedelta64(sign * span.months, "M")
        start = to.astype("datetime64[D]")
        length = ((to + np.timedelta64(1, "M")).astype("datetime64[D]") - start).astype(np.int64)
        year = to.astype(np.int64) // 12 + 1970
        off |= (year < 1) | (year > 9999)
        d = start.astype(np.int64) + np.minimum(into, length - 1) + _EPOCH
    d = d + sign * span.days
    return d, off | (d < 1) | (d > _LAST)
