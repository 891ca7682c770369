"""Fuzzing: a documented error or a result, never anything else (docs/reliability.md).

Four targets, each through the real command line: rule texts (mutations of the shipped rule
files), fact files for every shipped rulebook (through its input adapters, in JSON and YAML,
every command and format), JSON Lines batches (every line accounted for), and ``--set``
values. The default run is small and derandomised, so CI is repeatable and within its budget;
the long run is opt-in:

    RULEENGINE_FUZZ=long RULEENGINE_FUZZ_REPORT=fuzz.json pytest tests/test_fuzz.py

runs about a million inputs (``LONG``) with fresh randomness and writes the outcomes it saw to
the report (added to what it holds). ``RULEENGINE_FUZZ_SHARE=0.1`` runs a tenth of each
target, so ten such runs, in turn or side by side, make up one long run; docs/reliability.md
has the figures and how to split the run over cores and sessions.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from fractions import Fraction
from pathlib import Path

import pytest
from fuzzing import (
    EXAMPLES,
    RULE_FILES,
    TRAP_NUMBERS,
    TRAP_TEXTS,
    CachedCli,
    assert_documented,
    damaged_text,
    example_cases,
    mutated_rule_text,
    mutated_tree,
    record,
    rulebook_args,
    to_json_text,
    to_yaml_text,
    values,
    write_report,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

RULEBOOKS = ["quickstart", "pi2017", "ccdi"]
#: Examples per test in the long run: 3 x 200,000 fact files, 3 x 100,000 --set runs, 5,000
#: rule texts for each shipped rule file (22 files: 110,000), and 3 x 800 batches of about 13
#: lines: a million inputs in all.
LONG = {"facts": 200_000, "sets": 100_000, "rule_texts": 5_000, "batches": 800}
IS_LONG = os.environ.get("RULEENGINE_FUZZ") == "long"
SHARE = Fraction(os.environ.get("RULEENGINE_FUZZ_SHARE", "1"))


def long_examples(target: str) -> int:
    """The long run's examples of one test, or its share of them."""
    return max(1, round(LONG[target] * SHARE))


def fuzz_settings(target: str, default_examples: int):
    """Small and repeatable by default; the long run draws fresh inputs."""
    return settings(
        max_examples=long_examples(target) if IS_LONG else default_examples,
        derandomize=not IS_LONG,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


@pytest.fixture(scope="module")
def cli():
    yield CachedCli()
    write_report()


@pytest.fixture(scope="module")
def workdir():
    folder = Path(tempfile.mkdtemp(prefix="ruleengine-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


COMMANDS = st.sampled_from(
    [
        ["eval"],
        ["eval", "--format", "json"],
        ["explain"],
        ["explain", "--format", "json"],
        ["explain", "--format", "markdown", "--lang", "zh"],
        ["explain", "--format", "annotated"],
    ]
)


# ------------------------------------------------------------------ fact files
@pytest.mark.parametrize("rulebook", RULEBOOKS)
def test_fact_files_get_a_result_or_a_documented_error(rulebook, cli, workdir):
    corpus = example_cases(rulebook)

    @fuzz_settings("facts", 150)
    @given(data=st.data())
    def one(data):
        case = data.draw(st.sampled_from(corpus))
        case = data.draw(mutated_tree(case))
        form = data.draw(st.sampled_from(["json", "yaml"]))
        text = to_json_text(case) if form == "json" else to_yaml_text(case)
        text = data.draw(damaged_text(text))
        path = workdir / f"case.{form}"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        args = [*data.draw(COMMANDS), *rulebook_args(rulebook), str(path)]
        result = cli.invoke(args)
        assert_documented(result, args, text, allowed={0, 1, 4, 5})
        record(f"fact files ({rulebook})", result.exit_code)

    one()


# ------------------------------------------------------------------ --set values
@pytest.mark.parametrize("rulebook", RULEBOOKS)
def test_set_values_get_a_result_or_a_documented_error(rulebook, cli):
    corpus = example_cases(rulebook)
    book = cli_book(cli, rulebook)
    fields = sorted(book.rulebook.inputs) + ["acts", "as_of", "name", "x", "", "a.b"]
    raw_values = st.one_of(
        st.sampled_from(TRAP_NUMBERS),
        st.sampled_from(TRAP_TEXTS),
        st.text(max_size=10),
        st.builds(to_json_text, values),
        st.sampled_from(["&a [*a, *a]", "!!python/object:os.system", "{a: 1}", "[1, 2", "- 1"]),
    )

    @fuzz_settings("sets", 150)
    @given(data=st.data())
    def one(data):
        case = data.draw(st.sampled_from(corpus))
        sets = data.draw(st.lists(st.tuples(st.sampled_from(fields), raw_values), max_size=3))
        args = [*data.draw(COMMANDS), *rulebook_args(rulebook), "-"]
        for field, raw in sets:
            args += ["--set", f"{field}={raw}"]
        result = cli.invoke(args, input=to_json_text(case))
        assert_documented(result, args, sets, allowed={0, 1, 2, 4, 5})
        record(f"--set values ({rulebook})", result.exit_code)

    one()


def cli_book(cli, rulebook):
    with cli.patched():
        pm = cli.cli._pm()
        if rulebook == "quickstart":
            return cli.cli._load(pm, [EXAMPLES / "quickstart" / "article5.rules"], None)[0]
        return cli.cli._load(pm, None, rulebook)[0]


# ------------------------------------------------------------------ JSON Lines batches
JUNK_LINES = [
    b"{",
    b"[]",
    b"null",
    b"42",
    b'"text"',
    b"\xff\xfe\x00",
    b"\xc3\x28",
    b'{"acts": 5}',
    b'{"facts": 1}',
    b'{"as_of": null, "facts": {}}',
    b'{"officials": []}',
    b'{"officials": [1]}',
    b'{"case": 1, "officials": [{}]}',
    b"\x00",
    b"NaN",
    b"{" * 3000,
    b'{"a": 1, "a": 2}',
    "\u2028".encode(),
    b"\r",
]


@pytest.mark.parametrize("rulebook", RULEBOOKS)
def test_batches_account_for_every_line(rulebook, cli, workdir):
    corpus = example_cases(rulebook)

    @st.composite
    def line(draw):
        kind = draw(st.sampled_from(["good", "mutated", "junk", "blank"]))
        if kind == "junk":
            return draw(st.sampled_from(JUNK_LINES))
        if kind == "blank":
            return draw(st.sampled_from([b"", b"   ", b"\t"]))
        case = draw(st.sampled_from(corpus))
        if kind == "mutated":
            case = draw(mutated_tree(case))
        return to_json_text(case).encode("utf-8", "surrogatepass")

    @fuzz_settings("batches", 40)
    @given(lines=st.lists(line(), min_size=1, max_size=25))
    def one(lines):
        path = workdir / "cases.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        args = ["summary", *rulebook_args(rulebook), str(path), "--format", "json"]
        result = cli.invoke(args)
        assert_documented(result, args, lines, allowed={0, 4, 6})
        totals = json.loads(result.stdout)["totals"]
        blank = sum(1 for b in lines if not b.strip(b" \t\r"))
        assert (totals["lines"], totals["lines_blank"]) == (len(lines) - blank, blank), lines
        assert totals["lines_counted"] + totals["lines_skipped"] == totals["lines"], totals
        assert totals["cases"] == totals["lines_counted"], totals
        assert (result.exit_code == 0) == (totals["lines_skipped"] == 0), totals
        for outcome in ("counted", "skipped", "blank"):
            record(f"JSONL lines ({rulebook})", outcome, totals[f"lines_{outcome}"])

    one()


# ------------------------------------------------------------------ rule texts
def _rule_case(path: Path) -> Path | None:
    """A case the mutated rule file can be explained on, when it stands alone."""
    if path.name == "article5.rules":
        return EXAMPLES / "quickstart" / "case.json"
    return None


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_rule_texts_get_diagnostics_or_a_rulebook(path, cli, workdir):
    original = path.read_text(encoding="utf-8")
    case = _rule_case(path)
    siblings = [p for p in path.parent.glob("*.rules") if p != path] if case is None else []

    @fuzz_settings("rule_texts", 25)
    @given(data=st.data())
    def one(data):
        text = data.draw(mutated_rule_text(original))
        alone = case is not None or data.draw(st.booleans())
        folder = workdir / "rules"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for sibling in [] if alone else siblings:
            shutil.copy(sibling, folder / sibling.name)
        (folder / path.name).write_bytes(text.encode("utf-8", "surrogatepass"))
        args = ["check", str(folder)]
        result = cli.runner.invoke(cli.cli.app, args)  # no cache: the text is the input
        assert_documented(result, args, text, allowed={0, 3})
        record("rule texts", result.exit_code)
        if result.exit_code == 0:
            for args in (
                ["test", "--rules", str(folder)],
                *([["explain", "--rules", str(folder), str(case)]] if case else []),
            ):
                result = cli.runner.invoke(cli.cli.app, args)
                assert_documented(result, args, text, allowed={0, 1, 3, 4, 5})

    one()


def test_a_hang_is_judged_by_cpu_used_or_a_long_wait_not_by_a_slow_processor():
    """The long run found a 2-line batch "hung": at a low priority beside other work it
    waited 60 s for a processor. A loop is judged by the CPU it uses, a deadlock by a long
    wait; a short wait is neither."""
    import time

    from fuzzing import time_limit

    with pytest.raises(TimeoutError, match="of CPU"), time_limit(0.2, wall=30):
        while True:
            pass
    with time_limit(0.2, wall=30):
        time.sleep(0.4)  # waiting, not computing: not a hang
    with pytest.raises(TimeoutError, match="no result after"), time_limit(30, wall=0.2):
        time.sleep(5)
