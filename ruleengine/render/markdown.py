"""The Markdown renderer: the same explanation as headings and nested lists."""

from __future__ import annotations

from ruleengine_dsl.diagnostics import printable

from ..hookspecs import hookimpl
from ..plugins import Renderer
from .explanation import Explanation, Line, build


def _escape(text: str) -> str:
    text = printable(text)  # no control character from a user's text reaches a terminal
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text


#: Markdown with every character that could start markup escaped (for ``ruleengine doc`` too).
escape = _escape


def _lines(line: Line, depth: int) -> list[str]:
    text = _escape(line.text)
    if line.style in ("applied", "conflict", "value"):
        text = f"**{text}**"
    out = ["  " * depth + f"- {text}"]
    for child in line.children:
        out.extend(_lines(child, depth + 1))
    return out


def render(trace, lang: str = "en", color: bool = False) -> str:
    return render_explanation(build(trace, lang, show_text=True))


def render_explanation(explanation: Explanation) -> str:
    """Any explanation (a decision's, a what-if's) as headings and lists."""
    out = [f"# {_escape(explanation.headline)}", "", f"*{_escape(explanation.subtitle)}*", ""]
    for section in explanation.sections:
        if not section.lines:
            continue
        out.append(f"## {_escape(section.title)}")
        out.append("")
        for line in section.lines:
            out.extend(_lines(line, 0))
        out.append("")
    return "\n".join(out)


@hookimpl
def ruleengine_renderers():
    return [Renderer("markdown", render, "headings and lists, for reports and tickets")]
