"""The trace: the decision plus how it was reached, as data (versioned JSON, docs/trace.md).

Renderers (text, Markdown, JSON, and any a plugin adds) work from this data alone.
"""

from __future__ import annotations

import datetime
import math
import weakref
from fractions import Fraction
from typing import Any

import attrs

from ruleengine_dsl.diagnostics import Span

from .facts import to_json_value
from .ir import Const
from .memo import per_rulebook
from .provenance import parameters_read, used
from .runtime import Decision, Unset
from .types import EnumType, LocalText, format_ratio, rank_of

TRACE_FORMAT = "ruleengine-trace"
TRACE_VERSION = 1
#: Sections added without changing any: 1 adds the parameters each threshold came from, the
#: checked change of each nearest miss, and, when asked for, what would change the outcome
#: and what unknown facts could still decide; 2 adds the law in time (``lighter_law``: each
#: lighter block's versions, both outcomes, the version applied and why); 3 adds each
#: parameter's ``reference_text`` in both languages (docs/trace.md).
TRACE_MINOR_VERSION = 3


@attrs.define
class Atom:
    """One elementary test inside a condition, with the values it compared."""

    text: str
    result: bool
    span: Span
    op: str | None = None
    left: Any = None
    right: Any = None
    left_text: str | None = None
    right_text: str | None = None
    left_input: str | None = None  # the input the left side reads, when it is just that
    via: str | None = None  # the definition (and arguments) the test sits in
    left_define: str | None = None  # the definition the left side reads, when it is just that
    left_conclusion: str | None = None  # the conclusion the left side reads, when it is just that

    def shortfall(self) -> Any:
        """How far a failed ``>=`` / ``>`` test fell short, when both sides are numbers."""
        gap = self._gap()
        if gap is None:
            return None
        num, den = gap
        return num if den == 1 else Fraction(num, den)

    def _gap(self) -> tuple[int, int] | None:
        return _gap(self.result, self.op, self.left, self.right)

    def to_json(self) -> dict:
        return atom_json(
            self.text,
            self.result,
            self.span,
            self.op,
            self.left,
            self.right,
            self.left_text,
            self.right_text,
            self.left_input,
            self.via,
            self.left_define,
            self.left_conclusion,
        )


def _gap(result, op, left, right) -> tuple[int, int] | None:
    """The shortfall of a failed ``>=`` / ``>`` test as (numerator, denominator) in lowest
    terms, in integers: subtracting Fractions makes two more (about three times as slow)."""
    if result or (op != ">=" and op != ">"):
        return None
    if type(left) is int and type(right) is int:
        return right - left, 1
    if not _is_number(left) or not _is_number(right):
        return None
    ln, ld = left.as_integer_ratio()
    rn, rd = right.as_integer_ratio()
    num, den = rn * ld - ln * rd, ld * rd
    common = math.gcd(num, den)
    return num // common, den // common


def atom_json(
    text,
    result,
    span,
    op,
    left,
    right,
    left_text,
    right_text,
    left_input,
    via,
    left_define,
    left_conclusion,
) -> dict:
    """A test as the trace's JSON gives it (``Atom.to_json``), from its parts."""
    fixed = json_parts(
        text, span, op, left_text, right_text, left_input, left_define, left_conclusion
    )
    return filled(fixed, result, left, right, via)


def json_parts(text, span, op, left_text, right_text, left_input, left_define, left_conclusion):
    """What a test's JSON takes from its fixed parts (``filled``): the explain program's
    record keeps these once for each test of the program (``Tests``). The last is what the
    left side names besides its text: None, the input (a text: the commonest), or a dict."""
    extra: Any = None
    if op is None:
        extra = left_input or None
    elif left_define or left_conclusion:
        extra = {}
        if left_input:
            extra["input"] = left_input
        if left_define:
            extra["definition"] = left_define
        if left_conclusion:
            extra["conclusion"] = left_conclusion
    elif left_input:
        extra = left_input
    return text, span.line, span.source.name, op, left_text, right_text, extra


def filled(parts: tuple, result, left, right, via) -> dict:
    """A test's JSON: its fixed parts (``json_parts``) with the values of the case."""
    # Run for every test of every explanation rendered: each entry a dict written out (not
    # merged from others), the commonest values (ints and texts) and the shortfall of two
    # ints inline, not through calls.
    text, line, file, op, left_text, right_text, extra = parts
    shown = left
    if type(left) is Fraction:  # a sum of shares: ``to_json_value``'s, without its calls
        shown = left.numerator if left.denominator == 1 else format_ratio(*left.as_integer_ratio())
    elif type(left) is not int and type(left) is not str:
        shown = to_json_value(left)
    if op is None:
        out = {"test": text, "result": result, "line": line, "file": file, "value": shown}
        if extra:
            out["input"] = extra
    else:
        shown_right = right
        if type(right) is Fraction:
            num, den = right.as_integer_ratio()
            shown_right = num if den == 1 else format_ratio(num, den)
        elif type(right) is not int and type(right) is not str:
            shown_right = to_json_value(right)
        if extra is None:
            sides = {"expr": left_text, "value": shown}
        elif type(extra) is str:
            sides = {"expr": left_text, "value": shown, "input": extra}
        else:
            sides = {"expr": left_text, "value": shown, **extra}
        out = {
            "test": text,
            "result": result,
            "line": line,
            "file": file,
            "op": op,
            "left": sides,
            "right": {"expr": right_text, "value": shown_right},
        }
    if via:
        out["within"] = via
    if not result and (op == ">=" or op == ">"):
        if type(left) is int and type(right) is int:
            out["short_by"] = right - left
        else:
            gap = _gap(result, op, left, right)
            if gap is not None:
                num, den = gap
                out["short_by"] = num if den == 1 else format_ratio(num, den)
    return out


_INVERSE = {
    ">=": "<",
    "<": ">=",
    ">": "<=",
    "<=": ">",
    "=": "!=",
    "!=": "=",
    "in": "not in",
    "not in": "in",
}


def negated(atom: Atom) -> Atom:
    """The test as it stands under a ``not``: "not 36 >= 50" holds, and reads "36 < 50"."""
    op = _INVERSE.get(atom.op, atom.op) if atom.op is not None else None
    text = atom.text if op == atom.op else f"not ({atom.text})"
    return attrs.evolve(atom, result=not atom.result, op=op, text=text)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


class RuleTrace:
    """What happened to one rule in this case: ``name``, ``status`` (applied | set_aside |
    not_met | not_in_force), ``evidence`` (the tests that decided it, ``Atom``),
    ``conclusions`` (its claims, ``(conclusion, value, upper)``) and ``set_aside_by``.

    A class with slots rather than attrs' lists for each: an explanation read in full makes
    one for every rule, and every object made for each rule is one more that the collector
    goes through (at 5,000 rules, six a rule made reading 11x dearer for 5x the rules). Made
    by the explain path, it is a view of the record (``Outcomes``): its tests are made into
    ``Atom`` objects when first read, and its lists of claims and blockers when first asked
    for (most rules have none)."""

    __slots__ = ("name", "status", "_evidence", "_conclusions", "_set_aside_by", "_reading", "_at")

    def __init__(
        self,
        name: str,
        status: str,
        evidence: list[Atom] | None = None,
        conclusions: list[tuple[str, Any, Any]] | None = None,
        set_aside_by: list[str] | None = None,
    ) -> None:
        self.name, self.status = name, status
        self._evidence = evidence if evidence is not None else []
        self._conclusions, self._set_aside_by = conclusions, set_aside_by
        self._reading = self._at = None

    @property
    def evidence(self) -> list[Atom]:
        evidence = self._evidence
        if evidence is None:  # in the record: made on first read (``Reading.evidence``)
            evidence = self._evidence = self._reading.evidence(self._at)
        return evidence

    @evidence.setter
    def evidence(self, value: list[Atom]) -> None:
        self._evidence, self._reading = value, None

    @property
    def conclusions(self) -> list[tuple[str, Any, Any]]:
        claims = self._conclusions
        if type(claims) is not list:  # None, or the program's tuple of them (``Outcomes``)
            claims = self._conclusions = list(claims) if claims else []
        return claims

    @conclusions.setter
    def conclusions(self, value: list[tuple[str, Any, Any]]) -> None:
        self._conclusions = value

    @property
    def set_aside_by(self) -> list[str]:
        if self._set_aside_by is None:
            self._set_aside_by = []
        return self._set_aside_by

    @set_aside_by.setter
    def set_aside_by(self, value: list[str]) -> None:
        self._set_aside_by = value

    def _fields(self) -> tuple:
        return self.name, self.status, self.evidence, self.conclusions, self.set_aside_by

    def __eq__(self, other) -> bool:
        if type(other) is not RuleTrace:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        name, status, evidence, conclusions, set_aside_by = self._fields()
        return (
            f"RuleTrace(name={name!r}, status={status!r}, evidence={evidence!r}, "
            f"conclusions={conclusions!r}, set_aside_by={set_aside_by!r})"
        )

    def evidence_json(self) -> list[dict]:
        """The tests as the trace's JSON gives them: from the record when there is one (a
        renderer that only writes JSON makes no ``Atom``)."""
        if self._reading is not None:
            return self._reading.json(self._at)
        return [a.to_json() for a in self._evidence] if self._evidence else []


#: A test as the explain program records it, in a flat list of tests: ``site, result, left,
#: right, via`` (``Tests``); ``site`` is the test's index in ``Tests.sites``, or ``(index,
#: n)`` for a test under ``n`` negations, with its result as evaluated.
STRIDE = 5


class Tests:
    """What the explain program knows of its elementary tests, rules and claims before
    running: each test's fixed parts (text, span, operator, the sides' texts, the input,
    definition or conclusion its left side reads) by index; the rules in the order it
    decides them; the claims it knows from whether a rule applied alone (constants all).

    The program records a case's tests as values in one flat list, whether each rule fired
    and applied in another, and only the claims it computes, instead of an ``Atom`` (and a
    list of them), a claim and a ``RuleTrace`` for each rule: at 5,000 rules those were some
    30,000 objects that outlived each explanation, that every collection went through, and
    that a trace whose rules no one reads (a batch's, a what-if search's) never needed.
    ``Outcomes`` makes the ``RuleTrace`` objects when first asked for. Kept with the program
    by the disk cache."""

    def __init__(self) -> None:
        self.sites: list[tuple] = []
        #: ``(rule, whether anything can set it aside, how many tests it always records
        #: or None)``: what the program records of it in its flags (``decode``).
        self.rules: list[tuple[str, bool, int | None]] = []
        #: ``(rule, conclusion, value, upper)`` of the claims not recorded, in plan order.
        self.claimed: list[tuple] = []
        #: Each conclusion's step in the plan: claims are in the order of their steps.
        self.steps: dict[str, int] = {}
        self._index: dict[tuple, int] = {}
        #: Each test's ``json_parts``, made when first written.
        self._parts: dict[int, tuple] = {}
        self._reading: tuple | None = None

    def site(self, *fixed) -> int:
        """The index of a test's fixed parts (a span by identity: two may print alike)."""
        key = tuple(id(x) if isinstance(x, Span) else x for x in fixed)
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.sites)
            self.sites.append(fixed)
        return found

    def __getstate__(self) -> dict:
        return {k: getattr(self, k) for k in ("sites", "rules", "claimed", "steps")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _index={}, _parts={}, _reading=None)

    def reading(self, rulebook) -> tuple:
        """What ``Outcomes`` needs to make the rules' traces by their place in the plan,
        not by name, made once: ``(order, claimed)``. ``order`` is each of the rulebook's
        rules with its place in the plan (None for a rule not in force), or None when the
        plan decides every rule in the rulebook's order; ``claimed[i]``, the claims the i-th
        rule of the plan makes when it applies, ``(conclusion, value, upper)`` in the order
        of ``claimed``, or None."""
        found = self._reading
        if found is None:
            place = {name: i for i, (name, _, _) in enumerate(self.rules)}
            order = [(name, place.get(name)) for name in rulebook.rules]
            if [i for _, i in order] == list(range(len(self.rules))):
                order = None
            claims: list[list | None] = [None] * len(self.rules)
            for rule, conclusion, value, upper in self.claimed:
                i = place[rule]
                if claims[i] is None:
                    claims[i] = []
                claims[i].append((conclusion, value, upper))
            claimed = [tuple(c) if c else None for c in claims]
            found = self._reading = (order, claimed)
        return found

    def decode(self, flags: list) -> list[tuple[str, Any, Any, int]]:
        """``(rule, fired, applied, where its tests end)`` for each rule decided, in turn."""
        out = []
        at = end = 0
        for name, overridden, count in self.rules:
            fired = flags[at]
            applied = flags[at + 1] if overridden else fired
            at += 2 if overridden else 1
            if count is None:
                end = flags[at]
                at += 1
            else:
                end += count * STRIDE
            out.append((name, fired, applied, end))
        return out

    def claims(self, applied: set, recorded: list) -> list[tuple]:
        """Every claim of the rules that applied (``applied``, their names), ``(rule,
        conclusion, value, upper)``, in the order of
        the conclusions' steps, and of the plan within one."""
        known = []
        if self.claimed:
            known = [c for c in self.claimed if c[0] in applied]
        if not recorded:
            return known
        steps = self.steps
        return sorted([*known, *recorded], key=lambda c: steps[c[1]])

    def atoms(self, tests: list) -> list[Atom]:
        """The tests recorded in ``tests``, as ``Atom`` objects."""
        # Each Atom made without a call of Python's (attrs' ``__init__``, twelve arguments),
        # its fixed parts unpacked from the record's: run for every test of a trace read
        # in full.
        sites = self.sites
        new = object.__new__
        out = []
        values = iter(tests)
        for site, result, left, right, via in zip(values, values, values, values, values):
            if type(site) is not int:  # under a ``not``
                out.append(self._one(site, result, left, right, via))
                continue
            atom = new(Atom)
            (
                atom.text,
                atom.span,
                atom.op,
                atom.left_text,
                atom.right_text,
                atom.left_input,
                atom.left_define,
                atom.left_conclusion,
            ) = sites[site]
            atom.result, atom.left, atom.right, atom.via = result, left, right, via
            out.append(atom)
        return out

    def _one(self, site: tuple, result, left, right, via) -> Atom:
        """A test recorded under ``not``s: ``site`` is ``(index, how many)``."""
        site, negations = site
        atom = self.atoms([site, result, left, right, via])[0]
        for _ in range(negations):
            atom = negated(atom)
        return atom

    def json(self, tests: list, start: int, end: int) -> list[dict]:
        """The tests recorded in ``tests[start:end]`` as the trace's JSON gives them."""
        # By index, not sliced and zipped: most rules have one test or a few, and making
        # the slice and the iterators cost a third of writing one.
        parts = self._parts
        out = []
        for i in range(start, end, STRIDE):
            site = tests[i]
            found = parts.get(site)
            if found is None:
                if type(site) is not int:  # under a ``not``: as the Atom reads
                    out.append(self._one(site, *tests[i + 1 : i + STRIDE]).to_json())
                    continue
                found = parts[site] = json_parts(*self.sites[site])
            out.append(filled(found, tests[i + 1], tests[i + 2], tests[i + 3], tests[i + 4]))
        return out


class Reading:
    """One explanation's record of its tests (``Tests``), shared by its rules' traces: where
    each rule's tests are (``bounds``: the i-th rule's from ``bounds[i]`` to
    ``bounds[i + 1]``), and every test as an ``Atom``, made on the first read of any rule's
    evidence in one pass (a renderer that reads one rule's tests reads them all)."""

    __slots__ = ("table", "tests", "bounds", "every")

    def __init__(self, table: Tests, tests: list, bounds: list[int]) -> None:
        self.table, self.tests, self.bounds = table, tests, bounds
        self.every: list[Atom] | None = None

    def evidence(self, at: int) -> list[Atom]:
        every = self.every
        if every is None:
            every = self.every = self.table.atoms(self.tests)
        bounds = self.bounds
        return every[bounds[at] // STRIDE : bounds[at + 1] // STRIDE]

    def json(self, at: int) -> list[dict]:
        bounds = self.bounds
        return self.table.json(self.tests, bounds[at], bounds[at + 1])


class Claims(tuple):
    """The claims of the rules that applied in one case, ``(rule, conclusion, value,
    upper)``, as the explain program returns them: made from its record, ``(table, flags,
    recorded)``, when gone through (``Tests.claims``; a tuple, made without a call of
    Python's)."""

    __slots__ = ()

    def __iter__(self):
        table, flags, recorded = tuple.__iter__(self)
        applied = {name for name, _, applies, _ in table.decode(flags) if applies}
        return iter(table.claims(applied, recorded))


def negated_tests(tests: list) -> list:
    """Recorded tests as they stand under a ``not`` (``negated``, applied when read)."""
    out = tests.copy()
    for i in range(0, len(out), STRIDE):
        site = out[i]
        out[i] = (site, 1) if type(site) is int else (site[0], site[1] + 1)
    return out


class Outcomes:
    """What the explain program recorded of the rules in one case (see ``Tests``): the
    trace's ``RuleTrace`` objects, made when first asked for."""

    __slots__ = ("_rulebook", "_claims", "_tests", "_overriders", "_made")

    def __init__(self, rulebook, claims: Claims, tests: list, overriders: dict):
        self._rulebook, self._claims, self._tests = rulebook, claims, tests
        self._overriders = overriders
        self._made: list[RuleTrace] | None = None

    def rules(self) -> list[RuleTrace]:
        """Every rule of the rulebook, in its order, with its status, evidence and claims."""
        if self._made is None:
            self._made = self._make()
        return self._made

    def _make(self) -> list[RuleTrace]:
        # ``Tests.decode`` inline, each ``RuleTrace`` made as its rule is read, by its place
        # in the program's plan (``Tests.reading``), with no other object of its own (its
        # evidence, and a list of claims if asked for, made when read): run for each
        # explanation whose rules are read, once for each rule.
        table, flags, recorded = tuple.__iter__(self._claims)
        order, claimed = table.reading(self._rulebook)
        bounds = [0]
        reading = Reading(table, self._tests, bounds)
        new = object.__new__
        made = []
        set_aside = []
        at = end = 0
        i = 0
        for name, overridden, count in table.rules:
            fired = flags[at]
            if overridden:
                applied = flags[at + 1]
                at += 2
            else:
                applied = fired
                at += 1
            if count is None:
                end = flags[at]
                at += 1
            else:
                end += count * STRIDE
            bounds.append(end)
            trace = new(RuleTrace)
            trace.name = name
            if applied:
                trace.status = "applied"
                trace._conclusions = claimed[i]  # a tuple (or None), made a list if asked for
            else:
                trace.status = "not_met"
                trace._conclusions = None
                if fired:
                    trace.status = "set_aside"
                    set_aside.append(trace)
            trace._evidence = trace._set_aside_by = None
            trace._reading, trace._at = reading, i
            made.append(trace)
            i += 1
        if set_aside or recorded:
            applied_names = {t.name for t in made if t.status == "applied"}
            for trace in set_aside:  # by the rules that applied, once all are known
                trace._set_aside_by = [
                    o for o in self._overriders.get(trace.name, []) if o in applied_names
                ]
            if recorded:  # claims computed in the case: in the conclusions' order with the rest
                traces = {t.name: t for t in made}
                for t in made:
                    t._conclusions = None
                for rule, conclusion, value, upper in table.claims(applied_names, recorded):
                    trace = traces[rule]
                    if trace._conclusions is None:
                        trace._conclusions = [(conclusion, value, upper)]
                    else:
                        trace._conclusions.append((conclusion, value, upper))
        if order is None:  # the plan's order is the rulebook's, every rule in force
            return made
        return [made[i] if i is not None else RuleTrace(name, "not_in_force") for name, i in order]


@attrs.define
class Miss:
    """The nearest miss toward a higher outcome: which rule, which test, by how much."""

    conclusion: str
    level: str
    rule: str
    atom: Atom
    #: ``(fact, in the case, changed to)``: what reaches ``level``, checked by deciding the case
    #: again (``analysis.nearest``); the first is the fact the test reads.
    changes: tuple[tuple[str, Any, Any], ...] = ()

    def with_changes(self, changes: tuple) -> Miss:
        """The miss with its checked change (``attrs.evolve``, which is generic, takes seven
        times as long: every explanation with a miss makes one)."""
        return Miss(self.conclusion, self.level, self.rule, self.atom, changes)


@attrs.define
class Trace:
    rulebook: Any  # checker.Rulebook
    as_of: datetime.date
    facts: dict[str, Any]
    decision: Decision
    #: Every rule's ``RuleTrace``, or the ``Outcomes`` they are made from when first read.
    _rules: Any
    definitions: dict[str, Any]
    #: The checked nearest misses, or the function that works them out (``misses``).
    _misses: Any = attrs.Factory(list)
    notes: list[dict] = attrs.Factory(list)  # added by input adapters: how facts were derived
    #: Conclusions rules decide, none of them in force on the date: their value is a default.
    not_decided: list[str] = attrs.Factory(list)
    #: Asked for: what would change the outcome (``analysis.whatif.Changes``) and what facts
    #: left unknown could still decide (``analysis.whatif.Unknowns``).
    changes: Any = None
    unknowns: Any = None
    #: A hint to renderers: quote each provision's own text (Markdown always does).
    show_text: bool = False
    #: The law in time: each ``lighter`` block's ``lighter_eval.Choice`` (both versions'
    #: outcomes, the version applied and why).
    choices: list = attrs.Factory(list)

    @property
    def rules(self) -> list[RuleTrace]:
        """What happened to each rule of the rulebook, in its order."""
        if isinstance(self._rules, Outcomes):
            self._rules = self._rules.rules()
        return self._rules

    @rules.setter
    def rules(self, value: list[RuleTrace]) -> None:
        self._rules = value

    @property
    def misses(self) -> list[Miss]:
        """The nearest misses, each with its checked change, worked out on first use:
        checking them decides changed cases again, which an explanation that does not show
        them (a batch's results, ``Book.explain`` alone) does not pay for."""
        if callable(self._misses):
            self._misses = self._misses()
        return self._misses

    @misses.setter
    def misses(self, value) -> None:
        self._misses = value

    def rule(self, name: str) -> RuleTrace:
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_json(self, *, streamed: bool = False, shared: bool = False) -> dict:
        """The versioned trace format documented in docs/trace.md.

        ``streamed``: the rules' entries are made one at a time as the list is gone through
        (a JSON encoder goes through it once), not held all at once: for a large rulebook
        they are most of the trace. ``shared``: what does not depend on the case (a rule's
        citation, titles, notes; the documents) is made once for the rulebook and shared by
        every trace, not copied: for a caller that only encodes the result, never changes it.
        """
        rb = self.rulebook
        fixed = _fixed_parts(rb) if shared else _FixedParts(rb)
        every = self.rules
        decided_by: dict[str, list[str]] = {}
        for r in every:
            if r.status == "applied" and r._conclusions:
                for name in dict.fromkeys(x[0] for x in r._conclusions):
                    decided_by.setdefault(name, []).append(r.name)
        # Each conclusion's value written once, for ``outcome`` and ``conclusions`` (shared
        # by both when the caller only encodes them).
        decided = self.decision.conclusions
        outcome = {name: _value_json(decided[name], c.type) for name, c in rb.conclusions.items()}
        conclusions = [
            {
                "name": name,
                "kind": c.kind,
                "label": fixed.label(name),
                "value": outcome[name] if shared else _copied(outcome[name]),
                "decided_by": decided_by.get(name, []),
            }
            for name, c in rb.conclusions.items()
        ]

        # Shared, a test's entry is made once: a nearest miss is one of its rule's tests
        # (only those rules' entries are kept, not every test's).
        made: dict[int, dict] = {}
        kept = {m.rule for m in self.misses} if shared else ()

        # (A comprehension is a call of its own here: one that would be empty is not made.)
        def rule_json(r: RuleTrace) -> dict:
            head, tail = fixed.rule(r.name)
            claims = r._conclusions
            if r.name in kept:
                evidence = r.evidence_json()
                for a, entry in zip(r.evidence, evidence):
                    made[id(a)] = entry
            else:
                evidence = r.evidence_json()
            return {
                "name": r.name,
                "status": r.status,
                **head,
                "evidence": evidence,
                "conclusions": [_claim_json(n, v, u) for n, v, u in claims] if claims else [],
                "set_aside_by": r._set_aside_by or [],
                **tail,
            }

        if streamed:
            rules: list = _Made(len(every), lambda: map(rule_json, every))
        else:
            rules = [rule_json(r) for r in every]
        out = {
            "format": TRACE_FORMAT,
            "version": TRACE_VERSION,
            "minor_version": TRACE_MINOR_VERSION,
            "rulebook": rb.name,
            "documents": fixed.documents(),
            "as_of": self.as_of.isoformat(),
            "in_force": self.decision.in_force,
            "facts": _json_values(self.facts),
            "outcome": outcome,
            "conclusions": conclusions,
            "not_decided": self.not_decided,
            "conflicts": [
                {
                    "conclusion": c.conclusion,
                    "claims": [{"rule": r, "value": to_json_value(v)} for r, v in c.claims],
                }
                for c in self.decision.conflicts
            ]
            if self.decision.conflicts
            else [],
            "rules": rules,
            "definitions": _json_values(self.definitions),
            "nearest_miss": [
                {
                    "conclusion": m.conclusion,
                    "level": m.level,
                    "rule": m.rule,
                    "test": made.get(id(m.atom)) or m.atom.to_json(),
                    "changes": [
                        {"fact": f, "from": to_json_value(a), "to": to_json_value(b)}
                        for f, a, b in m.changes
                    ],
                }
                for m in self.misses
            ],
            "parameters": fixed.parameters(self),
            "derivations": self.notes,
            "lighter_law": [choice_json(rb, c) for c in self.choices] if self.choices else [],
        }
        if self.changes is not None:
            from .analysis.whatif import changes_json

            out["what_would_change"] = changes_json(self.changes)
        if self.unknowns is not None:
            from .analysis.whatif import unknowns_json

            out["unknown_facts"] = unknowns_json(self.unknowns)
        return out

    def parameters(self) -> list:
        """The dated parameters the rules in force read, as they stood on the day."""
        in_force = [r.name for r in self.rules if r.status != "not_in_force"]
        return used(self.rulebook, in_force, self.as_of)


def choice_json(rb, choice) -> dict:
    """One lighter block's choice (``lighter_eval.Choice``) as the trace gives it."""
    block = rb.lighters[choice.lighter]

    def version(member):
        if member is None:
            return None
        return {"name": member, "label": _label(block.type.labels.get(member))}

    def outcome(values, rules, undecided):
        if values is None:
            return None
        out = []
        for i, name in enumerate(block.decides):
            item = {"conclusion": name, "value": _value_json(values[i], rb.conclusions[name].type)}
            if name in undecided:
                item["decided"] = False  # no rule in force decides it: the value is a default
            if rules is not None:
                item["decided_by"] = list(rules[i])
            out.append(item)
        return out

    return {
        "lighter": block.name,
        "label": _label(block.label),
        "versions": block.versions,
        "compare": list(block.compare),
        "act_date": choice.act_date.isoformat(),
        "as_of": choice.as_of.isoformat(),
        "at_act": version(choice.at_act),
        "at_decision": version(choice.at_decision),
        "act_judged_on": choice.act_judged_on.isoformat() if choice.act_judged_on else None,
        "at_act_outcome": outcome(
            choice.at_act_values, choice.at_act_rules, choice.undecided_at_act
        ),
        "at_decision_outcome": outcome(
            choice.at_decision_values, None, choice.undecided_at_decision
        ),
        "applied": version(choice.applied),
        "reason": choice.reason,
        "notes": [_label(n) for n in block.notes],
    }


class _FixedParts:
    """The parts of a trace's JSON that depend on the rulebook alone, made when asked."""

    def __init__(self, rulebook):
        self._rulebook = lambda: rulebook

    @property
    def rb(self):
        return self._rulebook()

    def label(self, conclusion: str) -> dict | None:
        return _label(self.rb.conclusions[conclusion].label)

    def rule(self, name: str) -> tuple[dict, dict]:
        """The entries of a rule before its evidence, and after its claims."""
        rule = self.rb.rules[name]
        head = {
            "citation": rule.citation.to_json(),
            "document": rule.document,
            "title": _label(rule.title),
            "text": _label(rule.text),
            "line": rule.span.line,
            "file": rule.span.file,
        }
        tail = {
            "notes": [_label(n) for n in rule.notes],
            "unverified": [_label(n) for n in rule.unverified],
            "parameters": list(parameters_read(self.rb).get(name, ())),
        }
        return head, tail

    def parameters(self, trace: Trace) -> list[dict]:
        """The trace's ``parameters`` entries."""
        return [
            {
                "name": p.name,
                "label": _label(p.label),
                "value": to_json_value(p.value),
                "since": p.since.isoformat() if p.since else None,
                "reference": p.reference.get("en") if p.reference else None,
                "reference_text": _label(p.reference),
            }
            for p in trace.parameters()
        ]

    def documents(self) -> list[dict]:
        return [
            {
                "name": d.name,
                "title": _label(d.title),
                "citation": _label(d.citation),
                "statute": _label(d.statute),
                "effective": d.effective.isoformat() if d.effective else None,
                "until": d.until.isoformat() if d.until else None,
            }
            for d in self.rb.documents.values()
        ]


class _SharedParts(_FixedParts):
    """The same parts, each made once for the rulebook and then shared (never to change)."""

    def __init__(self, rulebook):
        super().__init__(rulebook)
        # Weakly: kept in a cache of the rulebook's own, this must not keep it alive.
        self._rulebook = weakref.ref(rulebook)
        self.labels: dict[str, dict | None] = {}
        self.rules: dict[str, tuple[dict, dict]] = {}
        self.docs: list[dict] | None = None
        self.params: dict[tuple, list[dict]] = {}

    def label(self, conclusion: str) -> dict | None:
        if conclusion not in self.labels:
            self.labels[conclusion] = super().label(conclusion)
        return self.labels[conclusion]

    def rule(self, name: str) -> tuple[dict, dict]:
        found = self.rules.get(name)
        if found is None:
            found = self.rules[name] = super().rule(name)
        return found

    def parameters(self, trace: Trace) -> list[dict]:
        # By the day and the rules not in force (which rules read which parameters, and
        # their values on each day, are the rulebook's): a few days in most uses, bounded.
        key = (trace.as_of, *(r.name for r in trace.rules if r.status == "not_in_force"))
        found = self.params.get(key)
        if found is None:
            if len(self.params) >= SHARED_PARAMETERS:
                self.params.clear()
            found = self.params[key] = super().parameters(trace)
        return found

    def documents(self) -> list[dict]:
        if self.docs is None:
            self.docs = super().documents()
        return self.docs


_fixed_parts = per_rulebook(_SharedParts)

#: The most ``parameters`` entries kept for a rulebook (one for each day and set of rules
#: not in force seen).
SHARED_PARAMETERS = 256


def _copied(value: Any) -> Any:
    """A conclusion's JSON value not shared with another entry (a set's list copied)."""
    return list(value) if type(value) is list else value


class _Made(list):
    """A list whose items are made as it is gone through: it holds none of them."""

    def __init__(self, count: int, items):
        super().__init__()
        self.count, self.items = count, items

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        return iter(self.items())


def _label(text: LocalText | None) -> dict | None:
    return text.to_json() if text is not None else None


def _claim_json(conclusion: str, value: Any, upper: Any) -> dict:
    """A rule's claim on a conclusion: its value, and the upper end of a range."""
    if upper is None:
        return {"conclusion": conclusion, "value": to_json_value(value)}
    return {"conclusion": conclusion, "value": to_json_value(value), "upper": to_json_value(upper)}


def _json_values(values: dict) -> dict:
    """``to_json_value(values)``, each int, text or truth value taken as it is, inline."""
    return {
        k: v if type(v) is int or type(v) is str or v is True or v is False else to_json_value(v)
        for k, v in values.items()
    }


def _value_json(value: Any, t: Any) -> Any:
    if isinstance(value, Unset):
        return None
    if isinstance(value, frozenset) and isinstance(t, EnumType):
        return [m for m in t.members if m in value]
    return to_json_value(value)


def nearest_misses(
    rulebook, decision: Decision, rules: list[RuleTrace], in_order: bool = False
) -> list[Miss]:
    """For each scale conclusion, the failed test closest to reaching the next level up.

    Preference: the next level before higher ones; a test of a single fact or a named
    definition ("needs 500 items; the case has 60") before a composite one; then the nearest,
    by the distance the what-if analysis uses (docs/whatif.md, "How far a change is"): the
    shortfall relative to the case's value, never relative to less than one whole unit of a
    count or an amount (a share is relative to itself), so that a test of which the case
    has nothing counts too ("needs 50 items; the case has 0",
    50 away) and 60 of 500 items (7.3 away) is nearer than 0 of 50. Compared exactly, by
    cross-multiplying.
    When the nearest is a definition, the nearest test of a fact as given follows it, since a
    reader thinks in the facts ("the case has 60 items").
    """
    raises, by_name, overriding, ranks = _miss_plan(rulebook)
    # Each rule's part of the plan read by its place (``in_order``: ``rules`` are the
    # rulebook's, in its order, as ``Trace.rules`` gives them), not looked up by name: this
    # runs for every rule of every explanation shown.
    if not in_order:
        raises = [by_name[r.name] for r in rules]
    # A rule an applied exception sets aside could not raise the outcome even if it were met.
    excluded = set()
    if overriding:
        at = None if in_order else {r.name: r for r in rules}
        for name, i, targets in overriding:
            r = rules[i] if at is None else at.get(name)
            if r is not None and r.status == "applied":
                excluded.update(targets)
    # The level each scale conclusion has reached; one pass over the rules for all of them.
    current = {name: rank[decision.conclusions[name]] for name, rank in ranks.items()}
    best: dict[str, tuple] = {}  # (level, composite, reached, threshold, miss)
    best_fact: dict[str, tuple] = {}
    for r, rises in zip(rules, raises):
        if not rises or r.status != "not_met" or (excluded and r.name in excluded):
            continue
        for name, value, level in rises:
            if level <= current[name]:
                continue
            nearest, nearest_fact = best.get(name), best_fact.get(name)
            if nearest is not None and level > nearest[0]:
                # A higher level than one already missed: nothing here comes first, for the
                # nearest or (which must be of the nearest's level) the nearest of a fact.
                continue
            for atom in r.evidence:
                if atom.result or (atom.op != ">=" and atom.op != ">"):
                    continue
                # Both sides as (numerator, positive denominator), inline: this runs for
                # every failed test of every explanation.
                left, right = atom.left, atom.right
                if type(left) is int:
                    ln, ld = left, 1
                elif type(left) is Fraction:
                    ln, ld = left.as_integer_ratio()
                else:
                    continue
                if type(right) is int:
                    rn, rd = right, 1
                elif type(right) is Fraction:
                    rn, rd = right.as_integer_ratio()
                else:
                    continue
                if rn <= 0 or ln < 0:
                    continue  # a threshold of nothing, or a value below zero
                composite = atom.left_input is None and atom.left_define is None
                # The distance (right - left) / max(left, 1), as (numerator, denominator); a
                # ratio (a share of the standards) has no unit: relative to itself.
                whole = ln >= ld or (ln > 0 and not _in_units(rulebook, atom))
                far = (rn * ld - ln * rd, rd * (ln if whole else ld))
                candidate = (level, composite, far, r.name, value, atom)
                if _nearer(nearest, candidate):
                    nearest = candidate
                if atom.left_input is not None and _nearer(nearest_fact, candidate):
                    nearest_fact = candidate
            if nearest is not None:
                best[name] = nearest
            if nearest_fact is not None:
                best_fact[name] = nearest_fact
    out: list[Miss] = []
    # A conclusion the case has nothing toward (every test missed at 0: no bribe for a
    # bribery band) is no near miss where another conclusion has one partly reached.
    partly = any(found[5].left != 0 for found in best.values())
    for name in current:
        found, fact = best.get(name), best_fact.get(name)
        if found is not None and (found[5].left != 0 or not partly):
            out.append(Miss(name, found[4], found[3], found[5]))
            if fact is not None and fact is not found and fact[0] == found[0]:
                out.append(Miss(name, fact[4], fact[3], fact[5]))
    return out


@per_rulebook
def _miss_plan(rulebook) -> tuple[list, dict, list, dict]:
    """What the nearest miss reads of the rulebook, made once: for each rule, in the
    rulebook's order and by name, the scale conclusions it sets to a member, ``(conclusion,
    member, its rank)``; each rule that sets others aside, ``(name, its place, the rules it
    sets aside)``; each scale conclusion's ranks."""
    ranks = {
        name: rank_of(c.type) for name, c in rulebook.conclusions.items() if c.kind == "highest"
    }
    raises = {
        name: tuple(
            (a.conclusion, a.value.value, ranks[a.conclusion].get(a.value.value, -1))
            for a in rule.then
            if a.conclusion in ranks and isinstance(a.value, Const)
        )
        for name, rule in rulebook.rules.items()
    }
    overriding = [
        (name, i, tuple(rule.overrides))
        for i, (name, rule) in enumerate(rulebook.rules.items())
        if rule.overrides
    ]
    return list(raises.values()), raises, overriding, ranks


def _in_units(rulebook, atom: Atom) -> bool:
    """Whether a test weighs a quantity counted in units (items, yuan), whose distance is
    never relative to less than one unit, rather than a ratio (a share of the standards)."""
    if atom.left_input is not None:
        t = rulebook.inputs[atom.left_input].type
    elif atom.left_define is not None:
        t = rulebook.definitions[atom.left_define].type
    else:
        return False
    return t.kind in ("integer", "money")


def _nearer(best: tuple | None, candidate: tuple) -> bool:
    """Whether a miss is nearer than the nearest so far: lower level, then single before
    composite, then the smaller distance (by cross-multiplying); the first found wins a tie."""
    if best is None:
        return True
    if candidate[0] != best[0]:
        return candidate[0] < best[0]
    if candidate[1] != best[1]:
        return candidate[1] < best[1]
    (cn, cd), (bn, bd) = candidate[2], best[2]
    return cn * bd < bn * cd
