"""The command line as a user meets it: outputs, formats, languages and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruleengine.cli import (
    EXIT_BAD_FACTS,
    EXIT_BAD_RULES,
    EXIT_EVALUATION,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    app,
)

ROOT = Path(__file__).resolve().parents[1]
QUICK = ROOT / "examples" / "quickstart"
RULES = str(QUICK / "article5.rules")
CASE = str(QUICK / "case.json")

runner = CliRunner()


def run(*args: str, input: str | None = None):
    result = runner.invoke(app, list(args), input=input)
    assert "Traceback" not in result.output, result.output
    return result


def test_explain_matches_the_expected_explanation_in_both_languages():
    for lang, expected in (("en", "expected.txt"), ("zh", "expected.zh.txt")):
        result = run("explain", "--rules", RULES, CASE, "--as-of", "2018-03-01", "--lang", lang)
        assert result.exit_code == EXIT_OK
        assert result.stdout == (QUICK / expected).read_text(encoding="utf-8")


def test_readme_shows_the_real_output():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for expected in ("expected.txt", "expected.zh.txt"):
        assert (QUICK / expected).read_text(encoding="utf-8").rstrip("\n") in readme


def test_explain_json_is_the_versioned_trace():
    result = run("explain", "--rules", RULES, CASE, "--as-of", "2018-03-01", "-f", "json")
    assert result.exit_code == EXIT_OK
    trace = json.loads(result.stdout)
    assert trace["format"] == "ruleengine-trace" and trace["version"] == 1
    assert trace["outcome"] == {"level": "serious"}
    applied = [r for r in trace["rules"] if r["status"] == "applied"]
    assert [r["citation"]["en"] for r in applied] == ["Art. 5(1)(3)"]
    # The nearest test (the proportional sum, 0.144 of 1), then the nearest test of a fact;
    # each with its checked change (the sum: 488 items of the first kind, as --whatif says).
    assert [m["test"]["short_by"] for m in trace["nearest_miss"]] == ["0.856", 440]


def test_explain_markdown_has_headings_and_citations():
    result = run("explain", "--rules", RULES, CASE, "--as-of", "2018-03-01", "-f", "markdown")
    assert result.exit_code == EXIT_OK
    assert result.stdout.startswith("# circumstances: serious circumstances")
    assert "## Provisions that decide it" in result.stdout
    assert "Art. 5(1)(3)" in result.stdout


def test_eval_prints_the_decision_and_set_overrides_a_fact():
    result = run(
        "eval",
        "--rules",
        RULES,
        CASE,
        "--as-of",
        "2018-03-01",
        "--set",
        "sensitive_items=500",
        "-f",
        "json",
    )
    assert result.exit_code == EXIT_OK
    assert json.loads(result.stdout)["outcome"] == {"level": "especially_serious"}


def test_facts_from_stdin_and_yaml(tmp_path):
    result = run("eval", "--rules", RULES, "--as-of", "2018-03-01", input='{"other_items": 5000}')
    assert result.exit_code == EXIT_OK
    assert "circumstances: serious circumstances" in result.stdout
    yaml_case = tmp_path / "case.yaml"
    yaml_case.write_text("illegal_gain: 4999.99\nin_duty: true\n", encoding="utf-8")
    result = run("eval", "--rules", RULES, str(yaml_case), "--as-of", "2018-03-01")
    assert result.exit_code == EXIT_OK
    assert "circumstances: serious circumstances" in result.stdout


def test_case_file_with_facts_and_as_of(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"as_of": "2017-05-01", "facts": {"sensitive_items": 500}}))
    result = run("eval", "--rules", RULES, str(case), "-f", "json")
    assert json.loads(result.stdout)["outcome"] == {"level": "none"}
    assert json.loads(result.stdout)["in_force"] is False


def test_bad_facts_name_the_field_and_exit_4(tmp_path):
    case = tmp_path / "bad.json"
    case.write_text('{"sensitive_itemz": 3, "in_duty": "yes", "other_items": -1}')
    result = run("eval", "--rules", RULES, str(case))
    assert result.exit_code == EXIT_BAD_FACTS
    assert "sensitive_itemz: unknown field (did you mean 'sensitive_items'?)" in result.output
    assert "in_duty: expected true or false" in result.output
    assert "other_items: expected a whole number ≥ 0, got -1" in result.output


def test_malformed_json_points_at_the_place(tmp_path):
    case = tmp_path / "broken.json"
    case.write_text('{"sensitive_items": 5,}')
    result = run("eval", "--rules", RULES, str(case))
    assert result.exit_code == EXIT_BAD_FACTS
    assert "broken.json:1:23: not valid JSON" in result.output
    assert "^" in result.output


def test_bad_rules_are_pinpointed_and_exit_3(tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text("input items: count\nrule r { when itemz >= 1 }\n", encoding="utf-8")
    result = run("check", str(bad))
    assert result.exit_code == EXIT_BAD_RULES
    assert "bad.rules:2:15: error[E200]: unknown name 'itemz'" in result.output
    assert "did you mean 'items'?" in result.output


def test_check_passes_a_good_rulebook_and_reports_json():
    result = run("check", RULES, "-f", "json")
    assert result.exit_code == EXIT_OK
    assert json.loads(result.stdout)["ok"] is True


def test_rule_tests_pass_and_a_failing_test_exits_1(tmp_path):
    assert run("test", "--rules", RULES).exit_code == EXIT_OK
    failing = tmp_path / "failing.rules"
    failing.write_text(
        (QUICK / "article5.rules").read_text(encoding="utf-8")
        + '\ntest "wrong on purpose" { as of 2018-03-01 given sensitive_items = 10 '
        "expect level = serious }\n",
        encoding="utf-8",
    )
    result = run("test", "--rules", str(failing))
    assert result.exit_code == EXIT_FAILED
    assert "FAIL wrong on purpose" in result.output
    assert "expected level = serious, got none" in result.output


def test_conflicting_values_exit_1_and_name_both_rules(tmp_path):
    rules = tmp_path / "conflict.rules"
    rules.write_text(
        "input a: bool = true\nconclusion sentence: value text\n"
        'rule one { cite article 1 when a then sentence = "three years" }\n'
        'rule two { cite article 2 when a then sentence = "seven years" }\n',
        encoding="utf-8",
    )
    result = run("explain", "--rules", str(rules), "--as-of", "2020-01-01", input="{}")
    assert result.exit_code == EXIT_FAILED
    assert "Art. 1 says three years" in result.stdout
    assert "Art. 2 says seven years" in result.stdout


def test_division_by_zero_is_an_evaluation_error_with_a_caret(tmp_path):
    rules = tmp_path / "div.rules"
    rules.write_text(
        "input a: count\ninput b: count\nscale s { no yes }\nconclusion c: highest s\n"
        "rule r { cite article 1 when a / b >= 1 then c = yes }\n",
        encoding="utf-8",
    )
    result = run("eval", "--rules", str(rules), input='{"a": 1, "b": 0}')
    assert result.exit_code == EXIT_EVALUATION
    assert "division by zero" in result.output and "^" in result.output


def test_usage_errors_exit_2():
    assert run("explain", "--rules", RULES, CASE, "--as-of", "yesterday").exit_code == EXIT_USAGE
    assert run("explain", "--rules", RULES, CASE, "-f", "pdf").exit_code == EXIT_USAGE


def test_unknown_rulebook_is_a_rules_error_with_a_suggestion():
    result = run("rules", "--rulebook", "pi2071")
    assert result.exit_code == EXIT_BAD_RULES
    assert "no rulebook named 'pi2071'" in result.output


def test_rules_lists_citations_and_plugins_lists_builtins():
    result = run("rules", "--rules", RULES)
    assert result.exit_code == EXIT_OK
    assert "quantity\tArt. 5(1)(3)" in result.stdout
    result = run("plugins")
    assert result.exit_code == EXIT_OK
    assert "ruleengine.default_functions: ok\n" in result.stdout
    assert "  functions: min, max, abs," in result.stdout


SCRIPT = shutil.which("ruleengine", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(SCRIPT is None, reason="console script not installed")
def test_installed_console_script_output_is_plain_when_piped():
    proc = subprocess.run(
        [SCRIPT, "explain", "--rules", RULES, CASE, "--as-of", "2018-03-01"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(Path(sys.executable).parent)},
    )
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout
    assert proc.stdout == (QUICK / "expected.txt").read_text(encoding="utf-8")


def test_a_case_with_several_officials_is_decided_per_official():
    case = str(ROOT / "examples" / "ccdi" / "land_requisition_compensation.json")
    result = run("eval", "-r", "ccdi", case, "-f", "json")
    assert result.exit_code == EXIT_OK, result.output
    people = json.loads(result.stdout)
    assert isinstance(people, list) and len(people) >= 2
    assert all(p["person"].startswith("officials[") for p in people)
    result = run("explain", "-r", "ccdi", case)
    assert result.exit_code == EXIT_OK
    assert result.stdout.count("== Official ") == len(people)
    assert f"== Official 1 of {len(people)}: " in result.stdout
    # Provisions are cited with the document they are in.
    assert "Criminal Law Art. 382(1)" in result.stdout


@pytest.mark.parametrize(
    "facts, field",
    [
        ('{"illegal_gain": "3,2"}', "illegal_gain"),
        ('{"illegal_gain": "3.200,50"}', "illegal_gain"),
        ('{"sensitive_items": "６０"}', "sensitive_items"),
    ],
)
def test_ambiguous_numbers_are_refused_not_guessed(facts, field):
    result = run("eval", "--rules", RULES, "--as-of", "2018-03-01", input=facts)
    assert result.exit_code == EXIT_BAD_FACTS
    assert f"{field}: expected" in result.output


def test_thousands_grouped_in_threes_are_read():
    result = run(
        "eval",
        "--rules",
        RULES,
        "--as-of",
        "2018-03-01",
        "-f",
        "json",
        input='{"illegal_gain": "50,000.00"}',
    )
    assert json.loads(result.stdout)["outcome"] == {"level": "especially_serious"}


@pytest.mark.parametrize(
    "facts, words",
    [
        ('{"illegal_gain": NaN}', "NaN is not a number"),
        ('{"sensitive_items": 60, "sensitive_items": 700}', "given twice"),
        ('{"x": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
    ],
)
def test_facts_that_json_cannot_hold_exactly_are_refused(facts, words):
    result = run("eval", "--rules", RULES, "--as-of", "2018-03-01", input=facts)
    assert result.exit_code == EXIT_BAD_FACTS
    assert words in result.output


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("json_key_given_twice", '{"in_duty": true,\n "acts": [{"a": 1, "a": 2}]}\n'),
        ("json_nan", '{"sensitive_items": 3,\n "illegal_gain": NaN}\n'),
        ("json_nested_too_deeply", '{"x":\n  ' + "[" * 100_000 + "\n"),
        ("json_number_of_thousands_of_digits", '{"illegal_gain":\n  ' + "9" * 5000 + "}\n"),
    ],
)
def test_json_facts_that_parse_but_cannot_be_facts_are_pinpointed(tmp_path, name, text):
    """QA: a field given twice, NaN and 100,000-deep nesting named the file only; they are
    placed as malformed JSON is (file:line:col, the line, a caret), as YAML's are."""
    from conftest import check_golden

    case = tmp_path / "case.json"
    case.write_text(text, encoding="utf-8")
    result = run("eval", "--rules", RULES, str(case))
    assert result.exit_code == EXIT_BAD_FACTS
    check_golden(f"facts_{name}", result.stderr.replace(str(case), "case.json"))


def test_dates_only_in_iso_form_and_no_date_with_a_time(tmp_path):
    assert run("eval", "--rules", RULES, "--as-of", "20180301", input="{}").exit_code == EXIT_USAGE
    case = tmp_path / "case.json"
    case.write_text('{"as_of": "2018-13-01", "facts": {}}')
    assert run("eval", "--rules", RULES, str(case)).exit_code == EXIT_BAD_FACTS
    rules = tmp_path / "dated.rules"
    rules.write_text(
        "document d { date: filed_on }\ninput filed_on: date\nconclusion late: value bool\n"
        "rule r { cite article 1 when filed_on > 2021-01-31 then late = true }\n"
    )
    yaml_case = tmp_path / "case.yaml"
    yaml_case.write_text("filed_on: 2021-02-01 10:00:00\n")
    result = run("eval", "--rules", str(rules), str(yaml_case))
    assert result.exit_code == EXIT_BAD_FACTS
    assert "filed_on: expected a date" in result.output


def test_stdin_empty_is_a_usage_error_and_yaml_on_stdin_is_read():
    assert run("eval", "--rules", RULES, input="").exit_code == EXIT_USAGE
    result = run("eval", "--rules", RULES, "--as-of", "2018-03-01", input="sensitive_items: 60\n")
    assert result.exit_code == EXIT_OK
    assert "serious circumstances" in result.stdout


def test_a_byte_order_mark_is_not_part_of_rules_or_facts(tmp_path):
    rules = tmp_path / "bom.rules"
    rules.write_bytes("\ufeff".encode() + Path(RULES).read_bytes())
    case = tmp_path / "bom.json"
    case.write_bytes("\ufeff".encode() + Path(CASE).read_bytes())
    result = run("eval", "--rules", str(rules), str(case), "--as-of", "2018-03-01")
    assert result.exit_code == EXIT_OK, result.output


def test_text_that_is_not_valid_unicode_is_refused(tmp_path):
    rules = tmp_path / "text.rules"
    rules.write_text(
        "input name: text\nconclusion c: value text\nrule r { cite article 1 then c = name }\n"
    )
    result = run(
        "explain", "--rules", str(rules), "--as-of", "2020-01-01", input='{"name": "\\ud800"}'
    )
    assert result.exit_code == EXIT_BAD_FACTS
    assert "not valid Unicode" in result.output


# ------------------------------------------------------------------ input adapters read exactly
CCDI_CASE = ROOT / "examples" / "ccdi" / "kickbacks.json"
PI_ACT = {"kind": "sell", "category": "tracking", "items": 60, "recipient": "A"}


def _ccdi_case(tmp_path, path: str, value) -> str:
    """The kickbacks example with one field replaced: ``path`` is "name" or "acts[i].key"."""
    case = json.loads(CCDI_CASE.read_text(encoding="utf-8"))
    if path.startswith("acts["):
        index, key = path[5:].split("].")
        case["acts"][int(index)][key] = value
    else:
        case[path] = value
    out = tmp_path / "case.json"
    out.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return str(out)


@pytest.mark.parametrize(
    "path, value, words",
    [
        ("acts[1].id", 5, "acts[1].id: expected a text, got 5"),
        ("acts[1].use", ["profit_making"], "acts[1].use: expected one of not_used"),
        ("acts[2].amount", "1e999999999", "acts[2].amount: expected an amount of money in CNY"),
        ("acts[2].amount", "sNaN", 'got "sNaN"'),
        ("acts[0].amount", "-60000", "acts[0].amount: expected an amount of money in CNY"),
        ("acts[0].amount", -60000, "got -60000, but it cannot be below 0"),
        ("acts[0].kind", {"a": 1}, "acts[0].kind: expected one of subsidy_skimming"),
        ("acts[0].for_self", "no", "acts[0].for_self: expected true or false"),
        ("acts[0].acted_on", 20240704, "acts[0].acted_on: expected a date"),
        ("name", 5, "name: expected a text, got 5"),
    ],
)
def test_ccdi_adapter_refuses_what_validation_refuses(tmp_path, path, value, words):
    """Issue 7 item 2: each of these crashed the adapter (exit 70) or was accepted (a negative
    amount); now they are invalid facts, named by the user's path."""
    case = _ccdi_case(tmp_path, path, value)
    for command in ("eval", "explain"):
        result = run(command, "-r", "ccdi", case, "-f", "json")
        assert result.exit_code == EXIT_BAD_FACTS, result.output
        assert words in result.output


def test_ccdi_name_that_is_a_number_is_refused_not_sent_to_the_json_encoder(tmp_path):
    """``"name": 0.1`` crashed only ``--format json``: a Decimal reached the JSON encoder."""
    case = tmp_path / "case.json"
    record = {**json.loads(CCDI_CASE.read_text(encoding="utf-8")), "name": "placeholder"}
    case.write_text(json.dumps(record).replace('"placeholder"', "0.1"))
    result = run("explain", "-r", "ccdi", str(case), "-f", "json")
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert "name: expected a text, got 0.1" in result.output


def test_ccdi_labels_are_read_as_members_as_validation_reads_them(tmp_path):
    case = _ccdi_case(tmp_path, "acts[0].kind", "收受回扣、手续费")
    result = run("eval", "-r", "ccdi", case, "-f", "json")
    assert result.exit_code == EXIT_OK, result.output


@pytest.mark.parametrize(
    "act, words",
    [
        ({"category": ["tracking"]}, "acts[0].category: expected one of tracking"),
        ({"gain": "1e999999999"}, "acts[0].gain: expected an amount of money in CNY"),
        ({"gain": "-5000"}, "got -5000, but it cannot be below 0"),
        ({"items": "1e3"}, 'acts[0].items: expected a whole number ≥ 0, got "1e3"'),
        ({"recipient": 7}, "acts[0].recipient: expected a text, got 7"),
        ({"itmes": 1}, "acts[0].itmes: unknown field (did you mean 'items'?)"),
        ({"batch": [1] * 10_000}, "acts[0].batch: expected a text, got a list"),
    ],
)
def test_pi2017_adapter_refuses_what_validation_refuses(act, words):
    facts = json.dumps({"acts": [{**PI_ACT, **act}]})
    result = run("eval", "-r", "pi2017", "--as-of", "2018-01-01", input=facts)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert words in result.output


# ------------------------------------------------------------------ the case file's own keys
@pytest.mark.parametrize(
    "case, words",
    [
        (
            {"as_off": "2018-03-01", "facts": {"sensitive_items": 60}},
            "as_off: unknown field of the case file (did you mean 'as_of'?)",
        ),
        ({"as_of": None, "facts": {}}, "as_of: expected a date (YYYY-MM-DD), got null"),
        ({"as_of": "2018-03-01", "facts": [1]}, "facts: expected an object"),
        ({"as_of": "2018-03-01", "facts": None}, "facts: expected an object"),
        ({"as_of": "2018-03-01", "id": 7, "facts": {}}, "id: expected a text, got 7"),
        # An as_of beside the facts, unwrapped: not facts judged today.
        ({"as_of": "2017-05-01", "sensitive_items": 500}, "facts: missing"),
    ],
)
def test_the_case_file_is_checked_like_facts(tmp_path, case, words):
    """Issue 7 item 5: a misspelt or null as_of was ignored and the case judged as of today."""
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    for extra in ([], ["--as-of", "2018-03-01"]):
        result = run("eval", "--rules", RULES, str(path), *extra)
        assert result.exit_code == EXIT_BAD_FACTS, result.output
        assert f"{path}: not a valid case file:" in result.output
        assert words in result.output


def test_a_case_file_may_name_and_describe_its_case(tmp_path):
    case = {
        "id": "case-7",
        "description": "sixty items of whereabouts information",
        "expect": {"level": "serious"},
        "as_of": "2018-03-01",
        "facts": {"sensitive_items": 60},
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    result = run("eval", "--rules", RULES, str(path), "-f", "json")
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["outcome"] == {"level": "serious"}


# ------------------------------------------------------------------ what a facts file may be
posix = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and /dev/zero")


def _eval_in_a_process(facts: str) -> subprocess.CompletedProcess:
    """Run apart, with a generous bound, so that a reader that blocks fails the test."""
    code = "from ruleengine.cli import main; main()"
    args = [sys.executable, "-c", code, "eval", "--rules", RULES, facts]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


@posix
@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_facts_file_that_is_not_a_regular_file_is_refused_before_reading(tmp_path, special):
    """Issue 7 item 8: a FIFO blocked for ever; /dev/zero passed the size check (0 bytes)."""
    if special == "fifo":
        special = str(tmp_path / "facts.fifo")
        os.mkfifo(special)
    proc = _eval_in_a_process(special)
    assert proc.returncode == EXIT_BAD_FACTS, proc.stderr
    kind = "a pipe" if special.endswith("fifo") else "a device"
    assert f"{special}: {kind}, not a regular file; give a file, or '-'" in proc.stderr


def test_a_folder_is_not_a_facts_file(tmp_path):
    result = run("eval", "--rules", RULES, str(tmp_path))
    assert result.exit_code == EXIT_BAD_FACTS
    assert f"{tmp_path}: a folder, not a file" in result.output


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_file_is_read_no_further_than_the_limit_whatever_its_size_says():
    """Files under /proc say they hold 0 bytes: the limit holds on what is read."""
    from ruleengine.facts import InputFileError, read_input

    with pytest.raises(InputFileError, match="larger than 10 bytes"):
        read_input("/proc/self/status", limit=10)
    assert read_input(CASE) == Path(CASE).read_bytes()


# ------------------------------------------------------------------ YAML facts and --set
def test_yaml_facts_that_a_reader_could_misread_are_pinpointed(tmp_path):
    """Issue 7 item 3: ``sensitive_items: 050`` was read as 40; a duplicate key last-wins."""
    case = tmp_path / "case.yaml"
    case.write_text("in_duty: true\nsensitive_items: 050\n", encoding="utf-8")
    result = run("eval", "--rules", RULES, str(case), "--as-of", "2018-03-01")
    assert result.exit_code == EXIT_BAD_FACTS
    assert result.output.startswith(
        f"{case}:2:18: 050 is ambiguous: YAML 1.1 reads a leading zero as octal (40); write 50"
    )
    assert "   2 | sensitive_items: 050\n     |                  ^" in result.output
    case.write_text("sensitive_items: 50\nsensitive_items: 60\n", encoding="utf-8")
    result = run("eval", "--rules", RULES, str(case), "--as-of", "2018-03-01")
    assert result.exit_code == EXIT_BAD_FACTS
    assert f"{case}:2:1: field 'sensitive_items' is given twice" in result.output


@pytest.mark.parametrize(
    "value, words",
    [
        ("050", "--set sensitive_items=050: 050 is ambiguous"),
        ("0x40", "0x40 is a hexadecimal number in YAML 1.1 (64); write 64"),
        ("1:20", "1:20 is a base-60 number"),
        ("null", "null is no value for a fact"),
        ("a: b", "YAML reads this as an object; --set 'sensitive_items=\"a: b\"' gives a text"),
        ("[1, 2", "--set sensitive_items=[1, 2: not valid YAML: while parsing a flow sequence"),
    ],
)
def test_set_reads_its_value_by_the_rules_of_yaml_facts(value, words):
    """``--set sensitive_items=050`` gave 40, and a value YAML could not read became text."""
    result = run("eval", "--rules", RULES, CASE, "--set", f"sensitive_items={value}")
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert words in result.output


@pytest.mark.parametrize(
    "value, level",
    # With nothing else in the case, 50 items are serious and 40 are not.
    [("50", "serious"), ('"050"', "serious"), ("1_000", "especially_serious"), ("49", "none")],
)
def test_set_values_that_read_plainly_are_taken(value, level):
    sets = ["important_items=0", f"sensitive_items={value}"]
    result = run(
        "eval",
        "--rules",
        RULES,
        "--as-of",
        "2018-03-01",
        "-f",
        "json",
        *(arg for s in sets for arg in ("--set", s)),
        input='{"illegal_gain": 0}',
    )
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["outcome"] == {"level": level}


def test_set_a_negative_amount_is_refused():
    """Issue 7 item 4: ``--set illegal_gain=-5000`` exits 0."""
    result = run(
        "eval", "--rules", RULES, CASE, "--as-of", "2018-03-01", "--set", "illegal_gain=-5000"
    )
    assert result.exit_code == EXIT_BAD_FACTS
    assert "illegal_gain: expected" in result.output and "cannot be below 0" in result.output


def test_a_json_error_after_a_line_separator_shows_its_own_line(tmp_path):
    """Facts files are placed as JSON counts lines (line feeds only): a U+2028 inside a text
    does not shift the line shown under the message."""
    case = tmp_path / "case.json"
    case.write_text('{"sensitive_items": 60,\n "note\u2028x": 1,\n "other_items": ?}\n', "utf-8")
    result = run("eval", "--rules", RULES, str(case))
    assert result.exit_code == EXIT_BAD_FACTS
    assert f"{case}:3:17: not valid JSON: Expecting value" in result.stderr
    assert '   3 |  "other_items": ?}\n     |                 ^' in result.stderr


def test_a_yaml_error_is_placed_by_its_offset(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text('note: "a\u2028b"\nsensitive_items: 050\n', "utf-8")
    result = run("eval", "--rules", RULES, str(case))
    assert result.exit_code == EXIT_BAD_FACTS
    assert f"{case}:2:18: " in result.stderr and "050" in result.stderr


# ------------------------------------------------------------------ QA of issue 7 (second pass)
def test_a_rules_path_that_cannot_be_a_path_is_a_rules_error_not_a_crash(tmp_path):
    long = "b" * 300
    for args in (["check", long], ["explain", "--rules", long, CASE], ["test", "--rules", long]):
        result = run(*args)
        assert result.exit_code == EXIT_BAD_RULES, result.output
        assert "cannot read (File name too long)" in result.stderr


def test_check_refuses_a_format_it_does_not_print():
    result = run("check", "--format", "xml", RULES)
    assert result.exit_code == EXIT_USAGE and "not 'xml'" in result.stderr


def test_yaml_errors_are_placed_on_a_line_of_the_file(tmp_path):
    sep = tmp_path / "sep.yaml"
    sep.write_text("sensitive_items: 60\nimportant_items: 1\u20282\n", "utf-8")
    result = run("eval", "--rules", RULES, str(sep))
    assert result.exit_code == EXIT_BAD_FACTS
    assert f"{sep}:2:" in result.stderr and "   2 | important_items" in result.stderr
    ff = tmp_path / "ff.yaml"
    ff.write_text("sensitive_items: 60\n\x0cimportant_items: [1\n", "utf-8")
    result = run("eval", "--rules", RULES, str(ff))
    assert result.exit_code == EXIT_BAD_FACTS
    assert f"{ff}:2:1: not valid YAML: the character U+000C is not allowed here" in result.stderr


def test_yaml_facts_are_bounded_in_size_and_in_values(tmp_path):
    many = tmp_path / "many.yaml"
    many.write_text("sensitive_items: [" + ",".join(["0"] * 250_000) + "]\n", "utf-8")
    result = run("eval", "--rules", RULES, str(many))
    assert result.exit_code == EXIT_BAD_FACTS and "more than 200,000 values" in result.stderr
    large = tmp_path / "large.yaml"
    large.write_text("note: '" + "x" * 5_000_001 + "'\n", "utf-8")
    result = run("eval", "--rules", RULES, str(large))
    assert result.exit_code == EXIT_BAD_FACTS and "larger than 5,000,000 bytes" in result.stderr


def test_a_json_number_of_thousands_of_digits_is_refused_in_words(tmp_path):
    case = tmp_path / "case.json"
    case.write_text('{"sensitive_items": ' + "9" * 5000 + "}", "utf-8")
    result = run("eval", "--rules", RULES, str(case))
    assert result.exit_code == EXIT_BAD_FACTS
    assert "a number of 5,000 digits is not a fact" in result.stderr


def test_set_reaches_the_record_the_adapters_read_and_names_itself_when_wrong():
    ccdi = str(ROOT / "examples" / "ccdi" / "kickbacks.json")
    assert run("eval", "-r", "ccdi", ccdi, "--set", 'name="Wang: deputy"').exit_code == EXIT_OK
    pi = str(ROOT / "examples" / "pi2017" / "courier_sells_waybills.json")
    acts = "acts=[{kind: sell, category: transaction, items: 6000}]"
    result = run("eval", "-r", "pi2017", pi, "--set", acts)
    assert result.exit_code == EXIT_OK and "especially serious" in result.stdout
    result = run("eval", "--rules", RULES, CASE, "--set", "sensitive_items=-1")
    assert result.exit_code == EXIT_BAD_FACTS
    assert result.stderr.startswith(
        "--set sensitive_items=-1: sensitive_items: expected a whole number ≥ 0"
    )


PI_ONE_ACT = {
    "as_of": "2019-06-01",
    "facts": {
        "staff_sold_own_unit_information": True,
        "acts": [
            {
                "kind": "sell",
                "category": "credit",
                "items": 600,
                "recipient": "b",
                "acted_on": "2016-05-01",
            }
        ],
    },
}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("credit_items=1", "credit_items: given both as a total and by the acts"),
        ("acted_last=2010-03-15", "acted_last: given both as a date and by the acts' acted_on"),
    ],
)
def test_a_set_field_pi2017_computes_is_judged_as_the_files_field(tmp_path, given, message):
    """A sixth QA round (E7): ``--set`` was applied after the input adapters, so it replaced
    what pi2017 computes from the acts ("neither serious" for 600 credit items; Amendment VII
    for a 2016 act), where the same field in the file is refused."""
    case = tmp_path / "case.json"
    case.write_text(json.dumps(PI_ONE_ACT), encoding="utf-8")
    result = run("eval", "-r", "pi2017", str(case), "--set", given)
    assert result.exit_code == EXIT_BAD_FACTS, result.output
    assert result.stderr.startswith(f"--set {given}: {message}"), result.stderr
    field = given.split("=")[0]
    file_given = {**PI_ONE_ACT, "facts": {**PI_ONE_ACT["facts"], field: given.split("=")[1]}}
    case.write_text(json.dumps(file_given), encoding="utf-8")
    result = run("eval", "-r", "pi2017", str(case))
    assert result.exit_code == EXIT_BAD_FACTS and message in result.stderr, result.output


def test_set_acts_are_the_acts_ccdi_adds_up():
    """E7 for ccdi: ``--set acts=[...]`` replaced the acts after the adapter had added up the
    file's acts, so the explanation totalled acts K1 to K3 that the case no longer had."""
    ccdi = str(ROOT / "examples" / "ccdi" / "kickbacks.json")
    act = "{kind: kickbacks, amount: '1000', gravity: serious, acted_on: 2024-07-04, "
    act += "state_functionary: true}"
    result = run("explain", "-r", "ccdi", ccdi, "--set", f"acts=[{act}]")
    assert result.exit_code == EXIT_OK, result.output
    assert "bribery amount 1000 yuan = acts act-1" in result.stdout
    assert "K1" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--rules", RULES, CASE, "--set", "nope=5"),
            "--set nope=5: unknown field (known fields: sensitive_items, important_items,",
        ),
        (
            ("--rules", RULES, CASE, "--set", "sensitve_items=5"),
            "--set sensitve_items=5: unknown field (did you mean 'sensitive_items'?)\n",
        ),
        # a field only the input adapter reads is among those suggested
        (
            (
                "-r",
                "pi2017",
                str(ROOT / "examples/pi2017/courier_sells_waybills.json"),
                "--set",
                "act=[]",
            ),
            "--set act=[]: unknown field (did you mean 'acts'?)\n",
        ),
    ],
)
def test_set_of_an_unknown_field_names_the_set_not_the_file(args, message):
    """QA: the facts file was blamed ("case.json: ... nope: unknown field")."""
    result = run("eval", *args)
    assert result.exit_code == EXIT_BAD_FACTS
    assert result.stderr == message or result.stderr.startswith(message), result.stderr
    assert ".json" not in result.stderr


def test_text_from_a_case_cannot_forge_lines_or_colours(tmp_path):
    cases = tmp_path / "cases.jsonl"
    name = "A\r\nfake.jsonl:1: ok \u001b[31mred\u202e"
    record = {"officials": [{"name": name, "acts": [{"kind": "kickbacks", "amount": "x"}]}]}
    cases.write_text(json.dumps(record) + "\n", "utf-8")
    result = run("summary", str(cases), "-r", "ccdi")
    assert result.exit_code == EXIT_BAD_FACTS
    [report] = result.stderr.splitlines()  # one line, whatever the name holds
    assert "\x1b" not in report and "\u202e" not in report and "\r" not in report
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"name": name, "decided_on": "2024-01-01", "acts": []}), "utf-8")
    for fmt in ("text", "markdown"):
        shown = run("explain", "-r", "ccdi", str(case), "--format", fmt).stdout
        assert "fake.jsonl:1: ok" in shown  # the name is shown...
        assert "\x1b" not in shown and "\u202e" not in shown and "\r" not in shown  # ...inert


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_test_written_as_an_expression_is_explained_in_words(lang):
    """QA: ccdi explanations printed tests as code ("any(bribe_counted(a) and a.kind =
    misconduct.bribe_accepting for a in acts)"); they read as the documentation words them."""
    result = run("explain", "-r", "ccdi", "examples/ccdi/abuse_of_power_loss.json", "--lang", lang)
    assert result.exit_code == 0, result.output
    assert "any(" not in result.stdout and " for a in acts" not in result.stdout
    assert ("有该罪致使重大损失" if lang == "zh" else "whether any of") in result.stdout


def test_a_sources_unverified_mark_uses_the_chinese_colon():
    """The fourth legal review: "未核实: 文号..." (an ASCII colon) beside "未核实：" elsewhere."""
    zh = run(
        "explain",
        "-r",
        "ccdi",
        str(ROOT / "examples/ccdi/abuse_of_power_loss.json"),
        "--lang",
        "zh",
    )
    assert "未核实：文号" in zh.stdout
    assert "未核实: " not in zh.stdout
