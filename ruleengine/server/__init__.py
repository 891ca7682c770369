"""The HTTP service (``ruleengine serve``, docs/server.md): the rulebooks' JSON API and the
explanation pages lawyers use in a browser, on FastAPI (the optional extra ``serve``).

``library`` loads the rulebooks once at start-up, ``service`` evaluates cases through the
command line's own readers (so a mistake gets the same field path and exit code), ``app``
builds the application with its bounds and token, ``api`` and ``pages`` hold the routes.
"""

from .app import Settings, create_app

__all__ = ["Settings", "create_app"]
