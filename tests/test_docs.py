"""The plugin documentation keeps up with the code (in the manner of datasette's doc tests).

A new hook in hookspecs.py cannot ship without its section in docs/plugins.md, and a new
built-in function cannot ship without being mentioned in docs/plugins.md or
docs/language.md. The hook list and the function list are read from the code itself.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import attrs
import pytest

import ruleengine
from ruleengine import hookspecs
from ruleengine.plugins import DEFAULT_PLUGINS

ROOT = Path(__file__).resolve().parent.parent
PLUGINS_DOC = ROOT / "docs" / "plugins.md"
LANGUAGE_DOC = ROOT / "docs" / "language.md"


def _hooks() -> list[str]:
    return sorted(
        name
        for name, obj in vars(hookspecs).items()
        if inspect.isfunction(obj) and hasattr(obj, "ruleengine_spec")
    )


def _contributions(hook: str, plugin: str) -> list[str]:
    """Names a built-in plugin contributes to a hook, asked of the plugin itself."""
    pm = ruleengine.get_plugin_manager(load_entry_points=False)
    return sorted(item.name for owner, item in pm.collect(hook) if owner == plugin)


def _headings(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^#{2,4} (.+)$", text, re.MULTILINE)]


@pytest.fixture(scope="module")
def plugins_doc() -> str:
    return PLUGINS_DOC.read_text(encoding="utf-8")


def test_hooks_are_found():
    assert len(_hooks()) >= 5


@pytest.mark.parametrize("hook", _hooks())
def test_every_hook_has_a_section(plugins_doc, hook):
    assert f"`{hook}`" in _headings(plugins_doc), (
        f"docs/plugins.md has no '### `{hook}`' section for the hook in hookspecs.py"
    )


def test_no_section_for_a_hook_that_does_not_exist(plugins_doc):
    documented = {h.strip("`") for h in _headings(plugins_doc) if h.startswith("`ruleengine_")}
    assert documented <= set(_hooks()), documented - set(_hooks())


BUILT_IN_FUNCTIONS = _contributions("ruleengine_functions", "ruleengine.default_functions")


def test_built_in_functions_are_found():
    assert "round" in BUILT_IN_FUNCTIONS and len(BUILT_IN_FUNCTIONS) >= 9


@pytest.mark.parametrize("function", BUILT_IN_FUNCTIONS)
def test_every_built_in_function_is_documented(plugins_doc, function):
    texts = {"docs/plugins.md": plugins_doc}
    if LANGUAGE_DOC.exists():
        texts["docs/language.md"] = LANGUAGE_DOC.read_text(encoding="utf-8")
    # Mentioned as code: `round(x, places)` or `round`.
    pattern = re.compile(rf"`{re.escape(function)}[(`]")
    assert any(pattern.search(t) for t in texts.values()), (
        f"built-in function {function}() is documented in neither {' nor '.join(texts)}"
    )


@pytest.mark.parametrize(
    "type_name", _contributions("ruleengine_types", "ruleengine.default_types")
)
def test_every_built_in_type_is_documented(plugins_doc, type_name):
    assert f"`{type_name}`" in plugins_doc


@pytest.mark.parametrize("module", DEFAULT_PLUGINS)
def test_every_built_in_plugin_is_named(plugins_doc, module):
    assert f"`{module}`" in plugins_doc


CLASSES = ["RuleSource", "FunctionSpec", "CustomType", "InputAdapter", "Computed", "Renderer"]


@pytest.mark.parametrize("cls", CLASSES)
def test_every_contribution_class_is_documented(plugins_doc, cls):
    assert f"`{cls}(" in plugins_doc


def test_documented_fields_match_the_classes(plugins_doc):
    """The signatures in the classes table are the attrs fields, in order."""
    rows = re.findall(r"^\| `([A-Z]\w+)\(([^)]*)\)` \|", plugins_doc, re.MULTILINE)
    assert sorted(name for name, _ in rows) == sorted(CLASSES)
    for cls_name, fields in rows:
        documented = [f.split("=")[0].strip() for f in fields.split(",")]
        assert documented == [f.name for f in attrs.fields(getattr(ruleengine, cls_name))]


def test_linked_paths_exist(plugins_doc):
    for target in re.findall(r"\]\((\.\./[^)#]+)", plugins_doc):
        assert (PLUGINS_DOC.parent / target).exists(), target


def test_every_exit_code_is_documented():
    """docs/cli.md's table and the command line's docstring list every EXIT_ constant."""
    from ruleengine import cli

    codes = {v for k, v in vars(cli).items() if k.startswith("EXIT_")}
    table = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = {int(c) for c in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert documented == codes
    in_docstring = {int(c) for c in re.findall(r"(?:^  |· )(\d+) ", cli.__doc__, re.MULTILINE)}
    assert in_docstring == codes
