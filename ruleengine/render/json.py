"""The JSON renderer: the versioned trace format of docs/trace.md, deterministic."""

from __future__ import annotations

import json

from ruleengine_dsl.parser import gc_paused

from ..hookspecs import hookimpl
from ..plugins import Renderer


def render(trace, lang: str = "en", color: bool = False) -> str:
    with gc_paused():
        return dumps(trace.to_json(streamed=True)) + "\n"


def dumps(data) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2)``, joined as it goes: the encoder
    yields a piece for every key and value, and a list of all of them for a large trace
    would take many times the memory of the text itself."""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
    parts: list[str] = []
    pending: list[str] = []
    for piece in encoder.iterencode(data):
        pending.append(piece)
        if len(pending) == 8192:
            parts.append("".join(pending))
            pending.clear()
    parts.append("".join(pending))
    return "".join(parts)


@hookimpl
def ruleengine_renderers():
    return [Renderer("json", render, "the trace as versioned JSON (docs/trace.md)")]
