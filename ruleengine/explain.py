"""The explain path: the decision and the trace of how it was reached.

It runs the epoch's generated explain program (``codegen``), which evaluates exactly as the
fast path does and also keeps, for every rule, the elementary tests that decided it; this
module turns what it returns into a :class:`~ruleengine.trace.Trace`.
"""

from __future__ import annotations

import datetime

from .analysis.nearest import checked
from .trace import Outcomes, Trace, nearest_misses


def not_decided(rulebook, epoch, choices) -> list[str]:
    """Conclusions no rule in force decides: their value is a default, not a decision. Those
    of a lighter block are left to the block's own account (the trace's ``lighter_law`` says
    which version decides them, or that none does)."""
    taken = {c for block in rulebook.lighters.values() for c in block.decides}
    return [c for c in rulebook.conclusions if c in epoch.undecided and c not in taken]


def explain(rulebook, epoch, raw_facts: dict, day: datetime.date) -> Trace:
    facts, result = epoch.explain(raw_facts, day)
    decision, _, tests, claims, definitions, choices = result
    # The rules' traces are made when first read (``Outcomes``): an explanation whose rules
    # no one reads does not keep an object for each of them.
    outcomes = Outcomes(rulebook, claims, tests, epoch.overriders)
    trace = Trace(
        rulebook=rulebook,
        as_of=day,
        facts=facts,
        decision=decision,
        rules=outcomes,
        definitions=definitions,
        not_decided=not_decided(rulebook, epoch, choices),
        choices=list(choices),
    )

    def misses() -> list:
        # Found and checked when first shown (``Trace.misses``): each check decides a
        # changed case. (Not through ``trace``, which holds this function.)
        rules = outcomes.rules()
        found = nearest_misses(rulebook, decision, rules, in_order=True)
        if not found:
            return found
        return checked(
            found,
            rulebook,
            facts,
            lambda f: epoch.fast(f, day),
            rules,
            lambda f: explain(rulebook, epoch, f, day),
        )

    trace.misses = misses
    return trace
