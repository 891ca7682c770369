"""Built-in named types, registered as a plugin like any other."""

from .checker import CustomType
from .hookspecs import hookimpl
from .types import INTEGER


@hookimpl
def ruleengine_types():
    return [CustomType("count", INTEGER, 0, "a whole number of items, never below 0")]
