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

When that is not enough, or the test is of a composite quantity, the nearest change of one
number the provision reads is searched for (``_one_fact``), as ``explain --whatif`` would
find it, so that the two agree. This is cheap (a decision or two for each miss, at most about
a hundred per number the provision reads when searching), so every explanation has it.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import attrs

from ..stopping import check
from ..trace import Atom, Miss, RuleTrace
from ..types import MoneyType, rank_of

Decide = Callable[[dict], Any]  # facts -> Decision


def checked(
    misses: list[Miss],
    rulebook,
    facts: dict,
    decide: Decide,
    rules: list[RuleTrace],
    explain: Callable[[dict], Any] | None = None,
) -> list[Miss]:
    """``misses`` with the change that reaches each one's level; unchecked ones left out.
    With ``explain`` (facts -> Trace), a miss is named by the provision that the change
    makes decide: the nearest change of a test of "250 items, for information obtained in
    duties" may be 500 items under the provision for everyone else."""
    by_rule = {r.name: r for r in rules}
    out: dict[int, Miss] = {}
    budget = [search_decisions(facts)]
    for i, miss in enumerate(misses):
        trace = by_rule[miss.rule]
        change, searched = None, False
        if _changeable(miss.atom, rulebook):
            change = _change(miss, rulebook, facts, decide, trace)
        if change is None or len(change) > 1:
            # One fact alone, the others as in the case, as explain --whatif finds it: the
            # nearest change wins over one that needs a fact the case does not have.
            alone = _one_fact(miss, rulebook, facts, decide, budget)
            change, searched = ([alone], True) if alone is not None else (change, False)
        if change is None or len(change) > MOST_FACTS:
            continue  # not near: the what-if analysis (--whatif) says what would change it
        miss = miss.with_changes(tuple(change))
        if explain is not None and searched:
            # Found by a search, the change may meet another test than the missed one.
            miss = _named_by_decider(miss, rulebook, facts, explain, by_rule)
        out[i] = miss
    return [out[i] for i in range(len(misses)) if i in out]


#: A miss is shown with a change of at most this many facts; one that needs more is no near
#: miss (the offender would have to be someone else), and is left to ``--whatif``.
MOST_FACTS = 2


def _named_by_decider(miss: Miss, rulebook, facts, explain, by_rule) -> Miss:
    """The miss as the provision and test that decide the level after its change, when
    those are others (another provision, or the same provision's proportional sum): the
    test of the changed fact that fails in the case and holds after the change."""
    moved = _moved(facts, miss.changes)
    try:
        after = explain(moved)
    except Exception:  # noqa: BLE001 - already checked by deciding; keep it as it is
        return miss
    rank = rank_of(rulebook.conclusions[miss.conclusion].type)
    deciders = [
        r.name
        for r in after.rules
        if r.status == "applied"
        and any(
            c == miss.conclusion and isinstance(v, str) and rank.get(v, -1) >= rank[miss.level]
            for c, v, _ in r.conclusions
        )
    ]
    met = {r.name: r for r in after.rules}
    if not deciders or (
        miss.rule in deciders
        and any(
            a.result and (a.span, a.via, a.text) == (miss.atom.span, miss.atom.via, miss.atom.text)
            for a in met[miss.rule].evidence
        )
    ):
        return miss  # its own test, met by the change, decides
    changed = {fact.split("[")[0].split(".")[0] for fact, _, _ in miss.changes}
    deciders.sort(key=lambda name: name != miss.rule)
    for name in deciders:
        before = by_rule.get(name)
        if before is None or before.status != "not_met":
            continue
        # The test that failed before and holds after, of the changed fact.
        holds = {(a.span, a.via, a.text) for a in met[name].evidence if a.result}
        for atom in before.evidence:
            if (
                atom.result
                or atom.op not in (">=", ">")
                or (atom.span, atom.via, atom.text) not in holds
            ):
                continue
            if changed & set(_tested_inputs(rulebook, attrs.evolve(miss, rule=name, atom=atom))):
                return attrs.evolve(miss, rule=name, atom=atom)
    return miss


#: The decisions the one-fact searches of one explanation may spend, all misses together:
#: a bound on what the nearest miss adds to an explanation (docs/whatif.md). A search that
#: runs out keeps the nearest change it has verified, or leaves the miss out.
SEARCH_DECISIONS = 160
#: ... fewer for a case of many records, whose every decision reads them all: the searches
#: spend at most this many records' worth of decisions (160 decisions of a case of 400 acts,
#: 64 of 1,000), never fewer than ``LEAST_DECISIONS`` (a seventh QA round: 100,000 ccdi acts
#: took ten minutes here, 160 decisions of 3.7 s each).
SEARCH_RECORDS = 64_000
LEAST_DECISIONS = 2


def search_decisions(facts: dict) -> int:
    """The decisions the nearest-miss searches of a case may spend: ``SEARCH_DECISIONS``,
    fewer where its records (the items of its lists) make each decision dear."""
    records = sum(len(v) for v in facts.values() if isinstance(v, (list, tuple)))
    return max(LEAST_DECISIONS, min(SEARCH_DECISIONS, SEARCH_RECORDS // max(records, 1)))


#: A search along one fact doubles the change at most this many times.
DOUBLINGS = 40


def _one_fact(
    miss: Miss, rulebook, facts, decide: Decide, budget: list[int]
) -> tuple[str, Any, Any] | None:
    """The nearest change of one number that the missed test reads (through its
    definitions) that, decided again, reaches the miss's level, the others as in the
    case: for each, the least value above the case's that reaches it (doubling, then halving
    the step, to the fact's unit), the nearest by the what-if distance (docs/whatif.md, "How
    far a change is"); within ``budget`` decisions."""
    from .regions import field_spec, get
    from .whatif import distance, show_path

    def reaches(name, now, value) -> bool:
        budget[0] -= 1
        return _reaches(miss, rulebook, facts, decide, [(name, now, _plain(value))])

    best = None
    for path in _number_paths(rulebook, facts, _tested_inputs(rulebook, miss)):
        if budget[0] <= 0:
            break
        name, now = show_path(path), get(facts, path)
        t = field_spec(rulebook, path).type
        unit = 1 if t.kind == "integer" else Fraction(1, 100)
        step, low, high = unit, now, None
        for _ in range(DOUBLINGS):
            if budget[0] <= 0:
                break
            if best is not None and distance(facts, [(path, now + step)]) > best[0]:
                high = None  # already farther than a change found along another fact
                break
            if reaches(name, now, now + step):
                high = now + step
                break
            low, step = now + step, step * 2
        if high is None:
            continue
        while high - low > unit and budget[0] > 0:  # the least value that reaches it
            mid = low + (Fraction(high - low) / unit // 2) * unit
            if reaches(name, now, mid):
                high = mid
            else:
                low = mid
        candidate = (name, now, _plain(high))
        far = distance(facts, [(path, candidate[2])])
        if best is None or far < best[0]:
            best = (far, candidate)
    return best[1] if best else None


def _tested_inputs(rulebook, miss: Miss) -> list[str]:
    """The numbers the miss's test reads (through the definitions it reads); a test inside a
    definition with arguments counts as reading what the whole provision reads."""
    atom = miss.atom
    if atom.left_input is not None:
        return [atom.left_input]
    if atom.left_define is not None:
        return _inputs_through(rulebook, rulebook.definitions[atom.left_define].body)
    return _inputs_through(rulebook, getattr(rulebook.rules[miss.rule], "when", None))


def _inputs_through(rulebook, expr) -> list[str]:
    """The inputs an expression reads, through the definitions it uses."""
    from .. import ir

    seen_defs: set[str] = set()
    out: list[str] = []
    stack = [expr] if expr is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Ref) and node.kind == "input" and node.name not in out:
            out.append(node.name)
        defined = (
            node.name
            if isinstance(node, ir.CallDef) or (isinstance(node, ir.Ref) and node.kind == "define")
            else None
        )
        if defined in rulebook.definitions and defined not in seen_defs:
            seen_defs.add(defined)
            stack.append(rulebook.definitions[defined].body)
        if isinstance(node, ir.Expr):
            stack.extend(ir.children(node))
    return out


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
    # The nearest first, by the what-if distance: the same shortfall weighs least on the
    # fact the case has most of (30 -> 242 credit items before 8 -> 220 property items).
    names.sort(key=lambda n: -max(Fraction(facts[n]), 1))
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
        stack.extend(ir.children(node))
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


def _plain(v):
    return v.numerator if isinstance(v, Fraction) and v.denominator == 1 else v


def _number_paths(rulebook, facts: dict, names: list[str]) -> list[tuple]:
    """The numbers at ``names``: a fact itself, or each number in each record of a list of
    records (``acts[0].amount``), as the what-if analysis varies them."""
    from ..types import ListType, RecordType

    out: list[tuple] = []
    for name in names:
        value, t = facts.get(name), rulebook.inputs[name].type
        if _is_number(value):
            out.append((name,))
        elif isinstance(t, ListType) and isinstance(t.element, RecordType):
            for i, item in enumerate(value or ()):
                for field, spec in t.element.fields.items():
                    kind = spec.type.kind
                    if kind in ("integer", "money", "decimal") and _is_number(item.get(field)):
                        out.append((name, i, field))
    return out


def _moved(facts: dict, changes) -> dict:
    """The case with each change made: a fact, or a field of a record in a list."""
    moved = dict(facts)
    for fact, _, value in changes:
        if fact in moved or ("[" not in fact and "." not in fact):
            moved[fact] = value
        else:
            # Imported here, not for every change made (a plain fact is the commonest).
            from .regions import put
            from .whatif import parse_path

            moved = put(moved, parse_path(fact), value)
    return moved


def _reaches(miss: Miss, rulebook, facts, decide: Decide, changes) -> bool:
    check()  # a request answered "took too long" ends here (ruleengine.stopping)
    moved = _moved(facts, changes)
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
