"""Compile once, evaluate many: a checked rulebook becomes one program per period of time.

Rules come into and go out of force and parameters change value on known dates. Between two
such dates nothing changes, so the compiler builds, lazily and once, a program for each period
(an :class:`Epoch`): the rules in force, the parameter values as constants, the definitions
those rules need, in dependency order. Both evaluation paths run the same epoch: the fast
path (``codegen``) and the explain path (``interpreter``).
"""

from __future__ import annotations

import bisect
import datetime
from typing import Any

import attrs

from . import codegen, interpreter
from .checker import Rulebook
from .facts import validate_fields
from .runtime import Decision
from .trace import Trace


@attrs.define
class Epoch:
    """The rulebook as it stands between two change dates."""

    start: datetime.date | None
    end: datetime.date | None
    rules: list[str]  # in force, in plan order
    parameters: dict[str, Any]  # name -> value or MISSING
    plan: list[tuple[str, str]]
    overriders: dict[str, list[str]]  # rule -> in-force rules that override it
    fast: Any = None


class CompiledRulebook:
    """A rulebook ready to evaluate cases. Thread-safe for reading once epochs are built."""

    def __init__(self, rulebook: Rulebook):
        self.rulebook = rulebook
        self.changes = rulebook.change_dates()
        self._epochs: dict[int, Epoch] = {}
        self._fields = list(rulebook.inputs.values())

    # -- periods of time
    def epoch(self, day: datetime.date) -> Epoch:
        index = bisect.bisect_right(self.changes, day)
        found = self._epochs.get(index)
        if found is None:
            found = self._epochs[index] = self._build_epoch(index, day)
        return found

    def _build_epoch(self, index: int, day: datetime.date) -> Epoch:
        rb = self.rulebook
        start = self.changes[index - 1] if index > 0 else None
        end = self.changes[index] if index < len(self.changes) else None
        in_force = {name for name, rule in rb.rules.items() if self._rule_in_force(rule, day)}
        params = {name: p.value_on(day) for name, p in rb.parameters.items()}
        needed: set[tuple[str, str]] = set()
        for name in in_force:
            needed.add(("rule", name))
            needed |= rb.reads.get(("rule", name), set())
        # Definitions read by needed definitions are needed too.
        for step in reversed(rb.plan):
            if step in needed and step[0] == "define":
                needed |= rb.reads.get(step, set())
        plan = [step for step in rb.plan if step[0] == "conclusion" or step in needed]
        overriders: dict[str, list[str]] = {}
        for name in in_force:
            for target in rb.rules[name].overrides:
                if target in in_force:
                    overriders.setdefault(target, []).append(name)
        epoch = Epoch(
            start=start,
            end=end,
            rules=[n for k, n in plan if k == "rule"],
            parameters=params,
            plan=plan,
            overriders=overriders,
        )
        epoch.fast = codegen.generate(rb, epoch)
        return epoch

    def _rule_in_force(self, rule, day: datetime.date) -> bool:
        doc = self.rulebook.documents.get(rule.document) if rule.document else None
        if doc is not None:
            if doc.effective and day < doc.effective:
                return False
            if doc.until and day >= doc.until:
                return False
        return rule.in_force(day)

    # -- evaluation
    def as_of(self, facts: dict, as_of: datetime.date | None) -> datetime.date:
        """The date a case is judged at: given, else the header's date input, else today."""
        if as_of is not None:
            return as_of
        field = self.rulebook.date_input
        if field and isinstance(facts, dict) and field in facts:
            value = facts[field]
            if isinstance(value, datetime.date):
                return value
            if isinstance(value, str):
                try:
                    return datetime.date.fromisoformat(value)
                except ValueError:
                    pass  # reported by validation
        return datetime.date.today()

    def validate(self, facts: dict) -> dict:
        """Typed facts, or ``FactsError`` naming every field that is wrong."""
        return validate_fields(facts, self._fields)

    def decide(self, facts: dict, as_of: datetime.date | None = None) -> Decision:
        """The fast path: the decision only."""
        day = self.as_of(facts, as_of)
        return self.epoch(day).fast(facts, day)

    def explain(self, facts: dict, as_of: datetime.date | None = None) -> Trace:
        """The explain path: the decision and the trace of how it was reached."""
        day = self.as_of(facts, as_of)
        typed = self.validate(facts)
        return interpreter.explain(self.rulebook, self.epoch(day), typed, day)
