"""Source spans and diagnostics: what went wrong, where, shown the way compilers show it.

Every diagnostic carries a stable code (so tests and editors can match on it), a span
(file, line, column) and, when rendered, the offending source line with a caret under the
span. The engine's checker reuses these classes, so a syntax error and a type error look alike.
"""

from __future__ import annotations

import functools
import unicodedata
from enum import StrEnum

import attrs


@attrs.frozen(slots=False)  # slots=False: room for the cached lines
class Source:
    """A rule text and the name it came from (a path, or ``<string>``)."""

    name: str
    text: str

    @functools.cached_property
    def lines(self) -> list[str]:
        """The text's lines as the parser counts them: split at ``\\n`` only, once.

        Lark counts lines by ``\\n`` alone, so this must too: ``str.splitlines`` would also
        split at form feeds, U+2028 and the like, and put a diagnostic past the end of the file.
        A ``\\r`` before the ``\\n`` (a CRLF file) is not part of the line.
        """
        return [line.removesuffix("\r") for line in self.text.split("\n")]

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of a character offset, counted as the parser counts."""
        offset = max(0, min(offset, len(self.text)))
        line_start = self.text.rfind("\n", 0, offset) + 1
        return self.text.count("\n", 0, offset) + 1, offset - line_start + 1

    def line(self, number: int) -> str:
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return ""


@attrs.frozen
class Span:
    """A region of a source: 1-based line and column, end exclusive."""

    source: Source = attrs.field(eq=False, repr=False)
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def file(self) -> str:
        return self.source.name

    def location(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"

    def excerpt(self) -> str:
        """The source line and a caret line underlining the span (first line only)."""
        text = self.source.line(self.line)
        start = max(self.column - 1, 0)
        if self.end_line == self.line and self.end_column > self.column:
            width = self.end_column - self.column
        else:
            width = max(len(text) - start, 1)
        if len(text) > WINDOW:
            # A long line is shown as a window around the span, so the caret stays in view.
            left = max(0, min(start - WINDOW // 3, len(text) - WINDOW))
            right = min(len(text), left + WINDOW)
            width = min(width, right - start)
            text = ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")
            start = start - left + (1 if left else 0)
        text = printable(text)
        # Chinese characters occupy two terminal cells; pad the caret line to match.
        pad = sum(2 if _wide(ch) else 1 for ch in text[:start])
        marks = sum(2 if _wide(ch) else 1 for ch in text[start : start + width]) or 1
        gutter = f"{self.line:>4} | "
        return f"{gutter}{text}\n{' ' * (len(gutter) - 2)}| {' ' * pad}{'^' * marks}"

    def to_json(self) -> dict:
        return {
            "file": self.source.name,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


def printable(text: str) -> str:
    """A source line as one terminal line, one cell per character as columns count them.

    A tab becomes a space; a character that would break the line, move the cursor or reorder
    the text on screen (form feed, carriage return, U+2028, a bidirectional control, an
    escape sequence's ESC, ...) becomes U+FFFD, so it is seen and the caret stays under the
    right character. Every line a terminal shows that holds text from a user passes here.
    """
    if text.isprintable():
        return text
    return "".join(
        " " if ch == "\t" else "\ufffd" if unicodedata.category(ch) in _UNSHOWN else ch
        for ch in text
    )


_UNSHOWN = frozenset(("Cc", "Cf", "Zl", "Zp"))  # controls, formats, line/paragraph separators


def _wide(ch: str) -> bool:
    return ord(ch) >= 0x1100 and (
        0x1100 <= ord(ch) <= 0x115F
        or 0x2E80 <= ord(ch) <= 0xA4CF
        or 0xAC00 <= ord(ch) <= 0xD7A3
        or 0xF900 <= ord(ch) <= 0xFAFF
        or 0xFE30 <= ord(ch) <= 0xFE4F
        or 0xFF00 <= ord(ch) <= 0xFF60
        or 0xFFE0 <= ord(ch) <= 0xFFE6
    )


WINDOW = 120  # characters of a source line shown around a span


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Diagnostic:
    """One finding about a rule text, with a stable code such as ``E201``."""

    code: str
    message: str
    span: Span | None
    severity: Severity = Severity.ERROR
    help: str | None = None
    file: str | None = None  # where there is no span: the file the finding is about

    def render(self) -> str:
        where = self.span.location() if self.span else (self.file or "<rules>")
        out = [f"{where}: {self.severity.value}[{self.code}]: {self.message}"]
        if self.span is not None:
            out.append(self.span.excerpt())
        if self.help:
            out.append(f"     = help: {self.help}")
        return "\n".join(out)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "span": self.span.to_json() if self.span else None,
            "file": self.span.file if self.span else self.file,
            "help": self.help,
        }


class DiagnosticError(Exception):
    """Raised when a rule text has errors; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.render() for d in diagnostics))
