"""The explanation's header names the texts whose provisions decided the case (fourth legal
review 7.5): not every document of the rulebook in force on the day."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ruleengine
from ruleengine.cli import app
from ruleengine.render.explanation import build

ROOT = Path(__file__).resolve().parent.parent
KICKBACKS = str(ROOT / "examples" / "ccdi" / "kickbacks.json")

DECLARATIONS = """
scale seriousness {
  none: "not serious"
  serious: "serious"
  especially_serious: "especially serious"
}
input x: count = 0 "x"
input y: count = 0 "y"
conclusion level: highest seriousness "circumstances"
"""


def _law(name: str, title: str, rule: str) -> str:
    return f'document {name} {{\n  title: "{title}"\n  citation: "{title}"\n}}\n{rule}'


A = _law("a", "Law A", "rule ra {\n  cite article 1\n  when x >= 1\n  then level = serious\n}\n")
B = _law(
    "b",
    "Law B",
    "rule rb {\n  cite article 2\n  when x >= 2\n  then level = especially_serious\n}\n",
)
C = _law("c", "Law C", "rule rc {\n  cite article 3\n  when y >= 1\n  then level = serious\n}\n")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("header")
    for name, text in (("decl", DECLARATIONS), ("a", A), ("b", B), ("c", C)):
        (folder / f"{name}.rules").write_text(text, encoding="utf-8")
    return ruleengine.load_paths([folder], name="header")


def _texts(book, **facts) -> list[str]:
    trace = book.explain(book.validate(facts), datetime.date(2024, 1, 1))
    subtitle = build(trace, "en").subtitle
    return subtitle.split(" · ")[1].split(" / ") if " · " in subtitle else []


def test_only_the_texts_whose_provisions_decided_are_named(book):
    assert _texts(book, x=1) == ["Law A"]
    assert _texts(book, x=1, y=1) == ["Law A", "Law C"]


def test_a_finding_outweighed_by_a_higher_one_decided_nothing(book):
    assert _texts(book, x=2) == ["Law B"]


def test_when_nothing_decided_the_texts_in_force_are_named(book):
    assert _texts(book) == ["Law A", "Law B", "Law C"]


@pytest.mark.parametrize(
    ("lang", "fmt", "expected"),
    [
        (
            "en",
            "text",
            "Criminal Law / Interpretation [2016] No. 9 / Disciplinary Regulations (2023)",
        ),
        ("en", "annotated", "Interpretation [2016] No. 9 / Disciplinary Regulations (2023)"),
        ("en", "markdown", r"Interpretation \[2016\] No. 9 / Disciplinary Regulations (2023)"),
        ("zh", "text", "刑法 / 法释〔2016〕9号 / 中国共产党纪律处分条例（2023年修订）"),
    ],
)
def test_the_ccdi_kickbacks_case_names_the_texts_that_decided_it(lang, fmt, expected):
    """Neither the 2012 interpretation (dereliction) nor the 2022 filing standards decide
    anything in this case of bribery."""
    result = CliRunner().invoke(
        app, ["explain", "-r", "ccdi", KICKBACKS, "-f", fmt, "--lang", lang]
    )
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if "2024" in line)
    assert expected in header
    for absent in ("2012", "2022"):
        assert absent not in header


def test_the_version_in_force_on_the_act_date_is_named_when_it_decided():
    """ccdi's act of 2017 decided in 2018 under the 2015 regulations (the lighter old text):
    that text is no longer in force on the as-of date, yet it decided the sanction."""
    case = str(ROOT / "examples" / "ccdi" / "act_before_revision.json")
    result = CliRunner().invoke(app, ["explain", "-r", "ccdi", case])
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[1]
    assert header.endswith("Disciplinary Regulations (2015) / Disciplinary Regulations (2018)")
