"""The language front end of ruleengine: grammar, parser, syntax tree and diagnostics.

It imports nothing of the engine, so editors and linters can use it on its own. Its names
are imported when first used (PEP 562): reading a diagnostic does not load Lark.
"""

import importlib
from typing import TYPE_CHECKING

_PUBLIC = {
    "Diagnostic": "diagnostics",
    "DiagnosticError": "diagnostics",
    "Severity": "diagnostics",
    "Source": "diagnostics",
    "Span": "diagnostics",
    "parse": "parser",
    "parse_file": "parser",
}


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
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
