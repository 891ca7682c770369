"""The facts schema of a rulebook as JSON Schema (draft 2020-12), for the tools that make facts.

Every input and record field becomes a property with its type, bounds, default and label;
fields without a default are required and no others are allowed, as validation enforces.
Numbers may be JSON numbers or strings ("4999.50", "1/3"), which is how they stay exact.
"""

from __future__ import annotations

from typing import Any

from .facts import MAX_LIST_ITEMS, describe_expected, to_json_value
from .ir import MISSING, FieldSpec
from .types import EnumType, ListType, MoneyType, RecordType, Type

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_EXACT_NUMBER = r"^-?\d+(\.\d+)?$|^-?\d+/\d+$"
_NO_MINUS = r"^[^-]*$"


def facts_schema(rulebook, lang: str = "en", computed: tuple = ()) -> dict:
    """The JSON Schema that a rulebook's facts must satisfy. ``computed``: the facts its
    input adapters compute (``plugins.Computed``), each said so; one always computed is
    ``readOnly`` (the user never gives it)."""
    defs: dict[str, Any] = {}
    schema = _object(list(rulebook.inputs.values()), defs, lang)
    for c in computed:
        prop = schema["properties"].get(c.field)
        if prop is None:
            continue
        sources = (" 或 " if lang == "zh" else " or ").join(c.sources)
        if c.always:
            prop["readOnly"] = True
            prop["description"] += (
                f"；由输入适配器根据 {sources} 计算，不应给出"
                if lang == "zh"
                else f"; computed by an input adapter from {sources}, never given"
            )
        else:
            prop["description"] += (
                f"；给出 {sources} 时由输入适配器计算，此时不应给出"
                if lang == "zh"
                else f"; computed by an input adapter where {sources} is given, "
                "and given only where it is not"
            )
    schema = {
        "$schema": DIALECT,
        "title": f"Facts for the rulebook {rulebook.name}",
        **schema,
    }
    if defs:
        schema["$defs"] = defs
    return schema


def _object(fields: list[FieldSpec], defs: dict, lang: str) -> dict:
    properties = {}
    required = []
    for spec in fields:
        prop = _type(spec.type, spec.minimum, defs, lang)
        if spec.label is not None:
            prop["title"] = spec.label.get(lang)
        prop["description"] = describe_expected(spec.type, spec.minimum)
        if spec.default is MISSING:
            required.append(spec.name)
        else:
            prop["default"] = to_json_value(spec.default)
        properties[spec.name] = prop
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    return out


def _type(t: Type, minimum: int | None, defs: dict, lang: str) -> dict:
    if t.kind == "integer":
        out: dict[str, Any] = {"type": "integer"}
        if minimum is not None:
            out["minimum"] = minimum
        return out
    if isinstance(t, MoneyType) or t.kind == "decimal":
        # A lower bound (0 for money not declared signed) holds for numbers as "minimum", and,
        # when it is not negative, for numbers written as text as "no minus sign".
        bound = {} if minimum is None else {"minimum": minimum}
        unsigned = minimum is not None and minimum >= 0
        if isinstance(t, MoneyType):
            # "5000", "5000 CNY", "5000元", "¥5000", or {"amount": ..., "currency": ...}
            text = {"type": "string", **({"pattern": _NO_MINUS} if unsigned else {})}
            amount = {"type": ["number", "string"], **bound}
            if unsigned:
                amount["pattern"] = _NO_MINUS  # applies to strings only
            whole = {
                "type": "object",
                "properties": {"amount": amount, "currency": {"const": t.currency}},
                "required": ["amount"],
                "additionalProperties": False,
            }
            return {"anyOf": [{"type": "number", **bound}, text, whole]}
        pattern = _EXACT_NUMBER.replace("-?", "") if unsigned else _EXACT_NUMBER
        return {"anyOf": [{"type": "number", **bound}, {"type": "string", "pattern": pattern}]}
    if t.kind == "bool":
        return {"type": "boolean"}
    if t.kind == "date":
        return {"type": "string", "format": "date"}
    if t.kind == "duration":
        return {"type": "string", "pattern": r"^\s*\d{1,6}\s*(years?|months?|weeks?|days?)\s*$"}
    if t.kind == "text":
        return {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
                    "additionalProperties": False,
                    "minProperties": 1,
                },
            ]
        }
    if isinstance(t, EnumType):
        # Members by name; validation also accepts a member's label.
        labels = [label.get(lang) for label in t.labels.values() if label is not None]
        return {"type": "string", "enum": list(t.members) + [x for x in labels if x]}
    if isinstance(t, RecordType):
        if t.name not in defs:
            defs[t.name] = {}  # placeholder: records may refer to themselves
            defs[t.name] = _object(list(t.fields.values()), defs, lang)
        return {"$ref": f"#/$defs/{t.name}"}
    if isinstance(t, ListType):
        return {
            "type": "array",
            "items": _type(t.element, t.minimum, defs, lang),
            "maxItems": MAX_LIST_ITEMS,
        }
    return {}
