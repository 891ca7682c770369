"""Rule texts near the size limit: checking, compiling and explaining stay near-linear in the
size of the text, and memory a small multiple of it (issue 7, item 7).

No timings here (they flake on a shared machine; bench/large_rulebooks.py measures them):
each test counts the operations a formerly super-linear step performs, at N and at a
multiple of N, or bounds the memory a step takes (``tracemalloc``) against the size of its
input, with a wide margin over what the step takes now and far below what it took before.
"""

from __future__ import annotations

import datetime
import difflib
import gc
import json
import re
import symtable
import tracemalloc

import pytest

import ruleengine
from ruleengine import codegen, trace
from ruleengine.checker import Checker
from ruleengine.plugins import (
    adapter_chain,
    get_plugin_manager,
    registered_functions,
    registered_types,
    rule_sources,
)
from ruleengine.render import json as json_renderer
from ruleengine_dsl import parse, parser

DAY = datetime.date(2020, 1, 1)
HEADER = """\
scale seriousness { none low high }
input n: integer = 0
conclusion level: highest seriousness
"""


def one_line_rules(count: int) -> str:
    """``count`` one-line rules, as in the issue: a threshold each, and a level."""
    lines = [
        f"rule r{i} {{ cite article 1 when n >= {i} then level = {'high' if i % 3 else 'low'} }}"
        for i in range(count)
    ]
    return HEADER + "\n".join(lines) + "\n"


def peak_memory(step) -> tuple[object, int]:
    """What ``step()`` returns, and the most memory it had allocated at once, in bytes."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = step()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return result, peak


class _Counted(list):
    """A list that counts how often it is gone through, and asked whether it holds a value."""

    passes = asked = 0

    def __iter__(self):
        self.passes += 1
        return super().__iter__()

    def __contains__(self, value):
        self.asked += 1
        return super().__contains__(value)


# ------------------------------------------------------------------ parsing
def test_a_long_string_costs_memory_in_proportion_to_its_length():
    """The pattern of a string literal kept backtracking state for every character: a 2 MB
    note took 400 MB to read."""
    text = HEADER + f'rule r {{ cite article 1 note "{"x" * 500_000}" then level = low }}\n'
    module, peak = peak_memory(lambda: parse(text))
    assert module.decls[-1].notes[0].get("en") == "x" * 500_000
    assert peak < 10 * len(text)  # about 4x now; 60x and more before


def test_parsing_never_holds_the_whole_parse_tree():
    """Lark's parse tree took about a hundred times the text; nodes are now built into the
    syntax tree as the parser completes them."""
    text = one_line_rules(1000)
    module, peak = peak_memory(lambda: parse(text))
    assert len(module.decls) == 1003
    assert peak < 60 * len(text)  # about 35x now, 130x before


def test_parsing_goes_through_each_declaration_a_fixed_number_of_times(monkeypatch):
    """The declarations of a file are a list Lark grows one at a time; going through all of
    it at each step took time in the square of the number of declarations."""

    def items_gone_through(count: int) -> int:
        total = 0
        real = parser._Builder.built

        def built(self, children):
            nonlocal total
            total += len(children)
            return real(self, children)

        monkeypatch.setattr(parser._Builder, "built", built)
        parse(one_line_rules(count))
        monkeypatch.setattr(parser._Builder, "built", real)
        return total

    assert items_gone_through(1500) < 3.5 * items_gone_through(500)  # 3 now; 8 before


# ------------------------------------------------------------------ checking
def test_a_chain_of_exceptions_as_long_as_the_text_is_ordered():
    """Each rule an exception to the one before: the plan was ordered by recursion, and a
    chain of a few hundred rules was refused as nested too deeply (E212)."""
    count = 1500
    lines = ["rule r0 { cite article 1 when n >= 0 then level = low }"]
    lines += [
        f"rule r{i} {{ cite article 1 overrides r{i - 1} when n >= {i} then level = low }}"
        for i in range(1, count)
    ]
    book = ruleengine.load_text(HEADER + "\n".join(lines) + "\n")
    plan = [name for kind, name in book.rulebook.plan if kind == "rule"]
    assert plan == [f"r{i}" for i in reversed(range(count))]  # each after its exception
    result = book.explain({"n": 10}, DAY)
    assert [r.name for r in result.rules if r.status == "applied"] == [
        f"r{i}" for i in range(0, 11, 2)
    ]
    assert result.rule("r9").set_aside_by == ["r10"]


def test_did_you_mean_compares_a_bounded_number_of_names(monkeypatch):
    """Every unknown name was compared with every known name: 10,000 misspelt rules among
    10,000 definitions took about half an hour to check."""
    compared = 0
    real = difflib.get_close_matches

    def counted(word, possibilities, *args, **kwargs):
        nonlocal compared
        compared += len(possibilities)
        return real(word, possibilities, *args, **kwargs)

    monkeypatch.setattr(difflib, "get_close_matches", counted)
    lines = []
    for i in range(800):
        lines.append(f"define d{i}: bool = n >= {i}")
        lines.append(f"rule r{i} {{ cite article 1 when dd{i} then level = low }}")
    with pytest.raises(ruleengine.DiagnosticError) as caught:
        ruleengine.load_text(HEADER + "\n".join(lines) + "\n")
    found = caught.value.diagnostics
    assert len(found) == 800 and {d.code for d in found} == {"E200"}
    assert found[0].help == "did you mean 'd0'?" and found[-1].help is None
    limit = Checker.MAX_SUGGESTION_WORK
    assert limit < compared <= limit + 2000  # 1.3 million comparisons before


def test_the_cyclic_collector_rests_while_a_text_is_parsed_checked_and_compiled():
    """Parsing, checking and compiling make millions of objects and no cycles; the collector
    went through all of them each time their number grew by a quarter (a quarter of the time
    of loading 20,000 rules). It is paused, then resumed."""

    def collections(step):
        gc.collect()  # what ran before on this worker leaves no collection falling due here
        runs = []

        def count(phase, info):
            if phase == "start":
                runs.append(info["generation"])

        gc.callbacks.append(count)
        try:
            return step(), len(runs)
        finally:
            gc.callbacks.remove(count)

    pm = get_plugin_manager()
    checker = Checker(registered_types(pm), registered_functions(pm))
    module, parsing = collections(lambda: parse(one_line_rules(1000)))
    rulebook, checking = collections(lambda: checker.check("large", [module]))
    book = ruleengine.CompiledRulebook(rulebook)
    _, compiling = collections(lambda: book.decide({"n": 500}, DAY))  # compiles its program
    result = book.explain({"n": 500}, DAY)
    _, rendering = collections(lambda: json_renderer.render(result))
    # At most the one that falls due when the collector is resumed; 56, 36 and 32 before.
    assert max(parsing, checking, compiling, rendering) <= 1
    assert gc.isenabled()


# ------------------------------------------------------------------ compiling
def test_a_large_program_is_compiled_in_pieces_of_bounded_size(monkeypatch):
    """CPython compiles a module in memory of about a hundred times its source: the program
    of a large rulebook is compiled as pieces, one at a time (their text, a few bytes a
    character, is made first: what each piece passes on depends on what the later ones
    read)."""
    monkeypatch.setattr(codegen, "CHUNK_SIZE", 20_000)  # the pieces of a text five times larger
    pieces: list[str] = []
    real_compile = compile

    def compiled(source, *args):
        pieces.append(source)
        return real_compile(source, *args)

    monkeypatch.setattr(codegen, "compile", compiled, raising=False)
    book = ruleengine.load_text(one_line_rules(600))
    assert book.decide({"n": 300}, DAY).conclusions["level"] == "high"
    assert len(pieces) > 2
    assert max(map(len, pieces)) < 3 * codegen.CHUNK_SIZE  # a piece, its loads and stores


def test_the_pieces_of_a_long_program_pass_on_only_what_the_later_ones_read(monkeypatch):
    """Each piece read every value it mentioned from the list that joins them and wrote every
    one back; the pieces that combined the rules' claims read and wrote back the applying of
    every rule (at 5,000 rules, half of each case's work)."""
    monkeypatch.setattr(codegen, "CHUNK_SIZE", 20_000)
    book = ruleengine.load_text(one_line_rules(600))
    for program in ("fast", "explain", "cited"):
        gen = codegen._Gen(book.rulebook, book.epoch(DAY), program == "explain", program == "cited")
        source = "".join(gen.program())
        assert source.count("def _") > 3
        # The conclusion's highest level so far, the conflicts, a rule split from its claim.
        stores = re.findall(r"_S\[[0-9]+\] = ", source)
        assert 0 < len(stores) < 20
    assert book.decide({"n": 300}, DAY) == book.explain({"n": 300}, DAY).decision


def test_eval_compiles_only_the_decision_program_and_explain_only_the_other(monkeypatch):
    """Both programs were generated and compiled for any case: eval paid for the explain
    program, the larger, and explain for the decision program."""
    compiled: list[str] = []
    real_compile = compile
    monkeypatch.setattr(
        codegen,
        "compile",
        lambda source, *args: compiled.append(source) or real_compile(source, *args),
        raising=False,
    )
    book = ruleengine.load_text(one_line_rules(50))
    assert book.decide({"n": 3}, DAY).conclusions["level"] == "high"
    assert compiled and not [s for s in compiled if "def _explain" in s]
    book = ruleengine.load_text(one_line_rules(50))
    compiled.clear()
    assert book.explain({"n": 3}, DAY).decision.conclusions["level"] == "high"
    assert compiled and not [s for s in compiled if "def _decide" in s]
    compiled.clear()
    book.explain({"n": 4}, DAY)
    assert compiled == []  # once


def test_definitions_are_compiled_as_functions_of_their_own():
    """The explanation of each named condition was a function nested in the program, and
    CPython analyses nested functions in time of their number times the program's variables."""
    lines = []
    for i in range(300):
        lines.append(f"define d{i}: bool = n >= {i}")
        lines.append(f"rule r{i} {{ cite article 1 when d{i} then level = low }}")
    book = ruleengine.load_text(HEADER + "\n".join(lines) + "\n")
    result = book.explain({"n": 150}, DAY)
    assert [a.via for a in result.rule("r150").evidence] == ["d150"]
    explain = book.epoch(DAY).explain.__globals__["_explain_typed"]
    assert not [c for c in explain.__code__.co_consts if hasattr(c, "co_code")]


def test_a_scale_is_one_constant_of_the_explain_program():
    """``EnumType.rank`` makes a new dict each time it is read, and each claim on a scale
    conclusion made a constant of its own of it."""
    lines = [
        f"rule r{i} {{ cite article 1 when n >= {i} then level = if n > 9 then high else low }}"
        for i in range(300)
    ]
    book = ruleengine.load_text(HEADER + "\n".join(lines) + "\n")
    assert book.explain({"n": 150}, DAY).decision.conclusions["level"] == "high"
    constants = book.epoch(DAY).explain.__globals__
    rank = book.rulebook.conclusions["level"].type.rank
    assert sum(1 for v in constants.values() if isinstance(v, dict) and v == rank) == 1


def test_the_explanations_of_named_conditions_look_the_plan_through_once():
    """Whether each named condition is in the plan was asked of the plan as a list: the
    number of definitions times the length of the plan (16,000: 2.3 s of 7 to compile)."""
    lines = []
    for i in range(200):
        lines.append(f"define d{i}: bool = n >= {i}")
        lines.append(f"rule r{i} {{ cite article 1 when d{i} then level = low }}")
    book = ruleengine.load_text(HEADER + "\n".join(lines) + "\n")
    epoch = book.epoch(DAY)
    epoch.plan = _Counted(epoch.plan)
    helpers = codegen._Gen(book.rulebook, epoch, explain=True).helpers()
    assert len(helpers) == 200 and epoch.plan.passes == 1 and epoch.plan.asked == 0


def test_folding_constants_visits_each_node_of_a_long_sum_once(monkeypatch):
    """Every node of ``a + b + c + ...`` asked whether the sum below it is constant."""

    def calls(terms: int) -> int:
        count = 0
        real = codegen._Gen.fold

        def fold(self, e):
            nonlocal count
            count += 1
            return real(self, e)

        monkeypatch.setattr(codegen._Gen, "fold", fold)
        sum_ = " + ".join(["n"] * terms)
        book = ruleengine.load_text(HEADER + f"rule r {{ cite article 1 when {sum_} >= 1 }}\n")
        book.decide({"n": 1}, DAY)  # generates the decision program
        monkeypatch.setattr(codegen._Gen, "fold", real)
        return count

    # Within the nesting limit (64, E212): linear is three times, quadratic nine.
    assert calls(60) < 4 * calls(20)


@pytest.mark.parametrize("rulebook", ["pi2017", "ccdi"])
def test_a_program_in_pieces_decides_and_explains_as_one_does(monkeypatch, rulebook):
    """The split program reaches the same decisions and traces as the program in one piece,
    on every case the rulebook's own tests give."""
    pm = get_plugin_manager()
    _, source = rule_sources(pm)[rulebook]
    adapt = adapter_chain(pm, rulebook)

    def outcomes() -> list:
        book = ruleengine.load_paths(list(source.paths), name=rulebook, pm=pm)
        out = []
        for test in book.rulebook.tests[::3]:
            facts, _ = adapt(dict(test.given))
            day = test.as_of or DAY
            try:
                decision = book.decide(facts, day)
                explained = book.explain(facts, day)
            except (ruleengine.FactsError, ruleengine.EvaluationError) as err:
                out.append(repr(err))
                continue
            out.append((repr(decision), json.dumps(explained.to_json(), default=str)))
        return out

    whole = outcomes()
    monkeypatch.setattr(codegen, "CHUNK_SIZE", 200)
    monkeypatch.setattr(codegen, "INLINE_ITEMS", 0)
    assert outcomes() == whole


# ------------------------------------------------------------------ explaining


def test_the_explanation_goes_through_the_rules_a_fixed_number_of_times():
    """The nearest miss, and the JSON's ``decided_by``, went through every rule once for
    every conclusion: 20,000 rules with a conclusion each took minutes."""
    lines = []
    for i in range(60):
        lines.append(f"conclusion c{i}: highest seriousness")
        lines.append(f"rule r{i} {{ cite article 1 when n >= {i} then c{i} = low }}")
    book = ruleengine.load_text(HEADER + "\n".join(lines) + "\n")
    result = book.explain({"n": 30}, DAY)
    counted = _Counted(result.rules)
    misses = trace.nearest_misses(book.rulebook, result.decision, counted)
    assert [m.rule for m in misses] == [f"r{i}" for i in range(31, 60)]
    assert counted.passes <= 3
    result.rules = counted = _Counted(result.rules)
    decided = {c["name"]: c["decided_by"] for c in result.to_json()["conclusions"]}
    assert decided["c3"] == ["r3"] and decided["c40"] == []
    assert counted.passes <= 3


def test_an_explanation_keeps_no_object_for_each_rule():
    """An explanation kept an ``Atom``, lists, a claim and a ``RuleTrace`` for each rule,
    some 30,000 objects at 5,000 rules that each collection of the oldest generation went
    through (explaining grew 11x for 5x the rules). Now the explain program records values
    in flat lists (``trace.Tests``) and the rules' traces are made when first read: the
    objects an explanation keeps do not grow with the rules, and its memory grows in
    proportion to them."""

    def kept(count: int):
        book = ruleengine.load_text(one_line_rules(count))
        facts = {"n": count // 2}
        book.explain(facts, DAY)  # the program compiled
        gc.collect()
        objects = len(gc.get_objects())
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            result = book.explain(facts, DAY)
            held = tracemalloc.get_traced_memory()[0] - base
        finally:
            tracemalloc.stop()
        gc.collect()
        return result, len(gc.get_objects()) - objects, held / count

    small, small_objects, small_bytes = kept(1000)
    large, large_objects, large_bytes = kept(5000)
    # The trace and its few lists, at any size (give or take a few objects that another
    # thread, pytest-xdist's, makes meanwhile: 14 to 18 were seen); one for each rule
    # would be thousands more.
    assert small_objects < 40 and large_objects < 40
    assert abs(large_objects - small_objects) < 10
    assert 0.8 < large_bytes / small_bytes < 1.25  # about 50 bytes a rule at both sizes
    rules = large.rules  # made now, as they were
    assert len(rules) == 5000 and {r.status for r in rules[:2501]} == {"applied"}
    assert rules[2501].status == "not_met" and rules[2501].evidence[0].right == 2501
    assert large.to_json()["rules"][4999]["evidence"][0]["short_by"] == 2499


def test_an_explanation_read_in_full_makes_three_objects_a_rule():
    """Read in full (every rule's evidence, the nearest misses), an explanation kept 3.5
    objects for each rule that the collector tracks (a ``RuleTrace`` with its lists, a tuple
    for where its tests are, the list of its tests, an ``Atom`` a test), and at 5,000 rules
    reading grew 10-11x for 5x the rules. Now a rule's trace, the list of its tests and an
    ``Atom`` for each test: the lists of claims and blockers are made when asked for."""

    def made(count: int) -> int:
        book = ruleengine.load_text(one_line_rules(count))
        facts = {"n": count // 2}
        book.explain(facts, DAY).misses  # noqa: B018 - compiled and warm
        gc.collect()
        before = len(gc.get_objects())
        result = book.explain(facts, DAY)
        for rule in result.rules:
            rule.evidence  # noqa: B018
        result.misses  # noqa: B018
        return len(gc.get_objects()) - before

    # One test a rule: per rule, the objects kept besides the few of any trace.
    assert 2.9 < (made(1200) - made(200)) / 1000 < 3.2  # 3.5 before
    book = ruleengine.load_text(one_line_rules(10))
    rule = book.explain({"n": 5}, DAY).rule("r1")
    assert rule == trace.RuleTrace("r1", "applied", rule.evidence, [("level", "high", None)])
    rule.conclusions.append(("level", "low", None))  # a list, kept
    assert rule.conclusions[-1] == ("level", "low", None) and rule.set_aside_by == []


def test_json_of_a_large_trace_takes_a_few_times_its_text():
    """``json.dumps`` kept a list of every piece of the text (a piece per key and value), and
    the entries of all the rules were made before any was encoded."""
    book = ruleengine.load_text(one_line_rules(500))
    result = book.explain({"n": 250}, DAY)
    text, peak = peak_memory(lambda: json_renderer.render(result))
    assert text == json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
    # The text and the pieces it is joined from, at most two bytes a character each: 4.1
    # bytes a character; 6.4 with every rule's entry made first, 10.6 with json.dumps.
    assert peak < 5.5 * len(text)


@pytest.mark.parametrize("name", ["pi2017", "ccdi"])
def test_each_group_of_lines_says_every_value_it_assigns(name):
    """A piece of a long program passes on what its groups of lines say they assign: one
    they left out would be lost between pieces. Python's own symbol table holds them to it,
    on the shipped rulebooks (lighter blocks, decimal definitions, every kind of conclusion)."""
    pm = get_plugin_manager()
    book = ruleengine.load_paths(list(rule_sources(pm)[name][1].paths), name=name, pm=pm)
    day = datetime.date(2024, 9, 2)
    for explain, cited in ((False, False), (True, False), (False, True)):
        gen = codegen._Gen(book.rulebook, book.epoch(day), explain, cited)
        list(gen.program())  # the helpers and the names of decimal definitions' parts
        values = gen.values()
        groups = [g for g in gen.body(explain) if isinstance(g, codegen._Group)]
        assert len(groups) > 100
        for group in groups:
            table = symtable.symtable("def _g():\n" + "\n".join(" " + x for x in group), "", "exec")
            assigned = {
                s.get_name() for s in table.get_children()[0].get_symbols() if s.is_assigned()
            }
            assert assigned & values <= group.sets, group
