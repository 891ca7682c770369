"""ruleengine: legal rules written as text, checked, compiled once, evaluated and explained.

The public API, for programs and plugins::

    import ruleengine
    book = ruleengine.load_paths(["rules/"])          # or ruleengine.load_text(text)
    decision = book.decide(facts, as_of)               # fast path: the decision only
    trace = book.explain(facts, as_of)                 # the decision and why

Input adapters read the fields they use with ``read_value`` / ``read_field`` (and
``enum_type``), exactly as the rulebook's validation reads facts.
"""

import importlib
from typing import TYPE_CHECKING

#: Where each public name lives. Imported when first used (PEP 562), so that a command imports
#: only what it needs: ``ruleengine --help`` does not load the checker, the compiler and Lark.
_PUBLIC = {
    "Diagnostic": "ruleengine_dsl.diagnostics",
    "DiagnosticError": "ruleengine_dsl.diagnostics",
    "CustomType": "ruleengine.checker",
    "FunctionSpec": "ruleengine.checker",
    "Rulebook": "ruleengine.checker",
    "CompiledRulebook": "ruleengine.compiler",
    "FactProblem": "ruleengine.facts",
    "FactsError": "ruleengine.facts",
    "enum_type": "ruleengine.facts",
    "read_field": "ruleengine.facts",
    "read_value": "ruleengine.facts",
    "hookimpl": "ruleengine.hookspecs",
    "load_paths": "ruleengine.loader",
    "load_text": "ruleengine.loader",
    "Computed": "ruleengine.plugins",
    "InputAdapter": "ruleengine.plugins",
    "PluginError": "ruleengine.plugins",
    "PluginFailed": "ruleengine.plugins",
    "Renderer": "ruleengine.plugins",
    "RuleSource": "ruleengine.plugins",
    "get_plugin_manager": "ruleengine.plugins",
    "Conflict": "ruleengine.runtime",
    "Decision": "ruleengine.runtime",
    "EvaluationError": "ruleengine.runtime",
    "Trace": "ruleengine.trace",
}


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'ruleengine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


if TYPE_CHECKING:
    from ruleengine_dsl.diagnostics import Diagnostic, DiagnosticError

    from .checker import CustomType, FunctionSpec, Rulebook
    from .compiler import CompiledRulebook
    from .facts import FactProblem, FactsError, enum_type, read_field, read_value
    from .hookspecs import hookimpl
    from .loader import load_paths, load_text
    from .plugins import (
        Computed,
        InputAdapter,
        PluginError,
        PluginFailed,
        Renderer,
        RuleSource,
        get_plugin_manager,
    )
    from .runtime import Conflict, Decision, EvaluationError
    from .trace import Trace

__version__ = "0.1.0"

__all__ = [
    "CompiledRulebook",
    "Computed",
    "Conflict",
    "CustomType",
    "Decision",
    "Diagnostic",
    "DiagnosticError",
    "EvaluationError",
    "FactProblem",
    "FactsError",
    "FunctionSpec",
    "InputAdapter",
    "PluginError",
    "PluginFailed",
    "Renderer",
    "RuleSource",
    "Rulebook",
    "Trace",
    "get_plugin_manager",
    "hookimpl",
    "load_paths",
    "enum_type",
    "load_text",
    "read_field",
    "read_value",
]
