"""The explain path: the decision and the trace of how it was reached.

It runs the epoch's generated explain program (``codegen``), which evaluates exactly as the
fast path does and also keeps, for every rule, the elementary tests that decided it; this
module turns what it returns into a :class:`~ruleengine.trace.Trace`.
"""

from __future__ import annotations

import datetime

from .analysis.nearest import checked
from .trace import RuleTrace, Trace, nearest_misses


def not_decided(rulebook, epoch, choices) -> list[str]:
    """Conclusions no rule in force decides: their value is a default, not a decision. Those
    of a lighter block are left to the block's own account (the trace's ``lighter_law`` says
    which version decides them, or that none does)."""
    taken = {c for block in rulebook.lighters.values() for c in block.decides}
    return [c for c in rulebook.conclusions if c in epoch.undecided and c not in taken]


def explain(rulebook, epoch, raw_facts: dict, day: datetime.date) -> Trace:
    facts, result = epoch.explain(raw_facts, day)
    decision, outcome, atoms, claims, definitions, choices = result
    traces: dict[str, RuleTrace] = {}
    for name, (fired, applies) in outcome.items():
        if applies:
            status, blockers = "applied", []
        elif fired:
            status = "set_aside"
            blockers = [o for o in epoch.overriders.get(name, []) if outcome[o][1]]
        else:
            status, blockers = "not_met", []
        traces[name] = RuleTrace(name, status, atoms[name], set_aside_by=blockers)
    for rule, conclusion, value, upper in claims:
        traces[rule].conclusions.append((conclusion, value, upper))
    ordered = [traces.get(name) or RuleTrace(name, "not_in_force") for name in rulebook.rules]
    trace = Trace(
        rulebook=rulebook,
        as_of=day,
        facts=facts,
        decision=decision,
        rules=ordered,
        definitions=definitions,
        not_decided=not_decided(rulebook, epoch, choices),
        choices=list(choices),
    )
    misses = nearest_misses(rulebook, decision, ordered)
    if misses:
        # Checked when first shown (``Trace.misses``): each check decides a changed case.
        trace.misses = lambda: checked(
            misses,
            rulebook,
            facts,
            lambda f: epoch.fast(f, day),
            ordered,
            lambda f: explain(rulebook, epoch, f, day),
        )
    return trace
