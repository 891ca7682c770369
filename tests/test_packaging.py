"""The installed distribution: every package listed, and every top-level name our own."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _folder(package: str) -> Path:
    top, _, rest = package.partition(".")
    base = ROOT / SETUPTOOLS["package-dir"].get(top, top)
    return base.joinpath(*rest.split(".")) if rest else base


def test_every_top_level_package_belongs_to_the_project():
    # A bare "dsl" could shadow, or be shadowed by, another distribution's package.
    tops = {p.partition(".")[0] for p in SETUPTOOLS["packages"]}
    assert all(t == "ruleengine" or t.startswith("ruleengine_") for t in tops), tops


def test_every_listed_package_exists():
    for package in SETUPTOOLS["packages"]:
        assert (_folder(package) / "__init__.py").is_file(), package


def test_every_package_in_the_tree_is_listed():
    listed = set(SETUPTOOLS["packages"])
    for top in {p.partition(".")[0] for p in listed}:
        base = _folder(top)
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            if "tests" in rel.parts:
                continue  # a plugin's tests run from the checkout, not the wheel
            name = ".".join((top, *rel.parts))
            assert name in listed, f"{name} ({init.parent}) is not in pyproject's packages"


def test_the_front_end_imports_under_the_project_name():
    import ruleengine_dsl

    assert Path(ruleengine_dsl.__file__).parent.name in ("dsl", "ruleengine_dsl")
    assert (Path(ruleengine_dsl.__file__).parent / "grammar.lark").is_file()


def test_the_pages_templates_and_styles_are_installed():
    """Package data: CI installs the wheel (not the checkout), whose pages need these."""
    from importlib.resources import files

    server = files("ruleengine.server")
    for name in ("base.html", "form.html", "result.html", "index.html", "login.html"):
        assert (server / "templates" / name).is_file(), name
    assert (server / "static" / "style.css").is_file()


def test_the_doc_templates_are_installed():
    """``ruleengine doc`` renders from these (package data, as the server's pages)."""
    from importlib.resources import files

    templates = files("ruleengine.doc") / "templates"
    for name in ("base.html", "_macros.html", "index.html", "document.html", "source.html"):
        assert (templates / name).is_file(), name
    for name in ("_macros.md", "index.md", "document.md", "article.md"):
        assert (templates / name).is_file(), name
