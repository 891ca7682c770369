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
class Said:
    """A message in English and in Chinese: a mistake in the facts is reported in the language
    of ``--lang``, while the English stays what machines read (docs/cli.md)."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@attrs.frozen
class FactProblem:
    """One mistake in the facts: where (a field path) and what, in English (``message``,
    ``help``: stable, for machines) and in Chinese (``zh``, ``help_zh``). Every problem the
    engine and its plugins report gives both; one a third party gives in English only is
    shown in English whatever the language."""

    path: str
    message: str
    help: str | None = None
    # Not part of a problem's identity: the same mistake, said in Chinese.
    zh: str | None = attrs.field(default=None, kw_only=True, eq=False)
    help_zh: str | None = attrs.field(default=None, kw_only=True, eq=False)

    @classmethod
    def said(cls, path: str, message: Said, help: Said | None = None) -> FactProblem:
        """A problem from bilingual texts."""
        return cls(
            path,
            message.en,
            help.en if help else None,
            zh=message.zh,
            help_zh=help.zh if help else None,
        )

    def reason(self, lang: str = "en") -> str:
        """What is wrong, with its help, without the path: "missing (expected a date)"."""
        if lang == "zh" and self.zh:
            help = self.help_zh or self.help
            return f"{self.zh}（{help}）" if help else self.zh
        return f"{self.message} ({self.help})" if self.help else self.message

    def render(self, lang: str = "en") -> str:
        """``path: reason`` (``path：reason`` in Chinese)."""
        if not self.path:
            return self.reason(lang)
        colon = "：" if lang == "zh" and self.zh else ": "
        return f"{self.path}{colon}{self.reason(lang)}"

    def to_json(self, lang: str = "en") -> dict:
        """The field, message and help in English; with ``lang`` "zh", the Chinese beside."""
        out = {"field": self.path, "message": self.message, "help": self.help}
        if lang == "zh":
            out["zh"] = {"message": self.zh or self.message, "help": self.help_zh or self.help}
        return out


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
    return [
        *problems[:MAX_PROBLEMS],
        FactProblem.said("", Said(f"and {more} more", f"另有 {more} 项")),
    ]


class _Invalid(Exception):
    """Why one value is refused, in both languages (``Said``)."""

    def __init__(self, said: Said, help: Said | None = None):
        if not isinstance(said, Said) or not isinstance(help, (Said, type(None))):
            raise TypeError("a refusal is said in English and Chinese (facts.Said)")
        super().__init__(said.en)
        self.said = said
        self.help = help

    @property
    def message(self) -> str:
        return self.said.en


def _problem(path: str, expected: Said, err: _Invalid) -> FactProblem:
    """ "expected a whole number ≥ 0, got -1" at ``path``."""
    said = Said(f"expected {expected.en}, {err.said.en}", f"应为{expected.zh}，{err.said.zh}")
    return FactProblem.said(path, said, err.help)


def _got(raw: Any, en: str = "", zh: str = "") -> _Invalid:
    """ "got "abc"": the value refused, shown (with ``en``/``zh`` after it)."""
    return _Invalid(Said(f"got {_shown(raw)}{en}", f"实际为 {_shown(raw, 'zh')}{zh}"))


def _too_many_digits() -> _Invalid:
    return _Invalid(Said(f"number has more than {MAX_DIGITS} digits", f"数字超过 {MAX_DIGITS} 位"))


def describe_expected(t: Type, minimum: int | None = None, lang: str = "en") -> str:
    """What a value of ``t`` is, as a message says it ("a whole number ≥ 0", "非负整数")."""
    if lang == "zh":
        return _expected_zh(t, minimum)
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
        article = "an" if t.name[:1].lower() in "aeiou" else "a"
        return f"{article} {t.name} record (an object with fields {', '.join(t.fields)})"
    if isinstance(t, ListType):
        if isinstance(t.element, RecordType):
            return f"a list of {t.element.name} records"
        return f"a list, each item {describe_expected(t.element, t.minimum)}"
    return t.describe()


def _expected_zh(t: Type, minimum: int | None) -> str:
    if t.kind == "integer":
        return "非负整数（≥ 0）" if minimum == 0 else "整数"
    if isinstance(t, MoneyType):
        return f'以 {t.currency} 计的金额（数字，或 "5000 {t.currency}"）'
    if t.kind == "decimal":
        return '精确数值（例如 12.5 或 "1/3"）'
    if t.kind == "bool":
        return "true 或 false"
    if t.kind == "date":
        return "日期（YYYY-MM-DD）"
    if t.kind == "duration":
        return '期间（例如 "2 years" 或 "30 days"）'
    if t.kind == "text":
        return "文本"
    if isinstance(t, EnumType):
        shown = "、".join(member_zh(t, m) for m in t.members[:8])
        return f"以下之一：{shown}" + (" 等" if len(t.members) > 8 else "")
    if isinstance(t, RecordType):
        return f"{t.name} 记录（含字段 {'、'.join(t.fields)} 的对象）"
    if isinstance(t, ListType):
        if isinstance(t.element, RecordType):
            return f"{t.element.name} 记录的列表"
        return f"列表，每项为{_expected_zh(t.element, t.minimum)}"
    return t.describe()


def member_zh(t: EnumType, member: str) -> str:
    """A member as a Chinese reader knows it: its zh label, with the name to write
    ("出售（sell）"), or the name alone where the rulebook gives no zh label."""
    zh = _zh_label(t, member)
    return f"{zh}（{member}）" if zh else member


def _zh_label(t: EnumType, member: str) -> str | None:
    label = t.labels.get(member)
    zh = dict(label.values).get("zh") if label is not None else None
    return zh if zh and zh != member else None


def did_you_mean(name: str, label: str | None = None) -> Said:
    """ "did you mean 'amount'?" ("您是否指 'amount'？"), with the zh label of what is meant."""
    shown = f"{name!r}（{label}）" if label else repr(name)
    return Said(f"did you mean {name!r}?", f"您是否指 {shown}？")


def known(what: Said, names: Iterable[str]) -> Said:
    """ "known fields: a, b" ("已知字段：a、b")."""
    names = list(names)
    return Said(f"{what.en}: {', '.join(names)}", f"{what.zh}：{'、'.join(names)}")


def _shown(raw: Any, lang: str = "en") -> str:
    """A value refused, as a message shows it: short, and never by its own code."""
    zh = lang == "zh"
    if isinstance(raw, str):
        text = raw if len(raw) <= 40 else raw[:37] + "..."
        return json.dumps(text, ensure_ascii=False)
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (dict, list, tuple)):
        if zh:
            return "对象" if isinstance(raw, dict) else "列表"
        return "an object" if isinstance(raw, dict) else "a list"
    if isinstance(raw, int) and raw.bit_length() > 4 * MAX_DIGITS:
        return f"超过 {MAX_DIGITS} 位的数字" if zh else f"a number of more than {MAX_DIGITS} digits"
    if isinstance(raw, (int, Decimal, Fraction, datetime.date)):
        text = str(raw)
    else:  # what an adapter or a YAML tag made: named by its kind, never by its own code
        kind = type(raw).__name__
        return f"{kind} 类型的值" if zh else f"a value of type {kind}"
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
            # Counted as a JSON number's are: the digits, not the sign or leading zeros (a
            # seventh QA round: 41 digits in quotes were taken, the sign's place spare).
            digits = (whole.lstrip("-") + places).lstrip("0")
            if len(digits) > MAX_DIGITS or len(places) > MAX_DIGITS:
                raise _too_many_digits()
            value = int(whole + places)
            return normalize(Fraction(value, 10 ** len(places))) if places else value
        m = _FRACTION_TEXT.fullmatch(text)
        if m:
            if int(m.group(2)) == 0:
                raise _got(raw, ", a fraction with denominator 0", "，分母为 0 的分数")
            return _exact(Fraction(int(m.group(1)), int(m.group(2))))
        raise _got(raw)
    if isinstance(raw, bool):
        raise _got(raw)
    if isinstance(raw, int):
        # By bits first: str() of a huge int is itself refused (and slow) past 4,300 digits.
        if raw.bit_length() > 4 * MAX_DIGITS or len(str(abs(raw))) > MAX_DIGITS:
            raise _too_many_digits()
        return raw
    if isinstance(raw, Fraction):
        return normalize(raw)
    if isinstance(raw, float):
        raise _Invalid(
            Said(f"got the binary floating-point number {raw!r}", f"实际为二进制浮点数 {raw!r}"),
            Said(
                'give it as a string such as "0.1" or as a Decimal, so that it stays exact',
                '请以字符串（如 "0.1"）或 Decimal 给出，以保持精确',
            ),
        )
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise _Invalid(Said(f"got {raw}", f"实际为 {raw}"))
        if len(raw.as_tuple().digits) > MAX_DIGITS or abs(raw.as_tuple().exponent) > MAX_DIGITS:
            raise _too_many_digits()
        return normalize(Fraction(raw))
    raise _got(raw)


# ASCII digits only: "６０" and other scripts' digits are not read as numbers.
_DECIMAL_TEXT = re.compile(r"(-?[0-9]+)(?:\.([0-9]+))?")
_FRACTION_TEXT = re.compile(r"(-?[0-9]+)/([0-9]+)")
_GROUPED = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _below(value: Any, minimum: int) -> _Invalid:
    shown = format_number(value)
    zh = "不得为负数" if minimum == 0 else f"不得小于 {minimum}"
    return _Invalid(Said(f"got {shown}, but it cannot be below {minimum}", f"实际为 {shown}，{zh}"))


def convert(raw: Any, t: Type, minimum: int | None = None, depth: int = 0) -> Any:
    """Turn one raw value into the runtime value of type ``t``, or raise ``_Invalid``."""
    if depth > MAX_DEPTH:
        raise _Invalid(
            Said(f"nested more than {MAX_DEPTH} levels deep", f"嵌套超过 {MAX_DEPTH} 层")
        )
    kind = t.kind
    if kind == "integer":
        value = _exact(raw)
        if not isinstance(value, int):
            shown = format_number(value)
            raise _Invalid(
                Said(f"got {shown}, which is not a whole number", f"实际为 {shown}，不是整数")
            )
        if minimum is not None and value < minimum:
            raise _below(value, minimum)
        return value
    if isinstance(t, MoneyType) or kind == "decimal":
        value = _money(raw, t) if isinstance(t, MoneyType) else _exact(raw)
        if minimum is not None and value < minimum:
            raise _below(value, minimum)
        return value
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        raise _got(raw)
    if kind == "date":
        if isinstance(raw, datetime.datetime):
            when = raw.isoformat()
            raise _Invalid(
                Said(
                    f"got a date and time {when}; give the date only",
                    f"实际为日期和时间 {when}；请只给出日期",
                )
            )
        if isinstance(raw, datetime.date):
            return raw
        day = parse_date(raw) if isinstance(raw, str) else None
        if day is not None:
            return day
        raise _got(raw)
    if kind == "duration":
        if isinstance(raw, Duration):
            return raw
        if isinstance(raw, str):
            m = re.fullmatch(r"\s*(\d{1,6})\s*(years?|months?|weeks?|days?)\s*", raw)
            if m:
                return Duration.of(int(m.group(1)), m.group(2))
        raise _got(raw)
    if kind == "text":
        if isinstance(raw, str):
            try:
                raw.encode("utf-8")
            except UnicodeEncodeError:
                raise _Invalid(
                    Said(
                        "got text that is not valid Unicode (a lone surrogate)",
                        "实际为无效的 Unicode 文本（含孤立的代理字符）",
                    )
                ) from None
            return raw
        if isinstance(raw, LocalText):
            return raw
        if isinstance(raw, dict) and raw and set(raw) <= {"zh", "en"}:
            if all(isinstance(v, str) for v in raw.values()):
                return LocalText(tuple(sorted(raw.items())))
        raise _got(raw)
    if isinstance(t, EnumType):
        return _member(raw, t)
    if isinstance(t, RecordType):
        if not isinstance(raw, dict):
            raise _got(raw)
        return validate_fields(raw, list(t.fields.values()), depth + 1)
    if isinstance(t, ListType):
        if not isinstance(raw, (list, tuple)):
            raise _got(raw)
        if len(raw) > MAX_LIST_ITEMS:
            n = len(raw)
            raise _Invalid(
                Said(
                    f"a list of {n} items; at most {MAX_LIST_ITEMS} are allowed",
                    f"列表有 {n} 项；最多允许 {MAX_LIST_ITEMS} 项",
                )
            )
        out, problems = [], []
        for i, item in enumerate(raw):
            try:
                out.append(convert(item, t.element, t.minimum, depth + 1))
            except _Invalid as err:
                problems.append(FactProblem.said(f"[{i}]", err.said, err.help))
            except FactsError as err:
                problems.extend(_within(f"[{i}]", p) for p in err.problems)
        if problems:
            raise FactsError(problems)
        return tuple(out)
    what = t.describe()
    raise _Invalid(
        Said(f"values of type {what} cannot be given as facts", f"{what} 类型的值不能作为事实给出")
    )


def _money(raw: Any, t: MoneyType) -> int | Fraction:
    currency = t.currency
    amount = raw
    if isinstance(raw, dict):
        if set(raw) - {"amount", "currency"} or "amount" not in raw:
            form = '{"amount": "5000", "currency": "CNY"}'
            raise _Invalid(_got(raw).said, Said(f"write {form}", f"请写作 {form}"))
        amount, currency = raw["amount"], raw.get("currency", t.currency)
    elif isinstance(raw, str):
        m = _MONEY_TEXT.fullmatch(raw)
        if m:
            amount = m.group(2)
            currency = m.group(3) or ("CNY" if m.group(1) else t.currency)
    currency = _CURRENCY_WORDS.get(currency, currency)
    if currency != t.currency:
        raise _Invalid(
            Said(
                f"got an amount in {currency}; this field is in {t.currency}",
                f"实际为以 {currency} 计的金额；此字段以 {t.currency} 计",
            )
        )
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
        whose_zh = f" {t.name} 的成员" if t.name else "可选值"
        raise _Invalid(
            _got(raw, f", which is not one of {whose}", f"，不是{whose_zh}之一").said,
            did_you_mean(close[0], _zh_label(t, close[0]))
            if close
            else Said(describe_expected(t), describe_expected(t, lang="zh")),
        )
    raise _got(raw)


def parse_date(text: str) -> datetime.date | None:
    """A calendar date written YYYY-MM-DD, and only that way; None otherwise."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


UNKNOWN_FIELD = Said("unknown field", "未知字段")
KNOWN_FIELDS = Said("known fields", "已知字段")
#: Past this many fields, an unknown field's hint points to the schema rather than list them
#: (pi2017's 55 names said nothing a reader could use; sixth QA round, F2).
MAX_KNOWN_LISTED = 12


def known_fields(names: Iterable[str], schema: str = "ruleengine schema") -> Said:
    """The fields to give instead of an unknown one: named where they are few, else counted
    with the command that lists them (``schema``)."""
    names = list(names)
    if len(names) <= MAX_KNOWN_LISTED:
        return known(KNOWN_FIELDS, names)
    return Said(
        f"{len(names)} known fields: '{schema}' lists them",
        f"已知字段 {len(names)} 个：'{schema}' 列出全部",
    )


def _expected(t: Type, minimum: int | None) -> Said:
    return Said(describe_expected(t, minimum), describe_expected(t, minimum, "zh"))


def _missing(path: str, t: Type, minimum: int | None) -> FactProblem:
    expected = _expected(t, minimum)
    return FactProblem.said(
        path, Said("missing", "缺少此字段"), Said(f"expected {expected.en}", f"应为{expected.zh}")
    )


def _within(prefix: str, problem: FactProblem) -> FactProblem:
    """A problem found inside the value at ``prefix``, named by its full path."""
    if not problem.path:
        return attrs.evolve(problem, path=prefix)
    sep = "" if problem.path.startswith("[") else "."
    return attrs.evolve(problem, path=f"{prefix}{sep}{problem.path}")


def validate_fields(raw: dict, fields: list[FieldSpec], depth: int = 0) -> dict:
    """Validate a mapping against field specs; returns typed values with defaults filled in."""
    if not isinstance(raw, dict):
        said = Said(
            f"the facts must be an object, got {_shown(raw)}",
            f"事实必须是对象，实际为 {_shown(raw, 'zh')}",
        )
        raise FactsError([FactProblem.said("", said)])
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
                FactProblem.said(
                    _shown(key),
                    Said("a field's name must be a text", "字段名必须是文本"),
                    Said(
                        "YAML reads ~, null, yes, no, on, off and numbers as values, not names: "
                        "quote the name",
                        "YAML 把 ~、null、yes、no、on、off 和数字读作值而不是名称：请给名称加引号",
                    ),
                )
            )
            continue
        if key not in by_name:
            if len(problems) >= MAX_UNKNOWN_KEPT:
                hidden += 1  # counted, not listed: a million unknown fields say so in a line
                continue
            close = difflib.get_close_matches(key, list(by_name), n=1)
            problems.append(
                FactProblem.said(
                    str(key),
                    UNKNOWN_FIELD,
                    did_you_mean(close[0]) if close else known_fields(by_name),
                )
            )
    out: dict[str, Any] = {}
    for spec in fields:
        if spec.name not in raw:
            if spec.default is MISSING:
                problems.append(_missing(spec.name, spec.type, spec.minimum))
            else:
                out[spec.name] = spec.default
            continue
        try:
            out[spec.name] = convert(raw[spec.name], spec.type, spec.minimum, depth)
        except _Invalid as err:
            problems.append(_problem(spec.name, _expected(spec.type, spec.minimum), err))
        except FactsError as err:
            problems.extend(_within(spec.name, p) for p in err.problems)
    if handed:  # an adapter's problems first, in the record's order; each reported once
        seen = set(handed)
        problems = [*handed, *(p for p in problems if p not in seen)]
    if depth:  # a record within the facts: its problems are bounded with the whole case's
        if hidden:
            more = Said(f"and {hidden} more unknown fields", f"另有 {hidden} 个未知字段")
            problems.append(FactProblem.said("", more))
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
            + (f" ({err.help.en})" if err.help else "")
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
        found = [_problem(path, _expected(t, minimum), err)]
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
    found = [_missing(path, t, minimum)]
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
    """A facts or cases file that cannot be read; the message says why (``zh``: in Chinese)."""

    def __init__(self, message: str, zh: str | None = None):
        super().__init__(message)
        self.zh = zh or message


def open_input(path: str, streams: bool = False) -> BinaryIO:
    """A user's file opened for reading: a regular file, or with ``streams`` also a pipe.

    A folder, a device (``/dev/zero``, a terminal) or a socket is refused before a byte is
    read, since reading it may never end; so is a pipe unless ``streams`` (a reader that
    takes its input line by line may read one as it reads standard input).
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputFileError("no such file", "文件不存在") from None
    except OSError as err:
        raise _cannot_read(err) from None
    if stat.S_ISDIR(mode):
        raise InputFileError("a folder, not a file", "这是文件夹，不是文件")
    if stat.S_ISFIFO(mode) and streams:
        return open(path, "rb")  # waits for a writer, as standard input does
    if not stat.S_ISREG(mode):
        raise _not_regular(mode)
    try:
        # Without blocking: should the path have become a pipe since, opening does not wait.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as err:
        raise _cannot_read(err) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _not_regular(mode)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _not_regular(mode: int) -> InputFileError:
    if stat.S_ISFIFO(mode):
        kind = Said("a pipe", "管道")
    elif stat.S_ISSOCK(mode):
        kind = Said("a socket", "套接字")
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = Said("a device", "设备")
    else:
        kind = Said("a special file", "特殊文件")
    return InputFileError(
        f"{kind.en}, not a regular file; give a file, or '-' to read standard input",
        f"这是{kind.zh}，不是普通文件；请给出文件，或用 '-' 读取标准输入",
    )


def _cannot_read(err: OSError) -> InputFileError:
    return InputFileError(f"cannot read ({err.strerror})", f"无法读取（{err.strerror}）")


def _larger_than(limit: int) -> InputFileError:
    return InputFileError(f"larger than {limit} bytes", f"大于 {limit} 字节")


def read_input(path: str, limit: int = MAX_FACTS_BYTES) -> bytes:
    """The bytes of a regular file (``open_input``), refused past ``limit``: never more than
    ``limit + 1`` bytes are read, whatever the file claims to hold."""
    with open_input(path) as stream:
        if os.fstat(stream.fileno()).st_size > limit:
            raise _larger_than(limit)
        try:
            data = stream.read(limit + 1)
        except OSError as err:
            raise _cannot_read(err) from None
    if len(data) > limit:
        raise _larger_than(limit)
    return data


class FactsJSONError(json.JSONDecodeError):
    """JSON that parses but cannot be facts (a field given twice, NaN, a number of thousands
    of digits, nesting past ``MAX_DEPTH``), placed as a syntax error is: ``pos``, ``lineno``,
    ``colno``, so that the message shows the line and a caret; ``zh`` says it in Chinese."""

    def __init__(self, said: Said, doc: str, pos: int):
        super().__init__(said.en, doc, pos)
        self.zh = said.zh

    def __reduce__(self):
        return type(self), (Said(self.msg, self.zh), self.doc, self.pos)


class _NotAFact(ValueError):
    """A value JSON parses that facts cannot hold, said in both languages."""

    def __init__(self, said: Said):
        super().__init__(said.en)
        self.said = said


def given_twice(key: Any) -> Said:
    return Said(f"field {key!r} is given twice", f"字段 {key!r} 重复给出")


#: What the JSON parser says of malformed text (Python's ``json`` messages), in Chinese.
_JSON_ZH = {
    "Expecting value": "此处应为一个值",
    "Expecting ',' delimiter": "此处应为分隔符 ','",
    "Expecting ':' delimiter": "此处应为分隔符 ':'",
    "Expecting property name enclosed in double quotes": "此处应为用双引号括起的字段名",
    "Unterminated string starting at": "字符串未结束（从此处开始）",
    "Invalid control character at": "此处有无效的控制字符",
    "Invalid \\escape": "无效的转义序列",
    "Invalid \\uXXXX escape": "无效的 \\uXXXX 转义",
    "Extra data": "多余的数据",
    "Illegal trailing comma before end of object": "对象结尾前不得有逗号",
    "Illegal trailing comma before end of array": "数组结尾前不得有逗号",
}


def json_problem_zh(message: str) -> str:
    """The JSON parser's ``message`` in Chinese (the English where it is not known)."""
    return _JSON_ZH.get(message, message)


#: What the YAML parser (PyYAML) says of malformed text, in Chinese: the place it was reading
#: (its ``context``, "while scanning a simple key") and the problem it met (``problem``),
#: each by a pattern of its English; ``{0}`` is what the pattern caught (a character or a
#: token, shown as YAML shows it). A text not here stays in English (docs/cli.md).
_YAML_ZH = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        # Where it was reading.
        (r"while scanning a simple key", "读取字段名时"),
        (r"while scanning a (?:double-)?quoted scalar", "读取带引号的文本时"),
        (r"while scanning a plain scalar", "读取不带引号的值时"),
        (r"while scanning a block scalar", "读取多行文本时"),
        (r"while scanning for the next token", "读取下一项时"),
        (r"while scanning an anchor", "读取锚点（&）时"),
        (r"while scanning an alias", "读取别名（*）时"),
        (r"while (?:scanning|parsing) a tag", "读取标签（!）时"),
        (r"while scanning a directive", "读取指令（%）时"),
        (r"while parsing a block mapping", "读取按缩进写的对象时"),
        (r"while parsing a block collection", "读取按缩进写的列表时"),
        (r"while parsing a flow sequence", "读取方括号列表时"),
        (r"while parsing a flow mapping", "读取花括号对象时"),
        (r"while parsing a (?:block |flow )?node", "读取值时"),
        (r"expected a single document in the stream", "一个文件中只能有一个文档"),
        (r"found duplicate anchor (.+); first occurrence", "锚点 {0} 重复；第一次出现"),
        # What it met.
        (r"could not find expected ':'", "找不到应有的 ':'"),
        (
            r"mapping values are not allowed here",
            "此处不允许“名称: 值”（请检查缩进，或给含冒号的文本加引号）",
        ),
        (r"mapping keys are not allowed here", "此处不允许字段名"),
        (r"sequence entries are not allowed here", "此处不允许列表项（-）"),
        (r"found unexpected end of stream", "文件在此意外结束"),
        (r"found unexpected document separator", "此处不应有文档分隔符"),
        (r"found character (.+) that cannot start any token", "字符 {0} 不能出现在此处"),
        (r"found unknown escape character (.+)", "未知的转义字符 {0}"),
        (r"expected <block end>, but found (.+)", "此处应结束上一层缩进，实际为 {0}（请检查缩进）"),
        (r"expected ',' or '\]', but got (.+)", "应为 ',' 或 ']'，实际为 {0}"),
        (r"expected ',' or '\}', but got (.+)", "应为 ',' 或 '}}'，实际为 {0}"),
        (r"expected the node content, but found (.+)", "此处应为一个值，实际为 {0}"),
        (r"expected '<document start>', but found (.+)", "应为文档开始（---），实际为 {0}"),
        (r"expected ' ', but found (.+)", "应为空格，实际为 {0}"),
        (r"expected alphabetic or numeric character, but found (.+)", "应为字母或数字，实际为 {0}"),
        (r"expected a comment or a line break, but found (.+)", "应为注释或换行，实际为 {0}"),
        (
            r"expected escape sequence of (\d+) hexadecimal numbers, but found (.+)",
            "应为 {0} 位十六进制数的转义序列，实际为 {1}",
        ),
        (r"found undefined tag handle (.+)", "未定义的标签前缀 {0}"),
        (r"found duplicate YAML directive", "YAML 指令重复"),
        (r"could not determine a constructor for the tag (.+)", "事实中不读取标签 {0}"),
        (r"but found another document", "却又有一个文档"),
        (r"second occurrence", "第二次出现"),
    )
)


def yaml_problem_zh(text: str) -> str | None:
    """One part of what the YAML parser says (its context or its problem) in Chinese; None
    where it is not known."""
    for pattern, zh in _YAML_ZH:
        m = pattern.fullmatch(text)
        if m is not None:
            return zh.format(*m.groups())
    return None


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


def _locate(text: str, deep: bool) -> tuple[int, Said] | None:
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
                return m.start(), Said(
                    f"nested too deeply (facts hold at most {MAX_DEPTH} levels)",
                    f"嵌套过深（事实最多 {MAX_DEPTH} 层）",
                )
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
                return m.start(), given_twice(key)
            keys.add(key)
        elif not token.startswith('"') and token not in ("true", "false", "null"):
            try:
                if token in ("NaN", "Infinity", "-Infinity"):
                    _reject_constant(token)
                elif any(c in token for c in ".eE"):
                    _decimal(token)
                else:
                    _whole(token)
            except _NotAFact as err:
                return m.start(), err.said
    return None


def _whole(digits: str) -> int:
    """A JSON integer; one of thousands of digits is refused here, by length, rather than by
    Python's own limit with a message about its internals."""
    if len(digits.lstrip("-")) > 1000:
        n = f"{len(digits.lstrip('-')):,}"
        raise _NotAFact(Said(f"a number of {n} digits is not a fact", f"{n} 位的数字不能作为事实"))
    return int(digits)


def _decimal(digits: str) -> Decimal:
    if len(digits) > 1000:
        n = f"{len(digits):,}"
        raise _NotAFact(
            Said(
                f"a number written with {n} characters is not a fact",
                f"用 {n} 个字符写成的数字不能作为事实",
            )
        )
    return Decimal(digits)


def _reject_constant(name: str):
    raise _NotAFact(Said(f"{name} is not a number", f"{name} 不是数"))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _NotAFact(given_twice(key))
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

    def refuse(said: Said, mark, kind=ConstructorError):
        """A refusal at ``mark``, in English (its ``problem``) and Chinese (``problem_zh``)."""
        err = kind(None, None, said.en, mark)
        err.problem_zh = said.zh
        return err

    class FactsLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                said = Said(
                    f"an alias (*{event.anchor}) is not read in facts; write the value out",
                    f"事实中不读取别名（*{event.anchor}）；请把值写出来",
                )
                raise refuse(said, event.start_mark, yaml.composer.ComposerError)
            # PyYAML builds every node in pure Python, about a kilobyte each: a bound on their
            # number keeps a hostile file within the machine (a list of millions of zeros).
            self.nodes = getattr(self, "nodes", 0) + 1
            if self.nodes > MAX_YAML_NODES:
                said = Said(
                    f"more than {MAX_YAML_NODES:,} values in one YAML file; give a case this "
                    "large as JSON",
                    f"一个 YAML 文件中的值超过 {MAX_YAML_NODES:,} 个；这么大的案件请以 JSON 给出",
                )
                raise refuse(said, self.peek_event().start_mark, yaml.composer.ComposerError)
            # A level past MAX_DEPTH at its bracket, as in JSON (a seventh QA round: 5,000
            # levels were "nested too deeply", with no place, from Python's recursion limit).
            self.depth = getattr(self, "depth", 0) + 1
            try:
                if self.depth > MAX_DEPTH:  # the document's mapping is level 1, as JSON's {
                    said = Said(
                        f"nested too deeply (facts hold at most {MAX_DEPTH} levels)",
                        f"嵌套过深（事实最多 {MAX_DEPTH} 层）",
                    )
                    raise refuse(said, self.peek_event().start_mark, yaml.composer.ComposerError)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node, deep=False):
            if not isinstance(node, yaml.MappingNode):
                return super().construct_mapping(node, deep=deep)
            out: dict = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    said = Said("a merge key (<<) is not read in facts", "事实中不读取合并键（<<）")
                    raise refuse(said, key_node.start_mark)
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, str):
                    # An adapter reads the record before the core's validation does: a name
                    # that YAML made a value (off: False) is refused here, at its line.
                    if isinstance(key_node, yaml.ScalarNode):
                        said = Said(
                            f"a field's name must be a text, and YAML reads {key_node.value!r} "
                            "as a value (~, null, yes, no, on, off and numbers are values): "
                            "quote the name",
                            f"字段名必须是文本，而 YAML 把 {key_node.value!r} 读作值（~、null、"
                            "yes、no、on、off 和数字都是值）：请给名称加引号",
                        )
                    else:
                        said = Said(
                            "a field's name must be a text, and YAML reads this key as a list "
                            "or an object",
                            "字段名必须是文本，而 YAML 把此键读作列表或对象",
                        )
                    raise refuse(said, key_node.start_mark)
                given = key in out
                if given:
                    raise refuse(given_twice(key), key_node.start_mark)
                out[key] = self.construct_object(value_node, deep=deep)
            return out

        def construct_yaml_int(self, node):
            text = self.construct_scalar(node)
            if _PLAIN_INT.fullmatch(text):
                if len(text.lstrip("-").replace("_", "")) > MAX_DIGITS:
                    raise refuse(_too_many_digits().said, node.start_mark)
                return int(text)
            raise refuse(_not_plain(text, node), node.start_mark)

        def construct_yaml_float(self, node):
            text = self.construct_scalar(node)
            if _PLAIN_FLOAT.fullmatch(text):
                return Decimal(text.replace("_", ""))
            raise refuse(_not_plain(text, node), node.start_mark)

        def construct_yaml_str(self, node):
            text = super().construct_yaml_str(node)
            if node.style is None and _LEADING_ZERO.fullmatch(text):  # 08, 09.5: plain, unquoted
                said = Said(
                    f"{text} is ambiguous (a number with a leading zero); write "
                    f'{_plainly(text)}, or quote it ("{text}") to give a text',
                    f"{text} 有歧义（以 0 开头的数字）；请写作 {_plainly(text)}，"
                    f'或加引号（"{text}"）表示文本',
                )
                raise refuse(said, node.start_mark)
            return text

        def construct_yaml_timestamp(self, node):
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError as err:  # 2024-02-30
                text = self.construct_scalar(node)
                said = Said(
                    f"{text} is not a date in the calendar ({err})", f"{text} 不是日历上的日期"
                )
                raise refuse(said, node.start_mark) from None

    def _not_plain(text: str, node) -> Said:
        """Why a number YAML 1.1 reads is refused, and how to write it."""
        quote = f'or quote it ("{text}") to give a text'
        quote_zh = f'或加引号（"{text}"）表示文本'
        if ":" in text:
            return Said(
                f"{text} is a base-60 number in YAML 1.1 (1:20 is 80), not a plain decimal "
                f"number; write the number as a lawyer reads it, {quote}",
                f"{text} 在 YAML 1.1 中是六十进制数（1:20 即 80），不是普通十进制数；"
                f"请按法律人读数的方式写出该数，{quote_zh}",
            )
        if text.lower().lstrip("+-") in (".inf", ".nan"):
            return Said(
                f'{text} is not a number facts can hold; quote it ("{text}") to give a text',
                f'{text} 不是事实可以容纳的数；加引号（"{text}"）表示文本',
            )
        if len(text) > MAX_DIGITS + 3:  # a sign, a point and a prefix besides the digits
            return _too_many_digits().said
        try:  # what YAML 1.1 makes of it
            value = SafeConstructor.construct_yaml_int(FactsLoader(""), node)
        except (ValueError, IndexError):  # not an integer to YAML either (!!int "abc", "")
            value = None
        digits = text.replace("_", "").lstrip("+-")
        if value is not None and digits[:2] in ("0x", "0b"):
            kind = "hexadecimal" if digits[:2] == "0x" else "binary"
            kind_zh = "十六进制" if digits[:2] == "0x" else "二进制"
            return Said(
                f"{text} is a {kind} number in YAML 1.1 ({value}); write {value}, {quote}",
                f"{text} 在 YAML 1.1 中是{kind_zh}数（{value}）；请写作 {value}，{quote_zh}",
            )
        plain = _plainly(text)
        if not any(c.isdigit() for c in text) or not (
            _PLAIN_FLOAT.fullmatch(plain) or _PLAIN_INT.fullmatch(plain)
        ):
            return Said(
                f"{text} is not a plain decimal number (such as 50 or 12.5); {quote}",
                f"{text} 不是普通十进制数（如 50 或 12.5）；{quote_zh}",
            )
        if value is not None and value != Decimal(plain):  # 050: octal
            return Said(
                f"{text} is ambiguous: YAML 1.1 reads a leading zero as octal ({value}); "
                f"write {plain} (or {value}), {quote}",
                f"{text} 有歧义：YAML 1.1 把以 0 开头的数读作八进制（{value}）；"
                f"请写作 {plain}（或 {value}），{quote_zh}",
            )
        return Said(
            f"{text} is not a plain decimal number; write {plain}, {quote}",
            f"{text} 不是普通十进制数；请写作 {plain}，{quote_zh}",
        )

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
