"""Some of a case's acts judged alone: the rulebook's own decision on their counts.

Two questions of CL Art. 12 turn on what part of a case would be on its own. Acts on both
sides of Amendment IX join only where each side was an offence (our reading, by analogy with
高检发释字〔1998〕6号 item 2: "同种类数罪", offences on both sides), so a later side short of
serious circumstances does not lift an earlier offence into the amended text. And acts under
law this rulebook does not hold (before 1997-10-01) decide nothing where, counted or not, the
outcome is the same. The adapter counts the acts in question (counting.py) and asks the
rulebook, so that the level is the interpretation's and nowhere written twice.

Acts on both sides join only where each side could still be prosecuted on its own
(``prosecutable``; sixth legal review, finding 1): CL Art. 12(1) applies the law of the time
only to acts "依照本法总则第四章第八节的规定应当追诉的", and the reply joins offences, not
time-barred ones (our reading).

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
from ruleengine.types import Duration, add_duration

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
    still be prosecuted: the part is taken as prosecuted on the day of its last act, within
    any period (whether it still can be is ``prosecutable``'s question)."""
    facts = {**facts, "prosecution_began_on": last.isoformat()}
    facts.pop("later_crime_on", None)
    return _decide(facts, max(INTERPRETATION, last))


def prosecutable(facts: dict, last: datetime.date, later: datetime.date) -> bool | None:
    """Whether the earlier side of acts joined across Amendment IX (its last act ``last``) was
    still prosecutable on its own when prosecution began (sixth legal review, finding 1): its
    own period (CL Art. 87, under the text the rulebook applies to it), restarted by the later
    side, a further crime, where that falls within it (Art. 89(2), the later side dated by its
    last act ``later``, as any side; our reading). None where the record gives no filing date
    (the rules then measure the earlier side to the year judged, ``own_period_end``) or the
    rulebook does not decide it. Judged as of the filing day where that is later: from the
    interpretation's first day the rulebook holds one version of every standard."""
    try:
        day = datetime.date.fromisoformat(str(facts["prosecution_began_on"]))
    except (KeyError, ValueError):
        return None  # not given; or validation refuses it, with its path
    part = {**facts, "later_crime_on": later.isoformat()}
    conclusions = _decide(part, max(INTERPRETATION, last, day))
    kind = None if conclusions is None else conclusions["limitation"]
    if kind in ("time_barred", "time_barred_ten_years"):
        return False
    return True if kind in PROSECUTED else None


def own_period_end(last: datetime.date, later: datetime.date) -> datetime.date:
    """The last day of the earlier side's own period: five years (CL Art. 87 item 1: the
    Amendment VII text's three years at most) from its last act, from the later side's last
    act where that falls within them (Art. 89(2)), moved as the engine moves dates (29
    February to 28 February). limitation.rules counts the case's own periods so; this one is
    given to it as a fact, as the prover pays for each date moved by years."""
    end = add_duration(last, FIVE_YEARS)
    return add_duration(later, FIVE_YEARS) if later <= end else end


FIVE_YEARS = Duration(months=60)
#: The rulebook's limitation outcomes under which a part may be prosecuted.
PROSECUTED = ("within_time", "not_limited_evaded", "not_limited_complaint")


def _decide(facts: dict, day: datetime.date) -> dict[str, Any] | None:
    try:
        return dict(_book().decide(facts, day).conclusions)
    except FactsError:
        return None


def is_offence(conclusions: dict[str, Any]) -> bool:
    """Whether a part of a case decided alone is an offence under Art. 253-1."""
    return conclusions["statutory_maximum"] in OFFENCE
