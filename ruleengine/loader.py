"""From rule files to a compiled rulebook: parse every file, check them together, compile.

A rulebook is one or more rule files checked as one: a jurisdiction can keep the
interpretation and the statute it applies in separate files that read each other's names.

Rule files are read safely: only regular files (never a FIFO or a device, which would block or
never end), at most ``MAX_RULE_FILE_BYTES`` read whatever the file claims to hold, and a
symbolic link met while walking a folder is followed only when it stays inside that folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ruleengine_dsl.diagnostics import Diagnostic, DiagnosticError

from .checker import Rulebook
from .compiler import CompiledRulebook

RULE_SUFFIX = ".rules"
MAX_RULE_FILE_BYTES = 2_000_000
#: The files and folders a rules folder may hold, all levels together: ``check /`` walked the
#: whole file system with no end in sight (a seventh QA round).
MAX_FOLDER_ENTRIES = 100_000


def _refused(path: str | Path, why: str) -> Diagnostic:
    return Diagnostic("E004", why, None, file=str(path))


def rule_files(path: str | Path) -> list[Path]:
    """A rule file, or every ``*.rules`` file under a folder, in a stable order.

    A path named directly may be a symbolic link: the user named it. Inside a folder, a link
    (to a rule file or to a folder) whose target lies outside the folder is an error naming
    the link and its target: never followed, never skipped in silence. A link that stays
    inside is not read twice, and a link to a folder is not walked (what it points to is
    walked where it is), so a cycle of links cannot loop the walk.
    """
    path = Path(path)
    if not path.is_dir():
        return [path]
    root = Path(os.path.realpath(path))
    found: dict[Path, Path] = {}  # the file itself -> the path it was found by
    problems: list[Diagnostic] = []

    def unreadable(err: OSError) -> None:  # a folder that cannot be listed is not skipped
        problems.append(_refused(err.filename, f"cannot read ({err.strerror})"))

    # Links to folders are listed in dirs, not entered.
    seen = 0
    for folder, dirs, files in os.walk(path, onerror=unreadable):
        seen += len(dirs) + len(files)
        if seen > MAX_FOLDER_ENTRIES:
            many = f"more than {MAX_FOLDER_ENTRIES:,} files and folders under it"
            raise DiagnosticError([_refused(path, f"{many}: name the rules' own folder")])
        for name in dirs:
            entry = Path(folder, name)
            if entry.is_symlink():
                _check_inside(entry, root, problems)
        for name in files:
            entry = Path(folder, name)
            if not name.endswith(RULE_SUFFIX):
                continue
            if not entry.is_symlink():
                found[Path(os.path.realpath(entry))] = entry  # the file under its own name
            elif _check_inside(entry, root, problems):
                found.setdefault(Path(os.path.realpath(entry)), entry)
    if problems:
        raise DiagnosticError(sorted(problems, key=lambda d: d.file or ""))
    return sorted(found.values())


def _check_inside(link: Path, root: Path, problems: list[Diagnostic]) -> bool:
    """Whether a link found in the folder ``root`` points inside it; if not, say so."""
    target = Path(os.path.realpath(link))  # never raises, even on a loop of links
    if target.is_relative_to(root):
        return True
    problems.append(
        _refused(link, f"a symbolic link to {target}, outside the folder {root}; not followed")
    )
    return False


_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def read_rule_file(path: Path) -> str:
    """The text of one rule file, read with a bounded read from a regular file only.

    The file is opened without blocking and checked on the open descriptor (no window between
    the check and the read), then read up to one byte past the limit: a file growing while it
    is read, or a device that never ends, cannot make the read unbounded.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise DiagnosticError([_refused(path, f"cannot read ({err.strerror})")]) from None
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
            raise DiagnosticError([_refused(path, f"not a regular file: {kind}")])
        try:
            data = f.read(MAX_RULE_FILE_BYTES + 1)
        except OSError as err:
            raise DiagnosticError([_refused(path, f"cannot read ({err.strerror})")]) from None
    if len(data) > MAX_RULE_FILE_BYTES:
        raise DiagnosticError([_refused(path, f"larger than {MAX_RULE_FILE_BYTES} bytes")])
    try:
        # utf-8-sig: a byte-order mark, as some editors write, is not part of the text.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DiagnosticError([_refused(path, "not UTF-8 text")]) from None


def read_sources(paths: list[Path]) -> list[tuple[str, str]]:
    """``(name, text)`` of every file; every file that cannot be read is reported together."""
    sources, problems = [], []
    for p in paths:
        try:
            sources.append((str(p), read_rule_file(p)))
        except DiagnosticError as err:
            problems.extend(err.diagnostics)
    if problems:
        raise DiagnosticError(problems)
    return sources


def check_sources(name: str, sources: list[tuple[str, str]], pm=None) -> Rulebook:
    """Parse and check rule texts as one rulebook; raises ``DiagnosticError`` with all errors."""
    from ruleengine_dsl.parser import parse

    modules, problems = [], []
    for source_name, text in sources:
        try:
            modules.append(parse(text, source_name))
        except DiagnosticError as err:
            problems.extend(err.diagnostics)
    if problems:
        raise DiagnosticError(problems)
    return check_modules(name, modules, pm)


def check_modules(name: str, modules: list, pm=None) -> Rulebook:
    """Check parsed rule files as one rulebook (the language server keeps the parsed files for
    its index, so it checks them without parsing twice)."""
    from .checker import Checker
    from .plugins import get_plugin_manager, registered_functions, registered_types

    pm = pm or get_plugin_manager()
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
    label, sources = sources_of(paths, name)
    return compile_sources(label, sources, pm)


def sources_of(paths: list[str | Path], name: str | None = None) -> tuple[str, list]:
    """The rulebook's name and ``(file name, text)`` of every rule file under ``paths``: what
    ``load_paths`` checks, and what a batch's workers build the rulebook from."""
    files: list[Path] = []
    problems: list[Diagnostic] = []
    for p in paths:
        try:
            files.extend(rule_files(p))
        except DiagnosticError as err:
            problems.extend(err.diagnostics)
    if problems:
        raise DiagnosticError(problems)
    if not files:
        raise DiagnosticError(
            [Diagnostic("E004", f"no {RULE_SUFFIX} files in {', '.join(map(str, paths))}", None)]
        )
    return name or Path(paths[0]).stem, read_sources(files)


def compile_sources(name: str, sources: list[tuple[str, str]], pm=None) -> CompiledRulebook:
    """The rulebook of these sources, from the disk cache when it holds it (``diskcache``),
    else checked, and kept there with its programs as they are generated."""
    from . import diskcache
    from .plugins import get_plugin_manager

    pm = pm or get_plugin_manager()
    entry = diskcache.open_entry(name, sources, pm)
    if entry is not None and entry.rulebook is not None:
        return CompiledRulebook(entry.rulebook, entry)
    rulebook = check_sources(name, sources, pm)
    if entry is not None:
        entry.keep_rulebook(rulebook)
    return CompiledRulebook(rulebook, entry)
