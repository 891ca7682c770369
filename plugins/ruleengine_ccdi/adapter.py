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
    counted: dict[str, list[str]] = {"embezzlement": [], "bribery": []}
    for i, act in enumerate(facts["acts"], start=1):
        if isinstance(act, dict):
            act = dict(act)
            act.setdefault("id", f"act-{i}")
            kind = act.get("kind")
            taken = act.get("for_self", True) is True
            crime = (
                "embezzlement"
                if kind in EMBEZZLEMENT_KINDS and taken
                else "bribery"
                if kind in BRIBERY_KINDS and taken
                else None
            )
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
            zh = "贪污数额" if crime == "embezzlement" else "受贿数额"
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


def _act_note(act: dict, crime: str | None) -> dict:
    where = {
        "embezzlement": ("counts towards the embezzlement amount", "计入贪污数额"),
        "bribery": ("counts towards the bribery amount", "计入受贿数额"),
        None: ("no amount counted for the criminal layer", "不计入犯罪数额"),
    }[crime]
    return {
        "en": f"act {act['id']} ({act.get('kind')}, {_amount_text(act)}, "
        f"{act.get('gravity')}): {where[0]}",
        "zh": f"行为{act['id']}（{act.get('kind')}，{_amount_text(act)}）：{where[1]}",
        "act": act["id"],
        "kind": act.get("kind"),
        "counted_in": crime,
    }
