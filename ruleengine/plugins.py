"""The plugin manager: built-ins registered as plugins, third parties found by entry point.

``get_plugin_manager()`` is a factory (each command and each test gets a fresh manager).
Everything a plugin hands over is checked where it is received, so a broken plugin is
reported by name and never surfaces later as an error that names no one:

- at discovery: an entry point that cannot be imported, a misspelt hook, a second entry point
  of a name already taken;
- when the hooks are first read (``PluginManager.contributions``, once per manager): a hook
  that raises or returns anything but a list of its documented class, with names rule texts
  can write and rule paths that exist. Such a plugin is unregistered as a whole;
- name clashes (two rulebooks ``pi2017``, a type ``count`` or ``integer``, a second ``abs``):
  the first keeps the name (the built-ins are registered first), the later one is left out;
- while a case is handled: input adapters, renderers and functions run wrapped, and a crash or
  a malformed result becomes ``PluginFailed`` naming the plugin (exit 6 on the command line).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import pluggy

from ruleengine_dsl.syntax import RESERVED

from . import hookspecs
from .checker import CustomType, FunctionSpec
from .plugin_guards import (
    CAUGHT,
    PluginFailed,
    describe_exception,
    guard_adapter,
    guard_function,
    guard_renderer,
    one_line,
    shown,
)
from .types import MoneyType, Type

__all__ = ["PluginFailed"]  # raised here by the guards, part of this module's contract

ENTRY_POINT_GROUP = "ruleengine"

#: Built-in behaviour, registered exactly like third-party plugins.
DEFAULT_PLUGINS = (
    "ruleengine.default_functions",
    "ruleengine.default_types",
    "ruleengine.render.text",
    "ruleengine.render.markdown",
    "ruleengine.render.json",
)

#: Type names of the language itself; a plugin type cannot take one.
LANGUAGE_TYPES = ("integer", "decimal", "bool", "date", "duration", "text", "money", "list")

#: A name a rule text can write (the grammar's NAME; tests/test_plugins.py compares them).
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: A rulebook or format name, given on the command line.
WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@attrs.frozen
class RuleSource:
    """A rulebook a plugin provides: rule files or folders of ``*.rules`` files."""

    name: str
    paths: tuple[Path, ...]
    title: str = ""
    examples: Path | None = None
    #: What a case's persons are called when a record lists several: "officials" or
    #: "subjects" (the explanation page's form names its rows after it).
    persons: str | None = None


@attrs.frozen
class Computed:
    """A fact of the rulebook that an input adapter computes from fields of the record
    (``sources``): given beside any of them, it is refused by its path, since the adapter
    would either overwrite it or leave it standing against what it computed, unseen. With
    ``always``, it is never given: the adapter computes it also where no source is given
    (pi2017's ``act_date_given`` says whether a date was)."""

    field: str
    sources: tuple[str, ...]
    always: bool = False


@attrs.frozen
class InputAdapter:
    """Turns a raw case record into facts for one rulebook (``None``: any rulebook)."""

    name: str
    rulebook: str | None
    adapt: Callable[[dict], tuple[dict, list]]
    description: str = ""
    #: The fields of a raw record it reads that the rulebook does not declare (pi2017's
    #: ``acts``), as ``FieldSpec``s with types and labels, for tools that build a record
    #: (the service's case form); optional. A rulebook input listed here is one it reads too
    #: (pi2017's filing date): the what-if reads the record again when it changes.
    fields: tuple = ()
    #: The rulebook's facts it computes, as ``Computed``: the core refuses them given where
    #: it computes them (``plugin_guards.computed_given``) and the schema marks them.
    computes: tuple = ()


@attrs.frozen
class Renderer:
    name: str
    render: Callable[..., str]
    description: str = ""


@attrs.frozen
class PluginError:
    """A plugin left out, in whole (``disabled``) or in part (a name clash)."""

    plugin: str
    message: str
    disabled: bool = True

    def __str__(self) -> str:
        if self.disabled:
            return f"plugin '{self.plugin}' is disabled: {self.message}"
        return f"plugin '{self.plugin}': {self.message}"


@attrs.frozen
class PluginInfo:
    """Where a plugin comes from: its distribution and the module its entry point names."""

    name: str
    module: str = ""
    distribution: str | None = None
    version: str | None = None


@attrs.frozen
class Contributions:
    """What the registered plugins provide, checked, with name clashes resolved.

    Each value is ``(plugin name, item)``; adapters, renderers and functions are wrapped so
    that their failures name the plugin.
    """

    collected: dict[str, list[tuple[str, Any]]]
    rulebooks: dict[str, tuple[str, RuleSource]]
    functions: dict[str, tuple[str, FunctionSpec]]
    types: dict[str, tuple[str, CustomType]]
    adapters: list[tuple[str, InputAdapter]]
    renderers: dict[str, tuple[str, Renderer]]
    clashes: list[PluginError]


class PluginManager(pluggy.PluginManager):
    def __init__(self):
        super().__init__("ruleengine")
        self.info: dict[str, PluginInfo] = {}
        self._errors: list[PluginError] = []
        self._contributions: Contributions | None = None

    def register(self, plugin, name=None):
        self._contributions = None
        name = super().register(plugin, name)
        if name is not None and name not in self.info:
            self.info[name] = PluginInfo(name, getattr(plugin, "__name__", type(plugin).__name__))
        return name

    def unregister(self, plugin=None, name=None):
        self._contributions = None
        return super().unregister(plugin, name)

    def report(self, error: PluginError) -> None:
        self._errors.append(error)

    @property
    def plugin_errors(self) -> list[PluginError]:
        """Every plugin left out, in whole or in part (reading it reads the hooks)."""
        return self._errors + self.contributions().clashes

    def disabled(self) -> dict[str, str]:
        """``{plugin: why}`` for every plugin left out as a whole."""
        return {e.plugin: e.message for e in self.plugin_errors if e.disabled}

    def contributions(self) -> Contributions:
        """Every hook of every plugin, called once (again only after a plugin is
        registered or unregistered); a plugin whose hook fails is unregistered first."""
        if self._contributions is None:
            self._contributions = _gather(self)
        return self._contributions

    def collect(self, hook_name: str) -> list[tuple[str, Any]]:
        """``[(plugin, item)]`` of one hook, checked, in registration order, clashes kept."""
        return list(self.contributions().collected[hook_name])


def get_plugin_manager(load_entry_points: bool = True) -> PluginManager:
    pm = PluginManager()
    pm.add_hookspecs(hookspecs)
    home = _distribution("ruleengine")
    for module_name in DEFAULT_PLUGINS:
        pm.info[module_name] = attrs.evolve(home, name=module_name, module=module_name)
        pm.register(importlib.import_module(module_name), name=module_name)
    if load_entry_points:
        _load_entry_points(pm)
    _drop_invalid(pm)
    return pm


def _distribution(name: str) -> PluginInfo:
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return PluginInfo(name)
    return PluginInfo(name, distribution=dist.name, version=dist.version)


def _origin(ep: importlib.metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    where = f"{dist.name} {dist.version}" if dist is not None else "an unknown distribution"
    return f"'{ep.value}' from {where}"


def _entry_points(pm: PluginManager) -> list[importlib.metadata.EntryPoint]:
    """The installed entry points; a distribution whose metadata cannot be read is reported
    by name and skipped (importlib.metadata would fail for all of them)."""
    try:
        return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    except Exception:
        pass
    out, seen = [], set()
    for dist in importlib.metadata.distributions():
        try:
            name, version = dist.name, dist.version
        except Exception:  # METADATA itself unreadable
            name = version = None
        label = name or str(getattr(dist, "_path", "a distribution"))
        if label in seen:
            continue  # found again further down the path: the first one counts
        seen.add(label)
        try:
            out.extend(dist.entry_points.select(group=ENTRY_POINT_GROUP))
        except Exception as err:
            pm.info[label] = PluginInfo(label, "", name, version)
            problem = f"its entry points cannot be read: {describe_exception(err)}"
            pm.report(PluginError(label, problem))
    return out


def _load_entry_points(pm: PluginManager) -> None:
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for ep in _entry_points(pm):
        first = found.get(ep.name)
        if first is not None or pm.has_plugin(ep.name) or pm.is_blocked(ep.name):
            if first is not None and _origin(first) == _origin(ep):
                continue  # one distribution seen twice on the path
            taken = f"the first, {_origin(first)}" if first else "a built-in"
            pm.report(
                PluginError(
                    ep.name,
                    f"a second entry point of this name, {_origin(ep)}, is ignored; "
                    f"the name belongs to {taken}",
                    disabled=False,
                )
            )
            continue
        found[ep.name] = ep
        dist = getattr(ep, "dist", None)
        pm.info[ep.name] = PluginInfo(
            ep.name,
            ep.value,
            dist.name if dist is not None else None,
            dist.version if dist is not None else None,
        )
        try:
            pm.register(ep.load(), name=ep.name)
        except CAUGHT as err:
            pm.report(PluginError(ep.name, f"failed to load: {describe_exception(err)}"))
            if pm.get_plugin(ep.name) is not None:  # pluggy keeps a half-registered plugin
                pm.unregister(name=ep.name)


def _drop_invalid(pm: PluginManager) -> None:
    """Misspelt hook implementations are errors: report the plugin and unregister it."""
    for _ in range(100):
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as err:
            name = pm.get_name(err.plugin) or str(err.plugin)
            pm.report(PluginError(name, _unknown_hooks(pm, err.plugin) or one_line(str(err))))
            pm.unregister(err.plugin)


def _unknown_hooks(pm: PluginManager, plugin: object) -> str:
    """Name the hooks of ``plugin`` that ruleengine does not define, with the nearest real one
    (pluggy's own message shows the module's repr, a path the user did not ask for)."""
    import difflib

    known = [n for n in vars(pm.hook) if getattr(pm.hook, n).has_spec()]
    problems = []
    for name, caller in sorted(vars(pm.hook).items()):
        if caller.has_spec():
            continue
        if any(i.plugin is plugin and not i.optionalhook for i in caller.get_hookimpls()):
            near = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(f"{name!r} is not a ruleengine hook{hint}")
    return "; ".join(problems)


# ------------------------------------------------------------------ reading the hooks
class _Bad(Exception):
    """A hook result that is not what the hook's documentation asks for."""


def _gather(pm: PluginManager) -> Contributions:
    collected: dict[str, list[tuple[str, Any]]] = {hook: [] for hook in _CHECKS}
    bad: dict[str, str] = {}
    for hook_name, (cls, check) in _CHECKS.items():
        for impl in getattr(pm.hook, hook_name).get_hookimpls():  # built-ins first
            plugin = pm.get_name(impl.plugin) or impl.plugin_name
            if plugin in bad:
                continue
            try:
                items = _checked(hook_name, impl.function(), cls, check)
            except _Bad as err:
                bad[plugin] = str(err)
            except CAUGHT as err:  # a broken plugin must not take the others down
                bad[plugin] = f"{hook_name} raised {describe_exception(err)}"
            else:
                collected[hook_name].extend((plugin, item) for item in items)
    for plugin, message in bad.items():
        pm.report(PluginError(plugin, message))
        pm.unregister(name=plugin)
    collected = {h: [(p, i) for p, i in got if p not in bad] for h, got in collected.items()}
    clashes: list[PluginError] = []

    def unique(hook_name: str, what: str, reserved=()) -> dict[str, tuple[str, Any]]:
        out: dict[str, tuple[str, Any]] = {}
        for plugin, item in collected[hook_name]:
            if item.name in reserved:
                problem = f"{what} '{item.name}' is a name of the language; ignored"
            elif item.name in out:
                problem = (
                    f"{what} '{item.name}' is already provided by {out[item.name][0]}; ignored"
                )
            else:
                out[item.name] = (plugin, item)
                continue
            clashes.append(PluginError(plugin, problem, disabled=False))
        return out

    rulebooks = unique("ruleengine_rule_sources", "rulebook")
    functions = unique("ruleengine_functions", "function")
    types = unique("ruleengine_types", "type", LANGUAGE_TYPES)
    renderers = unique("ruleengine_renderers", "format")
    return Contributions(
        collected=collected,
        rulebooks=rulebooks,
        functions={n: (p, guard_function(p, f)) for n, (p, f) in functions.items()},
        types=types,
        adapters=[(p, guard_adapter(p, a)) for p, a in collected["ruleengine_input_adapters"]],
        renderers={n: (p, guard_renderer(p, r)) for n, (p, r) in renderers.items()},
        clashes=clashes,
    )


def _checked(hook_name: str, result: Any, cls: type, check) -> list:
    if result is None:
        return []
    if not isinstance(result, (list, tuple)):
        raise _Bad(f"{hook_name} returned {shown(result)}, expected a list of {cls.__name__}")
    items = []
    for i, item in enumerate(result):
        if not isinstance(item, cls):
            raise _Bad(f"{hook_name} returned {shown(item)} as item {i}, expected a {cls.__name__}")
        try:
            items.append(check(item))
        except _Bad as err:
            raise _Bad(f"{hook_name}: {cls.__name__} '{_text(item.name)}': {err}") from None
    return items


def _text(value: Any) -> str:
    return value if isinstance(value, str) else shown(value)


def _name(name: Any, pattern: re.Pattern, what: str) -> None:
    if not isinstance(name, str):
        raise _Bad(f"its name is {shown(name)}, not text")
    if not pattern.fullmatch(name):
        raise _Bad(f"the name is not {what}")
    if pattern is NAME and name in RESERVED:
        raise _Bad("the name is a reserved word of the language")


def _text_field(value: Any, field: str) -> None:
    if not isinstance(value, str):
        raise _Bad(f"{field} is {shown(value)}, not text")


def _callable(value: Any, field: str) -> None:
    if not callable(value):
        raise _Bad(f"{field} is {shown(value)}, not a function")


def _check_rule_source(source: RuleSource) -> RuleSource:
    _name(source.name, WORD, "a word (letters, digits, _ . -)")
    _text_field(source.title, "title")
    if isinstance(source.paths, (str, os.PathLike)) or not isinstance(source.paths, (list, tuple)):
        raise _Bad(f"paths is {shown(source.paths)}, expected a tuple of paths")
    if not source.paths:
        raise _Bad("paths is empty")
    paths = []
    for path in source.paths:
        if not isinstance(path, (str, os.PathLike)):
            raise _Bad(f"paths holds {shown(path)}, not a path")
        try:
            exists = Path(path).exists()
        except (OSError, ValueError):  # a name too long, a NUL byte
            exists = False
        if not exists:
            raise _Bad(f"{path} does not exist (are the rule files installed as package data?)")
        paths.append(Path(path))
    examples = source.examples
    if examples is not None and not isinstance(examples, (str, os.PathLike)):
        raise _Bad(f"examples is {shown(examples)}, not a path")
    if source.persons not in (None, "officials", "subjects"):
        raise _Bad(f"persons is {shown(source.persons)}, not 'officials' or 'subjects'")
    return attrs.evolve(
        source, paths=tuple(paths), examples=None if examples is None else Path(examples)
    )


def _check_function(spec: FunctionSpec) -> FunctionSpec:
    _name(spec.name, NAME, "a name rule texts can write (letters, digits, _)")
    _callable(spec.signature, "signature")
    _callable(spec.impl, "impl")
    _text_field(spec.description, "description")
    return spec


#: What a named type can be based on: the types facts can be given in.
BASE_KINDS = ("integer", "decimal", "money", "bool", "date", "duration", "text", "list")


def _check_type(custom: CustomType) -> CustomType:
    _name(custom.name, NAME, "a name rule texts can write (letters, digits, _)")
    base = custom.base
    if not isinstance(base, Type) or base.kind not in BASE_KINDS:
        described = f"{base.describe()} ({type(base).__name__})" if isinstance(base, Type) else None
        raise _Bad(
            f"base is {described or shown(base)}, expected one of the types of ruleengine.types "
            "(INTEGER, DECIMAL, MoneyType(...), BOOL, DATE, DURATION, TEXT, ListType(...))"
        )
    if isinstance(base, MoneyType) and not isinstance(base.currency, str):
        raise _Bad(f"base is {shown(base)}: a currency is a code, such as 'CNY'")
    minimum = custom.minimum
    if minimum is not None and type(minimum) not in (int, Fraction):
        raise _Bad(f"minimum is {shown(minimum)}, expected a whole number or None")
    if minimum is not None and base.kind not in ("integer", "decimal", "money"):
        raise _Bad(f"minimum is {shown(minimum)}, but {base.describe()} is not a number")
    _text_field(custom.description, "description")
    return custom


def _check_adapter(adapter: InputAdapter) -> InputAdapter:
    _name(adapter.name, WORD, "a word (letters, digits, _ . -)")
    if adapter.rulebook is not None and not isinstance(adapter.rulebook, str):
        raise _Bad(f"rulebook is {shown(adapter.rulebook)}, expected a rulebook's name or None")
    _callable(adapter.adapt, "adapt")
    _text_field(adapter.description, "description")
    from .ir import FieldSpec

    if not isinstance(adapter.fields, tuple) or not all(
        isinstance(f, FieldSpec) for f in adapter.fields
    ):
        raise _Bad(f"fields is {shown(adapter.fields)}, expected a tuple of FieldSpec")
    if not isinstance(adapter.computes, tuple) or not all(
        isinstance(c, Computed)
        and isinstance(c.field, str)
        and isinstance(c.sources, tuple)
        and c.sources
        and all(isinstance(x, str) for x in c.sources)
        for c in adapter.computes
    ):
        raise _Bad(
            f"computes is {shown(adapter.computes)}, expected a tuple of Computed(field, "
            "sources), each source a field's name"
        )
    return adapter


def _check_renderer(renderer: Renderer) -> Renderer:
    _name(renderer.name, WORD, "a word (letters, digits, _ . -)")
    _callable(renderer.render, "render")
    _text_field(renderer.description, "description")
    return renderer


#: Each hook: the class its list holds, and the check of one item.
_CHECKS: dict[str, tuple[type, Callable[[Any], Any]]] = {
    "ruleengine_rule_sources": (RuleSource, _check_rule_source),
    "ruleengine_functions": (FunctionSpec, _check_function),
    "ruleengine_types": (CustomType, _check_type),
    "ruleengine_input_adapters": (InputAdapter, _check_adapter),
    "ruleengine_renderers": (Renderer, _check_renderer),
}


# ------------------------------------------------------------------ what the engine asks for
def registered_functions(pm: PluginManager) -> dict[str, FunctionSpec]:
    return {n: spec for n, (_, spec) in pm.contributions().functions.items()}


def registered_types(pm: PluginManager) -> dict[str, CustomType]:
    return {n: t for n, (_, t) in pm.contributions().types.items()}


def rule_sources(pm: PluginManager) -> dict[str, tuple[str, RuleSource]]:
    return dict(pm.contributions().rulebooks)


def renderers(pm: PluginManager) -> dict[str, Renderer]:
    return {n: r for n, (_, r) in pm.contributions().renderers.items()}


def input_adapters(pm: PluginManager, rulebook: str) -> list[InputAdapter]:
    return [a for _, a in pm.contributions().adapters if a.rulebook in (None, rulebook)]


def adapter_chain(pm: PluginManager, rulebook: str, derivations: bool = True):
    """One function applying every input adapter for ``rulebook`` in turn.

    Returns ``adapt(record) -> (facts, derivations)``. Derivations go into the trace, made
    JSON exactly; where they are not shown (``derivations=False``: the fast path, batches)
    they are neither converted nor returned.
    """
    adapters = input_adapters(pm, rulebook)

    def adapt(record: dict) -> tuple[dict, list]:
        notes: list = []
        for adapter in adapters:
            record, more = adapter.adapt(record, derivations)
            notes.extend(more)
        return record, notes

    return adapt


# ------------------------------------------------------------------ the plugins command
PROVIDES = ("rulebooks", "functions", "types", "adapters", "renderers")


def plugin_report(pm: PluginManager) -> list[dict]:
    """Each plugin ever registered or found: where it comes from, its health, what it
    provides and the clashes it lost (``ruleengine plugins``)."""
    got = pm.contributions()
    disabled = pm.disabled()
    clashes: dict[str, list[str]] = {}
    for error in pm.plugin_errors:
        if not error.disabled:
            clashes.setdefault(error.plugin, []).append(error.message)
    provides: dict[str, dict[str, list[str]]] = {}

    def add(kind: str, plugin: str, name: str) -> None:
        provides.setdefault(plugin, {k: [] for k in PROVIDES})[kind].append(name)

    for kind, table in (
        ("rulebooks", got.rulebooks),
        ("functions", got.functions),
        ("types", got.types),
        ("renderers", got.renderers),
    ):
        for name, (plugin, _) in table.items():
            add(kind, plugin, name)
    for plugin, adapter in got.adapters:
        add("adapters", plugin, f"{adapter.name} ({adapter.rulebook or 'any rulebook'})")
    problems = {**disabled, **clashes}
    names = [n for n in pm.info if pm.has_plugin(n) or n in problems]
    names += [n for n in problems if n not in pm.info]
    out = []
    for name in names:
        info = pm.info.get(name, PluginInfo(name))
        out.append(
            {
                "name": name,
                "distribution": info.distribution,
                "version": info.version,
                "module": info.module,
                "health": "disabled" if name in disabled else "ok",
                "reason": disabled.get(name),
                "clashes": clashes.get(name, []),
                "provides": provides.get(name, {k: [] for k in PROVIDES}),
            }
        )
    return out
