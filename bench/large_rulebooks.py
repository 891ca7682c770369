"""Large rule texts: how check, eval and explain grow with the size of the text.

Writes synthetic rule texts (N one-line rules of several kinds, or one huge string literal)
and runs the real command line on each, measuring wall time and peak resident memory of the
process (``os.wait4``). Every figure is the median of R runs.

    python bench/large_rulebooks.py                         # the default table (bench/README.md)
    python bench/large_rulebooks.py --kinds scale --sizes 1000 5000 --repeats 1
    python bench/large_rulebooks.py --write scale 5000 > /tmp/scale.rules   # one text, to look at

The texts stay under the 2,000,000-byte limit of a rule file (E004); a kind and size that
would not is skipped and said so.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT = 2_000_000
DAY = "2020-01-01"

HEADER = """\
scale seriousness { none low high }
enum act_kind { obtain sell provide }
input n: integer = 0
input name: text = ""
conclusion level: highest seriousness
"""

CONCLUSIONS = {
    "value": "conclusion flagged: value bool\n",
    "set": "conclusion acts: set of act_kind\n",
    "range": "conclusion years: range of integer\n",
}


#: The lines of the i-th rule of each kind: ``{i}`` its number, ``{prev}`` the one before,
#: ``{level}`` one of the scale's levels, ``{last}`` a number from 1 to 9.
TEMPLATES = {
    "scale": ["rule r{i} {{ cite article 1 when n >= {i} then level = {level} }}"],
    "value": ["rule r{i} {{ cite article 1 when n >= {i} then flagged = true }}"],
    "set": ["rule r{i} {{ cite article 1 when n >= {i} then acts = sell }}"],
    "range": ["rule r{i} {{ cite article 1 when n >= {i} then years = 0 .. {last} }}"],
    # A named condition for every rule: definitions the plan orders and the explanation shows.
    "define": [
        "define d{i}: bool = n >= {i}",
        "rule r{i} {{ cite article 1 when d{i} then level = {level} }}",
    ],
    # One definition with a parameter, called with a constant by every rule (and inlined).
    "call": ["rule r{i} {{ cite article 1 when meets({i}) then level = low }}"],
    # Each rule an exception to the one before: a chain as long as the text.
    "overrides": [
        "rule r{i} {{ cite article 1 overrides r{prev} when n >= {i} then level = low }}"
    ],
    # A conclusion, or an input, of its own for every rule.
    "conclusions": [
        "conclusion c{i}: highest seriousness",
        "rule r{i} {{ cite article 1 when n >= {i} then c{i} = {level} }}",
    ],
    "inputs": [
        "input n{i}: integer = {i}",
        "rule r{i} {{ cite article 1 when n{i} >= n then level = {level} }}",
    ],
    # Every rule misspells the definition it means: an error (E200), with "did you mean".
    "typos": [
        "define d{i}: bool = n >= {i}",
        "rule r{i} {{ cite article 1 when dd{i} then level = {level} }}",
    ],
    # Sums near the nesting limit: the text of each partial sum is a prefix of the next.
    "chains": [
        "rule r{i} {{ cite article 1 when "
        + " + ".join(["n"] * 190)
        + " >= {i} then level = low }}"
    ],
    # Tests beside ten rules.
    "tests": ['test "t{i}" {{ as of ' + DAY + " given n = {i} expect level = low }}"],
}
FIRST = {
    "call": ["define meets(k: integer): bool = n >= k"],
    "overrides": ["rule rz { cite article 1 when n >= 0 then level = low }"],
    "tests": [f"rule r{i} {{ cite article 1 when n >= {i} then level = low }}" for i in range(10)],
}


def _rules(kind: str, n: int) -> list[str]:
    """The body of a text of ``n`` rules (or tests) of one kind."""
    lines = list(FIRST.get(kind, []))
    for i in range(n):
        level = "high" if i % 3 == 0 else "low"
        for template in TEMPLATES[kind]:
            prev = i - 1 if i else "z"
            lines.append(template.format(i=i, prev=prev, level=level, last=i % 9 + 1))
    return lines


def rule_text(kind: str, n: int) -> str:
    """A synthetic rule text: ``n`` rules of ``kind``, or (``string-*``) one string of about
    ``n`` bytes in a note, a title, a text or an expression."""
    if kind.startswith("string-"):
        where = kind.removeprefix("string-")
        big = '"' + "x" * n + '"'
        clause = {
            "note": f"note {big}",
            "title": f"title {big}",
            "text": f"text {big}",
            "expr": "",
        }[where]
        when = f"name = {big}" if where == "expr" else "n >= 1"
        return HEADER + f"rule r {{ cite article 1 {clause} when {when} then level = low }}\n"
    return HEADER + CONCLUSIONS.get(kind, "") + "\n".join(_rules(kind, n)) + "\n"


KINDS = tuple(TEMPLATES)
STRINGS = ("string-note", "string-title", "string-text", "string-expr")
COMMANDS = {
    "check": ["check", "{rules}"],
    "eval": ["eval", "--rules", "{rules}", "--as-of", DAY, "{case}"],
    "explain-text": ["explain", "--rules", "{rules}", "--as-of", DAY, "{case}"],
    "explain-json": ["explain", "--rules", "{rules}", "--as-of", DAY, "-f", "json", "{case}"],
    "explain-markdown": [
        "explain",
        "--rules",
        "{rules}",
        "--as-of",
        DAY,
        "-f",
        "markdown",
        "{case}",
    ],
}


def run_once(argv: list[str], timeout: float, env: dict | None) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MB, exit code) of one run of the command line."""
    with tempfile.TemporaryFile() as err:  # not a pipe: thousands of diagnostics would fill it
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return float("inf"), float("inf"), float("nan"), -9
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1, 3):
            err.seek(0)
            last = err.read().decode(errors="replace").strip().splitlines()[-1:]
            print(f"  ! exit {code}: {last}", file=sys.stderr)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--kinds", nargs="+", default=["scale"], help=", ".join(KINDS + STRINGS))
    ap.add_argument("--sizes", nargs="+", type=int, default=[1000, 5000, 10000, 20000, 30000])
    ap.add_argument("--commands", nargs="+", default=list(COMMANDS), choices=list(COMMANDS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    ap.add_argument(
        "--against",
        metavar="DIR",
        help="also run another checkout (its source tree, put first on PYTHONPATH), taking\n"
        "turns with this one, so that both see the same load on the machine",
    )
    ap.add_argument("--write", nargs=2, metavar=("KIND", "N"), help="print one text and stop")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args()
    if args.write:
        sys.stdout.write(rule_text(args.write[0], int(args.write[1])))
        return
    versions = {"this": None}
    exe = [_cli()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.against:
            versions = {"against": _environment(args.against, Path(tmp)), "this": None}
        for kind in args.kinds:
            for n in args.sizes:
                text = rule_text(kind, n)
                size = len(text.encode())
                if size > LIMIT:
                    print(f"{kind} {n}: {size:,} bytes, over the limit; skipped", file=sys.stderr)
                    continue
                rules = Path(tmp, f"{kind}-{n}.rules")
                rules.write_text(text, encoding="utf-8")
                case = Path(tmp, "case.json")
                case.write_text(json.dumps({"n": n // 2, "name": "x"}), encoding="utf-8")
                for command in args.commands:
                    argv = exe + [a.format(rules=rules, case=case) for a in COMMANDS[command]]
                    runs: dict[str, list] = {v: [] for v in versions}
                    for _ in range(args.repeats):
                        for version, env in versions.items():
                            runs[version].append(run_once(argv, args.timeout, env))
                    for version, results in runs.items():
                        wall, cpu, rss = (
                            statistics.median(r[i] for r in results) for i in range(3)
                        )
                        codes = sorted({r[3] for r in results})
                        rows.append((kind, n, size, command, version, wall, cpu, rss))
                        print(
                            f"{kind:>12} {n:>7} {size / 1e6:5.2f} MB {command:>16} {version:>7} "
                            f"{wall:8.2f} s {cpu:8.2f} s CPU {rss:7.0f} MB  exit {codes}",
                            file=sys.stderr,
                            flush=True,
                        )
    if args.markdown:
        print("| kind | N | text (MB) | command | version | wall (s) | CPU (s) | peak RSS (MB) |")
        print("|---|---|---|---|---|---|---|---|")
        for kind, n, size, command, version, wall, cpu, rss in rows:
            print(
                f"| {kind} | {n:,} | {size / 1e6:.2f} | {command} | {version} | {wall:.2f} "
                f"| {cpu:.2f} | {rss:.0f} |"
            )


def _environment(tree: str, tmp: Path) -> dict:
    """The environment that runs the command line from another source tree: its packages
    first on the path (the front end under its installed name too)."""
    tree_path = Path(tree).resolve()
    shim = tmp / "against-path"
    shim.mkdir()
    (shim / "ruleengine_dsl").symlink_to(tree_path / "dsl")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree_path), str(shim)])
    return env


def _cli() -> str:
    """The ``ruleengine`` script next to this interpreter (the installed command line)."""
    path = Path(sys.executable).with_name("ruleengine")
    if not path.exists():
        sys.exit(f"no ruleengine command next to {sys.executable}: install the project first")
    return str(path)


if __name__ == "__main__":
    main()
