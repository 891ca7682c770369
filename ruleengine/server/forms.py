"""A rulebook's case form, generated from its declared inputs (the facts schema), and the
way back: form fields to a case file. Fields are named by path (``f.acts.2.amount``), so a
problem at ``acts[2].amount`` is shown beside its field, and a case travels in a plain URL
(a what-if link, the language switch) with no script.

A case with several persons (an ``officials`` or ``subjects`` list, with a shared ``case``
object, as ``ruleengine eval`` and ``run`` read it) is a section per person, its fields named
``p.K.FIELD`` (``p.1.acts.0.amount``), after the shared facts (``f.FIELD``); buttons add or
remove a person or a row, re-rendering the form with what was entered.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import attrs

from ..facts import describe_expected, to_json_value
from ..ir import MISSING, FieldSpec, Ref
from ..render.explanation import citation, local
from ..types import EnumType, ListType, MoneyType, RecordType

#: Blank rows offered after a list's rows (more with the form's "another row" button).
BLANK_ROWS = 1
MAX_ROWS = 200


@attrs.frozen
class Field:
    path: str  # the form field's name: f.acts.0.amount, p.1.acts.0.amount
    label: str
    kind: str  # bool | enum | date | number | text
    value: str
    help: str
    options: tuple[tuple[str, str], ...] = ()  # (member, label) of an enum
    default: str = ""
    error: str = ""


@attrs.frozen
class Group:
    """A list of records: a table, one row per record (the first ``filled`` given)."""

    path: str  # f.acts, p.1.acts: the value of its "another row" button
    label: str
    help: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Field, ...], ...]
    filled: int = 0


@attrs.frozen
class Person:
    """One person of a case listing several: their name and their own facts."""

    index: int
    name: Field
    fields: list
    extra: str  # their other keys, as JSON, kept as they were


class FormBook:
    """A rulebook as its case form sees it: its inputs, and before them the fields of a raw
    record its input adapters read (``InputAdapter.fields``: pi2017's acts); the rest is the
    rulebook's."""

    def __init__(self, rulebook, adapters=()):
        self.rulebook = rulebook
        fields = [f for a in adapters for f in getattr(a, "fields", ())]
        own = {f.name: f for f in fields if f.name not in rulebook.inputs}
        self.inputs = {**own, **rulebook.inputs}
        #: The fields an adapter turns into the rulebook's facts.
        self.adapted = frozenset(own)

    def __getattr__(self, name: str):
        return getattr(self.rulebook, name)


#: The keys of a record that list its persons (as ``ruleengine.batch.records``), and the
#: key of the object of what they share.
PERSON_LISTS = ("officials", "subjects")
SHARED = "case"
MAX_PERSONS = 100


@attrs.define
class Case:
    """A case as the form holds it: one person's facts, or the facts the persons share (the
    ``case`` object's inputs) and each person's record; what the form has no field for is
    kept aside (``extra``, ``case_extra``) and given back unchanged."""

    facts: dict = attrs.Factory(dict)
    as_of: str | None = None
    extra: dict = attrs.Factory(dict)
    persons_key: str | None = None  # "officials" | "subjects" when the case lists persons
    persons: list[dict] = attrs.Factory(list)
    case_extra: dict = attrs.Factory(dict)

    def record(self) -> dict:
        """The record as a case file's ``facts`` (``ruleengine eval`` reads it so)."""
        if self.persons_key is None:
            return {**self.extra, **self.facts}
        shared = {**self.case_extra, **self.facts}
        return {
            **self.extra,
            **({SHARED: shared} if shared else {}),
            self.persons_key: self.persons,
        }

    def file(self) -> dict:
        """The case file to save: ``{"as_of": ..., "facts": ...}``."""
        return {**({"as_of": self.as_of} if self.as_of else {}), "facts": self.record()}


def _kind(spec: FieldSpec) -> str:
    t = spec.type
    if t.kind == "bool":
        return "bool"
    if isinstance(t, EnumType):
        return "enum"
    if t.kind == "date":
        return "date"
    if t.kind in ("integer", "decimal", "money"):
        return "number"
    return "text"


def _shown(value: Any) -> str:
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):  # {"amount": ..., "currency": ...}, {"zh": ..., "en": ...}
        if "amount" in value:
            return _shown(value["amount"])
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(to_json_value(value))


_CITED: dict[int, tuple[Any, dict]] = {}


def inputs_cited(rulebook) -> dict[str, tuple[str, ...]]:
    """For each input, the rules whose conditions or conclusions read it (directly, or
    through a definition): the provisions a fact matters to, for the form's help. Kept per
    served rulebook (they live as long as the service)."""
    if id(rulebook) not in _CITED:
        _CITED[id(rulebook)] = (rulebook, _inputs_cited(rulebook))
    return _CITED[id(rulebook)][1]


def _inputs_cited(rulebook) -> dict[str, tuple[str, ...]]:
    by_define: dict[str, set[str]] = {}

    def reads(node, seen: set[int], direct: set[str], through: set[str], depth=0) -> None:
        if depth > 200 or id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, Ref):
            if node.kind == "input":
                direct.add(node.name)
            elif node.kind == "define" and node.name in rulebook.definitions:
                if node.name not in by_define:
                    by_define[node.name] = found = set()
                    reads(rulebook.definitions[node.name], set(), found, found)
                through |= by_define[node.name]
            return
        if isinstance(node, (list, tuple)):
            for item in node:
                reads(item, seen, direct, through, depth + 1)
        elif attrs.has(type(node)):
            for a in attrs.fields(type(node)):
                if a.name not in ("span", "type", "text", "title", "notes", "citation"):
                    reads(getattr(node, a.name), seen, direct, through, depth + 1)

    first: dict[str, list[str]] = {}
    then: dict[str, list[str]] = {}
    for name, rule in rulebook.rules.items():
        direct: set[str] = set()
        through: set[str] = set()
        reads([rule.when, rule.then], set(), direct, through)
        for input_name in direct:
            first.setdefault(input_name, []).append(name)
        for input_name in through - direct:
            then.setdefault(input_name, []).append(name)
    return {k: (*first.get(k, ()), *then.get(k, ())) for k in {*first, *then}}


def expected(t, minimum: int | None, lang: str) -> str:
    """What a field takes, as its help says it: the facts' own words in English
    (``facts.describe_expected``, as the command line's messages say it), the same in
    Chinese with an enum's members by their labels."""
    if lang != "zh":
        return describe_expected(t, minimum)
    if t.kind == "integer":
        return "不小于 0 的整数" if minimum == 0 else "整数"
    if isinstance(t, MoneyType):
        unit = "元" if t.currency == "CNY" else t.currency
        return f"金额（{unit}），填数字"
    if isinstance(t, EnumType):
        labels = [local(t.labels.get(m), "zh", m) for m in t.members]
        return "以下之一：" + "、".join(labels[:8]) + ("等" if len(labels) > 8 else "")
    if isinstance(t, ListType):
        if isinstance(t.element, RecordType):
            return "记录的列表（一行一条）"
        return "列表，每项为" + expected(t.element, t.minimum, lang)
    if isinstance(t, RecordType):
        return "一条记录（JSON 对象）"
    words = {
        "decimal": "精确数值（如 12.5 或 1/3）",
        "bool": "是或否",
        "date": "日期（年-月-日，如 2018-05-20）",
        "duration": "期限（如 2 years、30 days）",
        "text": "文本",
    }
    return words.get(t.kind, t.describe())


def _error(spec: FieldSpec, message: str, lang: str) -> str:
    """A field's problem as the form shows it beside the field: the facts' message in
    English; in Chinese, what the field takes (the message, in English, is above the form)."""
    if not message or lang != "zh":
        return message
    if message == "missing":
        return "必须填写：" + expected(spec.type, spec.minimum, lang)
    return "应为" + expected(spec.type, spec.minimum, lang)


def _help(rulebook, spec: FieldSpec, lang: str, cited: tuple[str, ...] = ()) -> str:
    parts = [expected(spec.type, spec.minimum, lang)]
    shown = list(dict.fromkeys(citation(rulebook, r, lang) for r in cited))
    if shown:
        more = f" (+{len(shown) - 4})" if len(shown) > 4 else ""
        parts.append(("见" if lang == "zh" else "see ") + "; ".join(shown[:4]) + more)
    return " · ".join(parts)


def _field(rulebook, spec: FieldSpec, path: str, value: Any, lang: str, cited=()) -> Field:
    options = ()
    if isinstance(spec.type, EnumType):
        labels = spec.type.labels
        options = tuple((m, local(labels.get(m), lang, m)) for m in spec.type.members)
    default = "" if spec.default is MISSING else _shown(spec.default)
    return Field(
        path,
        local(spec.label, lang, spec.name),
        _kind(spec),
        _shown(value),
        _help(rulebook, spec, lang, cited),
        options,
        default,
    )


def _fields(rulebook, facts: dict, prefix: str, lang: str, errors: dict, more: str) -> list:
    """The fields and tables of one set of facts, named ``PREFIX.FIELD``; ``more`` the
    table (``PREFIX.LIST``) to give one more blank row."""
    cited = inputs_cited(rulebook)
    out: list = []
    for name, spec in rulebook.inputs.items():
        t = spec.type
        value = facts.get(name)
        if isinstance(t, ListType) and isinstance(t.element, RecordType):
            items = value if isinstance(value, list) else []
            specs = list(t.element.fields.values())
            path = f"{prefix}{name}"
            count = min(len(items) + BLANK_ROWS + (more == path), MAX_ROWS)
            rows = []
            for i in range(count):
                item = items[i] if i < len(items) and isinstance(items[i], dict) else {}
                rows.append(
                    tuple(
                        attrs.evolve(
                            _field(rulebook, f, f"{path}.{i}.{f.name}", item.get(f.name), lang),
                            error=_error(f, errors.get(f"{prefix}{name}[{i}].{f.name}", ""), lang),
                        )
                        for f in specs
                    )
                )
            out.append(
                Group(
                    path,
                    local(spec.label, lang, name),
                    _help(rulebook, spec, lang, cited.get(name, ())),
                    tuple(local(f.label, lang, f.name) for f in specs),
                    tuple(rows),
                    len(items),
                )
            )
            continue
        field = _field(rulebook, spec, f"{prefix}{name}", value, lang, cited.get(name, ()))
        if isinstance(t, (ListType, RecordType)):
            text = "" if value is None else json.dumps(value, ensure_ascii=False)
            field = attrs.evolve(field, kind="json", value=text)
        error = _error(spec, errors.get(f"{prefix}{name}", ""), lang)
        out.append(attrs.evolve(field, error=error))
    return out


def build_form(rulebook, case: Case, lang: str, errors: dict[str, str], more: str = "") -> dict:
    """The form's fields and tables filled with ``case``: ``{"fields": [...], "persons":
    [Person, ...]}``, the fields those of the one person or, when the case lists persons,
    those the persons share. ``errors`` are keyed by form prefix and field path
    (``f.acts[0].amount``, ``p.1.acts[0].amount``)."""
    fields = _fields(rulebook, case.facts, "f.", lang, errors, more)
    persons = []
    name_label = {"en": "name", "zh": "姓名"}[lang]
    for k, record in enumerate(case.persons if case.persons_key else ()):
        own = {key: v for key, v in record.items() if key in rulebook.inputs}
        other = {key: v for key, v in record.items() if key not in own and key != NAME_KEY}
        prefix = f"p.{k}."
        name = Field(f"{prefix}name", name_label, "text", _shown(record.get(NAME_KEY)), "")
        persons.append(
            Person(
                k,
                name,
                _fields(rulebook, own, prefix, lang, errors, more),
                json.dumps(other, ensure_ascii=False) if other else "",
            )
        )
    return {"fields": fields, "persons": persons}


#: A person's name: a text of the record that labels them (batch.records.NAME_KEY).
NAME_KEY = "name"
#: The form's own keys, which are not facts (the pages' forms and links send only these,
#: ``f.FIELD`` and ``p.K.FIELD``).
CONTROLS = frozenset(
    {"as_of", "case", "case_extra", "drop", "extra", "lang", "more", "persons", "token", "whatif"}
)
_ROW = re.compile(r"^(\w+)\.(\d{1,4})\.(\w+)$")
_PERSON = re.compile(r"^p\.(\d{1,3})\.")


def _read_fields(inputs, form: dict[str, str], prefix: str) -> dict:
    """The facts of the fields named ``PREFIX.FIELD``: an empty field is left out (its
    default applies); numbers stay text, read exactly by the facts' own rules; a list's
    empty rows are dropped."""
    facts: dict[str, Any] = {}
    rows: dict[str, dict[int, dict]] = {}
    for key, raw in form.items():
        if not key.startswith(prefix):
            continue
        key, value = key[len(prefix) :], raw.strip()
        m = _ROW.match(key)
        if m and m.group(1) in inputs:
            if value:
                rows.setdefault(m.group(1), {}).setdefault(int(m.group(2)), {})[m.group(3)] = (
                    _typed(_element_spec(inputs[m.group(1)], m.group(3)), value)
                )
            continue
        if key in inputs and value:
            facts[key] = _typed(inputs[key], value)
        elif key not in inputs and value and key != NAME_KEY:
            # A field the rulebook does not have (a stale form, a typo in a posted one): kept
            # as written, so validation names it with a did-you-mean, as for a file's facts.
            facts[key] = value
    for name, found in rows.items():
        facts[name] = [found[i] for i in sorted(found)]
    return facts


def _json_object(text: str | None) -> dict:
    try:
        loaded = json.loads(text) if text else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def read_form(rulebook, form: dict[str, str]) -> Case:
    """The case of a form's fields (a query, a posted form). A person none of whose fields
    is filled is left out, as an empty row is."""
    inputs = rulebook.inputs
    stray = {
        k: v.strip()
        for k, v in form.items()
        if k not in CONTROLS and not k.startswith(("f.", "p.")) and v.strip()
    }
    case = Case(
        # A key that is neither a control of the form nor a field of it (``tracking_items``
        # posted without its ``f.``) is taken as a fact, so validation names it: it was
        # dropped, and the case decided without it.
        {
            **{k: _typed(inputs.get(k), v) for k, v in stray.items()},
            **_read_fields(inputs, form, "f."),
        },
        (form.get("as_of") or "").strip() or None,
        _json_object(form.get("extra")),
    )
    key = form.get("persons")
    if key not in PERSON_LISTS:
        return case
    case.persons_key = key
    case.case_extra = _json_object(form.get("case_extra"))
    numbers = sorted({int(m.group(1)) for k in form if (m := _PERSON.match(k))})
    for k in numbers[:MAX_PERSONS]:
        prefix = f"p.{k}."
        name = (form.get(f"{prefix}name") or "").strip()
        own = _read_fields(inputs, form, prefix)
        other = _json_object(form.get(f"{prefix}extra"))
        if name or own or other:
            case.persons.append({**({NAME_KEY: name} if name else {}), **own, **other})
    return case


def add_person(rulebook, case: Case, key: str) -> None:
    """One more (blank) person; a case of one person becomes the first of a list, its facts
    and its name theirs, but for the date the case is decided on (the rulebook's date
    input, ``decided_on``), which stays shared."""
    if case.persons_key is None:
        name = case.extra.pop(NAME_KEY, None)
        day = rulebook.date_input
        first = {k: v for k, v in case.facts.items() if k != day}
        first = {**({NAME_KEY: name} if isinstance(name, str) else {}), **first}
        case.facts = {k: v for k, v in case.facts.items() if k == day}
        case.persons_key, case.persons = key, [first]
    case.persons.append({})
    del case.persons[MAX_PERSONS:]


def drop(case: Case, path: str) -> None:
    """Removes a person (``p.1``) or a row (``f.acts.2``, ``p.1.acts.0``)."""
    m = re.fullmatch(r"(?:p\.(\d{1,3})|f)(?:\.(\w+)\.(\d{1,4}))?", path)
    if not m or (m.group(1) is None and m.group(2) is None):
        return
    if m.group(1) is not None and int(m.group(1)) >= len(case.persons):
        return
    facts = case.facts if m.group(1) is None else case.persons[int(m.group(1))]
    if m.group(2) is None:
        del case.persons[int(m.group(1))]
        return
    items = facts.get(m.group(2))
    if isinstance(items, list) and int(m.group(3)) < len(items):
        del items[int(m.group(3))]
        if not items:
            del facts[m.group(2)]


def _element_spec(spec: FieldSpec, field: str) -> FieldSpec | None:
    element = getattr(spec.type, "element", None)
    return getattr(element, "fields", {}).get(field)


def _typed(spec: FieldSpec | None, value: str) -> Any:
    """A form's text as the JSON a case file would hold: true/false for a yes-or-no, a
    whole number for a count, JSON for a list or record field; anything else as text."""
    if spec is None:
        return value
    t = spec.type
    if t.kind == "bool":
        return {"true": True, "false": False}.get(value, value)
    if t.kind == "integer" and re.fullmatch(r"-?\d{1,40}", value):
        return int(value)
    if isinstance(t, (ListType, RecordType)):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _query_fields(facts: dict, prefix: str) -> list[tuple[str, str]]:
    out = []
    for name, value in facts.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                for field, v in item.items():
                    out.append((f"{prefix}{name}.{i}.{field}", _shown(v)))
        elif isinstance(value, (list, dict)) and "amount" not in (value or {}):
            out.append((f"{prefix}{name}", json.dumps(value, ensure_ascii=False)))
        else:
            out.append((f"{prefix}{name}", _shown(value)))
    return out


def to_query(rulebook, case: Case, lang: str) -> list[tuple[str, str]]:
    """A case as form fields (the query of a link that re-runs it)."""
    out: list[tuple[str, str]] = [("lang", lang)]
    if case.as_of:
        out.append(("as_of", case.as_of))
    out += _query_fields(case.facts, "f.")
    if case.extra:
        out.append(("extra", json.dumps(case.extra, ensure_ascii=False)))
    if case.persons_key is None:
        return out
    out.append(("persons", case.persons_key))
    if case.case_extra:
        out.append(("case_extra", json.dumps(case.case_extra, ensure_ascii=False)))
    for k, record in enumerate(case.persons):
        own = {key: v for key, v in record.items() if key in rulebook.inputs}
        other = {key: v for key, v in record.items() if key not in own and key != NAME_KEY}
        if isinstance(record.get(NAME_KEY), str):
            out.append((f"p.{k}.name", record[NAME_KEY]))
        if other:
            out.append((f"p.{k}.extra", json.dumps(other, ensure_ascii=False)))
        out += _query_fields(own, f"p.{k}.")
    return out


def split_case(rulebook, data: Any) -> Case:
    """A case file (or bare facts) as the form holds it: the facts the rulebook declares,
    a list of persons (with what they share), and the rest (``name``, ``description``,
    a case's ``id`` and ``title``) kept aside."""
    if not isinstance(data, dict):
        return Case()
    inputs = rulebook.inputs
    as_of = None
    if "facts" in data and "facts" not in inputs and isinstance(data["facts"], dict):
        as_of = data.get("as_of") if isinstance(data.get("as_of"), str) else None
        data = data["facts"]
    key = next((k for k in PERSON_LISTS if k in data and k not in inputs), None)
    people = data.get(key) if key else None
    shared = data.get(SHARED, {})
    if (
        not isinstance(people, list)
        or not all(isinstance(p, dict) for p in people)
        or not isinstance(shared, dict)
    ):
        facts = {k: v for k, v in data.items() if k in inputs}
        extra = {k: v for k, v in data.items() if k not in inputs}
        return Case(facts, as_of, extra)
    return Case(
        {k: v for k, v in shared.items() if k in inputs},
        as_of,
        {k: v for k, v in data.items() if k not in (key, SHARED)},
        key,
        [dict(p) for p in people],
        {k: v for k, v in shared.items() if k not in inputs},
    )
