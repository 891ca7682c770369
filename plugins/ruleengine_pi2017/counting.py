"""Art. 11 of the 2017 interpretation: from a list of acts to item counts per category.

Art. 11 decides how items are counted, not what they mean, so it lives here (an input
adapter) rather than in the rule text: the rule text receives totals per category, and the
trace receives, under "derivations", how each total was reached, as a sentence in Chinese and
in English (keys ``zh`` and ``en``) beside the figures.

A record is recognised by its ``acts`` list. Each act::

    {"kind": "obtain" | "sell" | "provide" | "seize",
     "category": "transaction",          # one of CATEGORIES
     "items": 1200,                      # whole items
     "batch": "orders-2018",             # which body of information (optional)
     "recipient": "broker A",            # for sell / provide (optional)
     "info": "first half",               # for sell / provide: which information (optional)
     "proven_false": 0, "proven_duplicate": 0,   # for seize only (optional)
     "gain": "3000",                     # illegal gains from this act, yuan (optional)
     "acted_on": "2014-06-01",           # the day of the act (optional: all acts or none)
     "how": "bought"}                    # for obtain only, required: see HOW (Art. 4)

An act of obtaining says how it came about, because only illegal obtaining is CL 253-1
para. 3 (Art. 4: buying, receiving, exchanging and the like, or collecting in duties or
services, "in violation of relevant state provisions"). Lawful collection in duties with
nothing sold or provided is no offence; lawful collection then sold is para. 1 only.

Art. 11 says: (1) information illegally obtained and then sold or provided is not counted
twice; (2) the same information sold or provided to different units or persons is counted
cumulatively; (3) a batch counts as seized, unless evidence proves items untrue or duplicated.
How the acts are put together is ours, and marked "our reading" in each derivation:

- Batches. Acts naming the same ``batch`` in one category concern one body of information.
  Acts naming no batch in a category form one body together (the lawyer's default reading of
  "obtained 40, sold those 40": 40, not 80); give distinct batches for distinct bodies.
  Naming a batch on some acts of a category and not on others is refused as ambiguous.
- Held (para. 3): the larger of what was obtained and what was seized, less the items proven
  untrue or duplicated (the proof concerns the batch, whichever act brought it in). What was
  collected or accessed lawfully in duties or services is not illegal obtaining (Art. 4) and
  is not held: such a body counts only as far as it was sold or provided, seized or not.
  Dated, a seizure counts so wherever the obtaining it measures counts, and is dated by it.
- Passed on (para. 2): each recipient counts what it received. Para. 2 adds up the same
  information only "向不同单位或者个人" (to different recipients), and para. 1 counts nothing
  twice: acts naming the same ``info`` carry the same information, counted once per recipient
  at its largest; acts naming different ``info`` carry different information, which to the
  same recipient adds up (30 + 30 = 60; our reading). Acts to one recipient without ``info``
  do not say whether they carried the same information: what the batch cannot hold beyond
  them is the same information again (obtained 25, sold 25 + 25 to A: 25), and within it the
  least the acts allow counts (the largest act; the count that favours the accused, our
  reading), the most said beside it (seventh legal review, E3). An act without a recipient is
  a recipient of its own. No recipient is counted above the batch's size (what was obtained
  or seized, or what one recipient is known to have received) less its proven untrue or
  duplicated items (our reading, marked so in the derivation).
- Not twice (para. 1): a batch counts once, at the larger of what was held and the distinct
  information passed on; each further recipient of the same information adds its items
  (para. 2). Without ``info`` marks, and with two or more recipients, this is
  max(held, passed on): a lower bound, and a reading (the derivation says so only then). The
  acts do not say how much of what went to one recipient also went to another, so the
  passed-on items are taken to lie within the batch as far as it can hold them (the count that
  favours the accused). ``info`` marks say which acts carry the same information and raise the
  count where the same information went to several recipients: held 100, the same 40 to X and
  to Y, counts 100 + 40 = 140; unmarked, max(100, 80) = 100.

Information obtained in duties or services (Art. 5(1)(8), CL 253-1 para. 2) is counted apart:
a body of information is obtained in duties when one of its acts of obtaining says so (``how``
collected_in_duty_lawfully or collected_in_duty_unlawfully), and one body may not mix that with
other ways of obtaining (give each its own batch). The facts receive, beside the totals,
``item3_items_in_duty``, ``item4_items_in_duty`` and ``item5_items_in_duty`` (the kinds of
the items of Art. 5(1) whose standards item 8 halves; the derivation shows each category): the
in-duty information that was sold or provided,
counted as Art. 11(2) counts what is passed on (our reading: item 8's quantity is that of the
information "出售或者提供给他人"; what was only held counts under items 3 to 7), and
``illegal_gain_in_duty``, the gains of the acts that sold or provided it.

The acts' ``acted_on`` decide which acts count at all (CL Art. 12: an act the text of
Art. 253-1 in force on its day did not make an offence is left out; in_time.py), and the latest
act counted gives the rulebook's ``acted_last`` (a seizure is dated by the obtaining it
measures, never by the seizure day; the text in force then applies unless the
later one is lighter; acts before 2015-11-01 that were an offence on their own, joined with
later ones that were one as well (judged alone by the rulebook: alone.py) and dated by the
latest, is our reading, by analogy with 高检发释字〔1998〕6号).
Every act gives its date or none does: an undated act may be the latest. Without dates the
rulebook takes 2015-11-01 (the Amendment IX text), and the derivations say so.
"""

from __future__ import annotations

import datetime
import difflib
from fractions import Fraction
from typing import Any

from ruleengine import FactProblem, FactsError, enum_type, read_field
from ruleengine.facts import hand_on
from ruleengine.types import DATE, INTEGER, TEXT, MoneyType, format_number

from . import alone, in_time

#: The item of Art. 5(1) whose standard a category counts toward (3, 4 or 5): item 8 halves
#: them, and the rulebook takes the in-duty items by these (``item3_items_in_duty`` ...).
ITEM_OF = {
    "tracking": 3,
    "communication_content": 3,
    "credit": 3,
    "property": 3,
    "accommodation": 4,
    "communication_record": 4,
    "health_physiological": 4,
    "transaction": 4,
    "other_safety": 4,
    "other_personal": 5,
}
#: Category name in an act -> (rule input, Chinese name, English name) as the text writes them.
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "tracking": ("tracking_items", "行踪轨迹信息", "whereabouts (tracking) information"),
    "communication_content": ("communication_content_items", "通信内容", "communication content"),
    "credit": ("credit_items", "征信信息", "credit-reporting information"),
    "property": ("property_items", "财产信息", "property information"),
    "accommodation": ("accommodation_items", "住宿信息", "accommodation information"),
    "communication_record": ("communication_record_items", "通信记录", "communication records"),
    "health_physiological": (
        "health_physiological_items",
        "健康生理信息",
        "health and physiological information",
    ),
    "transaction": ("transaction_items", "交易信息", "transaction information"),
    "other_safety": (
        "other_safety_items",
        "其他可能影响人身、财产安全的公民个人信息",
        "other personal information that may affect personal or property safety",
    ),
    "other_personal": (
        "other_personal_items",
        "第三项、第四项规定以外的公民个人信息",
        "other personal information (outside items 3 and 4)",
    ),
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
PASSING_ON = ("sell", "provide")
ACT_FIELDS = (
    "kind",
    "category",
    "items",
    "batch",
    "recipient",
    "info",
    "proven_false",
    "proven_duplicate",
    "gain",
    "how",
    "acted_on",
    "note",
)
#: How an act of obtaining came about (Art. 4): value -> (illegal?, in duties?, zh, en).
#: Art. 4 reads "违反国家有关规定，通过购买、收受、交换等方式获取公民个人信息，或者在履行职责、
#: 提供服务过程中收集公民个人信息的" as "以其他方法非法获取": "in violation of state provisions"
#: governs both branches, so collecting in duties is illegal obtaining only when it violates them.
HOW: dict[str, tuple[bool, bool, str, str]] = {
    "stolen": (True, False, "窃取", "stolen"),
    "bought": (True, False, "违反国家有关规定购买", "bought in violation of state provisions"),
    "received": (True, False, "违反国家有关规定收受", "received in violation of state provisions"),
    "exchanged": (
        True,
        False,
        "违反国家有关规定交换",
        "exchanged in violation of state provisions",
    ),
    "other_illegal": (True, False, "以其他方法非法获取", "otherwise illegally obtained"),
    "collected_in_duty_unlawfully": (
        True,
        True,
        "违反国家有关规定，在履行职责、提供服务过程中收集",
        "collected in duties or services in violation of state provisions",
    ),
    "collected_in_duty_lawfully": (
        False,
        True,
        "在履行职责、提供服务过程中依法收集或者接触",
        "collected or accessed lawfully in duties or services",
    ),
}
MAX_ACTS = 100_000
ART4 = ("第四条；刑法第二百五十三条之一第三款", "Art. 4; Criminal Law Art. 253-1(3)")
ART11 = {
    1: ("第十一条第一款", "Art. 11(1)"),
    2: ("第十一条第二款", "Art. 11(2)"),
    3: ("第十一条第三款", "Art. 11(3)"),
}
OURS = ("本规则的理解", "our reading")


#: How each field of an act is read: by the engine's own readers, so an act's number, amount,
#: text or name is refused exactly where a fact of the rulebook would be, with the same message.
KIND = enum_type("act_kind", {k: (zh, k) for zh, k in KINDS.items() if zh != k})
CATEGORY = enum_type("category", list(CATEGORIES))
WAY = enum_type("obtaining_method", list(HOW))
YUAN = MoneyType(currency="CNY")


def _text(act: dict, key: str, at: str, problems: list[FactProblem]) -> str | None:
    """An optional name (batch, recipient, info): a non-empty text when given."""
    value = read_field(act, key, TEXT, at, default=None, problems=problems)
    if key in act and value is not None and (not isinstance(value, str) or not value.strip()):
        problems.append(FactProblem(f"{at}.{key}", "expected a non-empty text", zh="应为非空文本"))
        return None
    return value


def _read_acts(acts: Any) -> tuple[list[dict], list[FactProblem]]:
    problems: list[FactProblem] = []
    if not isinstance(acts, list):
        return [], [
            FactProblem(
                "acts",
                "expected a list of acts",
                "see the pi2017 adapter",
                zh="应为行为的列表",
                help_zh="参见 pi2017 的输入适配器",
            )
        ]
    if len(acts) > MAX_ACTS:
        return [], [FactProblem("acts", f"more than {MAX_ACTS} acts", zh=f"行为超过 {MAX_ACTS} 项")]
    out = []
    for i, act in enumerate(acts):
        at = f"acts[{i}]"
        if not isinstance(act, dict):
            problems.append(
                FactProblem(at, "expected an object (an act)", zh="应为对象（一项行为）")
            )
            continue
        for key in act:
            if key not in ACT_FIELDS:
                close = difflib.get_close_matches(str(key), ACT_FIELDS, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(ACT_FIELDS)}"
                hint_zh = (
                    f"您是否指 {close[0]!r}？" if close else f"已知字段：{'、'.join(ACT_FIELDS)}"
                )
                problems.append(
                    FactProblem(
                        f"{at}.{key}", "unknown field", hint, zh="未知字段", help_zh=hint_zh
                    )
                )
        kind = read_field(act, "kind", KIND, at, problems=problems)
        category = read_field(act, "category", CATEGORY, at, problems=problems)
        items = read_field(act, "items", INTEGER, at, 0, problems=problems)
        false_ = dup = 0
        for key in ("proven_false", "proven_duplicate"):
            if key in act:
                if kind != "seize":
                    problems.append(
                        FactProblem(
                            f"{at}.{key}",
                            "only a seized batch (kind seize) takes this",
                            zh="只有查获的一批信息（kind 为 seize）才有此字段",
                        )
                    )
                    continue
                n = read_field(act, key, INTEGER, at, 0, problems=problems)
                if n is not None:
                    false_, dup = (n, dup) if key == "proven_false" else (false_, n)
        if items is not None and false_ + dup > items:
            problems.append(
                FactProblem(
                    at,
                    f"{false_ + dup} items proven false or duplicated, but only {items} found",
                    zh=f"经查证虚假或重复的信息 {false_ + dup} 条，但查获的信息只有 {items} 条",
                )
            )
        how = None
        if kind == "obtain" and "how" not in act:
            problems.append(
                FactProblem(
                    f"{at}.how",
                    "an act of obtaining must say how the information was obtained",
                    f"one of: {', '.join(HOW)}; only illegal obtaining is CL 253-1 para. 3 "
                    "(Art. 4: collecting in duties or services is illegal obtaining only in "
                    "violation of state provisions)",
                    zh="获取行为必须说明信息是如何获取的",
                    help_zh=f"以下之一：{'、'.join(HOW)}；只有非法获取才属于刑法第二百五十三条之一"
                    "第三款（《解释》第四条：在履行职责、提供服务过程中收集信息，违反国家有关规定的，"
                    "才属于非法获取）",
                )
            )
        elif kind == "obtain":
            how = read_field(act, "how", WAY, at, problems=problems)
        elif "how" in act and kind is not None:
            problems.append(
                FactProblem(
                    f"{at}.how", "only an act of obtaining takes this", zh="只有获取行为才有此字段"
                )
            )
        gain = read_field(act, "gain", YUAN, at, 0, default=0, problems=problems)
        acted_on = read_field(act, "acted_on", DATE, at, default=None, problems=problems)
        batch, recipient, info = (
            _text(act, key, at, problems) for key in ("batch", "recipient", "info")
        )
        if "info" in act and kind is not None and kind not in PASSING_ON:
            problems.append(
                FactProblem(
                    f"{at}.info",
                    "only an act of selling or providing takes this",
                    zh="只有出售或提供行为才有此字段",
                )
            )
        elif "info" in act and "recipient" not in act:
            problems.append(
                FactProblem(
                    f"{at}.recipient",
                    "an act naming the information it passes on must name its recipient",
                    "whether the same information went to the same or another recipient "
                    "decides how it is counted (Art. 11(2))",
                    zh="注明所传递信息的行为必须注明其接收者",
                    help_zh="同一信息是向同一接收者还是向不同接收者出售、提供，决定其如何计数"
                    "（《解释》第十一条第二款）",
                )
            )
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
                "batch": batch,
                "recipient": recipient,
                "info": info,
                "how": how,
                "acted_on": acted_on,
            }
        )
    if not problems:
        problems.extend(_mixed_batches(out))
        problems.extend(_mixed_origin(out))
    return out, problems


def _mixed_batches(acts: list[dict]) -> list[FactProblem]:
    """Within a category, either every act names its batch or none does (else: ambiguous)."""
    problems = []
    for category in CATEGORIES:
        of = [a for a in acts if a["category"] == category]
        named = sorted({a["batch"] for a in of if a["batch"] is not None})
        if not named:
            continue
        for a in of:
            if a["batch"] is None:
                problems.append(
                    FactProblem(
                        f"acts[{a['index']}].batch",
                        f"other acts of category {category} name a batch "
                        f"({', '.join(named)}), this one does not",
                        "name the batch of every act of a category, or of none (acts without "
                        "a batch are taken as one body of information)",
                        zh=f"{CATEGORIES[category][1]}（{category}）的其他行为注明了批次"
                        f"（{'、'.join(named)}），"
                        "此行为未注明",
                        help_zh="同一类别的行为要么都注明批次，要么都不注明（未注明批次的行为"
                        "视为同一批信息）",
                    )
                )
    return problems


def _in_duty(acts: list[dict]) -> bool:
    """A body of information obtained in duties or services (Art. 5(1)(8), CL 253-1 para. 2):
    one of its acts of obtaining collected it there, lawfully or not."""
    return any(a["kind"] == "obtain" and HOW[a["how"]][1] for a in acts)


def _mixed_origin(acts: list[dict]) -> list[FactProblem]:
    """A body of information is obtained in duties or services, or it is not: item 8 counts
    the in-duty information apart, which one body mixing both origins cannot show."""
    bodies: dict[tuple[str, str | None], list[dict]] = {}
    for a in acts:
        bodies.setdefault((a["category"], a["batch"]), []).append(a)
    problems = []
    for (category, batch), of in bodies.items():
        if not _in_duty(of):
            continue
        duty = next(a for a in of if a["kind"] == "obtain" and HOW[a["how"]][1])
        for a in of:
            if a["kind"] == "obtain" and not HOW[a["how"]][1]:
                where = f"batch {batch!r}" if batch is not None else "no batch named"
                problems.append(
                    FactProblem(
                        f"acts[{a['index']}].how",
                        f"{a['how']}, but acts[{duty['index']}] of the same body of "
                        f"information ({category}, {where}) was collected in duties or services",
                        "give the information obtained in duties or services its own batch: "
                        "Art. 5(1)(8) counts it apart from information obtained otherwise",
                        zh=f"{HOW[a['how']][2]}（{a['how']}），但同一批信息（"
                        f"{CATEGORIES[category][1]}，"
                        + (f"批次 {batch!r}" if batch is not None else "未注明批次")
                        + f"）中的 acts[{duty['index']}] 是在履行职责、提供服务过程中收集的",
                        help_zh="请为在履行职责、提供服务过程中获取的信息单列批次：《解释》"
                        "第五条第一款第八项将其与以其他方式获取的信息分开计算",
                    )
                )
    return problems


def _recipient(act: dict) -> str:
    return act["recipient"] if act["recipient"] is not None else f"acts[{act['index']}]"


def _who(recipient: str, lang: str) -> str:
    """A recipient as a reader names it: an act without one is "the recipient of act n"."""
    if recipient.startswith("acts[") and recipient.endswith("]"):
        n = int(recipient[5:-1]) + 1
        return f"第{n}个行为的对象" if lang == "zh" else f"the recipient of act {n}"
    return recipient


def _count_batch(acts: list[dict]) -> dict:
    """One body of information: what was held, what each recipient received, what counts."""
    obtained = sum(a["items"] for a in acts if a["kind"] == "obtain")
    # Collected lawfully in duties or services is not illegal obtaining (Art. 4): such a body
    # of information counts only as far as it was sold or provided, however much was held.
    lawful = sum(a["items"] for a in acts if a["kind"] == "obtain" and not HOW[a["how"]][0])
    only_lawful = lawful > 0 and lawful == obtained
    seized = [a for a in acts if a["kind"] == "seize"]
    found = sum(a["items"] for a in seized)
    proven_false = sum(a["false"] for a in seized)
    proven_duplicate = sum(a["duplicate"] for a in seized)
    excluded = proven_false + proven_duplicate
    # Para. 2: per recipient, information by information (same info once, at its largest).
    by_recipient: dict[str, dict[str, int]] = {}
    info_size: dict[str, int] = {}
    shared_info: dict[str, set[str]] = {}
    for a in acts:
        if a["kind"] not in PASSING_ON:
            continue
        info = a["info"] if a["info"] is not None else f"(acts[{a['index']}])"
        r = _recipient(a)
        infos = by_recipient.setdefault(r, {})
        infos[info] = max(infos.get(info, 0), a["items"])
        info_size[info] = max(info_size.get(info, 0), a["items"])
        if a["info"] is not None:
            shared_info.setdefault(info, set()).add(r)
    # Para. 2 adds up the same information only "向不同单位或者个人" (to different units or
    # persons); para. 1 never counts one item twice. So to one recipient, acts that do not say
    # whether they carried the same information (no ``info``) received at least the largest of
    # them (and the marked information, distinct by its marks), at most their sum.
    least: dict[str, int] = {}
    raw: dict[str, int] = {}
    for r, infos in by_recipient.items():
        raw[r] = sum(infos.values())
        marked = sum(n for i, n in infos.items() if not i.startswith("(acts["))
        least[r] = max(marked, *infos.values())
    # Para. 3: proven untrue or duplicated items are left out of every count of the batch.
    # The batch is as large as what was obtained or seized, or what one recipient is known to
    # have received (distinct information by its marks, else the largest act): an unmarked
    # sum to one recipient proves no more than its largest act.
    held = 0 if only_lawful else max(obtained - lawful, found) - excluded
    size_net = max(obtained, found, *least.values()) - excluded
    # Unmarked acts to one recipient, more than the batch can hold: the rest can only be the
    # same information again (Art. 11(1), (2)). Within it, the least the acts allow (the
    # count that favours the accused; our reading), said with the most where it differs.
    # Without an act of obtaining or seizing, the batch's size is not given: it may hold
    # all the recipient's acts carried.
    most = {r: min(n, size_net) if obtained or seized else n for r, n in raw.items()}
    received = {r: min(least[r], size_net) for r in raw}
    undecided = {r: (received[r], most[r]) for r in raw if most[r] > received[r]}
    passed_on = sum(received.values())
    # Para. 1: the batch counts once; what was passed on lies within it as far as it can
    # (the lower bound), unless ``info`` marks say how much of it was the same information.
    distinct = min(sum(info_size.values()), size_net, passed_on)
    again = passed_on - distinct
    counted = max(held, distinct) + again
    return {
        "obtained": obtained,
        "lawful": lawful,
        "only_lawful": only_lawful,
        "seized": {
            "found": found,
            "proven_false": proven_false,
            "proven_duplicate": proven_duplicate,
            "counted": found - excluded,
        }
        if seized
        else None,
        "held": held,
        "passed_on_to": received,
        "capped": {r: n for r, n in raw.items() if n > received[r] and r not in undecided},
        # Unmarked acts to one recipient whose count turns on whether they carried the
        # same information: recipient -> (the least, the most).
        "same_or_not": undecided,
        "added_to_same_recipient": {
            r: list(infos.values()) for r, infos in by_recipient.items() if len(infos) > 1
        },
        "same_info_to_several": {
            info: sorted(rs) for info, rs in shared_info.items() if len(rs) > 1
        },
        "passed_on": passed_on,
        "distinct_passed_on": distinct,
        "again_to_further_recipients": again,
        "counted": counted,
        "marked": any(a["info"] is not None for a in acts),
        # Unmarked acts to two or more recipients may have carried the same information, which
        # Art. 11(2) would count again for each: the count is then the least the acts allow.
        "lower_bound": len(by_recipient) > 1
        and any(a["kind"] in PASSING_ON and a["info"] is None for a in acts),
    }


def _sentences(c: dict, obtained_any: bool) -> list[dict]:
    """The steps of one batch as sentences, each with its provision."""
    steps = []
    seized = c["seized"]
    if seized:
        less_zh = []
        less_en = []
        if seized["proven_false"]:
            less_zh.append(f"有证据证明不真实的{seized['proven_false']}条")
            less_en.append(f"{seized['proven_false']} proven untrue")
        if seized["proven_duplicate"]:
            less_zh.append(f"重复的{seized['proven_duplicate']}条")
            less_en.append(f"{seized['proven_duplicate']} proven duplicated")
        zh = f"查获{seized['found']}条，根据查获的数量认定"
        en = f"seized {seized['found']}, counted as seized"
        if c["only_lawful"]:  # what was collected lawfully: see the step below
            zh, en, less_zh = f"查获{seized['found']}条", f"seized {seized['found']}", []
        if less_zh:
            zh += f"，除去{'、'.join(less_zh)}，计{seized['counted']}条"
            en += f" less {' and '.join(less_en)} = {seized['counted']}"
        steps.append(
            {
                "provision": ART11[3][1],
                "zh": f"{zh}（{ART11[3][0]}）",
                "en": f"{en} ({ART11[3][1]})",
            }
        )
    if c["obtained"]:
        steps.append(
            {"provision": None, "zh": f"获取{c['obtained']}条", "en": f"obtained {c['obtained']}"}
        )
    if c["lawful"]:
        what_zh = "不计为持有的信息，只按出售、提供的条数计" if c["only_lawful"] else "不计入持有"
        what_en = (
            "not counted as held, only as far as sold or provided"
            if c["only_lawful"]
            else "not counted in what was held"
        )
        steps.append(
            {
                "provision": ART4[1],
                "zh": f"其中在履行职责、提供服务过程中依法收集或者接触{c['lawful']}条，"
                f"不是非法获取，{what_zh}（{ART4[0]}）",
                "en": f"of which {c['lawful']} collected or accessed lawfully in duties or "
                f"services: not illegal obtaining, {what_en} ({ART4[1]})",
            }
        )
    if seized and c["obtained"] and not c["only_lawful"]:
        excluded = seized["proven_false"] + seized["proven_duplicate"]
        zh = (
            f"既获取又查获的，取较大者，除去不真实或者重复的{excluded}条，"
            f"计{c['held']}条（{OURS[0]}）"
        )
        en = (
            f"obtained and seized: the larger, less {excluded} proven untrue or duplicated, "
            f"= {c['held']} held ({OURS[1]})"
        )
        steps.append({"provision": ART11[3][1], "zh": zh, "en": en})
    received = c["passed_on_to"]
    if received:
        parts_zh = []
        parts_en = []
        for r, n in received.items():
            added = c["added_to_same_recipient"].get(r)
            shown = f"{' + '.join(map(str, added))} = " if added else ""
            if r in c["same_or_not"]:
                least, most = c["same_or_not"][r]
                parts_zh.append(
                    f"{_who(r, 'zh')} {' + '.join(map(str, added))}条，各次是否为同一信息未载明"
                    f"（info），计{least}条：向同一对象出售、提供的，条数不累计计算，只有向不同单位"
                    f"或者个人出售、提供同一信息的才累计计算（{ART11[2][0]}），同一信息不重复计算"
                    f"（{ART11[1][0]}）；取所给行为能够确定的最少条数（{OURS[0]}：有利于被告人）；"
                    f"各次为不同信息的，计{most}条"
                )
                parts_en.append(
                    f"{_who(r, 'en')} {' + '.join(map(str, added))}, the acts not saying whether "
                    f"they carried the same information (info): counted as {least}, since only "
                    f"the same information to different recipients adds up ({ART11[2][1]}) and "
                    f"none is counted twice ({ART11[1][1]}); the least the acts allow ({OURS[1]}: "
                    f"the count that favours the accused); {most} if it was different information"
                )
            elif r in c["capped"] and added and c["held"] >= n:
                parts_zh.append(
                    f"{_who(r, 'zh')} {shown}{c['capped'][r]}条，而该批只有{n}条："
                    f"其余只能是同一信息再次出售、提供，向同一对象的不累计计算（{ART11[2][0]}），不重复计算"
                    f"（{ART11[1][0]}），计{n}条"
                )
                parts_en.append(
                    f"{_who(r, 'en')} {shown}{c['capped'][r]}, but the batch holds {n}: the rest "
                    f"can only be the same information again, which to the same recipient does "
                    f"not add up ({ART11[2][1]}) and is not counted twice ({ART11[1][1]}) = {n}"
                )
            elif r in c["capped"]:
                shown += f"{c['capped'][r]}"
                parts_zh.append(
                    f"{_who(r, 'zh')} {shown}条，以该批除去不真实或者重复后的{n}条计"
                    f"（{OURS[0]}：任何对象所得不超过该批除去不真实或者重复后的条数）"
                )
                parts_en.append(
                    f"{_who(r, 'en')} {shown}, counted as {n}, the batch less its proven untrue "
                    "or duplicated "
                    f"({OURS[1]}: no recipient received more than the batch less what is proven "
                    "untrue or duplicated)"
                )
            else:
                parts_zh.append(f"{_who(r, 'zh')} {shown}{n}条")
                parts_en.append(f"{_who(r, 'en')} {shown}{n}")
        if len(received) == 1:
            zh = f"出售或者提供给{parts_zh[0]}"
            en = f"sold or provided to {parts_en[0]}"
        else:
            zh = f"出售或者提供给{len(received)}个对象（{'，'.join(parts_zh)}），"
            en = f"sold or provided to {len(received)} recipients ({', '.join(parts_en)}), "
            zh += f"向不同单位或者个人出售、提供的累计计算，计{c['passed_on']}条（{ART11[2][0]}）"
            en += f"counted for each recipient = {c['passed_on']} ({ART11[2][1]})"
        if set(c["added_to_same_recipient"]) - set(c["same_or_not"]) - set(c["capped"]):
            zh += f"；向同一对象出售、提供的不同信息（info 不同）相加（{OURS[0]}）"
            en += (
                f"; different information (distinct info) to the same recipient adds up ({OURS[1]})"
            )
        steps.append({"provision": ART11[2][1], "zh": zh, "en": en})
        if c["same_info_to_several"]:
            names = "、".join(c["same_info_to_several"])
            steps.append(
                {
                    "provision": ART11[2][1],
                    "zh": f"同一信息（{names}）向多个对象出售、提供，"
                    f"其中不同的信息{c['distinct_passed_on']}条，"
                    f"向其他对象重复出售、提供的另计{c['again_to_further_recipients']}条（{ART11[2][0]}）",
                    "en": f"the same information ({', '.join(c['same_info_to_several'])}) went to "
                    f"several recipients: {c['distinct_passed_on']} distinct items, and "
                    f"{c['again_to_further_recipients']} more for the further recipients "
                    f"({ART11[2][1]})",
                }
            )
    if received and (obtained_any or seized):
        zh = "获取后又出售或者提供的，条数不重复计算："
        en = "obtained and then sold or provided, not counted twice: "
        if c["marked"]:
            zh += (
                f"取持有{c['held']}条与出售、提供的不同信息{c['distinct_passed_on']}条中的较大者，"
                f"加上同一信息向其他对象出售、提供的{c['again_to_further_recipients']}条"
            )
            en += (
                f"the larger of {c['held']} held and {c['distinct_passed_on']} distinct items "
                f"passed on, plus {c['again_to_further_recipients']} for the same information "
                "to further recipients"
            )
        else:
            zh += f"取持有{c['held']}条与出售、提供的{c['passed_on']}条中的较大者"
            en += f"the larger of {c['held']} held and {c['passed_on']} passed on"
        if c["lower_bound"]:
            zh += (
                f"，计{c['counted']}条（{ART11[1][0]}；{OURS[0]}：此为下限，"
                "各次出售、提供未说明是否为同一信息的，视为不同信息）"
            )
            en += (
                f" = {c['counted']} ({ART11[1][1]}; {OURS[1]}: at least this many; sales or "
                "provisions that do not say whether they carried the same information are taken "
                "as different information)"
            )
        else:
            zh += f"，计{c['counted']}条（{ART11[1][0]}）"
            en += f" = {c['counted']} ({ART11[1][1]})"
        steps.append({"provision": ART11[1][1], "zh": zh, "en": en})
    return steps


def _parsed(acts: Any) -> list[dict]:
    parsed, problems = _read_acts(acts)
    if problems:
        raise FactsError(problems)
    return parsed


def count_acts(acts: Any) -> tuple[dict[str, int], int | Fraction, bool, list[dict]]:
    """Totals per rule input, summed gains, whether any act had a gain, and the derivations."""
    return _count_parsed(_parsed(acts))


def _count_parsed(
    parsed: list[dict], duty: set[tuple[str, str | None]] | None = None
) -> tuple[dict[str, int], int | Fraction, bool, list[dict]]:
    """``duty``: the bodies obtained in duties or services, where some of their acts (the
    obtaining itself, say) are left out of ``parsed`` (in_time.py); by default, from ``parsed``."""
    batches: dict[tuple[str, str | None], list[dict]] = {}
    for act in parsed:
        batches.setdefault((act["category"], act["batch"]), []).append(act)
    totals: dict[str, int] = {}
    per_category: dict[str, list[dict]] = {}
    in_duty: dict[str, list[tuple[str | None, int]]] = {}
    duty_gains: list = []
    for (category, batch), acts_ in batches.items():
        c = _count_batch(acts_)
        steps = _sentences(c, any(a["kind"] == "obtain" for a in acts_))
        if not steps:
            steps = [{"provision": None, "zh": f"计{c['counted']}条", "en": f"{c['counted']}"}]
        if batch is None and len(acts_) == 1:
            name_zh, name_en = "", ""
        elif batch is None:
            name_zh = "未注明批次（本类各行为视为同一批信息，本规则的理解）"
            name_en = "no batch named (the acts of this category taken as one body; our reading)"
        else:
            name_zh, name_en = f"批次“{batch}”", f"batch “{batch}”"
        entry = {
            "batch": batch,
            "acts": [a["index"] for a in acts_],
            **c,
            "how": steps,
            "zh": (f"{name_zh}：" if name_zh else "") + "；".join(s["zh"] for s in steps),
            "en": (f"{name_en}: " if name_en else "") + "; ".join(s["en"] for s in steps),
        }
        field = CATEGORIES[category][0]
        totals[field] = totals.get(field, 0) + c["counted"]
        per_category.setdefault(category, []).append(entry)
        in_duty_body = _in_duty(acts_) if duty is None else (category, batch) in duty
        if in_duty_body and c["passed_on"]:
            in_duty.setdefault(category, []).append((batch, c["passed_on"]))
            duty_gains.extend(a["gain"] for a in acts_ if a["kind"] in PASSING_ON and a["has_gain"])
    derivations = []
    for category, entries in per_category.items():
        field, zh_name, en_name = CATEGORIES[category]
        value = totals[field]
        sum_zh = sum_en = ""
        if len(entries) > 1:
            figures = " + ".join(str(e["counted"]) for e in entries)
            sum_zh = f"各批相加 {figures} = {value}条。"
            sum_en = f"batches added: {figures} = {value}. "
        short = [_short_count(e) for e in entries]
        derivations.append(
            {
                # "70 seized less 21 proven untrue or duplicated (Art. 11(3))": said beside
                # the count where what-if moves it (render/whatif.py), where the count is so
                **(
                    {
                        "short": {
                            "zh": " + ".join(x[0] for x in short),
                            "en": " + ".join(x[1] for x in short),
                        }
                    }
                    if all(short)
                    else {}
                ),
                "zh": f"{zh_name} {value}条（法释〔2017〕10号第十一条）：{sum_zh}"
                + "。".join(e["zh"] for e in entries),
                "en": f"{en_name}: {value} items (Interpretation [2017] No. 10, Art. 11). {sum_en}"
                + ". ".join(e["en"] for e in entries),
                "fact": field,
                "value": value,
                "category": {"zh": zh_name, "en": en_name},
                "provision": "法释〔2017〕10号 第十一条 (Art. 11)",
                "batches": entries,
            }
        )
    derivations.extend(_in_duty_derivations(in_duty, duty_gains, totals))
    gain = sum(a["gain"] for a in parsed)
    has_gain = any(a["has_gain"] for a in parsed)
    if has_gain:
        total = format_number(gain)
        figures = [format_number(a["gain"]) for a in parsed if a["has_gain"]]
        shown = " + ".join(figures) + f" = {total}" if len(figures) > 1 else total
        derivations.append(
            {
                "zh": f"违法所得 {total}元：各行为的违法所得相加（{shown}元）",
                "en": f"illegal gains: {total} yuan, the gains of the acts added ({shown} yuan)",
                "fact": "illegal_gain",
                "value": f"{total} CNY",
                "gains": figures,
            }
        )
    return totals, gain, has_gain, derivations


def _short_count(c: dict) -> tuple[str, str] | None:
    """A batch counted as held less what is proven untrue or duplicated (Art. 11(3)), in
    a few words; ``None`` for a batch counted otherwise (by what was passed on)."""
    seized = c["seized"]
    if not seized or c["passed_on"] or c["only_lawful"] or c["counted"] != c["held"]:
        return None
    excluded = seized["proven_false"] + seized["proven_duplicate"]
    if not excluded:
        return None
    obtained = c["obtained"] - c["lawful"]
    held_zh, held_en = (
        (f"查获{seized['found']}条", f"{seized['found']} seized")
        if seized["found"] >= obtained
        else (f"获取{obtained}条", f"{obtained} obtained")
    )
    return (
        f"{held_zh}，减去经证明不真实或者重复的{excluded}条（第十一条第三款）",
        f"{held_en} less {excluded} proven untrue or duplicated (Art. 11(3))",
    )


def _in_duty_derivations(
    in_duty: dict[str, list[tuple[str | None, int]]], gains: list, totals: dict
) -> list[dict]:
    """Of the totals, the information obtained in duties or services and sold or provided
    (Art. 5(1)(8) counts it apart; our reading: what was passed on, Art. 11(2)), and its gains.
    Sets the ``*_in_duty`` facts in ``totals``."""
    out = []
    item8 = ("第五条第一款第八项", "Art. 5(1)(8)")
    by_item: dict[int, list[tuple[str, int]]] = {}
    for category, parts in in_duty.items():
        by_item.setdefault(ITEM_OF[category], []).append((category, sum(n for _, n in parts)))
    for item, cats in sorted(by_item.items()):
        value = sum(n for _, n in cats)
        totals[f"item{item}_items_in_duty"] = value
        shown_zh = "、".join(f"{CATEGORIES[c][1]} {n}条" for c, n in cats)
        shown_en = ", ".join(f"{CATEGORIES[c][2]} {n}" for c, n in cats)
        batches = [b for c, _ in cats for b, _ in in_duty[c] if b is not None]
        from_zh = f"（批次{'、'.join(f'“{b}”' for b in batches)}）" if batches else ""
        from_en = f" (batch {', '.join(f'“{b}”' for b in batches)})" if batches else ""
        item_zh = {3: "第三项", 4: "第四项", 5: "第五项"}[item]
        out.append(
            {
                "zh": f"其中在履行职责、提供服务过程中获得并出售或者提供的{item_zh}所列信息 "
                f"{value}条{from_zh}：{shown_zh}，按出售、提供的条数计"
                f"（{item8[0]}；{ART11[2][0]}；{OURS[0]}）",
                "en": f"of which obtained in duties or services and sold or provided, of the "
                f"kinds in item {item}: {value} items{from_en} ({shown_en}), counted as passed "
                f"on ({item8[1]}; {ART11[2][1]}; {OURS[1]})",
                "fact": f"item{item}_items_in_duty",
                "value": value,
                "by_category": {CATEGORIES[c][0]: n for c, n in cats},
                "provision": "法释〔2017〕10号 第五条第一款第八项 (Art. 5(1)(8))",
            }
        )
    if gains:
        total = format_number(sum(gains))
        totals["illegal_gain_in_duty"] = f"{total} CNY"
        out.append(
            {
                "zh": f"其中出售或者提供履职、服务中获得的信息的违法所得 {total}元（{item8[0]}）",
                "en": f"of which illegal gains from selling or providing information obtained in "
                f"duties or services: {total} yuan ({item8[1]})",
                "fact": "illegal_gain_in_duty",
                "value": f"{total} CNY",
            }
        )
    return out


def adapt(record: Any) -> tuple[Any, list]:
    """Turn ``acts`` into item counts; any other record passes through unchanged.

    The acts' mistakes (``acts[2].items``) are handed on to validation with the rest of the
    record (``ruleengine.facts.hand_on``), so they are reported with its own.
    """
    if not isinstance(record, dict) or "acts" not in record:
        early = _too_early(record, [])
        return (hand_on(record, early) if early else _date_given(record)), []
    facts = {k: v for k, v in record.items() if k != "acts"}
    parsed, problems = _read_acts(record["acts"])
    problems = problems or _too_early(facts, parsed)
    if problems:
        return hand_on(facts, problems), []
    counted, in_time_facts, in_time_notes, duty = _in_time(parsed, facts)
    totals, gain, has_gain, derivations = _count_parsed(counted, duty)
    problems = [
        FactProblem(
            field,
            "given both as a total and by the acts",
            "give the category either as a total or through acts, not both",
            zh="既以总数给出，又由行为给出",
            help_zh="该类别请只以总数或只通过行为给出，不要两者都给",
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
                zh="既以总额给出，又作为各行为的违法所得给出",
                help_zh="请只给出 illegal_gain 或各行为的 gain，不要两者都给",
            )
        )
    dated, date_problems = _act_date(parsed, facts, counted)
    problems.extend(date_problems)
    if problems:
        return hand_on(facts, problems), []
    facts.update(totals)
    if has_gain:
        facts["illegal_gain"] = f"{format_number(gain)} CNY"
    if dated is not None:
        facts["acted_last"] = dated["value"]
    facts = _date_given(facts)
    derivations.extend(_dated(dated, facts))
    derivations.extend(in_time_notes)
    facts.update(in_time_facts)
    for fact, value, zh, en in _conduct(counted, facts):
        facts[fact] = value
        derivations.append({"zh": zh, "en": en, "fact": fact, "value": value})
    return facts, derivations


def zh_day(day: datetime.date) -> str:
    """2016年5月20日: a date as the explanation writes it in Chinese (its ``show_date``, which
    is not imported here: the adapter runs on every case, also where nothing is explained,
    and the renderer costs a tenth of a second to import; a test keeps the two alike)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _acts_named(acts: list[dict]) -> tuple[str, str]:
    """ "第1个、第3个行为（2008年6月1日、2008年6月10日）" and "acts 1 and 3 (2008-06-01, ...)":
    dates as the explanation writes them in each language (third legal review, finding 9(5))."""
    numbers = [str(a["index"] + 1) for a in acts]
    days = sorted({a["acted_on"] for a in acts})
    zh = "、".join(f"第{n}个" for n in numbers) + (f"行为（{'、'.join(zh_day(d) for d in days)}）")
    en = ("act " if len(numbers) == 1 else "acts ") + (
        numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]
    )
    return zh, f"{en} ({', '.join(d.isoformat() for d in days)})"


#: Acts before 2015-11-01 time-barred on their own: not joined (alone.prosecutable).
EARLIER_BARRED = (
    "：依当时施行的第二百五十三条之一（刑法修正案（七）增加的条文）单独构成犯罪，但单独计算的追诉期限"
    "（刑法第八十七条第一项，五年；以后的行为在该期限以内的，从其最后一个行为之日起计算，刑法第八十九条"
    "第二款），于立案侦查或者受理案件之日已经届满，依照刑法总则第四章第八节的规定不应当追诉（刑法第十二条"
    "第一款）：不与2015年11月1日以后的行为一并计算，不计入（本规则的理解，参照高检发释字〔1998〕6号"
    "第二项“同种类数罪”）。前后的行为属于一个连续犯罪的，追诉期限从犯罪行为终了之日起计算（刑法第八十九条"
    "第一款），应当一并计算；是否连续，所给事实未载明（请办案人员判断）",
    ": an offence on their own under Art. 253-1 as Amendment VII gave it, but their own "
    "limitation period (Criminal Law Art. 87 item 1, five years; from the last of the later "
    "acts where they fell within it, Art. 89(2)) had run when prosecution began, so they are "
    "not to be prosecuted under section 8 of chapter 4 of the General Provisions (Criminal "
    "Law Art. 12 para. 1): neither joined with the acts from 1 November 2015 nor counted "
    "(our reading, by analogy with the SPP reply 高检发释字〔1998〕6号, item 2, 'offences of "
    "the same kind'). Were the acts one continuous offence, the period would run from the end "
    "of the conduct (Art. 89(1)) and they would be joined; whether they were the facts do not "
    "say (for counsel)",
)
AMENDMENT7_TEXT = (
    "行为发生在2015年11月1日以前，当时施行的是刑法修正案（七）增加的第二百五十三条之一",
    "done before 1 November 2015, under Art. 253-1 as Amendment VII added it",
)
ART12_LEFT_OUT = (
    "当时的法律不认为是犯罪的，适用当时的法律（刑法第十二条第一款），不计入",
    "where the law of the time did not treat an act as a crime, that law applies (Criminal Law "
    "Art. 12 para. 1): not counted",
)
#: Why the Amendment VII text did not reach an act (in_time.statuses' reasons).
OUTSIDE_WHY = {
    "not_own_unit": (
        "出售、提供的是以购买、窃取等方式获得的信息，不是行为人所在单位在履行职责或者提供服务"
        "过程中获得的信息，不属于该条第一款规定的行为",
        "what was sold or provided was bought, stolen or otherwise obtained, not information the "
        "actor's unit obtained in its duties or services: outside its para. 1",
    ),
    in_time.STAFF: (
        "依所给事实，行为人不是国家机关或者金融、电信、交通、教育、医疗等单位的工作人员出售或者"
        "非法提供本单位获得的信息，不属于该条第一款规定的行为",
        "on the facts given, the actor was not staff of a state organ or of a financial, "
        "telecommunications, transport, education, medical or similar unit selling or illegally "
        "providing that unit's information: outside its para. 1",
    ),
    in_time.UNIT_INFO: (
        "依所给事实，所获取的不是国家机关或者金融、电信、交通、教育、医疗等单位在履行职责或者"
        "提供服务过程中获得的信息（“上述信息”），不属于该条第二款规定的行为",
        "on the facts given, what was obtained was not information such a unit obtained in its "
        "duties or services ('the above information'): outside its para. 2",
    ),
}


def _in_time(
    parsed: list[dict], facts: dict
) -> tuple[list[dict], dict, list[dict], set[tuple[str, str | None]]]:
    """The acts counted under the text of Art. 253-1 in force when each was done (CL Art. 12;
    in_time.py), the facts that say what the rest do to the case (``acts_in_time``,
    ``joined_across_amendment9``), the derivations that say which acts were left out and why,
    and the bodies obtained in duties or services (decided on all the acts)."""
    bodies: dict[tuple[str, str | None], list[dict]] = {}
    for a in parsed:
        bodies.setdefault((a["category"], a["batch"]), []).append(a)
    origin = {
        key: "duty"
        if _in_duty(of)
        else "other"
        if any(a["kind"] == "obtain" and HOW[a["how"]][0] for a in of)
        else "none"
        for key, of in bodies.items()
    }
    duty = {key for key, o in origin.items() if o == "duty"}
    illegal = lambda a: HOW[a["how"]][0]  # noqa: E731
    status = in_time.statuses(parsed, facts, origin, illegal)
    # A seizure that measures other acts is named apart: its own day says nothing of the law.
    measured = {
        a["index"]: in_time.measures(a, parsed, status, illegal)
        for a in parsed
        if a["kind"] == "seize" and a["acted_on"] is not None
    }
    measured = {i: m for i, m in measured.items() if m[0]}
    # A seizure is dated by the acts it measures (Art. 11(3)) wherever a part of the acts is
    # dated, the earlier side's own period too: it runs from the day of the crime (CL Art.
    # 89(1)), and the seizure is none (sixth legal review, seizure dating).
    for a in parsed:
        if a["index"] in measured:
            a["dated_on"] = max(b["acted_on"] for b in measured[a["index"]][0])
    # A seizure counts where what it measures counts (Art. 11(3): as seized, less what is
    # proven untrue or duplicated; fourth legal review, finding 1); else it is named apart.
    of = {}
    for a in parsed:
        if a["index"] not in measured or status[a["index"]][0] == in_time.COUNTED:
            of.setdefault(status[a["index"]][0], []).append(a)
    counted = of.get(in_time.COUNTED, [])
    out: dict = {}
    notes = []

    def note(acts: list[dict], zh: str, en: str, **more) -> None:
        # A seizure counted with what it measures is dated by it, so named in its own note.
        who_zh, who_en = _acts_named([a for a in acts if a["index"] not in measured] or acts)
        notes.append({"zh": who_zh + zh, "en": who_en[0].upper() + who_en[1:] + en, **more})

    if of.get(in_time.NO_ARTICLE):
        note(
            of[in_time.NO_ARTICLE],
            "：行为时刑法尚无第二百五十三条之一（刑法修正案（七）自2009年2月28日起增加该条）；"
            + ART12_LEFT_OUT[0],
            ": Criminal Law Art. 253-1 did not exist when they were done (Amendment VII added it "
            "from 28 February 2009); " + ART12_LEFT_OUT[1],
            fact="acts_in_time",
            value="left_out",
        )
    outside: dict[str, list[dict]] = {}
    for a in of.get(in_time.OUTSIDE, []):
        outside.setdefault(status[a["index"]][1], []).append(a)
    for why, acts_ in outside.items():
        note(
            acts_,
            f"：{AMENDMENT7_TEXT[0]}；{OUTSIDE_WHY[why][0]}；{ART12_LEFT_OUT[0]}",
            f": {AMENDMENT7_TEXT[1]}; {OUTSIDE_WHY[why][1]}; {ART12_LEFT_OUT[1]}",
            fact="acts_in_time",
            value="left_out",
        )
    kind = "decided"
    for a in parsed:
        if a["index"] in measured:
            seizure_note = _seizure_note(a, *measured[a["index"]], status[a["index"]][0])
            if seizure_note:
                left_out = status[a["index"]][0] != in_time.UNKNOWN
                note(
                    [a],
                    *seizure_note,
                    **({"fact": "acts_in_time", "value": "left_out"} if left_out else {}),
                )
        elif a["kind"] == "seize" and a["acted_on"] is not None:
            note(
                [a],
                "：查获的信息未载明由哪一获取行为所得，视为于查获之日非法获取（本规则的理解）",
                ": a seizure no act of obtaining accounts for: taken as obtained illegally on "
                "the day of the seizure (our reading)",
            )
    unknown = of.get(in_time.UNKNOWN, [])
    unknown_all = unknown + [
        a for a in parsed if a["index"] in measured and status[a["index"]][0] == in_time.UNKNOWN
    ]
    if unknown:
        turns_on = sorted({status[a["index"]][1] for a in unknown})
        low = _count_parsed(counted, duty)
        high = _count_parsed(sorted(counted + unknown_all, key=lambda a: a["index"]), duty)
        words_zh = "；".join(in_time.FACT_WORDS[f][0] for f in turns_on)
        words_en = "; and ".join(in_time.FACT_WORDS[f][1] for f in turns_on)
        if low[:2] != high[:2]:
            if kind == "decided":  # before 1997 says it first
                kind = {
                    (in_time.STAFF,): "staff_status_not_given",
                    (in_time.UNIT_INFO,): "unit_information_not_given",
                }.get(tuple(turns_on), "both_not_given")
            items_low, items_high = (
                sum(t.get(CATEGORIES[c][0], 0) for c in CATEGORIES) for t in (low[0], high[0])
            )
            gains_zh = gains_en = ""
            if high[1] != low[1]:
                gains_zh = f"（违法所得{format_number(high[1])}元与{format_number(low[1])}元）"
                gains_en = (
                    f" (illegal gains {format_number(high[1])} and {format_number(low[1])} yuan)"
                )
            note(
                unknown,
                f"：{AMENDMENT7_TEXT[0]}；是否为该条规定的行为，取决于{words_zh}，所给事实未载明。"
                f"计入的，共计{items_high}条；不计入的，共计{items_low}条{gains_zh}："
                "不作认定，须给出该事实（刑法第十二条第一款）",
                f": {AMENDMENT7_TEXT[1]}; whether that text reached them turns on {words_en}, "
                f"which the facts do not say. Counted, the items come to {items_high}; not "
                f"counted, to {items_low}{gains_en}: not decided until that fact is given "
                "(Criminal Law Art. 12 para. 1)",
                fact="acts_in_time",
                value=kind,
            )
        else:
            note(
                unknown,
                f"：{AMENDMENT7_TEXT[0]}；是否为该条规定的行为，取决于{words_zh}，所给事实未载明；"
                "计入与否，计算结果相同，不影响认定",
                f": {AMENDMENT7_TEXT[1]}; whether that text reached them turns on {words_en}, "
                "which the facts do not say; counted or not, the counts are the same, so it "
                "decides nothing",
            )
    earlier = [
        a for a in counted if status[a["index"]][1] is not None and a["acted_on"] is not None
    ]
    later = [
        a
        for a in counted
        if a["acted_on"] is not None
        and max(b["acted_on"] for b in measured.get(a["index"], ([a],))[0]) >= in_time.AMENDMENT9
    ]

    def last(acts: list[dict]) -> datetime.date:
        # A seizure is dated by the acts it measures (Art. 11(3)).
        return max(max(b["acted_on"] for b in measured.get(a["index"], ([a],))[0]) for a in acts)

    if earlier and later and kind == "decided":
        own = in_time.given(facts, in_time.EARLIER_OWN)
        rest = [a for a in counted if a not in earlier]
        words_zh, words_en = in_time.FACT_WORDS[in_time.EARLIER_OWN]
        later_alone = _alone(later, facts, duty) if own else None
        if own and later_alone is not None and not alone.is_offence(later_alone):
            # One side no offence on its own: nothing to join (CL Art. 12 para. 1; the reply
            # joins offences on both sides); the earlier acts are judged under their own text.
            counted = [a for a in counted if a not in later]
            n = _items(later, duty)
            note(
                later,
                "：发生在2015年11月1日以后，适用刑法修正案（九）修正后的第二百五十三条之一；"
                f"单独计算（{n}条），依该条文不构成犯罪（单独未达到“情节严重”）。"
                "以前的行为只与以后同样构成犯罪的行为一并计算（本规则的理解，参照高检发释字〔1998〕6号"
                "第二项“同种类数罪”）：不一并计算，不计入；以前的行为依当时的条文单独认定"
                "（刑法第十二条第一款）。该项还规定“连续犯罪”：前后的行为属于一个连续犯罪的，"
                "依该情形一并计算，以后的行为不须单独构成犯罪；是否连续，所给事实未载明，"
                "本规则适用“同种类数罪”（本规则的理解，请办案人员判断）",
                ": done from 1 November 2015, under Art. 253-1 as Amendment IX amended it; "
                f"alone ({n} items of information) no offence under that text, serious "
                "circumstances not reached. Earlier acts are joined only with "
                "later acts that are offences as well (our reading, by analogy with the SPP reply "
                "高检发释字〔1998〕6号, item 2, 'offences of the same kind'): not joined, not "
                "counted; the earlier acts are judged alone under the text of their time "
                "(Criminal Law Art. 12 para. 1). The item's other limb is 'continuous offences' "
                "(连续犯罪): acts that are one continuous offence are joined under it, the later "
                "ones need not be an offence alone. Whether they are the facts do not say; this "
                "rulebook applies the limb of offences of the same kind (our reading, for "
                "counsel)",
                fact="acts_in_time",
                value="left_out",
            )
        elif own and alone.prosecutable(*_part(earlier, facts, duty), last(later)) is False:
            # Time-barred on their own: not joined (sixth legal review, finding 1).
            counted = rest
            note(earlier, *EARLIER_BARRED, fact="acts_in_time", value="left_out")
        elif own:
            out["joined_across_amendment9"] = True
            out["earlier_limitation_end"] = alone.own_period_end(
                last(earlier), last(later)
            ).isoformat()
            note(
                earlier,
                "：依当时施行的第二百五十三条之一（刑法修正案（七）增加的条文），依所给事实单独构成犯罪，"
                "与2015年11月1日以后的行为一并依修正后的条文计算（本规则的理解，参照高检发释字〔1998〕6号"
                "第二项；其追诉期限单独计算，见追诉时效）",
                ": by the facts given, an offence on their own under Art. 253-1 as Amendment VII "
                "gave it, joined with the acts from 1 November 2015 under the amended text (our "
                "reading, by analogy with the SPP reply 高检发释字〔1998〕6号, item 2; their own "
                "limitation period is checked too, see the limitation)",
                fact="joined_across_amendment9",
                value=True,
            )
        elif own is False or _count_parsed(rest, duty)[:2] == _count_parsed(counted, duty)[:2]:
            why_zh, why_en = (
                (
                    "依所给事实，这些行为单独不构成当时的犯罪",
                    "by the facts given, they were no offence on their own then",
                )
                if own is False
                else (
                    "是否单独构成当时的犯罪，所给事实未载明，计入与否计算结果相同",
                    "whether they were an offence on their own then the facts do not say, and "
                    "counted or not the counts are the same",
                )
            )
            counted = rest
            note(
                earlier,
                f"：{AMENDMENT7_TEXT[0]}，属于该条规定的行为；{why_zh}（{words_zh}）；"
                f"{ART12_LEFT_OUT[0]}，也不与2015年11月1日以后的行为一并计算",
                f": {AMENDMENT7_TEXT[1]}, conduct of the kind it describes; {why_en} ({words_en}); "
                f"{ART12_LEFT_OUT[1]}, nor joined with the acts from 1 November 2015",
                fact="acts_in_time",
                value="left_out",
            )
        else:
            kind = "earlier_offence_not_given"
            low, high = _count_parsed(rest, duty), _count_parsed(counted, duty)
            counted = rest  # the totals hold the acts known to count (cl12_acts_not_decided)
            items_low, items_high = (
                sum(t.get(CATEGORIES[c][0], 0) for c in CATEGORIES) for t in (low[0], high[0])
            )
            note(
                earlier,
                f"：{AMENDMENT7_TEXT[0]}，属于该条规定的行为；{words_zh}，所给事实未载明。"
                f"计入的，共计{items_high}条；不计入的，共计{items_low}条：不作认定，"
                "须给出该事实（刑法第十二条第一款：当时的法律不认为是犯罪的，适用当时的法律）",
                f": {AMENDMENT7_TEXT[1]}, conduct of the kind it describes; {words_en}: the "
                f"facts do not say. Counted, the items come to {items_high}; not counted, to "
                f"{items_low}: not decided until that fact is given (Criminal Law Art. 12 "
                "para. 1: where the law of the time did not treat an act as a crime, that law "
                "applies)",
                fact="acts_in_time",
                value=kind,
            )
    before = of.get(in_time.BEFORE_1997, [])
    if before and kind == "decided" and _same_outcome(counted, before, facts, duty):
        # The law of their time is not encoded, but counted or not the outcome is the same
        # (third legal review, finding 5): they decide nothing, as unknown acts above.
        note(
            before,
            "：发生在1997年刑法施行（1997年10月1日）以前，当时的法律本规则集未编码；"
            "计入与否，依本规则认定的结论相同，不影响认定：不计入（刑法第十二条第一款）",
            ": done before the 1997 Criminal Law took effect (1 October 1997), under law this "
            "rulebook does not hold; counted or not, the rulebook reaches the same outcome, so "
            "they decide nothing: not counted (Criminal Law Art. 12 para. 1)",
            fact="acts_in_time",
            value="left_out",
        )
    elif before:
        kind = "before_1997"  # said first: the law of the time is not held at all
        note(
            before,
            "：发生在1997年刑法施行（1997年10月1日）以前，当时的法律本规则集未编码，"
            "无从依当时的法律判断是否为犯罪（刑法第十二条第一款）：全案不作认定",
            ": done before the 1997 Criminal Law took effect (1 October 1997); the law of the "
            "time is not encoded, so whether they were crimes then cannot be told (Criminal Law "
            "Art. 12 para. 1): the case is not decided",
            fact="acts_in_time",
            value=kind,
        )
    if kind != "decided":
        out["acts_in_time"] = kind
    return counted, out, notes, duty


def _same_outcome(counted: list[dict], more: list[dict], facts: dict, duty: set) -> bool:
    """Whether the rulebook decides the case alike with ``more`` counted and without."""
    if not counted:
        return False
    without = _alone(counted, facts, duty)
    with_ = _alone(sorted(counted + more, key=lambda a: a["index"]), facts, duty)
    return without is not None and without == with_


def _alone(acts: list[dict], facts: dict, duty: set) -> dict[str, Any] | None:
    """What the rulebook decides on ``acts`` alone (alone.py), dated by their last act."""
    return alone.decide(*_part(acts, facts, duty))


def _part(acts: list[dict], facts: dict, duty: set) -> tuple[dict, datetime.date]:
    """The facts of ``acts`` alone, counted as the whole case would be, with the record's
    other facts as given (they say nothing of which acts they concern; our reading), and
    their last act's day."""
    totals, gain, has_gain, _ = _count_parsed(acts, duty)
    part = {k: v for k, v in facts.items() if k not in COMPUTED}
    part.update(totals)
    if has_gain:
        part["illegal_gain"] = f"{format_number(gain)} CNY"
    for fact, value, _, _ in _conduct(acts, part):
        part[fact] = value
    last = max(a.get("dated_on", a["acted_on"]) for a in acts)
    part["acted_last"] = last.isoformat()
    return part, last


def _items(acts: list[dict], duty: set) -> int:
    """The items ``acts`` count for, all categories together."""
    totals = _count_parsed(acts, duty)[0]
    return sum(totals.get(CATEGORIES[c][0], 0) for c in CATEGORIES)


def _seizure_note(
    seizure: dict, body: list[dict], own: bool, status: str
) -> tuple[str, str] | None:
    """Why a seizure counts only as far as the acts it measures (in_time.measures), or, where
    it counts with them, how: as seized (Art. 11(3)), dated by them."""
    them_zh, them_en = _acts_named(body)
    if status == in_time.COUNTED:
        zh = (
            f"：查获的是{them_zh}所获取的信息，根据查获的数量认定，有证据证明不真实或者重复的除外"
            f"（{ART11[3][0]}）；以该行为的日期为准，不以查获之日为准（{OURS[0]}）"
        )
        en = (
            f": the seizure measures what {them_en} brought in: counted as seized, less what is "
            f"proven untrue or duplicated ({ART11[3][1]}), and dated by the obtaining, not by the "
            f"day of the seizure ({OURS[1]})"
        )
        obtained = sum(b["items"] for b in body)
        if seizure["items"] > obtained:
            zh += (
                f"；查获{seizure['items']}条，多于所获取的{obtained}条，"
                f"仍根据查获的数量直接认定（{ART11[3][0]}）"
            )
            en += (
                f"; {seizure['items']} seized, more than the {obtained} obtained: "
                f"still counted as seized ({ART11[3][1]}: '根据查获的数量直接认定')"
            )
        return zh, en
    if own:
        zh = f"：查获的是{them_zh}所获取的信息，以该行为为准（含其日期），"
        en = (
            f": the seizure measures what {them_en} brought in, and counts only as far as that "
            "does, dated by it: "
        )
    else:
        zh = f"：查获的信息未载明由哪一获取行为所得，可能是{them_zh}所得，"
        en = (
            f": the seizure does not say what brought its items in; they may be what {them_en} "
            "brought in, and count only as far as that does (the reading that favours the "
            "accused): "
        )
    if status == in_time.UNKNOWN:
        return zh + "是否计入随该行为而定", en + "whether they count turns on the same fact"
    return zh + "不计入", en + "not counted"


#: The facts this adapter computes from the acts: never taken from the record for a part.
COMPUTED = (
    "acted_last",
    "acts_in_time",
    "joined_across_amendment9",
    "earlier_limitation_end",
    "act_date_given",
)
#: What the rulebook takes when no act date is given (input acted_last's default).
UNDATED = "2015-11-01"


def _act_date(
    parsed: list[dict], facts: dict, counted: list[dict]
) -> tuple[dict | None, list[FactProblem]]:
    """The date of the last act counted (CL Art. 12; of the last act, where none is), from
    the acts' ``acted_on``: every act gives its date or none does, since an undated act may
    be the latest."""
    dates = [a["acted_on"] for a in parsed if a["acted_on"] is not None]
    if not dates:
        return None, []
    problems = [
        FactProblem(
            f"acts[{a['index']}].acted_on",
            "other acts give their date, this one does not",
            "give the date of every act, or of none: the text of Criminal Law Art. 253-1 that "
            "applies turns on the date of the last act",
            zh="其他行为给出了日期，此行为未给出",
            help_zh="请给出每项行为的日期，或都不给出：适用刑法第二百五十三条之一的哪一文本，"
            "取决于最后一次行为的日期",
        )
        for a in parsed
        if a["acted_on"] is None
    ]
    if "acted_last" in facts:
        problems.append(
            FactProblem(
                "acted_last",
                "given both as a date and by the acts' acted_on",
                "give acted_last or the acts' acted_on, not both",
                zh="既以日期给出，又由各行为的 acted_on 给出",
                help_zh="请只给出 acted_last 或各行为的 acted_on，不要两者都给",
            )
        )
    # A seizure of a batch obtained illegally is dated by that obtaining, not its own day.
    of_counted = [
        a["acted_on"]
        for a in counted
        if a["acted_on"] is not None
        and not (
            a["kind"] == "seize"
            and any(
                b["kind"] == "obtain"
                and HOW[b["how"]][0]
                and (b["category"], b["batch"]) == (a["category"], a["batch"])
                for b in counted
            )
        )
    ]
    last = max(of_counted or dates)
    return {
        "value": last.isoformat(),
        "count": len(set(of_counted or dates)),
        "left_out": sum(a["acted_on"] is not None for a in counted) < len(dates),
    }, problems


#: The first day of the rulebook's law in time (time_criminal_law_12.rules): no legal date,
#: a day before any act a case could concern.
FIRST_DAY = datetime.date(1900, 1, 1)
_DATED = ("acted_last", "later_crime_on", "prosecution_began_on")


def _too_early(record: Any, parsed: list[dict]) -> list[FactProblem]:
    """A date before ``FIRST_DAY`` (a typo such as 1015-06-01): refused. The rulebook holds
    no law for it, and read as it stands such an act took the text in force on the day judged
    (sixth QA round: Amendment IX for an act of 1899)."""
    fields = [(f, record.get(f)) for f in _DATED] if isinstance(record, dict) else []
    fields += [(f"acts[{a['index']}].acted_on", a["acted_on"]) for a in parsed]
    problems = []
    for path, value in fields:
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                continue  # validation reports it
        if isinstance(value, datetime.date) and value < FIRST_DAY:
            problems.append(
                FactProblem(
                    path,
                    f"{value.isoformat()} is before 1900-01-01",
                    "this rulebook holds no law for dates before 1900: a typo for a later year?",
                    zh=f"{value.isoformat()} 早于1900-01-01",
                    help_zh="本规则集不含1900年以前的法律：是否误写了年份？",
                )
            )
    return problems


def _date_given(record: Any) -> Any:
    """The record, saying whether an act date was given (``act_date_given``), by the acts or
    as ``acted_last``: the rulebook cannot tell a date given as 2015-11-01 from its default
    (fifth legal review, finding 2)."""
    if not isinstance(record, dict) or "acted_last" not in record:
        return record
    return {**record, "act_date_given": True}


def _dated(dated: dict | None, facts: dict) -> list[dict]:
    """The derivation of the act date, or of the date assumed where the acts give none."""
    if dated is not None:
        value = dated["value"]
        day = zh_day(datetime.date.fromisoformat(value))
        if dated["count"] == 1:
            zh, en = f"行为日期 {day}", f"date of the acts: {value}"
        else:
            zh = (
                f"最后一个行为的日期 {day}：数个行为以最后一个行为的日期为准"
                f"（刑法第十二条；{OURS[0]}）"
            )
            en = (
                f"date of the last act: {value}; several acts are dated by the latest "
                f"(Criminal Law Art. 12; {OURS[1]})"
            )
        if dated["left_out"]:
            zh += "；不计入的行为不参与确定日期"
            en += "; acts not counted do not date the case"
        return [{"zh": zh, "en": en, "fact": "acted_last", "value": value}]
    if "acted_last" in facts:
        return []
    return [
        {
            "zh": f"行为日期未给出：按{zh_day(datetime.date.fromisoformat(UNDATED))}"
            "计，即视为行为发生在刑法修正案（九）施行之后，"
            "适用修正后的刑法第二百五十三条之一（本规则的假定）",
            "en": f"no act date given: taken as {UNDATED}, that is, the acts are assumed to "
            "follow Amendment IX, whose text of Criminal Law Art. 253-1 applies (an assumption "
            "of this rulebook)",
            "fact": "acted_last",
            "value": UNDATED,
        }
    ]


def _conduct(acts: list[dict], facts: dict) -> list[tuple[str, Any, str, str]]:
    """The conduct the acts show under CL 253-1, unless the facts give it (Art. 4).

    Only illegal obtaining is para. 3 (窃取或者以其他方法非法获取): an obtain act says how
    (``how``), and collecting in duties or services is illegal only in violation of state
    provisions (Art. 4). A seized batch with nothing sold, provided or lawfully collected
    shows holding, which is taken as illegal obtaining (our reading). Lawful collection with
    nothing sold or provided is no conduct that Art. 253-1 punishes.
    """
    out: list[tuple[str, Any, str, str]] = []
    kinds = {a["kind"] for a in acts}
    ways = [HOW[a["how"]] for a in acts if a["kind"] == "obtain"]
    illegal = [w for w in ways if w[0]]
    lawful = [w for w in ways if not w[0]]
    passes_on = bool(kinds & set(PASSING_ON))
    if "conduct" in facts:
        return out
    zh_how = "、".join(dict.fromkeys(w[2] for w in illegal))
    en_how = ", ".join(dict.fromkeys(w[3] for w in illegal))
    if illegal and passes_on:
        out.append(
            (
                "conduct",
                "obtain_and_sell_or_provide",
                f"行为方式：非法获取（{zh_how}，第四条）并出售或者提供"
                "（刑法第二百五十三条之一第一款、第三款）",
                f"conduct: illegally obtained ({en_how}; Art. 4) and sold or provided "
                "(Criminal Law Art. 253-1 paras. 1 and 3)",
            )
        )
    elif illegal:
        out.append(
            (
                "conduct",
                "obtain",
                f"行为方式：非法获取（{zh_how}，第四条），没有出售或者提供"
                "（刑法第二百五十三条之一第三款）",
                f"conduct: illegally obtained ({en_how}; Art. 4), nothing sold or provided "
                "(Criminal Law Art. 253-1 para. 3)",
            )
        )
    elif not passes_on and lawful:
        out.append(
            (
                "conduct",
                "lawful_collection",
                "行为方式：在履行职责、提供服务过程中依法收集，没有出售或者提供；"
                "未违反国家有关规定的收集不属于“以其他方法非法获取”（第四条）",
                "conduct: collected lawfully in duties or services, nothing sold or provided; "
                "collecting that does not violate state provisions is not 'otherwise illegally "
                "obtaining' (Art. 4)",
            )
        )
    elif not passes_on and "seize" in kinds:
        out.append(
            (
                "conduct",
                "obtain",
                "行为方式：查获的信息，没有出售或者提供，视为非法获取"
                "（刑法第二百五十三条之一第三款；本规则的理解）",
                "conduct: information seized, none sold or provided, taken as illegally "
                "obtained (Criminal Law Art. 253-1 para. 3; our reading)",
            )
        )
    return out


def _spec(name: str, type_, zh: str, en: str, default: Any = None, minimum: int | None = None):
    from ruleengine.ir import FieldSpec
    from ruleengine.types import LocalText

    return FieldSpec(name, type_, minimum, default, LocalText((("en", en), ("zh", zh))))


def record_fields() -> tuple:
    """What a record may give besides the rulebook's inputs: the list of acts, each field
    typed and labelled (for tools that build a record, such as the service's case form;
    reading the acts stays with ``_read_acts``)."""
    from ruleengine.ir import MISSING
    from ruleengine.types import ListType, RecordType

    act = [
        _spec("kind", KIND, "行为", "act", MISSING),
        _spec(
            "category",
            enum_type("category", {c: (zh, en) for c, (_, zh, en) in CATEGORIES.items()}),
            "信息类别",
            "category of information",
            MISSING,
        ),
        _spec(
            "items",
            INTEGER,
            "条数（不计经过处理无法识别特定个人且不能复原的信息，第三条第二款）",
            "items (leave out information processed so that it cannot identify a specific "
            "person and cannot be restored: Art. 3 para. 2)",
            MISSING,
            0,
        ),
        _spec(
            "how",
            enum_type("obtaining_method", {h: (zh, en) for h, (_, _, zh, en) in HOW.items()}),
            "获取方式（获取行为）",
            "how it was obtained (obtain only)",
        ),
        _spec("recipient", TEXT, "接收者（出售、提供）", "recipient (sell, provide)"),
        _spec("info", TEXT, "哪些信息（出售、提供）", "which information (sell, provide)"),
        _spec("batch", TEXT, "批次", "batch"),
        _spec("gain", YUAN, "违法所得（元）", "illegal gains (yuan)", 0, 0),
        _spec("proven_false", INTEGER, "证明不真实的条数（查获）", "proven untrue (seize)", 0, 0),
        _spec("proven_duplicate", INTEGER, "证明重复的条数（查获）", "proven duplicated", 0, 0),
        _spec("acted_on", DATE, "行为日期", "date of the act"),
        _spec("note", TEXT, "备注", "note"),
    ]
    acts = RecordType(name="act", fields={f.name: f for f in act})
    return (
        _spec(
            "acts",
            ListType(element=acts, minimum=None),
            "各次行为（第十一条计数）",
            "the acts (counted by Art. 11)",
            MISSING,
        ),
    )
