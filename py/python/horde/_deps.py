"""Optional dependencies, imported when first needed, with an error that names the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

_EXTRAS = {"pandas": "pandas", "polars": "polars", "matplotlib": "plot", "rich": "progress"}


def optional(module: str, purpose: str) -> ModuleType:
    """Imports ``module``, or raises ImportError saying which extra installs it.

    Example:
        >>> optional("json", "an example").__name__
        'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = _EXTRAS.get(module.split(".")[0], module)
        raise ImportError(f"{purpose} needs {module}: pip install 'horde[{extra}]'") from None
