"""The explanation a lawyer reads, as language-neutral structure built from a trace.

The text and Markdown renderers lay out the same sections: the outcome; the provisions that
decided it with the figures that meet them; the nearest miss toward the next level up; rules
set aside by an exception and by which; conflicts; rules not met; how facts were derived.
"""

from __future__ import annotations

import datetime
import re
from fractions import Fraction
from typing import Any

import attrs

from ..memo import per_rulebook
from ..runtime import Unset
from ..trace import Atom, Trace
from ..types import EnumType, LocalText, MoneyType, format_number

#: Between the quoted members of a list on one line (a label may hold a comma itself).
LIST_SEP = {"en": ", ", "zh": "、"}

WORDS = {
    "outcome": {"en": "Outcome", "zh": "结论"},
    "as_of": {"en": "as of", "zh": "适用日期"},
    "applied": {"en": "Provisions that decide it", "zh": "据以认定的条款"},
    "set_aside": {"en": "Set aside by an exception", "zh": "因例外规定不予适用"},
    "miss": {"en": "Nearest miss toward a higher outcome", "zh": "距更高认定最近的差距"},
    "not_met": {"en": "Provisions not met", "zh": "未满足的条款"},
    "conflicts": {"en": "Conflicts between rules", "zh": "规则冲突"},
    "derivations": {"en": "How the facts were counted", "zh": "事实的计算"},
    "sources": {"en": "Sources", "zh": "法律依据"},
    "note": {"en": "note", "zh": "说明"},
    "thresholds": {"en": "Thresholds used and where they come from", "zh": "所用标准及其出处"},
    "since": {"en": "from {day}", "zh": "自{day}起"},
    "unverified": {"en": "unverified", "zh": "未核实"},
    "doc_in_force": {"en": "in force {span}", "zh": "施行期间：{span}"},
    "doc_not_in_force": {
        "en": "not in force on {day} (in force {span})",
        "zh": "{day}未施行（施行期间：{span}）",
    },
    "span_from": {"en": "from {start}", "zh": "自{start}起"},
    "span_between": {"en": "from {start} until {end}", "zh": "{start}至{end}"},
    "not_in_force": {"en": "not in force on this date", "zh": "于该日期未生效"},
    "nothing_in_force": {
        "en": "No provision of this rulebook was in force on {day}.",
        "zh": "{day}，本规则集的条款均未生效。",
    },
    "set_aside_by": {"en": "set aside by {rules}", "zh": "被{rules}排除适用"},
    "needs": {
        "en": "{level} ({cite}) needs {what} {op} {right}; the case has {left} (short by {gap})",
        "zh": "认定{level}（{cite}）需要{what}{op}{right}；本案为{left}（尚差{gap}）",
    },
    "none_decided": {"en": "not decided", "zh": "未认定"},
    "says": {"en": "{rule} says {value}", "zh": "{rule}认定为{value}"},
    "within": {"en": "in {via}", "zh": "见{via}"},
    "test_needs": {"en": "the provision needs {op} {right}", "zh": "条件为{op}{right}"},
    "needs_op": {
        "en": {
            ">=": "at least {right}",
            ">": "more than {right}",
            "<=": "at most {right}",
            "<": "less than {right}",
            "=": "{right}",
            "!=": "anything but {right}",
        },
        "zh": {
            ">=": "达到{right}以上",
            ">": "超过{right}",
            "<=": "不超过{right}",
            "<": "低于{right}",
            "=": "为{right}",
            "!=": "不为{right}",
        },
    },
    "needs_short": {"en": "the provision needs {what}", "zh": "须{what}"},
    "superseded": {"en": "outweighed by a higher finding", "zh": "被更重的认定吸收"},
    "untouched": {
        "en": "{n} provision(s) the case has nothing of (amounts or items of 0)",
        "zh": "另有{n}项条款本案不涉及（相关数额或者条数为0）",
    },
    "not_in_force_list": {
        "en": "not in force on this date: {cites}",
        "zh": "于该日期未施行：{cites}",
    },
    "negated": {"en": "{via} (which must not hold)", "zh": "{via}（该条件须不成立）"},
    "undecided_not_in_force": {
        "en": "not decided: no provision that decides it is in force on {day}",
        "zh": "未认定：{day}没有施行中的条款对此作出规定",
    },
    "test_one_of": {
        "en": "the provision needs one of: {members}",
        "zh": "条件为以下之一：{members}",
    },
    "test_none_of": {
        "en": "the provision needs none of: {members}",
        "zh": "条件为不属于以下任何一项：{members}",
    },
    "and_more": {"en": "… and {n} more", "zh": "……另有{n}项"},
    "count_not_in_force": {
        "en": "{n} provision(s) not in force on this date",
        "zh": "{n}项条款于该日期未生效",
    },
}

#: Tests listed under one provision not met, before "… and N more".
MAX_TESTS_SHOWN = 12

_OPS = {">=": "≥", "<=": "≤", "!=": "≠", "=": "=", "<": "<", ">": ">"}


def word(key: str, lang: str, **kw) -> str:
    return WORDS[key][lang].format(**kw)


@attrs.frozen
class Line:
    text: str
    style: str = ""  # applied | set_aside | not_met | miss | conflict | dim | value | warn
    children: tuple[Line, ...] = ()


@attrs.frozen
class Section:
    title: str
    lines: tuple[Line, ...]


@attrs.frozen
class Explanation:
    headline: str
    subtitle: str
    sections: tuple[Section, ...]


def local(text: LocalText | None, lang: str, fallback: str = "") -> str:
    return text.get(lang) if text is not None else fallback


def show_value(value: Any, t: Any = None, lang: str = "en") -> str:
    """A value as a reader expects it: labels for members, currency for money."""
    if isinstance(value, Unset):
        return word("none_decided", lang)
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, EnumType):
        return value.name
    if isinstance(t, EnumType) and isinstance(value, str):
        label = local(t.labels.get(value), lang)
        return label or value  # a member by its label; its name is in the JSON trace
    if isinstance(value, frozenset):
        members = [m for m in t.members if m in value] if isinstance(t, EnumType) else value
        return ("；" if lang == "zh" else "; ").join(show_value(m, t, lang) for m in members) or "—"
    if isinstance(value, tuple) and len(value) == 2:
        low, high = show_value(value[0], t, lang), show_value(value[1], t, lang)
        if low == high:  # one grade, one amount: "开除党籍", not "开除党籍至开除党籍"
            return low
        return f"{low}至{high}" if lang == "zh" else f"{low} – {high}"
    if isinstance(value, datetime.date):
        return show_date(value, lang)
    if isinstance(value, (int, Fraction)):
        number = format_number(value)
        if isinstance(t, MoneyType) and "." in number and len(number.split(".")[1]) == 1:
            number += "0"  # amounts of money show cents: 3200.50
        if isinstance(t, MoneyType):
            return (
                f"{number}元"
                if lang == "zh" and t.currency == "CNY"
                else (f"{number} {t.currency}")
            )
        return number
    if isinstance(value, LocalText):
        return value.get(lang)
    return str(value)


def bracketed(text: str, lang: str) -> str:
    """A note after a value: " (text)", or "（text）" in Chinese (full-width parentheses)."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def show_date(day: datetime.date, lang: str) -> str:
    """2017-06-01, or 2017年6月1日 in Chinese."""
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def citation(rulebook, rule_name: str, lang: str) -> str:
    """``Criminal Law Art. 382(1)`` / ``刑法第三百八十二条第一款``: the provision, and the
    document it is in when the rulebook holds more than one."""
    rule = rulebook.rules[rule_name]
    cite = rule.citation.chinese() if lang == "zh" else rule.citation.short()
    doc = rulebook.documents.get(rule.document) if rule.document else None
    if doc is not None and doc.citation is not None and len(rulebook.documents) > 1:
        prefix = local(doc.citation, lang)
        cite = f"{prefix}{cite}" if lang == "zh" else f"{prefix} {cite}".strip()
    return cite or rule_name


def rule_heading(rulebook, rule_name: str, lang: str, names: bool = False) -> str:
    rule = rulebook.rules[rule_name]
    title = local(rule.title, lang)
    head = f"{citation(rulebook, rule_name, lang)} {title}".strip()
    return f"{head} [{rule_name}]" if names else head


def atom_line(rulebook, atom: Atom, lang: str, names: bool = False) -> Line:
    """One test with its values: "items of tracking information = 60 ≥ 50", or for a test
    that failed, "items of tracking information: 25; the provision needs ≥ 50"."""
    mark = "✓" if atom.result else "✗"
    sep = "；" if lang == "zh" else "; "
    left_type = _left_type(rulebook, atom)
    what = _describe_side(
        rulebook,
        atom.left_input,
        atom.left_text,
        lang,
        atom.left_define,
        atom.left_conclusion,
        names,
    )
    op = atom.op
    if op is None or (op in ("=", "!=") and isinstance(atom.right, bool)):
        # A condition on a yes/no fact reads "fact: yes", not "fact = yes = yes".
        if op is None:
            what = _describe_side(rulebook, atom.left_input, atom.text, lang, None, None, names)
            if atom.left_input is None and not names:
                what = _in_words(rulebook, atom, lang) or what
        definition = _definition_of(rulebook, atom.via)
        if definition is not None and definition.label and definition.body.text == atom.text:
            # The whole definition is this one test: its label says it better than its code.
            what = local(definition.label, lang)
        colon = "：" if lang == "zh" else ": "
        text = f"{mark} {what}{colon}{show_value(atom.left, None, lang)}"
        if not atom.result and op is None and isinstance(atom.left, bool):
            # What would meet it: the other truth value (for a test under "not", too).
            needed = show_value(not atom.left, None, lang)
            text += f"{sep}{word('needs_short', lang, what=needed)}"
    elif op in ("in", "not in"):
        items = list(atom.right)
        if isinstance(left_type, EnumType):
            items = [m for m in left_type.members if m in atom.right]
        elif isinstance(atom.right, (set, frozenset)):
            items = sorted(atom.right, key=str)  # a set has no order of its own
        # Each member quoted: a label may hold a comma or a 、 itself ("selling, or providing").
        members = LIST_SEP[lang].join(f"“{show_value(x, left_type, lang)}”" for x in items)
        key = "test_one_of" if op == "in" else "test_none_of"
        colon = "：" if lang == "zh" else ": "
        text = f"{mark} {what}{colon}{show_value(atom.left, left_type, lang)}{sep}"
        text += word(key, lang, members=members)
    else:
        left = show_value(atom.left, left_type, lang)
        right = show_value(atom.right, left_type, lang)
        colon = "：" if lang == "zh" else ": "
        if atom.result and op == "=":
            text = f"{mark} {what} = {left}"
        elif atom.result and not isinstance(atom.left, str):
            text = f"{mark} {what} = {left} {_OPS[op]} {right}"
        else:
            needed = WORDS["needs_op"][lang][op].format(right=right)
            text = f"{mark} {what}{colon}{left}{sep}{word('needs_short', lang, what=needed)}"
        if names and atom.right_text and not _is_literal(atom.right_text):
            text += f"  ({atom.right_text})"
    if atom.via:
        via = _via(rulebook, atom.via, lang, names)
        if atom.text.startswith("not ("):
            via = word("negated", lang, via=via)
        text += "  · " + word("within", lang, via=via)
    return Line(text, "dim" if not atom.result else "")


def _in_words(rulebook, atom: Atom, lang: str) -> str | None:
    """A test written as an expression ("any(bribe_counted(a) and ... for a in acts)") in
    words, as the rulebook's documentation words it (``doc.words``): a lawyer reads labels."""
    node = _expressions(rulebook).get(_where(atom.span))
    if node is None:
        return None
    from ..doc.words import inline

    try:
        return inline(rulebook, node, lang)
    except Exception:  # noqa: BLE001 - a construct without words keeps its text
        return None


def _where(span) -> tuple:
    return (span.file, span.line, span.column, span.end_line, span.end_column)


@per_rulebook
def _expressions(rulebook) -> dict[tuple, Any]:
    """Every expression of the rules and definitions, by where it is written."""
    from .. import ir

    out: dict[tuple, Any] = {}
    stack = [r.when for r in rulebook.rules.values() if getattr(r, "when", None) is not None]
    stack += [d.body for d in rulebook.definitions.values()]
    while stack:
        node = stack.pop()
        if not isinstance(node, ir.Expr):
            continue
        out.setdefault(_where(node.span), node)
        stack.extend(ir.children(node))
    return out


def _is_literal(text: str) -> bool:
    """A threshold written as a plain number or amount needs no second mention."""
    return re.fullmatch(r"\d+(\.\d+)?( ?(yuan|CNY|元))?", text.strip()) is not None


def _left_type(rulebook, atom: Atom):
    if atom.left_input:
        return rulebook.inputs[atom.left_input].type
    if atom.left_define:
        return rulebook.definitions[atom.left_define].type
    if atom.left_conclusion:
        return rulebook.conclusions[atom.left_conclusion].type
    return None


def _describe_side(
    rulebook,
    input_name: str | None,
    text: str | None,
    lang: str,
    define: str | None = None,
    conclusion: str | None = None,
    names: bool = False,
) -> str:
    """An input, definition or conclusion by its label (with its name in the annotated
    format); anything else as written."""
    for name, table in (
        (conclusion, rulebook.conclusions),
        (input_name, rulebook.inputs),
        (define, rulebook.definitions),
    ):
        if name:
            label = local(table[name].label, lang)
            if not label:
                return name
            return f"{label} ({name})" if names else label
    return text or ""


def build(
    trace: Trace,
    lang: str = "en",
    max_not_met: int = 12,
    names: bool = False,
    show_text: bool | None = None,
) -> Explanation:
    """The explanation of one decision. ``names`` adds the engine's own names (rules, inputs,
    definitions' arguments and expressions), for rule authors; lawyers read it without."""
    rb = trace.rulebook
    lang = "zh" if lang == "zh" else "en"
    day = trace.as_of
    show_text = trace.show_text if show_text is None else show_text
    not_decided = set(trace.not_decided)
    decided_by: dict[str, list[str]] = {}
    for r in trace.rules:
        for conclusion, _, _ in r.conclusions:
            decided_by.setdefault(conclusion, []).append(r.name)
    # Outcome: the first conclusion is the headline; the others follow when a rule decided them
    # (or the version of a provision that applied, the law in time, did).
    from . import in_time

    other_version = in_time.replaced(trace)
    outcome_lines = []
    shown_conclusions: list[str] = []
    for name, c in rb.conclusions.items():
        value = trace.decision.conclusions[name]
        label = local(c.label, lang, name)
        if name in not_decided:
            # Nothing that decides it was in force: its default is no decision.
            shown = word("undecided_not_in_force", lang, day=show_date(day, lang))
        elif outcome_lines and name not in decided_by and name not in other_version:
            continue
        else:
            shown = show_value(value, c.type, lang)
        colon = "：" if lang == "zh" else ": "
        outcome_lines.append(Line(f"{label}{colon}{shown}", "value"))
        shown_conclusions.append(name)
    with_rules = {rule.document for rule in rb.rules.values()}
    subtitle = f"{word('as_of', lang)} {show_date(day, lang)}"
    deciding = _deciding_documents(trace, shown_conclusions, other_version)
    shown_docs = [d for d in rb.documents.values() if d.name in deciding]
    if not shown_docs:
        # Nothing decided (every conclusion at its default): the texts in force say so.
        shown_docs = [
            d for d in rb.documents.values() if d.name in with_rules and _doc_in_force(d, day)
        ]
    if shown_docs:
        # Two documents cited alike (the Criminal Law for Art. 12 and for Art. 253-1) are
        # named once: the line says which texts decide, not how the rulebook files them.
        cited = (local(d.citation, lang) or local(d.title, lang, d.name) for d in shown_docs)
        subtitle += " · " + " / ".join(dict.fromkeys(cited))
    sections = [Section(word("outcome", lang), tuple(outcome_lines[1:]))]
    if not trace.decision.in_force:
        sections.append(
            Section(
                word("not_in_force", lang),
                (Line(word("nothing_in_force", lang, day=day.isoformat()), "dim"),),
            )
        )
    # How the facts were derived (input adapters), next to the outcome they lead to.
    if trace.notes:
        lines = [Line(_note_text(n, lang), "dim") for n in trace.notes]
        sections.append(Section(word("derivations", lang), tuple(lines)))
    # The law in time: which version each lighter block applied, and why.
    cite = lambda name: citation(rb, name, lang) + (f" [{name}]" if names else "")  # noqa: E731
    time_section = in_time.section(trace, lang, cite)
    if time_section is not None:
        sections.append(time_section)
    # Applied rules.
    applied = []
    for r in trace.rules:
        if r.status != "applied":
            continue
        children = _text_of(rb, r.name, lang) if show_text else []
        children += [atom_line(rb, a, lang, names) for a in r.evidence]
        for conclusion, value, upper in r.conclusions:
            c = rb.conclusions[conclusion]
            shown = show_value((value, upper) if upper is not None else value, c.type, lang)
            if conclusion in other_version:
                shown += bracketed(in_time.word("other_version", lang), lang)
            elif c.kind == "highest" and value != trace.decision.conclusions[conclusion]:
                shown += bracketed(word("superseded", lang), lang)
            colon = "：" if lang == "zh" else ": "
            children.append(Line(f"→ {local(c.label, lang, conclusion)}{colon}{shown}", "value"))
        children.extend(_caveats(rb.rules[r.name], lang))
        applied.append(Line(rule_heading(rb, r.name, lang, names), "applied", tuple(children)))
    if applied:
        sections.append(Section(word("applied", lang), tuple(applied)))
    # Nearest miss.
    misses = []
    seen_tests: set[tuple] = set()
    for m in trace.misses:
        key = (m.rule, m.atom.text, m.atom.via)
        if key in seen_tests:
            continue  # the same shortfall toward a second conclusion: said once
        seen_tests.add(key)
        c = rb.conclusions[m.conclusion]
        a = m.atom
        left_type = _left_type(rb, a)
        what = _describe_side(
            rb, a.left_input, a.left_text, lang, a.left_define, a.left_conclusion, names
        )
        misses.append(
            Line(
                word(
                    "needs",
                    lang,
                    level=show_value(m.level, c.type, lang),
                    cite=citation(rb, m.rule, lang),
                    what=what,
                    op=_OPS[a.op],
                    right=show_value(a.right, left_type, lang),
                    left=show_value(a.left, left_type, lang),
                    gap=show_value(a.shortfall(), left_type, lang),
                )
                + _reached_with(rb, m, lang, trace.notes),
                "miss",
                tuple(_caveats(rb.rules[m.rule], lang)),
            )
        )
    if misses:
        sections.append(Section(word("miss", lang), tuple(misses)))
    # Set aside.
    aside = []
    for r in trace.rules:
        if r.status == "set_aside":
            by = ", ".join(
                citation(rb, o, lang) + (f" [{o}]" if names else "") for o in r.set_aside_by
            )
            aside.append(
                Line(
                    rule_heading(rb, r.name, lang, names),
                    "set_aside",
                    (Line(word("set_aside_by", lang, rules=by), "dim"),),
                )
            )
    if aside:
        sections.append(Section(word("set_aside", lang), tuple(aside)))
    # Conflicts.
    if trace.decision.conflicts:
        lines = []
        for conflict in trace.decision.conflicts:
            c = rb.conclusions[conflict.conclusion]
            claims = tuple(
                Line(
                    word(
                        "says",
                        lang,
                        rule=citation(rb, rule, lang) + (f" [{rule}]" if names else ""),
                        value=show_value(value, c.type, lang),
                    ),
                    "conflict",
                )
                for rule, value in conflict.claims
            )
            lines.append(Line(local(c.label, lang, conflict.conclusion), "conflict", claims))
        sections.append(Section(word("conflicts", lang), tuple(lines)))
    # Not met.
    not_met = [r for r in trace.rules if r.status == "not_met"]
    untouched = [r for r in not_met if _untouched(r)]
    not_met = [r for r in not_met if not _untouched(r)]
    lines = []
    for r in not_met[:max_not_met]:
        # Every condition it misses, then those it meets (marked as holding).
        failed = [atom_line(rb, a, lang, names) for a in r.evidence if not a.result]
        held = [atom_line(rb, a, lang, names) for a in r.evidence if a.result]
        shown = (failed + held)[:MAX_TESTS_SHOWN]
        if len(failed) + len(held) > MAX_TESTS_SHOWN:
            more = len(failed) + len(held) - MAX_TESTS_SHOWN
            shown.append(Line(word("and_more", lang, n=more), "dim"))
        if show_text:
            shown = _text_of(rb, r.name, lang) + shown
        lines.append(Line(rule_heading(rb, r.name, lang, names), "not_met", tuple(shown)))
    if len(not_met) > max_not_met:
        lines.append(Line(word("and_more", lang, n=len(not_met) - max_not_met), "dim"))
    if untouched:
        lines.append(Line(word("untouched", lang, n=len(untouched)), "dim"))
    off = [r.name for r in trace.rules if r.status == "not_in_force"]
    if off and trace.decision.in_force:
        cites = sorted({citation(rb, name, lang) for name in off})
        sep = "；" if lang == "zh" else "; "
        shown = sep.join(cites[:6]) + (f"{sep}…" if len(cites) > 6 else "")
        lines.append(Line(word("not_in_force_list", lang, cites=shown), "dim"))
    if lines:
        sections.append(Section(word("not_met", lang), tuple(lines)))
    # What would change it, and what unknown facts could still decide (when asked for).
    if trace.changes is not None or trace.unknowns is not None:
        from .whatif import changes_section, unknowns_section

        if trace.unknowns is not None:
            sections.append(unknowns_section(rb, trace.unknowns, lang))
        if trace.changes is not None:
            sections.append(changes_section(rb, trace.changes, lang))
    # The thresholds: each dated parameter the rules read, its value on the day and source.
    thresholds = []
    for p in trace.parameters():
        param = rb.parameters[p.name]
        label = local(p.label, lang, p.name) + (f" [{p.name}]" if names else "")
        since = word("since", lang, day=show_date(p.since, lang)) if p.since else ""
        ref = f" · {local(p.reference, lang)}" if p.reference else ""
        value = show_value(p.value, param.type, lang)
        colon = "：" if lang == "zh" else ": "
        thresholds.append(
            Line(
                f"{label}{colon}{value}（{since}）{ref}"
                if lang == "zh"
                else f"{label}{colon}{value} ({since}){ref}",
                "dim",
            )
        )
    if thresholds:
        sections.append(Section(word("thresholds", lang), tuple(thresholds)))
    # The sources: what is in force, what is not yet or no longer, what is unverified.
    sources = []
    for d in rb.documents.values():
        if d.name not in with_rules:
            continue  # a file of declarations only: nothing in it decides anything
        title = local(d.title, lang, d.name)
        cite = local(d.citation, lang)
        head = f"{title}{bracketed(cite, lang)}" if cite and cite != title else title
        key = "doc_in_force" if _doc_in_force(d, day) else "doc_not_in_force"
        start = show_date(d.effective, lang) if d.effective else "…"
        if d.until:
            span = word("span_between", lang, start=start, end=show_date(d.until, lang))
        elif d.effective:
            span = word("span_from", lang, start=start)
        else:
            span = ""
        when = word(key, lang, span=span, day=show_date(day, lang)) if span else ""
        flags: tuple[Line, ...] = ()
        if d.meta.get("unverified") is not None:
            colon = "：" if lang == "zh" else ": "
            flag = f"{word('unverified', lang)}{colon}{local(d.meta['unverified'], lang)}"
            flags = (Line(flag, "warn"),)
        shown = f"{head} — {when}" if when else head
        sources.append(Line(shown, "dim" if key == "doc_in_force" else "", flags))
    if sources:
        sections.append(Section(word("sources", lang), tuple(sources)))
    headline = outcome_lines[0].text if outcome_lines else ""
    return Explanation(headline, subtitle, tuple(sections))


def _deciding_documents(trace: Trace, shown: list[str], other_version: set[str]) -> set[str]:
    """The documents of the rules that decided a conclusion the outcome shows: each applied
    rule's claim that stands (not one a higher finding outweighs, nor one the version in force
    on the act date replaced), and for a replaced conclusion the rules that decided it under
    that version. A document with rules that decided nothing in this case is not named."""
    rb = trace.rulebook
    decided = trace.decision.conclusions
    shown_set = set(shown)
    rules: set[str] = set()
    for r in trace.rules:
        if r.status != "applied":
            continue
        for conclusion, value, _ in r.conclusions:
            if conclusion not in shown_set or conclusion in other_version:
                continue
            if rb.conclusions[conclusion].kind == "highest" and value != decided[conclusion]:
                continue  # outweighed by a higher finding: it did not decide the level
            rules.add(r.name)
            break
    for choice in trace.choices:
        if choice.reason != "act_version" or not choice.at_act_rules:
            continue
        for name, by in zip(rb.lighters[choice.lighter].decides, choice.at_act_rules, strict=False):
            if name in shown_set:
                rules.update(by)
    return {rb.rules[name].document for name in rules if name in rb.rules}


def _text_of(rb, rule_name: str, lang: str) -> list[Line]:
    """The provision's own words, as the rule text quotes them."""
    text = local(rb.rules[rule_name].text, lang)
    return [Line(f"“{text}”" if lang == "en" else f"“{text}”", "dim")] if text else []


def shorts_of(derivations, lang: str) -> dict[str, str]:
    """The adapters' short accounts of the counts of the case, by fact."""
    return {
        d["fact"]: d["short"][lang]
        for d in derivations
        if isinstance(d.get("short"), dict) and lang in d["short"]
    }


def _reached_with(rb, miss, lang: str, notes=()) -> str:
    """The checked change, when it is more than the test's own fact moved to its threshold:
    "; reached with: gain 100 CNY (now 10 CNY) and items 50 (now 30)"; a count an input
    adapter derived says how (``notes``: "now 49 = 70 seized less 21 proven untrue ...")."""
    changes = miss.changes
    if not changes or (len(changes) == 1 and changes[0][0] == miss.atom.left_input):
        return ""
    how = shorts_of([n for n in notes if isinstance(n, dict)], lang)
    parts = []
    for fact, old, new in changes:
        if fact in rb.inputs:
            spec = rb.inputs[fact]
            label = local(spec.label, lang, fact)
            now, new = show_value(old, spec.type, lang), show_value(new, spec.type, lang)
        else:  # a field of a record in a list: "amount involved (acts[0].amount)"
            from .whatif import fact_label, fact_value

            label = fact_label(rb, fact, lang)
            now, new = fact_value(rb, fact, old, lang), fact_value(rb, fact, new, lang)
        if fact in how:
            now = f"{now} = {how[fact]}"
        parts.append(f"{label}{new}（现为{now}）" if lang == "zh" else f"{label} {new} (now {now})")
    joined = "，且".join(parts) if lang == "zh" else " and ".join(parts)
    return f"；可达到：{joined}" if lang == "zh" else f"; reached with: {joined}"


def _definition_of(rulebook, via: str | None):
    if not via:
        return None
    return rulebook.definitions.get(via.partition("(")[0])


def _via(rulebook, via: str, lang: str, names: bool = False) -> str:
    """``item3_met(k = 0.5)`` by the definition's label; its arguments in the annotated format."""
    name, paren, rest = via.partition("(")
    definition = rulebook.definitions.get(name)
    label = local(definition.label, lang) if definition is not None else ""
    if not label:
        return via
    if names and paren and rest != ")":
        return f"{label} ({rest}"
    return label


def _untouched(r) -> bool:
    """A provision the case has nothing of: every test it failed counts an amount or items
    of 0 (and it failed some)."""
    failed = [a for a in r.evidence if not a.result]
    return bool(failed) and all(
        a.op in (">=", ">")
        and isinstance(a.left, (int, Fraction))
        and not isinstance(a.left, bool)
        and a.left == 0
        for a in failed
    )


def _doc_in_force(doc, day) -> bool:
    return not ((doc.effective and day < doc.effective) or (doc.until and day >= doc.until))


def _caveats(rule, lang: str) -> list[Line]:
    """A rule's notes (readings that are the encoder's own) and what is unverified in it."""
    colon = "：" if lang == "zh" else ": "
    lines = [Line(f"{word('note', lang)}{colon}{local(n, lang)}", "dim") for n in rule.notes]
    lines += [
        Line(f"{word('unverified', lang)}{colon}{local(n, lang)}", "warn") for n in rule.unverified
    ]
    return lines


def _note_text(note: Any, lang: str) -> str:
    if isinstance(note, dict):
        for key in (lang, "text", "en", "zh"):
            if isinstance(note.get(key), str):
                return note[key]
        return "; ".join(f"{k}: {v}" for k, v in note.items())
    return str(note)
