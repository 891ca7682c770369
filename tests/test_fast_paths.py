"""The faster ways of doing the same work give the same result as the plain ones.

The JSON renderer writes with orjson where it can and with the standard library otherwise:
the same bytes. A trace's JSON made with the rulebook's fixed parts shared is the JSON made
afresh. What is kept for a rulebook goes with it.
"""

from __future__ import annotations

import datetime
import gc
import json
import re
import weakref
from fractions import Fraction
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ruleengine
from ruleengine import memo
from ruleengine.render import json as json_renderer
from ruleengine.render import text as text_renderer
from ruleengine.render.explanation import Explanation, Line, Section, build
from ruleengine.trace import Atom, Miss, nearest_misses
from ruleengine.types import format_number, format_ratio

ROOT = Path(__file__).resolve().parents[1]
DAY = datetime.date(2018, 3, 1)
QUICKSTART = ROOT / "examples" / "quickstart" / "article5.rules"


def plain(trace) -> str:
    return json.dumps(trace.to_json(), ensure_ascii=False, indent=2) + "\n"


@pytest.fixture(scope="module")
def book():
    return ruleengine.load_paths([QUICKSTART])


CASES = [
    {"sensitive_items": 60, "important_items": 120, "illegal_gain": "3200.50"},
    {"sensitive_items": 36, "important_items": 99, "other_items": 410},
    {"illegal_gain": "24999.99", "in_duty": True},
    {},
    # Beyond 64 bits: orjson cannot write it, the standard library does.
    {"other_items": 10**30},
]


@pytest.mark.parametrize("facts", CASES)
def test_json_renderer_writes_what_json_dumps_writes(book, facts):
    trace = book.explain(facts, DAY)
    assert json_renderer.render(trace) == plain(trace)
    assert json_renderer.dumps(trace.to_json()) + "\n" == plain(trace)


@pytest.mark.skipif(json_renderer.orjson is None, reason="orjson not installed")
def test_orjson_is_used_where_it_can_be_and_not_where_it_cannot(book):
    small = book.explain(CASES[0], DAY).to_json(shared=True)
    assert json_renderer.fast_dumps(small) == json.dumps(small, ensure_ascii=False, indent=2)
    huge = book.explain(CASES[-1], DAY).to_json(shared=True)
    assert json_renderer.fast_dumps(huge) is None
    odd = {"text": "a \ud800 lone surrogate", 3: "a key that is not a string"}
    assert json_renderer.fast_dumps(odd) is None


def test_every_code_point_is_written_alike():
    text = "".join(chr(c) for c in range(0, 0x3000) if not 0xD800 <= c <= 0xDFFF)
    data = {"s": text + "\u2028\u2029\U0001f600", "k\n": [[], {}, 2**63 - 1, -(2**63)]}
    fast = json_renderer.fast_dumps(data)
    assert fast is None or fast == json.dumps(data, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("facts", CASES)
def test_shared_parts_give_the_same_json(book, facts):
    trace = book.explain(facts, DAY)
    assert trace.to_json(shared=True) == trace.to_json()
    assert trace.to_json(shared=True) == trace.to_json()  # again, from what was kept


def test_what_is_kept_for_a_rulebook_goes_with_it():
    book = ruleengine.load_paths([QUICKSTART])
    trace = book.explain(CASES[0], DAY)
    trace.to_json(shared=True)
    seen = []

    @memo.per_rulebook
    def count(rulebook):
        seen.append(1)
        return len(rulebook.rules)

    assert count(book.rulebook) == count(book.rulebook) and len(seen) == 1
    gone = weakref.ref(book.rulebook)
    del book, trace
    gc.collect()
    assert gone() is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(1, 2), "0.5"),
        (Fraction(-1, 8), "-0.125"),
        (Fraction(999901, 200), "4999.505"),
        (Fraction(1, 3), "1/3"),
        (Fraction(7, 1), "7"),
        (Fraction(1, 2**70), "0." + str(5**70).rjust(70, "0")),
        (True, "True"),
    ],
)
def test_numbers_are_written_exactly(value, text):
    # format_number keeps the decimal places of each denominator; the same text every time.
    assert format_number(value) == text
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("left", "right", "gap"),
    [
        (60, 500, 440),
        (Fraction(999901, 200), 5000, Fraction(99, 200)),
        (Fraction(1, 3), Fraction(1, 2), Fraction(1, 6)),
        (Fraction(3, 4), Fraction(7, 4), 1),
    ],
)
def test_a_shortfall_is_exact_and_whole_when_it_can_be(left, right, gap):
    atom = Atom("x >= y", False, None, op=">=", left=left, right=right)
    got = atom.shortfall()
    assert got == gap and type(got) is type(gap)


@settings(max_examples=300, deadline=None)
@given(
    num=st.integers(-(10**30), 10**30),
    den=st.sampled_from([1, 2, 3, 4, 8, 12, 100, 625, 1000, 2**70, 7 * 10**6]),
)
def test_a_ratio_is_written_as_its_fraction(num, den):
    value = Fraction(num, den)
    # format_ratio takes the fraction in lowest terms, as Fraction keeps it.
    assert format_ratio(value.numerator, value.denominator) == format_number(value)
    assert format_ratio(value.numerator, value.denominator) == format_number(value)  # kept


def test_a_miss_with_its_change_keeps_every_other_field():
    # Made directly, not by attrs.evolve (seven times as fast): a field added to Miss
    # must be passed along too.
    values = {f.name: object() for f in attrs.fields(Miss)}
    miss = Miss(**values)
    assert miss.with_changes((("n", 1, 2),)) == attrs.evolve(miss, changes=(("n", 1, 2),))


NEAREST = """\
scale seriousness { none low mid high }
input n: integer = 0
input m: integer = 0
conclusion level: highest seriousness
define items: integer = n + m
rule top { cite article 1 when n >= 900 or m >= 800 then level = high }
rule middle { cite article 1 when items >= 300 or n * 2 >= 500 or m >= 400 then level = mid }
rule low { cite article 1 when n >= 100 or m >= 50 then level = low }
rule again { cite article 1 when m >= 60 then level = low }
"""


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # The next level up, though higher levels come first in the text; a definition's
        # test, then the nearest test of a fact as given of the same level.
        ({"n": 10, "m": 40}, [("low", "low", "m >= 50")]),
        ({"n": 90, "m": 0}, [("low", "low", "n >= 100")]),
        ({"n": 140, "m": 70}, [("mid", "middle", "items >= 300"), ("mid", "middle", "m >= 400")]),
        ({"n": 240, "m": 0}, [("mid", "middle", "items >= 300"), ("mid", "middle", "m >= 400")]),
        ({"n": 0, "m": 500}, [("high", "top", "m >= 800")]),
    ],
)
def test_the_nearest_miss_is_of_the_next_level_up(facts, expected):
    # nearest_misses passes over a rule of a higher level than a miss already found.
    trace = ruleengine.load_text(NEAREST).explain(facts, DAY)
    found = nearest_misses(trace.rulebook, trace.decision, trace.rules)
    assert [(m.level, m.rule, m.atom.text) for m in found] == expected


def _with_rich(explanation) -> str:
    saved = text_renderer._plain
    text_renderer._plain = lambda e: None
    try:
        return text_renderer.render_explanation(explanation, color=False)
    finally:
        text_renderer._plain = saved


# Left out, where rich does not write the text as it is and the plain tree does (the tests
# below): a text ending in a backslash (rich writes it twice: its escape adds one that its
# markup keeps), and a backslash before a bracket that opens no tag (rich's escape doubles a
# backslash only before a tag, and its markup then reads "\\[" as an escaped bracket: found by
# this test once in about forty runs, "\\[" written "[").
TEXTS = (
    st.text(max_size=30) | st.sampled_from(["", " ", "[bold]x[/]", "a  ", "情节严重 ", "\\[x]"])
).filter(lambda t: not t.endswith("\\") and not re.search(r"\\\[(?![a-z#/@][^\[]*?\])", t))
LINES = st.recursive(
    st.builds(Line, TEXTS, st.sampled_from(["", "applied", "dim"])),
    lambda inner: st.builds(
        Line, TEXTS, st.sampled_from(["", "miss"]), st.lists(inner, max_size=3).map(tuple)
    ),
    max_leaves=12,
)
EXPLANATIONS = st.builds(
    Explanation,
    TEXTS,
    TEXTS,
    st.lists(st.builds(Section, TEXTS, st.lists(LINES, max_size=3).map(tuple)), max_size=3).map(
        tuple
    ),
)


@settings(max_examples=300, deadline=None)
@given(explanation=EXPLANATIONS)
def test_the_plain_text_tree_is_what_rich_writes(explanation):
    assert text_renderer.render_explanation(explanation, color=False) == _with_rich(explanation)


@pytest.mark.parametrize("facts", CASES)
def test_the_plain_text_tree_of_traces_is_what_rich_writes(book, facts):
    for lang in ("en", "zh"):
        explanation = build(book.explain(facts, DAY), lang, names=True)
        assert text_renderer._plain(explanation) == _with_rich(explanation)


def test_a_line_rich_would_wrap_goes_through_rich():
    long = Explanation("h", "s", (Section("t", (Line("情" * 6000),)),))
    assert text_renderer._plain(long) is None
    assert text_renderer.render_explanation(long) == _with_rich(long)


def test_a_text_ending_in_a_backslash_is_written_as_it_is():
    explanation = Explanation("C:\\", "s", (Section("t", (Line("a\\"),)),))
    assert text_renderer.render_explanation(explanation) == "C:\\\ns\nt\n└── a\\\n"


def test_a_backslash_before_a_bracket_is_written_as_it_is():
    explanation = Explanation("a\\[", "s", (Section("t", (Line("\\[b"),)),))
    assert text_renderer.render_explanation(explanation) == "a\\[\ns\nt\n└── \\[b\n"
