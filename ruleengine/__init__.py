"""ruleengine: legal rules written as text, checked, compiled once, evaluated and explained.

The public API, for programs and plugins::

    import ruleengine
    book = ruleengine.load_paths(["rules/"])          # or ruleengine.load_text(text)
    decision = book.decide(facts, as_of)               # fast path: the decision only
    trace = book.explain(facts, as_of)                 # the decision and why

Input adapters read the fields they use with ``read_value`` / ``read_field`` (and
``enum_type``), exactly as the rulebook's validation reads facts.
"""

from ruleengine_dsl.diagnostics import Diagnostic, DiagnosticError

from .checker import CustomType, FunctionSpec, Rulebook
from .compiler import CompiledRulebook
from .facts import FactProblem, FactsError, enum_type, read_field, read_value
from .hookspecs import hookimpl
from .loader import load_paths, load_text
from .plugins import (
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
