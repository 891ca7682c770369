"""The text renderer: the explanation as a tree, in colour on a terminal, plain otherwise."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

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


def _add(tree: Tree, line: Line) -> None:
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
    """Any explanation (a decision's, a what-if's) as a tree of lines."""
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
