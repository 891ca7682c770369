"""The law in time, evaluated: the version of a provision a case is judged under.

For a ``lighter`` block (checked in ``lighter.py``) and one case judged as of day *D*:

- the version in force on *D* (the value of the versions parameter on *D*) decides the block's
  conclusions as the case is evaluated anyway;
- the version in force on the act date *A* is the one the case is judged under, unless the
  *D* version is lighter. When they differ, the *A* version's outcome is the rulebook's as it
  stood on the last day that version was in force (the rules in force then, the parameter
  values then), with the same facts;
- the conclusions of ``compare`` are compared in order (scale members by rank, numbers,
  amounts and dates by value): the first that differs decides, and the lower value is the
  lighter. Equal all through, the *A* version applies (it is not lighter to change). A
  conclusion no rule in force decides under a version (its value is a default, not a
  decision) is not decided under it; when one is not decided under one of the versions, the
  two cannot be compared and the *D* version's outcome stands, unless the *A* version gives
  the lowest member of a scale, which nothing undercuts;
- an act date before every version is judged under the *D* version;
- an act date after *D* is a case judged before its acts, which cannot be (Criminal Law Art. 12
  compares the law of the act with the law at the decision: the acts come first). No version is
  compared or taken as the act's: the conclusions are those the rules in force on *D* give
  (``applied`` reads the *D* version), and the reason, ``judged_before_acts``, says so, with
  the version truly in force on *A*. Where such a case must not be decided, the rule text says
  so from the act date (pi2017's cl12_judged_before_the_acts, ccdi's
  cl12_*_judged_before_the_acts); the core cannot make the conclusions unreadable, as other
  rules read them. An act date after *D* also arises inside an evaluation on an earlier day for
  another block, whose act date is earlier than this one's.

Every evaluator (the generated programs, the reference interpreter of the tests, the what-if
analysis) runs :func:`settle` with its own way of evaluating the case on another day, so the
rule is written once. The evaluation on an earlier day runs that day's blocks too; each one
looks only at earlier versions, so the recursion ends.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import attrs

from . import ir
from .runtime import Conflict, Unset
from .types import EnumType

#: Why the version applied was chosen; labels in render/explanation.py.
REASONS = (
    "same_version",
    "act_version",
    "later_lighter",
    "not_compared",
    "no_act_version",
    "judged_before_acts",
)


@attrs.frozen
class Choice:
    """One block's decision for one case: both versions' outcomes, which applied, and why."""

    lighter: str
    act_date: datetime.date
    as_of: datetime.date
    at_act: str | None
    at_decision: str | None
    #: The day the act-date version's outcome was evaluated as of (None: not evaluated).
    act_judged_on: datetime.date | None
    applied: str | None
    reason: str
    #: The block's conclusions (``Lighter.decides`` order) under each version; the act-date
    #: version's are None where it was not evaluated.
    at_act_values: tuple | None
    at_decision_values: tuple
    #: For each conclusion, the rules that decided it under the act-date version (explain).
    at_act_rules: tuple[tuple[str, ...], ...] | None = None
    #: Conflicts on the block's conclusions under the act-date version.
    at_act_conflicts: tuple[Conflict, ...] = ()
    #: The block's conclusions no rule in force decides under each version: their value there
    #: is a default, not a decision.
    undecided_at_act: tuple[str, ...] = ()
    undecided_at_decision: tuple[str, ...] = ()
    #: Why no version can be read on the act date, and on the as-of date, where there is none:
    #: the period the rule text encodes no version for (``no_version``).
    why_none_at_act: str = ""
    why_none_at_decision: str = ""

    def values(self) -> tuple:
        """The conclusions' values as the case takes them: the applied version's."""
        if self.reason == "act_version":
            return self.at_act_values
        return self.at_decision_values

    def attributes(self) -> tuple:
        """``(applied, at_act, at_decision)``: what ``NAME.applied`` etc. read."""
        at_decision = "cannot be read: " + (
            self.why_none_at_decision or f"no version was in force on the as-of date {self.as_of}"
        )
        at_act = "cannot be read: " + (
            self.why_none_at_act or f"no version was in force on the act date {self.act_date}"
        )
        return (
            self.applied
            if self.applied is not None
            else Unset(f"{self.lighter}.applied", at_decision),
            self.at_act if self.at_act is not None else Unset(f"{self.lighter}.at_act", at_act),
            self.at_decision
            if self.at_decision is not None
            else Unset(f"{self.lighter}.at_decision", at_decision),
        )


def no_version(param: ir.Parameter, versions: EnumType, which: str, day: datetime.date) -> str:
    """Why ``param`` gives no version on ``day`` (``which``: "the act date"): the day is
    before the first it gives one for. Names the period and the texts the rulebook does not
    encode, as a user needs to know what it cannot judge."""
    named = f"{param.label.get('en')} ({param.name}" if param.label else f"{param.name} ("
    if not param.values:
        return f"{which} {day}: the rule text gives no version of {named})"
    since, member = param.values[0]
    label = versions.labels.get(member)
    first = label.get("en") if label is not None else member
    return (
        f"{which} {day} is before {since}, the first day for which the rule text gives a "
        f"version of {named}{'; ' if param.label else ''}from {since}: {first}); the texts "
        f"in force before "
        f"{since} are not encoded in this rulebook, and its conclusions are decided together, "
        "so none is given for this case"
    )


def version_on(param: ir.Parameter, day: datetime.date) -> tuple[str | None, datetime.date | None]:
    """The version in force on ``day`` and the day its period ends (exclusive; None: open)."""
    found: str | None = None
    end: datetime.date | None = None
    for since, member in param.values:  # sorted by date
        if since <= day:
            found, end = member, None
        elif found is not None and end is None:
            end = since
            break
        else:
            break
    return found, end


def judged_on(end: datetime.date | None, as_of: datetime.date) -> datetime.date:
    """The day a version is evaluated as of: its last day in force, or the as-of date if
    that is earlier."""
    if end is None:
        return as_of
    return min(as_of, end - datetime.timedelta(days=1))


def _key(value: Any, t: Any) -> Any:
    return t.rank[value] if isinstance(t, EnumType) else value


def lighter_side(
    rulebook, lighter: ir.Lighter, at_act: tuple, at_decision: tuple, less: Callable | None = None
) -> str | None:
    """``"decision"`` when the as-of version is lighter, ``"act"`` when it is not, None when
    they cannot be compared. ``less(a, b, type)`` compares two values (the what-if analysis
    passes its own, for values that vary).

    A conclusion not decided under the as-of version is no obstacle where the act-date
    version gives the lowest member of a scale: nothing is lighter than that (so an act the
    act-date version does not punish stays unpunished, as Criminal Law Art. 12 has it).
    """
    for i, name in enumerate(lighter.compare):
        a, d = at_act[i], at_decision[i]
        t = rulebook.conclusions[name].type
        if isinstance(a, Unset):
            return None
        if isinstance(d, Unset):
            if isinstance(t, EnumType) and a == t.members[0]:
                continue
            return None
        if less is not None:
            if less(d, a, t):
                return "decision"
            if less(a, d, t):
                return "act"
            continue
        ka, kd = _key(a, t), _key(d, t)
        if kd < ka:
            return "decision"
        if ka < kd:
            return "act"
    return "act"


#: ``evaluate(day) -> (values, rules, conflicts, undecided)``: the block's conclusions
#: evaluated as the rulebook stood on ``day``, the rules that decided each (or None), their
#: conflicts, and those of them no rule in force that day decides.
Evaluate = Callable[[datetime.date], tuple[tuple, Any, tuple, frozenset]]


def _decided(lighter: ir.Lighter, values: tuple, undecided) -> tuple:
    """The values as compared: one no rule in force decides is not decided."""
    return tuple(
        Unset(c, "is decided by no rule in force") if c in undecided else v
        for c, v in zip(lighter.decides, values, strict=True)
    )


def settle(
    rulebook,
    lighter: ir.Lighter,
    day: datetime.date,
    act_date: datetime.date,
    current: tuple,
    evaluate: Evaluate,
    less: Callable | None = None,
    undecided: frozenset = frozenset(),
) -> Choice:
    """The block's choice for a case judged as of ``day`` whose conclusions, as evaluated on
    ``day``, are ``current`` (``undecided``: the conclusions no rule in force decides)."""
    param = rulebook.parameters[lighter.versions]
    at_decision, _ = version_on(param, day)
    at_act, end = version_on(param, act_date)
    common = dict(
        why_none_at_act=""
        if at_act is not None
        else no_version(param, lighter.type, "the act date", act_date),
        why_none_at_decision=""
        if at_decision is not None
        else no_version(param, lighter.type, "the as-of date", day),
        lighter=lighter.name,
        act_date=act_date,
        as_of=day,
        at_act=at_act,
        at_decision=at_decision,
        at_decision_values=tuple(current),
        undecided_at_decision=tuple(c for c in lighter.decides if c in undecided),
    )
    if act_date > day or at_act == at_decision:
        return Choice(
            **common,
            act_judged_on=None,
            applied=at_decision,
            reason="judged_before_acts" if act_date > day else "same_version",
            at_act_values=None,
        )
    if at_act is None:
        return Choice(
            **common,
            act_judged_on=None,
            applied=at_decision,
            reason="no_act_version",
            at_act_values=None,
        )
    when = judged_on(end, day)
    values, rules, conflicts, undecided_then = evaluate(when)
    side = lighter_side(
        rulebook,
        lighter,
        _decided(lighter, values, undecided_then),
        _decided(lighter, current, undecided),
        less,
    )
    reason = {"decision": "later_lighter", "act": "act_version", None: "not_compared"}[side]
    return Choice(
        **common,
        act_judged_on=when,
        applied=at_act if reason == "act_version" else at_decision,
        reason=reason,
        at_act_values=tuple(values),
        at_act_rules=rules,
        at_act_conflicts=tuple(conflicts),
        undecided_at_act=tuple(c for c in lighter.decides if c in undecided_then),
    )


def take_conflicts(lighter: ir.Lighter, choice: Choice, conflicts: list) -> None:
    """Conflicts on the block's conclusions are those of the version applied."""
    if choice.reason != "act_version":
        return
    decided = set(lighter.decides)
    conflicts[:] = [c for c in conflicts if c.conclusion not in decided]
    conflicts.extend(choice.at_act_conflicts)


class Chooser:
    """What a generated program calls at a block's plan step (``codegen``): settles the choice
    with the program of the day the act-date version is evaluated as of (``epoch_at``), and
    returns the conclusions' values and ``(applied, at_act, at_decision)``."""

    def __init__(self, rulebook, lighter: ir.Lighter, epoch_at: Callable, undecided=frozenset()):
        self.rulebook = rulebook
        self.lighter = lighter
        self.epoch_at = epoch_at
        self.undecided = undecided  # of the program's own day

    def _fast(self, inputs: tuple) -> Evaluate:
        decides = self.lighter.decides

        def evaluate(day: datetime.date):
            epoch = self.epoch_at(day)
            decision = epoch.fast.typed(day, *inputs)
            values = tuple(decision.conclusions[c] for c in decides)
            conflicts = tuple(c for c in decision.conflicts if c.conclusion in decides)
            return values, None, conflicts, epoch.undecided

        return evaluate

    def _explained(self, inputs: tuple) -> Evaluate:
        decides = self.lighter.decides

        order = {name: i for i, name in enumerate(self.rulebook.rules)}

        def evaluate(day: datetime.date):
            epoch = self.epoch_at(day)
            decision, _, _, claims, _, _ = epoch.explain.typed(day, *inputs)
            values = tuple(decision.conclusions[c] for c in decides)
            rules = tuple(
                tuple(sorted({r for r, name, _, _ in claims if name == c}, key=order.get))
                for c in decides
            )
            conflicts = tuple(c for c in decision.conflicts if c.conclusion in decides)
            return values, rules, conflicts, epoch.undecided

        return evaluate

    def __call__(self, day, act_date, current, inputs, conflicts, record=None):
        evaluate = self._fast(inputs) if record is None else self._explained(inputs)
        choice = settle(
            self.rulebook, self.lighter, day, act_date, current, evaluate, None, self.undecided
        )
        take_conflicts(self.lighter, choice, conflicts)
        if record is not None:
            record.append(choice)
        return choice.values(), choice.attributes()
