"""The plugin contract: every hook ruleengine calls, and nothing else.

Hook names carry the ``ruleengine_`` prefix. Each hook returns a list of what it contributes
(collected from every plugin, in registration order); none is ``firstresult``. A plugin
implements any subset with ``@ruleengine.hookimpl``. docs/plugins.md documents each hook and
tests/test_plugins.py holds a ``test_hook_<name>`` for each.

What a hook returns is checked when it is received (``plugins.py``): anything but a list of
the class named below disables the plugin as a whole, reported by the plugin's name.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("ruleengine")
hookimpl = pluggy.HookimplMarker("ruleengine")


@hookspec
def ruleengine_rule_sources() -> list:
    """Rulebooks this plugin provides.

    Return a list of :class:`ruleengine.plugins.RuleSource` (a name, the rule files or
    folders, a title). The command line lists them with ``ruleengine rules`` and loads one
    by name.
    """


@hookspec
def ruleengine_functions() -> list:
    """Functions that rule texts may call.

    Return a list of :class:`ruleengine.checker.FunctionSpec`: a name, a ``signature``
    callable that takes the argument types and returns the result type (raising
    ``TypeError`` with a message for the rule author when they do not fit), and a pure
    ``impl``. Exact values only: ints and Fractions in, ints and Fractions out.
    """


@hookspec
def ruleengine_types() -> list:
    """Named types that rule texts may declare inputs with.

    Return a list of :class:`ruleengine.checker.CustomType`: a name, a base type and an
    optional lower bound (the built-in ``count`` is an integer with minimum 0).
    """


@hookspec
def ruleengine_input_adapters() -> list:
    """Adapters that turn a raw case record into the facts a rulebook declares.

    Return a list of :class:`ruleengine.plugins.InputAdapter`: the rulebook it serves and
    ``adapt(record) -> (facts, derivations)``, where derivations are JSON-ready notes on how
    each fact was reached (shown in the trace). An adapter leaves a record it does not
    recognise unchanged.
    """


@hookspec
def ruleengine_renderers() -> list:
    """Output formats for explanations.

    Return a list of :class:`ruleengine.plugins.Renderer`: a format name (``text``,
    ``markdown``, ``json`` are built in) and ``render(trace, lang, color) -> str``.
    """
