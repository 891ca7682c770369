"""The plugin manager: built-ins registered as plugins, third parties found by entry point.

``get_plugin_manager()`` is a factory (each test gets a fresh manager). A plugin that fails to
import, misspells a hook or raises inside one is recorded in ``pm.plugin_errors`` by name and
left out; the others keep working.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "ruleengine"

#: Built-in behaviour, registered exactly like third-party plugins.
DEFAULT_PLUGINS = (
    "ruleengine.default_functions",
    "ruleengine.default_types",
    "ruleengine.render.text",
    "ruleengine.render.markdown",
    "ruleengine.render.json",
)


@attrs.frozen
class RuleSource:
    """A rulebook a plugin provides: rule files or folders of ``*.rules`` files."""

    name: str
    paths: tuple[Path, ...]
    title: str = ""
    examples: Path | None = None


@attrs.frozen
class InputAdapter:
    """Turns a raw case record into facts for one rulebook (``None``: any rulebook)."""

    name: str
    rulebook: str | None
    adapt: Callable[[dict], tuple[dict, list]]
    description: str = ""


@attrs.frozen
class Renderer:
    name: str
    render: Callable[..., str]
    description: str = ""


@attrs.frozen
class PluginError:
    plugin: str
    message: str


class PluginManager(pluggy.PluginManager):
    def __init__(self):
        super().__init__("ruleengine")
        self.plugin_errors: list[PluginError] = []

    def collect(self, hook_name: str) -> list[tuple[str, Any]]:
        """Call one hook on every plugin separately; a plugin that raises is recorded."""
        out = []
        hook = getattr(self.hook, hook_name)
        for impl in hook.get_hookimpls():  # registration order: built-ins first
            name = self.get_name(impl.plugin) or impl.plugin_name
            try:
                result = impl.function()
            except Exception as err:  # a broken plugin must not take the others down
                self.plugin_errors.append(PluginError(name, f"{hook_name}: {err!r}"))
                continue
            for item in result or ():
                out.append((name, item))
        return out


def get_plugin_manager(load_entry_points: bool = True) -> PluginManager:
    pm = PluginManager()
    pm.add_hookspecs(hookspecs)
    for module_name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
    if load_entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            try:
                pm.register(ep.load(), name=ep.name)
            except Exception as err:
                pm.plugin_errors.append(PluginError(ep.name, f"failed to load: {err!r}"))
                if pm.get_plugin(ep.name) is not None:  # pluggy keeps a half-registered plugin
                    pm.unregister(name=ep.name)
    _drop_invalid(pm)
    return pm


def _drop_invalid(pm: PluginManager) -> None:
    """Misspelt hook implementations are errors: report the plugin and unregister it."""
    for _ in range(100):
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as err:
            name = pm.get_name(err.plugin) or str(err.plugin)
            pm.plugin_errors.append(PluginError(name, str(err)))
            pm.unregister(err.plugin)


def _unique(pm: PluginManager, hook_name: str, what: str) -> dict[str, tuple[str, Any]]:
    """Contributions by name; a name already taken is reported, never silently replaced."""
    out: dict[str, tuple[str, Any]] = {}
    for plugin, item in pm.collect(hook_name):
        if item.name in out:
            first = out[item.name][0]
            message = f"{what} '{item.name}' is already provided by {first}; ignored"
            error = PluginError(plugin, message)
            if error not in pm.plugin_errors:
                pm.plugin_errors.append(error)
            continue
        out[item.name] = (plugin, item)
    return out


def registered_functions(pm: PluginManager) -> dict:
    return {n: spec for n, (_, spec) in _unique(pm, "ruleengine_functions", "function").items()}


def registered_types(pm: PluginManager) -> dict:
    return {n: t for n, (_, t) in _unique(pm, "ruleengine_types", "type").items()}


def rule_sources(pm: PluginManager) -> dict[str, tuple[str, RuleSource]]:
    return _unique(pm, "ruleengine_rule_sources", "rulebook")


def renderers(pm: PluginManager) -> dict[str, Renderer]:
    return {n: r for n, (_, r) in _unique(pm, "ruleengine_renderers", "format").items()}


def input_adapters(pm: PluginManager, rulebook: str) -> list[InputAdapter]:
    return [a for _, a in pm.collect("ruleengine_input_adapters") if a.rulebook in (None, rulebook)]


def adapter_chain(pm: PluginManager, rulebook: str):
    """One function applying every input adapter for ``rulebook`` in turn.

    Returns ``adapt(record) -> (facts, derivations)``; derivations go into the trace.
    """
    adapters = input_adapters(pm, rulebook)

    def adapt(record: dict) -> tuple[dict, list]:
        notes: list = []
        for adapter in adapters:
            record, more = adapter.adapt(record)
            notes.extend(more)
        return record, notes

    return adapt
