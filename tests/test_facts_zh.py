"""Mistakes in the facts said in Chinese under ``--lang zh`` (issue 7, legal review): the
heading, each problem's reason and help, "and N more", for facts files, case files, ``--set``
and the input adapters' problems; the English stays as it was (tests/golden/facts_*.txt)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from conftest import check_golden
from typer.testing import CliRunner

from ruleengine import FactsError, load_text
from ruleengine.cli import EXIT_BAD_FACTS, EXIT_USAGE, app
from ruleengine.facts import MAX_PROBLEMS, FactProblem, Said, _Invalid

ROOT = Path(__file__).resolve().parents[1]
RULES = str(ROOT / "examples" / "quickstart" / "article5.rules")
KICKBACKS = ROOT / "examples" / "ccdi" / "kickbacks.json"

#: English words of the facts' messages that a Chinese rendering must not hold.
ENGLISH = re.compile(
    r"\b(expected|got|unknown field|missing|did you mean|known fields|and \d+ more|"
    r"given twice|is ambiguous|not valid|must be|cannot be|write)\b"
)


CJK = re.compile(r"[\u4e00-\u9fff]")


def run(*args: str, input: str | None = None):
    result = CliRunner().invoke(app, list(args), input=input)
    assert "Traceback" not in result.output, result.output
    return result


def zh(tmp_path, name: str, text: str, *args: str, golden: str | None = None) -> str:
    """The Chinese message of the facts file ``name`` holding ``text`` (exit 4), checked
    against its golden file; and its English is still said under --lang en."""
    case = tmp_path / name
    case.write_text(text, encoding="utf-8")
    said = run(*args, str(case), "--lang", "zh")
    assert said.exit_code == EXIT_BAD_FACTS, said.output
    english = run(*args, str(case))
    assert english.exit_code == EXIT_BAD_FACTS
    assert not CJK.search(english.stderr.splitlines()[0]), english.stderr
    shown = said.stderr.replace(str(case), name)
    assert not ENGLISH.search(shown), shown
    if golden:
        check_golden(golden, shown)
    return shown


def test_a_wrong_type_and_a_negative_count(tmp_path):
    facts = {"sensitive_items": "many", "other_items": -3, "illegal_gain": "5000 USD"}
    shown = zh(
        tmp_path, "case.json", json.dumps(facts), "eval", "--rules", RULES,
        golden="facts_zh_wrong_type",
    )  # fmt: skip
    assert 'sensitive_items：应为非负整数（≥ 0），实际为 "many"' in shown
    assert "不得为负数" in shown


def test_an_unknown_field_with_did_you_mean(tmp_path):
    facts = {"sensitve_items": 3, "in_dutty": True}
    shown = zh(
        tmp_path, "case.json", json.dumps(facts), "eval", "--rules", RULES,
        golden="facts_zh_unknown_field",
    )  # fmt: skip
    assert "sensitve_items：未知字段（您是否指 'sensitive_items'？）" in shown


def test_a_yaml_key_given_twice_keeps_its_place_and_caret(tmp_path):
    shown = zh(
        tmp_path, "case.yaml", "sensitive_items: 3\nin_duty: true\nsensitive_items: 4\n",
        "eval", "--rules", RULES, golden="facts_zh_yaml_key_given_twice",
    )  # fmt: skip
    assert shown.startswith("case.yaml:3:1：字段 'sensitive_items' 重复给出\n")
    assert "   3 | sensitive_items: 4\n     | ^" in shown


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("sensitive_items: 050\n", "有歧义：YAML 1.1 把以 0 开头的数读作八进制（40）"),
        ("sensitive_items: 0x40\n", "十六进制数（64）"),
        ("sensitive_items: 1:20\n", "六十进制数"),
        ("sensitive_items: 1\n  x: [\n", "不是有效的 YAML"),
    ],
)
def test_yaml_numbers_refused_are_said_in_chinese(tmp_path, text, words):
    assert words in zh(tmp_path, "case.yaml", text, "eval", "--rules", RULES)


@pytest.mark.parametrize(
    ("text", "english", "words"),
    [
        (
            "sensitive_items: 4\nimportant_items 5\nother_items: [1\n",
            "while scanning a simple key; could not find expected ':'",
            "不是有效的 YAML：读取字段名时；找不到应有的 ':'",
        ),
        (
            "sensitive_items: 4\n  important_items: 5\n",
            "not valid YAML: mapping values are not allowed here",
            "不是有效的 YAML：此处不允许“名称: 值”",
        ),
        (
            'in_duty: "yes\n',
            "while scanning a quoted scalar; found unexpected end of stream",
            "读取带引号的文本时；文件在此意外结束",
        ),
        (
            "sensitive_items:\n\t- 1\n",
            "found character '\\t' that cannot start any token",
            "读取下一项时；字符 '\\t' 不能出现在此处",
        ),
        (
            "- 1\nsensitive_items: 2\n",
            "while parsing a block collection; expected <block end>, but found '?'",
            "读取按缩进写的列表时；此处应结束上一层缩进，实际为 '?'",
        ),
        (
            "sensitive_items: {a: 1\n",
            "expected ',' or '}', but got '<stream end>'",
            "读取花括号对象时；应为 ',' 或 '}'，实际为 '<stream end>'",
        ),
        ("a: &x 1\nb: &x 2\n", "found duplicate anchor 'x'", "锚点 'x' 重复"),
        (
            "x: !!python/object:os.system {}\n",
            "could not determine a constructor",
            "事实中不读取标签",
        ),
        (
            "sensitive_items: 1\n---\nother_items: 2\n",
            "but found another document",
            "只能有一个文档",
        ),
    ],
)
def test_the_yaml_parsers_own_words_are_said_in_chinese(tmp_path, text, english, words):
    """The common problems PyYAML names, through a table of its English (facts._YAML_ZH);
    the English is unchanged."""
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    assert english in run("eval", "--rules", RULES, str(case)).stderr
    assert words in zh(tmp_path, "case.yaml", text, "eval", "--rules", RULES)


def test_the_yaml_parsers_words_not_in_the_table_stay_english_with_their_place(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text("%YAML 2.0\n---\nx: 1\n", encoding="utf-8")
    shown = run("eval", "--rules", RULES, str(case), "--lang", "zh").stderr
    assert shown.splitlines() == [
        f"{case}:1:1：不是有效的 YAML：found incompatible YAML document (version 1.* is required)",
        "   1 | %YAML 2.0",
        "     | ^",
    ]


#: What PyYAML says, one text for each entry of the table.
YAML_SAYS = [
    "while scanning a simple key", "while scanning a quoted scalar",
    "while scanning a plain scalar", "while scanning a block scalar",
    "while scanning for the next token", "while scanning an anchor", "while scanning an alias",
    "while parsing a tag", "while scanning a directive", "while parsing a block mapping",
    "while parsing a block collection", "while parsing a flow sequence",
    "while parsing a flow mapping", "while parsing a block node",
    "expected a single document in the stream", "found duplicate anchor 'a'; first occurrence",
    "could not find expected ':'", "mapping values are not allowed here",
    "mapping keys are not allowed here", "sequence entries are not allowed here",
    "found unexpected end of stream", "found unexpected document separator",
    "found character '\\t' that cannot start any token", "found unknown escape character 'q'",
    "expected <block end>, but found '?'", "expected ',' or ']', but got '}'",
    "expected ',' or '}', but got '{'", "expected the node content, but found ','",
    "expected '<document start>', but found '<scalar>'", "expected ' ', but found 'x'",
    "expected alphabetic or numeric character, but found '}'",
    "expected a comment or a line break, but found 'x'",
    "expected escape sequence of 4 hexadecimal numbers, but found 'z'",
    "found undefined tag handle '!x!'", "found duplicate YAML directive",
    "could not determine a constructor for the tag 'tag:yaml.org,2002:python/name:x'",
    "but found another document", "second occurrence",
]  # fmt: skip


def test_every_yaml_translation_reads(tmp_path):
    """Each entry of the table is used and formats what its pattern catches (a brace in the
    Chinese is a format field: a lone '}' once made such a message an internal error)."""
    from ruleengine.facts import _YAML_ZH, yaml_problem_zh

    for text in YAML_SAYS:
        said = yaml_problem_zh(text)
        assert said is not None and CJK.search(said) and not ENGLISH.search(said), text
    for pattern, _ in _YAML_ZH:
        assert any(pattern.fullmatch(text) for text in YAML_SAYS), pattern.pattern
    shown = zh(
        tmp_path, "case.yaml", "sensitive_items: 4\nimportant_items 5\nother_items: [1\n",
        "eval", "--rules", RULES, golden="facts_zh_yaml_parser",
    )  # fmt: skip
    assert shown.startswith("case.yaml:3:1：")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"sensitive_items": 1,\n "sensitive_items": 2}', "字段 'sensitive_items' 重复给出"),
        ('{"sensitive_items": NaN}', "不是有效的事实：NaN 不是数"),
        ('{"sensitive_items": }', "不是有效的 JSON：此处应为一个值"),
        ("[1, 2]", "事实必须是对象，实际为 列表"),
    ],
)
def test_json_facts_refused_are_said_in_chinese(tmp_path, text, words):
    assert words in zh(tmp_path, "case.json", text, "eval", "--rules", RULES)


def test_a_case_file_with_an_unknown_key(tmp_path):
    case = {"as_off": "2018-03-01", "facts": {"sensitive_items": 3}, "expect": []}
    shown = zh(tmp_path, "case.json", json.dumps(case), "eval", "--rules", RULES)
    assert shown.splitlines() == [
        "case.json：不是有效的案件文件：",
        "  - as_off：案件文件的未知字段（您是否指 'as_of'？）",
        "  - expect：应为对象，实际为 列表",
    ]


def test_pi2017_adapters_problems(tmp_path):
    record = {
        "in_duty": True,
        "acts": [
            {"kind": "obtain", "category": "credit", "items": 10, "how": "stolen", "batch": "A"},
            {"kind": "sell", "category": "credit", "items": 5, "gian": 5},
            {"kind": "seize", "category": "credt", "items": 3, "proven_false": 5},
            {"kind": "sell", "category": "credit", "items": 2, "how": "stolen"},
            {"kind": "obtain", "category": "credit", "items": 2, "info": "x"},
        ],
    }
    shown = [
        zh(
            tmp_path,
            "case.json",
            json.dumps(record),
            "eval",
            "-r",
            "pi2017",
            "--as-of",
            "2018-01-01",
        )
    ]
    for acts, facts in [
        (  # found once each act is read: a batch named by some acts of a category only
            [
                {
                    "kind": "obtain",
                    "category": "credit",
                    "items": 10,
                    "how": "stolen",
                    "batch": "A",
                },
                {"kind": "sell", "category": "credit", "items": 5},
            ],
            {},
        ),
        (  # one body of information obtained both in duties and otherwise
            [
                {"kind": "obtain", "category": "credit", "items": 5, "how": "stolen"},
                {
                    "kind": "obtain",
                    "category": "credit",
                    "items": 5,
                    "how": "collected_in_duty_lawfully",
                },
            ],
            {},
        ),
        ([{"kind": "sell", "category": "credit", "items": 5, "info": "i"}], {}),
        (  # dates and totals given twice
            [
                {"kind": "sell", "category": "credit", "items": 5, "acted_on": "2016-01-01"},
                {"kind": "sell", "category": "credit", "items": 5, "gain": 10},
            ],
            {"credit_items": 3, "illegal_gain": 5, "acted_last": "2016-01-01"},
        ),
    ]:
        text = json.dumps({**facts, "acts": acts})
        shown.append(zh(tmp_path, "case.json", text, "eval", "-r", "pi2017"))
    check_golden("facts_zh_pi2017_acts", "\n".join(shown))


def test_ccdi_adapters_problems_with_the_rulebooks_zh_labels(tmp_path):
    record = json.loads(KICKBACKS.read_text(encoding="utf-8"))
    record["acts"][0]["gravity"] = "serius"
    record["acts"][1]["amount"] = "-5"
    record["acts"][2]["amout"] = "5"
    record["decided_on"] = "2024-02-30"
    shown = zh(
        tmp_path, "case.json", json.dumps(record), "explain", "-r", "ccdi",
        golden="facts_zh_ccdi_acts",
    )  # fmt: skip
    assert "您是否指 'serious'（情节严重）？" in shown  # the member's zh label from the rulebook


@pytest.mark.parametrize(
    "record",
    [
        {"officials": [1]},
        {"officials": []},
        {"officials": [{"decided_on": "2024-09-02"}], "case": 3},
    ],
)
def test_ccdi_case_envelopes(tmp_path, record):
    zh(tmp_path, "case.json", json.dumps(record), "eval", "-r", "ccdi")


def test_set_values(tmp_path):
    case = tmp_path / "case.json"
    case.write_text('{"sensitive_items": 3}', encoding="utf-8")
    lines = []
    for value in ("sensitive_items=050", "sensitive_items=-2", "sensitve_items=5", "in_duty=~"):
        result = run("eval", "--rules", RULES, str(case), "--set", value, "--lang", "zh")
        assert result.exit_code == EXIT_BAD_FACTS, result.output
        assert not ENGLISH.search(result.stderr), result.stderr
        lines.append(result.stderr.rstrip("\n"))
    ccdi = tmp_path / "ccdi.json"
    ccdi.write_text(KICKBACKS.read_text(encoding="utf-8"), encoding="utf-8")
    for value in ("acts[7].amount=5", "acts[0].amout=5", "acts[0].amount=abc"):
        result = run("eval", "-r", "ccdi", str(ccdi), "--set", value, "--lang", "zh")
        assert result.exit_code == EXIT_BAD_FACTS, result.output
        assert not ENGLISH.search(result.stderr), result.stderr
        lines.append(result.stderr.rstrip("\n"))
    check_golden("facts_zh_set", "\n".join(lines))
    malformed = run("eval", "--rules", RULES, str(case), "--set", "x", "--lang", "zh")
    assert malformed.exit_code == EXIT_USAGE
    assert "请写作 field=value" in malformed.stderr


def test_and_n_more(tmp_path):
    facts = {f"x{i}": 1 for i in range(MAX_PROBLEMS + 4)}
    shown = zh(tmp_path, "case.json", json.dumps(facts), "eval", "--rules", RULES)
    assert shown.splitlines()[-1] == f"  - 另有 {4} 项"


def test_the_english_of_a_problem_is_what_machines_read():
    """``message``/``help``/``to_json`` stay English; the Chinese is beside them, asked for."""
    book = load_text("input n: count\nconclusion c: value bool\n")
    with pytest.raises(FactsError) as err:
        book.validate({"n": -1})
    [p] = err.value.problems
    assert p.message == "expected a whole number ≥ 0, got -1, but it cannot be below 0"
    assert p.to_json() == {"field": "n", "message": p.message, "help": None}
    assert p.to_json("zh")["zh"] == {
        "message": "应为非负整数（≥ 0），实际为 -1，不得为负数",
        "help": None,
    }
    assert p.render("zh") == "n：应为非负整数（≥ 0），实际为 -1，不得为负数"


def test_a_problem_given_in_english_only_is_shown_in_english():
    """A third party's plugin may give English only: shown as given, never lost."""
    p = FactProblem("acts[0].x", "bad", "fix it")
    assert p.render("zh") == p.render("en") == "acts[0].x: bad (fix it)"


def test_a_refusal_cannot_be_made_without_its_chinese():
    with pytest.raises(TypeError):
        _Invalid("got 5")  # type: ignore[arg-type]
    _Invalid(Said("got 5", "实际为 5"))


# ---------------------------------------------------------------- every site says it in Chinese
#: Where the facts' mistakes are made: each FactProblem there gives its Chinese (``zh=``, and
#: ``help_zh=`` with a help) or is made from ``Said`` texts (``FactProblem.said``).
SITES = [
    "ruleengine/facts.py",
    "ruleengine/setpaths.py",
    "ruleengine/batch/records.py",
    "plugins/ruleengine_pi2017/counting.py",
    "plugins/ruleengine_pi2017/in_time.py",
    "plugins/ruleengine_ccdi/cases.py",
    "plugins/ruleengine_ccdi/adapter.py",
]


def _calls(path: str, name: str):
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            called = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if called == name:
                yield node


@pytest.mark.parametrize("path", SITES)
def test_every_fact_problem_made_gives_its_chinese(path):
    for call in _calls(path, "FactProblem"):
        keywords = {k.arg for k in call.keywords}
        has_help = len(call.args) >= 3 or "help" in keywords
        where = f"{path}:{call.lineno}"
        assert "zh" in keywords, f"{where}: a FactProblem without zh="
        assert not has_help or "help_zh" in keywords, f"{where}: a help without help_zh="


def test_every_stop_for_the_facts_in_the_cli_gives_its_chinese():
    """Each ``Stop(EXIT_BAD_FACTS, ...)`` gives its Chinese (a third argument), or is made
    from ``Said`` texts (``Stop.said``) or by ``_facts_error``."""
    tree = ast.parse((ROOT / "ruleengine/cli.py").read_text(encoding="utf-8"))
    batch = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_batch")
    english = set(range(batch.lineno, batch.end_lineno + 1))  # a batch file's: docs/cli.md
    for call in _calls("ruleengine/cli.py", "Stop"):
        first = call.args[0] if call.args else None
        if call.lineno in english:
            continue
        if isinstance(first, ast.Name) and first.id == "EXIT_BAD_FACTS":
            assert len(call.args) >= 3, f"cli.py:{call.lineno}: a facts error without zh"
    for call in _calls("ruleengine/setpaths.py", "SetPathError"):
        assert len(call.args) >= 3 or "zh" in {k.arg for k in call.keywords}, call.lineno


@pytest.mark.parametrize(
    ("vary", "english", "chinese"),
    [
        (
            "acts[7].amount",
            "the case has 3 items (acts[0] to acts[2]) in acts",
            "本案的 acts 有 3 项",
        ),
        ("acts[0].amout", "names no field of acts[0]", "不是 acts[0] 的字段"),
        ("acts", "acts is a list; name one item's field", "acts 是列表；请指明其中一项的字段"),
        (
            "acts[0].amount=abc..",
            'got "abc"',
            '应为以 CNY 计的金额（数字，或 "5000 CNY"），实际为 "abc"',
        ),
        ("acts[0].amount=5..1", "the range runs downward", "范围的上限低于下限"),
        ("acts[0].amount=5", "write FIELD=LOW..HIGH", "请写作 FIELD=LOW..HIGH"),
        ("decided_on", "declares this fact fixed", "规则文本声明此事实固定不变"),
        ("acts[0].gravity", "does not vary along a line", "不能沿一条线变化"),
    ],
)
def test_whatif_vary_mistakes_are_said_in_chinese(vary, english, chinese):
    """A bad path or value of --vary (exit 2) in the language of --lang; English unchanged."""
    said = run("whatif", "-r", "ccdi", str(KICKBACKS), "--vary", vary, "--lang", "zh")
    assert said.exit_code == EXIT_USAGE and chinese in said.stderr, said.stderr
    assert not ENGLISH.search(said.stderr.replace("FIELD=LOW..HIGH", "")), said.stderr
    plain = run("whatif", "-r", "ccdi", str(KICKBACKS), "--vary", vary)
    assert plain.exit_code == EXIT_USAGE and english in plain.stderr
    assert not CJK.search(plain.stderr)


def test_every_request_error_gives_its_chinese():
    for call in _calls("ruleengine/analysis/whatif.py", "RequestError"):
        assert len(call.args) == 2, f"analysis/whatif.py:{call.lineno}: a RequestError without zh"


#: The batch's reasons for a skipped line (issue 7: English under a Chinese heading).
BATCH = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "ruleengine" / "batch").glob("*.py"))


@pytest.mark.parametrize("path", BATCH)
def test_every_reason_a_batch_skips_a_line_for_gives_its_chinese(path):
    """Each ``BadLine``, ``Fault`` and ``Skipped`` made gives its Chinese (``zh=``), and a
    reader's problem with a line (what it yields or returns beside a payload) is ``Said``,
    never bare English text."""
    for name in ("BadLine", "Fault", "Skipped"):
        for call in _calls(path, name):
            keywords = {k.arg for k in call.keywords}
            assert "zh" in keywords, f"{path}:{call.lineno}: a {name} without zh="
    if path != "ruleengine/batch/inputs.py":  # the readers of a batch's lines
        return
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Yield | ast.Return) and isinstance(node.value, ast.Tuple):
            last = node.value.elts[-1] if node.value.elts else None
            bare = isinstance(last, ast.JoinedStr) or (
                isinstance(last, ast.Constant) and isinstance(last.value, str)
            )
            assert not bare, f"{path}:{node.lineno}: a problem in English only"
