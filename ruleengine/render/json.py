"""The JSON renderer: the versioned trace format of docs/trace.md, deterministic."""

from __future__ import annotations

import json

from ..hookspecs import hookimpl
from ..plugins import Renderer


def render(trace, lang: str = "en", color: bool = False) -> str:
    return json.dumps(trace.to_json(), ensure_ascii=False, indent=2) + "\n"


@hookimpl
def ruleengine_renderers():
    return [Renderer("json", render, "the trace as versioned JSON (docs/trace.md)")]
