"""Exit codes a process sees from outside: behind a closed pipe, on a full disk, and Ctrl-C at
start-up (a sixth QA round, E8 and E9). Each runs the command line in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

QUICK = Path(__file__).parent.parent / "examples" / "quickstart"
RUN_MAIN = "from ruleengine.cli import main; main()"

posix = pytest.mark.skipif(os.name != "posix", reason="pipes and signals as on POSIX")


def _behind_a_closed_pipe(args: list[str], stream: str) -> subprocess.CompletedProcess:
    """The command with ``stream`` a pipe whose reader is gone before the first write: what
    ``| head -1`` does when head has already left (deterministic, unlike head itself)."""
    read, write = os.pipe()
    os.close(read)
    other = "stderr" if stream == "stdout" else "stdout"
    try:
        return subprocess.run(
            [sys.executable, "-c", RUN_MAIN, *args],
            **{stream: write, other: subprocess.PIPE},
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)


@posix
def test_a_failed_test_behind_a_closed_pipe_still_exits_1(tmp_path):
    """E8: ``ruleengine test --rules F | head -1`` exited 0 on a failing test."""
    rules = tmp_path / "only_not_fired.rules"
    rules.write_text(
        "input items: count = 0\nconclusion c: value count = 0\n"
        "rule r { cite article 1  then c = items }\n"
        'test "t" { as of 2020-01-01  expect not fired r }\n',
        encoding="utf-8",
    )
    proc = _behind_a_closed_pipe(["test", "--rules", str(rules)], "stdout")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr


@posix
def test_invalid_rules_behind_a_closed_stderr_still_exit_3(tmp_path):
    """E8: ``ruleengine check esc.rules 2>&1 | head -1`` exited 0 (the diagnostics are on
    standard error)."""
    rules = tmp_path / "esc.rules"
    rules.write_text('input items: count = 0\nconclusion c: value text = "\\q"\n', "utf-8")
    proc = _behind_a_closed_pipe(["check", str(rules)], "stderr")
    assert proc.returncode == 3


@posix
def test_a_successful_command_behind_a_closed_pipe_is_quiet_and_exits_0():
    args = ["explain", "--rules", str(QUICK / "article5.rules"), str(QUICK / "case.json")]
    proc = _behind_a_closed_pipe(args, "stdout")
    assert (proc.returncode, proc.stderr) == (0, "")


@posix
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a full disk)")
@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["explain"], "standard output: cannot write (No space left on device)"),
        (["explain", "--lang", "zh"], "标准输出：无法写入（No space left on device）"),
        (["eval", "-f", "json"], "standard output: cannot write (No space left on device)"),
        (["explain", "--help"], "standard output: cannot write (No space left on device)"),
    ],
)
def test_standard_output_on_a_full_disk_is_exit_2_naming_it(command, said):
    """``explain > /dev/full`` was exit 70, "internal error: OSError(28, ...)": a full disk
    is no bug; it gets what an output file that cannot be written gets (docs/cli.md)."""
    args = [*command, "--rules", str(QUICK / "article5.rules"), str(QUICK / "case.json")]
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-c", RUN_MAIN, *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert (proc.returncode, proc.stderr.strip()) == (2, said)


# A finder that sends this process SIGINT when typer is first imported: Ctrl-C pressed while
# the command line is loading, at a place that does not depend on timing.
SIGINT_WHILE_LOADING = """
import os, signal, sys
from importlib.metadata import entry_points

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

(script,) = entry_points(group="console_scripts", name="ruleengine")
sys.meta_path.insert(0, CtrlC())
sys.argv = ["ruleengine", "--help"]
script.load()()
"""


@posix
def test_ctrl_c_while_the_command_line_loads_is_exit_130_and_one_line():
    """E9: Ctrl-C in the first second of a command printed a KeyboardInterrupt traceback
    from the start-up imports (``cli.py: import typer``)."""
    proc = subprocess.run(
        [sys.executable, "-c", SIGINT_WHILE_LOADING], capture_output=True, text=True, timeout=120
    )
    assert (proc.returncode, proc.stderr, proc.stdout) == (130, "interrupted\n", "")


@posix
def test_a_console_that_cannot_show_a_character_gets_an_escape_not_exit_70():
    """A seventh QA round: ``PYTHONIOENCODING=latin-1 ruleengine eval ... --lang zh`` was exit
    70 (UnicodeEncodeError). Such a character is written as Python writes it to standard
    error, an escape: the output is whole, if not pretty."""
    args = ["eval", "--rules", str(QUICK / "article5.rules"), str(QUICK / "case.json")]
    proc = subprocess.run(
        [sys.executable, "-c", RUN_MAIN, *args, "--lang", "zh"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "latin-1"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"\\u60c5\\u8282" in proc.stdout  # 情节
