"""A batch's skipped lines said in Chinese under ``--lang zh`` (issue 7): ``summary``'s and
``run``'s lines on standard error, ``run``'s errors file (``zh`` beside the English ``reason``)
and ``summary --format json``; the English output stays as it was."""

from __future__ import annotations

import json
import re

from conftest import check_golden
from typer.testing import CliRunner

from ruleengine.cli import EXIT_BAD_FACTS, app

CJK = re.compile(r"[\u4e00-\u9fff]")
#: The batch's own English words, which a Chinese line must not hold.
ENGLISH = re.compile(
    r"\b(skipped|not valid|not a valid|expected|got|unknown field|did you mean|do not fit|"
    r"cells|header|note|more)\b"
)

#: A good line, then a line of each kind a batch skips: not JSON, not an object, a case
#: file with a key misspelt, a fact of the wrong type, not UTF-8, a field given twice.
CASES = b"\n".join(
    [
        b'{"illegal_gain": 6000, "conduct": "sell_or_provide"}',
        b'{"illegal_gain": 6000,',
        b"[1, 2]",
        b'{"as_off": "2020-01-01", "facts": {"illegal_gain": 6000}}',
        b'{"illegal_gain": "lots"}',
        b'{"conduct": "\xff"}',
        b'{"illegal_gain": 1, "illegal_gain": 2}',
    ]
)


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def test_summary_says_each_skipped_line_in_chinese(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_bytes(CASES + b"\n")
    said = invoke("summary", str(cases), "-r", "pi2017", "--lang", "zh")
    assert said.exit_code == EXIT_BAD_FACTS, said.output
    shown = said.stderr.replace(str(cases), "cases.jsonl")
    assert not ENGLISH.search(shown), shown
    check_golden("batch_skipped_zh", shown)
    english = invoke("summary", str(cases), "-r", "pi2017")
    assert english.exit_code == EXIT_BAD_FACTS
    assert not CJK.search(english.stderr), english.stderr
    assert english.stderr.count(": skipped: ") == 6
    data = json.loads(
        invoke("summary", str(cases), "-r", "pi2017", "-f", "json", "--lang", "zh").stdout
    )
    skipped = data["skipped"]
    assert [s["line"] for s in skipped] == [2, 3, 4, 5, 6, 7]
    assert all(not CJK.search(s["reason"]) and CJK.search(s["zh"]) for s in skipped), skipped


def test_run_says_them_in_chinese_and_its_errors_file_holds_both(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_bytes(CASES + b"\n")
    out = tmp_path / "out.jsonl"
    said = invoke("run", str(cases), "-r", "pi2017", "-o", str(out), "--lang", "zh")
    assert said.exit_code == EXIT_BAD_FACTS, said.output
    assert said.stderr.count("已跳过：") == 6 and not ENGLISH.search(said.stderr), said.stderr
    errors = tmp_path / "out.jsonl.errors.jsonl"
    lines = [json.loads(t) for t in errors.read_text(encoding="utf-8").splitlines()]
    assert all(CJK.search(e["zh"]) and not CJK.search(e["reason"]) for e in lines), lines
    english = [e["reason"] for e in lines]
    # summary of the results: the errors file's Chinese is said again
    again = invoke("summary", str(out), "-r", "pi2017", "--lang", "zh")
    assert again.stderr.count("已跳过：") == 6, again.stderr
    assert invoke("run", str(cases), "-r", "pi2017", "-o", str(out)).exit_code == EXIT_BAD_FACTS
    lines = [json.loads(t) for t in errors.read_text(encoding="utf-8").splitlines()]
    assert [e["reason"] for e in lines] == english and not any("zh" in e for e in lines)
