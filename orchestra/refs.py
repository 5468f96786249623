"""The shared vocabulary of the registries: `module:attribute` references (entry points,
built-ins) and the registries' error. Both registries import this; neither imports the
other."""

from __future__ import annotations

import importlib
from typing import Any


class RegistryError(LookupError):
    pass


def load_ref(ref: str) -> Any:
    """The object a "module:attribute.path" reference names (entry points, built-ins)."""
    module, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj
