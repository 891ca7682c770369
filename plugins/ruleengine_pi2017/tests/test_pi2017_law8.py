"""pi2017, the rest of the sixth legal review: the statutory sentence of a time-barred case
(10.1), what-if along the filing date (finding 7), and a seizure dating the earlier side of
acts joined across Amendment IX (its cases in review6/)."""

# ruff: noqa: F811 (the fixtures of test_pi2017, imported, are the tests' arguments)

from __future__ import annotations

import datetime
import json
from pathlib import Path

from test_pi2017 import adapt, book, pm  # noqa: F401 (the fixtures)
from typer.testing import CliRunner

from ruleengine.cli import EXIT_OK, app
from ruleengine.facts import loads_json

REVIEW6 = Path(__file__).parent / "review6"


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == EXIT_OK, result.output
    return result.stdout


def _case(name: str, **more):
    record = loads_json((REVIEW6 / name).read_text(encoding="utf-8"))
    return {**record["facts"], **more}, datetime.date.fromisoformat(record["as_of"])


def test_a_time_barred_case_keeps_the_statutory_range():
    """10.1 (L02): "法定刑：不再追诉……": not prosecuting is no 法定刑. The sentence is the
    range of the text applied; the limitation line says the case is not prosecuted, with the
    item of Art. 87 and CPL Art. 16(2)."""
    text = _run(
        "explain", "-r", "pi2017", "--lang", "zh", str(REVIEW6 / "L02_serious_filed_day_after.json")
    )
    assert "├── 法定刑：三年以下有期徒刑或者拘役\n" in text
    assert "法定刑：不再追诉" not in text
    (line,) = [x for x in text.splitlines() if x.startswith("├── 追诉时效")]
    assert "不再追诉" in line and "第八十七条第一项" in line and "第十六条第二项" in line


def test_whatif_varies_the_filing_date():
    """Finding 7: prosecution_began_on was declared fixed, so the breakpoint a lawyer asks for
    was refused. L01 (act 2016-05-01, serious, five years): filed by 2021-05-01 prosecuted,
    from 2021-05-02 not."""
    out = json.loads(
        _run(
            "whatif",
            "-r",
            "pi2017",
            str(REVIEW6 / "L01_serious_filed_on_last_day.json"),
            "--vary",
            "prosecution_began_on=2021-01-01..2021-12-31",
            "-f",
            "json",
        )
    )
    (bp,) = out["breakpoints"]
    assert (bp["below"], bp["at"]) == ("2021-05-01", "2021-05-02")
    changes = {c["conclusion"]: (c["from"], c["to"]) for c in bp["changes"]}
    assert changes["limitation"] == ("within_time", "time_barred")


def test_whatif_never_shows_the_not_given_date():
    """Finding 7, and 10.3's placeholder date: 1900-01-01 stands for "not given" (the language
    has no optional date). What would change the outcome suggests "filed 2021-05-02" for L01,
    never a filing "1900-01-01" (un-filing it) or "1899-12-31"; and for L13, which gives none,
    no filing date next to the placeholder."""
    for case, expected in (
        ("L01_serious_filed_on_last_day.json", "2021-05-02 (now 2021-05-01)"),
        ("L13_nofiling_ends_dec30.json", ""),
    ):
        text = _run("explain", "-r", "pi2017", str(REVIEW6 / case), "--whatif")
        changes = text.split("What would change the outcome")[1]
        assert expected in changes
        assert "1900-01-01" not in changes and "1899-12-31" not in changes


def test_unknown_filing_date_is_asked_not_refused():
    """Finding 7 (L13): `explain --unknown prosecution_began_on` was refused as a fixed fact;
    it now says the filing date alone decides the limitation."""
    text = _run(
        "explain",
        "-r",
        "pi2017",
        str(REVIEW6 / "L13_nofiling_ends_dec30.json"),
        "--unknown",
        "prosecution_began_on",
    )
    assert "declares this fact fixed" not in text
    assert "still open" in text and "time-barred" in text


def test_whatif_of_the_filing_date_reads_joined_acts_again(adapt, book):
    """L15: acts of 2014 and 2016, joined only while the 2014 side's own period (restarted by
    the 2016 side to 2021-05-02) has not run at the filing. The adapter decides the join from
    the filing date, so the what-if reads the acts again at each date (else the join of the
    case, filed 2025, would stand for every date); each side checked by deciding again."""
    path = str(REVIEW6 / "L15_2014_2016_joined_filed_2025.json")
    out = json.loads(
        _run(
            "whatif",
            "-r",
            "pi2017",
            path,
            "--vary",
            "prosecution_began_on=2017-01-01..2025-12-31",
            "-f",
            "json",
        )
    )
    (bp,) = out["breakpoints"]
    assert (bp["below"], bp["at"]) == ("2021-05-02", "2021-05-03")
    first, second = out["segments"]
    assert first["outcome"]["acts_joined"] == "joined_lenient_opinion"
    assert first["outcome"]["level"] == "especially_serious"
    assert second["outcome"]["limitation"] == "time_barred"
    for began, segment in (("2018-06-01", first), ("2025-06-01", second)):
        facts, _ = adapt(
            _case("L15_2014_2016_joined_filed_2025.json", prosecution_began_on=began)[0]
        )
        c = book.decide(facts, datetime.date(2026, 1, 1)).conclusions
        assert (c["level"], c["limitation"]) == (
            segment["outcome"]["level"],
            segment["outcome"]["limitation"],
        )


def test_a_seizure_does_not_date_the_earlier_side(adapt, book):
    """L15 with a seizure on 2017-06-01 of the 300 items obtained in 2014: the earlier side's
    own period was measured from the seizure day (under Amendment IX, ten years) and the acts
    were joined, 'within the period'. The period runs from the day of the crime (CL Art.
    89(1)); the seizure measures the 2014 obtaining and is dated by it, as for acted_last: the
    2014 side is barred on its own, as without the seizure."""
    record, day = _case("L15s_seizure_2017_of_2014_obtaining.json")
    facts, _ = adapt(record)
    c = book.decide(facts, day).conclusions
    assert "joined_across_amendment9" not in facts
    assert (c["level"], c["limitation"]) == ("serious", "time_barred")
    plain, _ = adapt(_case("L15_2014_2016_joined_filed_2025.json")[0])
    assert book.decide(plain, day).conclusions == c
