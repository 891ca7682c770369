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
import sys
import textwrap
import tomllib
from fractions import Fraction
from pathlib import Path

import pytest

import ruleengine
from ruleengine import hookspecs
from ruleengine.plugins import (
    DEFAULT_PLUGINS,
    ENTRY_POINT_GROUP,
    adapter_chain,
    input_adapters,
    registered_functions,
    registered_types,
    renderers,
    rule_sources,
)
from ruleengine.testing import run_tests
from ruleengine.types import DECIMAL, INTEGER, is_numeric

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
    """Fake the installed entry points: ``entry_points({name: module})``.

    Modules written with ``write_module(tmp_path, ...)`` are importable.
    """
    monkeypatch.syspath_prepend(str(tmp_path))
    real = importlib.metadata.entry_points
    created: list[str] = []

    def install(mapping: dict[str, str]) -> None:
        eps = [importlib.metadata.EntryPoint(n, v, ENTRY_POINT_GROUP) for n, v in mapping.items()]

        def fake(**params):
            if params.get("group") == ENTRY_POINT_GROUP:
                return importlib.metadata.EntryPoints(eps)
            return real(**params)

        monkeypatch.setattr(importlib.metadata, "entry_points", fake)
        created.extend(v.split(":")[0] for v in mapping.values())

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


def test_a_plugin_that_raises_inside_a_hook_is_recorded(monkeypatch):
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
        "ruleengine_functions: ValueError('cannot list my functions')"
    ]
    # Its other hooks still count: only the hook that raised is left out.
    assert "mine" in registered_types(pm)
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
    assert "ruleengine_functons" in message
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
