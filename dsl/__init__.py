"""The language front end of ruleengine: grammar, parser, syntax tree and diagnostics.

It imports nothing of the engine, so editors and linters can use it on its own.
"""

from .diagnostics import Diagnostic, DiagnosticError, Severity, Source, Span
from .parser import parse, parse_file

__all__ = [
    "Diagnostic",
    "DiagnosticError",
    "Severity",
    "Source",
    "Span",
    "parse",
    "parse_file",
]
