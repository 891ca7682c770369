"""The explanation's section on the law in time: for each ``lighter`` block, the version in
force on the act date and on the as-of date, what each decides, which applied and why."""

from __future__ import annotations

from ..runtime import Unset
from .explanation import Line, Section, local, show_date, show_value

WORDS = {
    "title": {"en": "The law in time", "zh": "新旧规定的适用"},
    "at_act": {
        "en": "version in force on the act date ({day}): {version}",
        "zh": "行为时（{day}）施行的版本：{version}",
    },
    "at_decision": {
        "en": "version in force on the as-of date ({day}): {version}",
        "zh": "处理时（{day}）施行的版本：{version}",
    },
    "judged_on": {
        "en": "(as the rules stood on {day})",
        "zh": "（按{day}施行的规定）",
    },
    "applied": {"en": "applied: {version}", "zh": "适用：{version}"},
    "none": {"en": "none encoded", "zh": "本规则集未编码"},
    "undecided": {
        "en": "not decided (no provision in force decides it)",
        "zh": "未认定（无施行中的条款对此作出规定）",
    },
    "by": {"en": "decided by {rules}", "zh": "依据：{rules}"},
    "same_version": {
        "en": "the same version was in force on both dates",
        "zh": "行为时和处理时施行同一版本",
    },
    "act_version": {
        "en": "the version in force on the act date applies: the later one is not lighter "
        "(compared: {compare})",
        "zh": "适用行为时的版本：处理时的版本处理不较轻（依次比较：{compare}）",
    },
    "later_lighter": {
        "en": "the version in force on the as-of date applies: it is lighter (compared: {compare})",
        "zh": "适用处理时的版本：其处理较轻（依次比较：{compare}）",
    },
    "not_compared": {
        "en": "not compared: {compare} is not decided under one of the two versions; the outcome "
        "under the version in force on the as-of date stands",
        "zh": "未作比较：{compare}在其中一个版本下未认定，按处理时施行的版本",
    },
    "not_compared_at_decision": {
        "en": "not compared: {compare} is not decided under the version in force on the as-of "
        "date (it is under the version in force on the act date); the outcome under the version "
        "in force on the as-of date stands",
        "zh": "未作比较：{compare}在处理时施行的版本下未认定（行为时的版本有认定），"
        "按处理时施行的版本",
    },
    "not_compared_at_act": {
        "en": "not compared: {compare} is not decided under the version in force on the act date; "
        "the outcome under the version in force on the as-of date stands",
        "zh": "未作比较：{compare}在行为时施行的版本下未认定，按处理时施行的版本",
    },
    "not_compared_neither": {
        "en": "not compared: {compare} is decided under neither version; the outcome under the "
        "version in force on the as-of date stands",
        "zh": "未作比较：{compare}在两个版本下均未认定，按处理时施行的版本",
    },
    "no_act_version": {
        "en": "no version was in force on the act date; the version in force on the as-of date "
        "stands",
        "zh": "行为时无已编码的版本，按处理时施行的版本",
    },
    "judged_before_acts": {
        "en": "not compared: the act date ({act}) is after the as-of date ({day}), and a case "
        "cannot be judged before its acts; the outcome is that of the rules in force on the "
        "as-of date, which say whether it is decided",
        "zh": "未作比较：行为日期（{act}）在处理时（{day}）以后，案件不能在行为以前处理；"
        "所示结论为处理时施行的规定的结论，是否认定依其规定",
    },
    "applied_judged_before": {
        "en": "applied: the rules in force on the as-of date ({version}), the case being judged "
        "before its acts",
        "zh": "适用：处理时施行的规定（{version}），案件在行为以前处理",
    },
    "other_version": {
        "en": "not applied: the version in force on the act date applies",
        "zh": "未适用：适用行为时的版本",
    },
}


def word(key: str, lang: str, **kw) -> str:
    return WORDS[key][lang].format(**kw)


def replaced(trace) -> set[str]:
    """Conclusions whose value came from the version in force on the act date: what the
    rules in force on the as-of date say of them did not apply."""
    rb = trace.rulebook
    return {
        c
        for choice in trace.choices
        if choice.reason == "act_version"
        for c in rb.lighters[choice.lighter].decides
    }


def section(trace, lang: str, citation) -> Section | None:
    """``citation(rule_name)`` shows a rule as the explanation cites it.

    A block with nothing to choose is left out: its act date is the as-of date (one day, one
    version), or no rule decided any of its conclusions under either version (each holds its
    default). The second is how a rule text dates conduct the case does not have (ccdi's
    ``embezzled_last`` is the decision date when no act of embezzlement is counted), whose
    old-or-lighter comparison would otherwise be shown for a crime with no act to date it.
    """
    rb = trace.rulebook
    lines = [
        _choice_line(rb, c, lang, citation)
        for c in trace.choices
        if c.act_date != c.as_of and not _decides_nothing(rb, c)
    ]
    return Section(word("title", lang), tuple(lines)) if lines else None


def _decides_nothing(rb, choice) -> bool:
    """Whether every conclusion of the block holds its default under each version evaluated
    (or is not decided there): no rule of the block applied to this case."""
    names = rb.lighters[choice.lighter].decides
    for values, undecided in (
        (choice.at_decision_values, choice.undecided_at_decision),
        (choice.at_act_values, choice.undecided_at_act),
    ):
        for name, value in zip(names, values or (), strict=False):
            if name in undecided or isinstance(value, Unset):
                continue
            if value != rb.conclusions[name].default:
                return False
    return True


def _choice_line(rb, choice, lang: str, citation) -> Line:
    block = rb.lighters[choice.lighter]
    colon = "：" if lang == "zh" else ": "

    def version(member):
        if member is None:
            return word("none", lang)
        return local(block.type.labels.get(member), lang, member)

    def outcome(values, rules, undecided):
        parts = []
        for i, name in enumerate(block.decides):
            c = rb.conclusions[name]
            shown = (
                word("undecided", lang)
                if name in undecided
                else show_value(values[i], c.type, lang)
            )
            part = f"{local(c.label, lang, name)}{colon}{shown}"
            if rules is not None and rules[i]:
                cites = ("、" if lang == "zh" else ", ").join(citation(r) for r in rules[i])
                by = word("by", lang, rules=cites)
                part += f"（{by}）" if lang == "zh" else f" ({by})"
            parts.append(Line(part, "dim"))
        return tuple(parts)

    children = []
    day = show_date(choice.act_date, lang)
    at_act = word("at_act", lang, day=day, version=version(choice.at_act))
    if choice.at_act_values is not None:
        judged = word("judged_on", lang, day=show_date(choice.act_judged_on, lang))
        shown = f"{at_act}{judged}" if lang == "zh" else f"{at_act} {judged}"
        children.append(
            Line(
                shown,
                "",
                outcome(choice.at_act_values, choice.at_act_rules, choice.undecided_at_act),
            )
        )
    else:
        children.append(Line(at_act, ""))
    day = show_date(choice.as_of, lang)
    at_decision = word("at_decision", lang, day=day, version=version(choice.at_decision))
    values = (
        outcome(choice.at_decision_values, None, choice.undecided_at_decision)
        if choice.at_act_values
        else ()
    )
    children.append(Line(at_decision, "", values))
    sep = "、" if lang == "zh" else ", "
    compare = sep.join(local(rb.conclusions[c].label, lang, c) for c in block.compare)
    reason = word(
        _reason_key(block, choice),
        lang,
        compare=compare,
        act=show_date(choice.act_date, lang),
        day=show_date(choice.as_of, lang),
    )
    children.append(Line(reason, "value"))
    children += [Line(local(n, lang), "dim") for n in block.notes]
    judged_before = choice.reason == "judged_before_acts"
    applied = word(
        "applied_judged_before" if judged_before else "applied",
        lang,
        version=version(choice.applied),
    )
    head = local(block.label, lang, block.name)
    return Line(f"{head}{colon}{applied}", "applied", tuple(children))


def _reason_key(block, choice) -> str:
    """The wording of the reason; for ``not_compared``, which version leaves a compared
    conclusion undecided (a value that failed to evaluate keeps the general wording)."""
    if choice.reason != "not_compared":
        return choice.reason

    def undecided(names, values) -> bool:
        return any(
            c in names or isinstance(v, Unset)
            for c, v in zip(block.compare, values or (), strict=False)
        )

    at_act = undecided(choice.undecided_at_act, choice.at_act_values)
    at_decision = undecided(choice.undecided_at_decision, choice.at_decision_values)
    if at_act and at_decision:
        return "not_compared_neither"
    if at_decision:
        return "not_compared_at_decision"
    if at_act:
        return "not_compared_at_act"
    return "not_compared"
