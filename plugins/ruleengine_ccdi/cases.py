"""Cases with several officials: one decision per official, from one case record.

A case record is ``{"case": {...}, "officials": [{"name": ..., "acts": [...], ...}]}``. The
case part holds what the officials share (``decided_on``, an id, a title); each official's
own keys win over it. Each official is decided on their own facts (their own acts), which is
how the regulations apply: sanctions are personal.
"""

from __future__ import annotations

import datetime
from typing import Any

import attrs

from ruleengine import FactProblem, FactsError

from .adapter import adapt

#: Case-level keys copied into each official's facts (the rest describe the case).
SHARED_FACTS = ("decided_on",)


@attrs.frozen
class OfficialResult:
    name: str
    facts: dict
    notes: list
    trace: Any  # ruleengine.Trace

    @property
    def decision(self):
        return self.trace.decision


def split_case(record: dict) -> list[tuple[str, dict]]:
    """``[(name, official_record)]``; a record with no ``officials`` is one official.

    A record whose ``officials`` is not a list of objects, or whose ``case`` is not an object,
    raises ``ruleengine.FactsError`` naming the field.
    """
    if not isinstance(record, dict):
        raise FactsError(
            [FactProblem("", "expected an object (a case record)", zh="应为对象（一份案件记录）")]
        )
    if "officials" not in record:
        return [(str(record.get("name") or record.get("official") or "official"), record)]
    case = record.get("case") or {}
    officials = record["officials"]
    problems = []
    if not isinstance(case, dict):
        problems.append(FactProblem("case", "expected an object", zh="应为对象"))
    if not isinstance(officials, list) or not officials:
        problems.append(
            FactProblem(
                "officials", "expected a non-empty list of officials", zh="应为非空的人员列表"
            )
        )
    else:
        problems += [
            FactProblem(
                f"officials[{i}]",
                "expected an object (an official's record)",
                zh="应为对象（一名人员的记录）",
            )
            for i, official in enumerate(officials)
            if not isinstance(official, dict)
        ]
    if problems:
        raise FactsError(problems)
    out = []
    for i, official in enumerate(officials, start=1):
        merged = {k: case[k] for k in SHARED_FACTS if k in case}
        merged.update(official)
        out.append((str(official.get("name") or f"official-{i}"), merged))
    return out


def evaluate_case(
    book, record: dict, as_of: datetime.date | None = None, adapt_chain=None
) -> list[OfficialResult]:
    """Explain each official of a case; ``adapt_chain`` defaults to this plugin's adapter."""
    adapt_one = adapt_chain or adapt
    results = []
    for name, raw in split_case(record):
        facts, notes = adapt_one(raw)
        trace = book.explain(facts, as_of)
        trace.notes = list(notes)
        results.append(OfficialResult(name, facts, list(notes), trace))
    return results


def decide_case(book, record: dict, as_of: datetime.date | None = None) -> dict[str, Any]:
    """The fast path per official: ``{name: Decision}``."""
    return {name: book.decide(adapt(raw)[0], as_of) for name, raw in split_case(record)}
