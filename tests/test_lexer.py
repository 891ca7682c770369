"""The Pygments lexer: found by name through its entry point, and every shipped rule file lexes
without an Error token (an Error token is text the lexer does not know: shown in red)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Error, Keyword, Name

from ruleengine_dsl.lexer import CONSTANTS, DECLARATIONS, KEYWORDS, RulesLexer
from ruleengine_dsl.parser import keywords

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(
    p for folder in ("plugins", "examples", "tests") for p in (ROOT / folder).rglob("*.rules")
)


def test_found_through_the_entry_point():
    assert isinstance(get_lexer_by_name("ruleengine"), RulesLexer)
    assert isinstance(get_lexer_for_filename("interpretation.rules"), RulesLexer)


def test_its_words_are_the_grammars():
    assert set(DECLARATIONS + KEYWORDS + CONSTANTS) == keywords()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_rule_files_lex_without_errors(path):
    lexer = get_lexer_by_name("ruleengine")
    bad = [value for token, value in lexer.get_tokens(path.read_text("utf-8")) if token in Error]
    assert bad == []


def test_what_it_does_not_know_is_an_error_token():
    tokens = list(get_lexer_by_name("ruleengine").get_tokens("rule r { when a @ b }"))
    assert (Error, "@") in tokens
    assert (Keyword.Declaration, "rule") in tokens and (Name.Class, "r") in tokens
