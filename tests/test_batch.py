"""Batch summaries: counting rules, bad lines skipped by number, exit codes, JSON shape."""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ruleengine
from ruleengine import batch
from ruleengine.cli import (
    EXIT_BAD_FACTS,
    EXIT_BAD_RULES,
    EXIT_OK,
    EXIT_PLUGIN,
    EXIT_USAGE,
    app,
)

ROOT = Path(__file__).resolve().parents[1]
CCDI_CASES = ROOT / "examples" / "ccdi" / "cases.jsonl"

TOY = """\
document toy {
  title: "toy"
  effective: 2020-01-01
  date: day
}
enum colour { red green blue }
scale grade { low mid high }
input day: date
input score: count = 0
input likes_red: bool = false
input likes_blue: bool = false
input divisor: integer = 1
conclusion colours: set of colour
conclusion level: highest grade
conclusion band: range of grade
conclusion flagged: value bool = false
rule r_red { cite article 1  when likes_red then colours = colour.red }
rule r_blue { cite article 2  when likes_blue then colours = colour.blue }
rule r_low { cite article 3  when score < 5 then level = low }
rule r_mid { cite article 4  when score >= 10 then level = mid }
rule r_high { cite article 5  when score >= 20 then level = high }
rule r_band_low { cite article 6  when score < 5 then band = low .. mid }
rule r_band_high { cite article 7  when score >= 10 then band = mid .. high }
rule r_flag { cite article 8  when score * 10 / divisor >= 200 then flagged = true }
rule r_unflag { cite article 9  when score = 99 then flagged = false }
"""

# Line numbers matter: the reports name them.
LINES = [
    # 1: one person: {red}, low, low .. mid, not flagged
    '{"day": "2021-01-01", "score": 3, "likes_red": true}',
    # 2: two persons sharing the case's date; the case id is not a fact
    '{"case": {"day": "2021-01-01", "id": "c2"}, "subjects": ['
    '{"score": 25, "likes_red": true, "likes_blue": true}, {"score": 12}]}',
    # 3: malformed JSON
    '{"day": "2021-01-01", "score": ',
    # 4: not an object
    "[1, 2]",
    # 5: a fact of the wrong type
    '{"day": "2021-01-01", "score": "many"}',
    # 6: division by zero while evaluating
    '{"day": "2021-01-01", "score": 4, "divisor": 0}',
    # 7: blank: ignored
    "   ",
    # 8: a case file; at score 7 the level is the lowest (a highest conclusion's default)
    # and no rule gives the band
    '{"as_of": "2021-06-01", "facts": {"day": "2021-06-01", "score": 7, "likes_blue": true}}',
    # 9: one bad official costs the whole line, and only that line
    '{"officials": [{"name": "A", "day": "2021-01-01", "score": 30},'
    ' {"name": "B", "day": "2021-01-01", "score": "x"}]}',
]
TEXT = "\n".join(LINES) + "\n"

runner = CliRunner()


@pytest.fixture(scope="module")
def book():
    return ruleengine.load_text(TOY, "toy.rules")


@pytest.fixture()
def toy_files(tmp_path):
    rules = tmp_path / "toy.rules"
    rules.write_text(TOY, encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(TEXT, encoding="utf-8")
    return rules, cases


def summarise(book, text: str, **kw):
    skipped: list = []
    result = batch.summarise(
        book, batch.read_lines(io.BytesIO(text.encode("utf-8"))), on_skip=skipped.append, **kw
    )
    return result, skipped


def table(data: dict, conclusion: str, part: str | None = None) -> dict:
    """``{value or special: (persons, cases)}`` of one conclusion in the JSON summary."""
    (entry,) = [
        c for c in data["conclusions"] if c["conclusion"] == conclusion and c["part"] == part
    ]
    return {
        r.get("special", r["value"]): (r["persons"], r["cases"])
        for r in entry["rows"]
        if not isinstance(r["value"], dict)
    }


def test_counts_by_member_level_floor_ceiling_and_value(book):
    result, skipped = summarise(book, TEXT)
    data = batch.to_json(result, book)
    assert data["totals"] == {
        "lines": 8,
        "lines_counted": 3,
        "lines_skipped": 5,
        "lines_skipped_by_cause": {"data": 5, "plugin": 0, "ruleengine": 0},
        "lines_blank": 1,
        "cases": 3,
        "persons": 4,
        "persons_with_conflicts": 0,
        "persons_not_in_force": 0,
    }
    # A person counts under every member; a case once per member any of its persons has.
    assert table(data, "colours") == {
        "red": (2, 2),
        "green": (0, 0),
        "blue": (2, 2),
        "none": (1, 1),
    }
    assert table(data, "level") == {
        "low": (2, 2),
        "mid": (1, 1),
        "high": (1, 1),
    }
    # A range counts by its floor and, separately, by its ceiling.
    undecided = (1, 1)
    assert table(data, "band", "floor") == {
        "low": (1, 1),
        "mid": (2, 1),
        "high": (0, 0),
        "not_decided": undecided,
    }
    assert table(data, "band", "ceiling") == {
        "low": (0, 0),
        "mid": (1, 1),
        "high": (2, 1),
        "not_decided": undecided,
    }
    assert table(data, "flagged") == {False: (3, 3), True: (1, 1)}


def test_bad_lines_are_reported_by_number_and_skipped(book):
    result, skipped = summarise(book, TEXT)
    assert [s.line for s in skipped] == [3, 4, 5, 6, 9]
    reasons = {s.line: s.reason for s in skipped}
    assert reasons[3].startswith("not valid JSON")
    assert reasons[4] == "expected a JSON object, got a list"
    assert "the facts do not fit the rulebook's inputs: score:" in reasons[5]
    assert reasons[6].startswith("cannot evaluate:")
    assert "division by zero" in reasons[6]
    assert reasons[9].startswith("officials[1] (B): the facts do not fit")
    assert result.skipped == skipped


def test_a_bad_line_costs_no_other_case(book):
    good = [line for i, line in enumerate(LINES, start=1) if i in (1, 2, 8)]
    alone, _ = summarise(book, "\n".join(good) + "\n")
    mixed, _ = summarise(book, TEXT)
    assert batch.to_json(alone, book)["conclusions"] == batch.to_json(mixed, book)["conclusions"]
    assert (alone.cases, alone.persons) == (mixed.cases, mixed.persons) == (3, 4)


def test_as_of_given_wins_over_the_case_file(book):
    result, _ = summarise(book, LINES[7] + "\n", as_of=datetime.date(2019, 1, 1))
    assert result.not_in_force == 1  # the document takes effect in 2020


def test_conflicts_are_counted_and_noted_not_skipped(book):
    notes: list = []
    line = '{"day": "2021-01-01", "score": 99}\n'
    result, skipped = summarise(book, line, on_note=lambda n, t: notes.append((n, t)))
    assert skipped == []
    assert result.conflicts == 1
    assert notes == [(1, "rules conflict on flagged; counted as not decided")]
    assert table(batch.to_json(result, book), "flagged") == {"not_decided": (1, 1)}


def test_long_and_undecodable_lines_are_skipped_without_losing_the_next(book):
    good = b'{"day": "2021-01-01", "score": 3}\n'
    data = b'{"day": "' + b"x" * 500 + b'"}\n' + b'{"day": "\xff"}\n' + good
    skipped: list = []
    result = batch.summarise(
        book, batch.read_lines(io.BytesIO(data), max_bytes=100), on_skip=skipped.append
    )
    assert [(s.line, s.reason) for s in skipped] == [
        (1, "line longer than 100 bytes"),
        (2, "not UTF-8 text (byte 10)"),
    ]
    assert (result.cases, result.persons) == (1, 1)


def test_person_lists_and_shared_case_keys(book):
    inputs = book.rulebook.inputs
    people = batch.split_record(
        {"case": {"day": "2021-01-01", "title": "t"}, "officials": [{"name": "A", "score": 1}]},
        inputs,
    )
    assert people == [("officials[0] (A)", {"day": "2021-01-01", "name": "A", "score": 1})]
    assert batch.split_record({"score": 1}, inputs) == [("", {"score": 1})]
    for bad, message in (
        ({"officials": []}, "'officials' must be a non-empty list of objects"),
        ({"subjects": [3]}, "subjects[0]: expected an object, got a number"),
        ({"case": [], "officials": [{}]}, "'case' must be an object, got a list"),
        # null is no object either, and what describes a case is text, as a case file's id
        # must be (sixth QA round F2)
        ({"case": None, "officials": [{}]}, "'case' must be an object, got null"),
        ({"case": {"id": 7}, "officials": [{}]}, "case.id: expected a text, got 7"),
        ({"title": ["t"], "officials": [{}]}, "title: expected a text, got a list"),
        ("text", "expected a JSON object, got a string"),
        # a key no one reads is refused, not dropped (QA, issue 7 item 5)
        (
            {"csae": {}, "officials": [{}]},
            "csae: unknown field beside 'officials' (did you mean 'case'?)",
        ),
        (
            {"score": 1, "officials": [{}]},
            "score: a fact beside 'officials' is given to no one: put it in 'case'",
        ),
        (
            {"case": {"dy": "2021-01-01"}, "officials": [{}]},
            "case.dy: unknown field of 'case' (did you mean 'day'?)",
        ),
    ):
        with pytest.raises(batch.BadLine, match=re.escape(message)):
            batch.split_record(bad, inputs)
    with pytest.raises(batch.BadLine) as caught:
        batch.split_record(
            {"x": 1, "case": {"y": 2, "id": "c1"}, "id": 7, "officials": [{}]}, inputs
        )
    assert caught.value.problems == (
        ("x", "unknown field beside 'officials'"),
        ("case.y", "unknown field of 'case'"),
        ("id", "expected a text, got 7"),
    )


# ------------------------------------------------------------------ bugs cost one line only
def faulty(record):
    """An input adapter with bugs, set off by the record's "boom" key."""
    boom = record.get("boom")
    if boom == "plugin":
        return ",".join([record["day"], 5]), []  # TypeError, as in issue 7 (an id that is 5)
    if boom == "engine":  # a bug reached inside ruleengine itself
        ruleengine.types.Duration.of(1, "fortnight")
    notes = [{"share": Decimal("0.10"), "days": [datetime.date(2021, 1, 1)]}]
    if boom == "note":
        notes = [{"members": {"a", "b"}}]
    return {k: v for k, v in record.items() if k != "boom"}, notes


GOOD = '{"day": "2021-01-01", "score": 3}'
FAULTY = "\n".join(
    [
        GOOD,
        '{"day": "2021-01-01", "score": 3, "boom": "plugin"}',
        "",
        '{"day": "2021-01-01", "score": 3, "boom": "note"}',
        '{"day": "2021-01-01", "score": "x"}',
        '{"day": "2021-01-01", "score": 3, "boom": "engine"}',
        GOOD,
    ]
)


def test_a_bug_in_an_adapter_or_the_engine_skips_only_its_line(book):
    """Issue 7 item 1: an unexpected exception used to end the whole summary (exit 70, no
    output); now it is one skipped line, saying whose bug it is, and every line is counted."""
    faults: list = []
    result, skipped = summarise(
        book, FAULTY, adapt=faulty, on_fault=lambda n, f: faults.append((n, f))
    )
    assert [(s.line, s.cause) for s in skipped] == [(2, "plugin"), (5, "data"), (6, "ruleengine")]
    reasons = {s.line: s.reason for s in skipped}
    assert reasons[2].startswith(f"a bug in the plugin module {__name__} (line ")
    assert "TypeError: sequence item 1: expected str instance, int found" in reasons[2]
    assert reasons[6].startswith("a bug in ruleengine (ruleengine.types, line ")
    assert "KeyError: 'fortnight'" in reasons[6]
    assert [n for n, _ in faults] == [2, 6]
    # The traceback, as text (a worker process sends it), for RULEENGINE_DEBUG=1.
    assert "Traceback" in faults[0][1] and "TypeError" in faults[0][1]
    # Line 4's notes are not JSON, but a summary shows no notes: it is counted.
    assert (result.cases, result.persons, result.blank) == (3, 3, 1)
    totals = batch.to_json(result, book)["totals"]
    assert totals["lines"] == totals["lines_counted"] + totals["lines_skipped"] == 6
    assert totals["lines_skipped_by_cause"] == {"data": 1, "plugin": 1, "ruleengine": 1}


def test_a_failure_that_names_its_plugin_is_that_plugins_fault(book):
    """The plugin manager reports a failing plugin by name (from inside ruleengine): the
    line is the plugin's fault, not a bug in ruleengine."""

    class Failed(Exception):
        plugin = "acme"

    def adapt(record):
        raise Failed("plugin 'acme' failed: input adapter 'acme-acts' raised KeyError: 'x'")

    result, skipped = summarise(book, GOOD + "\n", adapt=adapt)
    [skip] = skipped
    assert skip.cause == "plugin"
    assert skip.reason.startswith("plugin 'acme' failed: input adapter 'acme-acts' raised")


def test_a_bug_in_a_rule_function_skips_only_its_line(tmp_path):
    """An exception the engine does not expect from a plugin's function, inside the generated
    code, is the plugin's bug on that line."""

    def lookup(table):
        return {"a": 1}[table]  # KeyError for anything else

    pm = ruleengine.get_plugin_manager(load_entry_points=False)

    class Functions:
        @ruleengine.hookimpl
        def ruleengine_functions(self):
            spec = ruleengine.FunctionSpec("lookup", lambda args: ruleengine.types.INTEGER, lookup)
            return [spec]

    pm.register(Functions(), name="functions")
    rules = (
        "input t: text\nconclusion n: value integer\nrule r { cite article 1 then n = lookup(t) }\n"
    )
    book = ruleengine.load_text(rules, "f.rules", pm=pm)
    result, skipped = summarise(book, '{"t": "a"}\n{"t": "b"}\n')
    assert result.cases == 1
    [skip] = skipped
    assert (skip.line, skip.cause) == (2, "plugin")
    assert "KeyError: 'b'" in skip.reason and "plugin 'functions'" in skip.reason
    assert "function lookup()" in skip.reason and "f.rules:3:34" in skip.reason


def test_derivation_notes_are_converted_exactly(book):
    from ruleengine.plugin_guards import NotJson, exact_json

    facts, notes = batch.subject_facts(json.loads(GOOD), book.rulebook.inputs, faulty)
    assert exact_json(notes, "derivations", 0) == [{"share": "0.1", "days": ["2021-01-01"]}]
    for bad, words in (
        ({"x": 0.5}, "derivations[0].x is the binary floating-point number 0.5"),
        ({1: "a"}, "derivations[0] is an object with a key that is not a text"),
        ([Decimal("NaN")], "derivations[0][0] is a value of type Decimal"),
    ):
        with pytest.raises(NotJson, match=words.replace("[", r"\[").replace("]", r"\]")):
            exact_json([bad], "derivations", 0)
    deep: list = []
    deep.append(deep)
    with pytest.raises(NotJson, match="nested more than"):
        exact_json([deep], "derivations", 0)


@pytest.fixture()
def faulty_pm(monkeypatch):
    """The command line with the faulty adapter installed as a plugin for every rulebook."""

    class Faulty:
        @ruleengine.hookimpl
        def ruleengine_input_adapters(self):
            return [ruleengine.InputAdapter("faulty", None, faulty)]

    def pm():
        manager = ruleengine.get_plugin_manager(load_entry_points=False)
        manager.register(Faulty(), name="faulty")
        return manager

    monkeypatch.setattr("ruleengine.cli._pm", pm)


@pytest.mark.parametrize(
    "keep, code",
    # Line 6 calls into ruleengine from the adapter: installed as a plugin, the adapter runs
    # guarded, and whatever it raises is the plugin's failure.
    [((1, 2, 5, 7), EXIT_PLUGIN), ((1, 5, 6, 7), EXIT_PLUGIN), ((1, 5, 7), EXIT_BAD_FACTS)],
)
def test_cli_summary_exit_code_says_whose_fault_a_skipped_line_was(
    toy_files, tmp_path, faulty_pm, keep, code
):
    rules, _ = toy_files
    lines = FAULTY.split("\n")
    cases = tmp_path / "faulty.jsonl"
    cases.write_text("\n".join(lines[i - 1] for i in keep) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["summary", str(cases), "--rules", str(rules), "-f", "json"])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    data = json.loads(result.stdout)  # the summary of the good lines is printed all the same
    assert data["totals"]["cases"] == 2
    assert [s["line"] for s in data["skipped"]] == list(range(2, len(keep)))
    text = runner.invoke(app, ["summary", str(cases), "--rules", str(rules)])
    faults = "skipped because of a bug in a plugin or in ruleengine"
    assert (faults in text.stdout) is (code != EXIT_BAD_FACTS)


def test_cli_summary_shows_the_traceback_of_a_bug_when_debugging(toy_files, faulty_pm, tmp_path):
    rules, _ = toy_files
    cases = tmp_path / "faulty.jsonl"
    cases.write_text(FAULTY.split("\n")[1] + "\n", encoding="utf-8")
    args = ["summary", str(cases), "--rules", str(rules)]
    result = runner.invoke(app, args, env={"RULEENGINE_DEBUG": "1"})
    assert result.exit_code == EXIT_PLUGIN
    assert f"{cases}:1: traceback:" in result.stderr and "TypeError" in result.stderr


def test_cli_eval_a_bug_in_an_adapter_is_exit_6_naming_the_module(toy_files, faulty_pm):
    rules, _ = toy_files
    for command in ("eval", "explain"):
        result = runner.invoke(
            app,
            [command, "--rules", str(rules)],
            input='{"day": "2021-01-01", "boom": "plugin"}',
        )
        assert result.exit_code == EXIT_PLUGIN, result.output
        assert "Traceback" not in result.output
        assert "plugin 'faulty' failed: input adapter 'faulty' raised TypeError" in result.stderr
    notes = '{"day": "2021-01-01", "boom": "note"}'
    result = runner.invoke(app, ["explain", "--rules", str(rules), "-f", "json"], input=notes)
    assert result.exit_code == EXIT_PLUGIN, result.output
    assert "derivations[0].members is a value of type set, which JSON cannot hold" in result.stderr
    explained = runner.invoke(app, ["explain", "--rules", str(rules), "-f", "json"], input=GOOD)
    assert explained.exit_code == EXIT_OK, explained.output
    assert json.loads(explained.stdout)["derivations"] == [{"share": "0.1", "days": ["2021-01-01"]}]


# ------------------------------------------------------------------ the command
def test_cli_text_exit_code_and_stderr(toy_files):
    rules, cases = toy_files
    result = runner.invoke(app, ["summary", str(cases), "--rules", str(rules)])
    assert result.exit_code == EXIT_BAD_FACTS
    assert "Traceback" not in result.output
    for n in (3, 4, 5, 6, 9):
        assert f"{cases}:{n}: skipped: " in result.stderr
    assert "toy: 3 cases, 4 persons; 5 of 8 lines skipped" in result.stdout
    assert "skipped:" not in result.stdout
    assert "floor (least the rules allow)" in result.stdout


def test_cli_zh_labels(toy_files):
    rules, cases = toy_files
    result = runner.invoke(app, ["summary", str(cases), "--rules", str(rules), "--lang", "zh"])
    assert "toy：案件3件，涉及4人；共8行，跳过5行" in result.stdout
    assert "人数" in result.stdout and "案件数" in result.stdout


def test_cli_exit_zero_when_every_line_is_good(toy_files, tmp_path):
    rules, _ = toy_files
    good = tmp_path / "good.jsonl"
    good.write_text(LINES[0] + "\n\n" + LINES[1] + "\n", encoding="utf-8")
    result = runner.invoke(app, ["summary", str(good), "--rules", str(rules), "-f", "json"])
    assert result.exit_code == EXIT_OK, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout)["totals"]["cases"] == 2


def test_cli_json_is_machine_readable_and_deterministic(toy_files):
    rules, cases = toy_files
    args = ["summary", str(cases), "--rules", str(rules), "--format", "json"]
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == EXIT_BAD_FACTS
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert set(data) == {"rulebook", "as_of", "totals", "skipped", "conclusions"}
    assert data["rulebook"] == "toy"
    assert [s["line"] for s in data["skipped"]] == [3, 4, 5, 6, 9]
    assert [(c["conclusion"], c["kind"], c["part"]) for c in data["conclusions"]] == [
        ("colours", "set", None),
        ("level", "highest", None),
        ("band", "range", "floor"),
        ("band", "range", "ceiling"),
        ("flagged", "value", None),
    ]
    for c in data["conclusions"]:
        for row in c["rows"]:
            assert set(row) <= {"value", "label", "persons", "cases", "special"}
            assert row["cases"] <= row["persons"]
    assert table(data, "flagged") == {False: (3, 3), True: (1, 1)}


def test_cli_usage_and_missing_files(toy_files, tmp_path):
    rules, cases = toy_files
    base = ["summary", str(cases), "--rules", str(rules)]
    assert runner.invoke(app, [*base, "-f", "yaml"]).exit_code == EXIT_USAGE
    assert runner.invoke(app, [*base, "--as-of", "2021-13-01"]).exit_code == EXIT_USAGE
    missing = runner.invoke(app, ["summary", str(tmp_path / "no.jsonl"), "--rules", str(rules)])
    assert missing.exit_code == EXIT_BAD_FACTS
    assert "no such file" in missing.stderr
    no_rules = runner.invoke(app, ["summary", str(cases), "--rules", str(tmp_path / "x.rules")])
    assert no_rules.exit_code == EXIT_BAD_RULES


def test_cli_reads_standard_input(toy_files):
    rules, _ = toy_files
    result = runner.invoke(
        app, ["summary", "-", "--rules", str(rules), "-f", "json"], input=LINES[0] + "\n"
    )
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["totals"]["persons"] == 1


# ------------------------------------------------------------------ the CCDI example file
def test_ccdi_example_file_runs_and_reports_its_two_bad_lines():
    result = runner.invoke(app, ["summary", str(CCDI_CASES), "-r", "ccdi", "-f", "json"])
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    data = json.loads(result.stdout)
    assert [s["line"] for s in data["skipped"]] == [9, 11]
    assert data["skipped"][0]["reason"].startswith("not valid JSON")
    assert "acts[0].amount" in data["skipped"][1]["reason"]
    totals = data["totals"]
    assert (totals["lines"], totals["cases"], totals["persons"]) == (13, 11, 15)
    assert f"{CCDI_CASES}:9: skipped: not valid JSON" in result.stderr
    assert f"{CCDI_CASES}:11: skipped: the facts do not fit" in result.stderr


def test_ccdi_summary_agrees_with_the_plugins_own_per_official_decisions():
    """Splitting in the engine matches the plugin's split_case, person by person."""
    from ruleengine.facts import loads_json
    from ruleengine_ccdi.cases import decide_case

    pm = ruleengine.get_plugin_manager()
    _, source = ruleengine.plugins.rule_sources(pm)["ccdi"]
    book = ruleengine.load_paths(list(source.paths), name="ccdi", pm=pm)
    expected: dict = {}
    for number, line in enumerate(CCDI_CASES.read_text(encoding="utf-8").splitlines(), 1):
        if number in (9, 11):
            continue
        record = loads_json(line)
        record = record.get("facts", record)
        for decision in decide_case(book, record).values():
            for member in decision.conclusions["disciplines"]:
                expected[member] = expected.get(member, 0) + 1
            floor = decision.conclusions["sanction"][0]
            expected[("floor", floor)] = expected.get(("floor", floor), 0) + 1
    result = batch.summarise(
        book,
        batch.read_lines(io.BytesIO(CCDI_CASES.read_bytes())),
        ruleengine.plugins.adapter_chain(pm, "ccdi"),
    )
    data = batch.to_json(result, book)
    got = {k: p for k, (p, _) in table(data, "disciplines").items() if p}
    got.update({("floor", k): p for k, (p, _) in table(data, "sanction", "floor").items() if p})
    assert got == expected


def test_a_case_file_line_with_a_misspelt_key_is_skipped(book):
    line = '{"as_off": "2021-06-01", "facts": {"day": "2021-06-01"}}\n'
    result, skipped = summarise(book, line)
    assert [s.reason for s in skipped] == [
        "not a valid case file: as_off: unknown field of the case file (did you mean 'as_of'?)"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and /dev/zero")
def test_cli_cases_from_a_named_pipe_are_streamed_but_a_device_is_refused(toy_files, tmp_path):
    """Issue 7 item 8: summary reads a pipe as it reads standard input (``<(...)`` too), but
    never a device: /dev/zero, one endless line, would be read for ever."""
    rules, _ = toy_files
    device = runner.invoke(app, ["summary", "/dev/zero", "--rules", str(rules)])
    assert device.exit_code == EXIT_BAD_FACTS
    assert "/dev/zero: a device, not a regular file" in device.stderr
    folder = runner.invoke(app, ["summary", str(tmp_path), "--rules", str(rules)])
    assert folder.exit_code == EXIT_BAD_FACTS
    assert "a folder, not a file" in folder.stderr
    fifo = tmp_path / "cases.fifo"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "w", encoding="utf-8") as pipe:  # waits for the reader
            pipe.write(LINES[0] + "\n")

    threading.Thread(target=write, daemon=True).start()
    result = runner.invoke(app, ["summary", str(fifo), "--rules", str(rules), "-f", "json"])
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["totals"]["cases"] == 1


def test_a_line_of_unicode_line_separators_is_not_blank(book):
    """JSON's white space is space, tab, CR (and the line feed): a line holding U+2028 is a
    bad line, reported, not a blank one silently passed over."""
    result, skipped = summarise(book, "\u2028\n \t\r\n")
    assert (result.lines, result.blank) == (1, 1)
    assert [s.line for s in skipped] == [1]
