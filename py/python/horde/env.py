"""Values from the environment, overridable from the command line (``horde run -e KEY=VALUE``)."""

from __future__ import annotations

import os

__all__ = ["env"]


def env(name: str, default: str | None = None) -> str:
    """The environment variable ``name`` (as ``horde run -e NAME=VALUE`` sets it), or ``default``.

    Raises:
        KeyError: the variable is not set and there is no default; the message says how to set it.

    Example:
        >>> env("HORDE_DOC_EXAMPLE", "http://127.0.0.1:8080")
        'http://127.0.0.1:8080'
    """
    value = os.environ.get(name, default)
    if value is None:
        raise KeyError(f"environment variable {name} is not set; run with -e {name}=... or give env() a default")
    return value
