"""Renderers over the trace: text, Markdown and JSON, each registered as a plugin."""
