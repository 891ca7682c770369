"""Sixth QA round, E1: an act dated before 1900 (a typo such as 1015-06-01 for 2015-06-01) was
judged under the Amendment IX text, the heaviest, as the text in force on the day judged: the
rulebook's law in time begins on 1900-01-01. Such a date is refused, naming its field."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ruleengine.cli import EXIT_BAD_FACTS, EXIT_OK, app

ACT = {"kind": "sell", "category": "credit", "items": 600, "recipient": "b"}


@pytest.mark.parametrize(
    ("facts", "path"),
    [
        ({"credit_items": 600, "acted_last": "1899-12-31"}, "acted_last"),
        ({"credit_items": 600, "acted_last": "2016-01-01", "later_crime_on": "1015-06-01"},
         "later_crime_on"),
        ({"credit_items": 600, "acted_last": "2016-01-01", "prosecution_began_on": "1899-01-01"},
         "prosecution_began_on"),
        ({"acts": [{**ACT, "acted_on": "2016-01-01"}, {**ACT, "acted_on": "0001-01-01"}]},
         "acts[1].acted_on"),
    ],
)  # fmt: skip
def test_a_date_before_1900_is_refused_with_its_path(tmp_path, facts, path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps(facts))
    result = CliRunner().invoke(app, ["eval", "-r", "pi2017", str(case), "--as-of", "2024-01-01"])
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert f"{path}: " in result.output and "is before 1900-01-01" in result.output


def test_the_first_day_itself_is_read(tmp_path):
    """1900-01-01 is the first day of the rulebook's law in time (not decided: not encoded)."""
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"credit_items": 600, "acted_last": "1900-01-01"}))
    result = CliRunner().invoke(app, ["eval", "-r", "pi2017", str(case), "--as-of", "2024-01-01"])
    assert result.exit_code == EXIT_OK, result.output
