"""Where a threshold came from: the dated parameters each rule reads, and for a case, the
value each had on the day, since when, and its reference.

A lawyer checking "500 items" against the law wants to know that it is the standard of
Art. 5(1)(4) as it stood from 2017-06-01, not a number someone typed. Parameters are read
through definitions too (``item4_met(k)`` reads ``item4_standard``), so each rule's set is
the closure over the definitions it calls, computed once per rulebook.
"""

from __future__ import annotations

import datetime
from typing import Any

import attrs

from . import ir
from .memo import per_rulebook


@attrs.frozen
class ParameterValue:
    """A parameter as a case used it: its value on the day and the date it holds from."""

    name: str
    value: Any
    since: datetime.date | None
    reference: Any  # LocalText | None: its source, in one language or both
    label: Any = None


@per_rulebook
def parameters_read(rulebook) -> dict[str, tuple[str, ...]]:
    """``{rule: parameters it reads}``, through every definition it calls."""
    return _compute(rulebook)


def _compute(rulebook) -> dict[str, tuple[str, ...]]:
    direct: dict[str, set[str]] = {}  # definition -> parameters it reads itself
    calls: dict[str, set[str]] = {}  # definition -> definitions it calls or reads
    for name, d in rulebook.definitions.items():
        direct[name], calls[name] = _reads(d.body)
    closed: dict[str, set[str]] = {}

    def close(name: str) -> set[str]:
        if name in closed:
            return closed[name]
        closed[name] = set(direct.get(name, ()))  # cycles are refused by the checker
        stack, seen = list(calls.get(name, ())), {name}
        while stack:
            other = stack.pop()
            if other in seen:
                continue
            seen.add(other)
            closed[name] |= direct.get(other, set())
            stack.extend(calls.get(other, ()))
        return closed[name]

    out = {}
    for name, rule in rulebook.rules.items():
        params: set[str] = set()
        exprs = [rule.when] + [a.value for a in rule.then] + [a.upper for a in rule.then]
        for e in exprs:
            if e is None:
                continue
            here, called = _reads(e)
            params |= here
            for d in called:
                params |= close(d)
        out[name] = tuple(sorted(params))
    return out


def _reads(e: ir.Expr) -> tuple[set[str], set[str]]:
    """The parameters and the definitions an expression reads itself."""
    params: set[str] = set()
    defines: set[str] = set()
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Ref) and node.kind == "parameter":
            params.add(node.name)
        elif isinstance(node, ir.Ref) and node.kind == "define":
            defines.add(node.name)
        elif isinstance(node, ir.CallDef):
            defines.add(node.name)
        stack.extend(ir.children(node))
    return params, defines


def used(rulebook, rules: list[str], day: datetime.date) -> list[ParameterValue]:
    """The parameters the given rules read, as they stood on ``day``, by name."""
    read = parameters_read(rulebook)
    names = sorted({p for r in rules for p in read.get(r, ())})
    out = []
    for name in names:
        param = rulebook.parameters[name]
        since, value = None, ir.MISSING
        for start, v in param.values:
            if start <= day:
                since, value = start, v
        if value is ir.MISSING:
            continue  # no value on the day: the rule says so when it reads it
        out.append(ParameterValue(name, value, since, param.reference, param.label))
    return out
