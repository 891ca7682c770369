"""From rule files to a compiled rulebook: parse every file, check them together, compile.

A rulebook is one or more rule files checked as one: a jurisdiction can keep the
interpretation and the statute it applies in separate files that read each other's names.
"""

from __future__ import annotations

from pathlib import Path

from ruleengine_dsl import parse
from ruleengine_dsl.diagnostics import Diagnostic, DiagnosticError

from .checker import Checker, Rulebook
from .compiler import CompiledRulebook

RULE_SUFFIX = ".rules"
MAX_RULE_FILE_BYTES = 2_000_000


def rule_files(path: str | Path) -> list[Path]:
    """A rule file, or every ``*.rules`` file under a folder, in a stable order."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob(f"*{RULE_SUFFIX}") if p.is_file())
    return [path]


def read_sources(paths: list[Path]) -> list[tuple[str, str]]:
    sources = []
    for p in paths:
        try:
            if p.stat().st_size > MAX_RULE_FILE_BYTES:
                raise DiagnosticError(
                    [
                        Diagnostic(
                            "E004", f"larger than {MAX_RULE_FILE_BYTES} bytes", None, file=str(p)
                        )
                    ]
                )
            # utf-8-sig: a byte-order mark, as some editors write, is not part of the text.
            sources.append((str(p), p.read_text(encoding="utf-8-sig")))
        except UnicodeDecodeError:
            raise DiagnosticError(
                [Diagnostic("E004", "not UTF-8 text", None, file=str(p))]
            ) from None
        except OSError as err:
            raise DiagnosticError(
                [Diagnostic("E004", f"cannot read ({err.strerror})", None, file=str(p))]
            ) from None
    return sources


def check_sources(name: str, sources: list[tuple[str, str]], pm=None) -> Rulebook:
    """Parse and check rule texts as one rulebook; raises ``DiagnosticError`` with all errors."""
    from .plugins import get_plugin_manager, registered_functions, registered_types

    pm = pm or get_plugin_manager()
    modules, problems = [], []
    for source_name, text in sources:
        try:
            modules.append(parse(text, source_name))
        except DiagnosticError as err:
            problems.extend(err.diagnostics)
    if problems:
        raise DiagnosticError(problems)
    checker = Checker(registered_types(pm), registered_functions(pm))
    try:
        return checker.check(name, modules)
    except RecursionError:
        raise DiagnosticError(
            [
                Diagnostic(
                    "E212",
                    "definitions or expressions nested too deeply to check",
                    None,
                    help="a chain of many definitions, each using the next: shorten it",
                    file=name,
                )
            ]
        ) from None


def load_text(text: str, name: str = "<string>", pm=None) -> CompiledRulebook:
    return CompiledRulebook(check_sources(name, [(name, text)], pm))


def load_paths(paths: list[str | Path], name: str | None = None, pm=None) -> CompiledRulebook:
    files: list[Path] = []
    for p in paths:
        files.extend(rule_files(p))
    if not files:
        raise DiagnosticError(
            [Diagnostic("E004", f"no {RULE_SUFFIX} files in {', '.join(map(str, paths))}", None)]
        )
    label = name or Path(paths[0]).stem
    return CompiledRulebook(check_sources(label, read_sources(files), pm))
