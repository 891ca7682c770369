"""Coverage by provision as text, Markdown or JSON (``ruleengine test --coverage``)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from ruleengine_dsl.diagnostics import printable

from ..coverage import Coverage, Gap, RuleCoverage, percent

COVERAGE_FORMAT = "ruleengine-coverage"
COVERAGE_VERSION = 1

_HEAD = ("article", "rules", "fired", "seen failing", "exceptions", "outcomes", "%")


def _by_article(cov: Coverage) -> dict[str, dict[str, list[RuleCoverage]]]:
    """document -> article -> rules, in the order the rules are written."""
    out: dict[str, dict[str, list[RuleCoverage]]] = {}
    for r in cov.rules:
        out.setdefault(r.document or "-", {}).setdefault(r.article, []).append(r)
    return out


def _row(article: str, rules: list[RuleCoverage]) -> tuple[str, ...]:
    seen = possible = 0
    for r in rules:
        s, p = r.outcomes()
        seen, possible = seen + s, possible + p
    with_cond = [r for r in rules if r.has_condition]
    overrides = [(r, t) for r in rules for t in r.overrides]
    return (
        article,
        str(len(rules)),
        f"{sum(r.fired for r in rules)}/{len(rules)}",
        f"{sum(r.failed for r in with_cond)}/{len(with_cond)}",
        f"{sum(t in r.set_aside for r, t in overrides)}/{len(overrides)}" if overrides else "-",
        f"{seen}/{possible}",
        f"{percent(seen, possible):.1f}",
    )


def _summary(cov: Coverage) -> str:
    seen, possible = cov.totals()
    fired = sum(r.fired for r in cov.rules)
    return (
        f"{cov.rulebook}: {cov.tests} tests; rules fired {fired}/{len(cov.rules)} "
        f"({cov.rule_percent():.1f}%); outcomes seen {seen}/{possible} "
        f"({cov.condition_percent():.1f}%)"
    )


def _where(span) -> str:
    """file:line:col, the file relative to the working folder when it is under it."""
    path = Path(span.file)
    with contextlib.suppress(ValueError):
        path = path.relative_to(Path.cwd())
    return f"{path}:{span.line}:{span.column}"


def describe(gap: Gap) -> str:
    """A gap as the report words it, by the rule's name and the condition as written (the
    report is for whoever writes the rules; the documentation words gaps for lawyers)."""
    if gap.kind == "never_fired":
        return f"rule {gap.rule} never fired"
    if gap.kind == "never_failed":
        return f"rule {gap.rule} never seen not to fire"
    if gap.kind == "never_set_aside":
        return f"exception {gap.rule} never set {gap.target} aside"
    c = gap.condition
    missing = " nor ".join("true" if value else "false" for value in gap.missing)
    return f"{c.kind} {c.text} never seen {missing}"


def _untested(cov: Coverage) -> list[str]:
    return [f"{_where(g.span)}: {printable(describe(g))}" for r in cov.rules for g in r.untested()]


def _gap_json(gap: Gap) -> dict:
    shown = {
        "kind": gap.kind,
        "rule": gap.rule,
        "file": gap.span.file,
        "line": gap.span.line,
        "column": gap.span.column,
        "message": describe(gap),
    }
    if gap.target is not None:
        shown["target"] = gap.target
    if gap.condition is not None:
        shown["condition"] = gap.condition.text
        shown["missing"] = list(gap.missing)
    return shown


def render_text(cov: Coverage) -> str:
    lines = []
    for document, articles in _by_article(cov).items():
        rows = [_HEAD] + [_row(a, rules) for a, rules in articles.items()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(_HEAD))]
        lines.append(f"{document}")
        for row in rows:
            cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
            lines.append("  " + "  ".join(cells).rstrip())
        lines.append("")
    untested = _untested(cov)
    if untested:
        lines.append("not tested:")
        lines.extend("  " + u for u in untested)
        lines.append("")
    lines.append(_summary(cov))
    return "\n".join(lines)


def _md(text: str) -> str:
    text = printable(text)
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text


def render_markdown(cov: Coverage) -> str:
    lines = [f"# Coverage of {_md(cov.rulebook)}", "", _md(_summary(cov)), ""]
    for document, articles in _by_article(cov).items():
        lines += [f"## {_md(document)}", "", "| " + " | ".join(_HEAD) + " |"]
        lines.append("|" + "---|" * len(_HEAD))
        lines += ["| " + " | ".join(map(_md, _row(a, r))) + " |" for a, r in articles.items()]
        lines.append("")
    untested = _untested(cov)
    if untested:
        lines += ["## Not tested", ""] + [f"- {_md(u)}" for u in untested] + [""]
    return "\n".join(lines)


def _rule_json(r: RuleCoverage) -> dict:
    seen, possible = r.outcomes()
    return {
        "rule": r.name,
        "document": r.document,
        "article": r.article,
        "citation": r.citation,
        "file": r.span.file,
        "line": r.span.line,
        "column": r.span.column,
        "tests_in_force": r.run,
        "fired": r.fired,
        "seen_failing": r.failed if r.has_condition else None,
        "exceptions": [{"target": t, "set_aside": t in r.set_aside} for t in r.overrides],
        "conditions": [
            {
                "text": c.text,
                "kind": c.kind,
                "file": c.span.file,
                "line": c.span.line,
                "column": c.span.column,
                "seen_true": True in c.seen,
                "seen_false": False in c.seen,
            }
            for c in r.conditions
        ],
        "outcomes": {"seen": seen, "possible": possible},
        "untested": [_gap_json(g) for g in r.untested()],
    }


def coverage_json(cov: Coverage) -> dict:
    seen, possible = cov.totals()
    return {
        "format": COVERAGE_FORMAT,
        "version": COVERAGE_VERSION,
        "rulebook": cov.rulebook,
        "tests": cov.tests,
        "rules_fired": {"seen": sum(r.fired for r in cov.rules), "possible": len(cov.rules)},
        "rule_percent": cov.rule_percent(),
        "outcomes": {"seen": seen, "possible": possible},
        "outcome_percent": cov.condition_percent(),
        "rules": [_rule_json(r) for r in cov.rules],
    }
