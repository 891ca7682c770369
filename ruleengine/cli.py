"""The ``ruleengine`` command line: eval, explain, check, test, plugins, rules, fmt.

Exit codes (docs/cli.md), which scripts can rely on:
  0 success · 1 a rule test failed, or rules gave conflicting conclusions · 2 usage error ·
  3 invalid rules (syntax or check errors), or unknown rulebook · 4 invalid facts ·
  5 the rules could not be evaluated on these facts · 6 a plugin failed (its adapter,
  renderer or function; for ``plugins``, any plugin disabled or in a name clash) ·
  70 internal error (a bug: please report)
No Python traceback reaches the user for a mistake in rules, facts or a plugin. A plugin
disabled for a broken hook is named in a warning on standard error; the others keep working.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ruleengine_dsl.diagnostics import Diagnostic, DiagnosticError, Severity, Source, Span

from .stopping import Terminated

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BAD_RULES = 3
EXIT_BAD_FACTS = 4
EXIT_EVALUATION = 5
EXIT_PLUGIN = 6
EXIT_INTERNAL = 70


app = typer.Typer(
    name="ruleengine",
    help="Legal rules as text: check them, evaluate cases, explain each decision.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help and usage errors: typer's rich formatting imports rich.markdown and
    # markdown-it, about three quarters of the time of `ruleengine --help` (issue 10).
    rich_markup_mode=None,
)


class Lang(StrEnum):
    en = "en"
    zh = "zh"


class Stop(Exception):
    """Ends a command with a message and a documented exit code."""

    def __init__(self, code: int, message: str = "", zh: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.zh = zh  # the message in Chinese, shown under --lang zh (the facts' mistakes)
        self.problems: list = []  # FactProblems, when the facts are at fault

    @classmethod
    def said(cls, code: int, said) -> Stop:
        """A stop whose message is a ``facts.Said`` (English and Chinese)."""
        return cls(code, said.en, said.zh)

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" and self.zh else self.message


# ------------------------------------------------------------------ shared options
RulesOpt = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="A rule file or a folder of *.rules files (repeatable)."),
]
RulebookOpt = Annotated[
    str | None,
    typer.Option("--rulebook", "-r", help="A rulebook provided by a plugin (see 'rules')."),
]
FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="text, json, markdown, or a plugin's format.")
]
LangOpt = Annotated[
    Lang, typer.Option("--lang", help="Language of labels, titles and mistakes in the facts.")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Judge the case as of this date (YYYY-MM-DD)."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a fact: field=value (repeatable)."),
]
ColorOpt = Annotated[
    bool | None,
    typer.Option("--color/--no-color", help="Colour; by default only on a terminal."),
]
UnknownOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--unknown",
        help="A fact not known yet (repeatable): is the decision fixed whatever it is, and if "
        "not, which unknown fact decides it, where?",
    ),
]
FactsArg = Annotated[
    str | None,
    typer.Argument(help="Facts as a JSON or YAML file; '-' or nothing reads standard input."),
]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _pm(warn: bool = True):
    """A fresh plugin manager, its hooks read and checked; each plugin left out, in whole or
    in part, is named once on standard error (``plugins`` shows them instead)."""
    from .plugins import get_plugin_manager

    pm = get_plugin_manager()
    if warn:
        errors = pm.plugin_errors
        for error in errors:
            _err(f"warning: {error}")
        if errors:
            _err("warning: see 'ruleengine plugins'")
    return pm


def _load(pm, rules: list[Path] | None, rulebook: str | None):
    """The compiled rulebook named by --rules or --rulebook, and its name."""
    from .loader import load_paths

    paths, name = _rule_paths(pm, rules, rulebook)
    return load_paths(paths, name=name, pm=pm), name


def _rule_paths(pm, rules: list[Path] | None, rulebook: str | None):
    """The rule files named by --rules, or those of the rulebook named by --rulebook, and
    the rulebook's name (None for --rules)."""
    from .plugins import rule_sources

    if rules and rulebook:
        raise Stop(EXIT_USAGE, "give rule files or --rulebook, not both")
    if rules:
        for path in rules:
            try:
                os.stat(path)  # follows links: a loop of links is named as such
            except FileNotFoundError:
                raise Stop(EXIT_BAD_RULES, f"{path}: no such file or folder") from None
            except OSError as err:  # a name too long, a loop of links, no permission
                raise Stop(
                    EXIT_BAD_RULES, f"{_shown_path(path)}: cannot read ({err.strerror})"
                ) from None
        return list(rules), None
    sources = rule_sources(pm)
    if rulebook is None:
        if len(sources) == 1:
            rulebook = next(iter(sources))
        else:
            known = ", ".join(sorted(sources)) or "none installed"
            raise Stop(
                EXIT_USAGE,
                f"name a rulebook with --rulebook (available: {known}) "
                "or give rule files with --rules",
            )
    if rulebook not in sources:
        import difflib

        close = difflib.get_close_matches(rulebook, list(sources), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        # A disabled plugin's rulebooks are not known: it may be the one that gives this name.
        for plugin, why in sorted(pm.disabled().items()):
            hint += f"; plugin '{plugin}' is disabled, so its rulebooks are not known ({why})"
        raise Stop(EXIT_BAD_RULES, f"no rulebook named '{rulebook}'{hint}")
    _, source = sources[rulebook]
    return list(source.paths), rulebook


def _one_line(text: str) -> str:
    """A report about one line of a batch as one line of output: text from the case (a name
    holding a line feed, an escape sequence) can never forge another line or colour it."""
    from ruleengine_dsl.diagnostics import printable

    return " | ".join(printable(part) for part in text.split("\n") if part.strip())


def _shown_path(path) -> str:
    """A path as given, shortened when it is too long to be one (a name of 300 letters)."""
    text = str(path)
    return text if len(text) <= 200 else text[:97] + "..." + text[-100:]


def _parse_date(text: str | None, what: str, code: int = EXIT_USAGE) -> datetime.date | None:
    from .facts import parse_date

    if text is None:
        return None
    day = parse_date(str(text))
    if day is None:
        raise Stop(
            code,
            f"{what}: '{text}' is not a date (YYYY-MM-DD)",
            f"{what}：'{text}' 不是日期（YYYY-MM-DD）",
        )
    return day


def _read_facts(path: str | None) -> tuple[Any, str]:
    """Facts from a JSON or YAML file, or from standard input (JSON, else YAML)."""
    from .facts import MAX_FACTS_BYTES

    if path in (None, "-"):
        if sys.stdin is None or sys.stdin.isatty():
            raise Stop(
                EXIT_USAGE,
                "give a facts file, or pipe the facts on standard input",
                "请给出事实文件，或经标准输入传入事实",
            )
        name = "<stdin>"
        try:
            # Bytes, decoded as files are: the locale's encoding does not matter.
            text = sys.stdin.buffer.read(MAX_FACTS_BYTES + 1).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Stop(
                EXIT_BAD_FACTS, "<stdin>: not UTF-8 text", "<stdin>：不是 UTF-8 文本"
            ) from None
        except AttributeError:  # a text-only stream (tests, embedding)
            text = sys.stdin.read(MAX_FACTS_BYTES + 1)
        if not text.strip():
            raise Stop(EXIT_USAGE, "no facts on standard input", "标准输入中没有事实")
    else:
        from .facts import InputFileError, read_input

        name = path
        try:
            # A regular file only, and never more than the limit read (a FIFO or /dev/zero
            # would block or never end).
            text = read_input(path, MAX_FACTS_BYTES).decode("utf-8-sig")
        except InputFileError as err:
            raise Stop(EXIT_BAD_FACTS, f"{path}: {err}", f"{path}：{err.zh}") from None
        except UnicodeDecodeError:
            raise Stop(
                EXIT_BAD_FACTS, f"{path}: not UTF-8 text", f"{path}：不是 UTF-8 文本"
            ) from None
    if len(text) > MAX_FACTS_BYTES:
        raise Stop(
            EXIT_BAD_FACTS,
            f"{name}: larger than {MAX_FACTS_BYTES} bytes",
            f"{name}：大于 {MAX_FACTS_BYTES} 字节",
        )
    if name.endswith((".yaml", ".yml")):
        return _parse_yaml(text, name), name
    try:
        return _parse_json(text, name), name
    except Stop:
        if name == "<stdin>" and text.lstrip()[:1] not in ("{", "["):
            return _parse_yaml(text, name), name  # YAML piped in
        raise


def _parse_json(text: str, name: str) -> Any:
    from .facts import FactsJSONError, json_problem_zh, loads_json

    try:
        data = loads_json(text)
        # "\ud800" escapes give text no output can write: refuse it here, with the file named.
        json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
        return data
    except UnicodeEncodeError:
        raise Stop(
            EXIT_BAD_FACTS,
            f"{name}: contains text that is not valid Unicode",
            f"{name}：含有无效的 Unicode 文本",
        ) from None
    except json.JSONDecodeError as err:  # FactsJSONError: NaN, a field given twice, too deep
        span = _point(text.removeprefix("\ufeff"), err.pos, name)
        if isinstance(err, FactsJSONError):
            what, what_zh = f"not valid facts: {err.msg}", f"不是有效的事实：{err.zh}"
        else:
            what, what_zh = (
                f"not valid JSON: {err.msg}",
                f"不是有效的 JSON：{json_problem_zh(err.msg)}",
            )
        where, excerpt = span.location(), span.excerpt()
        raise Stop(
            EXIT_BAD_FACTS, f"{where}: {what}\n{excerpt}", f"{where}：{what_zh}\n{excerpt}"
        ) from None
    except ValueError as err:  # not placed (not expected)
        raise Stop(
            EXIT_BAD_FACTS, f"{name}: not valid facts: {err}", f"{name}：不是有效的事实：{err}"
        ) from None
    except RecursionError:
        raise _too_deep(name) from None


def _too_deep(name: str) -> Stop:
    return Stop(EXIT_BAD_FACTS, f"{name}: nested too deeply", f"{name}：嵌套过深")


def _parse_yaml(text: str, name: str) -> Any:
    import yaml

    from .facts import MAX_YAML_BYTES, loads_yaml

    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise Stop(
            EXIT_BAD_FACTS,
            f"{name}: a YAML file larger than {MAX_YAML_BYTES:,} bytes; give a case this large "
            "as JSON (up to 50,000,000 bytes)",
            f"{name}：YAML 文件大于 {MAX_YAML_BYTES:,} 字节；这么大的案件请以 JSON 给出"
            "（最多 50,000,000 字节）",
        )

    try:
        return loads_yaml(text, name)
    except yaml.MarkedYAMLError as err:  # with the line and column
        raise Stop.said(EXIT_BAD_FACTS, _yaml_error(err, text, name)) from None
    except yaml.reader.ReaderError as err:  # a character YAML does not allow, by position
        span = _point(text.removeprefix("\ufeff"), err.position, name)
        char = err.character if isinstance(err.character, str) else chr(err.character)
        what = f"not valid YAML: the character U+{ord(char):04X} is not allowed here"
        what_zh = f"不是有效的 YAML：此处不允许字符 U+{ord(char):04X}"
        where, excerpt = span.location(), span.excerpt()
        raise Stop(
            EXIT_BAD_FACTS, f"{where}: {what}\n{excerpt}", f"{where}：{what_zh}\n{excerpt}"
        ) from None
    except yaml.YAMLError as err:
        raise Stop(
            EXIT_BAD_FACTS, f"{name}: not valid YAML: {err}", f"{name}：不是有效的 YAML：{err}"
        ) from None
    except ValueError as err:  # e.g. an integer too long to convert
        raise Stop(
            EXIT_BAD_FACTS, f"{name}: not valid facts: {err}", f"{name}：不是有效的事实：{err}"
        ) from None
    except RecursionError:
        raise _too_deep(name) from None


def _yaml_problem(err):
    """What a YAML error says (a ``facts.Said``). What YAML reads but facts refuse (050, a
    field given twice, an alias) is not called invalid YAML; what the YAML parser itself says
    is kept in its English under a Chinese heading."""
    import yaml

    from .facts import Said, yaml_problem_zh

    parts = [str(x) for x in (getattr(err, "context", None), getattr(err, "problem", None)) if x]
    what = "; ".join(parts) or str(err)
    # The parser's own words in Chinese where known (facts._YAML_ZH), else in English.
    said = [yaml_problem_zh(x) for x in parts]
    what_zh = "；".join(z or x for z, x in zip(said, parts)) if any(said) else what
    if isinstance(err, (yaml.constructor.ConstructorError, yaml.composer.ComposerError)):
        return Said(what, getattr(err, "problem_zh", None) or what_zh)
    return Said(f"not valid YAML: {what}", f"不是有效的 YAML：{what_zh}")


def _yaml_error(err, text: str, name: str):
    """A YAML error shown as JSON's are: file:line:col, the line, a caret under the place."""
    from .facts import Said

    mark = err.problem_mark or err.context_mark
    what = _yaml_problem(err)
    if mark is None:
        return Said(f"{name}: {what.en}", f"{name}：{what.zh}")
    span = _point(text.removeprefix("\ufeff"), mark.index, name)
    where, excerpt = span.location(), span.excerpt()
    return Said(f"{where}: {what.en}\n{excerpt}", f"{where}：{what.zh}\n{excerpt}")


def _point(text: str, offset: int, name: str) -> Span:
    """The character at ``offset`` of a facts file, placed and shown as rule texts' places are
    (lines split at line feeds only, so a U+2028 or a form feed never shifts the line shown)."""
    source = Source(name, text)
    if offset >= len(text.rstrip("\n")) and text.strip():
        offset = len(text.rstrip("\n")) - 1  # the end of the file: shown at its last character
    line, column = source.position(offset)
    return Span(source, line, column, line, column + 1)


def _case(book, data: Any, name: str, as_of: datetime.date | None):
    """Facts, and an as-of date, from a facts object or a case file {"facts": ..., "as_of": ...}."""
    from .batch.records import unwrap
    from .facts import FactsError

    try:
        return unwrap(data, book.rulebook.inputs, as_of)
    except FactsError as err:
        raise _facts_error(err, name, CASE_FILE) from None


def _read_sets(sets: list[str] | None) -> list[tuple[str, Any, str]]:
    """``[(field, value, option)]`` of every ``--set field=value``, each value read
    (docs/cli.md), with the option as given, to name it."""
    from . import setpaths

    out = []
    for item in sets or ():
        field, sep, raw = item.partition("=")
        if not sep or not field.strip():
            raise Stop(
                EXIT_USAGE,
                f"--set {item!r}: write field=value",
                f"--set {item!r}：请写作 field=value",
            )
        field = field.strip()
        if setpaths.is_path(field) or setpaths.is_case_key(field):  # acts[1].amount, case.x
            try:
                setpaths.parse(field) if setpaths.is_path(field) else setpaths.case_key(field)
            except setpaths.SetPathError as err:
                raise Stop(EXIT_USAGE if err.usage else EXIT_BAD_FACTS, str(err), err.zh) from None
        out.append((field, _set_value(field, raw), f"--set {item}"))
    return out


def _apply_sets(facts: Any, sets: list[tuple[str, Any, str]], inputs: dict) -> Any:
    """The record with every ``--set`` value set in it, before the input adapters read it
    (docs/cli.md): an adapter then judges a value set so exactly as the same value in the
    file (a sixth QA round: ``--set credit_items=1`` replaced the total pi2017 computes from
    the acts, where the file's ``credit_items`` is refused). A mistake is blamed on the
    ``--set`` by ``_blame_set``."""
    from . import setpaths

    paths = [(f, v) for f, v, _ in sets if setpaths.is_path(f)]
    try:
        facts = setpaths.apply(facts, paths, inputs)
    except setpaths.SetPathError as err:
        raise Stop(EXIT_BAD_FACTS, str(err), err.zh) from None
    fields = [(f, v) for f, v, _ in sets if not setpaths.is_path(f)]
    if not fields:
        return facts
    if not isinstance(facts, dict):
        raise Stop(EXIT_BAD_FACTS, "--set needs the facts to be an object", "--set 要求事实是对象")
    return {**facts, **dict(fields)}


def _unknown_sets(facts: Any, sets: list[tuple[str, Any, str]], book, name, pm) -> None:
    """A field set that no adapter took and the rulebook does not declare is named by its
    ``--set``: what the rules make of the name, or the nearest fact to give (the rulebook's
    and its adapters' fields, less those an adapter always computes), or the schema."""
    from . import setpaths
    from .plugins import input_adapters

    inputs = book.rulebook.inputs
    if not isinstance(facts, dict):
        return
    for field, _, option in sets:
        if field in facts and field not in inputs and not setpaths.is_path(field):
            adapters = input_adapters(pm, name or book.rulebook.name)
            never = {c.field for a in adapters for c in a.computes if c.always}
            read = [f.name for a in adapters for f in a.fields]
            known = [f for f in [*inputs, *read] if f not in never]
            schema = f"ruleengine schema -r {name}" if name else "ruleengine schema --rules ..."
            said = setpaths.unknown_field(option, field, known, book.rulebook, schema)
            raise Stop.said(EXIT_BAD_FACTS, said)


def _set_value(field: str, raw: str) -> Any:
    """One ``--set`` value, read as one YAML value by the rules of YAML facts: what a YAML
    facts file refuses (050, 1:20, an alias) is refused here too, never taken as text; a
    list or an object only in brackets; an empty value is the empty text."""
    import yaml

    from .facts import loads_yaml

    where = f"--set {field}={raw}"
    if not raw.strip():
        return ""
    try:
        value = loads_yaml(raw, f"--set {field}")
    except yaml.YAMLError as err:
        what = _yaml_problem(err)
        raise Stop(EXIT_BAD_FACTS, f"{where}: {what.en}", f"{where}：{what.zh}") from None
    except (ValueError, RecursionError) as err:
        raise Stop(
            EXIT_BAD_FACTS, f"{where}: not a value ({err})", f"{where}：不是值（{err}）"
        ) from None
    quoted = f"--set '{field}=\"{raw}\"'"
    if value is None:
        raise Stop(
            EXIT_BAD_FACTS,
            f"{where}: null is no value for a fact; {quoted} gives a text",
            f"{where}：null 不能作为事实的值；{quoted} 表示文本",
        )
    if isinstance(value, (dict, list)) and raw.lstrip()[:1] not in ("[", "{"):
        shape, shape_zh = ("an object", "对象") if isinstance(value, dict) else ("a list", "列表")
        raise Stop(
            EXIT_BAD_FACTS,
            f"{where}: YAML reads this as {shape}; {quoted} gives a text",
            f"{where}：YAML 把它读作{shape_zh}；{quoted} 表示文本",
        )
    return value


#: The headings of a list of the facts' mistakes, (English, Chinese).
NOT_FITTING = ("the facts do not fit the rulebook's inputs", "事实与规则集的输入不符")
CASE_FILE = ("not a valid case file", "不是有效的案件文件")


def _facts_error(err, name: str, what: tuple[str, str] = NOT_FITTING) -> Stop:
    """Every mistake of ``err`` under a heading, in English and in Chinese."""

    def said(lang: str, heading: str, colon: str) -> str:
        lines = [f"{name}{colon}{heading}{colon.strip()}"]
        return "\n".join([*lines, *(f"  - {p.render(lang)}" for p in err.problems)])

    stop = Stop(EXIT_BAD_FACTS, said("en", what[0], ": "), said("zh", what[1], "："))
    stop.problems = list(err.problems)  # their field paths, for the HTTP service's errors
    return stop


def _evaluate(book, pm, rulebook_name, facts_path, as_of, sets, explain: bool, typed=False):
    """``[(person, decision or trace)]``: one per official or subject the record lists
    (``officials``/``subjects``), else one with an empty label. With ``typed``, each
    person's validated facts and the date they are judged at, for an analysis."""
    data, name = _read_facts(facts_path)
    day = _parse_date(as_of, "--as-of")
    return evaluate_record(book, pm, rulebook_name, data, name, day, sets, explain, typed)


def evaluate_record(book, pm, rulebook_name, data, name, day, sets, explain: bool, typed=False):
    """``_evaluate`` on a record already read (the HTTP service calls this): raises ``Stop``
    with the command line's message and exit code."""
    from .batch.records import BadLine, Fault, split_record, subject_facts
    from .facts import FactsError
    from .plugins import adapter_chain
    from .runtime import EvaluationError

    facts, day = _case(book, data, name, day)
    inputs = book.rulebook.inputs
    # Derivations are shown by explain only: the fast path neither converts nor keeps them.
    adapt = adapter_chain(pm, rulebook_name or book.rulebook.name, derivations=explain)
    sets = _read_sets(sets)
    facts, sets, persons_sets = _set_in_persons(facts, sets, inputs)
    try:
        people = split_record(facts, inputs) if isinstance(facts, dict) else [("", facts)]
    except BadLine as err:
        _blame_set_in_record(err, persons_sets)
        raise Stop(EXIT_BAD_FACTS, f"{name}: {err}", f"{name}：{err.zh}") from None
    results = []
    for label, raw in people:
        try:
            raw = _apply_sets(raw, sets, inputs)
            facts, notes = subject_facts(raw, inputs, adapt)
            _unknown_sets(facts, sets, book, rulebook_name, pm)
            if typed:  # the analyses decide changes of the record's own fields (acts) too
                from .analysis.adapted import analysed

                valid = book.validate(facts)
                mine = analysed(book, adapt, raw, valid, _read_fields(pm, rulebook_name, book))
                facts_ = mine.facts if mine is not book else valid
                results.append((label, (facts_, book.as_of(facts, day), mine)))
            elif explain:
                trace = book.explain(facts, day)
                trace.notes = notes
                results.append((label, trace))
            else:
                results.append((label, book.decide(facts, day)))
        except FactsError as err:
            _blame_set(err, sets + persons_sets, label)
            raise _facts_error(err, f"{name}: {label}" if label else name) from None
        except EvaluationError as err:
            text = f"cannot evaluate this case: {err.message}"
            if err.span is not None:
                text = f"{err.span.location()}: {text}\n{err.span.excerpt()}"
            raise Stop(EXIT_EVALUATION, text) from None
        except Fault as err:  # an input adapter failed: its bug, not the user's facts
            if err.cause != "plugin" or os.environ.get("RULEENGINE_DEBUG"):
                raise err.error or err from None
            where = f"{name}: {label}" if label else name
            raise Stop(EXIT_PLUGIN, f"{where}: {err.message}") from None
    return results


def _read_fields(pm, rulebook_name, book) -> list:
    """The fields of a record the rulebook's input adapters read (pi2017's ``acts``)."""
    from .plugins import input_adapters

    return [f for a in input_adapters(pm, rulebook_name or book.rulebook.name) for f in a.fields]


def _set_in_persons(facts: Any, sets: list, inputs: dict) -> tuple[Any, list, list]:
    """``(record, sets for each person, sets applied)``: on a record of several persons
    (``officials``, ``subjects``), a path through the list (``officials[1].acts[0].amount``)
    is set in the record, for that person alone; a path into a list of a person
    (``acts[0].amount``) is refused when there are several, since it would change every
    person's act (a fifth QA round: one ``--set`` raised all three officials' amounts)."""
    from . import setpaths
    from .batch.records import PERSON_LISTS

    if not isinstance(facts, dict):
        return facts, sets, []
    field = next((f for f in PERSON_LISTS if f in facts and f not in inputs), None)
    cased = [s for s in sets if setpaths.is_case_key(s[0])]
    try:
        for f, v, _ in cased:  # case.decided_on: in the shared case object (setpaths.py)
            facts = setpaths.set_in_case(facts, f, v, field)
    except setpaths.SetPathError as err:
        raise Stop(EXIT_BAD_FACTS, str(err), err.zh) from None
    if field is None:
        return facts, sets, []
    mine = [s for s in sets if setpaths.is_path(s[0]) and setpaths.parse(s[0])[0] == field]
    try:
        facts = setpaths.apply(facts, [(f, v) for f, v, _ in mine], {})
    except setpaths.SetPathError as err:
        raise Stop(EXIT_BAD_FACTS, str(err), err.zh) from None
    mine += cased
    rest = [s for s in sets if s not in mine]
    people = facts[field]
    if isinstance(people, list) and len(people) > 1:
        for f, _, option in rest:
            if setpaths.is_path(f):
                raise Stop(
                    EXIT_BAD_FACTS,
                    f"{option}: the case lists {len(people)} {field}, each with their own "
                    f"{setpaths.parse(f)[0]}; name whose, as in {field}[0].{f}",
                    f"{option}：案件列有 {len(people)} 个人员（{field}），各有各的 "
                    f"{setpaths.parse(f)[0]}；请写明是谁的，如 {field}[0].{f}",
                )
    return facts, rest, mine


def _blame_set_in_record(err, sets: list[tuple[str, Any, str]]) -> None:
    """``Stop`` naming the ``--set`` whose value splitting the record refused (``--set
    'officials[0]=1'``, ``--set case.decided_onn=...``), not the facts file (sixth QA round)."""
    for path, reason in err.problems:
        for field, _, option in sets:
            if path and (path == field or path.startswith((field + ".", field + "["))):
                reason = reason.removeprefix(f"{path}: ")
                raise Stop(EXIT_BAD_FACTS, f"{option}: {path}: {reason}", f"{option}：{err.zh}")


def _blame_set(err, sets: list[tuple[str, Any, str]], label: str = "") -> None:
    """``Stop`` naming the ``--set`` when the first problem is in a value it set (before the
    adapters read it: issue 9, ``--set 'name=[1]'`` was blamed on the facts file); a person's
    path is also read from the record (``officials[1]`` + ``acts[0].amount``)."""
    own = err.problems[0].path or ""
    person = label.split(" ", 1)[0]  # officials[1] (Wang)
    for field, _, option in sets:
        path = f"{person}.{own}" if person and field.startswith(person + ".") else own
        if path == field or path.startswith((field + ".", field + "[")):
            problem = err.problems[0]
            raise Stop(
                EXIT_BAD_FACTS,
                f"{option}: {path}: {problem.reason()}",
                f"{option}：{path}：{problem.reason('zh')}",
            )


def _unknown_facts(book, unknown: list[str] | None, pm=None, name=None) -> list[str]:
    """The facts named by ``--unknown``, each one the analysis can leave open (a field of
    the record the input adapters read too: ``acts[1].proven_duplicate``)."""
    if not unknown:
        return []  # the analysis is not even imported
    from .analysis.adapted import with_record_fields
    from .analysis.whatif import RequestError, parse_unknown

    named = with_record_fields(book.rulebook, _read_fields(pm, name, book)) if pm else book.rulebook
    try:
        return [parse_unknown(named, u) for u in unknown]
    except RequestError as err:
        raise Stop(EXIT_USAGE, str(err), err.zh) from None


def _analyse(book, trace, whatif: bool, unknown: list[str], facts=None) -> None:
    """What would change the outcome, and what unknown facts could decide, onto the trace;
    ``facts``, where the case's record has fields its adapters read (acts), holds them."""
    if not whatif and not unknown:
        return
    from .analysis.whatif import RequestError, changes, unknowns

    facts = trace.facts if facts is None else facts
    if hasattr(book, "notes"):  # the adapters' derivations, named beside a derived count
        book.notes = tuple(n for n in trace.notes if isinstance(n, dict) and "fact" in n)
    if whatif:
        trace.changes = changes(book, facts, trace.as_of)
    if unknown:
        try:
            trace.unknowns = unknowns(book, facts, trace.as_of, unknown)
        except RequestError as err:
            raise Stop(EXIT_USAGE, f"--unknown: {err}", f"--unknown：{err.zh}") from None
        except ValueError as err:
            raise Stop(EXIT_USAGE, f"--unknown: {err}") from None


def _color(color: bool | None) -> bool:
    if color is not None:
        return color
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _render(pm, fmt: str, trace, lang: str, color: bool) -> str:
    from .plugins import renderers

    available = renderers(pm)
    if fmt not in available:
        raise Stop(EXIT_USAGE, f"unknown format '{fmt}' (available: {', '.join(available)})")
    return available[fmt].render(trace, lang, color)  # a failure is PluginFailed, exit 6


def _decision_json(book, decision) -> dict:
    from .facts import to_json_value
    from .trace import _value_json

    rb = book.rulebook
    return {
        "rulebook": rb.name,
        "as_of": decision.as_of.isoformat(),
        "in_force": decision.in_force,
        "outcome": {
            n: _value_json(decision.conclusions[n], c.type) for n, c in rb.conclusions.items()
        },
        "conflicts": [
            {
                "conclusion": c.conclusion,
                "claims": [{"rule": r, "value": to_json_value(v)} for r, v in c.claims],
            }
            for c in decision.conflicts
        ],
    }


def _person_heading(label: str, results: list, lang: str) -> str:
    """``officials[1] (Wang)`` as a reader wants it: "Official 2 of 3: Wang"."""
    import re

    labels = [lab for lab, _ in results]
    number, total = labels.index(label) + 1, len(labels)
    m = re.fullmatch(r"(\w+)\[\d+\](?: \((.*)\))?", label)
    kind, name = (m.group(1), m.group(2)) if m else ("subjects", label)
    if lang == "zh":
        who = "人员" if kind == "officials" else "对象"
        return f"第{number}名{who}（共{total}名）" + (f"：{name}" if name else "")
    who = "Official" if kind == "officials" else "Person"
    return f"{who} {number} of {total}" + (f": {name}" if name else "")


def _per_person(items: list[tuple[str, dict]]) -> dict | list:
    """One result as it is; several (one per official) as a list labelled by person."""
    if len(items) == 1 and not items[0][0]:
        return items[0][1]
    return [{"person": label, **result} for label, result in items]


def _run(body, lang: str = "en") -> None:
    """Run a command body; map every expected failure to its exit code, never a traceback.
    A mistake in the facts is said in ``lang`` (``Stop.zh``)."""
    from .plugins import PluginFailed

    try:
        code = body() or EXIT_OK
        if sys.stdout is not None and not sys.stdout.closed:  # the language server closes it
            sys.stdout.flush()  # a full disk behind ``>`` is met here, not in Python's exit
    except Stop as stop:
        if stop.message:
            _err(stop.text(lang))
        code = stop.code
    except DiagnosticError as err:
        _print_diagnostics(err.diagnostics)
        code = EXIT_BAD_RULES
    except PluginFailed as err:
        if os.environ.get("RULEENGINE_DEBUG"):
            raise
        # Notes say where it happened (the call in the rule text).
        _err(err.report(lang))
        _err(
            "插件作者可设置 RULEENGINE_DEBUG=1 查看回溯信息"
            if lang == "zh"
            else "the plugin's author can see the traceback with RULEENGINE_DEBUG=1"
        )
        code = EXIT_PLUGIN
    except BrokenPipeError:
        # The reader (head, less) went away. Stopped here: click turns an EPIPE reaching it
        # into exit 1 ("conflict"; issue 9: ``explain ... | head -1``), which main()'s own
        # handler never sees.
        _quiet_stdout()
        code = EXIT_OK
    except (typer.Exit, typer.Abort, SystemExit, KeyboardInterrupt, Terminated):
        raise
    except OSError as err:
        if _output_failed(err):
            _said_output_failed(err, lang)
            code = EXIT_USAGE
        else:
            code = _internal_error(err)
    except Exception as err:  # a bug in ruleengine or a plugin, not the user's mistake
        code = _internal_error(err)
    raise typer.Exit(code)


def _internal_error(err: Exception) -> int:
    """A bug in ruleengine or a plugin, not the user's mistake: one line, exit 70."""
    if os.environ.get("RULEENGINE_DEBUG"):
        raise err
    _err(
        f"internal error: {err!r}\nThis is a bug in ruleengine or a plugin; "
        "run again with RULEENGINE_DEBUG=1 for details and please report it."
    )
    return EXIT_INTERNAL


def _said_output_failed(err: OSError, lang: str = "en") -> None:
    """Said as an output file that cannot be written is (docs/cli.md, exit 2): what was
    printed before the failure is all the reader has."""
    _quiet_stdout()
    where = err.filename or ("标准输出" if lang == "zh" else "standard output")
    reason = err.strerror or str(err)
    _err(f"{where}：无法写入（{reason}）" if lang == "zh" else f"{where}: cannot write ({reason})")


def _output_failed(err: OSError) -> bool:
    """Whether ``err`` is the system refusing to take what was written (a full disk, a quota,
    a file-size limit, a device error): not a bug, and said as such (``explain > /dev/full``
    was exit 70)."""
    import errno

    return err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS)


def _print_diagnostics(diags: list[Diagnostic]) -> None:
    errors = [d for d in diags if d.severity is Severity.ERROR]
    for d in diags:
        _err(d.render())
    if errors:
        _err(f"{len(errors)} error(s), {len(diags) - len(errors)} warning(s)")


# ------------------------------------------------------------------ commands
@app.command("eval")
def eval_(
    facts: FactsArg = None,
    rules: RulesOpt = None,
    rulebook: RulebookOpt = None,
    format: FormatOpt = "text",
    lang: LangOpt = Lang.en,
    as_of: AsOfOpt = None,
    set_: SetOpt = None,
    color: ColorOpt = None,
    unknown: UnknownOpt = None,
) -> None:
    """Evaluate one case and print the decision only (the fast path)."""

    def body():
        from .analysis.whatif import unknowns, unknowns_json

        pm = _pm()
        book, name = _load(pm, rules, rulebook)
        if format not in ("json", "text", "markdown"):
            raise Stop(EXIT_USAGE, f"eval prints text, json or markdown, not '{format}'")
        unknown_facts = _unknown_facts(book, unknown, pm, name)
        results = _evaluate(book, pm, name, facts, as_of, set_, explain=False)
        open_ = {}
        if unknown_facts:  # what the unknown facts could still decide, person by person
            typed = _evaluate(book, pm, name, facts, as_of, set_, explain=False, typed=True)
            for label, (facts_, day, mine) in typed:
                try:
                    open_[label] = unknowns(mine, facts_, day, unknown_facts)
                except ValueError as err:
                    where = f"{label}: " if label else ""
                    raise Stop(EXIT_USAGE, f"{where}--unknown: {err}") from None
        if format == "json":
            out = [(label, _decision_json(book, d)) for label, d in results]
            for (label, shown), (_, d) in zip(out, results):
                taken = {c for x in book.rulebook.lighters.values() for c in x.decides}
                shown["not_decided"] = sorted(book.epoch(d.as_of).undecided - taken)
                if label in open_:
                    shown["unknown_facts"] = unknowns_json(open_[label])
            typer.echo(json.dumps(_per_person(out), ensure_ascii=False, indent=2))
        else:
            from .render.explanation import local, show_date, show_value, word

            for label, decision in results:
                if len(results) > 1:
                    heading = _one_line(_person_heading(label, results, lang.value))
                    typer.echo(f"## {heading}" if format == "markdown" else f"[{heading}]")
                undecided = book.epoch(decision.as_of).undecided
                for n, c in book.rulebook.conclusions.items():
                    title = local(c.label, lang.value, n)
                    value = show_value(decision.conclusions[n], c.type, lang.value)
                    if n in undecided:
                        day = show_date(decision.as_of, lang.value)
                        value = word("undecided_not_in_force", lang.value, day=day)
                    value = _one_line(value)  # a text a case gave is shown, never obeyed
                    typer.echo(
                        f"- **{title}**: {value}" if format == "markdown" else f"{title}: {value}"
                    )
                for conflict in decision.conflicts:
                    rules_ = ", ".join(r for r, _ in conflict.claims)
                    typer.echo(f"conflict on {conflict.conclusion}: rules {rules_} disagree")
                if label in open_:
                    from .render.explanation import Explanation
                    from .render.whatif import unknowns_section

                    section = unknowns_section(book.rulebook, open_[label], lang.value)
                    shown = Explanation("", "", (section,))
                    if format == "markdown":
                        from .render.markdown import render_explanation as as_markdown

                        typer.echo(as_markdown(shown).split("\n", 3)[-1])
                    else:
                        from .render.text import render_explanation as as_text

                        typer.echo(as_text(shown, _color(color)).split("\n", 2)[-1], nl=False)
        return EXIT_FAILED if any(d.conflicts for _, d in results) else EXIT_OK

    _run(body, lang.value)


@app.command()
def explain(
    facts: FactsArg = None,
    rules: RulesOpt = None,
    rulebook: RulebookOpt = None,
    format: FormatOpt = "text",
    lang: LangOpt = Lang.en,
    as_of: AsOfOpt = None,
    set_: SetOpt = None,
    color: ColorOpt = None,
    whatif: Annotated[
        bool,
        typer.Option(
            "--whatif",
            help="Also what would change the outcome: the smallest changes of the facts that "
            "move each conclusion, each checked.",
        ),
    ] = False,
    unknown: UnknownOpt = None,
    show_text: Annotated[
        bool, typer.Option("--show-text", help="Quote each provision's own text.")
    ] = False,
) -> None:
    """Evaluate one case and explain the decision: provisions, figures, nearest miss."""

    def body():
        pm = _pm()
        book, name = _load(pm, rules, rulebook)
        unknown_facts = _unknown_facts(book, unknown, pm, name)
        results = _evaluate(book, pm, name, facts, as_of, set_, explain=True)
        typed = [(None, None, book)] * len(results)
        if whatif or unknown_facts:  # the analyses vary the record's own fields (acts) too
            typed = [t for _, t in _evaluate(book, pm, name, facts, as_of, set_, False, True)]
        for (_, trace), (facts_, _, mine) in zip(results, typed, strict=True):
            trace.show_text = show_text
            _analyse(mine, trace, whatif, unknown_facts, facts_)
        if format == "json" and len(results) > 1:
            out = [(label, trace.to_json()) for label, trace in results]
            sys.stdout.write(json.dumps(_per_person(out), ensure_ascii=False, indent=2) + "\n")
        else:
            for label, trace in results:
                if len(results) > 1:
                    heading = _one_line(_person_heading(label, results, lang.value))
                    sys.stdout.write(
                        f"\n---\n\n**{heading}**\n\n"
                        if format == "markdown"
                        else f"\n== {heading} ==\n"
                    )
                out = _render(pm, format, trace, lang.value, _color(color) and format == "text")
                sys.stdout.write(out if out.endswith("\n") else out + "\n")
        return EXIT_FAILED if any(t.decision.conflicts for _, t in results) else EXIT_OK

    _run(body, lang.value)


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(help="Rule files or folders.")] = None,
    rulebook: RulebookOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = False,
    prove: Annotated[
        bool,
        typer.Option(
            "--prove",
            help="Also prove, with an SMT solver, that no rules conflict, none is dead, no "
            "declared decision has a gap (docs/prove.md); needs ruleengine[prove].",
        ),
    ] = False,
    list_bound: Annotated[
        int, typer.Option("--list-bound", help="--prove: lists of facts up to this length.")
    ] = 3,
    witnesses: Annotated[
        str | None,
        typer.Option("--witnesses", help="--prove: write each witness case file here."),
    ] = None,
) -> None:
    """Check rule texts without running a case: syntax, names, types, cycles, warnings."""

    def body():
        if format not in ("text", "json"):
            raise Stop(EXIT_USAGE, f"check prints text or json, not '{format}'")
        if prove or witnesses is not None:
            if witnesses is not None and not witnesses.strip():
                # Path("") is ".": an empty value wrote into the current folder unasked.
                raise Stop(EXIT_USAGE, f"--witnesses {witnesses!r}: give the folder to write")
            folder = Path(witnesses) if witnesses is not None else None
            return _prove(paths, rulebook, format, list_bound, folder)
        pm = _pm()
        try:
            book, _ = _load(pm, paths, rulebook)
            diags = list(book.rulebook.warnings)
            failed = strict and bool(diags)
        except DiagnosticError as err:
            diags, failed, book = err.diagnostics, True, None
        if format == "json":
            typer.echo(
                json.dumps(
                    {"ok": not failed, "diagnostics": [d.to_json() for d in diags]},
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            _print_diagnostics(diags)
            if book is not None:
                rb = book.rulebook
                typer.echo(
                    f"{rb.name}: {len(rb.rules)} rules, {len(rb.inputs)} inputs, "
                    f"{len(rb.tests)} tests; {len(diags)} warning(s)"
                )
        return EXIT_BAD_RULES if failed else EXIT_OK

    _run(body)


def _prove(paths, rulebook, format: str, list_bound: int, witnesses: Path | None) -> int:
    """``check --prove``: exit 3 on any undeclared finding (docs/prove.md)."""
    from . import prove as prover

    if not prover.available():
        raise Stop(EXIT_USAGE, "--prove needs the SMT solver: pip install 'ruleengine[prove]'")
    if not 0 <= list_bound <= 20:
        raise Stop(EXIT_USAGE, f"--list-bound takes 0 to 20, not {list_bound}")
    from .plugins import adapter_chain, input_adapters
    from .prove.report import render_text, report_json, write_witnesses

    if witnesses is not None and witnesses.exists() and not witnesses.is_dir():
        raise Stop(
            EXIT_USAGE, f"--witnesses {witnesses}: not a folder (it names the folder to write)"
        )
    pm = _pm()
    try:
        book, name = _load(pm, paths, rulebook)
    except DiagnosticError as err:  # invalid rules: their diagnostics, as check gives them
        if format != "json":
            raise
        shown = [d.to_json() for d in err.diagnostics]
        typer.echo(json.dumps({"ok": False, "diagnostics": shown}, ensure_ascii=False, indent=2))
        return EXIT_BAD_RULES
    name = name or book.rulebook.name
    adapters = tuple(a.name for a in input_adapters(pm, name))
    adapt = adapter_chain(pm, name, derivations=False)
    report = prover.prove_rulebook(book, list_bound, adapt, adapters)
    if witnesses is not None:
        try:
            write_witnesses(report, witnesses)
        except OSError as err:
            raise Stop(
                EXIT_USAGE, f"--witnesses {witnesses}: cannot write ({err.strerror or err})"
            ) from None
    if format == "json":
        typer.echo(json.dumps(report_json(report), ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(render_text(report))
    return EXIT_BAD_RULES if report.undeclared else EXIT_OK


@app.command()
def test(
    rules: RulesOpt = None,
    rulebook: RulebookOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Test every installed rulebook.")] = False,
    coverage: Annotated[
        bool, typer.Option("--coverage", help="Report coverage by provision (docs/testing.md).")
    ] = False,
    fail_under: Annotated[
        str | None,
        typer.Option(
            "--fail-under", help="Exit 1 when under N% of outcomes seen (implies --coverage)."
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", "-f", help="The coverage report: text, markdown or json.")
    ] = "text",
) -> None:
    """Run the tests written beside the rules."""

    def body():
        from .plugins import PluginFailed, adapter_chain, rule_sources
        from .testing import run_tests

        if format not in ("text", "markdown", "json"):
            raise Stop(EXIT_USAGE, f"--format takes text, markdown or json, not {format!r}")
        if fail_under is not None:
            from .coverage import threshold

            least = threshold(fail_under)
            if least is None:
                raise Stop(
                    EXIT_USAGE, f"--fail-under takes a percentage, 0 to 100, not {fail_under!r}"
                )
        measured = [] if coverage or fail_under is not None else None
        # With a JSON report, stdout holds the report alone; the test results go to stderr.
        echo = functools.partial(typer.echo, err=measured is not None and format == "json")
        pm = _pm()
        if all_ or (not rules and not rulebook and len(rule_sources(pm)) != 1):
            names = sorted(rule_sources(pm))
        else:
            names = [None]  # the one named by --rules or --rulebook: its errors end the run
        passed = failed = 0
        broken: list[str] = []
        plugins: set[str] = set()  # those that failed in a test (PluginFailed)
        for name in names:
            try:
                book, name = _load(pm, rules, rulebook) if name is None else _load(pm, None, name)
            except DiagnosticError as err:
                if len(names) == 1:
                    raise
                # One broken rulebook is reported by name; the others are still tested.
                _print_diagnostics(err.diagnostics)
                echo(f"{name}: not tested: its rules have errors (listed above)")
                broken.append(name)
                continue
            except PluginFailed as err:  # a function's signature, as the rules are checked
                if len(names) == 1:
                    raise
                _err(err.report())
                echo(f"{name}: not tested: plugin '{err.plugin}' failed (above)")
                plugins.add(err.plugin)
                continue
            results = run_tests(book, adapter_chain(pm, name or book.rulebook.name))
            plugins.update(r.plugin for r in results if r.plugin)
            if measured is not None:
                from .coverage import measure

                measured.append(measure(book, results))
            for r in results:
                if not r.passed:
                    echo(r.render())
            p = sum(r.passed for r in results)
            passed, failed = passed + p, failed + len(results) - p
            echo(f"{book.rulebook.name}: {p} passed, {len(results) - p} failed")
        summary = f"{passed} passed, {failed} failed"
        if broken:
            summary += f"; not tested, rules with errors: {', '.join(broken)}"
        if plugins:
            summary += f"; a plugin failed: {', '.join(sorted(plugins))}"
        echo(summary)
        short = []
        if measured is not None:
            from .coverage import report, under

            typer.echo(report(measured, format))
            short = under(measured, least) if fail_under is not None else []
            for message in short:
                typer.echo(message, err=True)
        # Rules that do not load outrank a plugin's failure, which outranks failed tests:
        # the graver fault first; a plugin's bug is not the rules' wrong result.
        if broken:
            return EXIT_BAD_RULES
        return EXIT_PLUGIN if plugins else EXIT_FAILED if failed or short else EXIT_OK

    _run(body)


@app.command()
def plugins(
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """List the plugins: where each comes from, its health, what it provides, its clashes.

    Exits 6 when a plugin is disabled or lost a name clash, so a plugin's author (or CI) can
    check an installation.
    """

    def body():
        from .plugins import PROVIDES, plugin_report

        if format not in ("text", "json"):
            raise Stop(EXIT_USAGE, f"plugins prints text or json, not '{format}'")
        report = plugin_report(_pm(warn=False))
        healthy = all(p["health"] == "ok" and not p["clashes"] for p in report)
        if format == "json":
            data = {"ok": healthy, "plugins": report}
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return EXIT_OK if healthy else EXIT_PLUGIN
        for p in report:
            if p["health"] == "disabled":
                typer.echo(f"{p['name']}: disabled: {p['reason']}")
            else:
                clashes = len(p["clashes"])
                typer.echo(
                    f"{p['name']}: {p['health']}" + (f", {clashes} clash(es)" * bool(clashes))
                )
            where = (
                f"{p['distribution']} {p['version']}" if p["distribution"] else "no distribution"
            )
            if p["module"] and p["module"] != p["name"]:
                where += f" ({p['module']})"
            typer.echo(f"  from: {where}")
            for kind in PROVIDES:
                if p["provides"][kind]:
                    typer.echo(f"  {kind}: {', '.join(p['provides'][kind])}")
            for clash in p["clashes"]:
                typer.echo(f"  clash: {clash}")
        disabled = sum(p["health"] == "disabled" for p in report)
        clashes = sum(len(p["clashes"]) for p in report)
        typer.echo(
            f"{len(report)} plugins: {len(report) - disabled} ok, {disabled} disabled; "
            f"{clashes} name clash(es)"
        )
        return EXIT_OK if healthy else EXIT_PLUGIN

    _run(body)


@app.command()
def schema(
    rules: RulesOpt = None,
    rulebook: RulebookOpt = None,
    lang: LangOpt = Lang.en,
) -> None:
    """Print the JSON Schema of a rulebook's facts (its declared inputs)."""

    def body():
        from .plugins import input_adapters
        from .schema import facts_schema

        pm = _pm()
        book, name = _load(pm, rules, rulebook)
        adapters = input_adapters(pm, name or book.rulebook.name)
        computed = tuple(c for a in adapters for c in a.computes)
        schema = facts_schema(book.rulebook, lang.value, computed)
        typer.echo(json.dumps(schema, ensure_ascii=False, indent=2))
        return EXIT_OK

    _run(body, lang.value)


@app.command()
def rules(
    rules: RulesOpt = None,
    rulebook: RulebookOpt = None,
    lang: LangOpt = Lang.en,
) -> None:
    """List installed rulebooks, or the rules of one with their citations and titles."""

    def body():
        from .plugins import rule_sources
        from .render.explanation import citation, local

        pm = _pm()
        if not rules and not rulebook:
            for name, (plugin, source) in sorted(rule_sources(pm).items()):
                typer.echo(f"{name}\t{source.title}\t(plugin {plugin})")
            return EXIT_OK
        book, _ = _load(pm, rules, rulebook)
        rb = book.rulebook
        for name, rule in rb.rules.items():
            span = ""
            if rule.in_force_from or rule.in_force_until:
                span = f"  [{rule.in_force_from or '…'} – {rule.in_force_until or '…'}]"
            title = local(rule.title, lang.value)
            typer.echo(f"{name}\t{citation(rb, name, lang.value)}\t{title}{span}")
        return EXIT_OK

    _run(body, lang.value)


@app.command()
def fmt(
    paths: Annotated[list[str], typer.Argument(help="Rule files or folders; '-': stdin.")],
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; show diffs; exit 1 if any.")
    ] = False,
) -> None:
    """Put rule texts in the one canonical layout (docs/cli.md, "fmt")."""

    def body():
        from .fmt import format_paths, format_stream

        if paths == ["-"]:  # a filter, for editors: standard input to standard output
            text, changed = format_stream(sys.stdin.buffer, check)
            typer.echo(text, nl=False)
            return EXIT_FAILED if check and changed else EXIT_OK
        outcome = format_paths([Path(p) for p in paths], check)
        for text in outcome.diffs:
            typer.echo(text, nl=False)
        _print_diagnostics(outcome.diagnostics)
        verb = "would reformat" if check else "reformatted"
        for name, why in outcome.unwritten:
            _err(f"{name}: cannot write ({why}); left as it was")
        _err(
            "".join(f"{verb} {name}\n" for name in outcome.changed) + f"{verb}: "
            f"{len(outcome.changed)} file(s)"
        )
        if outcome.diagnostics:
            return EXIT_BAD_RULES
        if outcome.unwritten:
            return EXIT_USAGE
        return EXIT_FAILED if check and outcome.changed else EXIT_OK

    _run(body)


# ------------------------------------------------------------------ what-if (docs/whatif.md)
VaryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--vary",
        help="A fact to vary, FIELD or FIELD=LOW..HIGH (either end may be empty); twice for a "
        "plane.",
    ),
]


@app.command()
def whatif(
    facts: FactsArg = None,
    rules: RulesOpt = None,
    rulebook: RulebookOpt = None,
    vary: VaryOpt = None,
    format: FormatOpt = "text",
    lang: LangOpt = Lang.en,
    as_of: AsOfOpt = None,
    set_: SetOpt = None,
    color: ColorOpt = None,
) -> None:
    """Where along one fact (or two) the outcome changes, computed exactly and verified."""

    def body():
        from .analysis.adapted import with_record_fields
        from .analysis.whatif import RequestError, breakpoints, breakpoints_json, parse_vary
        from .render.whatif import breakpoints_explanation

        if not vary or len(vary) > 2:
            raise Stop(EXIT_USAGE, "give one or two --vary FIELD[=LOW..HIGH]")
        if format not in ("text", "json", "markdown"):
            raise Stop(EXIT_USAGE, f"whatif prints text, json or markdown, not '{format}'")
        pm = _pm()
        book, name = _load(pm, rules, rulebook)
        named = with_record_fields(book.rulebook, _read_fields(pm, name, book))
        try:
            ranges = [
                parse_vary(named, v, lambda raw, v=v: _set_value(v.partition("=")[0], raw))
                for v in vary
            ]
        except RequestError as err:
            raise Stop(EXIT_USAGE, str(err), err.zh) from None
        if len({r[0] for r in ranges}) < len(ranges):
            raise Stop(EXIT_USAGE, "--vary names the same fact twice", "--vary 两次指明同一事实")
        people = _evaluate(book, pm, name, facts, as_of, set_, explain=False, typed=True)
        outputs, code = [], EXIT_OK
        for label, (typed, day, mine) in people:
            try:
                found = breakpoints(mine, typed, day, ranges)
            except RequestError as err:
                raise Stop(
                    EXIT_USAGE,
                    f"{label}: {err}" if label else str(err),
                    f"{label}：{err.zh}" if label else err.zh,
                ) from None
            # As explain and eval: 5 when nothing in the range can be evaluated, 1 on a conflict.
            if found.fails:
                code = EXIT_EVALUATION
            elif found.conflicts and code == EXIT_OK:
                code = EXIT_FAILED
            if format == "json":
                outputs.append((label, {"as_of": day.isoformat(), **breakpoints_json(found)}))
            else:
                outputs.append((label, breakpoints_explanation(mine, found, day, lang.value)))
        if format == "json":
            typer.echo(json.dumps(_per_person(outputs), ensure_ascii=False, indent=2))
            return code
        for label, explanation in outputs:
            if len(outputs) > 1:
                heading = _person_heading(label, outputs, lang.value)
                sys.stdout.write(
                    f"\n== {heading} ==\n" if format == "text" else f"\n## {heading}\n\n"
                )
            if format == "markdown":
                from .render.markdown import render_explanation as as_markdown

                sys.stdout.write(as_markdown(explanation) + "\n")
            else:
                from .render.text import render_explanation as as_text

                sys.stdout.write(as_text(explanation, _color(color)))
        return code

    _run(body, lang.value)


# ------------------------------------------------------------------ batches (docs/batch.md)
CasesArg = Annotated[
    str,
    typer.Argument(
        help="Cases as JSON Lines, CSV or Parquet (by the suffix); '-' reads JSON Lines "
        "from standard input."
    ),
]
JobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", help="Worker processes; by default every core.")
]
InputFormatOpt = Annotated[
    str | None,
    typer.Option("--input-format", help="jsonl, csv or parquet; by default the file's suffix."),
]


def _batch_book(pm, rules, rulebook):
    """The rulebook, and its rule texts for worker processes to build it from."""
    from .batch.commands import Book
    from .batch.running import BookSpec, Context
    from .compiler import CompiledRulebook
    from .loader import check_sources, sources_of

    paths, name = _rule_paths(pm, rules, rulebook)
    label, sources = sources_of(paths, name)
    book = CompiledRulebook(check_sources(label, sources, pm))
    adapters = name or book.rulebook.name
    spec = BookSpec(label, tuple(sources), adapters)
    return Book(book, spec, lambda options: Context.with_plugins(book, pm, adapters, options))


def _report(lang: str = "en"):
    from .batch.commands import Report

    debug = os.environ.get("RULEENGINE_DEBUG")
    return Report(lambda text: _err(_one_line(text)), _err if debug else None, lang=lang)


def _batch(step):
    """Run a step of a batch command, its expected failures as exit codes."""
    from .batch.commands import BadInput, Usage
    from .batch.inputs import MissingExtra
    from .batch.writing import WriteFailed

    try:
        return step()
    except (Usage, MissingExtra, WriteFailed) as err:
        raise Stop(EXIT_USAGE, str(err)) from None
    except BadInput as err:
        raise Stop(EXIT_BAD_FACTS, str(err)) from None


def _jobs(jobs: int | None) -> int:
    from .batch.running import default_jobs

    if jobs is not None and jobs < 1:
        raise Stop(EXIT_USAGE, "--jobs: give 1 or more")
    most = MAX_JOBS_PER_CORE * default_jobs()
    if jobs is not None and jobs > most:
        # Each worker holds its own rulebook: thousands of them only exhaust the machine.
        raise Stop(
            EXIT_USAGE,
            f"--jobs {jobs}: at most {most} ({MAX_JOBS_PER_CORE} per core; this machine "
            f"has {default_jobs()})",
        )
    return jobs or default_jobs()


#: The most worker processes ``--jobs`` may ask for, per core (issue 9: ``--jobs 100000``).
MAX_JOBS_PER_CORE = 4


def _skipped_exit(by_cause: dict) -> int:
    """The gravest cause of a skipped line decides: a bug in ruleengine, then in a plugin,
    then the data."""
    from .batch.commands import exit_cause

    cause = exit_cause(by_cause)
    return {"ruleengine": EXIT_INTERNAL, "plugin": EXIT_PLUGIN, "data": EXIT_BAD_FACTS}.get(
        cause, EXIT_OK
    )


@app.command("run")
def run_(
    cases: CasesArg,
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="Results: .jsonl, .csv or .parquet (with --dask, a folder)."
        ),
    ],
    rules: RulesOpt = None,
    rulebook: RulebookOpt = None,
    as_of: AsOfOpt = None,
    trace: Annotated[bool, typer.Option("--trace", help="Each row with its JSON trace.")] = False,
    jobs: JobsOpt = None,
    dask: Annotated[
        str | None,
        typer.Option("--dask", help="Run on a Dask cluster: its scheduler's address, or 'local'."),
    ] = None,
    input_format: InputFormatOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", help="Totals as text or json.")] = "text",
    lang: Annotated[
        Lang, typer.Option("--lang", help="Language of the skipped lines said (and errors file).")
    ] = Lang.en,
) -> None:
    """Decide every case of a file: a result row per person, and the lines not decided."""

    def body():
        from .batch import commands

        if format not in ("text", "json"):
            raise Stop(EXIT_USAGE, f"run prints its totals as text or json, not '{format}'")
        day = _parse_date(as_of, "--as-of")
        workers = _jobs(jobs)
        book = _batch_book(_pm(), rules, rulebook)
        totals = _batch(
            lambda: commands.run_cases(
                book,
                cases,
                output,
                input_format=input_format,
                as_of=day,
                trace=trace,
                jobs=workers,
                dask=dask,
                report=_report(lang.value),
            )
        )
        name = book.book.rulebook.name
        if format == "json":
            data = {"rulebook": name, "output": output, "totals": totals.to_json()}
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            typer.echo(commands.totals_text(name, totals, output))
        return _skipped_exit(totals.skipped)

    _run(body, lang.value)


@app.command()
def diff(
    cases: Annotated[str, typer.Argument(help="Cases as JSON Lines, CSV or Parquet.")],
    rules: RulesOpt = None,
    rulebook: RulebookOpt = None,
    as_of: AsOfOpt = None,
    against_rules: Annotated[
        list[Path] | None,
        typer.Option("--against-rules", help="The other version of the rules (files)."),
    ] = None,
    against_rulebook: Annotated[
        str | None, typer.Option("--against-rulebook", help="The other rulebook (installed).")
    ] = None,
    against_as_of: Annotated[
        str | None, typer.Option("--against-as-of", help="The other date (YYYY-MM-DD).")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Conclusions whose transition tables to show (A,B,...)."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="Changes listed (0: none); --changes writes all.")
    ] = 20,
    changes: Annotated[
        str | None,
        typer.Option("--changes", help="Write every change to a .csv, .jsonl or .parquet file."),
    ] = None,
    errors: Annotated[
        str | None,
        typer.Option(
            "--errors",
            help="Write every line skipped on either side here (JSON Lines); by default "
            "CHANGES.errors.jsonl with --changes.",
        ),
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text, markdown or json.")] = "text",
    lang: LangOpt = Lang.en,
    color: ColorOpt = None,
    jobs: JobsOpt = None,
    input_format: InputFormatOpt = None,
) -> None:
    """The same cases under two dates or two versions of the rules: what changes."""

    def body():
        from .batch import commands, summaries
        from .batch import diff as diffs

        if format not in ("text", "json", "markdown"):
            raise Stop(EXIT_USAGE, f"diff prints text, markdown or json, not '{format}'")
        if limit < 0:
            raise Stop(EXIT_USAGE, "--limit: give 0 or more")
        other_rules = bool(against_rules or against_rulebook)
        if not other_rules and against_as_of is None:
            raise Stop(
                EXIT_USAGE,
                "diff compares two dates (--as-of A --against-as-of B) or two versions of the "
                "rules (--rules OLD --against-rules NEW, or --rulebook A --against-rulebook B)",
            )
        day = _parse_date(as_of, "--as-of")
        other_day = _parse_date(against_as_of, "--against-as-of") if against_as_of else day
        workers = _jobs(jobs)
        pm = _pm()
        old = _batch_book(pm, rules, rulebook)
        new = _batch_book(pm, against_rules, against_rulebook) if other_rules else old
        if other_rules:
            labels = (old.book.rulebook.name, new.book.rulebook.name)
            if labels[0] == labels[1]:
                labels = ("old", "new")
        else:
            labels = (as_of or "own dates", against_as_of)  # no --as-of: each case's date
        names = [n.strip() for n in by.split(",")] if by is not None else None
        result = _batch(
            lambda: commands.diff(
                old,
                new,
                cases,
                labels=labels,
                input_format=input_format,
                as_of=(day, other_day),
                jobs=workers,
                by=names,
                limit=limit,
                changes=changes,
                errors=errors,
                report=_report(lang.value),
            )
        )
        if format == "json":
            typer.echo(json.dumps(diffs.to_json(result), ensure_ascii=False, indent=2))
        elif format == "markdown":
            parts = diffs.sections(result, old.book, lang.value)
            sys.stdout.write(summaries.render_markdown(diffs.headlines(result), parts))
        else:
            parts = diffs.sections(result, old.book, lang.value)
            sys.stdout.write(summaries.render_tables(diffs.headlines(result), parts, _color(color)))
        return _skipped_exit(result.skipped_by_cause)

    _run(body, lang.value)


@app.command()
def summary(
    cases: Annotated[
        str,
        typer.Argument(
            help="Cases (JSON Lines, CSV, Parquet; '-' reads standard input), or results "
            "written by 'run'."
        ),
    ],
    rules: RulesOpt = None,
    rulebook: RulebookOpt = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="A conclusion to count by, or two (A,B) for a cross-tab."),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", help="Only persons with CONCLUSION=VALUE (or !=, >=, ...)."),
    ] = None,
    provisions: Annotated[
        bool, typer.Option("--provisions", help="How often each provision decided.")
    ] = False,
    format: Annotated[
        str, typer.Option("--format", "-f", help="text, markdown, csv or json.")
    ] = "text",
    lang: LangOpt = Lang.en,
    as_of: AsOfOpt = None,
    color: ColorOpt = None,
    jobs: JobsOpt = None,
    input_format: InputFormatOpt = None,
) -> None:
    """Count persons and cases by conclusion (or two, crossed), from cases or results."""

    def body():
        from .batch import commands, summaries

        if format not in ("text", "json", "markdown", "csv"):
            raise Stop(EXIT_USAGE, f"summary prints text, markdown, csv or json, not '{format}'")
        day = _parse_date(as_of, "--as-of")
        workers = _jobs(jobs)
        book = _batch_book(_pm(), rules, rulebook)
        names = [n.strip() for n in by.split(",")] if by is not None else None
        result = _batch(
            lambda: commands.summary(
                book,
                cases,
                input_format=input_format,
                as_of=day,
                jobs=workers,
                by=names,
                where=where or [],
                provisions=provisions,
                report=_report(lang.value),
            )
        )
        out = book.book
        if format == "json":
            data = summaries.to_json(result, out, lang.value)
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        elif format == "csv":
            sys.stdout.write(summaries.render_csv(result, out, lang.value))
        elif format == "markdown":
            parts = summaries.sections(result, out, lang.value)
            sys.stdout.write(
                summaries.render_markdown(summaries.headlines(result, lang.value), parts)
            )
        else:
            sys.stdout.write(summaries.render_text(result, out, lang.value, _color(color)))
        return _skipped_exit(result.totals["lines_skipped_by_cause"])

    _run(body, lang.value)


# ------------------------------------------------------------------ serve (docs/server.md)
@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; localhost by default.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 8000,
    rules: RulesOpt = None,
    token_file: Annotated[
        Path | None,
        typer.Option("--token-file", help="A file holding a bearer token every request needs."),
    ] = None,
    allow_rule_texts: Annotated[
        bool, typer.Option("--allow-rule-texts", help="Accept rule texts posted to /rules/*.")
    ] = False,
    max_body: Annotated[int, typer.Option(help="Largest request body, in bytes.")] = 10_000_000,
    max_lines: Annotated[int, typer.Option(help="Most cases in one /run batch.")] = 100_000,
    timeout: Annotated[
        float, typer.Option(help="Seconds for one request (for /run, for each case).")
    ] = 30.0,
) -> None:
    """Serve the rulebooks over HTTP: a JSON API and explanation pages for a browser."""

    def body():
        try:
            import uvicorn

            from .server import Settings, create_app
        except ImportError as err:
            raise Stop(
                EXIT_USAGE,
                f"serve needs the 'serve' extra: pip install 'ruleengine[serve]' ({err})",
            ) from None
        from .facts import InputFileError, read_input

        if min(max_body, max_lines) < 1 or not timeout > 0:
            raise Stop(EXIT_USAGE, "--max-body, --max-lines and --timeout must be above 0")
        token = None
        if token_file is not None:
            try:
                token = read_input(str(token_file), 4096).decode("utf-8").strip()
            except (InputFileError, UnicodeDecodeError) as err:
                raise Stop(EXIT_USAGE, f"{token_file}: cannot read the token ({err})") from None
            if not token:
                raise Stop(EXIT_USAGE, f"{token_file}: the token file is empty")
        for path in rules or ():
            if not path.exists():
                raise Stop(EXIT_BAD_RULES, f"{path}: no such file or folder")
        settings = Settings(
            tuple(rules or ()), token, allow_rule_texts, max_body, max_lines, timeout
        )
        application = create_app(settings)  # a rule file's errors: exit 3, listed
        for name, diagnostics in application.state.library.broken:
            _err(f"warning: rulebook '{name}' not served: its rules have errors")
            _print_diagnostics(diagnostics)
        if host not in ("127.0.0.1", "localhost", "::1") and token is None:
            _err(
                f"warning: listening on {host} with no --token-file: anyone who can reach it "
                "can use it"
            )
        listening = _listening(host, port)  # a port in use, an unknown host: said, exit 2
        _err(f"serving {len(application.state.library.books)} rulebook(s) on http://{host}:{port}/")
        server = uvicorn.Server(uvicorn.Config(application, log_level="warning"))
        server.run(sockets=[listening])
        return EXIT_OK

    _run(body)


def _listening(host: str, port: int):
    """A socket listening on ``host:port``, or a usage error naming them: uvicorn, left to
    bind it, printed tracebacks and exit 70 for a port past 65535, and its own exit 3 (the
    code of invalid rules here) for a port in use or a host that is none (a seventh QA round)."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as err:
        raise Stop(
            EXIT_USAGE, f"--host {host} --port {port}: cannot listen ({err.strerror or err})"
        ) from None


@app.command()
def doc(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The folder to write the site into.")
    ],
    rules: RulesOpt = None,
    rulebook: RulebookOpt = None,
    lang: LangOpt = Lang.en,
) -> None:
    """The law woven with its rules: HTML and Markdown, article by article (docs/doc.md)."""

    def body():
        try:
            import jinja2  # noqa: F401
        except ImportError as err:
            raise Stop(
                EXIT_USAGE, f"doc needs the 'doc' extra: pip install 'ruleengine[doc]' ({err})"
            ) from None
        from .doc.command import generate
        from .doc.site import NotOurs
        from .plugins import adapter_chain

        if output.exists() and not output.is_dir():
            raise Stop(EXIT_USAGE, f"{output}: not a folder (--output names the folder to write)")
        pm = _pm()
        book, name = _load(pm, rules, rulebook)
        try:
            written = generate(book, adapter_chain(pm, name or book.rulebook.name), output, lang)
        except NotOurs as err:
            raise Stop(EXIT_USAGE, str(err)) from None
        except OSError as err:
            raise Stop(EXIT_USAGE, f"{output}: cannot write ({err.strerror or err})") from None
        _err(f"wrote {len(written)} files to {output}; open {output / 'index.html'}")
        return EXIT_OK

    _run(body, lang.value)


@app.command()
def lsp() -> None:
    """The language server for editors, on standard input/output (docs/editors.md)."""

    def body():
        try:
            from .lsp.server import main as serve_lsp
        except ImportError as err:
            raise Stop(
                EXIT_USAGE, f"lsp needs the 'lsp' extra: pip install 'ruleengine[lsp]' ({err})"
            ) from None
        return serve_lsp()  # 1 for ``exit`` before ``shutdown``, as the LSP spec has it

    _run(body)


def main() -> None:
    from .pipes import outlive_readers

    _stop_on_sigterm()
    outlive_readers()
    # A character standard output's encoding cannot hold (an en dash or Chinese on a latin-1
    # console) is written as an escape, as Python writes standard error: never a crash.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        app()
    except KeyboardInterrupt as stop:
        if not getattr(stop, "said", False):  # ``run`` says how far it went (docs/batch.md)
            _err("interrupted")
        sys.exit(130)
    except Terminated as stop:
        if not getattr(stop, "said", False):
            _err("terminated")
        sys.exit(stop.code)
    except BrokenPipeError:
        # The reader (head, less) went away: stop quietly, as Unix tools do.
        _quiet_stdout()
        sys.exit(EXIT_OK)
    except OSError as err:  # help or a usage message on a full disk (``--help > /dev/full``)
        if not _output_failed(err):
            raise
        _said_output_failed(err)
        sys.exit(EXIT_USAGE)


def _stop_on_sigterm() -> None:
    """SIGTERM stops the command as Ctrl-C does, running its clean-ups (issue 9: a run
    killed so left ``.OUT.*.tmp`` and ``ruleengine-rows-*`` behind), with exit 143. A worker
    process forked from this one dies of it at once, as it would have."""
    import signal

    me = os.getpid()

    def stop(signum, frame):
        if os.getpid() != me:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated(128 + signum)  # said by main(), once the clean-ups have run

    signal.signal(signal.SIGTERM, stop)


def _quiet_stdout() -> None:
    """Standard output to /dev/null once its reader has gone, so that flushing what is left
    at exit raises nothing (the process's own stdout only, not a test runner's)."""
    if sys.stdout is sys.__stdout__ and sys.__stdout__ is not None:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
