"""A rulebook's case form, generated from its declared inputs (the facts schema), and the
way back: form fields to a case file. Fields are named by path (``acts.2.amount``), so a
problem at ``acts[2].amount`` is shown beside its field, and a case travels in a plain URL
(a what-if link, the language switch) with no script.
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
from ..types import EnumType, ListType, RecordType

#: Blank rows offered after a list's rows (more with the form's "another row" button).
BLANK_ROWS = 1
MAX_ROWS = 200


@attrs.frozen
class Field:
    path: str  # the form field's name: acts.0.amount
    label: str
    kind: str  # bool | enum | date | number | text
    value: str
    help: str
    options: tuple[tuple[str, str], ...] = ()  # (member, label) of an enum
    default: str = ""
    error: str = ""


@attrs.frozen
class Group:
    """A list of records: a table, one row per record."""

    path: str
    label: str
    help: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Field, ...], ...]


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


def _help(rulebook, spec: FieldSpec, lang: str, cited: tuple[str, ...] = ()) -> str:
    parts = [describe_expected(spec.type, spec.minimum)]
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


def build_form(rulebook, facts: dict, lang: str, errors: dict[str, str]) -> list:
    """The form's fields and tables, filled with ``facts`` (the case as given)."""
    cited = inputs_cited(rulebook)
    out: list = []
    for name, spec in rulebook.inputs.items():
        t = spec.type
        value = facts.get(name)
        if isinstance(t, ListType) and isinstance(t.element, RecordType):
            items = value if isinstance(value, list) else []
            specs = list(t.element.fields.values())
            rows = []
            count = min(len(items) + BLANK_ROWS + int(facts.get(f"__more__{name}", 0)), MAX_ROWS)
            for i in range(count):
                item = items[i] if i < len(items) and isinstance(items[i], dict) else {}
                rows.append(
                    tuple(
                        attrs.evolve(
                            _field(rulebook, f, f"{name}.{i}.{f.name}", item.get(f.name), lang),
                            error=errors.get(f"{name}[{i}].{f.name}", ""),
                        )
                        for f in specs
                    )
                )
            out.append(
                Group(
                    name,
                    local(spec.label, lang, name),
                    _help(rulebook, spec, lang, cited.get(name, ())),
                    tuple(local(f.label, lang, f.name) for f in specs),
                    tuple(rows),
                )
            )
            continue
        if isinstance(t, (ListType, RecordType)):
            field = _field(rulebook, spec, name, value, lang, cited.get(name, ()))
            text = "" if value is None else json.dumps(value, ensure_ascii=False)
            out.append(attrs.evolve(field, kind="json", value=text, error=errors.get(name, "")))
            continue
        field = _field(rulebook, spec, name, value, lang, cited.get(name, ()))
        out.append(attrs.evolve(field, error=errors.get(name, "")))
    return out


_ROW = re.compile(r"^(\w+)\.(\d{1,4})\.(\w+)$")


def read_form(rulebook, form: dict[str, str]) -> tuple[dict, str | None, dict]:
    """``(facts, as_of, extra)`` from form fields: an empty field is left out (its default
    applies); numbers stay text, read exactly by the facts' own rules; a list's empty rows
    are dropped. ``extra`` keeps what the form has no field for (a case's ``name``)."""
    inputs = rulebook.inputs
    facts: dict[str, Any] = {}
    rows: dict[str, dict[int, dict]] = {}
    for key, raw in form.items():
        value = raw.strip()
        if key.startswith("f."):
            key = key[2:]
        else:
            continue
        m = _ROW.match(key)
        if m and m.group(1) in inputs:
            if value:
                rows.setdefault(m.group(1), {}).setdefault(int(m.group(2)), {})[m.group(3)] = (
                    _typed(_element_spec(inputs[m.group(1)], m.group(3)), value)
                )
            continue
        if key in inputs and value:
            facts[key] = _typed(inputs[key], value)
    for name, found in rows.items():
        facts[name] = [found[i] for i in sorted(found)]
    extra = {}
    if form.get("extra"):
        try:
            loaded = json.loads(form["extra"])
            extra = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            extra = {}
    return facts, (form.get("as_of") or "").strip() or None, extra


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


def to_query(facts: dict, as_of: str | None, extra: dict, lang: str) -> list[tuple[str, str]]:
    """A case as form fields (the query of a link that re-runs it)."""
    out: list[tuple[str, str]] = [("lang", lang)]
    if as_of:
        out.append(("as_of", as_of))
    for name, value in facts.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                for field, v in item.items():
                    out.append((f"f.{name}.{i}.{field}", _shown(v)))
        elif isinstance(value, (list, dict)) and "amount" not in (value or {}):
            out.append((f"f.{name}", json.dumps(value, ensure_ascii=False)))
        else:
            out.append((f"f.{name}", _shown(value)))
    if extra:
        out.append(("extra", json.dumps(extra, ensure_ascii=False)))
    return out


def split_case(rulebook, data: Any) -> tuple[dict, str | None, dict]:
    """A case file (or bare facts) as ``(facts, as_of, extra)``: the facts the rulebook
    declares, and the rest (``name``, ``description``) kept aside."""
    if not isinstance(data, dict):
        return {}, None, {}
    as_of = None
    if "facts" in data and "facts" not in rulebook.inputs and isinstance(data["facts"], dict):
        as_of = data.get("as_of") if isinstance(data.get("as_of"), str) else None
        data = data["facts"]
    facts = {k: v for k, v in data.items() if k in rulebook.inputs}
    extra = {k: v for k, v in data.items() if k not in rulebook.inputs}
    return facts, as_of, extra
