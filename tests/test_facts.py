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


def test_unknown_field_among_many_points_to_the_schema():
    """Sixth QA round (F2): pi2017's hint listed 54 names; past a dozen they are counted and
    the schema named."""
    from ruleengine.facts import FactsError, validate_fields
    from ruleengine.ir import FieldSpec
    from ruleengine.types import INTEGER

    fields = [FieldSpec(f"f{i}", INTEGER, None, 0, None) for i in range(13)]
    with pytest.raises(FactsError) as err:
        validate_fields({"zzz": 1}, fields)
    assert err.value.problems[0].help == "13 known fields: 'ruleengine schema' lists them"
    with pytest.raises(FactsError) as err:
        validate_fields({"zzz": 1}, fields[:12])
    assert err.value.problems[0].help.startswith("known fields: f0, f1,")


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


# ------------------------------------------------------------------ YAML as a lawyer reads it
@pytest.mark.parametrize(
    "text, words",
    [
        # YAML 1.1 would read these as other numbers than a reader sees.
        ("items: 050", "050 is ambiguous: YAML 1.1 reads a leading zero as octal (40); write 50"),
        ("items: 0x40", "0x40 is a hexadecimal number in YAML 1.1 (64); write 64"),
        ("items: 0b111111", "0b111111 is a binary number in YAML 1.1 (63); write 63"),
        ("items: 1:20", "1:20 is a base-60 number in YAML 1.1"),
        ("ratio: 1:20.5", "1:20.5 is a base-60 number in YAML 1.1"),
        ("items: 08", "08 is ambiguous (a number with a leading zero); write 8"),
        ("items: +5", "+5 is not a plain decimal number; write 5"),
        ("ratio: .5", ".5 is not a plain decimal number; write 0.5"),
        ("ratio: 1.", "1. is not a plain decimal number; write 1"),
        ("items: 10_00", "10_00 is not a plain decimal number; write 1000"),
        ("ratio: .inf", ".inf is not a number facts can hold"),
        ("ratio: .nan", ".nan is not a number facts can hold"),
        ("items: " + "9" * 41, "number has more than 40 digits"),
        ("items: 0x" + "f" * 5000, "number has more than 40 digits"),
        # Level 33 (the mapping level 1) at its bracket, as in JSON; 5,000 levels had no place.
        ("items: " + "[" * 32 + "]" * 32, "nested too deeply (facts hold at most 32 levels)"),
        ("items: " + "[" * 5000 + "]" * 5000, "nested too deeply (facts hold at most 32 levels)"),
        # As in JSON: a field given twice is refused, never last-wins.
        ("items: 50\nratio: 1\nitems: 60", "field 'items' is given twice"),
        ("acts:\n- {kind: sell, items: 1, items: 2}", "field 'items' is given twice"),
        # Aliases could expand a few lines into billions of values; merge keys hide fields.
        ("a: &a [1, 2]\nb: [*a, *a]", "an alias (*a) is not read in facts"),
        ("<<: {items: 1}", "a merge key (<<) is not read in facts"),
        ("day: 2018-02-30", "2018-02-30 is not a date in the calendar"),
        # A name YAML reads as a value: refused before any plugin's adapter sees the record.
        ("case: {}\noff: [{name: E}]", "YAML reads 'off' as a value"),
        ("acts:\n- {kind: sell, 5: 1}", "YAML reads '5' as a value"),
        ("x: 1\n? [a]", "YAML reads this key as a list or an object"),
    ],
)
def test_yaml_that_a_reader_could_misread_is_refused_with_its_place(text, words):
    import yaml

    with pytest.raises(yaml.MarkedYAMLError) as err:
        loads_yaml(text, "case.yaml")
    assert words in err.value.problem
    mark = err.value.problem_mark  # the place: the command line shows it with a caret
    assert (mark.name, mark.line) == ("case.yaml", text.count("\n"))


def test_yaml_plain_numbers_dates_and_quoted_texts_are_read():
    data = loads_yaml(
        "items: 50\nzero: 0\nneg: -3\ngrouped: 1_000_000\nratio: 12.50\nexp: 1.5e+3\n"
        'quoted: "050"\nday: 2018-03-01\nflag: true\n'
    )
    assert data == {
        "items": 50,
        "zero": 0,
        "neg": -3,
        "grouped": 1_000_000,
        "ratio": Decimal("12.50"),
        "exp": Decimal("1500"),
        "quoted": "050",
        "day": datetime.date(2018, 3, 1),
        "flag": True,
    }


def test_a_billion_laughs_is_refused_at_the_first_alias():
    import yaml

    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    with pytest.raises(yaml.MarkedYAMLError, match=r"an alias \(\*a\)"):
        loads_yaml("\n".join(lines))


@pytest.mark.parametrize("text", ["a: !!int ''", "a: !!float ''", "a: !!int abc", "a: !!int 0x"])
def test_yaml_tags_that_force_a_number_on_a_text_are_refused_not_crashed_on(text):
    import yaml

    with pytest.raises(yaml.MarkedYAMLError, match="is not a plain decimal number"):
        loads_yaml(text)


def test_elements_of_a_list_of_counts_or_money_are_never_below_zero():
    rules = (
        "input counts: list of count\ninput amounts: list of money\n"
        "conclusion n: value integer = 0\nrule r { cite article 1 then n = size(counts) }\n"
    )
    book = load(rules, "lists.rules")
    with pytest.raises(FactsError) as err:
        book.decide({"counts": [1, -2], "amounts": ["5", "-1"]}, DAY)
    assert [p.path for p in err.value.problems] == ["counts[1]", "amounts[1]"]
    assert all("cannot be below 0" in p.message for p in err.value.problems)
    from ruleengine.schema import facts_schema

    schema = facts_schema(book.rulebook, "en")
    assert schema["properties"]["counts"]["items"]["minimum"] == 0


def test_a_record_type_is_named_with_its_article():
    """QA found "expected a act record" for ``--set 'acts[0]=5'``."""
    from ruleengine.facts import describe_expected
    from ruleengine.types import RecordType

    assert describe_expected(RecordType(name="act")).startswith("an act record")
    assert describe_expected(RecordType(name="official")).startswith("an official record")
    assert describe_expected(RecordType(name="seizure")).startswith("a seizure record")


def test_a_refusal_with_help_reads_as_text_in_a_rule_texts_diagnostic():
    """A value of a rule text (a default, a test's given) refused with help printed the help
    as ``Said(en=..., zh=...)`` (found by the law-in-time engineer)."""
    from ruleengine.facts import convert_value
    from ruleengine.types import MoneyType

    with pytest.raises(ValueError) as err:
        convert_value({"amount": "5", "x": 1}, MoneyType("CNY"))
    assert str(err.value).endswith('(write {"amount": "5000", "currency": "CNY"})')
    assert "Said(" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("9" * 40, True),
        ("9" * 41, False),  # a seventh QA round: taken in quotes, refused as a JSON number
        ("-" + "9" * 40, True),  # the sign is no digit
        ("-" + "9" * 41, False),
        ("0" * 10 + "9" * 40, True),  # nor are leading zeros, as in a JSON number
        ("9" * 40 + ".5", False),
        ("0." + "1" * 40, True),
        ("0." + "1" * 41, False),
    ],
)
def test_a_number_in_quotes_has_the_digit_limit_of_a_json_number(text, read):
    from ruleengine.facts import _exact, _Invalid

    if read:
        assert _exact(text) == Fraction(text)
    else:
        with pytest.raises(_Invalid, match="more than 40 digits"):
            _exact(text)
