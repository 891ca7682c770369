"""``ruleengine fmt``: rule files put in the canonical layout, or (``--check``) shown as a diff.

The layout itself is :mod:`ruleengine_dsl.formatter` (the language front end, so an editor or
the language server can use it alone); this module reads and writes the files, with the
loader's safe reads (regular files only, bounded, no link out of a folder).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import attrs

from ruleengine_dsl.diagnostics import Diagnostic, DiagnosticError
from ruleengine_dsl.formatter import format_text

from .loader import MAX_RULE_FILE_BYTES, read_rule_file, rule_files


@attrs.define
class Outcome:
    """What ``fmt`` did: the files changed (or, under ``--check``, that would change), their
    diffs, and the diagnostics of the files that could not be read or parsed (left as they are)."""

    changed: list[str] = attrs.Factory(list)
    diffs: list[str] = attrs.Factory(list)
    diagnostics: list[Diagnostic] = attrs.Factory(list)
    #: The files formatted that could not be written, each with why (left as they were).
    unwritten: list[tuple[str, str]] = attrs.Factory(list)


def diff(old: str, new: str, name: str) -> str:
    """A unified diff from ``old`` to ``new``, as ``diff -u`` and ``git diff`` show it."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), name, name + " (formatted)"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def format_stream(stream, check: bool) -> tuple[str, bool]:
    """A rule text read from a binary ``stream`` (standard input, for editors), bounded as a
    rule file is: its formatted text (``check``: the diff) and whether it changed."""
    data = stream.read(MAX_RULE_FILE_BYTES + 1)
    if len(data) > MAX_RULE_FILE_BYTES:
        raise DiagnosticError(
            [Diagnostic("E004", f"more than {MAX_RULE_FILE_BYTES} bytes", None, file="<stdin>")]
        )
    try:
        old = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DiagnosticError(
            [Diagnostic("E004", "not UTF-8 text", None, file="<stdin>")]
        ) from None
    new = format_text(old, "<stdin>")
    return (diff(old, new, "<stdin>") if check else new), new != old


def format_paths(paths: list[Path], check: bool) -> Outcome:
    """Format every rule file named or under a folder named; under ``check`` write nothing."""
    outcome = Outcome()
    for given in paths:
        try:
            files = rule_files(given)
        except DiagnosticError as err:
            outcome.diagnostics.extend(err.diagnostics)
            continue
        for path in files:
            try:
                old = read_rule_file(path)
                new = format_text(old, str(path))
            except DiagnosticError as err:
                outcome.diagnostics.extend(err.diagnostics)
                continue
            if new == old:
                continue
            if check:
                outcome.changed.append(str(path))
                outcome.diffs.append(diff(old, new, str(path)))
                continue
            try:
                _replace(path, new)
            except OSError as err:
                outcome.unwritten.append((str(path), err.strerror or str(err)))
            else:
                outcome.changed.append(str(path))
    return outcome


def _replace(path: Path, text: str) -> None:
    """``path`` holding ``text``, or as it was: written beside it and moved into its place,
    so that a full disk or a file that may not change (a read-only mount, ``chattr +i``)
    leaves the rule file whole, never cut short. A link named is followed: the file it
    points at is the one changed, with its mode."""
    import os
    import stat
    import tempfile

    target = path.resolve() if path.is_symlink() else path
    mode = stat.S_IMODE(os.stat(target).st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
