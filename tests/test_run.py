"""run, summary over results, diff: per-person rows in every format, every line accounted
for, input order on several cores, cross-tabs and filters, provision counts, transitions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from test_batch import LINES, TEXT, TOY, runner

from ruleengine.batch import running
from ruleengine.batch.inputs import JsonLines
from ruleengine.cli import EXIT_BAD_FACTS, EXIT_OK, EXIT_USAGE, app


@pytest.fixture()
def files(tmp_path):
    rules = tmp_path / "toy.rules"
    rules.write_text(TOY, encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(TEXT, encoding="utf-8")
    return rules, cases


def run(files, out, *extra):
    rules, cases = files
    return runner.invoke(app, ["run", str(cases), "--rules", str(rules), "-o", str(out), *extra])


def jsonl(path) -> list[dict]:
    return [json.loads(t) for t in path.read_text(encoding="utf-8").splitlines()]


def test_run_writes_a_row_per_person_and_every_skipped_line(files, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run(files, out, "-j", "1")
    assert result.exit_code == EXIT_BAD_FACTS  # lines were skipped for their content
    assert "9 lines: 3 cases decided (4 persons)" in result.stdout
    rows = jsonl(out)
    assert [(r["line"], r["person"]) for r in rows] == [
        (1, None),
        (2, "subjects[0]"),
        (2, "subjects[1]"),
        (8, None),
    ]
    assert rows[1]["case"] == "c2" and rows[1]["level"] == "high"
    assert rows[1]["level.by"] == ["r_mid", "r_high"] and rows[1]["colours"] == ["red", "blue"]
    assert (rows[0]["band.floor"], rows[0]["band.ceiling"]) == ("low", "mid")
    errors = jsonl(tmp_path / "out.jsonl.errors.jsonl")
    assert [e["line"] for e in errors] == [3, 4, 5, 6, 9]
    assert errors[2]["field"] == "score" and errors[4]["field"] == "officials[1].score"
    assert {e["cause"] for e in errors} == {"data"}
    # Every line accounted for: decided, skipped or blank.
    totals = json.loads(run(files, out, "-f", "json").stdout)["totals"]
    assert totals["lines"] == totals["cases"] + totals["lines_skipped"] == len(LINES) - 1


def test_the_errors_file_lists_every_problem_of_a_line(tmp_path):
    rules = tmp_path / "toy.rules"
    rules.write_text(TOY, encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    person = {"name": "B", "day": "2021-13-01", "score": "x", "likes_red": "yes"}
    cases.write_text(
        json.dumps({"officials": [{"name": "A", "day": "2021-01-01"}, person]}) + "\n[1]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    cmd = ["run", str(cases), "--rules", str(rules), "-o", str(out), "-j", "1"]
    assert runner.invoke(app, cmd).exit_code == EXIT_BAD_FACTS
    first, second = jsonl(tmp_path / "out.jsonl.errors.jsonl")
    fields = [p["field"] for p in first["problems"]]
    assert fields == ["officials[1].day", "officials[1].score", "officials[1].likes_red"]
    # ``field`` stays the first problem's, ``reason`` the whole message, as before.
    assert first["field"] == fields[0]
    assert all(p["reason"] and p["reason"] in first["reason"] for p in first["problems"])
    # A line with one problem lists it alone, with the line's reason.
    assert second["problems"] == [{"field": None, "reason": second["reason"]}]


@pytest.mark.parametrize(
    ("head", "said"),
    [
        (b"day,\xe9score\n", "byte 5 of the line"),
        ("day,score\n".encode("utf-16"), "byte 1 of the line) (a UTF-16 file"),
    ],
)
def test_a_csv_header_that_is_not_utf8_refuses_the_file(files, tmp_path, head, said):
    """Issue 9: its field names were decoded with stand-ins that no file can hold, and the
    errors file failed on them (exit 70)."""
    cases = tmp_path / "cases.csv"
    cases.write_bytes(head + b"2021-01-01,3\n")
    for command in (["run", "-o", str(tmp_path / "out.jsonl")], ["summary"]):
        result = runner.invoke(app, [*command, str(cases), "--rules", str(files[0])])
        assert result.exit_code == EXIT_BAD_FACTS, result.output
        assert f"cases.csv:1: the header is not UTF-8 text ({said}" in result.output


def test_each_part_of_a_parquet_folder_is_read_with_its_own_types(files, tmp_path):
    """Issue 9: read as one dataset, a part was cast to the first part's types (a float part
    decided as whole numbers, exit 0) or failed on them (text after integers: exit 70)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    folder = tmp_path / "cases"
    folder.mkdir()
    day = ["2021-01-01", "2021-01-01"]
    pq.write_table(pa.table({"day": day, "score": [3, 25]}), folder / "a.parquet")
    pq.write_table(pa.table({"day": day, "score": [25.0, 3.0]}), folder / "b.parquet")
    pq.write_table(pa.table({"day": day, "score": ["25", "x"]}), folder / "c.parquet")
    pq.write_table(pa.table({"day": day, "score": [[1], [2]]}), folder / "d.parquet")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["run", str(folder), "--rules", str(files[0]), "-o", str(out)])
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert [(r["line"], r["level"]) for r in jsonl(out)] == [(1, "low"), (2, "high"), (5, "high")]
    errors = {e["line"]: e["reason"] for e in jsonl(tmp_path / "out.jsonl.errors.jsonl")}
    assert sorted(errors) == [3, 4, 6, 7, 8]
    assert "binary floating-point number 25.0" in errors[3]


def test_a_parquet_file_naming_a_column_twice_is_refused_by_every_command(files, tmp_path):
    """QA round six (E6): the last of two columns of one name silently took the field (a
    level decided on the other column's number, exit 0); CSV and JSON refuse it."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        [pa.array(["2021-01-01"] * 2), pa.array([25, 3]), pa.array([3, 25])],
        names=["day", "score", "score"],
    )
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(table, tmp_path / "dup.parquet")
    pq.write_table(table.select([0, 1]), folder / "a.parquet")
    pq.write_table(table, folder / "b.parquet")
    rules = str(files[0])
    said = "the column 'score' is named twice"
    for cases, where in ((tmp_path / "dup.parquet", ""), (folder, f" (in {folder / 'b.parquet'})")):
        for command in (
            ["run", str(cases), "--rules", rules, "-o", str(tmp_path / "o.jsonl")],
            ["summary", str(cases), "--rules", rules],
            [
                "diff",
                str(cases),
                "--rules",
                rules,
                "--as-of",
                "2020-01-01",
                "--against-as-of",
                "2022-01-01",
            ],
        ):
            result = runner.invoke(app, command)
            assert result.exit_code == EXIT_BAD_FACTS, result.output
            rows = 2 if where == "" else 4
            assert (
                f"{cases}: {said}{where}; the file is refused ({rows} rows not read)"
                in result.output
            )
        assert not (tmp_path / "o.jsonl").exists()


def test_csv_and_parquet_hold_the_same_rows_as_json_lines(files, tmp_path):
    assert run(files, tmp_path / "a.jsonl").exit_code == EXIT_BAD_FACTS
    assert run(files, tmp_path / "a.csv").exit_code == EXIT_BAD_FACTS
    assert run(files, tmp_path / "a.parquet").exit_code == EXIT_BAD_FACTS
    want = jsonl(tmp_path / "a.jsonl")
    with open(tmp_path / "a.csv", encoding="utf-8", newline="") as f:
        got = list(csv.DictReader(f))
    assert [r["level.by"] for r in got] == [json.dumps(r["level.by"]) for r in want]
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "a.parquet").to_pylist() == want


def test_cases_read_from_csv(files, tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "day,score,likes_red\n2021-01-01,3,true\n2021-01-01,many,false\n2021-01-01,25,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["run", str(cases), "--rules", str(files[0]), "-o", str(out)])
    assert result.exit_code == EXIT_BAD_FACTS
    assert [(r["line"], r["level"]) for r in jsonl(out)] == [(2, "low"), (4, "high")]
    assert [e["line"] for e in jsonl(tmp_path / "out.jsonl.errors.jsonl")] == [3]


@pytest.mark.parametrize("command", ["run", "summary"])
def test_a_quote_never_closed_costs_its_own_line_only(files, tmp_path, command):
    """A seventh QA round: a quote opened on one row and never closed took every row after
    it into one cell ("1 of 11 lines skipped" for 200,001 lines): the row is its first line,
    and the lines after are read again, each its own row."""
    rows = ["2021-01-01,3,true"] * 3 + ['2021-01-01,"25,true'] + ["2021-01-01,25,false"] * 4
    cases = tmp_path / "cases.csv"
    cases.write_text("day,score,likes_red\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = ["-o", str(out)] if command == "run" else ["-f", "json"]
    result = runner.invoke(app, [command, str(cases), "--rules", str(files[0]), *args])
    assert result.exit_code == EXIT_BAD_FACTS
    assert "cases.csv:5: skipped: not valid CSV" in result.stderr
    assert "the 4 lines after it are read on their own" in result.stderr
    if command == "run":
        assert [r["line"] for r in jsonl(out)] == [2, 3, 4, 6, 7, 8, 9]
    else:
        assert json.loads(result.stdout)["totals"]["lines"] == 8


def test_a_quote_never_closed_past_the_cell_limit_costs_its_own_line_only():
    """The same past the limit of a cell (10 MB; here 200 bytes): "field larger than field
    limit" took the rows up to the limit, and 130,136 of 200,000 rows vanished unsaid."""
    import io

    from ruleengine.batch.inputs import Csv

    rows = [f"{n},{'x' * 20}" for n in range(2, 40)]
    rows[3] = '"5,x'  # line 5
    data = ("a,b\n" + "\n".join(rows) + "\n").encode()
    read = list(Csv(io.BytesIO(data), max_bytes=200))
    assert [n for n, _, _ in read] == list(range(2, 40))
    [(bad, why)] = [(n, said.en) for n, _, said in read if said is not None]
    assert bad == 5 and "field larger than field limit" in why


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_tables_case_columns_beside_its_facts_are_the_cases(files, tmp_path, fmt):
    """Issue 7: a CSV with an ``as_of`` column beside the facts skipped every row ("not a
    valid case file: score: unknown field of the case file"). A table is flat: its columns
    named as a case file's keys are the case's (``as_of``, ``id``, ``description``), the
    others its facts; ``run`` and ``summary`` alike, in CSV and in Parquet."""
    rows = [
        ["as_of", "id", "description", "day", "score"],
        ["2021-06-01", "c1", "first", "2021-01-01", "3"],
        ["2021-06-02", "c2", "", "2021-01-01", "25"],
        ["someday", "c3", "", "2021-01-01", "3"],
    ]
    cases = tmp_path / f"cases.{fmt}"
    if fmt == "csv":
        cases.write_text("".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
        first = 2  # the line of the first row
    else:
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        columns = {name: [r[i] or None for r in rows[1:]] for i, name in enumerate(rows[0])}
        columns["score"] = [int(v) for v in columns["score"]]
        pq.write_table(pa.table(columns), cases)
        first = 1
    out = tmp_path / "out.jsonl"
    result = run((files[0], cases), out)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    got = [(r["line"], r["case"], r["as_of"], r["level"]) for r in jsonl(out)]
    assert got == [(first, "c1", "2021-06-01", "low"), (first + 1, "c2", "2021-06-02", "high")]
    (error,) = jsonl(tmp_path / "out.jsonl.errors.jsonl")
    assert (error["line"], error["field"]) == (first + 2, "as_of"), error
    assert error["reason"].startswith("not a valid case file: as_of: expected a date")
    assert run((files[0], cases), out, "--as-of", "2021-07-01").exit_code == EXIT_BAD_FACTS
    assert {r["as_of"] for r in jsonl(out)} == {"2021-07-01"}  # --as-of wins, as for a case file
    said, data = summary(files, cases)
    assert said.exit_code == EXIT_BAD_FACTS, said.output
    assert (data["totals"]["cases"], data["totals"]["lines_skipped"]) == (2, 1)


def test_trace_adds_each_persons_trace(files, tmp_path):
    out = tmp_path / "out.jsonl"
    run(files, out, "--trace")
    rows = jsonl(out)
    assert {r["name"] for r in rows[0]["trace"]["rules"]} >= {"r_red", "r_low"}


def test_run_bad_usage(files, tmp_path):
    assert run(files, tmp_path / "out.txt").exit_code == EXIT_USAGE
    assert run(files, tmp_path / "out.jsonl", "--jobs", "0").exit_code == EXIT_USAGE
    good = tmp_path / "good.jsonl"
    good.write_text(LINES[0] + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["run", str(good), "--rules", str(files[0]), "-o", str(tmp_path / "g.jsonl")]
    )
    assert result.exit_code == EXIT_OK
    assert (tmp_path / "g.jsonl.errors.jsonl").read_text() == ""


def test_jobs_are_bounded_and_never_more_than_the_chunks(files, tmp_path, monkeypatch):
    """Issue 9: ``--jobs 200`` on 3,000 lines started ~80 processes, ``--jobs 100000`` did
    not finish: more than 4 a core is refused, and no more workers start than chunks."""
    most = 4 * running.default_jobs()
    result = run(files, tmp_path / "out.jsonl", "--jobs", str(most + 1))
    assert result.exit_code == EXIT_USAGE
    assert f"--jobs {most + 1}: at most {most} (4 per core" in result.output
    started = []

    class Pool:
        def __init__(self, spec, options, jobs, *rest):
            started.append(jobs)
            raise RuntimeError("stop")

    monkeypatch.setattr(running, "_Pool", Pool)
    spec = running.BookSpec("toy", (), "toy", entry_points=False)
    items = [(n, {"score": 1}, None) for n in range(1, 8)]  # 3 chunks of 3 lines
    with pytest.raises(RuntimeError):
        running.run(items, lambda d: None, spec=spec, jobs=most, chunk_lines=3)
    assert started == [3]


def test_worker_processes_keep_input_order_and_give_the_same_rows(files, tmp_path):
    """Chunks of two lines, decided by two worker processes, come out as one process gives
    them; the workers build the rulebook from the rule texts."""
    from ruleengine.loader import sources_of

    name, sources = sources_of([files[0]])
    spec = running.BookSpec(name, tuple(sources), name, entry_points=False)
    options = running.Options(output="rows")
    text = (TEXT * 3).encode("utf-8")

    def decided(jobs: int):
        import io

        got, read, ahead = [], [0], []

        def lines():
            for item in JsonLines(io.BytesIO(text)):
                read[0] += 1
                yield item

        def sink(d):
            got.append(d)
            ahead.append(read[0] - d.last)  # lines read but not yet handed on

        totals = running.run(lines(), sink, spec=spec, options=options, jobs=jobs, chunk_lines=2)
        rows = [row for d in got for row in d.rows]
        return rows, [s.line for d in got for s in d.skipped], totals, max(ahead)

    one, skipped_one, totals_one, ahead_one = decided(1)
    two, skipped_two, totals_two, ahead_two = decided(2)
    assert one == two and skipped_one == skipped_two
    assert totals_one == totals_two and totals_one.cases == 9
    assert [r[0] for r in one] == sorted(r[0] for r in one)
    # Flat memory: what is read ahead of the writer is bounded by the chunks in flight (at
    # most two a worker, and the one being read), whatever the input's size.
    assert ahead_one == 0 and 0 < ahead_two <= (2 * 2 + 1) * 2


def test_worker_processes_leave_their_rows_in_files_the_writer_copies_in_order(
    files, tmp_path, monkeypatch
):
    """With JSON Lines or CSV out, a worker leaves its chunk's encoded rows in a file and the
    writer copies it into the output: the same bytes as one process writes, no file left. The
    command itself neither splits a line nor encodes a row when workers decide."""
    import io
    import tempfile

    from ruleengine.batch import inputs
    from ruleengine.batch.writing import Encoder, ResultsWriter
    from ruleengine.loader import sources_of

    here = []  # lines split and rows encoded in this process
    line, row = inputs._line, Encoder.row
    monkeypatch.setattr(inputs, "_line", lambda *a: here.append("line") or line(*a))
    monkeypatch.setattr(Encoder, "row", lambda *a: here.append("row") or row(*a))

    name, sources = sources_of([files[0]])
    spec = running.BookSpec(name, tuple(sources), name, entry_points=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "spool"))
    (tmp_path / "spool").mkdir()
    for output in ("jsonl", "csv"):
        options = running.Options(output=output)
        written, kinds = [], set()
        for jobs in (1, 2):
            here.clear()
            out = tmp_path / f"out{jobs}.{output}"
            context = running.Context.from_spec(spec, options)
            writer = ResultsWriter(out, output, context.schema)
            reader = JsonLines(io.BytesIO((TEXT * 3).encode("utf-8")))

            def sink(d, writer=writer, kinds=kinds):
                kinds.add(type(d.rows).__name__)
                writer.write(d.rows, d.persons)

            running.run(
                reader,
                sink,
                spec=spec,
                options=options,
                jobs=jobs,
                chunk_lines=2,
            )
            writer.close()
            written.append(out.read_bytes())
            assert ("line" in here and "row" in here) if jobs == 1 else here == []
        assert written[0] == written[1] and written[0].count(b"\n") > 9
        assert kinds == {"bytes", "Spooled"}
    left = [p.name for p in (tmp_path / "spool").iterdir() if not p.name.startswith("pymp-")]
    assert left == []  # (pymp-: multiprocessing's own)


def test_parquet_is_made_once_the_rows_are_all_there_not_beside_the_workers(
    files, tmp_path, monkeypatch
):
    """Parquet out: while the lines are decided, the writer only spools each chunk's rows
    (a worker's, pickled in a file, copied in as they are), so pyarrow, 47 MB in a process
    that imports it, is not used beside the workers (ccdi's tree was at 299 MB with two);
    ``close`` makes the file, in row groups of ``ROW_GROUP``, the rows those of one process,
    no temporary file left; a failed run leaves no file."""
    import io
    import tempfile

    pq = pytest.importorskip("pyarrow.parquet")
    from ruleengine.batch import writing
    from ruleengine.loader import sources_of

    made = []  # Arrow tables made, and when
    arrow_table = writing.arrow_table
    monkeypatch.setattr(writing, "arrow_table", lambda *a: made.append(a) or arrow_table(*a))
    monkeypatch.setattr(writing, "ROW_GROUP", 5)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "spool"))
    (tmp_path / "spool").mkdir()
    name, sources = sources_of([files[0]])
    spec = running.BookSpec(name, tuple(sources), name, entry_points=False)
    options = running.Options(output="parquet")
    tables, kinds = [], set()
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.parquet"
        writer = writing.ResultsWriter(
            out, "parquet", running.Context.from_spec(spec, options).schema
        )

        def sink(d, writer=writer):
            kinds.add(type(d.rows).__name__)
            writer.write(d.rows, d.persons)

        reader = JsonLines(io.BytesIO((TEXT * 3).encode("utf-8")))
        running.run(reader, sink, spec=spec, options=options, jobs=jobs, chunk_lines=2)
        assert made == []  # nothing made in Arrow while the lines were decided
        writer.close()
        assert made
        made.clear()
        groups = pq.ParquetFile(out).metadata
        sizes = [groups.row_group(i).num_rows for i in range(groups.num_row_groups)]
        assert sizes == [5, 5, 2]
        tables.append(pq.read_table(out).to_pylist())
    assert tables[0] == tables[1] and len(tables[0]) == 12
    assert kinds == {"list", "Spooled"}
    left = [p.name for p in (tmp_path / "spool").iterdir() if not p.name.startswith("pymp-")]
    assert left == []  # (pymp-: multiprocessing's own)
    failed = writing.ResultsWriter(tmp_path / "failed.parquet", "parquet", writer.schema)
    failed.write([[1] * len(writer.schema.names)], 1)
    failed.close(keep=False)
    assert not [p for p in tmp_path.iterdir() if "failed" in p.name]
    assert made == []


def test_a_run_stopped_while_its_parquet_file_is_made_leaves_older_outputs_and_no_temp(
    files, tmp_path, monkeypatch
):
    """Ctrl-C while the Parquet file was made (the long part of ending a run) removed the
    results' temporary file but left the errors file's (``.OUT.errors.jsonl.*.tmp``): the
    writers are now ended together, every temporary file removed, the older ones kept."""
    from ruleengine.batch import writing

    pytest.importorskip("pyarrow")

    def stopped(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(writing.ResultsWriter, "_parquet", stopped)
    out = tmp_path / "out.parquet"
    out.write_text("older", encoding="utf-8")
    (tmp_path / "out.parquet.errors.jsonl").write_text("older errors\n", encoding="utf-8")
    result = run(files, out, "-j", "1")
    assert result.exit_code != EXIT_OK
    assert out.read_text(encoding="utf-8") == "older"
    assert (tmp_path / "out.parquet.errors.jsonl").read_text(encoding="utf-8") == "older errors\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["toy.rules", "cases.jsonl", "out.parquet", "out.parquet.errors.jsonl"]
    )


def test_rows_come_through_the_pipe_when_the_spool_folder_cannot_be_written(
    files, tmp_path, monkeypatch
):
    """A worker that cannot leave its rows in the spool folder (removed under the run by a
    clean-up of the temporary folder, or the disk full) sends them through the pipe: the
    same output, no internal error (two ccdi runs ended with exit 70 so)."""
    import io
    import tempfile

    from ruleengine.batch.writing import ResultsWriter
    from ruleengine.loader import sources_of

    class Gone:  # a spool folder that is not there
        name = str(tmp_path / "gone")

        def __enter__(self):
            return self.name

        def __exit__(self, *exc):
            return None

    name, sources = sources_of([files[0]])
    spec = running.BookSpec(name, tuple(sources), name, entry_points=False)
    for output in ("jsonl", "parquet"):
        options = running.Options(output=output)
        written = []
        for jobs, spool in ((1, tempfile.TemporaryDirectory), (2, lambda **kw: Gone())):
            monkeypatch.setattr(running.tempfile, "TemporaryDirectory", spool)
            out = tmp_path / f"out{jobs}.{output}"
            writer = ResultsWriter(out, output, running.Context.from_spec(spec, options).schema)
            reader = JsonLines(io.BytesIO((TEXT * 3).encode("utf-8")))
            sink = lambda d, writer=writer: writer.write(d.rows, d.persons)  # noqa: E731
            running.run(reader, sink, spec=spec, options=options, jobs=jobs, chunk_lines=2)
            writer.close()
            written.append(out.read_bytes())
        assert written[0] == written[1] and len(written[0]) > 100


@pytest.mark.skipif(not running._forks(), reason="workers are forked on Linux only")
@pytest.mark.parametrize("output", ["jsonl", "parquet"])
def test_a_workers_file_of_rows_removed_under_the_run_is_an_io_failure_not_a_bug(
    files, tmp_path, monkeypatch, output
):
    """``rm -rf /tmp/ruleengine-rows-*`` during a run: the file a worker left its chunk's rows
    in is gone when the command copies it into OUT, which ended the run as an internal error
    (exit 70, a traceback with RULEENGINE_DEBUG). Now: exit 2, the file named, and OUT and
    its errors file as they were."""
    from ruleengine.batch import writing

    if output == "parquet":
        pytest.importorskip("pyarrow")
    monkeypatch.setattr(running, "CHUNK_LINES", 2)  # several chunks: the workers are used
    monkeypatch.setattr(running, "COLUMNAR_CHUNK_LINES", 2)
    real = writing.ResultsWriter.write
    removed = []

    def write(self, encoded, count):
        if isinstance(encoded, running.Spooled):  # between the worker's write and this read
            Path(encoded.path).unlink()
            removed.append(encoded.path)
        real(self, encoded, count)

    monkeypatch.setattr(writing.ResultsWriter, "write", write)
    out = tmp_path / f"out.{output}"
    out.write_text("older", encoding="utf-8")
    result = run(files, out, "-j", "2")
    assert removed, "no chunk was left in a file"
    assert result.exit_code == EXIT_USAGE, result.output
    assert f"{removed[0]}: gone while the run went on" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == "older"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.jsonl", out.name, "toy.rules"]


def test_forked_workers_decide_with_the_commands_rulebook_and_a_dead_one_costs_its_line():
    """On Linux the workers are forked from the command with its rulebook (no rule texts
    given here, and a decider of its own they could not have built); one that dies on a line
    costs that line only, every other line decided, in order."""
    import io
    import os

    import ruleengine

    book = ruleengine.load_text(TOY, "toy.rules")

    def deadly(book, records, day):
        if any(r.get("score") == 3 for r in records):
            os._exit(9)  # as a worker killed, out of memory, dies
        return running.decide_each(book, records, day)

    context = running.Context(book, None, running.Options(output="rows"), deadly)
    got = []
    totals = running.run(
        JsonLines(io.BytesIO(TEXT.encode())), got.append, context=context, jobs=2, chunk_lines=2
    )
    assert [s.line for d in got for s in d.skipped if s.cause == "ruleengine"] == [1]
    assert [row[0] for d in got for row in d.rows] == [2, 2, 8]
    assert totals.lines == totals.cases + totals.lines_skipped == len(LINES) - 1


def test_workers_take_larger_chunks_when_the_rulebook_decides_in_columns(monkeypatch):
    """A line costs little in columns, a chunk's handing-on does not: workers get chunks of
    ``COLUMNAR_CHUNK_LINES`` (or ``COLUMNAR_CHUNK_BYTES``) then, of ``CHUNK_LINES`` else."""
    import datetime
    import io

    import ruleengine

    pytest.importorskip("numpy")
    book = ruleengine.load_paths([Path(__file__).parents[1] / "bench" / "article5.rules"])
    text = "".join(json.dumps({"other_items": i, "illegal_gain": str(i)}) + "\n" for i in range(9))
    sizes = {}
    monkeypatch.setattr(running, "COLUMNAR_CHUNK_LINES", 4)
    monkeypatch.setattr(running, "CHUNK_LINES", 3)
    for decide in (running.decide_auto, running.decide_each):
        options = running.Options(datetime.date(2018, 3, 1), output="rows")
        context = running.Context(book, None, options, decide)
        got = []
        running.run(JsonLines(io.BytesIO(text.encode())), got.append, context=context, jobs=2)
        assert sum(d.cases for d in got) == 9
        sizes[decide.__name__] = [d.last - d.first + 1 for d in got]
    assert sizes == {"decide_auto": [4, 4, 1], "decide_each": [3, 3, 3]}


def test_a_decider_of_whole_chunks_takes_the_place_of_the_per_case_path(files):
    """The runner hands each chunk's persons to one function (book, records, day): a columnar
    evaluator plugs in there; an error it gives for a record skips only that record's line."""
    import io

    import ruleengine

    book = ruleengine.load_text(TOY, "toy.rules")
    calls = []

    def decide(book, records, day):
        calls.append(len(records))
        out = running.decide_each(book, records, day)
        out[0] = ValueError("refused")  # a bug met on the chunk's first person
        return out

    context = running.Context(book, None, running.Options(output="rows"), decide)
    got = []
    running.run(JsonLines(io.BytesIO(TEXT.encode())), got.append, context=context)
    (d,) = got
    # One call per date given: the persons judged at their own date, then line 8's as_of.
    assert calls == [7, 1]
    bugs = [s.line for s in d.skipped if s.cause == "ruleengine"]
    assert bugs == [1, 8]  # each call's first person: its line only
    assert [row[0] for row in d.rows] == [2, 2]


# ------------------------------------------------------------------ summary of results
def summary(files, source, *extra):
    args = ["summary", str(source), "--rules", str(files[0]), "-f", "json", *extra]
    result = runner.invoke(app, args)
    return result, json.loads(result.stdout) if result.stdout.startswith("{") else None


def test_summary_of_a_results_file_is_the_summary_of_its_cases(files, tmp_path):
    out = tmp_path / "out.parquet"
    run(files, out)
    for extra in ([], ["--by", "level"], ["--where", "colours=red", "--provisions"]):
        _, from_cases = summary(files, files[1], *extra)
        result, from_results = summary(files, out, *extra)
        assert result.exit_code == EXIT_BAD_FACTS
        for key in ("conclusions", "crosstab", "where", "provisions"):
            assert from_results.get(key) == from_cases.get(key), (extra, key)


def test_cross_tab_where_and_provisions(files):
    _, data = summary(files, files[1], "--by", "colours,level")
    cells = {(c["row"], c["column"]): c["persons"] for c in data["crosstab"]["cells"]}
    assert cells[("red", "high")] == 1 and cells[("red", "low")] == 1
    assert cells[(None, "mid")] == 1  # subjects[1]: no colour (none), mid
    _, data = summary(files, files[1], "--where", "level=low", "--by", "colours")
    assert data["where"] == {"filters": ["level=low"], "persons": 2, "cases": 2}
    _, data = summary(files, files[1], "--provisions", "--by", "level")
    decided = {d["rule"]: (d["persons"], d["cases"]) for d in data["provisions"]["decided"]}
    assert decided["r_mid"] == (2, 1) and decided["r_red"] == (2, 2)
    never = [d["rule"] for d in data["provisions"]["in_force_never_decided"]]
    assert never == ["r_unflag"]
    result, _ = summary(files, files[1], "--where", "level=middling")
    assert (
        result.exit_code == EXIT_USAGE
        and "no member 'middling'; one of: low, mid, high" in result.stderr
    )
    # Issue 9: a name close to none said nothing more.
    result, _ = summary(files, files[1], "--where", "nope=1")
    assert result.exit_code == EXIT_USAGE
    assert "no conclusion named 'nope' (the conclusions: colours, level," in result.stderr
    result, _ = summary(files, files[1], "--where", "levl=low")
    assert "no conclusion named 'levl'; did you mean 'level'?" in result.stderr


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b"garbage", "Expecting value"),
        (b'{"line": "x", "reason": "r"}', "line: not a line number: 'x'"),
        (b"[1]", "not a JSON object"),
        (b'{"reason": "r"}', "no 'line'"),
        (b'{"line": 2, "reason": "r", "problems": [1]}', "problems: not a list"),
        (b"\xff", "can't decode"),
    ],
)
def test_summary_names_the_line_of_an_errors_file_that_is_not_runs(files, tmp_path, line, why):
    """Issue 9: a damaged errors file beside the results failed with exit 70."""
    out = tmp_path / "out.jsonl"
    run(files, out)
    errors = tmp_path / "out.jsonl.errors.jsonl"
    errors.write_bytes(errors.read_bytes() + line + b"\n")
    result, _ = summary(files, out)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    number = len(errors.read_bytes().splitlines())
    assert f"out.jsonl.errors.jsonl:{number}: not a line of run's errors file (" in result.output
    assert why in result.output


def test_summary_refuses_json_lines_results_of_another_rulebook(files, tmp_path):
    """Issue 9: Parquet and CSV results were checked against the rulebook, JSON Lines not:
    another rulebook's results were counted as all undecided (exit 0)."""
    other = tmp_path / "other.rules"
    other.write_text(TOY.replace("level", "tier"), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run((other, files[1]), out)
    result, _ = summary(files, out)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert "not results of the rulebook" in result.output and "level" in result.output


def test_the_headline_is_what_a_summary_shows_by_default(files, tmp_path):
    rules = tmp_path / "h.rules"
    rules.write_text(TOY.replace('title: "toy"', 'title: "toy"\n  headline: level'), "utf-8")
    result = runner.invoke(app, ["summary", str(files[1]), "--rules", str(rules), "-f", "json"])
    assert [c["conclusion"] for c in json.loads(result.stdout)["conclusions"]] == ["level"]


# ------------------------------------------------------------------ diff
def test_diff_of_two_dates_lists_changes_and_transitions(files, tmp_path):
    rules, cases = files
    args = ["diff", str(cases), "--rules", str(rules), "--as-of", "2021-01-01"]
    args += ["--against-as-of", "2019-01-01", "--by", "level", "-f", "json"]
    result = runner.invoke(app, [*args, "--changes", str(tmp_path / "all.csv")])
    # Lines were skipped (bad lines of the file, and line 6 on the earlier side): as `run`
    # and `summary` do, the exit code says so.
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    data = json.loads(result.stdout)
    # Before the rules took effect nothing is decided: line 6 (division by zero) is decided
    # on the later side only.
    assert data["decided_only_new"] == 1 and data["persons"] == 4
    (level,) = data["transitions"]
    cells = {(c["old"], c["new"]): c["persons"] for c in level["cells"]}
    assert cells == {("low", "low"): 2, ("mid", "low"): 1, ("high", "low"): 1}
    assert level["persons_changed"] == 2
    first = data["changes"][0]
    assert (first["line"], first["conclusion"], first["old"], first["new"]) == (
        1,
        "colours",
        "red",
        "",
    )
    assert first["old_by"] == ["r_red"] and first["new_by"] == []
    with open(tmp_path / "all.csv", encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == data["changes_not_listed"] + len(data["changes"])


def test_diff_of_two_versions_of_the_rules(files, tmp_path):
    rules, cases = files
    newer = tmp_path / "new.rules"
    newer.write_text(TOY.replace("score >= 20", "score >= 30"), encoding="utf-8")
    args = ["diff", str(cases), "--rules", str(rules), "--against-rules", str(newer)]
    data = json.loads(runner.invoke(app, [*args, "--by", "level", "-f", "json"]).stdout)
    assert data["persons_changed"] == 1
    (change,) = [c for c in data["changes"] if c["conclusion"] == "level"]
    assert (change["old"], change["new"]) == ("high", "mid")
    assert change["old_by"] == ["r_mid", "r_high"] and change["new_by"] == ["r_mid"]
    alone = runner.invoke(app, ["diff", str(cases), "--rules", str(rules)])
    assert alone.exit_code == EXIT_USAGE


def test_diff_pairs_rows_by_position_within_a_memory_limit_and_by_hash_otherwise(files, tmp_path):
    """Issue 9: diff held a hash table of one whole side per conclusion (500 MB for 5,000
    ccdi lines, and growing); now DuckDB's memory is bounded, spilling to a temporary
    folder, and the two sides (written in input order by ``run``) meet side by side. Sides
    not in the same order are joined by hashing, with the same result."""
    from ruleengine.batch import diff as diffs
    from ruleengine.batch import results
    from ruleengine.batch.table import Schema
    from ruleengine.loader import load_paths

    rules, cases = files
    for day in ("2019-01-01", "2021-01-01"):
        run(files, tmp_path / f"{day}.jsonl", "--as-of", day)
    schema = Schema(load_paths([rules]).rulebook)

    def compared(old: Path, new: Path):
        con = results.connect(str(tmp_path), str(tmp_path / f"{old.stem}.duckdb"))
        ((limit, spill),) = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchall()
        assert limit.endswith("MiB") and spill == str(tmp_path)
        a = results.Results(old, schema, "jsonl", con=con)
        b = results.Results(new, schema, "jsonl", con=con, name="results_new")
        out = diffs.compare(a, b, "old", "new", limit=None)
        diffs.write_changes(a, b, out, str(tmp_path / f"{old.stem}.csv"))
        return a.paired, out, (tmp_path / f"{old.stem}.csv").read_text(encoding="utf-8")

    join, by_position, written = compared(
        tmp_path / "2021-01-01.jsonl", tmp_path / "2019-01-01.jsonl"
    )
    assert "POSITIONAL" in join and by_position.changes
    lines = (tmp_path / "2021-01-01.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "shuffled.jsonl").write_text("\n".join(lines[::-1]) + "\n", encoding="utf-8")
    join, by_hash, rewritten = compared(tmp_path / "shuffled.jsonl", tmp_path / "2019-01-01.jsonl")
    assert "POSITIONAL" not in join
    assert by_hash == by_position and rewritten == written


def test_without_the_batch_extra_summary_names_it_and_run_to_json_lines_works(
    files, tmp_path, monkeypatch
):
    """duckdb and pyarrow are an extra: a command that needs one says which (exit 2)."""
    import sys

    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb: ImportError
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    result, _ = summary(files, files[1])
    assert result.exit_code == EXIT_USAGE
    assert "pip install 'ruleengine[batch]'" in result.stderr
    assert run(files, tmp_path / "out.parquet").exit_code == EXIT_USAGE
    assert run(files, tmp_path / "out.jsonl").exit_code == EXIT_BAD_FACTS


# ------------------------------------------------------------------ the path taken
ARTICLE5 = Path(__file__).resolve().parents[1] / "bench" / "article5.rules"


def run_json(rules, cases, out, *extra):
    args = ["run", str(cases), "--rules", str(rules), "-o", str(out), *extra]
    return runner.invoke(app, [*args, "-f", "json"]), runner.invoke(app, args)


def test_run_takes_the_columnar_path_when_the_rulebook_qualifies_and_says_so(tmp_path):
    pytest.importorskip("numpy")
    cases = tmp_path / "cases.jsonl"
    lines = [
        {"sensitive_items": 60},
        {"illegal_gain": "50000", "in_duty": True},
        {"illegal_gain": "4999.995"},  # a fraction of a fen: one by one
        {"in_duty": "yes"},  # wrong: skipped, as one by one says
    ]
    cases.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    as_json, as_text = run_json(ARTICLE5, cases, out, "--as-of", "2018-01-01", "-j", "1")
    assert as_json.exit_code == EXIT_BAD_FACTS
    fallback = (
        "one by one: 'illegal_gain' given as text that is not a plain number within the "
        "columns' bounds"
    )
    assert json.loads(as_json.stdout)["totals"]["persons_by_path"] == {
        "columnar (numpy)": 2,
        fallback: 1,
    }
    assert f"paths: columnar (numpy) (2 persons); {fallback} (1 person)" in as_text.stdout
    assert [(r["level"], r["level.by"]) for r in jsonl(out)] == [
        ("serious", ["serious"]),
        ("especially_serious", ["serious", "especially"]),
        ("none", []),
    ]
    assert [e["field"] for e in jsonl(tmp_path / "out.jsonl.errors.jsonl")] == ["in_duty"]
    cases.write_text(json.dumps(lines[0]) + "\n", encoding="utf-8")
    assert "; path: columnar (numpy)\n" in run_json(ARTICLE5, cases, out)[1].stdout


def test_a_rulebook_that_does_not_qualify_goes_one_by_one_and_names_what_blocks_it(files, tmp_path):
    out = tmp_path / "out.jsonl"
    as_json, as_text = run_json(*files, out)
    # Its date input, set and range conclusions fit in columns; a division does not.
    blocked = "one by one: a division by something not known to be above zero at "
    (path,) = json.loads(as_json.stdout)["totals"]["persons_by_path"]
    assert path.startswith(blocked) and path.endswith("toy.rules:24:36")
    assert f"; path: {path}\n" in as_text.stdout


def test_without_numpy_run_goes_one_by_one_and_says_so(tmp_path, monkeypatch):
    from ruleengine import columnar

    monkeypatch.setattr(columnar, "np", None)
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"sensitive_items": 60}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    as_json, as_text = run_json(ARTICLE5, cases, out, "-j", "1")
    path = "one by one: numpy is not installed (the 'columnar' extra)"
    assert json.loads(as_json.stdout)["totals"]["persons_by_path"] == {path: 1}
    assert f"; path: {path}\n" in as_text.stdout
    assert jsonl(out)[0]["level.by"] == ["serious"]


def test_rows_encoded_once_per_value_are_the_rows_json_and_csv_write():
    """The encoder keeps each column's encoded values and each pattern of rules; its lines
    are what json.dumps and csv.writer make of the row's cells, whatever the case id holds."""
    import io

    import ruleengine
    from ruleengine.batch.records import split_record, subject_facts, unwrap
    from ruleengine.batch.writing import Encoder, _csv_cell
    from ruleengine.facts import loads_json
    from ruleengine.plugins import adapter_chain, get_plugin_manager, rule_sources

    pm = get_plugin_manager()
    book = ruleengine.load_paths(list(rule_sources(pm)["ccdi"][1].paths), name="ccdi", pm=pm)
    adapt, inputs = adapter_chain(pm, "ccdi", derivations=False), book.rulebook.inputs
    decided = []
    for text in (Path(__file__).parents[1] / "examples/ccdi/cases.jsonl").read_text().split("\n"):
        try:
            record, day = unwrap(loads_json(text), inputs, None)
            for _, raw in split_record(record, inputs):
                decided.append(book.decide_cited(subject_facts(raw, inputs, adapt)[0], day))
        except Exception:  # noqa: BLE001, S112 - the bad lines of the example
            continue
    schema = running.Context(book, None, running.Options()).schema
    encoders = {f: Encoder(schema, f) for f in ("jsonl", "csv", "rows")}
    ids = ["c1", "a,b", 'say "x"', "two\nlines", "ü\u2028", "", None, "cr\r", "50%"]
    for n, (decision, applied) in enumerate(decided * 2):  # twice: the kept cells again
        case, person = ids[n % len(ids)], ("p" if n % 2 else None)
        cells = schema.row(n, case, person, decision, applied)
        got = {f: e.row(n, case, person, decision, list(applied)) for f, e in encoders.items()}
        got["jsonl"], got["csv"] = got["jsonl"].decode(), got["csv"].decode()
        assert got["rows"] == cells
        assert got["jsonl"] == json.dumps(dict(zip(schema.names, cells)), ensure_ascii=False) + "\n"
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([_csv_cell(c) for c in cells])
        assert got["csv"] == out.getvalue()
    assert len(decided) > 10


class _Pipe:
    """A pipe that gives a few bytes at a time (``read1``)."""

    def __init__(self, data: bytes, sizes):
        self.rest, self.sizes = data, sizes

    def read1(self, n: int) -> bytes:
        out = self.rest[: min(n, next(self.sizes))]
        self.rest = self.rest[len(out) :]
        return out


def test_chunks_of_lines_split_where_decided_give_what_reading_line_by_line_gives(monkeypatch):
    """The reader hands on chunks of bytes cut at line ends (the lines split, decoded and
    numbered in the worker): the same items as line by line, whatever the reads return, a
    long line skipped without being held."""
    import io
    import itertools
    import pickle
    import random

    from ruleengine.batch import inputs
    from ruleengine.batch.inputs import read_lines

    rng = random.Random(9)
    pieces = [b"\xef\xbb\xbf{}", b"", b"   ", b'{"a": 1}\r', b"\xff\xfe", b"x" * 150, b"y" * 60]
    for trial in range(40):
        lines = [rng.choice(pieces) for _ in range(rng.randint(0, 30))]
        data = b"\n".join(lines) + rng.choice((b"", b"\n"))
        expected = list(read_lines(io.BytesIO(data), max_bytes=100))
        sizes = itertools.cycle([rng.randint(1, 90) for _ in range(7)])
        reader = JsonLines(_Pipe(data, sizes), max_bytes=100)
        cap = rng.choice((120, 1 << 20))  # a chunk's bytes, at most (and one line)
        monkeypatch.setattr(inputs, "CHUNK_BYTES", cap)
        chunks = list(reader.chunks(rng.randint(1, 6)))
        got = [item for chunk in chunks for item in pickle.loads(pickle.dumps(chunk))]
        assert got == expected, (trial, data)
        assert reader.done == len(data)
        assert all(len(c.data) <= cap + 151 for c in chunks if isinstance(c, inputs.Lines))


def test_a_reader_gone_away_is_exit_0_not_clicks_exit_1():
    """Issue 9: ``explain ... | head -1`` sometimes exited 1 ("conflict"): a broken pipe in a
    command reached click, which exits 1 on EPIPE, before main()'s handler could say 0."""
    import typer

    from ruleengine import cli

    def body():
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(typer.Exit) as stop:
        cli._run(body)
    assert stop.value.exit_code == EXIT_OK


def test_an_unknown_rulebook_names_the_disabled_plugins_that_may_give_it():
    """Issue 9: ``check -r zerobook`` with zerobook's plugin disabled said only "no rulebook
    named 'zerobook'", though the warning above named the plugin."""
    import ruleengine
    from ruleengine import cli

    class Broken:
        @ruleengine.hookimpl
        def ruleengine_rule_sources(self):
            raise ValueError("cannot list my rulebooks")

    pm = ruleengine.get_plugin_manager(load_entry_points=False)
    pm.register(Broken(), name="zeroplug")
    with pytest.raises(cli.Stop) as stop:
        cli._rule_paths(pm, None, "zerobook")
    assert stop.value.message.startswith("no rulebook named 'zerobook'; plugin 'zeroplug' is ")
    assert "disabled, so its rulebooks are not known (" in stop.value.message
    assert "cannot list my rulebooks" in stop.value.message


def test_a_bad_value_set_before_the_adapters_is_blamed_on_its_set():
    """Issue 9: ``--set 'name=[1]'`` (a field the ccdi adapter reads) was blamed on the facts
    file."""
    case = Path(__file__).parent.parent / "examples" / "ccdi" / "kickbacks.json"
    result = runner.invoke(app, ["eval", str(case), "-r", "ccdi", "--set", "name=[1]"])
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert "--set name=[1]: name: expected a text, got a list" in result.output
    assert "kickbacks.json" not in result.output


def test_sigterm_cleans_up_as_ctrl_c_does(files, tmp_path):
    """Issue 9: SIGTERM left ``.OUT.*.tmp`` files behind (SIGINT cleaned up)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    out = tmp_path / "out" / "o.jsonl"
    out.parent.mkdir()
    code = "from ruleengine.cli import main; main()"
    args = [sys.executable, "-c", code, "run", str(fifo), "--rules", str(files[0])]
    proc = subprocess.Popen([*args, "-o", str(out), "-j", "1"], stderr=subprocess.PIPE)
    with open(fifo, "w", encoding="utf-8") as cases:
        cases.write(LINES[0] + "\n")
        cases.flush()
        for _ in range(600):  # the run has begun writing (at most 60 s on a loaded machine)
            if list(out.parent.iterdir()):
                break
            time.sleep(0.1)
        assert list(out.parent.iterdir())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 128 + signal.SIGTERM
    assert b"terminated" in proc.stderr.read()
    assert list(out.parent.iterdir()) == []


def test_the_totals_line_counts_one_in_the_singular(files, tmp_path):
    """The totals line said "1 lines: 1 cases decided (1 persons)"."""
    rules, _ = files
    one = tmp_path / "one.jsonl"
    one.write_text(LINES[0] + "\n", encoding="utf-8")
    result = run((rules, one), tmp_path / "o.jsonl", "-j", "1")
    assert result.exit_code == EXIT_OK, result.output
    assert ": 1 line: 1 case decided (1 person) ->" in result.stdout


AMOUNTS = """\
input score: count = 0
conclusion fine: value integer = 0 en "fine"
conclusion big: value bool = false en "big"
rule r_fine { cite article 1  when score >= 1 then fine = score * 10 }
rule r_big { cite article 2  when score >= 50 then big = true }
"""


def test_diff_lists_the_transitions_of_a_conclusion_of_many_values_instead_of_a_grid(tmp_path):
    """A fifth QA round: pi2017's fine amounts (one value a case) made a transition grid of
    1,000 x 1,000 cells for 2,000 cases: minutes and 11 GB to print. Past 12 values a side,
    the changes are listed, the largest first, with the unchanged in one row."""
    old, new = tmp_path / "old.rules", tmp_path / "new.rules"
    old.write_text(AMOUNTS, encoding="utf-8")
    new.write_text(AMOUNTS.replace("score * 10", "score * 20").replace(">= 50", ">= 40"), "utf-8")
    cases = tmp_path / "cases.jsonl"
    scores = [*range(1, 61), 7, 7, 0]
    cases.write_text("".join(json.dumps({"score": s}) + "\n" for s in scores), "utf-8")
    args = ["diff", str(cases), "--rules", str(old), "--against-rules", str(new)]
    result = runner.invoke(app, [*args, "--by", "fine,big"])
    assert result.exit_code == EXIT_OK, result.output
    text = result.stdout
    fine = text[text.index("fine: 62 persons change") : text.index("big: ")]
    assert "(60 transitions, the 40 largest shown: all with --format json)" in fine
    rows = [line.split() for line in fine.splitlines()[3:] if line.strip()]
    assert rows[0] == ["70", "140", "3"]  # score 7, three persons: the largest first
    assert rows[1] == ["10", "20", "1"] and len(rows) == 41
    assert rows[-1] == ["(unchanged)", "1"]  # score 0
    big = text[text.index("big: ") :]
    assert "no" in big and "yes" in big and "persons" not in big.splitlines()[1]  # a grid
    data = json.loads(runner.invoke(app, [*args, "--by", "fine", "-f", "json"]).stdout)
    assert len(data["transitions"][0]["cells"]) == 61  # JSON keeps every cell


def test_summary_of_two_many_valued_conclusions_lists_the_pairs_that_occur(tmp_path):
    """QA round six (E5): `summary --by fine_amount.floor,fine_amount.ceiling` built the whole
    grid of values (5.4 GB at 20,000 pi2017 results; JSON of 2,000: 174 MB of zeros). As in
    `diff`: past 12 values a side the text lists the largest pairs; JSON and CSV hold only
    the pairs that occur; a one-way table of many values lists its largest in text."""
    rules = tmp_path / "amounts.rules"
    rules.write_text(
        AMOUNTS
        + 'conclusion triple: value integer = 0 en "triple"\n'
        + "rule r_triple { cite article 3  when score >= 1 then triple = score * 3 }\n",
        "utf-8",
    )
    cases = tmp_path / "cases.jsonl"
    scores = [*range(1, 61), 7, 7, 0]
    cases.write_text("".join(json.dumps({"score": s}) + "\n" for s in scores), "utf-8")
    args = ["summary", str(cases), "--rules", str(rules), "--by"]
    data = json.loads(runner.invoke(app, [*args, "fine,triple", "-f", "json"]).stdout)
    cells = data["crosstab"]["cells"]
    assert len(cells) == 61  # the pairs that occur, not 61 x 61
    assert cells[0]["row"] == 0 and cells[7]["persons"] == 3  # in the values' order
    assert (cells[7]["row"], cells[7]["column"]) == (70, 21)
    rows = list(
        csv.reader(runner.invoke(app, [*args, "fine,triple", "-f", "csv"]).stdout.splitlines())
    )
    assert len(rows) == 1 + 61 and rows[8][1:] == ["70", "triple", "21", "3", "3"]
    text = runner.invoke(app, [*args, "fine,triple"]).stdout
    cross = text[text.index("fine by triple") :]
    assert "(61 pairs of values, the 40 largest shown: all with --format json or csv)" in cross
    listed = [line.split() for line in cross.splitlines()[3:] if line.strip()]
    assert listed[0] == ["70", "21", "3", "3"] and len(listed) == 40
    text = runner.invoke(app, [*args, "fine"]).stdout
    one = text[
        text.index("fine (61 values, the 40 largest shown: all with --format json or csv)") :
    ]
    listed = [line.split() for line in one.splitlines()[3:] if line.strip()]
    assert listed[0] == ["70", "3", "3"] and len(listed) == 40
    data = json.loads(runner.invoke(app, [*args, "fine", "-f", "json"]).stdout)
    assert len(data["conclusions"][0]["rows"]) == 61
    text = runner.invoke(app, [*args, "big,triple"]).stdout  # 2 x 61: still listed
    assert "big by triple" in text and "the 40 largest shown" in text


def test_traced_lines_go_in_small_chunks_and_parquet_row_groups_of_bounded_bytes(
    monkeypatch, tmp_path
):
    """QA round six (E12): `run --trace` on pi2017 grew with every line (1 GB for 2,000
    lines, 3.2 GB to Parquet): traced lines took the columnar path's chunks (2,000 lines of
    some 250 KB of trace each, held at once), and Parquet's row groups of 10,000 rows held
    their traces together. Traced chunks are ``TRACE_CHUNK_LINES``; a row group ends at
    ``ROW_GROUP_BYTES``."""
    import datetime
    import io

    import ruleengine
    from ruleengine.batch import writing
    from ruleengine.batch.table import Schema

    pq = pytest.importorskip("pyarrow.parquet")
    pytest.importorskip("numpy")
    book = ruleengine.load_paths([Path(__file__).parents[1] / "bench" / "article5.rules"])
    text = "".join(json.dumps({"other_items": i, "illegal_gain": str(i)}) + "\n" for i in range(9))
    monkeypatch.setattr(running, "COLUMNAR_CHUNK_LINES", 4)
    monkeypatch.setattr(running, "TRACE_CHUNK_LINES", 2)
    options = running.Options(datetime.date(2018, 3, 1), trace=True, output="parquet")
    context = running.Context(book, None, options)
    got = []
    running.run(JsonLines(io.BytesIO(text.encode())), got.append, context=context, jobs=2)
    assert [d.last - d.first + 1 for d in got] == [2, 2, 2, 2, 1]
    monkeypatch.setattr(writing, "ROW_GROUP_BYTES", 1)
    writer = writing.ResultsWriter(tmp_path / "o.parquet", "parquet", Schema(book.rulebook, True))
    for decided in got:
        writer.write(decided.rows, decided.persons)
    writer.close()
    groups = pq.ParquetFile(tmp_path / "o.parquet").metadata
    assert groups.num_rows == 9 and groups.num_row_groups == 5  # a chunk each, not one


def test_where_compares_numbers_exactly_and_refuses_a_bad_value_before_deciding(
    tmp_path, monkeypatch
):
    """QA round six (E11): `--where` cast its value to DECIMAL(38, 10), so that
    `fine<=69.99999999999` counted a fine of 70, a cell `1/3` never matched, and `>=abc`,
    `as_of=2018-02-30` failed (or matched nobody) only after every case was decided, in
    DuckDB's words about a temporary file."""
    from ruleengine.batch import commands

    rules = tmp_path / "amounts.rules"
    rules.write_text(
        AMOUNTS
        + 'conclusion third: value decimal = 0 en "third"\n'
        + "rule r_third { cite article 3  when score >= 1 then third = score / 3 }\n",
        "utf-8",
    )
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps({"score": s}) + "\n" for s in range(1, 8)), "utf-8")
    args = ["summary", str(cases), "--rules", str(rules), "-f", "json", "--where"]

    def persons(where: str) -> int:
        result = runner.invoke(app, [*args, where])
        assert result.exit_code == EXIT_OK, result.output
        return json.loads(result.stdout)["where"]["persons"]

    assert persons("fine<=69.99999999999") == 6 and persons("fine>=70.00000000001") == 0
    assert persons("fine=70.0") == 1 and persons("fine!=70") == 6
    assert persons("third<1") == 2 and persons("third=1/3") == 1 and persons("third>=7/3") == 1
    monkeypatch.setattr(commands, "decide_into", lambda *a, **k: pytest.fail("decided"))
    for where, said in (
        ("fine>=abc", "'abc' is not a number"),
        ("fine<=NaN", "'NaN' is not a number"),
        ("as_of=2018-02-30", "'2018-02-30' is not a date (YYYY-MM-DD)"),
        ("as_of>=tomorrow", "'tomorrow' is not a date (YYYY-MM-DD)"),
    ):
        result = runner.invoke(app, [*args, where])
        assert result.exit_code == EXIT_USAGE, result.output
        assert f"--where {where!r}: {said}" in result.output
