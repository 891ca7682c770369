"""Some of a case's acts judged alone: the rulebook's own decision on their counts.

Two questions of CL Art. 12 turn on what part of a case would be on its own. Acts on both
sides of Amendment IX join only where each side was an offence (our reading, by analogy with
高检发释字〔1998〕6号 item 2: "同种类数罪", offences on both sides), so a later side short of
serious circumstances does not lift an earlier offence into the amended text. And acts under
law this rulebook does not hold (before 1997-10-01) decide nothing where, counted or not, the
outcome is the same. The adapter counts the acts in question (counting.py) and asks the
rulebook, so that the level is the interpretation's and nowhere written twice.

The date: the level is the 2017 interpretation's as of the day the case is handled (see
time_criminal_law_12.rules), and a case is decided only from its first day (Art. 13), from
which the rulebook holds one version of every standard: a part is judged as of that day, or of
its last act where that is later, the same decision as on any later day (a test pins the
one version).
"""

from __future__ import annotations

import datetime
import functools
from pathlib import Path
from typing import Any

from ruleengine.facts import FactsError

#: The interpretation's first day (Art. 13: 本解释自2017年6月1日起施行).
INTERPRETATION = datetime.date(2017, 6, 1)
RULES = Path(__file__).parent / "rules"
#: The statutory maxima of an offence under Art. 253-1 (time_criminal_law_12.rules).
OFFENCE = ("three_years", "seven_years")


@functools.cache
def _book():
    import ruleengine

    return ruleengine.load_paths([RULES], name="pi2017")


def decide(facts: dict, last: datetime.date) -> dict[str, Any] | None:
    """The conclusions the rulebook reaches on ``facts`` (a part of a case, its acts counted),
    or None where the facts cannot be read (validation refuses the whole case for the same
    fields, with their paths). Whether a part is an offence is asked, not whether it can
    still be prosecuted: the limitation is the whole case's (limitation.rules), so the part is
    taken as prosecuted on the day of its last act, within any period (the sixth legal review
    asks whether each side's own period should be checked before joining: open)."""
    facts = {**facts, "prosecution_began_on": last.isoformat()}
    facts.pop("later_crime_on", None)
    try:
        return dict(_book().decide(facts, max(INTERPRETATION, last)).conclusions)
    except FactsError:
        return None


def is_offence(conclusions: dict[str, Any]) -> bool:
    """Whether a part of a case decided alone is an offence under Art. 253-1."""
    return conclusions["statutory_maximum"] in OFFENCE
