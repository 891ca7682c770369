"""Turns one official's record into the rulebook's facts, noting which act counts where.

The rules sum amounts over ``acts``; this adapter says, act by act, which sum each amount
went into, so the explanation can tell which act led to which finding.
"""

from __future__ import annotations

import datetime
from typing import Any

from ruleengine import enum_type, read_field
from ruleengine.facts import hand_on
from ruleengine.types import BOOL, DATE, TEXT, LocalText, MoneyType, format_number

#: Keys a record may carry that are about the official, not facts of the rulebook.
META_KEYS = ("name", "official", "post", "case")

EMBEZZLEMENT_KINDS = (
    "subsidy_skimming",
    "poverty_relief_embezzlement",
    "land_compensation",
    "renovation_allowance",
)
BRIBERY_KINDS = ("kickbacks", "subsidy_extortion", "bribe_accepting", "bribe_soliciting")
DERELICTION_KINDS = ("abuse_of_power", "neglect_of_duty")
#: Interp. Art. 13(2) and Art. 15(2) (common.rules benefit_sought, bribe_counted).
SUBORDINATE_VALUE = 30000
BEFORE_REQUEST_VALUE = 10000
#: Kinds under the mass-discipline article's withholding/skimming limbs (common.rules mass_kind).
MASS_KINDS = ("subsidy_skimming", "subsidy_extortion", "land_compensation", "renovation_allowance")
#: Which amount an act counts towards, by kind group and whether the official is a state
#: functionary (CL 382/385) or not (CL 271/163, Interp. Art. 11).
CRIME_OF = {
    ("embezzlement", True): "embezzlement",
    ("bribery", True): "bribery",
    ("embezzlement", False): "duty encroachment",
    ("bribery", False): "non-state-functionary bribery",
}
ZH_CRIME = {
    "embezzlement": "贪污数额",
    "bribery": "受贿数额",
    "duty encroachment": "职务侵占数额",
    "non-state-functionary bribery": "非国家工作人员受贿数额",
    "misappropriation (illegal activities)": "挪用公款数额（进行非法活动）",
    "misappropriation (for profit or kept over three months)": (
        "挪用公款数额（营利活动或者超过三个月未还）"
    ),
}
#: Uses of misappropriated money (common.rules fund_use) and the amount each counts towards
#: (Interp. Art. 5 or Art. 6); other use counts only when kept beyond three months.
MISAPPROPRIATION_OF = {
    "illegal_activities": "misappropriation (illegal activities)",
    "profit_making": "misappropriation (for profit or kept over three months)",
    "other_use": "misappropriation (for profit or kept over three months)",
}

#: Labels of common.rules' misconduct and gravity members, so the sentences name the conduct as
#: a lawyer would (the rules are the source; test_ccdi checks these match them).
KIND_LABELS = {
    "subsidy_skimming": (
        "克扣、套取国家补贴（如惠农补贴）",
        "skimming state subsidies (e.g. agricultural subsidies)",
    ),
    "subsidy_extortion": (
        "在发放补贴中吃拿卡要、索要财物",
        "extorting money when paying out state subsidies",
    ),
    "poverty_relief_embezzlement": ("贪污、侵占扶贫资金", "embezzling poverty-relief funds"),
    "land_compensation": ("侵占、截留征地补偿款", "misappropriating land-requisition compensation"),
    "renovation_allowance": ("贪污、克扣危房改造补助", "embezzling house-renovation allowances"),
    "abuse_of_power": ("滥用职权", "abuse of power"),
    "kickbacks": ("收受回扣、手续费", "receiving kickbacks or handling fees"),
    "misappropriation": ("挪用公款", "misappropriating public funds"),
    "bribe_accepting": ("非法收受他人财物", "accepting money or property from another"),
    "bribe_soliciting": (
        "索取他人财物（索贿）",
        "demanding money or property from another (soliciting)",
    ),
    "neglect_of_duty": ("玩忽职守", "neglect of duty"),
}
#: A kind whose label says the money was taken (贪污、侵占), for an act the facts say was not taken
#: for the official (for_self: false): the label says only what was done (fifth legal review,
#: finding 10), as the engine counts no embezzlement for it.
NOT_TAKEN_LABELS = {
    "poverty_relief_embezzlement": (
        "涉及扶贫资金的行为（未非法占为己有）",
        "an act concerning poverty-relief funds (not taken for himself)",
    ),
    "land_compensation": (
        "截留征地补偿款（未非法占为己有）",
        "withholding land-requisition compensation (not taken for himself)",
    ),
    "renovation_allowance": (
        "克扣危房改造补助（未非法占为己有）",
        "skimming house-renovation allowances (not taken for himself)",
    ),
}
GRAVITY_LABELS = {
    "minor": ("情节较轻", "minor"),
    "relatively_serious": ("情节较重", "relatively serious"),
    "serious": ("情节严重", "serious"),
}
USE_LABELS = {
    "not_used": ("未挪用（或者未说明用途）", "not misappropriated (or no use stated)"),
    "illegal_activities": ("归个人使用，进行非法活动", "for personal use, in illegal activities"),
    "profit_making": ("归个人使用，进行营利活动", "for personal use, in for-profit activities"),
    "other_use": ("归个人使用，用于其他用途", "for personal use, for other purposes"),
}

BENEFIT_LABELS = {
    "none": ("未认定为他人谋取利益", "no benefit sought found"),
    "sought": ("实际或者承诺为他人谋取利益", "actually sought or promised a benefit"),
    "known_request": ("明知他人有具体请托事项", "knew the giver had a specific request"),
    "after_duty": (
        "履职时未被请托，但事后基于该履职事由收受他人财物",
        "accepted it afterwards on account of a duty performed without a request",
    ),
}

#: The versions of the regulations, each from the day common.rules' ``regulations_in_force``
#: gives it (test_ccdi holds them to it), latest first: an act's note names the version of its
#: own date where it is earlier than the latest act's, which dates the version applied (fifth
#: legal review, finding 4). Before 2003-12-31, older texts, none encoded.
VERSIONS_FROM = (
    (datetime.date(2024, 1, 1), ("2023年修订条例", "2023 revision")),
    (datetime.date(2018, 10, 1), ("2018年修订条例", "2018 revision")),
    (datetime.date(2016, 1, 1), ("2015年修订条例", "2015 revision")),
    (
        datetime.date(2003, 12, 31),
        ("2003年条例（本规则库未编码）", "2003 regulations (not encoded in this rulebook)"),
    ),
)
BEFORE_2003 = ("2003年以前的条例（本规则库未编码）", "regulations before 2003-12-31 (not encoded)")

#: The fields of an act this adapter reads: (type, the value it takes when absent, minimum), as
#: common.rules' ``record act`` declares them (test_ccdi holds them to it). Each is read by the
#: engine's own reader, so a value the rulebook would refuse is refused here, with the same
#: message and the user's path (``acts[2].amount``), before the adapter uses it. A field the
#: rules require is taken as absent here (None) and reported missing by validation.
ACT_FIELDS: dict[str, tuple[Any, Any, int | None]] = {
    "id": (TEXT, None, None),
    "kind": (enum_type("misconduct", KIND_LABELS), None, None),
    "acted_on": (DATE, None, None),
    "state_functionary": (BOOL, None, None),
    "amount": (MoneyType(currency="CNY"), 0, 0),
    "gravity": (enum_type("gravity", GRAVITY_LABELS), None, None),
    "for_self": (BOOL, True, None),
    "poverty_relief": (BOOL, False, None),
    "rural_revitalisation": (BOOL, False, None),
    "suspected_crime": (BOOL, False, None),
    "use": (enum_type("fund_use", USE_LABELS), "not_used", None),
    "kept_over_three_months": (BOOL, False, None),
    "dealt_with": (BOOL, False, None),
    "benefit": (enum_type("benefit_form", BENEFIT_LABELS), "none", None),
    "from_subordinate": (BOOL, False, None),
    "giver": (TEXT, "", None),
    "before_request": (BOOL, False, None),
    "organ_functionary": (BOOL, False, None),
}


def _label(labels: dict, member: Any, lang: int) -> str:
    """The member's label in one language (0 zh, 1 en); an absent value is shown as given."""
    pair = labels.get(member) if isinstance(member, str) else None
    return pair[lang] if pair else str(member)


def _text(value: Any, lang: str) -> str:
    """A text as read (a string, or a ``LocalText`` given as {"zh": ..., "en": ...})."""
    return value.get(lang) if isinstance(value, LocalText) else str(value)


def _read(record: dict, problems: list) -> tuple[Any, list[dict | None]]:
    """The official's name and each act's fields as the engine reads them (None for an act
    that is not an object: validation reports it)."""
    who = None
    for key in ("name", "official"):
        who = who or read_field(record, key, TEXT, default=None, problems=problems)
    acts = []
    for i, act in enumerate(record["acts"]):
        if not isinstance(act, dict):
            acts.append(None)
            continue
        at = f"acts[{i}]"
        acts.append(
            {
                key: read_field(act, key, t, at, minimum, default=absent, problems=problems)
                for key, (t, absent, minimum) in ACT_FIELDS.items()
            }
        )
    return who, acts


def adapt(record: Any) -> tuple[Any, list]:
    """``(facts, derivations)``; a record that is not an official's facts is left unchanged.

    A field it reads that the rulebook would refuse (``acts[1].amount``, ``name``) is handed
    on to validation with the record (``ruleengine.facts.hand_on``), without derivations:
    validation reports it with every other mistake of the record, and the case is not
    decided.
    """
    if not isinstance(record, dict) or not isinstance(record.get("acts"), list):
        return record, []
    problems: list = []
    who, read = _read(record, problems)
    facts = {k: v for k, v in record.items() if k not in META_KEYS}
    if problems:
        return hand_on(facts, problems), []
    notes: list = []
    if who:
        notes.append(
            {
                "en": f"Official: {_text(who, 'en')}",
                "zh": f"被处分人：{_text(who, 'zh')}",
                "official": who.to_json() if isinstance(who, LocalText) else who,
            }
        )
    acts = []
    counted: dict[str, list[int]] = {c: [] for c in ZH_CRIME}
    totals = _bribery_totals(read)
    latest = _latest_version(read)
    for i, (act, fields) in enumerate(zip(facts["acts"], read, strict=True), start=1):
        if fields is not None:
            act = dict(act)
            act.setdefault("id", f"act-{i}")
            if fields["id"] is None:
                fields["id"] = act["id"]
            kind, taken = fields["kind"], fields["for_self"]
            group = (
                "embezzlement"
                if kind in EMBEZZLEMENT_KINDS
                else "bribery"
                if kind in BRIBERY_KINDS
                else None
            )
            sf = fields["state_functionary"] is not False
            excluded = _excluded(fields, group, sf, totals)
            crime = CRIME_OF[(group, sf)] if group and taken and not excluded else None
            if sf and _misappropriated(fields, kind, taken):
                if fields["dealt_with"] is True:
                    excluded = DEALT_WITH_MISAPPROPRIATION
                else:
                    crime = MISAPPROPRIATION_OF[fields["use"]]
            if crime:
                counted[crime].append(i - 1)
            notes.append(_act_note(fields, crime, excluded, latest))
        acts.append(act)
    facts["acts"] = acts
    for crime, indexes in counted.items():
        if indexes:
            total = format_number(sum(read[n]["amount"] for n in indexes))
            en_ids = ", ".join(_text(read[n]["id"], "en") for n in indexes)
            zh_ids = "、".join(_text(read[n]["id"], "zh") for n in indexes)
            zh = ZH_CRIME[crime]
            notes.append(
                {
                    "en": f"{crime} amount {total} yuan = acts {en_ids}",
                    "zh": f"{zh}{total}元＝行为{zh_ids}",
                    "counted_in": crime,
                    "acts": [_json_text(read[n]["id"]) for n in indexes],
                    "total": total,
                }
            )
    return facts, notes


#: Why an act of embezzlement or bribery dealt with is not counted, by crime and by whether the
#: official is a state functionary (fifth legal review, finding 8): CL Art. 383(2) speaks of
#: embezzlement ("对多次贪污未经处理的"); bribery takes it through Art. 386 and has its own Interp.
#: Art. 15(1) ("对多次受贿未经处理的"); neither reaches duty encroachment (CL Art. 271) or a
#: non-state functionary's bribery (CL Art. 163), for which leaving the act out is our reading.
DEALT_WITH = {
    ("embezzlement", True): (
        "already dealt with: not added up again (CL Art. 383(2))",
        "已经处理：不再累计计算（刑法第三百八十三条第二款）",
    ),
    ("bribery", True): (
        "already dealt with: not added up again (CL Art. 386 with Art. 383(2); Interp. Art. 15(1))",
        "已经处理：不再累计计算（刑法第三百八十六条、第三百八十三条第二款，法释〔2016〕9号第十五条第一款）",
    ),
    ("embezzlement", False): (
        "already dealt with: not added up again (CL Art. 271 says nothing of it: our reading, as "
        "CL Art. 383(2))",
        "已经处理：不再累计计算（刑法第二百七十一条未作规定，系本规则比照第三百八十三条第二款的理解）",
    ),
    ("bribery", False): (
        "already dealt with: not added up again (CL Art. 163 says nothing of it: our reading, as "
        "CL Art. 383(2) and Interp. Art. 15(1))",
        "已经处理：不再累计计算（刑法第一百六十三条未作规定，系本规则比照第三百八十三条第二款、"
        "法释〔2016〕9号第十五条第一款的理解）",
    ),
}

#: Why an act of misappropriation dealt with is not counted (common.rules misappropriation_act).
DEALT_WITH_MISAPPROPRIATION = (
    "already dealt with: not added up again (CL Art. 384 says nothing of it: our reading, as "
    "CL Art. 383(2))",
    "已经处理：不再累计计算（刑法第三百八十四条未作规定，系本规则比照第三百八十三条第二款的理解）",
)


def _bribe_act(fields: dict) -> bool:
    """Mirrors common.rules bribe_act: a state functionary's bribery-type act, for himself,
    not yet dealt with."""
    return (
        fields["for_self"] is not False
        and fields["state_functionary"] is not False
        and fields["kind"] in BRIBERY_KINDS
        and fields["dealt_with"] is not True
    )


def _bribery_totals(read: list) -> dict:
    """What Interp. Arts. 13(2) and 15(2) add up: the value taken from subordinates, and per
    giver the value taken before the request (common.rules from_subordinates,
    before_request_from)."""
    totals: dict = {"subordinates": 0, "before": {}}
    for fields in read:
        if fields is None or not _bribe_act(fields):
            continue
        amount = fields["amount"] or 0
        if fields["from_subordinate"] is True:
            totals["subordinates"] += amount
        if fields["before_request"] is True:
            giver = _text(fields["giver"] or "", "zh")
            totals["before"][giver] = totals["before"].get(giver, 0) + amount
    return totals


def _excluded(fields: dict, group: str | None, sf: bool, totals: dict) -> tuple | None:
    """Why an act of embezzlement or bribery is not counted (common.rules embezzled,
    bribe_counted, nsf_bribe_total), as (en, zh), or None."""
    if group is None or fields["for_self"] is False:
        return None
    if fields["dealt_with"] is True:
        return DEALT_WITH[(group, sf)]
    if fields["kind"] == "bribe_accepting" and fields["benefit"] in (None, "none"):
        deemed = sf and fields["from_subordinate"] is True
        if not (deemed and totals["subordinates"] >= SUBORDINATE_VALUE):
            return (
                "no benefit sought for the giver found: not counted (Interp. Art. 13)",
                "未认定为他人谋取利益：不计入受贿数额（法释〔2016〕9号第十三条）",
            )
    no_benefit = fields["benefit"] in (None, "none")
    if not sf and no_benefit and fields["kind"] in ("subsidy_extortion", "bribe_soliciting"):
        return (
            "not a state functionary: money demanded counts only with a benefit sought for the "
            "giver (CL Art. 163(1))",
            "非国家工作人员：索取他人财物，须为他人谋取利益方计入（刑法第一百六十三条第一款）",
        )
    if sf and fields["before_request"] is True:
        giver = _text(fields["giver"] or "", "zh")
        if totals["before"].get(giver, 0) < BEFORE_REQUEST_VALUE:
            return (
                "accepted before the request, under 10,000 yuan from that giver: not counted "
                "(Interp. Art. 15(2))",
                "受请托之前收受，该请托人的财物不满一万元：不计入受贿数额（法释〔2016〕9号第十五条第二款）",
            )
    return None


def _json_text(value: Any) -> Any:
    return value.to_json() if isinstance(value, LocalText) else value


def _misappropriated(act: dict, kind: Any, taken: bool) -> bool:
    """Mirrors common.rules misapp_counted: used (not taken) for a use Art. 384 covers."""
    use = act.get("use")
    if use not in MISAPPROPRIATION_OF:
        return False
    if use == "other_use" and act.get("kept_over_three_months") is not True:
        return False
    return kind == "misappropriation" or (kind in EMBEZZLEMENT_KINDS and not taken)


def _version_on(day: datetime.date) -> tuple[str, str]:
    """The version of the regulations in force on ``day`` (zh, en)."""
    return next((names for since, names in VERSIONS_FROM if day >= since), BEFORE_2003)


def _latest_version(read: list) -> tuple[str, str] | None:
    """The version in force on the latest act not yet dealt with (common.rules acted_last),
    which the rules take for every act; None without such an act."""
    days = [
        f["acted_on"]
        for f in read
        if f is not None and f["dealt_with"] is not True and f["acted_on"] is not None
    ]
    return _version_on(max(days)) if days else None


def _act_note(
    act: dict,
    crime: str | None,
    excluded: tuple | None = None,
    latest: tuple[str, str] | None = None,
) -> dict:
    """One sentence per act (its fields as read): which amount it counts towards and which
    Party provision it meets, and the version of its own date where the latest act's, which
    the rules apply to all, is another."""
    kind, gravity = act.get("kind"), act.get("gravity")
    en_where = (
        f"counts towards the {crime} amount"
        if crime
        else "no amount counted for the criminal layer"
    )
    zh_where = f"计入{ZH_CRIME[crime]}" if crime else "不计入犯罪数额"
    if excluded:
        en_where, zh_where = excluded
    en_party, zh_party = [], []
    if kind in MASS_KINDS:
        en_party.append(f"mass-discipline article ({_label(GRAVITY_LABELS, gravity, 1)})")
        zh_party.append("侵害群众利益条款")
    if kind == "poverty_relief_embezzlement":
        en_party.append("mass discipline (catch-all limb)")
        zh_party.append("群众纪律（兜底项）")
    if kind == "misappropriation" and act.get("state_functionary") is False:
        en_where = "not a state functionary: misappropriation of funds (CL 272) is not encoded"
        zh_where = "非国家工作人员：挪用资金罪（刑法第二百七十二条）未编码"
    elif act.get("use") == "other_use" and act.get("kept_over_three_months") is not True:
        en_where = "other use returned within three months: not a use CL 384 covers"
        zh_where = "用于其他用途未超过三个月：不符合刑法第三百八十四条用途要件"
    if kind in DERELICTION_KINDS and act.get("dealt_with") is True:
        # common.rules dereliction_act leaves such an act out of the casualties and losses.
        en_where = (
            "already dealt with: its casualties and loss are not counted again (CL Art. 397 says "
            "nothing of it: our reading, as CL Art. 383(2))"
        )
        zh_where = (
            "已经处理：其伤亡、损失不再计入"
            "（刑法第三百九十七条未作规定，系本规则比照第三百八十三条第二款的理解）"
        )
    elif kind in DERELICTION_KINDS and act.get("organ_functionary") is True:
        # Two crimes (common.rules loss_by): an act's casualties and loss count for its own.
        en_where = (
            f"its casualties and loss count towards {_label(KIND_LABELS, kind, 1)} only "
            "(abuse of power and neglect of duty are two crimes, CL 397)"
        )
        zh_where = (
            f"其伤亡、损失只计入{_label(KIND_LABELS, kind, 0)}（滥用职权罪、玩忽职守罪是两个罪名）"
        )
    if crime or kind in DERELICTION_KINDS:
        en_party.append("conduct the Criminal Law describes (or the crime floor)")
        zh_party.append("有刑法规定的行为（或者涉嫌犯罪）")
    if kind in MASS_KINDS and (crime or act.get("suspected_crime") is True):
        # One act under two provisions: the heavier alone (2023 Art. 25; common.rules
        # mass_governs, law_governs).
        en_party.append("one act under both: the heavier provision alone gives the range")
        zh_party.append("一个行为同时触犯两个条款：依处分较重的条款处理")
    if act.get("suspected_crime") is True:
        en_party.append("suspected of another crime: floor and referral")
        zh_party.append("涉嫌其他犯罪：处分下限及移送")
    if act.get("poverty_relief") is True and kind in MASS_KINDS:
        en_party.append(
            "poverty-relief field (heavier under the 2018 text, where the act was committed under "
            "it or its course ended then, that version applies and the mass-discipline article "
            "governs the act)"
        )
        zh_party.append(
            "扶贫领域（行为发生在2018年条例施行期间或者继续、连续至该期间，适用该版本且依侵害群众利益条款处理时"
            "从重或者加重）"
        )
    if act.get("rural_revitalisation") is True and kind in MASS_KINDS:
        en_party.append(
            "rural-revitalisation field (heavier under the 2023 text, where the act was committed "
            "under it or its course ended then, that version applies and the mass-discipline "
            "article governs the act)"
        )
        zh_party.append(
            "乡村振兴领域（行为发生在2023年条例施行期间或者继续、连续至该期间，适用该版本且依侵害群众利益条款处理时"
            "从重或者加重）"
        )
    labels = (
        NOT_TAKEN_LABELS
        if act.get("for_self") is False and kind in NOT_TAKEN_LABELS
        else KIND_LABELS
    )
    en_kind, zh_kind = _label(labels, kind, 1), _label(labels, kind, 0)
    # The Party-discipline gravity, named so beside an amount it is not read as a criminal tier.
    en_gravity = f"{_label(GRAVITY_LABELS, gravity, 1)} (Party discipline)"
    zh_gravity = f"党纪{_label(GRAVITY_LABELS, gravity, 0)}"
    en_found = "; ".join(en_party) or "Party sanction not decided (no provision encoded)"
    zh_found = "；".join(zh_party) or "党纪处分未认定（未编码相应条款）"
    own = _version_on(act["acted_on"]) if act.get("acted_on") is not None else None
    if latest and own and own != latest and act.get("dealt_with") is not True:
        # common.rules acts_span_versions: the case is dated by the latest act, and each act is
        # judged under the version of its own date or the lighter at the decision (poverty_field,
        # rural_field).
        en_found += (
            f"; committed under the {own[1]}: judged under it, or under the text at the decision "
            f"where lighter, act by act (the case is dated by the latest act, {latest[1]})"
        )
        zh_found += (
            f"；行为时施行{own[0]}：依该版本处理，处理时的条例较轻的除外，逐个行为适用"
            f"（案件以最后一个行为的日期确定版本：{latest[0]}）"
        )
    if act.get("dealt_with") is True:
        # common.rules leaves such an act out of the whole Party layer.
        en_found = "already dealt with: not sanctioned again, not counted for a merger"
        zh_found = "已经处理：不再给予党纪处分，不计入合并处理"
    amount, acted_on = format_number(act["amount"]), act["acted_on"]
    # Sixth legal review, 10.4: one date format in zh, as the law-in-time section writes it.
    zh_on = (
        f"{acted_on.year}年{acted_on.month}月{acted_on.day}日"
        if isinstance(acted_on, datetime.date)
        else acted_on
    )
    return {
        "en": f"act {_text(act['id'], 'en')} ({en_kind}, {amount} yuan, {en_gravity}, "
        f"acted {acted_on}): {en_where}; Party findings: {en_found}",
        "zh": f"行为{_text(act['id'], 'zh')}（{zh_kind}，{amount}元，{zh_gravity}，"
        f"{zh_on}）：{zh_where}；党纪认定：{zh_found}",
        "act": _json_text(act["id"]),
        "kind": kind,
        "counted_in": crime,
    }
