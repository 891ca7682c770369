"""Facts: reading them exactly and validating them against the declared inputs.

Every value is checked against its declared type before any rule runs. A missing, misspelt
or ill-typed field is reported by its path (``acts[2].items``) with what was expected and
what was found; all such mistakes in one case are reported together (the first
``MAX_PROBLEMS``, then "and N more"), with those an input adapter hands on (``hand_on``).

JSON numbers are read as ``Decimal`` (so ``0.1`` stays one tenth); YAML is read by the same
rules (plain decimals only, no key given twice). Binary floating-point numbers handed in
through the Python API are refused, not rounded. Input adapters read the fields they use with
``read_value``/``read_field``, so a record is held to the same rules before validation.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, BinaryIO

import attrs

from .ir import MISSING, FieldSpec
from .types import (
    Duration,
    EnumType,
    ListType,
    LocalText,
    MoneyType,
    RecordType,
    Type,
    format_number,
    normalize,
)

#: Bounds on what one case may hold.
MAX_LIST_ITEMS = 100_000
MAX_DEPTH = 32
MAX_DIGITS = 40
MAX_FACTS_BYTES = 50_000_000
#: YAML is read in pure Python, far slower and larger than JSON: a YAML file is at most this
#: big, with at most this many values (about 30,000 acts of 5 fields; larger cases as JSON).
MAX_YAML_BYTES = 5_000_000
MAX_YAML_NODES = 200_000
#: At most this many problems are listed for one case; the rest are counted ("and N more").
MAX_PROBLEMS = 20
#: Unknown fields are counted, not kept, past this many (a million of them cost a line).
MAX_UNKNOWN_KEPT = 100

_CURRENCY_WORDS = {"CNY": "CNY", "yuan": "CNY", "元": "CNY", "RMB": "CNY", "¥": "CNY"}


@attrs.frozen
class FactProblem:
    """One mistake in the facts: where (a field path) and what."""

    path: str
    message: str
    help: str | None = None

    def render(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} ({self.help})" if self.help else text

    def to_json(self) -> dict:
        return {"field": self.path, "message": self.message, "help": self.help}


class FactsError(Exception):
    """The facts of a case do not fit the declared inputs."""

    def __init__(self, problems: list[FactProblem], source: str | None = None):
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(p.render() for p in problems))


@attrs.frozen
class Refused:
    """The problems an input adapter found in the fields of a record it reads, handed on to
    validation (``hand_on``) instead of raised: validation reports them with its own, so a
    record's mistakes are all reported at once, wherever each was found."""

    problems: tuple[FactProblem, ...]


#: The key under which ``hand_on`` puts an adapter's problems: no rulebook can declare it, and
#: no facts file can give a ``Refused`` value.
HANDED_ON = "\x00input adapter"


def hand_on(facts: dict, problems: Iterable[FactProblem]) -> dict:
    """``facts`` carrying an adapter's ``problems`` to validation, which reports them (each
    once, by its path) with the mistakes it finds in the rest of the record."""
    return {**facts, HANDED_ON: Refused(tuple(problems))}


def bounded(problems: list[FactProblem], hidden: int = 0) -> list[FactProblem]:
    """The first ``MAX_PROBLEMS`` problems, then "and N more" for the rest (and ``hidden``,
    problems counted but not kept)."""
    more = max(0, len(problems) - MAX_PROBLEMS) + hidden
    if not more:
        return problems
    return [*problems[:MAX_PROBLEMS], FactProblem("", f"and {more} more")]


class _Invalid(Exception):
    def __init__(self, message: str, help: str | None = None):
        super().__init__(message)
        self.message = message
        self.help = help


def describe_expected(t: Type, minimum: int | None = None) -> str:
    if t.kind == "integer":
        return "a whole number ≥ 0" if minimum == 0 else "a whole number"
    if isinstance(t, MoneyType):
        return f'an amount of money in {t.currency} (a number, or "5000 {t.currency}")'
    if t.kind == "decimal":
        return 'an exact number (for example 12.5 or "1/3")'
    if t.kind == "bool":
        return "true or false"
    if t.kind == "date":
        return "a date (YYYY-MM-DD)"
    if t.kind == "duration":
        return 'a duration (for example "2 years" or "30 days")'
    if t.kind == "text":
        return "a text"
    if isinstance(t, EnumType):
        shown = ", ".join(t.members[:8]) + (", ..." if len(t.members) > 8 else "")
        return f"one of {shown}"
    if isinstance(t, RecordType):
        return f"a {t.name} record (an object with fields {', '.join(t.fields)})"
    if isinstance(t, ListType):
        if isinstance(t.element, RecordType):
            return f"a list of {t.element.name} records"
        return f"a list, each item {describe_expected(t.element, t.minimum)}"
    return t.describe()


def _shown(raw: Any) -> str:
    if isinstance(raw, str):
        text = raw if len(raw) <= 40 else raw[:37] + "..."
        return json.dumps(text, ensure_ascii=False)
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (dict, list, tuple)):
        return "an object" if isinstance(raw, dict) else "a list"
    if isinstance(raw, int) and raw.bit_length() > 4 * MAX_DIGITS:
        return f"a number of more than {MAX_DIGITS} digits"
    if isinstance(raw, (int, Decimal, Fraction, datetime.date)):
        text = str(raw)
    else:  # what an adapter or a YAML tag made: named by its kind, never by its own code
        return f"a value of type {type(raw).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def _exact(raw: Any) -> int | Fraction:
    """An exact number from an int, Decimal, Fraction or a decimal/fraction string."""
    if type(raw) is str:  # the commonest form in JSON facts: tried first
        text = raw.strip()
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")  # "1,234,567.50": thousands in groups of three only
        m = _DECIMAL_TEXT.fullmatch(text)
        if m:
            # "4999.50" is exactly 499950/100, read straight from its digits.
            whole, places = m.group(1), m.group(2) or ""
            if len(whole) + len(places) > MAX_DIGITS + 1:
                raise _Invalid(f"number has more than {MAX_DIGITS} digits")
            value = int(whole + places)
            return normalize(Fraction(value, 10 ** len(places))) if places else value
        m = _FRACTION_TEXT.fullmatch(text)
        if m:
            if int(m.group(2)) == 0:
                raise _Invalid(f"got {_shown(raw)}, a fraction with denominator 0")
            return _exact(Fraction(int(m.group(1)), int(m.group(2))))
        raise _Invalid(f"got {_shown(raw)}")
    if isinstance(raw, bool):
        raise _Invalid(f"got {_shown(raw)}")
    if isinstance(raw, int):
        # By bits first: str() of a huge int is itself refused (and slow) past 4,300 digits.
        if raw.bit_length() > 4 * MAX_DIGITS or len(str(abs(raw))) > MAX_DIGITS:
            raise _Invalid(f"number has more than {MAX_DIGITS} digits")
        return raw
    if isinstance(raw, Fraction):
        return normalize(raw)
    if isinstance(raw, float):
        raise _Invalid(
            f"got the binary floating-point number {raw!r}",
            'give it as a string such as "0.1" or as a Decimal, so that it stays exact',
        )
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise _Invalid(f"got {raw}")
        if len(raw.as_tuple().digits) > MAX_DIGITS or abs(raw.as_tuple().exponent) > MAX_DIGITS:
            raise _Invalid(f"number has more than {MAX_DIGITS} digits")
        return normalize(Fraction(raw))
    raise _Invalid(f"got {_shown(raw)}")


# ASCII digits only: "６０" and other scripts' digits are not read as numbers.
_DECIMAL_TEXT = re.compile(r"(-?[0-9]+)(?:\.([0-9]+))?")
_FRACTION_TEXT = re.compile(r"(-?[0-9]+)/([0-9]+)")
_GROUPED = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def convert(raw: Any, t: Type, minimum: int | None = None, depth: int = 0) -> Any:
    """Turn one raw value into the runtime value of type ``t``, or raise ``_Invalid``."""
    if depth > MAX_DEPTH:
        raise _Invalid(f"nested more than {MAX_DEPTH} levels deep")
    kind = t.kind
    if kind == "integer":
        value = _exact(raw)
        if not isinstance(value, int):
            raise _Invalid(f"got {format_number(value)}, which is not a whole number")
        if minimum is not None and value < minimum:
            raise _Invalid(f"got {value}, but it cannot be below {minimum}")
        return value
    if isinstance(t, MoneyType) or kind == "decimal":
        value = _money(raw, t) if isinstance(t, MoneyType) else _exact(raw)
        if minimum is not None and value < minimum:
            raise _Invalid(f"got {format_number(value)}, but it cannot be below {minimum}")
        return value
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        raise _Invalid(f"got {_shown(raw)}")
    if kind == "date":
        if isinstance(raw, datetime.datetime):
            raise _Invalid(f"got a date and time {raw.isoformat()}; give the date only")
        if isinstance(raw, datetime.date):
            return raw
        day = parse_date(raw) if isinstance(raw, str) else None
        if day is not None:
            return day
        raise _Invalid(f"got {_shown(raw)}")
    if kind == "duration":
        if isinstance(raw, Duration):
            return raw
        if isinstance(raw, str):
            m = re.fullmatch(r"\s*(\d{1,6})\s*(years?|months?|weeks?|days?)\s*", raw)
            if m:
                return Duration.of(int(m.group(1)), m.group(2))
        raise _Invalid(f"got {_shown(raw)}")
    if kind == "text":
        if isinstance(raw, str):
            try:
                raw.encode("utf-8")
            except UnicodeEncodeError:
                raise _Invalid("got text that is not valid Unicode (a lone surrogate)") from None
            return raw
        if isinstance(raw, LocalText):
            return raw
        if isinstance(raw, dict) and raw and set(raw) <= {"zh", "en"}:
            if all(isinstance(v, str) for v in raw.values()):
                return LocalText(tuple(sorted(raw.items())))
        raise _Invalid(f"got {_shown(raw)}")
    if isinstance(t, EnumType):
        return _member(raw, t)
    if isinstance(t, RecordType):
        if not isinstance(raw, dict):
            raise _Invalid(f"got {_shown(raw)}")
        return validate_fields(raw, list(t.fields.values()), depth + 1)
    if isinstance(t, ListType):
        if not isinstance(raw, (list, tuple)):
            raise _Invalid(f"got {_shown(raw)}")
        if len(raw) > MAX_LIST_ITEMS:
            raise _Invalid(f"a list of {len(raw)} items; at most {MAX_LIST_ITEMS} are allowed")
        out, problems = [], []
        for i, item in enumerate(raw):
            try:
                out.append(convert(item, t.element, t.minimum, depth + 1))
            except _Invalid as err:
                problems.append(FactProblem(f"[{i}]", err.message, err.help))
            except FactsError as err:
                problems.extend(_within(f"[{i}]", p) for p in err.problems)
        if problems:
            raise FactsError(problems)
        return tuple(out)
    raise _Invalid(f"values of type {t.describe()} cannot be given as facts")


def _money(raw: Any, t: MoneyType) -> int | Fraction:
    currency = t.currency
    amount = raw
    if isinstance(raw, dict):
        if set(raw) - {"amount", "currency"} or "amount" not in raw:
            raise _Invalid(f"got {_shown(raw)}", 'write {"amount": "5000", "currency": "CNY"}')
        amount, currency = raw["amount"], raw.get("currency", t.currency)
    elif isinstance(raw, str):
        m = _MONEY_TEXT.fullmatch(raw)
        if m:
            amount = m.group(2)
            currency = m.group(3) or ("CNY" if m.group(1) else t.currency)
    currency = _CURRENCY_WORDS.get(currency, currency)
    if currency != t.currency:
        raise _Invalid(f"got an amount in {currency}; this field is in {t.currency}")
    return _exact(amount)


_MONEY_TEXT = re.compile(r"\s*(¥)?\s*([-0-9.,/]+)\s*([A-Za-z]{3}|yuan|元)?\s*")


def _member(raw: Any, t: EnumType) -> str:
    if isinstance(raw, str):
        if raw in t.members:
            return raw
        for member, label in t.labels.items():
            if label is not None and raw in dict(label.values).values():
                return member
        close = difflib.get_close_matches(raw, t.members, n=1)
        whose = f"{t.name}'s members" if t.name else "the members"
        raise _Invalid(
            f"got {_shown(raw)}, which is not one of {whose}",
            f"did you mean {close[0]!r}?" if close else describe_expected(t),
        )
    raise _Invalid(f"got {_shown(raw)}")


def parse_date(text: str) -> datetime.date | None:
    """A calendar date written YYYY-MM-DD, and only that way; None otherwise."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _within(prefix: str, problem: FactProblem) -> FactProblem:
    """A problem found inside the value at ``prefix``, named by its full path."""
    if not problem.path:
        return attrs.evolve(problem, path=prefix)
    sep = "" if problem.path.startswith("[") else "."
    return attrs.evolve(problem, path=f"{prefix}{sep}{problem.path}")


def validate_fields(raw: dict, fields: list[FieldSpec], depth: int = 0) -> dict:
    """Validate a mapping against field specs; returns typed values with defaults filled in."""
    if not isinstance(raw, dict):
        raise FactsError([FactProblem("", f"the facts must be an object, got {_shown(raw)}")])
    by_name = {f.name: f for f in fields}
    problems: list[FactProblem] = []
    handed: tuple[FactProblem, ...] = ()
    hidden = 0
    for key in raw:
        if key == HANDED_ON and isinstance(raw[key], Refused):
            handed = raw[key].problems
            continue
        if not isinstance(key, str):
            problems.append(
                FactProblem(
                    _shown(key),
                    "a field's name must be a text",
                    "YAML reads ~, null, yes, no, on, off and numbers as values, not names: "
                    "quote the name",
                )
            )
            continue
        if key not in by_name:
            if len(problems) >= MAX_UNKNOWN_KEPT:
                hidden += 1  # counted, not listed: a million unknown fields say so in a line
                continue
            close = difflib.get_close_matches(key, list(by_name), n=1)
            problems.append(
                FactProblem(
                    str(key),
                    "unknown field",
                    f"did you mean {close[0]!r}?"
                    if close
                    else f"known fields: {', '.join(by_name)}",
                )
            )
    out: dict[str, Any] = {}
    for spec in fields:
        if spec.name not in raw:
            if spec.default is MISSING:
                problems.append(
                    FactProblem(
                        spec.name,
                        "missing",
                        f"expected {describe_expected(spec.type, spec.minimum)}",
                    )
                )
            else:
                out[spec.name] = spec.default
            continue
        try:
            out[spec.name] = convert(raw[spec.name], spec.type, spec.minimum, depth)
        except _Invalid as err:
            expected = describe_expected(spec.type, spec.minimum)
            problems.append(FactProblem(spec.name, f"expected {expected}, {err.message}", err.help))
        except FactsError as err:
            problems.extend(_within(spec.name, p) for p in err.problems)
    if handed:  # an adapter's problems first, in the record's order; each reported once
        seen = set(handed)
        problems = [*handed, *(p for p in problems if p not in seen)]
    if depth:  # a record within the facts: its problems are bounded with the whole case's
        if hidden:
            problems.append(FactProblem("", f"and {hidden} more unknown fields"))
        hidden = 0
    if problems:
        raise FactsError(bounded(problems, hidden) if not depth else problems)
    return out


def convert_value(raw: Any, t: Type, minimum: int | None = None) -> Any:
    """Convert one value (a default, a parameter value, a test expectation).

    Raises ``ValueError`` with a readable message.
    """
    try:
        return convert(raw, t, minimum)
    except _Invalid as err:
        raise ValueError(
            f"expected {describe_expected(t, minimum)}, {err.message}"
            + (f" ({err.help})" if err.help else "")
        ) from None
    except FactsError as err:
        raise ValueError("; ".join(p.render() for p in err.problems)) from None


# ------------------------------------------------------------------ reading one field (adapters)
# An input adapter reads the user's record before the rulebook validates it. It must read each
# field it uses exactly as validation would (the same rules, the same bounds, the same message),
# and name the field by the user's path, so these are the core's own readers, made public.


def read_value(
    raw: Any,
    t: Type,
    path: str,
    minimum: int | None = None,
    *,
    problems: list[FactProblem] | None = None,
) -> Any:
    """``raw`` read as a fact of type ``t`` is read (``ruleengine.types``: ``INTEGER``,
    ``MoneyType("CNY")``, ``TEXT``, ``BOOL``, ``DATE``, ``enum_type(...)``, ...).

    Returns the runtime value (an int or Fraction for numbers and money, a member's name, a
    ``datetime.date``, ...). A value that does not fit raises ``FactsError`` naming ``path``
    (``acts[2].amount``); with ``problems`` given, the problem is appended to it and ``None``
    returned instead, so that an adapter can report every mistake of a record together.
    """
    try:
        return convert(raw, t, minimum)
    except _Invalid as err:
        expected = describe_expected(t, minimum)
        found = [FactProblem(path, f"expected {expected}, {err.message}", err.help)]
    except FactsError as err:
        found = [_within(path, p) for p in err.problems]
    if problems is None:
        raise FactsError(found)
    problems.extend(found)
    return None


def read_field(
    record: dict,
    key: str,
    t: Type,
    at: str = "",
    minimum: int | None = None,
    *,
    default: Any = MISSING,
    problems: list[FactProblem] | None = None,
) -> Any:
    """``record[key]`` read as ``read_value`` reads it, named ``at.key`` (``acts[2].amount``).

    An absent key gives ``default``; without one it is reported as validation reports a
    missing field.
    """
    if key in record:
        try:  # the common case first, without building the path
            return convert(record[key], t, minimum)
        except (_Invalid, FactsError):
            pass
    elif default is not MISSING:
        return default
    path = f"{at}.{key}" if at else key
    if key in record:
        return read_value(record[key], t, path, minimum, problems=problems)
    found = [FactProblem(path, "missing", f"expected {describe_expected(t, minimum)}")]
    if problems is None:
        raise FactsError(found)
    problems.extend(found)
    return None


def enum_type(name: str, members: Iterable[str] | Mapping[str, Any]) -> EnumType:
    """An enumeration for ``read_value``: member names, or ``{member: labels}`` where the labels
    (``{"zh": ..., "en": ...}``, a ``(zh, en)`` pair or a ``LocalText``) also name the member,
    as the rule language's labels do."""
    labels: dict[str, LocalText | None] = {}
    if isinstance(members, Mapping):
        for member, label in members.items():
            if isinstance(label, tuple):
                label = dict(zip(("zh", "en"), label, strict=True))
            if isinstance(label, dict):
                label = LocalText(tuple(sorted(label.items())))
            labels[member] = label
    else:
        labels = dict.fromkeys(members)
    return EnumType(name=name, members=tuple(labels), labels=labels)


# ------------------------------------------------------------------ reading files
class InputFileError(Exception):
    """A facts or cases file that cannot be read; the message says why."""


def open_input(path: str, streams: bool = False) -> BinaryIO:
    """A user's file opened for reading: a regular file, or with ``streams`` also a pipe.

    A folder, a device (``/dev/zero``, a terminal) or a socket is refused before a byte is
    read, since reading it may never end; so is a pipe unless ``streams`` (a reader that
    takes its input line by line may read one as it reads standard input).
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputFileError("no such file") from None
    except OSError as err:
        raise InputFileError(f"cannot read ({err.strerror})") from None
    if stat.S_ISDIR(mode):
        raise InputFileError("a folder, not a file")
    if stat.S_ISFIFO(mode) and streams:
        return open(path, "rb")  # waits for a writer, as standard input does
    if not stat.S_ISREG(mode):
        raise InputFileError(f"{_file_kind(mode)}, not a regular file; {_STDIN_HINT}")
    try:
        # Without blocking: should the path have become a pipe since, opening does not wait.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as err:
        raise InputFileError(f"cannot read ({err.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputFileError(f"{_file_kind(mode)}, not a regular file; {_STDIN_HINT}")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


_STDIN_HINT = "give a file, or '-' to read standard input"


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def read_input(path: str, limit: int = MAX_FACTS_BYTES) -> bytes:
    """The bytes of a regular file (``open_input``), refused past ``limit``: never more than
    ``limit + 1`` bytes are read, whatever the file claims to hold."""
    with open_input(path) as stream:
        if os.fstat(stream.fileno()).st_size > limit:
            raise InputFileError(f"larger than {limit} bytes")
        try:
            data = stream.read(limit + 1)
        except OSError as err:
            raise InputFileError(f"cannot read ({err.strerror})") from None
    if len(data) > limit:
        raise InputFileError(f"larger than {limit} bytes")
    return data


class FactsJSONError(json.JSONDecodeError):
    """JSON that parses but cannot be facts (a field given twice, NaN, a number of thousands
    of digits, nesting past ``MAX_DEPTH``), placed as a syntax error is: ``pos``, ``lineno``,
    ``colno``, so that the message shows the line and a caret."""


def loads_json(text: str) -> Any:
    """JSON with exact numbers: decimals become ``Decimal``, never float; a field given twice
    in one object, NaN/Infinity, a number of thousands of digits or nesting too deep for the
    parser is a ``FactsJSONError`` at its place rather than a silent choice."""
    text = text.removeprefix("\ufeff")
    try:
        return json.loads(
            text,
            parse_float=_decimal,
            parse_int=_whole,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError:
        raise
    except ValueError:
        found = _locate(text, deep=False)
        if found is None:  # not found again: said without a place, never lost
            raise
        raise FactsJSONError(found[1], text, found[0]) from None
    except RecursionError:
        found = _locate(text, deep=True)
        if found is None:
            raise
        raise FactsJSONError(found[1], text, found[0]) from None


# The tokens of JSON text already known to parse up to its mistake: a string, a bracket or
# punctuation, or a bare word (a number, true, false, null, NaN, Infinity).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


def _locate(text: str, deep: bool) -> tuple[int, str] | None:
    """Where, and why, JSON the parser refused as facts goes wrong: the bracket opening a
    level past ``MAX_DEPTH`` (``deep``), else the first field given twice in an object, NaN or
    Infinity, or number too long. Run only once parsing has failed, so its cost is the error's."""
    stack: list[set | None] = []  # per open bracket: an object's keys so far, or None (a list)
    expect_key = False
    for m in _JSON_TOKEN.finditer(text):
        token = m.group()
        if token in ("{", "["):
            stack.append(set() if token == "{" else None)
            expect_key = token == "{"
            if deep and len(stack) > MAX_DEPTH:
                return m.start(), f"nested too deeply (facts hold at most {MAX_DEPTH} levels)"
        elif token in ("}", "]"):
            if stack:
                stack.pop()
            expect_key = False
        elif token == ",":
            expect_key = bool(stack) and stack[-1] is not None
        elif token == ":":
            expect_key = False
        elif deep:
            continue
        elif expect_key and token.startswith('"'):
            keys = stack[-1]
            try:
                key = json.loads(token)
            except ValueError:  # past the mistake the parser met: not found
                return None
            if key in keys:
                return m.start(), f"field {key!r} is given twice"
            keys.add(key)
        elif not token.startswith('"') and token not in ("true", "false", "null"):
            try:
                if token in ("NaN", "Infinity", "-Infinity"):
                    _reject_constant(token)
                elif any(c in token for c in ".eE"):
                    _decimal(token)
                else:
                    _whole(token)
            except ValueError as err:
                return m.start(), str(err)
    return None


def _whole(digits: str) -> int:
    """A JSON integer; one of thousands of digits is refused here, by length, rather than by
    Python's own limit with a message about its internals."""
    if len(digits.lstrip("-")) > 1000:
        raise ValueError(f"a number of {len(digits.lstrip('-')):,} digits is not a fact")
    return int(digits)


def _decimal(digits: str) -> Decimal:
    if len(digits) > 1000:
        raise ValueError(f"a number written with {len(digits):,} characters is not a fact")
    return Decimal(digits)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"field {key!r} is given twice")
        out[key] = value
    return out


def loads_yaml(text: str, name: str = "<facts>") -> Any:
    """YAML read as a lawyer reads it, and as JSON facts are read.

    Numbers are plain decimals only, read exactly (floats become ``Decimal``): YAML 1.1 reads
    ``050`` as 40 (octal), ``0x40`` as 64, ``0b111111`` as 63 and ``1:20`` as 80 (base 60),
    so these, ``08``, ``+5``, ``.5``, ``1.``, ``.inf`` and ``.nan`` are refused with how to
    write them; ``_`` may group thousands (``1_000``), as ``,`` may in a number given as
    text. A field given twice in one object is refused, as in JSON, and so are aliases
    (``*name``: a few lines of them can stand for billions of values) and merge keys (``<<``).
    Every refusal is a ``yaml.MarkedYAMLError`` naming the line and column.
    """
    import io

    stream = io.StringIO(text.removeprefix("\ufeff"))
    stream.name = name  # so that YAML's own messages name the file
    loader = _facts_loader()(stream)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# Plain decimals, as JSON writes them; "_" may group thousands in threes (1_000_000), as ","
# may in a number given as text ("1,000,000"): unambiguous to a reader, so read, while "10_00"
# (or a lakh grouping, 1_00_000) is refused like "10,00".
_WHOLE = r"-?(?:0|[1-9][0-9]{0,2}(?:_[0-9]{3})+|[1-9][0-9]*)"
_PLAIN_INT = re.compile(_WHOLE)
_PLAIN_FLOAT = re.compile(_WHOLE + r"\.[0-9]+(?:[eE][-+]?[0-9]+)?")


_LEADING_ZERO = re.compile(r"-?0[0-9]+(?:\.[0-9]*)?")


def _plainly(text: str) -> str:
    """A YAML 1.1 number written as a plain decimal, as a reader takes it: 050 is 50,
    1_000 is 1000, +5 is 5, .5 is 0.5, 1. is 1."""
    sign = "-" if text.startswith("-") else ""
    whole, _, places = text.replace("_", "").lstrip("+-").partition(".")
    whole = whole.lstrip("0") or "0"
    return sign + whole + (f".{places}" if places else "")


@functools.cache
def _facts_loader():
    """The YAML loader of ``loads_yaml`` (built on first use: PyYAML loads only when needed)."""
    import yaml
    from yaml.constructor import ConstructorError, SafeConstructor

    class FactsLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"an alias (*{event.anchor}) is not read in facts; write the value out",
                    event.start_mark,
                )
            # PyYAML builds every node in pure Python, about a kilobyte each: a bound on their
            # number keeps a hostile file within the machine (a list of millions of zeros).
            self.nodes = getattr(self, "nodes", 0) + 1
            if self.nodes > MAX_YAML_NODES:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"more than {MAX_YAML_NODES:,} values in one YAML file; give a case this "
                    "large as JSON",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):
            if not isinstance(node, yaml.MappingNode):
                return super().construct_mapping(node, deep=deep)
            out: dict = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise ConstructorError(
                        None, None, "a merge key (<<) is not read in facts", key_node.start_mark
                    )
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, str):
                    # An adapter reads the record before the core's validation does: a name
                    # that YAML made a value (off: False) is refused here, at its line.
                    raise ConstructorError(
                        None,
                        None,
                        "a field's name must be a text, and YAML reads "
                        + (
                            f"{key_node.value!r} as a value (~, null, yes, no, on, off and "
                            "numbers are values): quote the name"
                            if isinstance(key_node, yaml.ScalarNode)
                            else "this key as a list or an object"
                        ),
                        key_node.start_mark,
                    )
                given = key in out
                if given:
                    raise ConstructorError(
                        None, None, f"field {key!r} is given twice", key_node.start_mark
                    )
                out[key] = self.construct_object(value_node, deep=deep)
            return out

        def construct_yaml_int(self, node):
            text = self.construct_scalar(node)
            if _PLAIN_INT.fullmatch(text):
                if len(text.lstrip("-").replace("_", "")) > MAX_DIGITS:
                    raise ConstructorError(
                        None, None, f"number has more than {MAX_DIGITS} digits", node.start_mark
                    )
                return int(text)
            raise ConstructorError(None, None, _not_plain(text, node), node.start_mark)

        def construct_yaml_float(self, node):
            text = self.construct_scalar(node)
            if _PLAIN_FLOAT.fullmatch(text):
                return Decimal(text.replace("_", ""))
            raise ConstructorError(None, None, _not_plain(text, node), node.start_mark)

        def construct_yaml_str(self, node):
            text = super().construct_yaml_str(node)
            if node.style is None and _LEADING_ZERO.fullmatch(text):  # 08, 09.5: plain, unquoted
                raise ConstructorError(
                    None,
                    None,
                    f"{text} is ambiguous (a number with a leading zero); write "
                    f'{_plainly(text)}, or quote it ("{text}") to give a text',
                    node.start_mark,
                )
            return text

        def construct_yaml_timestamp(self, node):
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError as err:  # 2024-02-30
                text = self.construct_scalar(node)
                raise ConstructorError(
                    None, None, f"{text} is not a date in the calendar ({err})", node.start_mark
                ) from None

    def _not_plain(text: str, node) -> str:
        """Why a number YAML 1.1 reads is refused, and how to write it."""
        quote = f'or quote it ("{text}") to give a text'
        if ":" in text:
            return (
                f"{text} is a base-60 number in YAML 1.1 (1:20 is 80), not a plain decimal "
                f"number; write the number as a lawyer reads it, {quote}"
            )
        if text.lower().lstrip("+-") in (".inf", ".nan"):
            return f'{text} is not a number facts can hold; quote it ("{text}") to give a text'
        if len(text) > MAX_DIGITS + 3:  # a sign, a point and a prefix besides the digits
            return f"number has more than {MAX_DIGITS} digits"
        try:  # what YAML 1.1 makes of it
            value = SafeConstructor.construct_yaml_int(FactsLoader(""), node)
        except (ValueError, IndexError):  # not an integer to YAML either (!!int "abc", "")
            value = None
        digits = text.replace("_", "").lstrip("+-")
        if value is not None and digits[:2] in ("0x", "0b"):
            kind = "hexadecimal" if digits[:2] == "0x" else "binary"
            return f"{text} is a {kind} number in YAML 1.1 ({value}); write {value}, {quote}"
        plain = _plainly(text)
        if not any(c.isdigit() for c in text) or not (
            _PLAIN_FLOAT.fullmatch(plain) or _PLAIN_INT.fullmatch(plain)
        ):
            return f"{text} is not a plain decimal number (such as 50 or 12.5); {quote}"
        if value is not None and value != Decimal(plain):  # 050: octal
            return (
                f"{text} is ambiguous: YAML 1.1 reads a leading zero as octal ({value}); "
                f"write {plain} (or {value}), {quote}"
            )
        return f"{text} is not a plain decimal number; write {plain}, {quote}"

    FactsLoader.add_constructor("tag:yaml.org,2002:int", FactsLoader.construct_yaml_int)
    FactsLoader.add_constructor("tag:yaml.org,2002:float", FactsLoader.construct_yaml_float)
    FactsLoader.add_constructor("tag:yaml.org,2002:str", FactsLoader.construct_yaml_str)
    FactsLoader.add_constructor("tag:yaml.org,2002:timestamp", FactsLoader.construct_yaml_timestamp)
    return FactsLoader


def to_json_value(value: Any) -> Any:
    """A runtime value as JSON: exact numbers as strings when not whole."""
    if type(value) is int or type(value) is str:  # the commonest, first
        return value
    if type(value) is Fraction:
        return value.numerator if value.denominator == 1 else format_number(value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        value = normalize(value)
        return value if isinstance(value, int) else format_number(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, LocalText):
        return value.to_json()
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, (frozenset, set)):
        # Sets have no order of their own; sorted, so that a trace is the same in every run.
        return sorted((to_json_value(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return str(value)
