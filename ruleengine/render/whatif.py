"""The what-if analyses in words: what would change the outcome, what unknown facts could
still decide, and where along a fact the outcome turns.

Each is built as the explanation is (sections of lines, ``explanation.Section``), so the text
and Markdown renderers lay it out the same way, in Chinese or in English.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..analysis.linear import Lin
from ..analysis.regions import Variable, field_spec
from ..analysis.whatif import Breakpoints, Changes, Unknowns, parse_path, show_path
from ..runtime import Unset
from ..types import format_number
from .explanation import (
    Explanation,
    Line,
    Section,
    citation,
    local,
    rule_heading,
    shorts_of,
    show_date,
    show_value,
)
from .explanation import word as explanation_word

WORDS = {
    "changes": {"en": "What would change the outcome", "zh": "如何改变认定"},
    "now": {"en": "now", "zh": "现为"},
    "and": {"en": " and ", "zh": "且"},
    "up": {"en": "↑", "zh": "↑"},
    "down": {"en": "↓", "zh": "↓"},
    "other": {"en": "→", "zh": "→"},
    "adds": {"en": "+", "zh": "+"},
    "removes": {"en": "−", "zh": "−"},
    "by": {"en": "decided by {cites}", "zh": "依据{cites}"},
    "no_rule": {
        "en": "no provision decides it then (the value is the default)",
        "zh": "此时无条款作出该认定（为默认值）",
    },
    "none_found": {
        "en": "No change of one or two facts moves any conclusion.",
        "zh": "改变一项或者两项事实均不改变任何认定。",
    },
    "fixed_facts": {
        "en": "not varied (fixed by the rule text): {facts}",
        "zh": "不作变动（规则文本规定）：{facts}",
    },
    "incomplete": {
        "en": "the search stopped at its bound; other changes may exist",
        "zh": "搜索已达上限，可能另有其他变动",
    },
    "unknowns": {"en": "With facts unknown", "zh": "事实未知时"},
    "not_shown_fixed": {
        "en": "no value of {facts} found that changes the decision, but the search was not "
        "exhaustive (below): not shown to be decided whatever they are",
        "zh": "未发现{facts}的取值改变认定，但搜索并不穷尽（见下）：不能认定无论其如何均已确定",
    },
    "budget": {
        "en": "the search stopped after its budget of {n} decisions; other values may exist",
        "zh": "搜索已达{n}次判定的上限，可能另有其他取值",
    },
    "fixed": {
        "en": "decided whatever these facts are: {facts}",
        "zh": "无论以下事实如何均已确定：{facts}",
    },
    "open": {"en": "still open: {facts} could change it", "zh": "尚未确定：{facts}可能改变认定"},
    "could_be": {"en": "{label} could be one of", "zh": "{label}可能为以下之一"},
    "or": {"en": " or ", "zh": "或者"},
    "decides": {"en": "{fact} decides {n} conclusion(s)", "zh": "{fact}影响{n}项认定"},
    "decides_nothing": {
        "en": "{fact} decides nothing on its own (the other facts as in the case)",
        "zh": "{fact}单独变动不影响认定（其他事实不变）",
    },
    "along": {
        "en": "Along {facts}, the other facts as in the case",
        "zh": "{facts}变动时（其他事实不变）",
    },
    "step": {"en": "{fact} in steps of {step}", "zh": "{fact}以{step}为单位变动"},
    "breakpoints": {"en": "Where the outcome changes", "zh": "认定发生变化之处"},
    "no_breakpoints": {"en": "Nowhere in this range.", "zh": "在此范围内认定不变。"},
    "from": {"en": "from {value}", "zh": "自{value}起"},
    "if_value": {"en": "if {value}", "zh": "如为{value}"},
    "below": {"en": "{value} and below", "zh": "{value}及以下"},
    "segments": {"en": "The outcome, range by range", "zh": "各区间的认定"},
    "regions": {"en": "The outcome, region by region", "zh": "各区域的认定"},
    "searched": {
        "en": "found by a bounded search, not computed: {why}",
        "zh": "以有限搜索得出，并非精确计算：{why}",
    },
    "decided_each": {
        "en": "decided at every value of the range, not computed: {why}",
        "zh": "逐一判定了范围内的每个取值，并非精确计算：{why}",
    },
    "plane_not_linear": {
        "en": "not linear, so not computed ({why}); a plane is not searched: vary one fact",
        "zh": "非线性，未作精确计算（{why}）；两项事实不作搜索，请只变动一项",
    },
    "starts": {"en": "provisions that apply from here", "zh": "自此适用的条款"},
    "stops": {"en": "provisions that no longer apply", "zh": "不再适用的条款"},
    "error": {"en": "cannot be evaluated: {why}", "zh": "无法计算：{why}"},
    "conflict": {"en": "in conflict: {cites} disagree", "zh": "冲突：{cites}认定不一"},
    "times": {"en": "{k} × {fact}", "zh": "{fact}×{k}"},
    "so": {"en": ", so ", "zh": "，从而"},
    "above": {
        "en": "any {fact} above {value} (now {now})",
        "zh": "{fact}超过{value}的任何数额（现为{now}）",
    },
    "from_to": {
        "en": "any {fact} from {value} to {most} (now {now})",
        "zh": "{fact}自{value}至{most}的任何数额（现为{now}）",
    },
    "from_least": {
        "en": "any {fact} from {value} (now {now})",
        "zh": "{fact}自{value}起的任何数额（现为{now}）",
    },
}


def word(key: str, lang: str, **kw) -> str:
    return WORDS[key][lang].format(**kw)


def _colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def fact_label(rulebook, path_text: str, lang: str) -> str:
    """A fact as a lawyer reads it: its label, and where it is for a field of a list."""
    path = parse_path(path_text)
    try:
        spec = field_spec(rulebook, path)
    except (KeyError, AttributeError):
        return path_text
    label = local(spec.label, lang) or path[-1]
    if len(path) == 1:
        return str(label)
    return f"{label}（{path_text}）" if lang == "zh" else f"{label} ({path_text})"


def _label_only(rulebook, path_text: str, lang: str) -> str:
    """A fact's label without its path (the path follows it where needed)."""
    try:
        spec = field_spec(rulebook, parse_path(path_text))
    except (KeyError, AttributeError):
        return path_text
    return str(local(spec.label, lang) or path_text)


def fact_value(rulebook, path_text: str, value: Any, lang: str) -> str:
    try:
        t = field_spec(rulebook, parse_path(path_text)).type
    except (KeyError, AttributeError):
        t = None
    return show_value(value, t, lang)


def _conclusion(rulebook, name: str, value: Any, lang: str) -> str:
    c = rulebook.conclusions[name]
    return show_value(value, c.type, lang)


def _cites(rulebook, rules, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(citation(rulebook, r, lang) for r in rules)


# ------------------------------------------------------------------ changes up and down
def changes_section(rulebook, found: Changes, lang: str) -> Section:
    """Per conclusion, each value it can move to and the smallest changes that move it."""
    from ..analysis.adapted import with_record_fields

    lines = []
    shown = with_record_fields(rulebook, [spec for _, spec in found.record_fields])
    by_conclusion: dict[str, list] = {}
    for change in found.changes:
        by_conclusion.setdefault(change.conclusion, []).append(change)
    for name, items in by_conclusion.items():
        c = rulebook.conclusions[name]
        label = local(c.label, lang, name)
        now = _conclusion(rulebook, name, items[0].before, lang)
        children = []
        for change in items:
            if change.follows is not None:  # a formula, from the least value of its fact
                v, formula = change.follows
                target = _value_text(shown, name, formula, (v,), lang)
                *others, (fact, old, least) = change.facts
                facts = _changed(shown, others, lang)
                under = v.value(v.units(least) - 1)  # "above 0 CNY", not "from 0.01 CNY"
                if under == 0 and change.up_to is None:
                    least = under
                facts += (word("and", lang) if facts else "") + word(
                    "above"
                    if under == 0 and change.up_to is None
                    else "from_least"
                    if change.up_to is None
                    else "from_to",
                    lang,
                    fact=fact_label(shown, fact, lang),
                    value=fact_value(shown, fact, least, lang),
                    most=fact_value(shown, fact, change.up_to, lang),
                    now=fact_value(shown, fact, old, lang),
                )
            else:
                target = (
                    show_value(change.member, c.type, lang)
                    if change.member is not None
                    else _conclusion(rulebook, name, change.after, lang)
                )
                facts = _changed(shown, change.facts, lang)
            if change.derived:  # what the adapter counts from the changed acts
                facts += word("so", lang) + _changed(
                    shown, change.derived, lang, shorts_of(found.derivations, lang)
                )
            who = (
                word("by", lang, cites=_cites(rulebook, change.decided_by, lang))
                if change.decided_by
                else word("no_rule", lang)
            )
            mark = word(change.direction, lang)
            children.append(Line(f"{mark} {target}{_colon(lang)}{facts} · {who}", "miss"))
        lines.append(Line(f"{label}{_colon(lang)}{now}", "value", tuple(children)))
    if not lines:
        lines.append(Line(word("none_found", lang), "dim"))
    if found.fixed:
        labels = [fact_label(rulebook, f, lang) for f in found.fixed]
        facts = "、".join(labels) if lang == "zh" else ", ".join(labels)
        lines.append(Line(word("fixed_facts", lang, facts=facts), "dim"))
    lines.extend(Line(_note(n, lang), "warn") for n in found.notes)
    if not found.complete and not found.notes:
        lines.append(Line(word("incomplete", lang), "warn"))
    return Section(word("changes", lang), tuple(lines))


def _changed(rulebook, facts, lang: str, how: dict | None = None) -> str:
    """``fact new (now old)`` for each fact changed; ``how`` says how a value of the case
    was derived ("49 = 70 seized less 21 proven untrue or duplicated (Art. 11(3))")."""
    out = []
    for f, old, new in facts:
        now = fact_value(rulebook, f, old, lang)
        if how and f in how:
            now = f"{now} = {how[f]}"
        label, value = fact_label(rulebook, f, lang), fact_value(rulebook, f, new, lang)
        if lang == "zh":
            out.append(f"{label} {value}（{word('now', lang)}{now}）")
        else:
            out.append(f"{label} {value} ({word('now', lang)} {now})")
    return word("and", lang).join(out)


# ------------------------------------------------------------------ unknown facts
def unknowns_section(rulebook, found: Unknowns, lang: str) -> Section:
    from ..analysis.adapted import with_record_fields

    rulebook = with_record_fields(rulebook, [spec for _, spec in found.record_fields])
    sep = "、" if lang == "zh" else ", "
    facts = sep.join(fact_label(rulebook, u, lang) for u in found.unknown)
    lines = []
    if not found.open and not found.complete:
        lines.append(Line(word("not_shown_fixed", lang, facts=facts), "warn"))
    elif not found.open:
        fixed = [
            f"{local(rulebook.conclusions[n].label, lang, n)}{_colon(lang)}"
            f"{_conclusion(rulebook, n, _only(found, n), lang)}"
            for n in found.fixed
        ]
        lines.append(
            Line(
                word("fixed", lang, facts=facts), "applied", tuple(Line(t, "value") for t in fixed)
            )
        )
    else:
        children = []
        for name, values in found.open:
            label = local(rulebook.conclusions[name].label, lang, name)
            shown = list(
                dict.fromkeys(_value_text(rulebook, name, v, found.variables, lang) for v in values)
            )
            each = tuple(Line(v, "value") for v in shown)  # one a line: values hold commas, "or"
            children.append(Line(word("could_be", lang, label=label), "miss", each))
        lines.append(Line(word("open", lang, facts=facts), "warn", tuple(children)))
        for fact, decides, where in found.ranked:
            name = fact_label(rulebook, fact, lang)
            if not decides:
                lines.append(Line(word("decides_nothing", lang, fact=name), "dim"))
                continue
            points = tuple(_breakpoint_line(rulebook, fact, bp, lang) for bp in where)
            lines.append(Line(word("decides", lang, fact=name, n=decides), "", points))
    lines.extend(Line(_note(n, lang), "warn") for n in found.notes)
    if not found.complete and not found.notes:
        lines.append(Line(word("incomplete", lang), "warn"))
    return Section(word("unknowns", lang), tuple(lines))


def _note(note: str, lang: str) -> str:
    """A note of the analysis (a bounded search, a budget spent) in the reader's language."""
    import re

    budget = re.match(r"the search stopped after its budget of (\d+) decisions", note)
    if budget:
        return word("budget", lang, n=budget.group(1))
    searched = re.match(r"found by a bounded search, not computed: (.*)", note)
    if searched:
        return word("searched", lang, why=searched.group(1))
    return note


def _only(found: Unknowns, name: str) -> Any:
    for outcome, _ in found.outcomes:
        for n, v in outcome:
            if n == name:
                return v
    return None


# ------------------------------------------------------------------ breakpoints
def _breakpoint_line(rulebook, fact: str, bp, lang: str) -> Line:
    children = []
    for name, before, after in bp.changes:
        label = local(rulebook.conclusions[name].label, lang, name)
        old = _shown(rulebook, name, before, lang)
        new = _shown(rulebook, name, after, lang)
        children.append(Line(f"{label}{_colon(lang)}{old} → {new}", "value"))
    for key, rules, style in (("starts", bp.starts, "applied"), ("stops", bp.stops, "dim")):
        if rules:
            provisions = tuple(Line(rule_heading(rulebook, r, lang), style) for r in rules)
            children.append(Line(word(key, lang), style, provisions))
    value = fact_value(rulebook, fact, bp.value, lang)
    try:
        along = field_spec(rulebook, parse_path(fact)).type.kind in (
            "integer",
            "decimal",
            "money",
            "date",
        )
    except (KeyError, AttributeError):
        along = True
    key = "from" if along else "if_value"  # a yes/no fact or a member: the value it takes
    return Line(word(key, lang, value=value), "", tuple(children))


def _shown(rulebook, name: str, value: Any, lang: str) -> str:
    if isinstance(value, Unset) and value.why.startswith("is in conflict"):
        rules = value.why.removeprefix("is in conflict between rules ").split(", ")
        return word("conflict", lang, cites=_cites(rulebook, rules, lang))
    if value is None or isinstance(value, Unset):
        return show_value(Unset(name, ""), None, lang)
    return _conclusion(rulebook, name, value, lang)


def breakpoints_explanation(book, found: Breakpoints, as_of, lang: str) -> Explanation:
    rb = book.rulebook
    sep = "、" if lang == "zh" else ", "
    names = [v.name for v in found.variables]
    if len(names) == 1:
        facts = fact_label(rb, names[0], lang)
    else:  # the regions' conditions use the facts' names: say what each is
        facts = sep.join(
            f"{_label_only(rb, n, lang)}（{n}）"
            if lang == "zh"
            else f"{_label_only(rb, n, lang)} ({n})"
            for n in names
        )
    headline = word("along", lang, facts=facts)
    steps = [
        word(
            "step",
            lang,
            fact=fact_label(rb, v.name, lang),
            step=format_number(Fraction(1, v.scale)),
        )
        for v in found.variables
        if v.kind in ("decimal", "money")
    ]
    if steps:  # say how finely the fact moves, where it is not whole units
        headline += ("；" if lang == "zh" else "; ") + sep.join(steps)
    subtitle = f"{explanation_word('as_of', lang)} {show_date(as_of, lang)}" if as_of else ""
    sections = []
    if len(found.variables) == 1:
        fact = names[0]
        points = [_breakpoint_line(rb, fact, bp, lang) for bp in found.breakpoints]
        if not points:
            points = [Line(word("no_breakpoints", lang), "dim")]
        if found.method == "search":  # every value decided where the range is small
            said = "decided_each" if found.complete else "searched"
            points.append(Line(word(said, lang, why=found.not_linear), "warn"))
        sections.append(Section(word("breakpoints", lang), tuple(points)))
        varying = _varying([s.conclusions for s in found.segments])
        if len(found.segments) == 1:  # one range: its whole outcome is the answer
            varying = {n for n, _ in found.segments[0].conclusions}
        rows = []
        for s in found.segments:
            low = fact_value(rb, fact, s.low, lang) if s.low is not None else "−∞"
            high = fact_value(rb, fact, s.high, lang) if s.high is not None else "∞"
            span = f"{low} – {high}" if lang == "en" else f"{low}至{high}"
            rows.append(
                Line(
                    span,
                    "",
                    _outcome_lines(rb, s.conclusions, varying, found.variables, s.error, lang),
                )
            )
        sections.append(Section(word("segments", lang), tuple(rows)))
    else:
        varying = _varying([r.outcome.conclusions for r in found.regions])
        rows = []
        for r in found.regions:
            text = (
                word("and", lang).join(
                    _constraint_text(rb, c, found.variables, lang) for c in r.constraints
                )
                or "—"
            )
            rows.append(
                Line(
                    text,
                    "",
                    _outcome_lines(
                        rb, r.outcome.conclusions, varying, found.variables, r.outcome.error, lang
                    ),
                )
            )
        if found.method == "not_linear":
            rows = [Line(word("plane_not_linear", lang, why=found.not_linear), "warn")]
        sections.append(Section(word("regions", lang), tuple(rows)))
    if not found.complete and found.method == "exact":
        sections[-1] = Section(
            sections[-1].title, sections[-1].lines + (Line(word("incomplete", lang), "warn"),)
        )
    return Explanation(headline, subtitle, tuple(sections))


def _varying(outcomes: list) -> set[str]:
    """The conclusions that differ somewhere in the range: the only ones worth a column."""
    seen: dict[str, list] = {}
    for conclusions in outcomes:
        for name, value in conclusions:
            if not any(value == v for v in seen.setdefault(name, [])):
                seen[name].append(value)
    return {n for n, vs in seen.items() if len(vs) > 1 or any(isinstance(v, Lin) for v in vs)}


def _outcome_lines(rb, conclusions, varying, variables, error, lang) -> tuple[Line, ...]:
    if error:
        return (Line(word("error", lang, why=error), "conflict"),)
    out = []
    for name, value in conclusions:
        if name not in varying:
            continue
        label = local(rb.conclusions[name].label, lang, name)
        shown = _value_text(rb, name, value, variables, lang)
        out.append(Line(f"{label}{_colon(lang)}{shown}", "value"))
    return tuple(out)


def _value_text(rb, name: str, value: Any, variables, lang: str) -> str:
    """A conclusion's value, or the formula it follows (``illegal gains – 5 × illegal
    gains``) where it follows the varied or unknown facts."""
    t = rb.conclusions[name].type
    if isinstance(value, Lin):
        return show_lin(rb, value, variables, t, lang)
    if isinstance(value, tuple) and any(isinstance(v, Lin) for v in value):
        low, high = (
            show_lin(rb, v, variables, t, lang) if isinstance(v, Lin) else show_value(v, t, lang)
            for v in value
        )
        return f"{low}至{high}" if lang == "zh" else f"{low} – {high}"
    return _shown(rb, name, value, lang)


def show_lin(rb, lin: Lin, variables: tuple[Variable, ...], t, lang: str) -> str:
    """A value that follows the varied facts: "5 × illegal gains" (in the facts' own units)."""
    parts = []
    for index, coef in lin.coefs:
        v = variables[index]
        k = coef * (1 if v.kind == "date" else v.scale)
        name = fact_label(rb, v.name, lang)
        parts.append(name if k == 1 else word("times", lang, k=format_number(k), fact=name))
    if lin.const:
        parts.append(show_value(lin.const, t, lang))
    return " + ".join(parts)


def _constraint_text(rb, c, variables: tuple[Variable, ...], lang: str) -> str:
    """``10 × sensitive_items + important_items ≥ 5000``, in the facts' own units. Regions of
    two facts name them as the headline introduces them, so that conditions stay short."""
    from fractions import Fraction

    terms = [(variables[index], coef) for index, coef in c.coefs]
    if len(terms) == 1:
        v, coef = terms[0]
        bound = Fraction(-c.const, coef)  # in units
        value = v.value(int(bound)) if bound.denominator == 1 else bound / v.scale
        op = "=" if c.equal else ("≥" if coef > 0 else "≤")
        return f"{v.name} {op} {fact_value(rb, v.name, value, lang)}"
    weights = [(v, coef * (1 if v.kind == "date" else v.scale)) for v, coef in terms]
    bound, op = -c.const, "=" if c.equal else "≥"
    if all(k < 0 for _, k in weights):  # written the way a reader expects: a + b ≤ n
        weights, bound, op = [(v, -k) for v, k in weights], -bound, "=" if c.equal else "≤"
    shown = []
    for v, k in weights:
        term = v.name if abs(k) == 1 else f"{format_number(abs(k))} × {v.name}"
        shown.append(("− " if k < 0 else "+ ") + term if shown else ("−" if k < 0 else "") + term)
    return f"{' '.join(shown)} {op} {format_number(bound)}"


__all__ = [
    "breakpoints_explanation",
    "changes_section",
    "unknowns_section",
    "show_path",
]
