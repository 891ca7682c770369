"""The nearest miss, checked: a miss is shown only with a change of the facts that, decided
again, does reach the level it names.

The nearest miss (``trace.nearest_misses``) picks the failed test closest to the next level
up. Meeting that test alone does not always reach the level: ``items >= 25 and in_duty``
with 20 items and not in duty needs both. So each miss of a single fact is tried by deciding
the case again with that fact at the value the test needs; if the level is not reached, the
other failed tests of the same provision that read a single fact are met too, and tried
again. A miss that no such change reaches is left out (the what-if analysis, ``explain
--whatif``, searches further). A miss on a composite quantity that no change of one fact
is tried for (a definition with parameters) has no checked change of its own, and is left
out too (docs/whatif.md: a miss is shown only with a checked change).

This is cheap (a decision or two for each miss), so every explanation has it.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import attrs

from ..trace import Atom, Miss, RuleTrace
from ..types import MoneyType, rank_of

Decide = Callable[[dict], Any]  # facts -> Decision


def checked(
    misses: list[Miss], rulebook, facts: dict, decide: Decide, rules: list[RuleTrace]
) -> list[Miss]:
    """``misses`` with the change that reaches each one's level; unchecked ones left out."""
    by_rule = {r.name: r for r in rules}
    out: dict[int, Miss] = {}
    for i, miss in enumerate(misses):
        if not _changeable(miss.atom, rulebook):
            continue
        change = _change(miss, rulebook, facts, decide, by_rule[miss.rule])
        if change is not None:
            out[i] = attrs.evolve(miss, changes=tuple(change))
    return [out[i] for i in range(len(misses)) if i in out]


def _changeable(atom: Atom, rulebook) -> bool:
    """Whether a test reads a fact, or a definition of facts without parameters."""
    return atom.left_input is not None or (
        atom.left_define is not None and not rulebook.definitions[atom.left_define].params
    )


def _change(miss: Miss, rulebook, facts, decide: Decide, trace: RuleTrace):
    """``[(fact, in the case, needed)]`` reaching the miss's level, or None."""
    for first in _candidates(miss.atom, rulebook, facts):
        changes = [first]
        if _reaches(miss, rulebook, facts, decide, changes):
            return changes
        for atom in trace.evidence:  # the other tests of the provision that it misses
            if atom.result or atom is miss.atom:
                continue
            more = _needed(atom, rulebook, facts)
            if more is None or any(c[0] == more[0] for c in changes):
                continue
            changes.append(more)
        if len(changes) > 1 and _reaches(miss, rulebook, facts, decide, changes):
            return changes
    return None


def _candidates(atom: Atom, rulebook, facts) -> list[tuple[str, Any, Any]]:
    """Changes of one fact that could meet the test: of the fact it reads, or, for a test of
    a definition (the items of item 4, a sum of facts), of each fact the definition reads,
    those the case has some of first, each moved by the shortfall."""
    if atom.left_input is not None:
        needed = _needed(atom, rulebook, facts)
        return [needed] if needed is not None else []
    gap = atom.shortfall()
    if gap is None:
        return []
    if atom.op == ">":
        gap += 1 if isinstance(atom.left, int) else Fraction(1, 100)
    body = rulebook.definitions[atom.left_define].body
    names = [n for n in _inputs(body) if n in facts and _is_number(facts[n])]
    names.sort(key=lambda n: facts[n] == 0)
    out = []
    for name in names:
        value = facts[name] + gap
        t = rulebook.inputs[name].type
        if t.kind == "integer" and Fraction(value).denominator != 1:
            continue
        out.append((name, facts[name], _plain(value)))
    return out


def _inputs(e) -> list[str]:
    """The inputs an expression reads itself, each once."""
    from .. import ir

    out: list[str] = []
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Ref) and node.kind == "input" and node.name not in out:
            out.append(node.name)
        for f in attrs.fields(type(node)):
            v = getattr(node, f.name)
            if isinstance(v, ir.Expr):
                stack.append(v)
            elif isinstance(v, list):
                stack.extend(x for x in v if isinstance(x, ir.Expr))
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


def _plain(v):
    return v.numerator if isinstance(v, Fraction) and v.denominator == 1 else v


def _reaches(miss: Miss, rulebook, facts, decide: Decide, changes) -> bool:
    moved = dict(facts)
    for fact, _, value in changes:
        moved[fact] = value
    try:
        decision = decide(moved)
    except Exception:  # noqa: BLE001 - a change the rules cannot evaluate reaches nothing
        return False
    if decision.conflicts:
        return False
    c = rulebook.conclusions[miss.conclusion]
    value = decision.conclusions[miss.conclusion]
    rank = rank_of(c.type)
    return isinstance(value, str) and rank[value] >= rank[miss.level]


def _needed(atom: Atom, rulebook, facts) -> tuple[str, Any, Any] | None:
    """The value of the single fact a failed test reads that would meet it."""
    name = atom.left_input
    if name is None or name not in facts:
        return None
    t = rulebook.inputs[name].type
    now = facts[name]
    if atom.op is None and isinstance(now, bool):
        # "in_duty" or, under a not, "not (in_duty)": either way the other truth value.
        return name, now, not now
    right = atom.right
    if isinstance(now, bool) or not isinstance(right, (int, Fraction)):
        return (name, now, right) if atom.op == "=" and type(right) is type(now) else None
    op = atom.op
    if op in (">=", "<=", "="):
        needed = right
    elif op in (">", "<"):
        unit = Fraction(1, 100) if isinstance(t, MoneyType) or t.kind == "decimal" else 1
        needed = right + unit if op == ">" else right - unit
    else:
        return None
    if t.kind == "integer":
        if Fraction(needed).denominator != 1:
            needed = (int(needed) + 1) if atom.op in (">=", ">") else int(needed)
        needed = int(needed)
    return name, now, _plain(needed)
