"""CL Art. 12 act by act: which acts count under the text of Art. 253-1 in force when each was done.

Criminal Law Art. 12: "如果当时的法律不认为是犯罪的，适用当时的法律". An act is counted toward the
case's totals only if the text of Art. 253-1 in force on its day made it an offence:

- before 1997-10-01: the law of the time is not encoded; beside later acts the case is not
  decided, unless counted or not the rulebook reaches the same outcome (alone.py; then they
  decide nothing and are left out); alone, the rulebook's own rule for such a date says so;
- 1997-10-01 to 2009-02-27: there was no Art. 253-1 (Amendment VII added it): left out;
- 2009-02-28 to 2015-10-31 (the Amendment VII text): only what that text reaches. Para. 1:
  staff of the listed units selling or illegally providing information their own unit obtained
  in its duties or services (the rulebook's ``staff_sold_own_unit_information``); an act of
  selling or providing information bought, stolen or otherwise obtained elsewhere is not that.
  Para. 2: stealing or otherwise illegally obtaining such units' information
  (``obtained_unit_information``; collecting it illegally in one's own duties at such a unit
  is that too, so there the staff fact reaches it as well). A fact given true counts the act,
  given false leaves it out; not given, the act is *unknown*;
- from 2015-11-01 (the Amendment IX text): counted.

Collecting lawfully in duties is no offence under any text (Art. 4 of the 2017
interpretation): such an act only says where a body of information came from, and stays. A
seizure is no act of the offender and is never dated by the seizure day where it measures an
act: it counts only as far as its batch's acts of illegal obtaining count (it measures what
they brought in), dated by them; where its batch has none, it may be what an earlier act of its
category that is not counted brought in, and is then not counted either (``measures``); only
a seizure with neither is an act of obtaining on its own day (a seized batch with nothing else
is taken as illegally obtained: counting.py, which says so).

Unknown acts decide nothing unless they change the counts: the adapter counts with and without
them, and where the two differ the case is not decided, naming the fact not given. Acts before
2015-11-01 that the Amendment VII text reached are joined with later ones under the later text
only where they were an offence on their own (``EARLIER_OWN`` given true; CL Art. 12 para. 1,
and the SPP reply on acts spanning the 1997 revision, 高检发释字〔1998〕6号, joins offences, our
reading by analogy; see spp_1998_6.rules) and the later acts were one too: the rulebook
judges the later acts alone (alone.py; third legal review, finding 1), and where they are no
offence on their own they are left out and the earlier offence is judged under its own text.
Given false, the earlier acts are left out; not given, the case is not decided where counting
them changes the totals.
"""

from __future__ import annotations

import datetime
from typing import Any

from ruleengine.facts import read_field
from ruleengine.types import BOOL

#: The first day of each text (time_criminal_law_12.rules, parameter ``cl253_1_in_force``).
CL1997 = datetime.date(1997, 10, 1)
AMENDMENT7 = datetime.date(2009, 2, 28)
AMENDMENT9 = datetime.date(2015, 11, 1)

STAFF = "staff_sold_own_unit_information"
UNIT_INFO = "obtained_unit_information"
#: What each fact says, as a reader names it (never the field's name: a zh page is all Chinese).
FACT_WORDS = {
    STAFF: (
        "行为人是否为国家机关或者金融、电信、交通、教育、医疗等单位的工作人员，违反国家规定"
        "（刑法第九十六条，仅违反部门规章的不属于），出售或者非法提供本单位在履行职责或者提供服务"
        "过程中获得的信息",
        "whether the actor, on the staff of a state organ or of a financial, "
        "telecommunications, transport, education, medical or similar unit, sold or illegally "
        "provided, in violation of state provisions (CL Art. 96: a breach of a departmental "
        "rule alone is not enough), information that unit obtained in its duties or services",
    ),
    UNIT_INFO: (
        "所窃取或者以其他方法非法获取的是否为此类单位在履行职责或者提供服务过程中获得的信息",
        "whether the information stolen or otherwise illegally obtained was information such a "
        "unit obtained in its duties or services",
    ),
}

#: Whether the acts before 2015-11-01 were an offence on their own under the Amendment VII
#: text (情节严重 reached by them alone): the engine cannot judge them alone inside one
#: evaluation, so the record says it (judge those acts alone, as of the same date).
EARLIER_OWN = "earlier_acts_offence_on_their_own"
FACT_WORDS[EARLIER_OWN] = (
    "2015年11月1日以前的行为单独是否构成当时施行的第二百五十三条之一规定之罪（单独达到“情节严重”；"
    "可将这些行为单独按同一处理日期认定）",
    "whether the acts before 1 November 2015 were an offence on their own under Art. 253-1 as "
    "Amendment VII gave it (serious circumstances reached by them alone; judge those acts "
    "alone, as of the same date)",
)

COUNTED = "counted"
NO_ARTICLE = "no_article"  # 1997-10-01 .. 2009-02-27
OUTSIDE = "outside_2009_text"  # the Amendment VII text did not reach it
UNKNOWN = "unknown"  # it turns on a fact not given
BEFORE_1997 = "before_1997"


#: From counted to left out: a seizure takes the last of the statuses of the acts it measures.
RANK = [COUNTED, UNKNOWN, BEFORE_1997, OUTSIDE, NO_ARTICLE]


def measures(
    seizure: dict, acts: list[dict], status: dict[int, tuple[str, str | None]], illegal: Any
) -> tuple[list[dict], bool]:
    """The acts whose items a seizure measures, and whether they are its own batch's acts of
    illegal obtaining (the seizure is dated by them). Where its batch has none, the seizure
    does not say what brought its items in: the acts of its category up to its day that are
    not counted may have (a seizure in 2016 of what was bought in 2014), so it is not counted
    beyond them (the reading that favours the accused). Neither: it stands alone, an act of
    obtaining on its own day."""
    own = [
        b
        for b in acts
        if b["kind"] == "obtain"
        and illegal(b)
        and (b["category"], b["batch"]) == (seizure["category"], seizure["batch"])
    ]
    if own:
        return own, True
    day = seizure["acted_on"]
    maybe = [
        b
        for b in acts
        if b["kind"] != "seize"
        and b["category"] == seizure["category"]
        and b["acted_on"] is not None
        and day is not None
        and b["acted_on"] <= day
        and status.get(b["index"], (COUNTED,))[0] != COUNTED
    ]
    return maybe, False


def given(facts: dict, name: str) -> bool | None:
    """A yes/no fact of the record: True, False, or None where it is not given (a value that
    cannot be read is validation's to refuse, and decides nothing here)."""
    scratch: list = []
    value = read_field(facts, name, BOOL, default=None, problems=scratch)
    return None if scratch or not isinstance(value, bool) else value


def _collected_at_work(facts: dict) -> tuple[str, str | None]:
    """Collecting illegally in duties or services, 2009-02-28 to 2015-10-31: what staff of a
    listed unit collect there is "上述信息", the information their unit obtains in its duties
    (Amendment VII para. 2, "窃取或者以其他方法非法获取上述信息"; third legal review, finding 4).
    So the staff fact reaches it as well as the unit-information fact: either given true
    counts it; both false leave it out; otherwise it turns on the staff fact."""
    staff, unit = given(facts, STAFF), given(facts, UNIT_INFO)
    if staff or unit:
        return COUNTED, STAFF if staff else UNIT_INFO
    if staff is None:
        return UNKNOWN, STAFF
    if unit is None:
        return UNKNOWN, UNIT_INFO
    return OUTSIDE, STAFF


def statuses(
    acts: list[dict], facts: dict, origin: dict[tuple[str, str | None], str], illegal: Any
) -> dict[int, tuple[str, str | None]]:
    """Act index -> (status, the fact it turns on or the reason it is left out).

    ``origin`` gives each body of information (category, batch) as "duty" (collected in
    duties or services), "other" (illegally obtained otherwise) or "none" (no act of
    obtaining); ``illegal(act)`` says whether an act of obtaining was illegal (Art. 4)."""
    out: dict[int, tuple[str, str | None]] = {}

    def by_date(a: dict, as_obtaining: bool) -> tuple[str, str | None]:
        day = a["acted_on"]
        if day >= AMENDMENT9:
            return COUNTED, None
        if day < CL1997:
            return BEFORE_1997, None
        if day < AMENDMENT7:
            return NO_ARTICLE, None
        if as_obtaining and origin[(a["category"], a["batch"])] == "duty":
            return _collected_at_work(facts)
        if as_obtaining:
            fact = UNIT_INFO
        elif origin[(a["category"], a["batch"])] == "other":
            return OUTSIDE, "not_own_unit"
        else:
            fact = STAFF
        value = given(facts, fact)
        if value is None:
            return UNKNOWN, fact
        return (COUNTED, fact) if value else (OUTSIDE, fact)

    seizures = []
    for a in acts:
        if a["acted_on"] is None or (a["kind"] == "obtain" and not illegal(a)):
            out[a["index"]] = (COUNTED, None)
        elif a["kind"] == "seize":
            seizures.append(a)
        else:
            out[a["index"]] = by_date(a, a["kind"] == "obtain")
    for a in seizures:
        body, _ = measures(a, acts, out, illegal)
        # It counts only as far as the least counted of the acts it measures.
        out[a["index"]] = (
            max((out[b["index"]] for b in body), key=lambda s: RANK.index(s[0]))
            if body
            else by_date(a, True)
        )
    # Every dated act before 1997: the rulebook's own rule for that date decides (not decided).
    if all(a["acted_on"] < CL1997 for a in acts if a["acted_on"] is not None):
        return {i: (COUNTED, None) for i in out}
    return out
