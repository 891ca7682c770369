"""The text renderer: the explanation as a tree, in colour on a terminal, plain otherwise."""

from __future__ import annotations

import io

from ruleengine_dsl.collector import gc_paused
from ruleengine_dsl.diagnostics import printable

from ..hookspecs import hookimpl
from ..plugins import Renderer
from .explanation import Explanation, Line, build

STYLES = {
    "applied": "bold green",
    "set_aside": "yellow",
    "not_met": "",
    "miss": "magenta",
    "conflict": "bold red",
    "dim": "dim",
    "value": "bold",
    "warn": "yellow",
}


#: Lines as long as this (in cells) go through rich, which would wrap them.
PLAIN_WIDTH = 10_000


def _add(tree, line: Line) -> None:
    from rich.markup import escape

    style = STYLES.get(line.style, "")
    text = escape(printable(line.text))
    branch = tree.add(f"[{style}]{text}[/]" if style else text)
    for child in line.children:
        _add(branch, child)


def render(
    trace, lang: str = "en", color: bool = False, width: int = 100, names: bool = False
) -> str:
    with gc_paused():
        return render_explanation(build(trace, lang, names=names), color, width)


def render_explanation(explanation: Explanation, color: bool = False, width: int = 100) -> str:
    """Any explanation (a decision's, a what-if's) as a tree of lines.

    Without colour, the tree is written here, the same text rich writes (tests hold them to
    it): rich laid out each line as styled segments, about 2 ms for the Art. 5 trace and a
    fifth of the start of ``ruleengine explain`` to import."""
    if not color:
        text = _plain(explanation)
        if text is not None:
            return text
    from rich.console import Console
    from rich.markup import escape
    from rich.tree import Tree

    out = io.StringIO()
    console = Console(
        file=out,
        # On a terminal, lines wrap at its width; elsewhere (files, pipes) each finding stays on
        # one line, so numbers and Chinese text are never split and output diffs line by line.
        width=width if color else 10_000,
        color_system="auto" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
    )
    console.print(f"[bold]{escape(printable(explanation.headline))}[/]")
    console.print(f"[dim]{escape(printable(explanation.subtitle))}[/]")
    for section in explanation.sections:
        if not section.lines:
            continue
        tree = Tree(f"[bold]{escape(printable(section.title))}[/]", guide_style="dim")
        for line in section.lines:
            _add(tree, line)
        console.print(tree)
    return out.getvalue()


def _plain(explanation: Explanation) -> str | None:
    """The tree as plain text, or None for a line rich would wrap."""
    lines = [printable(explanation.headline), printable(explanation.subtitle)]
    for section in explanation.sections:
        if section.lines:
            lines.append(printable(section.title))
            _branches(section.lines, "", lines)
    if any(2 * len(line) >= PLAIN_WIDTH for line in lines):  # a wide character takes 2 cells
        return None
    return "\n".join(lines) + "\n"


def _branches(children: list[Line], prefix: str, out: list[str]) -> None:
    """Each line with rich's guides: a stack, not recursion, for a deep tree."""
    stack = [(prefix, children, 0)]
    while stack:
        prefix, children, i = stack.pop()
        if i == len(children):
            continue
        line, last = children[i], i == len(children) - 1
        out.append(prefix + ("└── " if last else "├── ") + printable(line.text))
        stack.append((prefix, children, i + 1))
        if line.children:
            stack.append((prefix + ("    " if last else "│   "), line.children, 0))


def render_annotated(trace, lang: str = "en", color: bool = False) -> str:
    return render(trace, lang, color, names=True)


@hookimpl
def ruleengine_renderers():
    return [
        Renderer("text", render, "a readable tree for lawyers; colour on a terminal"),
        Renderer(
            "annotated",
            render_annotated,
            "the text tree with the rule book's own names and expressions, for rule authors",
        ),
    ]
