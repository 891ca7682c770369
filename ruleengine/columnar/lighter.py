"""``lighter`` blocks (the law in time) over columns, as ``lighter_eval.settle`` decides
them for one case: the rows of each earlier version's period evaluated again by that period's
program, the two outcomes compared by the block's scale, the version applied taken."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from .. import ir
from ..ir import MISSING
from .base import _DAY, _REDO, Blocked, Cols, _Block, _enum, _full_of, _List, _rows, np
from .expressions import _code, _Compiler, _run

#: How a ``lighter`` block's versions compare on a row (``lighter_eval.lighter_side``).
_PENDING, _DECISION, _ACT, _NOT_COMPARED = 0, 1, 2, 3


def _lighter(comp: _Compiler, block: ir.Lighter, earlier_program: Callable, tables: dict):
    """A ``lighter`` block's step, as ``lighter_eval.settle`` decides it for each row.

    The version in force on the as-of date is the same all through the program's period.
    A row whose act date falls in an earlier version's period is evaluated again by the
    program of that version's last day (``earlier_program(day)``, with the same bound on the
    inputs), the rows of each such period together; the block's conclusions are compared
    there and here as ``lighter_side`` does, and the act-date version's values taken where it
    applies, their codes made this program's. A conflict in the other evaluation sends the
    row one by one. Returns the columns of ``(applied, at_act,
    at_decision)``: ranks, -1 where there is no version (``_Compiler.version``)."""
    rb = comp.rb
    param = rb.parameters[block.versions]
    rank = block.type.rank
    starts = np.array([since.toordinal() for since, _ in param.values], dtype=np.int64)
    members = np.array([rank[m] for _, m in param.values], dtype=np.int64)
    now = comp.epoch.parameters.get(block.versions, MISSING)
    at_decision = -1 if now is MISSING else rank[now]
    act_day = _run(comp.day(block.act_date))
    earlier = []  # (period, its version's rank, the day judged on, its program, the code maps)
    for p, (_, member) in enumerate(param.values if now is not MISSING else ()):
        if member == now:  # the periods before the as-of version's (each version has one)
            break
        when = param.values[p + 1][0] - datetime.timedelta(days=1)  # its last day in force
        sub = earlier_program(when)
        if isinstance(sub, Blocked):
            raise _Block(sub.construct, sub.span)
        maps = {c: _recode(tables.get(c), sub.tables.get(c)) for c in block.decides}
        earlier.append((p, members[p], when.toordinal(), sub, maps))
    compare = [(c, _Key(rb.conclusions[c], tables.get(c))) for c in block.compare]
    undecided = comp.epoch.undecided
    decides = block.decides

    def step(cols, env):
        rows = _rows(cols)
        act = _full_of(cols, act_day(cols, env))
        # An act after the as-of date: a case judged before its acts, not compared; the version
        # in force on the act date is still the act's (lighter_eval.settle).
        later = act > env[_DAY]
        period = np.searchsorted(starts, act, side="right") - 1
        at_act = np.where(period >= 0, members[period], -1)
        applied = np.full(rows, at_decision, dtype=np.int64)
        for p, version, when, sub, maps in earlier:
            at = np.flatnonzero((period == p) & ~later)
            if not at.size:
                continue
            then = sub.run(_take(cols, at), when)
            env[_REDO][at] |= then[_REDO]
            side = np.full(at.size, _PENDING, dtype=np.int8)
            for c, key in compare:
                a = maps[c](then[("conclusion", c)])
                d = env[("conclusion", c)][at]
                _weigh(side, key(a), key(d), c in sub.epoch.undecided, c in undecided, key)
            side[side == _PENDING] = _ACT  # equal all through: the act-date version
            take = side == _ACT
            chosen = at[take]
            for c in decides:
                value = maps[c](then[("conclusion", c)])
                env[("conclusion", c)] = _put(env[("conclusion", c)], chosen, value, take)
            applied[chosen] = version
        return applied, at_act, np.full(rows, at_decision, dtype=np.int64)

    return step


def _weigh(side, ka, kd, a_undecided: bool, d_undecided: bool, key) -> None:
    """One conclusion of ``compare`` on the rows still pending (``lighter_side``): keys ``ka``
    (the act-date version's) and ``kd`` (the as-of version's), -1 where not decided."""
    pending = side == _PENDING
    a_unset = (ka < 0) | a_undecided
    d_unset = (kd < 0) | d_undecided
    side[pending & a_unset] = _NOT_COMPARED
    pending &= ~a_unset
    # Not decided as of the decision: only the act-date version's lowest member (of a scale)
    # compares, as nothing is lighter than it.
    lowest = (ka == 0) if key.scale else np.zeros_like(pending)
    side[pending & d_unset & ~lowest] = _NOT_COMPARED
    pending &= ~d_unset
    side[pending & (kd < ka)] = _DECISION
    side[pending & (ka < kd)] = _ACT


class _Key:
    """``key(codes)``: a compared conclusion's codes as keys in the order of its values
    (ranks for a scale; for numbers, amounts and dates, their order in the table), -1 where
    no rule decided it."""

    def __init__(self, c: ir.Conclusion, table: list | None):
        self.scale = _enum(c.type)
        self.table = None if self.scale or c.kind == "highest" else table
        self.size = -1
        self.order = None

    def __call__(self, codes):
        if self.table is None:
            return codes
        if self.size != len(self.table):  # the table is complete once the program is made
            distinct = sorted(set(self.table))
            where = {v: i for i, v in enumerate(distinct)}
            self.order = np.array([where[v] for v in self.table] + [-1], dtype=np.int64)
            self.size = len(self.table)
        return self.order[codes]


def _recode(mine: list | None, theirs: list | None) -> Callable[[Any], Any]:
    """Another program's column of a conclusion in this program's codes (a value's table
    codes; other kinds' columns are the same in both)."""
    if mine is None or theirs is None:
        return lambda column: column
    codes = np.array([_code(mine, v) for v in theirs] + [-1], dtype=np.int64)
    return lambda column: codes[column]


def _take(cols: Cols, at) -> Cols:
    """The rows ``at`` of the columns (a list's items with them)."""
    out: Cols = {"__rows__": int(at.size)}
    for k, v in cols.items():
        if k == "__rows__":
            continue
        out[k] = v.take(at) if isinstance(v, _List) else v[at]
    return out


def _put(column, at, values, take):
    """``column`` with the rows ``at`` set to ``values[take]`` (a range's columns each)."""
    if isinstance(column, tuple):
        return tuple(_put(c, at, v, take) for c, v in zip(column, values))
    column = np.array(column, copy=True)
    column[at] = values[take]
    return column
