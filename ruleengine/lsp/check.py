"""One check of a rulebook for the editor: every file parsed, the rulebook checked when all
parse, the diagnostics by file, and the index of names.

Never raises on a bad text: whatever goes wrong, even a bug of the checker, becomes a
diagnostic, because an editor's server that dies on a keystroke is worse than any message.
"""

from __future__ import annotations

import traceback

import attrs

from ruleengine_dsl.diagnostics import Diagnostic, DiagnosticError

from ..checker import Rulebook
from ..loader import check_modules
from .index import Index

#: A folder with more rule files than this is not checked as a rulebook: the document alone is.
MAX_FILES = 200


@attrs.define
class Analysis:
    """What one check found. ``diagnostics`` is keyed by source name, with an entry (maybe
    empty) for every file checked, so the editor clears what was fixed."""

    diagnostics: dict[str, list[Diagnostic]]
    index: Index
    rulebook: Rulebook | None


def analyze(
    name: str, sources: list[tuple[str, str]], pm, last_good: dict | None = None
) -> Analysis:
    """Parse and check ``sources`` (``(name, text)``) as the rulebook ``name``.

    ``last_good`` maps a source name to its last module that parsed: a file that does not
    parse now is indexed as it last did, so hover and completion go on working while a line is
    half typed. It is updated in place.
    """
    from ruleengine_dsl.parser import parse

    last_good = {} if last_good is None else last_good
    found: dict[str, list[Diagnostic]] = {src: [] for src, _ in sources}
    modules, failed = [], False
    for src, text in sources:
        try:
            module = parse(text, src)
        except DiagnosticError as err:
            failed = True
            found[src] += err.diagnostics
            if src in last_good:
                modules.append(last_good[src])
            continue
        except Exception as err:  # a bug: shown where the user looks, not a dead server
            failed = True
            found[src].append(_internal(err, src))
            continue
        last_good[src] = module
        modules.append(module)
    rulebook = None
    if not failed:
        try:
            rulebook = check_modules(name, modules, pm)
            problems = rulebook.warnings
        except DiagnosticError as err:
            problems = err.diagnostics
        except Exception as err:
            problems = [_internal(err, sources[0][0])]
        for d in problems:
            where = d.span.file if d.span is not None else d.file
            found.setdefault(where if where in found else sources[0][0], []).append(d)
    try:
        index = Index(modules)
    except Exception as err:
        found[sources[0][0]].append(_internal(err, sources[0][0]))
        index = Index([])
    return Analysis(found, index, rulebook)


def _internal(err: Exception, file: str) -> Diagnostic:
    where = traceback.extract_tb(err.__traceback__)[-1:]
    at = f" at {where[0].filename}:{where[0].lineno}" if where else ""
    return Diagnostic(
        "E070",
        f"internal error while checking ({type(err).__name__}: {err}{at})",
        None,
        help="a bug in ruleengine, not in this text: please report it with the text",
        file=file,
    )
