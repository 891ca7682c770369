"""The VS Code extension's files (editors/vscode): its manifest names what exists, and its
TextMate grammar knows every word of the language, as the grammar itself lists them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ruleengine_dsl.parser import keywords

HERE = Path(__file__).resolve().parent.parent / "editors" / "vscode"


def test_the_manifest_points_at_files_that_exist():
    manifest = json.loads((HERE / "package.json").read_text("utf-8"))
    assert (HERE / manifest["main"]).is_file()
    [language] = manifest["contributes"]["languages"]
    assert language["extensions"] == [".rules"]
    json.loads((HERE / language["configuration"]).read_text("utf-8"))
    [grammar] = manifest["contributes"]["grammars"]
    assert grammar["language"] == language["id"]
    textmate = json.loads((HERE / grammar["path"]).read_text("utf-8"))
    assert textmate["scopeName"] == grammar["scopeName"]
    settings = manifest["contributes"]["configuration"]["properties"]
    assert settings["ruleengine.server.args"]["default"] == ["lsp"]


def test_the_textmate_grammar_highlights_every_keyword():
    grammar = json.loads((HERE / "syntaxes" / "ruleengine.tmLanguage.json").read_text("utf-8"))
    patterns = [p["match"] for p in grammar["repository"]["keyword"]["patterns"]]
    highlighted = {w for w in keywords() if any(re.search(p, f" {w} ") for p in patterns)}
    assert highlighted == keywords()
