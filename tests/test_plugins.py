"""The plugin contract, pinned: one ``test_hook_<name>`` per hook in ruleengine/hookspecs.py.

Also: a plugin that fails to import, raises inside a hook or misspells a hook is reported by
name in ``pm.plugin_errors`` while the others keep working; built-ins are plugins like any
other; and the example package in examples/third_party_plugin is found by its entry point.
Every manager here is fresh (``load_entry_points=False`` unless entry points are faked), so
whatever happens to be installed cannot change the outcome.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import inspect
import json
import re
import sys
import textwrap
import tomllib
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ruleengine
from ruleengine import hookspecs
from ruleengine.cli import (
    EXIT_BAD_FACTS,
    EXIT_EVALUATION,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PLUGIN,
    EXIT_USAGE,
    app,
)
from ruleengine.plugins import (
    _CHECKS,
    DEFAULT_PLUGINS,
    ENTRY_POINT_GROUP,
    LANGUAGE_TYPES,
    NAME,
    adapter_chain,
    input_adapters,
    registered_functions,
    registered_types,
    renderers,
    rule_sources,
)
from ruleengine.testing import run_tests
from ruleengine.types import DATE, DECIMAL, INTEGER, EnumType, is_numeric

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "third_party_plugin"
DAY = datetime.date(2024, 1, 1)


def fresh():
    return ruleengine.get_plugin_manager(load_entry_points=False)


def hook_names() -> list[str]:
    """The hooks declared in hookspecs.py (pluggy marks each with ``ruleengine_spec``)."""
    return sorted(
        name
        for name, obj in vars(hookspecs).items()
        if inspect.isfunction(obj) and hasattr(obj, "ruleengine_spec")
    )


def errors_of(pm, plugin: str) -> list[str]:
    return [e.message for e in pm.plugin_errors if e.plugin == plugin]


# ---------------------------------------------------------------- one test per hook


def _twice_signature(args):
    if len(args) != 1 or not is_numeric(args[0]):
        raise TypeError("takes one number")
    return args[0]


class Twice:
    """A plugin object (any object with hookimpl methods will do, not only a module)."""

    @ruleengine.hookimpl
    def ruleengine_functions(self):
        return [ruleengine.FunctionSpec("twice", _twice_signature, lambda x: 2 * x, "x * 2")]


TWICE_RULES = """
input n: integer = 0
conclusion doubled: value integer = 0
rule r { when true then doubled = twice(n) }
"""


def test_hook_ruleengine_functions():
    pm = fresh()
    pm.register(Twice(), name="twice-plugin")
    assert registered_functions(pm)["twice"].description == "x * 2"
    book = ruleengine.load_text(TWICE_RULES, "twice", pm=pm)
    assert book.decide({"n": 21}, DAY).conclusions["doubled"] == 42
    assert book.explain({"n": 21}, DAY).decision.conclusions["doubled"] == 42


def test_hook_ruleengine_functions_signature_errors_reach_the_rule_author():
    pm = fresh()
    pm.register(Twice(), name="twice-plugin")
    text = TWICE_RULES.replace("twice(n)", 'twice("x")')
    with pytest.raises(ruleengine.DiagnosticError) as err:
        ruleengine.load_text(text, "twice", pm=pm)
    [diag] = err.value.diagnostics
    assert diag.code == "E206"
    assert "twice(): takes one number" in diag.message


def test_a_function_is_unknown_without_its_plugin():
    with pytest.raises(ruleengine.DiagnosticError) as err:
        ruleengine.load_text(TWICE_RULES, "twice", pm=fresh())
    assert [d.code for d in err.value.diagnostics] == ["E200"]


class Items:
    @ruleengine.hookimpl
    def ruleengine_types(self):
        return [ruleengine.CustomType("items", INTEGER, 1, "at least one item")]


ITEMS_RULES = """
input n: items = 1
conclusion many: value bool = false
rule r { when n >= 10 then many = true }
"""


def test_hook_ruleengine_types():
    pm = fresh()
    pm.register(Items(), name="items-plugin")
    assert registered_types(pm)["items"].minimum == 1
    book = ruleengine.load_text(ITEMS_RULES, "items", pm=pm)
    assert book.decide({"n": 12}, DAY).conclusions["many"] is True
    with pytest.raises(ruleengine.FactsError) as err:
        book.explain({"n": 0}, DAY)
    [problem] = err.value.problems
    assert problem.path == "n"
    assert "below 1" in problem.message


def test_a_type_is_unknown_without_its_plugin():
    with pytest.raises(ruleengine.DiagnosticError) as err:
        ruleengine.load_text(ITEMS_RULES, "items", pm=fresh())
    assert "E200" in [d.code for d in err.value.diagnostics]


def test_a_decimal_custom_type_keeps_its_minimum():
    pm = fresh()
    pm.register(DecimalPercent(), name="percent-plugin")
    book = ruleengine.load_text("input p: pct = 0\n", "pct", pm=pm)
    with pytest.raises(ruleengine.FactsError):
        book.explain({"p": "-5"}, DAY)


class DecimalPercent:
    @ruleengine.hookimpl
    def ruleengine_types(self):
        return [ruleengine.CustomType("pct", DECIMAL, 0)]


def test_hook_ruleengine_rule_sources(tmp_path):
    (tmp_path / "a.rules").write_text(TWICE_RULES.replace("twice(n)", "n * 2"), "utf-8")

    class Source:
        @ruleengine.hookimpl
        def ruleengine_rule_sources(self):
            return [ruleengine.RuleSource("doubling", (tmp_path,), "Doubling")]

    pm = fresh()
    pm.register(Source(), name="source-plugin")
    plugin, source = rule_sources(pm)["doubling"]
    assert plugin == "source-plugin"
    assert source.title == "Doubling"
    book = ruleengine.load_paths(list(source.paths), name=source.name, pm=pm)
    assert book.rulebook.name == "doubling"
    assert book.decide({"n": 4}, DAY).conclusions["doubled"] == 8


def test_hook_ruleengine_input_adapters():
    def count_acts(record):
        record = dict(record)
        acts = record.pop("acts", [])
        return record | {"n": len(acts)}, [{"fact": "n", "from": "acts", "value": len(acts)}]

    def add_one(record):
        return record | {"n": record["n"] + 1}, [{"fact": "n", "note": "plus one"}]

    class Adapters:
        @ruleengine.hookimpl
        def ruleengine_input_adapters(self):
            return [
                ruleengine.InputAdapter("count", "twice", count_acts),
                ruleengine.InputAdapter("other", "another_book", lambda r: ({}, ["wrong"])),
            ]

    class Anywhere:
        @ruleengine.hookimpl
        def ruleengine_input_adapters(self):
            return [ruleengine.InputAdapter("plus", None, add_one)]

    pm = fresh()
    pm.register(Adapters(), name="adapters")
    pm.register(Anywhere(), name="anywhere")
    # Only the adapters for this rulebook, plus those for any rulebook.
    assert sorted(a.name for a in input_adapters(pm, "twice")) == ["count", "plus"]
    assert sorted(a.name for a in input_adapters(pm, "another_book")) == ["other", "plus"]
    facts, notes = adapter_chain(pm, "twice")({"acts": [{}, {}, {}], "n": 0})
    # Each adapter saw the record the one before it produced (which went first is
    # pinned separately, see test_hooks_are_collected_in_registration_order).
    assert facts in ({"n": 3}, {"n": 4})
    assert {"fact": "n", "from": "acts", "value": 3} in notes
    assert {"fact": "n", "note": "plus one"} in notes and len(notes) == 2
    pm.register(Twice(), name="twice-plugin")
    book = ruleengine.load_text(TWICE_RULES, "twice", pm=pm)
    assert book.decide(facts, DAY).conclusions["doubled"] == 2 * facts["n"]


class Named:
    """A plugin contributing one adapter named after the plugin."""

    def __init__(self, name):
        self.name = name

    @ruleengine.hookimpl
    def ruleengine_input_adapters(self):
        return [ruleengine.InputAdapter(self.name, None, lambda r: (r, [self.name]))]


def test_hooks_are_collected_in_registration_order():
    pm = fresh()
    for name in ("first", "second", "third"):
        pm.register(Named(name), name=name)
    assert [a.name for a in input_adapters(pm, "any")] == ["first", "second", "third"]
    assert adapter_chain(pm, "any")({})[1] == ["first", "second", "third"]


def test_a_built_in_function_wins_a_name_clash_and_the_clash_is_reported():
    """The built-in, registered first, keeps the name; the later plugin is reported."""

    class Shadow:
        @ruleengine.hookimpl
        def ruleengine_functions(self):
            return [ruleengine.FunctionSpec("abs", _twice_signature, lambda x: 0)]

    pm = fresh()
    pm.register(Shadow(), name="shadow")
    assert registered_functions(pm)["abs"].impl(-3) == 3
    assert [(e.plugin, "'abs' is already provided" in e.message) for e in pm.plugin_errors] == [
        ("shadow", True)
    ]


def test_hook_ruleengine_renderers():
    def render(trace, lang, color):
        return f"{lang}:{color}:" + ",".join(
            f"{k}={v}" for k, v in sorted(trace.decision.conclusions.items())
        )

    class Plain:
        @ruleengine.hookimpl
        def ruleengine_renderers(self):
            return [ruleengine.Renderer("plain", render, "k=v")]

    pm = fresh()
    pm.register(Plain(), name="plain-plugin")
    pm.register(Twice(), name="twice-plugin")
    book = ruleengine.load_text(TWICE_RULES, "twice", pm=pm)
    renderer = renderers(pm)["plain"]
    assert renderer.description == "k=v"
    assert renderer.render(book.explain({"n": 3}, DAY), "zh", False) == "zh:False:doubled=6"


def test_every_hook_has_its_test():
    names = hook_names()
    assert names, "no hooks found in hookspecs.py"
    missing = [n for n in names if f"test_hook_{n}" not in globals()]
    assert not missing, f"hooks without a test_hook_<name> in tests/test_plugins.py: {missing}"


def test_no_hook_is_firstresult():
    """Every hook is collected from every plugin, as hookspecs.py promises."""
    for name in hook_names():
        opts = getattr(hookspecs, name).ruleengine_spec
        assert not opts.get("firstresult"), name


# ---------------------------------------------------------------- built-ins are plugins


def test_built_ins_are_registered_as_plugins_by_module_name():
    pm = fresh()
    for module_name in DEFAULT_PLUGINS:
        assert pm.get_plugin(module_name) is sys.modules[module_name]
    owners = {name for name, spec in pm.collect("ruleengine_functions")}
    assert owners == {"ruleengine.default_functions"}
    assert dict(pm.collect("ruleengine_types"))["ruleengine.default_types"].name == "count"


def test_a_built_in_can_be_unregistered_like_any_plugin():
    pm = fresh()
    pm.unregister(name="ruleengine.default_types")
    with pytest.raises(ruleengine.DiagnosticError) as err:
        ruleengine.load_text("input n: count = 0\n", "no_count", pm=pm)
    assert [d.code for d in err.value.diagnostics] == ["E200"]


@pytest.mark.parametrize("module_name", [m for m in DEFAULT_PLUGINS if ".render." in m])
def test_built_in_renderers_are_plugins(module_name):
    module = importlib.import_module(module_name)
    if not hasattr(module, "ruleengine_renderers"):
        pytest.skip(f"{module_name} does not implement its renderer yet")
    pm = fresh()
    names = [r.name for plugin, r in pm.collect("ruleengine_renderers") if plugin == module_name]
    assert names[0] == module_name.rsplit(".", 1)[1]  # the module's own format comes first


# ---------------------------------------------------------------- broken plugins


def write_module(folder: Path, name: str, source: str) -> None:
    (folder / f"{name}.py").write_text(textwrap.dedent(source), "utf-8")


GOOD_PLUGIN = """
    import ruleengine
    from ruleengine.types import INTEGER

    @ruleengine.hookimpl
    def ruleengine_functions():
        return [ruleengine.FunctionSpec("seven", lambda args: INTEGER, lambda: 7)]
"""


@pytest.fixture
def entry_points(monkeypatch, tmp_path):
    """Fake the installed entry points: ``entry_points({name: module})``, or a list of
    ``(name, module)`` and ``(name, module, distribution)`` (one name may come twice, from
    two distributions). Each distribution is a real ``*.dist-info`` folder, so ``ep.dist`` is
    set as for an installed package; ``installed=True`` keeps the real ones (pi2017, ccdi)
    first. Modules written with ``write_module(tmp_path, ...)`` are importable.
    """
    monkeypatch.syspath_prepend(str(tmp_path))
    real = importlib.metadata.entry_points
    created: list[str] = []

    def install(mapping, installed: bool = False) -> None:
        pairs = list(mapping.items()) if isinstance(mapping, dict) else list(mapping)
        wanted = [(*pair, "re-test-plugins")[:3] for pair in pairs]
        by_dist: dict[str, list[str]] = {}
        for name, value, dist in wanted:
            by_dist.setdefault(dist, []).append(f"{name} = {value}\n")
        found = {}
        for dist, lines in by_dist.items():
            folder = tmp_path / "dists" / f"{dist.replace('-', '_')}-1.0.dist-info"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "METADATA").write_text(f"Name: {dist}\nVersion: 1.0\n", "utf-8")
            (folder / "entry_points.txt").write_text(
                f"[{ENTRY_POINT_GROUP}]\n" + "".join(lines), "utf-8"
            )
            distribution = importlib.metadata.PathDistribution(folder)
            for ep in distribution.entry_points.select(group=ENTRY_POINT_GROUP):
                found[ep.name, dist] = ep
        eps = [found[name, dist] for name, _, dist in wanted]
        if installed:
            eps = list(real(group=ENTRY_POINT_GROUP)) + eps

        def fake(**params):
            if params.get("group") == ENTRY_POINT_GROUP:
                return importlib.metadata.EntryPoints(eps)
            return real(**params)

        monkeypatch.setattr(importlib.metadata, "entry_points", fake)
        created.extend(value.split(":")[0] for _, value, _ in wanted)

    yield install
    for module in created:  # the next test must import its own copy
        sys.modules.pop(module, None)


def test_a_plugin_that_fails_to_load_is_reported_by_name(entry_points, tmp_path):
    write_module(tmp_path, "re_test_good", GOOD_PLUGIN)
    write_module(tmp_path, "re_test_crashes", "raise RuntimeError('boom at import')\n")
    entry_points(
        {
            "missing": "re_test_no_such_module",
            "crashes": "re_test_crashes",
            "good": "re_test_good",
        }
    )
    pm = ruleengine.get_plugin_manager()
    assert {e.plugin for e in pm.plugin_errors} == {"missing", "crashes"}
    [missing] = errors_of(pm, "missing")
    assert "failed to load" in missing and "re_test_no_such_module" in missing
    [crashes] = errors_of(pm, "crashes")
    assert "boom at import" in crashes
    assert pm.get_plugin("missing") is None and pm.get_plugin("crashes") is None
    # The good plugin and the built-ins keep working.
    book = ruleengine.load_text(
        "conclusion x: value integer = 0\nrule r { when true then x = seven() + abs(0 - 1) }\n",
        "seven",
        pm=pm,
    )
    assert book.decide({}, DAY).conclusions["x"] == 8


def test_a_plugin_that_raises_inside_a_hook_is_disabled_as_a_whole():
    class Broken:
        @ruleengine.hookimpl
        def ruleengine_functions(self):
            raise ValueError("cannot list my functions")

        @ruleengine.hookimpl
        def ruleengine_types(self):
            return [ruleengine.CustomType("mine", INTEGER, 0)]

    pm = fresh()
    pm.register(Broken(), name="broken")
    pm.register(Twice(), name="twice-plugin")
    functions = registered_functions(pm)
    assert "twice" in functions and "round" in functions
    assert errors_of(pm, "broken") == [
        "ruleengine_functions raised ValueError: cannot list my functions"
    ]
    # Its other hooks are left out too: a plugin is used whole or not at all.
    assert "mine" not in registered_types(pm)
    assert pm.get_plugin("broken") is None
    book = ruleengine.load_text(TWICE_RULES, "twice", pm=pm)
    assert book.decide({"n": 5}, DAY).conclusions["doubled"] == 10


def test_a_misspelt_hook_is_reported_and_the_plugin_unregistered(entry_points, tmp_path):
    write_module(
        tmp_path,
        "re_test_typo",
        """
        import ruleengine
        from ruleengine.types import INTEGER

        @ruleengine.hookimpl
        def ruleengine_functons():
            return []

        @ruleengine.hookimpl
        def ruleengine_types():
            return [ruleengine.CustomType("typo_type", INTEGER, 0)]
        """,
    )
    write_module(tmp_path, "re_test_good", GOOD_PLUGIN)
    entry_points({"typo": "re_test_typo", "good": "re_test_good"})
    pm = ruleengine.get_plugin_manager()
    [message] = errors_of(pm, "typo")
    assert message == (
        "'ruleengine_functons' is not a ruleengine hook (did you mean 'ruleengine_functions'?)"
    )
    assert pm.get_plugin("typo") is None
    assert [e.plugin for e in pm.plugin_errors] == ["typo"]
    # The whole plugin is left out, its correctly spelt hooks too; the others keep working.
    assert "typo_type" not in registered_types(pm)
    assert "seven" in registered_functions(pm)


def test_a_hook_with_arguments_is_refused_by_name(entry_points, tmp_path):
    write_module(
        tmp_path,
        "re_test_args",
        """
        import ruleengine

        @ruleengine.hookimpl
        def ruleengine_functions(rulebook):
            return []
        """,
    )
    write_module(tmp_path, "re_test_good", GOOD_PLUGIN)
    entry_points({"args": "re_test_args", "good": "re_test_good"})
    pm = ruleengine.get_plugin_manager()
    [message] = errors_of(pm, "args")
    assert "PluginValidationError" in message and "rulebook" in message
    assert pm.get_plugin("args") is None
    assert "seven" in registered_functions(pm)


def test_an_entry_point_cannot_replace_a_built_in(entry_points, tmp_path):
    write_module(tmp_path, "re_test_good", GOOD_PLUGIN)
    entry_points({"ruleengine.default_functions": "re_test_good"})
    pm = ruleengine.get_plugin_manager()
    assert (
        pm.get_plugin("ruleengine.default_functions") is sys.modules["ruleengine.default_functions"]
    )
    assert "seven" not in registered_functions(pm)
    [error] = pm.plugin_errors
    assert error.plugin == "ruleengine.default_functions" and not error.disabled
    assert "'re_test_good' from re-test-plugins 1.0, is ignored" in error.message
    assert "the name belongs to a built-in" in error.message


# ---------------------------------------------------------------- the example package


def example_entry_point() -> tuple[str, str]:
    """The entry point examples/third_party_plugin/pyproject.toml declares."""
    meta = tomllib.loads((EXAMPLE / "pyproject.toml").read_text("utf-8"))
    [(name, value)] = meta["project"]["entry-points"][ENTRY_POINT_GROUP].items()
    return name, value


@pytest.fixture
def example_pm(entry_points, monkeypatch):
    """A manager that finds the example plugin through its (faked) entry point."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    name, value = example_entry_point()
    entry_points({name: value})
    sys.modules.pop("ruleengine_example_plugin", None)
    pm = ruleengine.get_plugin_manager()
    yield pm
    sys.modules.pop("ruleengine_example_plugin", None)


def test_the_example_plugin_is_discovered(example_pm):
    assert example_entry_point() == ("example", "ruleengine_example_plugin.plugin")
    assert example_pm.plugin_errors == []
    plugin = example_pm.get_plugin("example")
    assert plugin.__name__ == "ruleengine_example_plugin.plugin"
    assert rule_sources(example_pm)["late_filing_demo"][0] == "example"
    assert registered_functions(example_pm)["percent_of"].impl(1, 3) == Fraction(100, 3)
    assert registered_types(example_pm)["percent"].minimum == 0
    assert "oneline" in renderers(example_pm)


def test_the_example_rulebook_passes_its_own_tests(example_pm):
    _, source = rule_sources(example_pm)["late_filing_demo"]
    book = ruleengine.load_paths(list(source.paths), name=source.name, pm=example_pm)
    assert book.rulebook.warnings == []
    results = run_tests(book)
    assert len(results) == 4
    assert all(r.passed for r in results), "\n".join(r.render() for r in results)


def test_the_example_rulebook_is_labelled_a_demonstration(example_pm):
    _, source = rule_sources(example_pm)["late_filing_demo"]
    assert "not law" in source.title
    [rule_file] = list(source.paths[0].glob("*.rules"))
    assert rule_file.read_text("utf-8").startswith("# DEMONSTRATION ONLY -- NOT LAW.")


def test_the_example_function_and_renderer(example_pm):
    _, source = rule_sources(example_pm)["late_filing_demo"]
    book = ruleengine.load_paths(list(source.paths), pm=example_pm)
    # 1/3 unpaid is 100/3 percent exactly, above a tolerance of 33.3 and below one of 33.34.
    facts = {"days_late": 30, "tax_due": "3", "tax_paid": "2"}
    trace = book.explain(facts | {"tolerance": "33.3"}, DAY)
    assert trace.definitions["unpaid_percent"] == Fraction(100, 3)
    oneline = renderers(example_pm)["oneline"].render
    assert oneline(trace, "en", False) == "status = very_late (demo_late, demo_very_late)\n"
    trace = book.explain(facts | {"tolerance": "33.34"}, DAY)
    assert oneline(trace, "en", False) == "status = late (demo_late)\n"
    assert book.decide(facts | {"tolerance": "33.34"}, DAY).conclusions["status"] == "late"


def test_percent_of_refuses_what_it_cannot_compare(example_pm):
    text = "input a: money(CNY) = 0 yuan\ninput d: date\ndefine p: decimal = percent_of(a, d)\n"
    with pytest.raises(ruleengine.DiagnosticError) as err:
        ruleengine.load_text(text, "bad", pm=example_pm)
    [diag] = err.value.diagnostics
    assert diag.code == "E206"
    assert "percent_of(): takes two numbers or two amounts" in diag.message


# ---------------------------------------------------------------- checked where received


def test_every_hook_result_is_checked():
    assert sorted(_CHECKS) == hook_names()


def test_the_name_pattern_is_the_grammars():
    from ruleengine_dsl.parser import _lark

    assert _lark().get_terminal("NAME").pattern.value == NAME.pattern


@pytest.mark.parametrize("name", LANGUAGE_TYPES)
def test_language_types_are_the_checkers(name):
    """Each name a plugin type cannot take is one the checker keeps for itself."""
    if name == "list":
        text = "input x: list of integer\n"
        assert "x" in ruleengine.load_text(text, "t", pm=fresh()).rulebook.inputs
        return
    with pytest.raises(ruleengine.DiagnosticError) as err:
        ruleengine.load_text(f"enum {name} {{ a }}\n", "t", pm=fresh())
    assert [d.code for d in err.value.diagnostics] == ["E205"]


class Counted:
    """Counts how often its hooks are called."""

    calls = 0

    @ruleengine.hookimpl
    def ruleengine_functions(self):
        Counted.calls += 1
        return []


def test_hooks_are_called_once_per_manager():
    Counted.calls = 0
    pm = fresh()
    pm.register(Counted(), name="counted")
    for _ in range(3):
        registered_functions(pm), registered_types(pm), rule_sources(pm), pm.plugin_errors
    assert Counted.calls == 1
    pm.register(Twice(), name="twice-plugin")  # the plugins changed: read again
    assert "twice" in registered_functions(pm) and Counted.calls == 2


def hooks(**results):
    """A plugin object whose hooks return the given values (``functions=42``)."""
    body = {
        f"ruleengine_{hook}": ruleengine.hookimpl(lambda self, value=value: value)
        for hook, value in results.items()
    }
    return type("Plugin", (), body)()


SEVEN = ruleengine.FunctionSpec("seven", lambda args: INTEGER, lambda: 7)


@pytest.mark.parametrize(
    ("results", "message"),
    [
        (
            {"rule_sources": "pi2017"},
            "ruleengine_rule_sources returned 'pi2017', expected a list of RuleSource",
        ),
        ({"functions": 42}, "ruleengine_functions returned 42, expected a list of FunctionSpec"),
        (
            {"functions": [SEVEN, "abs"]},
            "ruleengine_functions returned 'abs' as item 1, expected a FunctionSpec",
        ),
        (
            {"functions": [ruleengine.FunctionSpec("if", lambda a: INTEGER, lambda: 1)]},
            "ruleengine_functions: FunctionSpec 'if': the name is a reserved word of the language",
        ),
        (
            {"functions": [ruleengine.FunctionSpec("two words", lambda a: INTEGER, lambda: 1)]},
            "ruleengine_functions: FunctionSpec 'two words': the name is not a name rule texts "
            "can write (letters, digits, _)",
        ),
        (
            {"functions": [ruleengine.FunctionSpec("seven", None, lambda: 7)]},
            "ruleengine_functions: FunctionSpec 'seven': signature is None, not a function",
        ),
        (
            {"types": [ruleengine.CustomType("share", float, 0)]},
            "ruleengine_types: CustomType 'share': base is <class 'float'>, expected one of the "
            "types of ruleengine.types (INTEGER, DECIMAL, MoneyType(...), BOOL, DATE, DURATION, "
            "TEXT, ListType(...))",
        ),
        (
            {"types": [ruleengine.CustomType("share", DECIMAL, 0.5)]},
            "ruleengine_types: CustomType 'share': minimum is 0.5, expected a whole number or None",
        ),
        (
            {"types": [ruleengine.CustomType("share", EnumType(name="e", members=("a",)))]},
            "ruleengine_types: CustomType 'share': base is e (EnumType), expected one of the "
            "types of ruleengine.types (INTEGER, DECIMAL, MoneyType(...), BOOL, DATE, DURATION, "
            "TEXT, ListType(...))",
        ),
        (
            {"types": [ruleengine.CustomType("after", DATE, 5)]},
            "ruleengine_types: CustomType 'after': minimum is 5, but date is not a number",
        ),
        (
            {"rule_sources": [ruleengine.RuleSource("book", Path("rules"))]},
            "ruleengine_rule_sources: RuleSource 'book': paths is PosixPath('rules'), "
            "expected a tuple of paths",
        ),
        (
            {"rule_sources": [ruleengine.RuleSource("book", ("/no/such/folder",))]},
            "ruleengine_rule_sources: RuleSource 'book': /no/such/folder does not exist "
            "(are the rule files installed as package data?)",
        ),
        (
            {"input_adapters": [ruleengine.InputAdapter("a", None, "not callable")]},
            "ruleengine_input_adapters: InputAdapter 'a': adapt is 'not callable', not a function",
        ),
        (
            {"input_adapters": [ruleengine.InputAdapter("a", None, print, fields=("acts",))]},
            "ruleengine_input_adapters: InputAdapter 'a': fields is ('acts',), expected a tuple "
            "of FieldSpec",
        ),
        (
            {"input_adapters": [ruleengine.InputAdapter("a", None, print, computes=("n",))]},
            "ruleengine_input_adapters: InputAdapter 'a': computes is ('n',), expected a tuple "
            "of Computed(field, sources), each source a field's name",
        ),
        (
            {"renderers": {"plain": print}},
            "ruleengine_renderers returned {'plain': <built-in function print>}, "
            "expected a list of Renderer",
        ),
    ],
    ids=lambda v: "-" if isinstance(v, str) else ",".join(v),
)
def test_a_malformed_hook_result_disables_the_plugin_by_name(results, message):
    pm = fresh()
    mine = [ruleengine.CustomType("mine", INTEGER, 0)]
    pm.register(hooks(**{"types": mine} | results), name="bad")
    pm.register(Twice(), name="twice-plugin")
    assert [(e.plugin, e.message, e.disabled) for e in pm.plugin_errors] == [("bad", message, True)]
    assert pm.get_plugin("bad") is None
    assert "mine" not in registered_types(pm)  # none of its hooks is used
    assert "twice" in registered_functions(pm) and "count" in registered_types(pm)
    assert set(renderers(pm)) >= {"text", "json"}
    book = ruleengine.load_text(TWICE_RULES, "twice", pm=pm)
    assert book.decide({"n": 5}, DAY).conclusions["doubled"] == 10


def test_paths_may_be_strings_and_come_back_as_paths(tmp_path):
    source = ruleengine.RuleSource("book", [str(tmp_path)], examples=str(tmp_path))
    pm = fresh()
    pm.register(hooks(rule_sources=[source]), name="strings")
    assert pm.plugin_errors == []
    _, got = rule_sources(pm)["book"]
    assert got.paths == (tmp_path,) and got.examples == tmp_path


# ---------------------------------------------------------------- name clashes


def test_name_clashes_are_reported_and_the_first_keeps_the_name(tmp_path):
    pm = fresh()
    pm.register(
        hooks(
            types=[
                ruleengine.CustomType("count", INTEGER, 1),
                ruleengine.CustomType("integer", DECIMAL),
                ruleengine.CustomType("items", INTEGER, 1),
            ],
            functions=[ruleengine.FunctionSpec("abs", _twice_signature, lambda x: 0)],
            rule_sources=[ruleengine.RuleSource("book", (tmp_path,), "first")],
        ),
        name="first",
    )
    pm.register(
        hooks(
            rule_sources=[ruleengine.RuleSource("book", (tmp_path,), "second")],
            renderers=[ruleengine.Renderer("json", lambda *a: "")],
        ),
        name="second",
    )
    assert [(str(e), e.disabled) for e in pm.plugin_errors] == [
        ("plugin 'second': rulebook 'book' is already provided by first; ignored", False),
        (
            "plugin 'first': function 'abs' is already provided by "
            "ruleengine.default_functions; ignored",
            False,
        ),
        (
            "plugin 'first': type 'count' is already provided by ruleengine.default_types; ignored",
            False,
        ),
        ("plugin 'first': type 'integer' is a name of the language; ignored", False),
        (
            "plugin 'second': format 'json' is already provided by ruleengine.render.json; ignored",
            False,
        ),
    ]
    # Only the clashing names are left out; the plugins keep the rest.
    assert rule_sources(pm)["book"][1].title == "first"
    assert registered_types(pm)["count"].minimum == 0
    assert registered_types(pm)["items"].minimum == 1
    assert registered_functions(pm)["abs"].impl(-3) == 3
    assert pm.disabled() == {}


# ---------------------------------------------------------------- broken plugins, command line

runner = CliRunner()
PI_CASE = str(ROOT / "examples" / "pi2017" / "courier_sells_waybills.json")
CCDI_CASE = str(ROOT / "examples" / "ccdi" / "kickbacks.json")
CASES = "{cases}"  # a JSON Lines file of two cases, written by the test


def cli(*args: str, input: str | None = None):
    result = runner.invoke(app, list(args), input=input)
    assert "Traceback" not in result.output, result.output
    assert result.exit_code != EXIT_INTERNAL, result.output
    return result


COMMANDS = [
    ("rules",),
    ("explain", "-r", "pi2017", PI_CASE),
    ("eval", "-r", "ccdi", CCDI_CASE),
    ("summary", "-r", "pi2017", CASES),
    ("schema", "-r", "pi2017"),
]

BROKEN = {
    "re_test_text_sources": (
        """
        import ruleengine
        from ruleengine.types import INTEGER

        @ruleengine.hookimpl
        def ruleengine_rule_sources():
            return "pi2017"

        @ruleengine.hookimpl
        def ruleengine_functions():
            return [ruleengine.FunctionSpec("seven", lambda args: INTEGER, lambda: 7)]
        """,
        "ruleengine_rule_sources returned 'pi2017', expected a list of RuleSource",
    ),
    "re_test_functions_42": (
        """
        import ruleengine

        @ruleengine.hookimpl
        def ruleengine_functions():
            return 42
        """,
        "ruleengine_functions returned 42, expected a list of FunctionSpec",
    ),
    "re_test_fails_import": (
        "raise RuntimeError('boom at import')\n",
        "failed to load: RuntimeError: boom at import",
    ),
}


def run_all(commands=COMMANDS) -> list:
    return [cli(*command) for command in commands]


@pytest.mark.parametrize("module", BROKEN)
def test_a_broken_plugin_leaves_the_commands_working(entry_points, tmp_path, module):
    source, message = BROKEN[module]
    write_module(tmp_path, module, source)
    # Every command with one broken plugin; with the others, listing and loading.
    every = module == "re_test_functions_42"
    commands = COMMANDS if every else COMMANDS[:2]
    cases = tmp_path / "cases.jsonl"
    case = json.dumps(json.loads(Path(PI_CASE).read_text("utf-8")), ensure_ascii=False)
    cases.write_text(f"{case}\nnot json\n", "utf-8")
    commands = [tuple(str(cases) if a == CASES else a for a in c) for c in commands]
    entry_points({}, installed=True)
    before = run_all(commands)
    entry_points({"broken": module}, installed=True)
    after = run_all(commands)
    warning = (
        f"warning: plugin 'broken' is disabled: {message}\nwarning: see 'ruleengine plugins'\n"
    )
    for command, old, new in zip(commands, before, after):
        assert new.exit_code == old.exit_code, (command, new.output)
        assert new.stdout == old.stdout, command
        assert new.stderr == warning + old.stderr, command
    assert "pi2017\t" in after[0].stdout and "ccdi\t" in after[0].stdout
    if every:  # the slowest command, not run twice: every test of every rulebook passes
        result = cli("test", "--all")
        assert result.exit_code == EXIT_OK
        assert re.fullmatch(
            r"ccdi: \d+ passed, 0 failed\npi2017: \d+ passed, 0 failed\n\d+ passed, 0 failed\n",
            result.stdout,
        )
        assert result.stderr == warning
    result = cli("plugins")
    assert result.exit_code == EXIT_PLUGIN
    assert f"broken: disabled: {message}\n  from: re-test-plugins 1.0 ({module})\n" in result.stdout
    assert result.stdout.endswith("8 plugins: 7 ok, 1 disabled; 0 name clash(es)\n")
    assert result.stderr == ""


PLUGIN_FAILS = """
    import ruleengine
    from ruleengine.facts import FactProblem, FactsError

    def malformed(record):
        return record

    def raises(record):
        return record["no such key"], []

    def inexact_notes(record):
        return record, [{"share": 1 / 3}]

    def numbered(record):
        return {1: "one"}, []

    def bad_facts(record):
        raise FactsError([FactProblem("acts[0].kind", "not a kind this adapter knows")])

    def huge_fact(record):
        return {"credit_items": 10**10000}, []

    def float_fact(record):
        return {**record, "credit_items": 1.5}, []

    def float_in_list(record):
        return {**record, "acts": [{"amount": 2}, {"amount": 2.5}]}, []

    def pair_of_numbers(record):
        return [1, 2]

    def passes_on(record):
        return dict(record), []

    def changes_in_place(record):
        record["credit_items"] = 0.5
        return record, []

    class Unshowable:
        def __repr__(self):
            raise RuntimeError("repr boom")

        __str__ = __repr__

    def unshowable_fact(record):
        return {"credit_items": Unshowable()}, []

    def huge_note(record):
        return {}, [10**10000]

    def generator_exit(record):
        raise GeneratorExit

    def render(trace, lang, color):
        return 1 / 0

    @ruleengine.hookimpl
    def ruleengine_input_adapters():
        return [ruleengine.InputAdapter(name, "pi2017", adapt) for name, adapt in ADAPTERS]

    @ruleengine.hookimpl
    def ruleengine_renderers():
        return [
            ruleengine.Renderer("crash", render),
            ruleengine.Renderer("nothing", lambda trace, lang, color: None),
            ruleengine.Renderer("surrogate", lambda trace, lang, color: "\\ud800"),
        ]
"""


@pytest.mark.parametrize(
    ("adapter", "code", "message"),
    [
        (
            "malformed",
            EXIT_PLUGIN,
            "plugin 'failing' failed: input adapter 'malformed' returned {",
        ),
        (
            "raises",
            EXIT_PLUGIN,
            "plugin 'failing' failed: input adapter 'raises' raised KeyError: 'no such key'\n",
        ),
        (
            "inexact_notes",
            EXIT_PLUGIN,
            "plugin 'failing' failed: input adapter 'inexact_notes' returned a derivation that "
            "is not JSON-ready: derivations[0].share is the binary floating-point number "
            "0.3333333333333333 (give exact numbers)\n",
        ),
        (
            "numbered",
            EXIT_PLUGIN,
            "plugin 'failing' failed: input adapter 'numbered' returned ({1: 'one'}, []): its "
            "facts, {1: 'one'}, are not an object with named fields (expected a pair (facts, "
            "derivations))\n",
        ),
        (
            "pair_of_numbers",
            EXIT_PLUGIN,
            "plugin 'failing' failed: input adapter 'pair_of_numbers' returned [1, 2]: its "
            "facts, 1, are not an object with named fields",
        ),
        ("bad_facts", EXIT_BAD_FACTS, "acts[0].kind: not a kind this adapter knows"),
        # A value the adapter made, which no fact can be, is its bug: named with the field,
        # the facts file not blamed; shown without running the adapter's own code.
        (
            "huge_fact",
            EXIT_PLUGIN,
            "plugin 'failing' failed: input adapter 'huge_fact' returned credit_items = a "
            "number of more than 1200 digits\n",
        ),
        (
            "unshowable_fact",
            EXIT_PLUGIN,
            "input adapter 'unshowable_fact' returned credit_items = <Unshowable>, a value of "
            "type Unshowable, which no fact can be\n",
        ),
        (
            "float_fact",
            EXIT_PLUGIN,
            "plugin 'failing' failed: input adapter 'float_fact' returned credit_items = 1.5, "
            "a binary floating-point number (give exact numbers",
        ),
        (
            "changes_in_place",
            EXIT_PLUGIN,
            "input adapter 'changes_in_place' returned credit_items = 0.5, a binary",
        ),
        ("float_in_list", EXIT_PLUGIN, "returned acts[1].amount = 2.5, a binary floating-point"),
        # What the user wrote, handed on unchanged, stays the user's: named by its field.
        ("passes_on", EXIT_OK, ""),
        (
            "huge_note",
            EXIT_PLUGIN,
            "plugin 'failing' failed: input adapter 'huge_note' returned a derivation that is "
            "not JSON-ready: derivations[0] is a number of more than 1200 digits",
        ),
        ("generator_exit", EXIT_PLUGIN, "input adapter 'generator_exit' raised GeneratorExit"),
    ],
)
def test_a_failing_adapter_is_named_and_other_rulebooks_work(
    entry_points, tmp_path, adapter, code, message
):
    write_module(
        tmp_path, "re_test_failing", PLUGIN_FAILS + f"\n    ADAPTERS = [('{adapter}', {adapter})]\n"
    )
    entry_points({"failing": "re_test_failing"}, installed=True)
    result = cli("explain", "-r", "pi2017", PI_CASE)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    if adapter == "raises":
        assert cli("eval", "-r", "pi2017", PI_CASE).stderr == result.stderr
        # The plugin is healthy as far as its hooks go; the rulebooks it does not serve work.
        assert cli("plugins").exit_code == EXIT_OK
        assert cli("eval", "-r", "ccdi", CCDI_CASE).exit_code == EXIT_OK


def test_a_fact_an_adapter_computes_is_refused_where_it_computes_it():
    """Sixth QA round (F2): pi2017's computed facts given beside the acts were overwritten or
    used, unseen, either way. An adapter declares them (``computes``); the core refuses
    one given beside a field it is computed from, or ever where it is ``always`` computed,
    by its path and with the adapter's own problems, and leaves it alone otherwise."""
    from ruleengine.facts import HANDED_ON
    from ruleengine.plugin_guards import guard_adapter

    def count(record):
        record = dict(record)
        if "acts" in record:
            record["n"] = len(record.pop("acts"))
        return record | {"seen": True}, []

    computes = (
        ruleengine.Computed("n", ("acts", "items")),
        ruleengine.Computed("seen", ("acts",), always=True),
    )
    adapter = ruleengine.InputAdapter("count", None, count, computes=computes)
    adapt = guard_adapter("p", adapter).adapt
    refused = lambda record: [  # noqa: E731
        (p.path, p.message) for p in getattr(adapt(record)[0].get(HANDED_ON), "problems", ())
    ]
    assert refused({"acts": [1], "n": 5}) == [
        ("n", "given beside acts, from which the input adapter 'count' computes it")
    ]
    assert refused({"n": 5}) == [] and adapt({"n": 5})[0]["n"] == 5  # an input without acts
    assert refused({"seen": False}) == [
        ("seen", "computed by the input adapter 'count' (from acts), never given")
    ]
    assert refused({"acts": []}) == []


@pytest.mark.parametrize("adapter", ["passes_on", "float_fact"])
def test_a_users_mistake_an_adapter_hands_on_is_the_users(entry_points, tmp_path, adapter):
    """The user's ill-typed value, handed on unchanged, is named by its field in the facts
    file (exit 4), before anything the adapter made of the rest."""
    write_module(
        tmp_path, "re_test_failing", PLUGIN_FAILS + f"\n    ADAPTERS = [('{adapter}', {adapter})]\n"
    )
    entry_points({"failing": "re_test_failing"}, installed=True)
    case = json.loads(Path(PI_CASE).read_text("utf-8"))
    case["facts"]["property_items"] = "many"
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), "utf-8")
    result = cli("eval", "-r", "pi2017", str(path))
    if adapter == "passes_on":
        assert result.exit_code == EXIT_BAD_FACTS, result.output
        assert f"{path}: the facts do not fit" in result.stderr
        assert 'property_items: expected a whole number ≥ 0, got "many"' in result.stderr
    else:  # the float it made is its own, whatever else the record holds
        assert result.exit_code == EXIT_PLUGIN, result.output
        assert "returned credit_items = 1.5" in result.stderr


def test_a_failing_adapter_in_a_summary_names_the_line(entry_points, tmp_path):
    write_module(
        tmp_path, "re_test_failing", PLUGIN_FAILS + "\n    ADAPTERS = [('raises', raises)]\n"
    )
    entry_points({"failing": "re_test_failing"}, installed=True)
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n" + Path(PI_CASE).read_text("utf-8").replace("\n", "") + "\n", "utf-8")
    result = cli("summary", "-r", "pi2017", str(cases))
    assert result.exit_code == EXIT_PLUGIN  # the line is skipped, the summary still printed
    assert result.stderr.startswith(
        f"{cases}:2: skipped: plugin 'failing' failed: input adapter 'raises' raised "
        "KeyError: 'no such key'"
    )
    assert "pi2017: 0 cases, 0 persons; 1 of 1 lines skipped" in result.stdout


@pytest.mark.parametrize(
    ("format", "message"),
    [
        ("crash", "renderer 'crash' raised ZeroDivisionError: division by zero"),
        ("nothing", "renderer 'nothing' returned None, not text"),
        ("surrogate", "renderer 'surrogate' returned text that cannot be written (not UTF-8)"),
    ],
)
def test_a_failing_renderer_is_named_and_other_formats_work(
    entry_points, tmp_path, format, message
):
    write_module(tmp_path, "re_test_failing", PLUGIN_FAILS + "\n    ADAPTERS = []\n")
    entry_points({"failing": "re_test_failing"}, installed=True)
    result = cli("explain", "-r", "pi2017", PI_CASE, "-f", format)
    assert result.exit_code == EXIT_PLUGIN
    assert result.stdout == ""
    assert result.stderr.startswith(f"plugin 'failing' failed: {message}\n")
    if format == "crash":
        assert cli("explain", "-r", "pi2017", PI_CASE, "-f", "text").exit_code == EXIT_OK


FUNCTIONS = """
    import datetime
    import ruleengine
    from ruleengine.types import INTEGER

    def returns(value):
        return lambda: value

    def raises(err):
        def impl():
            raise err
        return impl

    @ruleengine.hookimpl
    def ruleengine_functions():
        return [
            ruleengine.FunctionSpec("crash", lambda a: INTEGER, raises(RuntimeError("my bug"))),
            ruleengine.FunctionSpec("refuse", lambda a: INTEGER, raises(ValueError("no value"))),
            ruleengine.FunctionSpec("halve", lambda a: INTEGER, returns(1.5)),
            ruleengine.FunctionSpec("nothing", lambda a: INTEGER, returns(None)),
            ruleengine.FunctionSpec("text", lambda a: INTEGER, returns("7")),
            ruleengine.FunctionSpec("flag", lambda a: INTEGER, returns(True)),
            ruleengine.FunctionSpec("day", lambda a: INTEGER, returns(datetime.date(2020, 1, 1))),
            ruleengine.FunctionSpec("huge", lambda a: INTEGER, returns(10**2000)),
            ruleengine.FunctionSpec("seven", lambda a: INTEGER, returns(7)),
            ruleengine.FunctionSpec("untyped", lambda a: None, returns(7)),
            ruleengine.FunctionSpec("badsig", lambda a: a[5], returns(7)),
        ]
"""


@pytest.mark.parametrize(
    ("function", "code", "message"),
    [
        ("seven", EXIT_OK, ""),
        (
            "crash",
            EXIT_PLUGIN,
            "plugin 'functions' failed: function crash() raised RuntimeError: my bug\n",
        ),
        ("refuse", EXIT_EVALUATION, "cannot evaluate this case: refuse(): no value\n"),
        (
            "halve",
            EXIT_PLUGIN,
            "plugin 'functions' failed: function halve() returned 1.5, expected integer "
            "(exact: an int or a Fraction, never a float)\n",
        ),
        (
            "nothing",
            EXIT_PLUGIN,
            "plugin 'functions' failed: function nothing() returned None, expected integer\n",
        ),
        (
            "text",
            EXIT_PLUGIN,
            "plugin 'functions' failed: function text() returned '7', expected integer\n",
        ),
        (
            "flag",
            EXIT_PLUGIN,
            "plugin 'functions' failed: function flag() returned True, expected integer\n",
        ),
        (
            "day",
            EXIT_PLUGIN,
            "plugin 'functions' failed: function day() returned datetime.date(2020, 1, 1), "
            "expected integer\n",
        ),
        (
            "huge",
            EXIT_PLUGIN,
            "plugin 'functions' failed: function huge() returned a number of more than 1200 "
            "digits\n",
        ),
        (
            "untyped",
            EXIT_PLUGIN,
            "plugin 'functions' failed: function untyped() signature returned None, "
            "not a type from ruleengine.types\n",
        ),
        (
            "badsig",
            EXIT_PLUGIN,
            "plugin 'functions' failed: function badsig() signature raised IndexError: "
            "list index out of range\n",
        ),
    ],
)
def test_a_failing_function_is_named(entry_points, tmp_path, function, code, message):
    write_module(tmp_path, "re_test_functions", FUNCTIONS)
    entry_points({"functions": "re_test_functions"}, installed=True)
    rules = tmp_path / "f.rules"
    rules.write_text(
        f"conclusion x: value integer = 0\nrule r {{ when {function}() >= 1 then x = 1 }}\n",
        "utf-8",
    )
    for command in ("eval", "explain"):
        result = cli(command, "--rules", str(rules), input="{}")
        assert result.exit_code == code, result.output
        if code == EXIT_EVALUATION:  # at the call, as any evaluation error
            assert result.stderr.startswith(f"{rules}:2:15: cannot evaluate this case: ")
        assert result.stderr.startswith(message) or message in result.stderr
        if code == EXIT_PLUGIN and "signature" not in message:  # checked; failed when called
            assert f"\n{rules}:2:15: called here\n" in result.stderr
    if function == "crash":
        assert cli("eval", "-r", "ccdi", CCDI_CASE).exit_code == EXIT_OK


def test_two_rulebooks_of_one_name_the_first_is_used(entry_points, tmp_path):
    write_module(
        tmp_path,
        "re_test_copy",
        f"""
        import ruleengine

        @ruleengine.hookimpl
        def ruleengine_rule_sources():
            return [ruleengine.RuleSource("pi2017", ({str(tmp_path)!r},), "a copy")]
        """,
    )
    entry_points({}, installed=True)
    before = cli("explain", "-r", "pi2017", PI_CASE)
    entry_points({"copy": "re_test_copy"}, installed=True)
    after = cli("explain", "-r", "pi2017", PI_CASE)
    assert after.exit_code == before.exit_code == EXIT_OK
    assert after.stdout == before.stdout
    assert after.stderr == (
        "warning: plugin 'copy': rulebook 'pi2017' is already provided by pi2017; ignored\n"
        "warning: see 'ruleengine plugins'\n"
    )
    result = cli("plugins")
    assert result.exit_code == EXIT_PLUGIN
    assert (
        "copy: ok, 1 clash(es)\n  from: re-test-plugins 1.0 (re_test_copy)\n"
        "  clash: rulebook 'pi2017' is already provided by pi2017; ignored\n"
    ) in result.stdout


def test_two_entry_points_of_one_name(entry_points, tmp_path):
    write_module(tmp_path, "re_test_good", GOOD_PLUGIN)
    write_module(tmp_path, "re_test_other", GOOD_PLUGIN.replace("seven", "eight"))
    entry_points(
        [
            ("good", "re_test_good", "re-test-good"),
            ("good", "re_test_other", "re-test-other"),
            ("pi2017", "re_test_other", "re-test-other"),
        ],
        installed=True,
    )
    pm = ruleengine.get_plugin_manager()
    assert [str(e) for e in pm.plugin_errors] == [
        "plugin 'good': a second entry point of this name, 're_test_other' from "
        "re-test-other 1.0, is ignored; the name belongs to the first, "
        "'re_test_good' from re-test-good 1.0",
        "plugin 'pi2017': a second entry point of this name, 're_test_other' from "
        "re-test-other 1.0, is ignored; the name belongs to the first, "
        "'ruleengine_pi2017.plugin' from ruleengine 0.1.0",
    ]
    assert "seven" in registered_functions(pm) and "eight" not in registered_functions(pm)
    assert rule_sources(pm)["pi2017"][0] == "pi2017"
    result = cli("explain", "-r", "pi2017", PI_CASE)
    assert result.exit_code == EXIT_OK
    assert result.stderr.count("warning: ") == 3


def test_the_plugins_command_in_json(entry_points, tmp_path):
    write_module(tmp_path, "re_test_good", GOOD_PLUGIN)
    write_module(tmp_path, "re_test_functions_42", BROKEN["re_test_functions_42"][0])
    entry_points({"good": "re_test_good", "broken": "re_test_functions_42"}, installed=True)
    result = cli("plugins", "--format", "json")
    assert result.exit_code == EXIT_PLUGIN
    data = json.loads(result.stdout)
    assert data["ok"] is False
    plugins = {p["name"]: p for p in data["plugins"]}
    assert list(plugins)[:2] == ["ruleengine.default_functions", "ruleengine.default_types"]
    assert plugins["pi2017"] == {
        "name": "pi2017",
        "distribution": "ruleengine",
        "version": ruleengine.__version__,
        "module": "ruleengine_pi2017.plugin",
        "health": "ok",
        "reason": None,
        "clashes": [],
        "provides": {
            "rulebooks": ["pi2017"],
            "functions": [],
            "types": [],
            "adapters": ["pi2017-acts (pi2017)"],
            "renderers": [],
        },
    }
    assert plugins["good"]["provides"]["functions"] == ["seven"]
    assert plugins["good"]["distribution"] == "re-test-plugins"
    assert plugins["broken"]["health"] == "disabled"
    assert plugins["broken"]["reason"] == BROKEN["re_test_functions_42"][1]
    assert plugins["ruleengine.render.text"]["provides"]["renderers"] == ["text", "annotated"]
    assert cli("plugins", "--format", "yaml").exit_code == EXIT_USAGE


def test_the_plugins_command_exits_0_when_all_are_healthy(entry_points):
    entry_points({}, installed=True)
    result = cli("plugins")
    assert result.exit_code == EXIT_OK
    assert result.stdout.endswith("7 plugins: 7 ok, 0 disabled; 0 name clash(es)\n")
    assert "pi2017: ok\n  from: ruleengine" in result.stdout


def test_a_distribution_with_unreadable_entry_points_is_named(monkeypatch, tmp_path):
    """importlib.metadata fails for every distribution when one's entry_points.txt is
    malformed; that one is reported and the others are read one by one."""
    folder = tmp_path / "junk_dist-1.0.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text("Name: junk-dist\nVersion: 1.0\n", "utf-8")
    (folder / "entry_points.txt").write_text("[ruleengine]\nnot a pair\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TypeError):  # else this test no longer tests anything
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    result = cli("explain", "-r", "pi2017", PI_CASE)
    assert result.exit_code == EXIT_OK
    assert result.stderr.startswith(
        "warning: plugin 'junk-dist' is disabled: its entry points cannot be read: TypeError: "
    )
    result = cli("plugins")
    assert result.exit_code == EXIT_PLUGIN
    assert "\njunk-dist: disabled: its entry points cannot be read:" in result.stdout
    assert "\n  from: junk-dist 1.0\n" in result.stdout


@pytest.mark.parametrize("where", ["act", "record"])
def test_a_null_the_user_wrote_inside_what_an_adapter_copied_is_the_users(tmp_path, where):
    """ccdi's adapter copies each act to give it an id: a ``null`` the user wrote inside it
    (the long fuzzing run's ``{"items": null}``) is the user's mistake, named by its path
    (exit 4), not the plugin's failure (it was exit 6, 'returned acts[0].items = None')."""
    record = json.loads(Path(CCDI_CASE).read_text("utf-8"))
    facts = record.get("facts", record)
    if where == "act":
        facts["acts"][0]["items"] = None
        facts["acts"][0].pop("id", None)  # the adapter gives it one: the act is not as written
        path_shown = "acts[0].items: unknown field"
    else:
        facts["acts"][0] = {"gift": None}
        path_shown = "acts[0].gift: unknown field"
    path = tmp_path / "case.json"
    path.write_text(json.dumps(record), "utf-8")
    result = cli("eval", "-r", "ccdi", str(path))
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert "plugin 'ccdi' failed" not in result.stderr
    assert path_shown in result.stderr


def test_a_sigterm_while_a_renderer_runs_is_no_plugins_failure():
    """A fifth QA round: SIGTERM during ``explain`` exited 6, "plugin 'ruleengine.render.text'
    failed: renderer 'text' raised SystemExit: 143". The handler raises ``Terminated``, which
    the guards let through (a plugin's own ``sys.exit`` is still its failure)."""
    from ruleengine.plugin_guards import PluginFailed, guard_renderer
    from ruleengine.plugins import Renderer
    from ruleengine.stopping import Terminated

    def stopped(*_):
        raise Terminated(143)

    def exits(*_):
        raise SystemExit(3)

    with pytest.raises(Terminated):
        guard_renderer("p", Renderer("text", stopped)).render()
    with pytest.raises(PluginFailed, match="raised SystemExit: 3"):
        guard_renderer("p", Renderer("text", exits)).render()


@pytest.mark.parametrize(
    ("kind", "name", "chinese"),
    [
        (
            "adapter",
            "raises",
            "插件 'failing' 出错：输入适配器 'raises' 引发了异常 KeyError: 'no such key'",
        ),
        (
            "adapter",
            "float_fact",
            "输入适配器 'float_fact' 返回了 credit_items = 1.5，是二进制浮点数",
        ),
        (
            "adapter",
            "inexact_notes",
            "返回的推导说明不能写成 JSON：derivations[0].share 是二进制浮点数",
        ),
        ("renderer", "nothing", "插件 'failing' 出错：渲染器 'nothing' 返回了 None，不是文本"),
        (
            "function",
            "halve",
            "插件 'functions' 出错：函数 halve() 返回了 1.5，应为 整数（须为精确的数",
        ),
        ("function", "untyped", "函数 untyped() 的签名返回了 None，不是 ruleengine.types 中的类型"),
    ],
)
def test_a_plugins_failure_is_said_in_chinese_under_lang_zh(
    entry_points, tmp_path, kind, name, chinese
):
    """Exit 6 under --lang zh: the heading and the guard's words in Chinese (what the plugin's
    own code raised stays as it said it); the English is unchanged."""
    if kind == "function":
        write_module(tmp_path, "re_test_functions", FUNCTIONS)
        entry_points({"functions": "re_test_functions"}, installed=True)
        rules = tmp_path / "f.rules"
        rules.write_text(
            f"conclusion x: value integer = 0\nrule r {{ when {name}() >= 1 then x = 1 }}\n",
            "utf-8",
        )
        args = ["eval", "--rules", str(rules), "-"]
    else:
        adapters = f"[('{name}', {name})]" if kind == "adapter" else "[]"
        write_module(tmp_path, "re_test_failing", PLUGIN_FAILS + f"\n    ADAPTERS = {adapters}\n")
        entry_points({"failing": "re_test_failing"}, installed=True)
        args = ["explain", "-r", "pi2017", PI_CASE] + (["-f", name] if kind == "renderer" else [])
    english = cli(*args, input="{}")
    said = cli(*args, "--lang", "zh", input="{}")
    assert said.exit_code == english.exit_code == EXIT_PLUGIN, said.output
    assert chinese in said.stderr, said.stderr
    assert said.stderr.endswith("插件作者可设置 RULEENGINE_DEBUG=1 查看回溯信息\n")
    assert not re.search(r"\b(failed|returned|raised|expected|called here)\b", said.stderr)
    assert english.stderr.startswith("plugin '") and not re.search(
        r"[\u4e00-\u9fff]", english.stderr
    )
    if name == "halve":
        assert f"\n{rules}:2:15：在此调用\n" in said.stderr


def test_every_guard_text_gives_its_chinese():
    """Each failure the guards raise is made from ``Said`` (English and Chinese), never from
    an English string alone."""
    import ast

    tree = ast.parse((ROOT / "ruleengine" / "plugin_guards.py").read_text("utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("PluginFailed", "_failed")
    ]
    assert len(calls) >= 10
    for call in calls:
        problem = call.args[-1]
        assert not isinstance(problem, (ast.Constant, ast.JoinedStr)), call.lineno
