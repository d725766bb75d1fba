"""Optional dependencies, imported when first needed, with an error that names the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

# Modules whose extra is named otherwise (pandas and polars are extras of their own name).
_EXTRAS = {"matplotlib": "plot"}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message says which extra installs it."""


def optional(module: str, purpose: str) -> ModuleType:
    """Imports ``module``, or raises MissingExtraError (an ImportError) saying which extra installs it.

    Example:
        >>> optional("json", "an example").__name__
        'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = _EXTRAS.get(module.split(".")[0], module)
        raise MissingExtraError(f"{purpose} needs {module}: pip install 'horde[{extra}]'") from None
