"""The sixth QA round's smaller batch findings (F2): what describes a case, results checked
against the rulebook, CSV headers, ``--by`` twice, spreadsheet formulas, interrupted runs."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruleengine.cli import EXIT_BAD_FACTS, EXIT_USAGE, app

ROOT = Path(__file__).resolve().parents[1]
CCDI_CASES = ROOT / "examples" / "ccdi" / "cases.jsonl"


def _ccdi_case_with_officials() -> dict:
    for line in CCDI_CASES.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "case" in record:
            return record
    raise AssertionError("the example file has a case with several officials")


def test_eval_refuses_a_case_object_that_is_null_or_a_case_id_that_is_a_number(tmp_path):
    record = _ccdi_case_with_officials()
    for case, said in (
        (None, "'case' must be an object, got null"),
        ({**record["case"], "id": 7}, "case.id: expected a text, got 7"),
    ):
        path = tmp_path / "case.json"
        path.write_text(json.dumps({**record, "case": case}), encoding="utf-8")
        result = CliRunner().invoke(app, ["eval", str(path), "-r", "ccdi"])
        assert result.exit_code == EXIT_BAD_FACTS, result.output
        assert said in result.output


def test_by_naming_a_conclusion_twice_is_a_usage_error_naming_by(tmp_path):
    for command in (
        ["summary", str(CCDI_CASES), "-r", "ccdi", "--by", "disciplines,disciplines"],
        ["diff", str(CCDI_CASES), "-r", "ccdi", "--as-of", "2023-12-31"]
        + ["--against-as-of", "2024-12-31", "--by", "disciplines,sanction,disciplines"],
    ):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == EXIT_USAGE, result.output
        assert "--by " in result.output and "'disciplines' is named twice" in result.output
    result = CliRunner().invoke(app, ["summary", str(CCDI_CASES), "-r", "ccdi", "--by", "sanctoin"])
    assert result.exit_code == EXIT_USAGE
    assert "--by sanctoin: no conclusion named 'sanctoin'" in result.output


FORMULAS = """\
document formulas {
  title: "formulas"
  effective: 2020-01-01
  date: day
}
input day: date
input score: count = 0
conclusion note: value text
conclusion amount: value money
rule r_note { cite article 1  when score >= LIMIT then note = "=1+2" }
rule r_amount { cite article 2  when score >= 0 then amount = 0 CNY - 5000.50 CNY }
"""


def test_csv_outputs_keep_text_cells_from_running_as_formulas(tmp_path):
    """OWASP's advice for CSV injection: a text cell starting with = + - @ or a tab gets a
    leading ' in every CSV we write; numbers (``-5000.50``) are left alone; JSON Lines raw."""
    old, new = tmp_path / "old.rules", tmp_path / "new.rules"
    old.write_text(FORMULAS.replace("LIMIT", "5"), encoding="utf-8")
    new.write_text(FORMULAS.replace("LIMIT", "1"), encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    lines = [
        {"name": '=HYPERLINK("http://x","a")', "day": "2021-01-01", "score": 3},
        {"case": {"id": "+cmd|x"}, "subjects": [{"name": "@SUM(1)", "day": "2021-01-01"}]},
        {"name": "\tTAB", "day": "2021-01-01", "score": 9},
    ]
    cases.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    runner = CliRunner()
    for suffix in ("csv", "jsonl"):
        out = tmp_path / f"out.{suffix}"
        result = runner.invoke(app, ["run", str(cases), "--rules", str(new), "-o", str(out)])
        assert result.exit_code == 0, result.output
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["case"], r["person"], r["note"], r["amount"]) for r in rows] == [
        ("", '\'=HYPERLINK("http://x","a")', "'=1+2", "-5000.5"),
        ("'+cmd|x", "subjects[0] (@SUM(1))", "", "-5000.5"),
        ("", "'\tTAB", "'=1+2", "-5000.5"),
    ]
    raw = [json.loads(t) for t in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert raw[0]["person"] == '=HYPERLINK("http://x","a")' and raw[0]["note"] == "=1+2"
    result = runner.invoke(
        app,
        ["summary", str(tmp_path / "out.jsonl"), "--rules", str(new), "--by", "note", "-f", "csv"],
    )
    assert result.exit_code == 0, result.output
    assert "note,'=1+2," in result.stdout
    changes = tmp_path / "changes.csv"
    result = runner.invoke(
        app,
        ["diff", str(cases), "--rules", str(old), "--against-rules", str(new)]
        + ["--changes", str(changes)],
    )
    assert result.exit_code == 0, result.output
    with open(changes, newline="", encoding="utf-8") as f:
        changed = list(csv.DictReader(f))
    assert [(c["person"], c["old"], c["new"]) for c in changed] == [
        ('\'=HYPERLINK("http://x","a")', "", "'=1+2")
    ]


ARTICLE5 = ROOT / "examples" / "quickstart" / "article5.rules"


def test_a_table_column_that_names_no_field_refuses_the_file_once_before_any_row(tmp_path):
    """Every row would be skipped with the same reason: the header is refused once, naming
    each column with a did-you-mean, its rows counted (exit 4); a row of too many cells is
    still that row's, said in the plural."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    cases = tmp_path / "cases.csv"
    cases.write_text(" sensitive_items ,In_Duty,illegal_gain\n1,true,5\n2,false,6\n", "utf-8")
    table = pa.table({"sensitive_items": [1], "in\x00duty": [True]})
    pq.write_table(table, tmp_path / "cases.parquet")
    runner = CliRunner()
    for command in ("run", "summary"):
        extra = ["-o", str(tmp_path / "out.jsonl")] if command == "run" else []
        result = runner.invoke(app, [command, str(cases), "--rules", str(ARTICLE5), *extra])
        assert result.exit_code == EXIT_BAD_FACTS, result.output
        assert result.output.count("\n") == 1, result.output  # one message, not one a row
        assert (
            f"{cases}:1: the header names the columns ' sensitive_items ' (did you mean "
            "'sensitive_items'?), 'In_Duty' (did you mean 'in_duty'?), which are no fields of"
        ) in result.output
        assert "the file is refused (2 rows not read)" in result.output
    out = tmp_path / "out.jsonl"
    parquet = tmp_path / "cases.parquet"
    result = runner.invoke(app, ["run", str(parquet), "--rules", str(ARTICLE5), "-o", str(out)])
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert "the file has the column 'in\\x00duty' (did you mean 'in_duty'?)" in result.output
    assert "(1 row not read)" in result.output
    cases.write_text("sensitive_items,illegal_gain\n1,5,7\n", "utf-8")
    result = runner.invoke(app, ["run", str(cases), "--rules", str(ARTICLE5), "-o", str(out)])
    assert result.exit_code == EXIT_BAD_FACTS
    assert f"{cases}:2: skipped: 3 cells, but the header names 2 columns" in result.output
    cases.write_text("sensitive_items\n1,\n", "utf-8")
    result = runner.invoke(app, ["run", str(cases), "--rules", str(ARTICLE5), "-o", str(out)])
    assert "2 cells, but the header names 1 column\n" in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="a named pipe feeds the run")
@pytest.mark.parametrize(("stop", "lang"), [(signal.SIGINT, "en"), (signal.SIGTERM, "zh")])
def test_a_stopped_run_says_in_one_line_how_far_it_went_and_that_nothing_was_written(
    tmp_path, stop, lang
):
    """No timing: the run is fed through a named pipe, and stopped once its temporary OUT
    holds rows (a chunk was decided), the pipe still open; OUT is as it was."""
    fifo = tmp_path / "cases.jsonl"
    os.mkfifo(fifo)
    out = tmp_path / "out.jsonl"
    out.write_text("older\n", encoding="utf-8")
    code = "from ruleengine.cli import main; main()"
    args = [sys.executable, "-c", code, "run", str(fifo), "--rules", str(ARTICLE5), "-o"]
    proc = subprocess.Popen(
        [*args, str(out), "-j", "1", "--lang", lang], stderr=subprocess.PIPE, text=True
    )
    with open(fifo, "w", encoding="utf-8") as cases:
        cases.write('{"sensitive_items": 60}\n' * 1200)
        cases.flush()
        for _ in range(1200):  # rows in the temporary OUT (at most 120 s on a loaded machine)
            if any(p.stat().st_size for p in tmp_path.glob(".out.jsonl.*.tmp")):
                break
            time.sleep(0.1)
        proc.send_signal(stop)
        assert proc.wait(60) == 128 + stop
    said = proc.stderr.read().splitlines()
    assert len(said) == 1, said
    decided = re.fullmatch(
        r"interrupted after ([\d,]+) lines \(\1 decided, 0 skipped\): nothing written; "
        rf"{re.escape(str(out))} left as it was, {re.escape(str(out))}\.errors\.jsonl not made"
        if lang == "en"
        else r"已终止：已处理 ([\d,]+) 行（判定 \1 行，跳过 0 行）；未写入任何内容："
        rf"{re.escape(str(out))} 保持原样，{re.escape(str(out))}\.errors\.jsonl 未创建",
        said[0],
    )
    assert decided and int(decided.group(1).replace(",", "")) >= 500, said
    assert out.read_text(encoding="utf-8") == "older\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.jsonl", "out.jsonl"]


TOY_RULES = """\
document toy {
  title: "toy"
  effective: 2020-01-01
  date: day
}
scale grade { low mid high }
input day: date
input score: count = 0
conclusion level: highest grade
conclusion flagged: value bool = false
conclusion fine: value money
rule r_mid { cite article 1  when score >= 10 then level = mid }
rule r_flag { cite article 2  when score >= 20 then flagged = true }
rule r_fine { cite article 3  when score >= 0 then fine = 100 CNY }
"""


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_summary_of_results_counts_blank_lines_and_skips_values_not_the_rulebooks(tmp_path, fmt):
    """The summary's lines are the non-blank ones, said so beside run's blank count (results
    hold no blank lines); a value edited by hand that is not of its conclusion's type is a
    skipped line (its number, column and why), not a group of its own nor a boolean."""
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    pytest.importorskip("duckdb")
    rules = tmp_path / "toy.rules"
    rules.write_text(TOY_RULES, encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    good = '{"day": "2021-01-01", "score": 25}\n'
    cases.write_text(good * 3 + "\n" + good + "\n\n" + "[1]\n" + good, encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(cases), "--rules", str(rules), "-o", str(out)])
    assert "9 lines: 5 cases decided (5 persons)" in result.output
    assert "1 skipped (data 1)" in result.output and "3 blank" in result.output
    summary = ["summary", str(out), "--rules", str(rules), "-f", "json"]
    totals = json.loads(runner.invoke(app, summary).stdout)["totals"]
    assert (totals["lines"], totals["lines_skipped"], totals["lines_blank"]) == (6, 1, None)
    text = runner.invoke(app, summary[:-2]).stdout
    assert "1 of 6 lines skipped (not blank; run's totals count the blank lines" in text
    # edited by hand: line 2 (a level that is none), line 3 ("yes" for a boolean) and 9
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pq.read_table(out)
        rows = table.to_pylist()
        rows[1]["level"] = "bogus"
        rows[4]["fine"] = "a lot"
        pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), out)
        bad = {2: 'level: "bogus" is not one of low, mid, high', 9: "fine: expected a number"}
    else:
        text = out.read_text(encoding="utf-8").splitlines(keepends=True)
        if fmt == "jsonl":
            text[1] = text[1].replace('"level": "mid"', '"level": "bogus"')
            text[2] = text[2].replace('"flagged": true', '"flagged": "yes"')
            text[4] = text[4].replace('"fine": "100"', '"fine": "a lot"')
        else:  # the header, then a row a line
            text[2] = text[2].replace(",mid,", ",bogus,")
            text[3] = text[3].replace(",true,", ",yes,")
            text[5] = text[5].replace(",100,", ",a lot,")
        out.write_text("".join(text), encoding="utf-8")
        bad = {
            2: 'level: "bogus" is not one of low, mid, high',
            3: 'flagged: expected true or false, got "yes"',
            9: 'fine: expected a number (as exact text), got "a lot"',
        }
    result = runner.invoke(app, summary)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    data = json.loads(result.stdout)
    expected = {**bad, 8: "expected a JSON object, got a list"}
    got = {s["line"]: s["reason"][: len(expected.get(s["line"], ""))] for s in data["skipped"]}
    assert got == expected
    totals = data["totals"]
    assert totals["lines"] == totals["lines_counted"] + totals["lines_skipped"] == 6
    assert totals["lines_skipped"] == 1 + len(bad)
    levels = next(c for c in data["conclusions"] if c["conclusion"] == "level")
    assert [r["value"] for r in levels["rows"]] == ["low", "mid", "high"]
    for line, reason in bad.items():
        assert f"{out}: cases line {line}: skipped: {reason}" in result.output
