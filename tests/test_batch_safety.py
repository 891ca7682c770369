"""Batch commands never destroy an input, account for every line (diff too), and refuse a
bad option or a bad file before any work, each with its own message and exit code."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from test_batch import TEXT, TOY, runner

from ruleengine.batch import commands
from ruleengine.cli import EXIT_BAD_FACTS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, app

GOOD = '{"day": "2021-01-01", "score": 12}'
BAD = "[1, 2]"  # not an object: skipped for its content


@pytest.fixture()
def toy(tmp_path):
    rules = tmp_path / "toy.rules"
    rules.write_text(TOY, encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(TEXT, encoding="utf-8")
    return rules, cases


def run(rules, cases, out, *extra):
    return runner.invoke(app, ["run", str(cases), "--rules", str(rules), "-o", str(out), *extra])


# ------------------------------------------------------------------ never over the input
@pytest.mark.parametrize("how", ["same", "symlink", "hard link", "errors file", "dotted"])
def test_run_refuses_to_write_over_its_cases(toy, tmp_path, how):
    rules, cases = toy
    out = cases
    if how == "symlink":
        out = tmp_path / "link.jsonl"
        out.symlink_to(cases)
    elif how == "hard link":
        out = tmp_path / "hard.jsonl"
        os.link(cases, out)
    elif how == "errors file":  # OUT.errors.jsonl is the cases
        cases = cases.rename(tmp_path / "r.jsonl.errors.jsonl")
        out = tmp_path / "r.jsonl"
    elif how == "dotted":
        out = tmp_path / "sub" / ".." / "cases.jsonl"
    result = run(rules, cases, out)
    assert result.exit_code == EXIT_USAGE, result.output
    assert str(out) in result.output and f"the cases {cases}" in result.output
    assert cases.read_text(encoding="utf-8") == TEXT  # untouched
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_dask_dataset_folder_that_holds_the_cases_is_refused_before_dask_starts(toy, tmp_path):
    rules, cases = toy
    folder = tmp_path / "ds"
    folder.mkdir()
    inside = folder / "cases.jsonl"
    inside.write_text(TEXT, encoding="utf-8")
    result = run(rules, inside, folder, "--dask", "local")
    assert result.exit_code == EXIT_USAGE, result.output
    assert "would be written over the cases" in result.output
    assert inside.read_text(encoding="utf-8") == TEXT
    # A Parquet folder given as the cases: no output in it, and not the folder itself.
    for out in (folder, folder / "out.jsonl"):
        with pytest.raises(commands.Usage, match="would be written over the cases"):
            commands.refuse_overwriting(str(folder), [("-o", out)])
    commands.refuse_overwriting("-", [("-o", inside)])  # standard input: nothing to destroy


def test_run_writes_through_a_symlink_to_another_file(toy, tmp_path):
    rules, cases = toy
    target = tmp_path / "target.jsonl"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    assert run(rules, cases, link).exit_code == EXIT_BAD_FACTS
    assert link.is_symlink() and len(target.read_text(encoding="utf-8").splitlines()) == 4


def test_a_run_that_fails_leaves_the_older_results_as_they_were(toy, tmp_path, monkeypatch):
    rules, cases = toy
    out = tmp_path / "out.csv"
    out.write_text("older,results\n", encoding="utf-8")
    errors = tmp_path / "out.csv.errors.jsonl"
    errors.write_text("", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug half way")

    monkeypatch.setattr(commands, "run", broken)
    assert run(rules, cases, out).exit_code == EXIT_INTERNAL
    assert out.read_text(encoding="utf-8") == "older,results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["toy.rules", "cases.jsonl", "out.csv", "out.csv.errors.jsonl"]
    )  # no temporary file left either


# ------------------------------------------------------------------ diff: every line
def diff(rules, cases, *extra):
    args = ["diff", str(cases), "--rules", str(rules), "--as-of", "2021-01-01"]
    return runner.invoke(app, [*args, "--against-as-of", "2019-01-01", *extra])


@pytest.fixture()
def many_bad(tmp_path):
    """12 bad lines, 3 good, 1 blank: more bad lines than standard error shows."""
    cases = tmp_path / "many.jsonl"
    lines = [GOOD] + [BAD] * 12 + ["", GOOD, GOOD]
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cases


def test_diff_accounts_for_every_line_of_each_side(toy, tmp_path, many_bad):
    rules, _ = toy
    changes = tmp_path / "all.jsonl"
    result = diff(rules, many_bad, "--changes", str(changes), "-f", "json")
    # A line skipped on either side: exit 4, as for run and summary (docs/cli.md).
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    data = json.loads(result.stdout)
    errors = tmp_path / "all.jsonl.errors.jsonl"
    assert data["errors"] == str(errors)
    for side in ("old", "new"):
        totals = data["totals"][side]
        assert (totals["lines"], totals["lines_blank"], totals["lines_skipped"]) == (15, 1, 12)
        assert totals["lines"] == totals["cases"] + totals["lines_skipped"]
    # Standard error names the first ten of each side and says how many more, and where.
    said = result.stderr.splitlines()
    for label in ("2021-01-01", "2019-01-01"):
        assert sum(t.startswith(f"[{label}] ") and ": skipped: " in t for t in said) == 10
        assert f"[{label}] {many_bad}: 2 more skipped line(s) and note(s): see {errors}" in said
    written = [json.loads(t) for t in errors.read_text(encoding="utf-8").splitlines()]
    assert [(e["side"], e["line"]) for e in written] == [
        (label, line) for label in ("2021-01-01", "2019-01-01") for line in range(2, 14)
    ]


def test_diff_text_says_each_sides_totals_and_the_errors_file(toy, tmp_path, many_bad):
    rules, _ = toy
    errors = tmp_path / "skipped.jsonl"
    result = diff(rules, many_bad, "--errors", str(errors))
    assert result.exit_code == EXIT_BAD_FACTS
    assert (
        f"2021-01-01: 16 lines: 3 cases decided; 12 skipped (data 12) -> {errors}; 1 blank"
        in result.stdout
    )
    assert len(errors.read_text(encoding="utf-8").splitlines()) == 24
    # Without a file for them, standard error says how to keep them.
    result = diff(rules, many_bad)
    assert "2 more skipped line(s) and note(s): give --errors FILE to keep them" in result.stderr


def test_diff_exits_0_only_when_no_line_was_skipped(toy, tmp_path):
    rules, _ = toy
    cases = tmp_path / "good.jsonl"
    cases.write_text(GOOD + "\n", encoding="utf-8")
    result = diff(rules, cases, "-f", "json")
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["totals"]["new"]["lines_skipped"] == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--changes", "all.txt"], "the changes file is .csv, .jsonl or .parquet"),
        (["--changes", "CASES"], "would be written over the cases"),
        (["--errors", "CASES"], "would be written over the cases"),
        (["--changes", "no/such/all.csv"], "no such folder"),
        (["--changes", "all.csv", "--errors", "all.csv"], "is the changes file"),
        (["--by", "levle"], "did you mean 'level'"),
    ],
)
def test_diff_refuses_a_bad_option_before_deciding_a_case(
    toy, tmp_path, monkeypatch, extra, message
):
    rules, cases = toy
    monkeypatch.chdir(tmp_path)

    def not_now(*args, **kwargs):
        raise AssertionError("a case was decided before the options were checked")

    monkeypatch.setattr(commands, "decide_into", not_now)
    extra = [str(cases) if e == "CASES" else e for e in extra]
    result = diff(rules, cases, *extra)
    assert result.exit_code == EXIT_USAGE, result.output
    assert message in result.output
    assert cases.read_text(encoding="utf-8") == TEXT


# ------------------------------------------------------------------ files refused whole
@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("score,score", "the header names the column 'score' twice"),
        ("score,,day", "column 2 of the header has no name"),
        ('score,"day', "the header cannot be read as CSV"),
    ],
)
def test_a_csv_file_whose_header_cannot_be_used_is_refused_saying_how_many_rows(
    toy, tmp_path, header, reason
):
    rules, _ = toy
    cases = tmp_path / "bad.csv"
    cases.write_text(f"{header}\n1,2\n\n3,4\n5,6\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run(rules, cases, out)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert f"{cases}:1: {reason}" in result.stderr
    if "cannot be read" not in reason:  # the rest is one quoted cell: no row to count
        assert "the file is refused (3 rows not read)" in result.stderr
    assert not out.exists()  # nothing was decided, nothing written
    # Through standard input too, before anything is decided.
    result = runner.invoke(
        app,
        ["run", "-", "--input-format", "csv", "--rules", str(rules), "-o", str(out)],
        input=cases.read_bytes(),
    )
    assert result.exit_code == EXIT_BAD_FACTS and f"-:1: {reason}" in result.stderr


def test_a_folder_with_other_files_than_parquet_parts_is_refused_with_our_message(toy, tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rules, _ = toy
    folder = tmp_path / "folder"
    folder.mkdir()
    rows = [{"day": "2021-01-01", "score": n} for n in (3, 12, 25)]
    pq.write_table(pa.Table.from_pylist(rows), folder / "part-0.parquet")
    (folder / "batch1.log").write_text("a log\n", encoding="utf-8")
    (folder / "_SUCCESS").write_text("", encoding="utf-8")  # skipped by Arrow, and by us
    result = run(rules, folder, tmp_path / "out.jsonl")
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert "a folder is read as a Parquet dataset when it holds only *.parquet parts" in (
        result.stderr
    )
    assert str(folder / "batch1.log") in result.stderr and "pyarrow" not in result.stderr
    assert "Error creating dataset" not in result.stderr
    (folder / "batch1.log").unlink()
    result = run(rules, folder, tmp_path / "out.jsonl")
    assert result.exit_code == EXIT_OK, result.output  # the parts alone: read
    assert "3 lines: 3 cases decided" in result.stdout


# ------------------------------------------------------------------ summary of results
def test_summary_of_results_names_the_errors_file_and_the_cases_line(toy, tmp_path, many_bad):
    rules, _ = toy
    out = tmp_path / "out.jsonl"
    run(rules, many_bad, out)
    args = ["summary", str(out), "--rules", str(rules)]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    said = result.stderr.splitlines()
    errors = f"{out}.errors.jsonl"
    assert said[0] == f"{errors}: cases line 2: skipped: {json.loads(errors_line(out))}"
    assert len([t for t in said if ": cases line " in t]) == 10
    assert f"{errors}: 2 more skipped line(s) of the cases" in said
    assert not any(t.startswith(f"{out}:") for t in said)
    # A misspelt --by is refused before any skipped line is printed.
    result = runner.invoke(app, [*args, "--by", "levle"])
    assert result.exit_code == EXIT_USAGE
    assert "did you mean 'level'" in result.output and "skipped" not in result.output


def errors_line(out: Path) -> str:
    """The reason of the first line in OUT's errors file, as JSON text."""
    first = (out.parent / f"{out.name}.errors.jsonl").read_text(encoding="utf-8").splitlines()[0]
    return json.dumps(json.loads(first)["reason"])


def test_an_output_that_is_a_folder_is_refused_before_the_run_and_a_pipe_is_written_to(
    toy, tmp_path
):
    rules, cases = toy
    folder = tmp_path / "out.jsonl"
    folder.mkdir()
    result = run(rules, cases, folder)
    assert result.exit_code == EXIT_USAGE and "cannot write (Is a directory)" in result.output
    pipe = tmp_path / "pipe.jsonl"
    os.mkfifo(pipe)
    got = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
    reader.start()
    result = run(rules, cases, pipe, "-j", "1")
    reader.join(timeout=60)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert len(got[0].splitlines()) == 4 and pipe.is_fifo()  # written through, not replaced


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a full disk)")
def test_an_errors_file_that_cannot_be_written_is_named_not_called_output(toy, tmp_path):
    """A seventh QA round: an errors file linked to /dev/full said "output: cannot write"."""
    rules, cases = toy
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.errors.jsonl").symlink_to("/dev/full")
    result = run(rules, cases, out)
    assert result.exit_code == EXIT_USAGE, result.output
    assert "out.jsonl.errors.jsonl: cannot write (No space left on device)" in result.stderr
