"""Art. 11 of the 2017 interpretation: from a list of acts to item counts per category.

Art. 11 decides how items are counted, not what they mean, so it lives here (an input
adapter) rather than in the rule text: the rule text receives totals per category, and the
trace receives, under "derivations", how each total was reached.

A record is recognised by its ``acts`` list. Each act::

    {"kind": "obtain" | "sell" | "provide" | "seize",
     "category": "transaction",          # one of CATEGORIES
     "items": 1200,                      # whole items
     "batch": "orders-2018",             # which body of information (optional)
     "recipient": "broker A",            # for sell / provide (optional)
     "proven_false": 0, "proven_duplicate": 0,   # for seize only (optional)
     "gain": "3000"}                     # illegal gains from this act, yuan (optional)

Counting, per batch and category (the readings of Art. 11 that are ours are marked):
- para. 1: information obtained and then sold or provided is not counted twice, so a batch
  counts the larger of what was obtained and what was passed on;
- para. 2: the same information sold or provided to different recipients counts for each
  recipient; passed to the same recipient again it is the same information, counted once at
  its largest (our reading); an act naming no recipient counts as its own recipient (ours);
- para. 3: a seized batch counts as found, less the items proven untrue or duplicated; where
  acts of obtaining the same batch are also given, the larger figure counts (ours).
Acts without a batch are each their own batch.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ruleengine import FactProblem, FactsError

#: Category name in an act -> (rule input, Chinese name as the interpretation writes it).
CATEGORIES: dict[str, tuple[str, str]] = {
    "tracking": ("tracking_items", "行踪轨迹信息"),
    "communication_content": ("communication_content_items", "通信内容"),
    "credit": ("credit_items", "征信信息"),
    "property": ("property_items", "财产信息"),
    "accommodation": ("accommodation_items", "住宿信息"),
    "communication_record": ("communication_record_items", "通信记录"),
    "health_physiological": ("health_physiological_items", "健康生理信息"),
    "transaction": ("transaction_items", "交易信息"),
    "other_safety": ("other_safety_items", "其他可能影响人身、财产安全的公民个人信息"),
    "other_personal": ("other_personal_items", "第三项、第四项规定以外的公民个人信息"),
}
KINDS = {
    "obtain": "obtain",
    "获取": "obtain",
    "sell": "sell",
    "出售": "sell",
    "provide": "provide",
    "提供": "provide",
    "seize": "seize",
    "查获": "seize",
}
ACT_FIELDS = {
    "kind",
    "category",
    "items",
    "batch",
    "recipient",
    "proven_false",
    "proven_duplicate",
    "gain",
    "note",
}
MAX_ACTS = 100_000


def _count(raw: Any, path: str, problems: list[FactProblem]) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int):
        problems.append(FactProblem(path, f"expected a whole number of items, got {raw!r}"))
        return None
    if raw < 0:
        problems.append(FactProblem(path, f"expected a whole number of items, got {raw}"))
        return None
    return raw


def _money(raw: Any, path: str, problems: list[FactProblem]) -> Decimal | None:
    """Yuan as an exact decimal; floats are refused like everywhere else in the engine."""
    if isinstance(raw, bool) or isinstance(raw, float):
        problems.append(
            FactProblem(path, f"expected an amount in yuan, got {raw!r}", 'write it as "12.50"')
        )
        return None
    text = str(raw).strip()
    for suffix in ("CNY", "yuan", "元"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        problems.append(FactProblem(path, f"expected an amount in yuan, got {raw!r}"))
        return None
    return value


def _read_acts(acts: Any) -> tuple[list[dict], list[FactProblem]]:
    problems: list[FactProblem] = []
    if not isinstance(acts, list):
        return [], [FactProblem("acts", "expected a list of acts", "see the pi2017 adapter")]
    if len(acts) > MAX_ACTS:
        return [], [FactProblem("acts", f"more than {MAX_ACTS} acts")]
    out = []
    for i, act in enumerate(acts):
        at = f"acts[{i}]"
        if not isinstance(act, dict):
            problems.append(FactProblem(at, f"expected an object, got {act!r}"))
            continue
        for key in act:
            if key not in ACT_FIELDS:
                problems.append(
                    FactProblem(f"{at}.{key}", "unknown field", f"known: {', '.join(ACT_FIELDS)}")
                )
        kind = KINDS.get(act.get("kind")) if isinstance(act.get("kind"), str) else None
        if kind is None:
            problems.append(
                FactProblem(
                    f"{at}.kind",
                    f"expected obtain, sell, provide or seize, got {act.get('kind')!r}",
                )
            )
        category = act.get("category")
        if category not in CATEGORIES:
            problems.append(
                FactProblem(
                    f"{at}.category",
                    f"unknown category {category!r}",
                    f"one of: {', '.join(CATEGORIES)}",
                )
            )
        items = _count(act.get("items"), f"{at}.items", problems)
        false_ = dup = 0
        for key in ("proven_false", "proven_duplicate"):
            if key in act:
                if kind != "seize":
                    problems.append(
                        FactProblem(f"{at}.{key}", "only a seized batch (kind seize) takes this")
                    )
                    continue
                n = _count(act[key], f"{at}.{key}", problems)
                if n is not None:
                    false_, dup = (n, dup) if key == "proven_false" else (false_, n)
        if items is not None and false_ + dup > items:
            problems.append(
                FactProblem(
                    at,
                    f"{false_ + dup} items proven false or duplicated, but only {items} found",
                )
            )
        gain = _money(act["gain"], f"{at}.gain", problems) if "gain" in act else Decimal(0)
        for key in ("batch", "recipient"):
            if key in act and not isinstance(act[key], str):
                problems.append(FactProblem(f"{at}.{key}", "expected a text"))
        out.append(
            {
                "index": i,
                "kind": kind,
                "category": category,
                "items": items,
                "false": false_,
                "duplicate": dup,
                "gain": gain,
                "has_gain": "gain" in act,
                "batch": act.get("batch") or f"(act {i})",
                "recipient": act.get("recipient") or f"(unnamed recipient of act {i})",
            }
        )
    return out, problems


def count_acts(acts: Any) -> tuple[dict[str, int], Decimal, bool, list[dict]]:
    """Totals per rule input, summed gains, whether any act had a gain, and the derivations."""
    parsed, problems = _read_acts(acts)
    if problems:
        raise FactsError(problems)
    batches: dict[tuple[str, str], list[dict]] = {}
    for act in parsed:
        batches.setdefault((act["category"], act["batch"]), []).append(act)
    totals: dict[str, int] = {}
    per_category: dict[str, list[dict]] = {}
    for (category, batch), acts_ in batches.items():
        obtained = sum(a["items"] for a in acts_ if a["kind"] == "obtain")
        seized = [a for a in acts_ if a["kind"] == "seize"]
        seized_net = sum(a["items"] - a["false"] - a["duplicate"] for a in seized)
        to_recipient: dict[str, int] = {}
        for a in acts_:
            if a["kind"] in ("sell", "provide"):
                r = a["recipient"]
                to_recipient[r] = max(to_recipient.get(r, 0), a["items"])
        passed_on = sum(to_recipient.values())
        held = max(obtained, seized_net)
        counted = max(held, passed_on)
        how = []
        if seized:
            found = sum(a["items"] for a in seized)
            less = sum(a["false"] + a["duplicate"] for a in seized)
            how.append(
                f"Art. 11 para. 3: seized batch counted as found ({found}) less proven "
                f"false or duplicate ({less}) = {seized_net}"
            )
        if to_recipient:
            how.append(
                f"Art. 11 para. 2: passed on to {len(to_recipient)} recipient(s), counted "
                f"for each = {passed_on}"
            )
        if (obtained or seized) and to_recipient:
            how.append(
                f"Art. 11 para. 1: obtained and then sold or provided, not counted twice: "
                f"the larger of {held} held and {passed_on} passed on = {counted}"
            )
        entry = {
            "batch": batch,
            "acts": [a["index"] for a in acts_],
            "obtained": obtained,
            "passed_on_to": to_recipient,
            "counted": counted,
            "how": how or ["items obtained"],
        }
        if seized:
            entry["seized"] = {
                "found": sum(a["items"] for a in seized),
                "proven_false": sum(a["false"] for a in seized),
                "proven_duplicate": sum(a["duplicate"] for a in seized),
                "counted": seized_net,
            }
        field = CATEGORIES[category][0]
        totals[field] = totals.get(field, 0) + counted
        per_category.setdefault(category, []).append(entry)
    derivations = [
        {
            "fact": CATEGORIES[category][0],
            "value": totals[CATEGORIES[category][0]],
            "category": {"zh": CATEGORIES[category][1], "en": category.replace("_", " ")},
            "provision": "法释〔2017〕10号 第十一条 (Art. 11)",
            "batches": entries,
        }
        for category, entries in per_category.items()
    ]
    gain = sum((a["gain"] for a in parsed), Decimal(0))
    has_gain = any(a["has_gain"] for a in parsed)
    return totals, gain, has_gain, derivations


def adapt(record: Any) -> tuple[Any, list]:
    """Turn ``acts`` into item counts; any other record passes through unchanged."""
    if not isinstance(record, dict) or "acts" not in record:
        return record, []
    totals, gain, has_gain, derivations = count_acts(record["acts"])
    facts = {k: v for k, v in record.items() if k != "acts"}
    problems = [
        FactProblem(
            field,
            "given both as a total and by the acts",
            "give the category either as a total or through acts, not both",
        )
        for field in totals
        if field in facts
    ]
    if has_gain and "illegal_gain" in facts:
        problems.append(
            FactProblem(
                "illegal_gain",
                "given both as a total and as gains of the acts",
                "give illegal_gain or the acts' gain, not both",
            )
        )
    if problems:
        raise FactsError(problems)
    facts.update(totals)
    if has_gain:
        facts["illegal_gain"] = f"{gain} CNY"
        derivations.append(
            {
                "fact": "illegal_gain",
                "value": f"{gain} CNY",
                "how": ["sum of the gains of the acts"],
            }
        )
    return facts, derivations
