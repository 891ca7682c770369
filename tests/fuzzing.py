"""The fuzzing harness: inputs a careless user or an attacker could give, and the only outcomes
we accept for them.

Every target feeds mutated inputs through the real command line (Typer's runner, in process)
and accepts exactly "a documented error or a result": an exit code from docs/cli.md other
than 70, no Python traceback, and for an error a message on the output. The inputs start from
what the project ships (its rule files, its example cases) and are mutated by hypothesis, so a
failure shrinks to a small input that can be pasted into a bug report.

Rulebooks are loaded and compiled once per process (``CachedCli``): the target is what happens
to the input, not the seconds spent compiling ccdi again for every example.
"""

from __future__ import annotations

import contextlib
import copy
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main
import typer.testing
import yaml
from hypothesis import strategies as st
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

#: Exit codes a command may end with on any input (docs/cli.md); 70 is a bug, never accepted.
DOCUMENTED_EXITS = frozenset({0, 1, 2, 3, 4, 5, 6})
#: CPU seconds one example may use before it counts as a hang (a loop), and wall seconds it
#: may wait (a deadlock). The long run works at a low priority beside other work, where a
#: 2-line batch once waited 60 s for a processor: wall time alone called that a hang.
HANG_SECONDS = 60
HANG_WALL_SECONDS = 1800

RULE_FILES = sorted(
    [
        *ROOT.glob("plugins/*/rules/*.rules"),
        EXAMPLES / "quickstart" / "article5.rules",
        ROOT / "bench" / "article5.rules",
    ]
)


# ------------------------------------------------------------------ running the command line
class CachedCli:
    """The Typer app with one plugin manager, one Click command and each rulebook compiled
    once per process: what is left to each input is the command's own work."""

    def __init__(self) -> None:
        import ruleengine.cli as cli

        self.cli = cli
        self.runner = CliRunner()
        self._books: dict = {}
        self._pm = None
        # Typer's runner builds the Click command from the app at every call (type hints
        # read again: half the time of a small input); built once here and handed to
        # the runner in place of its private builder.
        self._command = typer.main.get_command(cli.app)

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        cli = self.cli
        real_pm, real_load = cli._pm, cli._load
        if self._pm is None:
            self._pm = real_pm()
        pm = self._pm

        def load(_pm, rules, rulebook):
            key = (tuple(str(p) for p in rules or ()), rulebook)
            if key not in self._books:
                self._books[key] = real_load(pm, rules, rulebook)
            return self._books[key]

        real_command = typer.testing._get_command
        cli._pm, cli._load = (lambda *args, **kwargs: pm), load
        typer.testing._get_command = lambda app: self._command
        try:
            yield
        finally:
            cli._pm, cli._load = real_pm, real_load
            typer.testing._get_command = real_command

    def invoke(self, args: list[str], input: str | bytes | None = None):
        with self.patched(), time_limit(HANG_SECONDS):
            return self.runner.invoke(self.cli.app, args, input=input)


@contextlib.contextmanager
def time_limit(seconds: float, wall: float = HANG_WALL_SECONDS) -> Iterator[None]:
    """Fail an example that uses ``seconds`` of CPU (a loop) or waits ``wall`` seconds (a
    deadlock), instead of hanging CI; waiting for a processor is neither."""

    def expired(signum, frame):
        if signum == signal.SIGPROF:
            raise TimeoutError(f"{seconds} s of CPU and no result: a hang")
        raise TimeoutError(f"no result after {wall} s: a hang")

    previous = signal.signal(signal.SIGPROF, expired), signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, wall)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, previous[0])
        signal.signal(signal.SIGALRM, previous[1])


def output_of(result) -> str:
    """Standard output and standard error, interleaved as the user saw them."""
    return result.output or ""


#: Outcomes seen, per target and exit code, for the long run's report (docs/reliability.md).
SEEN: dict[str, dict[int | str, int]] = {}
#: Inputs recorded since the report was last written; a long run writes every ``FLUSH_EVERY``
#: so that a run stopped midway still leaves its figures.
UNWRITTEN = [0]
FLUSH_EVERY = 1_000


def record(target: str, outcome: int | str, inputs: int = 1) -> None:
    """Count ``inputs`` inputs of ``target`` that came to ``outcome`` (an exit code, or for
    the lines of a batch: counted, skipped or blank)."""
    counts = SEEN.setdefault(target, {})
    counts[outcome] = counts.get(outcome, 0) + inputs
    UNWRITTEN[0] += inputs
    if UNWRITTEN[0] >= FLUSH_EVERY:
        write_report()


def write_report() -> None:
    """Add this run's outcomes to the file ``RULEENGINE_FUZZ_REPORT`` names, if it does."""
    import os

    path = os.environ.get("RULEENGINE_FUZZ_REPORT")
    if not path or not SEEN:
        return
    report = Path(path)
    old = json.loads(report.read_text()) if report.exists() else {}
    for target, counts in SEEN.items():
        mine = old.setdefault(target, {})
        for code, n in counts.items():
            mine[str(code)] = mine.get(str(code), 0) + n
    report.write_text(json.dumps(old, indent=2, sort_keys=True))
    SEEN.clear()
    UNWRITTEN[0] = 0


def assert_documented(result, args: list[str], shown_input: Any, allowed=DOCUMENTED_EXITS):
    """The outcome is a documented exit code, no traceback, and an error says something."""
    text = output_of(result)
    where = f"\ncommand: ruleengine {' '.join(args)}\ninput: {shown_input!r}\noutput:\n{text}"
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(exc))
        raise AssertionError(f"uncaught {exc!r}{where}\n{trace}")
    assert result.exit_code != 70, f"internal error (exit 70){where}"
    assert result.exit_code in allowed, f"undocumented exit {result.exit_code}{where}"
    assert "Traceback (most recent call last)" not in text, f"a traceback reached the user{where}"
    if result.exit_code not in (0, 1):
        assert text.strip(), f"exit {result.exit_code} with no message{where}"


# ------------------------------------------------------------------ values a user might write
#: Number-like texts, each a known trap: octal and hex look-alikes, overflow, NaN, separators,
#: other scripts' digits, negative zero, fractions, currencies.
TRAP_NUMBERS = [
    "050",
    "0x40",
    "0o17",
    "0b111111",
    "1:20",
    "1_000",
    "1e999999999",
    "-1e999999999",
    "1E+400",
    "1e-400",
    "sNaN",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    ".inf",
    "-0",
    "-0.0",
    "1/0",
    "1/3",
    "-1/3",
    "0.1",
    "0.30000000000000004",
    "5000 CNY",
    "5000 USD",
    "¥5000",
    "5000元",
    "5,000",
    "5,00",
    "1,234,567.50",
    "１２",
    "٣",
    "𝟙𝟚",
    "12.",
    ".5",
    "+5",
    "--5",
    "5000 yuan",
    "-60000",
    "-5000",
    "99999999999999999999999999999999999999999999999",
    "0." + "0" * 60 + "1",
    "1" * 5000,
]
TRAP_TEXTS = [
    "",
    " ",
    "\u2028",
    "\u2029",
    "\x00",
    "\x0c",
    "\r",
    "\ud800",
    "\ufeff",
    "😀",
    "情节严重",
    "2018-02-30",
    "2018-03-01",
    "2018-3-1",
    "2018-03-01T10:00:00",
    "9999-12-31",
    "0001-01-01",
    "true",
    "false",
    "null",
    "yes",
    "no",
    "on",
    "~",
    "[]",
    "{}",
    "a" * 200,
    "x" * 100_000,
    "obtain",
    "sell",
    "tracking",
    "kickbacks",
    "profit_making",
    "serious",
    "CNY",
    "!!python/object/apply:os.system ['true']",
    "${HOME}",
    "'; DROP TABLE",
    "../../etc/passwd",
]


class Raw:
    """A JSON/YAML number token written out exactly as given (``1e999999999``, ``050``)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"Raw({self.token!r})"


raw_numbers = st.sampled_from(
    [
        "0",
        "-1",
        "1.5",
        "1e999999999",
        "1E+400",
        "-0.0",
        "0.1",
        "1234567890123456789012345678901234567890123",
        "-60000",
        "5000.005",
        "1e-400",
        "2.5e3",
    ]
).map(Raw)

scalars = st.one_of(
    st.integers(min_value=-(10**50), max_value=10**50),
    st.integers(min_value=-3, max_value=600),
    st.booleans(),
    st.none(),
    st.sampled_from(TRAP_NUMBERS),
    st.sampled_from(TRAP_TEXTS),
    st.text(max_size=12),
    raw_numbers,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["id", "kind", "amount", "items", "x", ""]), inner, max_size=3
        ),
    ),
    max_leaves=6,
)


# ------------------------------------------------------------------ mutating structured facts
def paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON tree (the root too)."""
    out = [prefix]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += paths(v, prefix + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += paths(v, prefix + (i,))
    return out


def _get(tree: Any, path: tuple) -> Any:
    for step in path:
        tree = tree[step]
    return tree


def _set(tree: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _get(tree, path[:-1])[path[-1]] = value
    return tree


def field_names(tree: Any) -> list[str]:
    """Every key in the tree: a mutation may move one where it does not belong."""
    return sorted({str(p[-1]) for p in paths(tree) if p and isinstance(p[-1], str)}) or ["x"]


@st.composite
def mutated_tree(draw, tree: Any) -> Any:
    """``tree`` with one to four edits: a value replaced, a key dropped or added, a list
    emptied or grown, a value wrapped in a list or an object."""
    tree = copy.deepcopy(tree)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(paths(tree)))
        target = _get(tree, where)
        op = draw(st.sampled_from(["replace", "drop", "add", "wrap", "grow", "empty"]))
        if op == "replace" or (op == "drop" and not where):
            tree = _set(tree, where, draw(values))
        elif op == "drop":
            parent = _get(tree, where[:-1])
            del parent[where[-1]]
        elif op == "add" and isinstance(target, dict):
            key = draw(st.one_of(st.sampled_from(field_names(tree)), st.text(max_size=6)))
            target[key] = draw(values)
        elif op == "wrap":
            tree = _set(tree, where, draw(st.sampled_from([[target], {"amount": target}])))
        elif op == "grow" and isinstance(target, list) and target:
            target.extend(target[: draw(st.integers(1, 3))])
        elif op == "empty" and isinstance(target, (list, dict)):
            target.clear()
    return tree


def to_json_text(tree: Any) -> str:
    """JSON, with ``Raw`` numbers written verbatim."""
    if isinstance(tree, Raw):
        return tree.token
    if isinstance(tree, dict):
        items = (
            f"{json.dumps(str(k), ensure_ascii=False)}: {to_json_text(v)}" for k, v in tree.items()
        )
        return "{" + ", ".join(items) + "}"
    if isinstance(tree, list):
        return "[" + ", ".join(to_json_text(v) for v in tree) + "]"
    return json.dumps(tree, ensure_ascii=False)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Raw, lambda d, raw: d.represent_scalar("tag:yaml.org,2002:int", raw.token))


def to_yaml_text(tree: Any) -> str:
    """YAML, with ``Raw`` numbers as plain scalars (so ``050`` reaches the YAML reader bare)."""
    return yaml.dump(tree, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


#: Text-level damage to a whole file: what editors, copy-paste and truncation do.
@st.composite
def damaged_text(draw, text: str) -> str:
    for _ in range(draw(st.integers(0, 2))):
        op = draw(st.sampled_from(["truncate", "insert", "duplicate_line", "delete"]))
        pos = draw(st.integers(0, len(text)))
        if op == "truncate":
            text = text[:pos]
        elif op == "insert":
            text = text[:pos] + draw(st.sampled_from(FILE_JUNK)) + text[pos:]
        elif op == "duplicate_line":
            lines = text.split("\n")
            i = draw(st.integers(0, max(len(lines) - 1, 0)))
            lines.insert(i, lines[i] if lines else "")
            text = "\n".join(lines)
        else:
            text = text[:pos] + text[pos + draw(st.integers(1, 20)) :]
    return text


FILE_JUNK = [
    "\x00",
    "\ufeff",
    "\u2028",
    "\x0c",
    "\r",
    "\\",
    '"',
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "&a ",
    "*a",
    "<<: *a",
    "!!binary ",
    "!!python/name:os.system ",
    "%YAML 1.1\n---\n",
    "---\n",
    "...\n",
    "? ",
    "- ",
    "\t",
    "# c\n",
    "1:20",
    "050",
    "0x40",
    "NaN",
    "\ud83d",
    "\\ud800",
]


# ------------------------------------------------------------------ mutating rule texts
RULE_TOKENS = [
    "rule",
    "input",
    "define",
    "conclusion",
    "test",
    "document",
    "enum",
    "scale",
    "record",
    "parameter",
    "when",
    "then",
    "overrides",
    "cite",
    "article",
    "paragraph",
    "item",
    "title",
    "text",
    "note",
    "from",
    "until",
    "if",
    "else",
    "and",
    "or",
    "not",
    "in",
    "for",
    "where",
    "highest",
    "set of",
    "range of",
    "value",
    "list of",
    "money(CNY)",
    "signed money(CNY)",
    "count",
    "integer",
    "decimal",
    "bool",
    "date",
    "duration",
    "expect",
    "given",
    "as of",
    "fired",
    "aside",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    ".",
    "..",
    "=",
    ">=",
    "<",
    "!=",
    "+",
    "-",
    "*",
    "/",
    "0",
    "1",
    "-1",
    "7 .. 3",
    "1/0",
    "0.5",
    "99999999999999999999999999999999999999999",
    "5000 yuan",
    "5000 USD",
    "2 years",
    "1.5 years",
    "2019-02-30",
    "2017-06-01",
    "9999-12-31",
    '"\\q"',
    '"\\u2028"',
    '"\u2028"',
    '"\x0c"',
    "\x0c",
    "\u2028",
    "\r\n",
    "\t",
    "#",
    '"',
    '"unterminated',
    'zh "中文" en "en"',
    "zh",
    "en",
    "“",
    "：",
    "（",
    "１",
    "\x00",
    "\ufeff",
    "((((((((((",
    "))))))))))",
    "not not not not not not",
    "a.b.c.d",
    "sum(x.items for x in acts)",
    "max(",
    "min(1, 2)",
    "floor(",
    "serious",
    "none",
    "true",
    "false",
    "\n",
    "\n\n",
    "item 3",
    "x" * 300,
]


@st.composite
def mutated_rule_text(draw, text: str) -> str:
    """A rule text with one to five edits: a slice deleted or duplicated, a token inserted,
    a number changed, or the text cut short."""
    for _ in range(draw(st.integers(1, 5))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "insert", "delete", "duplicate", "number", "cut"]))
        if op == "insert":
            token = draw(st.sampled_from(RULE_TOKENS))
            text = text[:pos] + draw(st.sampled_from([" ", ""])) + token + " " + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 40)) :]
        elif op == "duplicate":
            n = draw(st.integers(1, 200))
            text = text[:pos] + text[pos : pos + n] + text[pos:]
        elif op == "number":
            digits = [i for i, c in enumerate(text) if c.isdigit()]
            if digits:
                at = draw(st.sampled_from(digits))
                text = (
                    text[:at]
                    + draw(st.sampled_from(["0", "9" * 45, "-1", "0.0", "1/3"]))
                    + (text[at + 1 :])
                )
        else:
            text = text[:pos]
    return text


# ------------------------------------------------------------------ the corpora
def example_cases(rulebook: str) -> list[Any]:
    """The shipped example cases of a rulebook, as parsed JSON (envelopes kept)."""
    from ruleengine.facts import loads_json

    if rulebook == "quickstart":
        files = [EXAMPLES / "quickstart" / "case.json"]
    else:
        files = sorted(
            p for p in (EXAMPLES / rulebook).glob("*.json") if not p.name.endswith(".expected.json")
        )
    cases = [loads_json(p.read_text(encoding="utf-8")) for p in files]
    jsonl = EXAMPLES / rulebook / "cases.jsonl"
    if jsonl.exists():
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                cases.append(loads_json(line))
    return [_plain(c) for c in cases]


def _plain(tree: Any) -> Any:
    """Decimals from the exact reader back to JSON number tokens."""
    from decimal import Decimal

    if isinstance(tree, Decimal):
        return Raw(str(tree))
    if isinstance(tree, dict):
        return {k: _plain(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_plain(v) for v in tree]
    return tree


def rulebook_args(rulebook: str) -> list[str]:
    if rulebook == "quickstart":
        return ["--rules", str(EXAMPLES / "quickstart" / "article5.rules")]
    return ["-r", rulebook]
