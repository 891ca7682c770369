"""The exported JSON Schema accepts the facts validation accepts and refuses what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import ruleengine
from ruleengine.facts import loads_json
from ruleengine.schema import facts_schema

ROOT = Path(__file__).resolve().parents[1]


def schema_of(book) -> dict:
    schema = facts_schema(book.rulebook)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def test_quickstart_schema_accepts_the_example_and_refuses_mistakes():
    book = ruleengine.load_paths([ROOT / "examples" / "quickstart" / "article5.rules"])
    schema = schema_of(book)
    case = json.loads((ROOT / "examples" / "quickstart" / "case.json").read_text())
    jsonschema.validate(case, schema)
    assert schema["properties"]["sensitive_items"]["minimum"] == 0
    assert schema["properties"]["illegal_gain"]["title"] == "illegal gains"
    for bad in ({"sensitive_itemz": 1}, {"sensitive_items": -1}, {"in_duty": "yes"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
        with pytest.raises(ruleengine.FactsError):
            book.validate(bad)


def test_records_lists_enums_and_required_fields():
    book = ruleengine.load_text(
        "enum kind { sell provide }\n"
        "record act { kind: kind  items: count  on: date }\n"
        "input acts: list of act\ninput offence_date: date\n"
        "conclusion n: value integer\n"
        "rule r { cite article 1 then n = sum(a.items for a in acts) }\n"
    )
    schema = schema_of(book)
    assert schema["required"] == ["offence_date"]
    good = {
        "offence_date": "2020-01-01",
        "acts": [{"kind": "sell", "items": 3, "on": "2019-12-01"}],
    }
    jsonschema.validate(good, schema)
    book.validate(good)
    bad = {"offence_date": "2020-01-01", "acts": [{"kind": "steal", "items": 3, "on": "x"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


@pytest.mark.parametrize("name", ["pi2017", "ccdi"])
def test_jurisdiction_schemas_are_valid_and_accept_their_examples(name):
    pm = ruleengine.get_plugin_manager()
    _, source = ruleengine.plugins.rule_sources(pm)[name]
    book = ruleengine.load_paths(list(source.paths), name=name, pm=pm)
    schema = schema_of(book)
    adapt = ruleengine.plugins.adapter_chain(pm, name)
    checked = 0
    for path in sorted((ROOT / "examples" / name).glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        record = loads_json(path.read_text(encoding="utf-8"))
        facts = record.get("facts", record)
        if "officials" in facts:
            continue
        facts, _ = adapt(facts)
        jsonschema.validate(json.loads(json.dumps(facts, default=str)), schema)
        checked += 1
    assert checked > 0


def test_money_has_a_minimum_unless_signed():
    book = ruleengine.load_text(
        "input gain: money = 0 yuan\ninput loss: signed money = 0 yuan\n"
        "input ratio: decimal = 0\n"
        "conclusion c: value bool\n"
        "rule r { cite article 1 then c = gain > loss and ratio > 0 }\n"
    )
    schema = schema_of(book)
    props = schema["properties"]
    assert props["gain"]["anyOf"][0] == {"type": "number", "minimum": 0}
    assert props["loss"]["anyOf"][0] == {"type": "number"}
    assert props["ratio"]["anyOf"][0] == {"type": "number"}
    # The schema refuses what validation refuses, in every form an amount may take.
    for amount in (-5000, "-5000", "-5000 CNY", "¥-5", {"amount": "-1"}, {"amount": -1}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"gain": amount}, schema)
        with pytest.raises(ruleengine.FactsError):
            book.validate({"gain": amount})
        jsonschema.validate({"loss": amount}, schema)
        book.validate({"loss": amount})
    for amount in (5000, "5000", "5000 CNY", "¥5", {"amount": "1"}, {"amount": 1}):
        jsonschema.validate({"gain": amount}, schema)
        book.validate({"gain": amount})
