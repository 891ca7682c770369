"""Facts validation: every mistake named by its path, with what was expected and found.

Both evaluation paths must refuse the same facts, so each bad case is tried through
``decide`` (fast path, falling back to validation) and ``explain``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from conftest import load

from ruleengine import FactsError
from ruleengine.facts import loads_json, loads_yaml

DAY = datetime.date(2018, 1, 1)

RULES = """\
enum act_kind { obtain: zh "获取" en "obtain"  sell "出售"  provide }
scale s { none serious }
record act { kind: act_kind  items: count  recipient: text = "" }
input items: count
input gain: money(CNY) = 0 yuan
input ratio: decimal = 0
input day: date = 2018-01-01
input kind: act_kind = obtain
input in_duty: bool = false
input acts: list of act
conclusion level: highest s
conclusion gain_seen: value money(CNY)
conclusion ratio_seen: value decimal
conclusion sold: value integer
rule r {
  cite article 1
  when items >= 0 and day > 2000-01-01 and (kind = sell or not in_duty)
  then level = serious, gain_seen = gain, ratio_seen = ratio,
       sold = sum(a.items for a in acts where a.kind = sell)
}
"""


@pytest.fixture(scope="module")
def book():
    return load(RULES, "facts.rules")


def problems(book, facts) -> list[tuple[str, str, str | None]]:
    """The problems both paths report for ``facts``; they must agree."""
    with pytest.raises(FactsError) as fast:
        book.decide(facts, DAY)
    with pytest.raises(FactsError) as slow:
        book.explain(facts, DAY)
    assert fast.value.problems == slow.value.problems
    return [(p.path, p.message, p.help) for p in fast.value.problems]


def test_missing_field(book):
    assert problems(book, {}) == [("items", "missing", "expected a whole number ≥ 0")]


def test_misspelt_field_suggests_the_right_one(book):
    assert problems(book, {"items": 1, "gian": 5}) == [
        ("gian", "unknown field", "did you mean 'gain'?")
    ]


def test_unknown_field_without_a_near_name_lists_known_fields(book):
    ((path, message, help),) = problems(book, {"items": 1, "zzz": 5})
    assert (path, message) == ("zzz", "unknown field")
    assert help == "known fields: items, gain, ratio, day, kind, in_duty, acts"


@pytest.mark.parametrize(
    "value, found",
    [
        ("many", 'got "many"'),
        (-1, "got -1, but it cannot be below 0"),
        ("-1", "got -1, but it cannot be below 0"),
        (Decimal("1.5"), "got 1.5, which is not a whole number"),
        ("1.5", "got 1.5, which is not a whole number"),
        (Fraction(3, 2), "got 1.5, which is not a whole number"),
        (True, "got true"),
        (None, "got null"),
        ([1], "got a list"),
    ],
)
def test_ill_typed_count(book, value, found):
    assert problems(book, {"items": value}) == [
        ("items", f"expected a whole number ≥ 0, {found}", None)
    ]


@pytest.mark.parametrize("field, value", [("items", 1.0), ("ratio", 0.1), ("gain", 5000.0)])
def test_binary_float_is_refused_not_rounded(book, field, value):
    facts = {"items": 1, field: value}
    ((path, message, help),) = problems(book, facts)
    assert path == field
    assert message.endswith(f"got the binary floating-point number {value!r}")
    assert help == 'give it as a string such as "0.1" or as a Decimal, so that it stays exact'


@pytest.mark.parametrize("gain", ["5000 USD", {"amount": "5000", "currency": "USD"}])
def test_wrong_currency(book, gain):
    assert problems(book, {"items": 1, "gain": gain}) == [
        (
            "gain",
            'expected an amount of money in CNY (a number, or "5000 CNY"), '
            "got an amount in USD; this field is in CNY",
            None,
        )
    ]


def test_money_object_with_extra_keys(book):
    ((path, message, help),) = problems(book, {"items": 1, "gain": {"amount": 1, "x": 2}})
    assert path == "gain" and message.endswith("got an object")
    assert help == 'write {"amount": "5000", "currency": "CNY"}'


@pytest.mark.parametrize("day", ["2018-02-30", "2018/01/01", "yesterday", 20180101])
def test_bad_date(book, day):
    ((path, message, _),) = problems(book, {"items": 1, "day": day})
    assert path == "day"
    assert message.startswith("expected a date (YYYY-MM-DD), got ")


def test_datetime_is_not_a_date(book):
    moment = datetime.datetime(2018, 1, 1, 12, 0)
    assert problems(book, {"items": 1, "day": moment}) == [
        (
            "day",
            "expected a date (YYYY-MM-DD), got a date and time 2018-01-01T12:00:00; "
            "give the date only",
            None,
        )
    ]


def test_bad_enum_member_suggests(book):
    assert problems(book, {"items": 1, "kind": "sel"}) == [
        (
            "kind",
            'expected one of obtain, sell, provide, got "sel", '
            "which is not one of act_kind's members",
            "did you mean 'sell'?",
        )
    ]


def test_bool_must_be_a_bool(book):
    ((path, message, _),) = problems(book, {"items": 1, "in_duty": "yes"})
    assert (path, message) == ("in_duty", 'expected true or false, got "yes"')
    ((path, message, _),) = problems(book, {"items": 1, "in_duty": 1})
    assert (path, message) == ("in_duty", "expected true or false, got 1")


def test_nested_record_list_errors_have_paths(book):
    facts = {
        "items": 1,
        "acts": [
            {"kind": "sell", "items": 1},
            {"kind": "sell", "items": -2},
            {"kind": "x"},
            {"kind": "sell", "items": 1, "recipent": "a"},
            "not a record",
        ],
    }
    got = problems(book, facts)
    assert [p for p, _, _ in got] == [
        "acts[1].items",
        "acts[2].kind",
        "acts[2].items",
        "acts[3].recipent",
        "acts[4]",
    ]
    assert got[0][1] == "expected a whole number ≥ 0, got -2, but it cannot be below 0"
    assert got[2][1:] == ("missing", "expected a whole number ≥ 0")
    assert got[3][1:] == ("unknown field", "did you mean 'recipient'?")
    assert got[4][1] == 'got "not a record"'


def test_list_given_as_scalar(book):
    ((path, message, _),) = problems(book, {"items": 1, "acts": "x"})
    assert path == "acts" and message.endswith('got "x"')


def test_all_problems_reported_together(book):
    got = problems(book, {"gian": 1, "kind": "sel", "day": "never"})
    assert sorted(p for p, _, _ in got) == ["day", "gian", "items", "kind"]


def test_facts_must_be_an_object(book):
    assert problems(book, [1, 2]) == [("", "the facts must be an object, got a list", None)]


# ------------------------------------------------------------------ exact reading
def test_json_decimal_is_read_exactly():
    data = loads_json('{"ratio": 0.1, "items": 3, "gain": 12.50}')
    assert data == {"ratio": Decimal("0.1"), "items": 3, "gain": Decimal("12.50")}
    assert type(data["ratio"]) is Decimal and type(data["items"]) is int


def test_json_special_constants_are_refused():
    with pytest.raises(ValueError):
        loads_json('{"ratio": NaN}')


def test_json_point_one_reaches_the_rules_exactly(book):
    facts = loads_json('{"items": 1, "ratio": 0.1}')
    decision = book.decide(facts, DAY)
    assert decision.conclusions["ratio_seen"] == Fraction(1, 10)
    assert book.explain(facts, DAY).decision.conclusions["ratio_seen"] == Fraction(1, 10)


def test_yaml_floats_are_decimal():
    data = loads_yaml("ratio: 0.1\nitems: 3\ngain: 1_000.25\n")
    assert data == {"ratio": Decimal("0.1"), "items": 3, "gain": Decimal("1000.25")}
    assert type(data["ratio"]) is Decimal


def test_yaml_point_one_reaches_the_rules_exactly(book):
    facts = loads_yaml("items: 1\nratio: 0.1\n")
    assert book.decide(facts, DAY).conclusions["ratio_seen"] == Fraction(1, 10)


@pytest.mark.parametrize(
    "gain, amount",
    [
        ("5000 CNY", 5000),
        ("5000 yuan", 5000),
        ("5000元", 5000),
        ("¥5,000", 5000),
        ("12.5", Fraction(25, 2)),
        ({"amount": "12.5", "currency": "CNY"}, Fraction(25, 2)),
        ({"amount": "12.5"}, Fraction(25, 2)),
        (Decimal("12.5"), Fraction(25, 2)),
        (Fraction(25, 2), Fraction(25, 2)),
        (5000, 5000),
    ],
)
def test_money_forms(book, gain, amount):
    facts = {"items": 1, "gain": gain}
    assert book.decide(facts, DAY).conclusions["gain_seen"] == amount
    assert book.explain(facts, DAY).decision.conclusions["gain_seen"] == amount


@pytest.mark.parametrize("ratio", ["1/3", Fraction(1, 3)])
def test_fraction_forms(book, ratio):
    assert book.decide({"items": 1, "ratio": ratio}, DAY).conclusions["ratio_seen"] == Fraction(
        1, 3
    )


def test_enum_member_by_label(book):
    facts = {"items": 1, "in_duty": True, "kind": "出售"}
    assert book.decide(facts, DAY).conclusions["level"] == "serious"
    assert book.explain(facts, DAY).facts["kind"] == "sell"


def test_records_defaults_are_filled(book):
    facts = {"items": 1, "acts": [{"kind": "sell", "items": 2}, {"kind": "获取", "items": 5}]}
    trace = book.explain(facts, DAY)
    assert trace.facts["acts"] == (
        {"kind": "sell", "items": 2, "recipient": ""},
        {"kind": "obtain", "items": 5, "recipient": ""},
    )
    assert trace.decision.conclusions["sold"] == 2
    assert book.decide(facts, DAY).conclusions["sold"] == 2


def test_validate_returns_typed_values(book):
    typed = book.validate({"items": "7", "ratio": "0.25", "day": "2019-03-04"})
    assert typed["items"] == 7 and typed["ratio"] == Fraction(1, 4)
    assert typed["day"] == datetime.date(2019, 3, 4)
    assert typed["acts"] == () and typed["gain"] == 0 and typed["kind"] == "obtain"


def test_too_many_digits_refused_by_both_paths():
    book = load(
        "input items: count = 0\nscale s { none serious }\nconclusion level: highest s\n"
        "rule r {\n  cite article 1\n  when items >= 50\n  then level = serious\n}\n"
    )
    facts = {"items": 10**45}
    with pytest.raises(FactsError):
        book.explain(facts, DAY)
    with pytest.raises(FactsError):
        book.decide(facts, DAY)


# ------------------------------------------------------------------ the readers adapters use
@pytest.mark.parametrize(
    "field, value",
    [("items", -1), ("items", "1e3"), ("gain", "1e999999999"), ("gain", "sNaN"), ("kind", ["x"])],
)
def test_read_value_reports_as_validation_does(book, field, value):
    """An adapter reading a field with ``read_value`` gives the user validation's own message."""
    from ruleengine import read_value

    spec = book.rulebook.inputs[field]
    with pytest.raises(FactsError) as read:
        read_value(value, spec.type, f"acts[2].{field}", spec.minimum)
    [(path, message, help_)] = problems(book, {"items": 1, "acts": [], field: value})
    assert [(p.path, p.message, p.help) for p in read.value.problems] == [
        (f"acts[2].{path}", message, help_)
    ]


def test_read_value_collects_problems_when_asked_and_returns_exact_values():
    from ruleengine import read_value
    from ruleengine.types import INTEGER, MoneyType

    found = []
    assert read_value("4999.50", MoneyType(currency="CNY"), "gain", problems=found) == Fraction(
        9999, 2
    )
    assert read_value(-1, INTEGER, "a", 0, problems=found) is None
    assert read_value("5 USD", MoneyType(currency="CNY"), "b", problems=found) is None
    assert [p.path for p in found] == ["a", "b"]


def test_read_field_names_the_path_and_reports_a_missing_field():
    from ruleengine import FactProblem, read_field
    from ruleengine.types import INTEGER

    act = {"items": "7"}
    assert read_field(act, "items", INTEGER, "acts[3]") == 7
    assert read_field(act, "gain", INTEGER, "acts[3]", default=0) == 0
    with pytest.raises(FactsError) as err:
        read_field(act, "count", INTEGER, "acts[3]", 0)
    assert err.value.problems == [
        FactProblem("acts[3].count", "missing", "expected a whole number ≥ 0")
    ]


def test_enum_type_reads_members_and_their_labels():
    from ruleengine import enum_type, read_value

    kind = enum_type("act_kind", {"obtain": ("获取", "obtain"), "sell": {"zh": "出售"}})
    assert read_value("获取", kind, "k") == "obtain"
    assert read_value("出售", kind, "k") == "sell"
    with pytest.raises(FactsError) as err:
        read_value("sel", kind, "acts[0].kind")
    [problem] = err.value.problems
    assert problem.path == "acts[0].kind"
    assert "not one of act_kind's members" in problem.message
    assert problem.help == "did you mean 'sell'?"
    plain = enum_type("category", ["tracking", "credit"])
    assert read_value("credit", plain, "c") == "credit"
