"""Turns one official's record into the rulebook's facts, noting which act counts where.

The rules sum amounts over ``acts``; this adapter says, act by act, which sum each amount
went into, so the explanation can tell which act led to which finding.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

#: Keys a record may carry that are about the official, not facts of the rulebook.
META_KEYS = ("name", "official", "post", "case")

EMBEZZLEMENT_KINDS = (
    "subsidy_skimming",
    "poverty_relief_embezzlement",
    "land_compensation",
    "renovation_allowance",
)
BRIBERY_KINDS = ("kickbacks", "subsidy_extortion")
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
}
GRAVITY_LABELS = {
    "minor": ("情节较轻", "minor"),
    "relatively_serious": ("情节较重", "relatively serious"),
    "serious": ("情节严重", "serious"),
}


def _label(labels: dict, member: Any, lang: int) -> str:
    """The member's label in one language (0 zh, 1 en); an unknown value is shown as given."""
    pair = labels.get(member) if isinstance(member, str) else None
    return pair[lang] if pair else str(member)


def _amount_text(act: dict) -> str:
    raw = act.get("amount", 0)
    if isinstance(raw, dict):
        raw = raw.get("amount", 0)
    return str(raw)


def _yuan(act: dict) -> Decimal | None:
    text = _amount_text(act).replace("CNY", "").replace("yuan", "").replace("元", "").strip()
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return None  # validation reports it against the field


def adapt(record: Any) -> tuple[Any, list]:
    """``(facts, derivations)``; a record that is not an official's facts is left unchanged."""
    if not isinstance(record, dict) or not isinstance(record.get("acts"), list):
        return record, []
    facts = {k: v for k, v in record.items() if k not in META_KEYS}
    notes: list = []
    who = record.get("name") or record.get("official")
    if who:
        notes.append({"en": f"Official: {who}", "zh": f"被处分人：{who}", "official": who})
    acts = []
    counted: dict[str, list[str]] = {c: [] for c in ZH_CRIME}
    for i, act in enumerate(facts["acts"], start=1):
        if isinstance(act, dict):
            act = dict(act)
            act.setdefault("id", f"act-{i}")
            kind = act.get("kind")
            taken = act.get("for_self", True) is True
            group = (
                "embezzlement"
                if kind in EMBEZZLEMENT_KINDS
                else "bribery"
                if kind in BRIBERY_KINDS
                else None
            )
            sf = act.get("state_functionary") is not False
            crime = CRIME_OF[(group, sf)] if group and taken else None
            if sf and _misappropriated(act, kind, taken):
                crime = MISAPPROPRIATION_OF[act["use"]]
            if crime:
                counted[crime].append(act["id"])
            notes.append(_act_note(act, crime))
        acts.append(act)
    facts["acts"] = acts
    for crime, ids in counted.items():
        if ids:
            total = sum(
                (_yuan(a) or Decimal(0)) for a in acts if isinstance(a, dict) and a.get("id") in ids
            )
            zh = ZH_CRIME[crime]
            notes.append(
                {
                    "en": f"{crime} amount {total} yuan = acts {', '.join(ids)}",
                    "zh": f"{zh}{total}元＝行为{'、'.join(ids)}",
                    "counted_in": crime,
                    "acts": ids,
                    "total": str(total),
                }
            )
    return facts, notes


def _misappropriated(act: dict, kind: Any, taken: bool) -> bool:
    """Mirrors common.rules misapp_counted: used (not taken) for a use Art. 384 covers."""
    use = act.get("use")
    if use not in MISAPPROPRIATION_OF:
        return False
    if use == "other_use" and act.get("kept_over_three_months") is not True:
        return False
    return kind == "misappropriation" or (kind in EMBEZZLEMENT_KINDS and not taken)


def _act_note(act: dict, crime: str | None) -> dict:
    """One sentence per act: which amount it counts towards and which Party provision it meets."""
    kind, gravity = act.get("kind"), act.get("gravity")
    en_where = (
        f"counts towards the {crime} amount"
        if crime
        else "no amount counted for the criminal layer"
    )
    zh_where = f"计入{ZH_CRIME[crime]}" if crime else "不计入犯罪数额"
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
    if crime or kind == "abuse_of_power":
        en_party.append("conduct the Criminal Law describes (or the crime floor)")
        zh_party.append("有刑法规定的行为（或者涉嫌犯罪）")
    if act.get("suspected_crime") is True:
        en_party.append("suspected of another crime: floor and referral")
        zh_party.append("涉嫌其他犯罪：处分下限及移送")
    if act.get("poverty_relief") is True and kind in MASS_KINDS:
        en_party.append(
            "poverty-relief field (heavier under the 2018 text, where that version applies)"
        )
        zh_party.append("扶贫领域（适用2018年条例时从重或者加重）")
    if act.get("rural_revitalisation") is True and kind in MASS_KINDS:
        en_party.append(
            "rural-revitalisation field (heavier under the 2023 text, where that version applies)"
        )
        zh_party.append("乡村振兴领域（适用2023年条例时从重或者加重）")
    en_kind, zh_kind = _label(KIND_LABELS, kind, 1), _label(KIND_LABELS, kind, 0)
    en_gravity, zh_gravity = _label(GRAVITY_LABELS, gravity, 1), _label(GRAVITY_LABELS, gravity, 0)
    en_found = "; ".join(en_party) or "Party sanction not decided (no provision encoded)"
    zh_found = "；".join(zh_party) or "党纪处分未认定（未编码相应条款）"
    return {
        "en": f"act {act['id']} ({en_kind}, {_amount_text(act)} yuan, {en_gravity}, "
        f"acted {act.get('acted_on')}): {en_where}; Party findings: {en_found}",
        "zh": f"行为{act['id']}（{zh_kind}，{_amount_text(act)}元，{zh_gravity}，"
        f"{act.get('acted_on')}）：{zh_where}；党纪认定：{zh_found}",
        "act": act["id"],
        "kind": kind,
        "counted_in": crime,
    }
