"""What each route computes, without HTTP: a case in, JSON (or a trace) out.

Facts are read and evaluated by the command line's own functions (``cli.evaluate_record``
and its JSON reader), so a request's mistake is named with the same field path, message and
exit code as the same mistake in a file; ``ServiceError`` carries them to the HTTP layer.
"""

from __future__ import annotations

import datetime
from typing import Any

from ruleengine_dsl.diagnostics import DiagnosticError

from .. import cli
from ..plugins import PluginFailed

#: The HTTP status of each exit code of the command line (docs/cli.md).
STATUS = {
    cli.EXIT_USAGE: 400,
    cli.EXIT_BAD_RULES: 422,
    cli.EXIT_BAD_FACTS: 422,
    cli.EXIT_EVALUATION: 422,
    cli.EXIT_PLUGIN: 500,
    cli.EXIT_INTERNAL: 500,
}
KINDS = {
    cli.EXIT_USAGE: "bad_request",
    cli.EXIT_BAD_RULES: "invalid_rules",
    cli.EXIT_BAD_FACTS: "invalid_facts",
    cli.EXIT_EVALUATION: "cannot_evaluate",
    cli.EXIT_PLUGIN: "plugin_failed",
    cli.EXIT_INTERNAL: "internal_error",
}


class ServiceError(Exception):
    """A request that cannot be answered: an HTTP status, the command line's exit code and
    message (``zh``: the same in Chinese, as ``--lang zh`` says it, where it is said so),
    and the field paths (or rule diagnostics) at fault."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        problems: list | None = None,
        diagnostics: list | None = None,
        kind: str | None = None,
        zh: str | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.zh = status, code, message, zh
        self.problems = problems or []
        self.diagnostics = diagnostics or []
        self.kind = kind or KINDS.get(code, "error")

    def to_json(self, lang: str = "en") -> dict:
        """The error in English, what machines read; with ``lang`` "zh", its message in
        Chinese beside (``"zh": {"message"}``), and each problem's (``FactProblem.to_json``)."""
        error: dict[str, Any] = {"kind": self.kind, "exit_code": self.code}
        error["message"] = self.message
        if lang == "zh":
            error["zh"] = {"message": self.text("zh")}
        if self.problems:
            error["problems"] = [p.to_json(lang) for p in self.problems]
        if self.diagnostics:
            error["diagnostics"] = [d.to_json() for d in self.diagnostics]
        return {"error": error}

    def text(self, lang: str) -> str:
        """The message in ``lang`` (in English where it has no Chinese)."""
        return self.zh if lang == "zh" and self.zh else self.message


def guarded(work, *args):
    """``work(*args)``, each expected failure as a ``ServiceError``, as ``cli._run`` maps them
    to exit codes; anything else is a bug (500, its message never the traceback)."""
    try:
        return work(*args)
    except ServiceError:
        raise
    except cli.Stop as stop:
        raise ServiceError(
            STATUS[stop.code], stop.code, stop.message, stop.problems, zh=stop.zh
        ) from None
    except DiagnosticError as err:
        message = "; ".join(d.message for d in err.diagnostics[:3])
        raise ServiceError(422, cli.EXIT_BAD_RULES, message, diagnostics=err.diagnostics) from None
    except PluginFailed as err:
        raise ServiceError(500, cli.EXIT_PLUGIN, str(err), zh=err.text("zh")) from None
    except RecursionError:
        raise ServiceError(422, cli.EXIT_BAD_FACTS, "nested too deeply", zh="嵌套过深") from None
    except Exception as err:  # a bug in ruleengine or a plugin
        raise ServiceError(
            500, cli.EXIT_INTERNAL, f"internal error: {type(err).__name__}; please report it"
        ) from err


def parse_body(raw: bytes, name: str = "<request>") -> Any:
    """A JSON request body read as a facts file is (exact numbers, no field twice)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise cli.Stop(
            cli.EXIT_BAD_FACTS, f"{name}: not UTF-8 text", f"{name}：不是 UTF-8 文本"
        ) from None
    if not text.strip():
        raise cli.Stop(
            cli.EXIT_USAGE,
            f"{name}: no case given (a JSON object)",
            f"{name}：没有给出案件（一个 JSON 对象）",
        )
    return cli._parse_json(text, name)


def as_of_date(text: str | None) -> datetime.date | None:
    return cli._parse_date(text, "as_of")


def people(book, pm, name, data, day, explain: bool, typed=False, source="<request>") -> list:
    """``[(person, decision or trace)]`` of one case, as ``ruleengine eval``/``explain``."""
    return cli.evaluate_record(book, pm, name, data, source, day, None, explain, typed)


def decision_json(book, label_and_decisions: list) -> Any:
    """What ``ruleengine eval --format json`` prints for the same case."""
    out = []
    for label, decision in label_and_decisions:
        shown = cli._decision_json(book, decision)
        shown["not_decided"] = sorted(book.epoch(decision.as_of).undecided)
        out.append((label, shown))
    return cli._per_person(out)


def evaluate(book, pm, name: str, data: Any, as_of: str | None, source="<request>") -> Any:
    found = people(book, pm, name, data, as_of_date(as_of), False, source=source)
    return decision_json(book, found)


def traces(book, pm, name: str, data: Any, as_of: str | None, whatif: bool) -> list:
    """The traces of ``ruleengine explain [--whatif] --show-text``."""
    found = people(book, pm, name, data, as_of_date(as_of), explain=True)
    for _, trace in found:
        trace.show_text = True
        cli._analyse(book, trace, whatif, [])
    return found


def explain_json(found: list) -> Any:
    return cli._per_person([(label, trace.to_json()) for label, trace in found])


def explain_markdown(pm, found: list, lang: str) -> str:
    parts = []
    for label, trace in found:
        if len(found) > 1:
            parts.append(f"\n---\n\n**{cli._person_heading(label, found, lang)}**\n\n")
        parts.append(cli._render(pm, "markdown", trace, lang, False))
    return "".join(parts)


def whatif(book, pm, name: str, data: Any, as_of: str | None, vary: list[str]) -> Any:
    """``ruleengine whatif --vary`` (one or two facts) as JSON; with nothing to vary, the
    smallest changes that move each conclusion (``explain --whatif``'s analysis)."""
    from ..analysis.whatif import (
        RequestError,
        breakpoints,
        breakpoints_json,
        changes,
        changes_json,
        parse_vary,
    )

    if len(vary) > 2:
        raise cli.Stop(cli.EXIT_USAGE, "give at most two facts to vary")
    try:
        ranges = [parse_vary(book.rulebook, v) for v in vary]
    except RequestError as err:
        raise cli.Stop(cli.EXIT_USAGE, str(err), err.zh) from None
    if len({r[0] for r in ranges}) < len(ranges):
        raise cli.Stop(cli.EXIT_USAGE, "vary names the same fact twice", "vary 两次指明同一事实")
    out = []
    for label, (facts, day, mine) in people(book, pm, name, data, as_of_date(as_of), False, True):
        try:
            if ranges:
                result = breakpoints_json(breakpoints(mine, facts, day, ranges))
            else:
                result = changes_json(changes(mine, facts, day))
        except RequestError as err:
            raise cli.Stop(cli.EXIT_USAGE, str(err), err.zh) from None
        out.append((label, {"as_of": day.isoformat(), **result}))
    return cli._per_person(out)


#: A skipped line's cause (docs/batch.md) as the command line's exit code and the error's kind.
SKIP_CAUSES = {
    "data": (cli.EXIT_BAD_FACTS, "invalid_case"),
    "plugin": (cli.EXIT_PLUGIN, "plugin_failed"),
    "ruleengine": (cli.EXIT_INTERNAL, "internal_error"),
}


def batch_context(book, pm, name: str):
    """What deciding a line needs, as ``ruleengine run -r NAME`` builds it: the batch
    package's ``Context`` with the rulebook's input adapters, deciding by the per-case path
    (``decide_each``). ``/run`` decides one line at a time, and the columnar path that
    ``run`` takes for a chunk costs some 0.8 ms of CPU to set up for a chunk of one line
    against 0.07 ms for the whole case one by one (bench/README.md); the two paths give the
    same rows (tests/test_columnar.py holds them to it)."""
    from ..batch import Context, Options
    from ..batch.running import decide_each

    context = Context.with_plugins(book, pm, name, Options())
    context.decide = decide_each
    return context


def run_line(context, number: int, text: str | None, problem: str | None) -> dict:
    """One line of a batch, decided by the batch package's ``decide_chunk`` (the function
    ``ruleengine run`` decides its chunks with), so each row is the row ``run`` writes for
    the same line: ``{"line", "rows": [...]}``, one row per person, or ``{"line", "error"}``
    with the reason ``run`` gives in its errors file. A bad line costs only its own answer."""
    from ..batch import decide_chunk

    decided = decide_chunk(context, [(number, text, problem)])
    for skipped in decided.skipped:
        code, kind = SKIP_CAUSES.get(skipped.cause, SKIP_CAUSES["ruleengine"])
        error: dict[str, Any] = {"kind": kind, "exit_code": code, "message": skipped.reason}
        if skipped.field:
            error["problems"] = [{"field": skipped.field, "message": skipped.reason}]
        error.update(cause=skipped.cause, case=skipped.case)
        return {"line": number, "error": error}
    names = context.schema.names
    return {"line": number, "rows": [dict(zip(names, row)) for row in decided.rows]}
