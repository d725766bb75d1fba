"""Values from the environment, and secrets: values that are sent but never written.

Both read the process's environment, which ``horde run -e KEY=VALUE`` sets.
"""

from __future__ import annotations

import os
import re

__all__ = ["Secret", "env", "secret"]

# Secrets made in this process, by name: a plan carries those it refers to.
_SECRETS: dict[str, str] = {}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REFERENCE = re.compile(r"\$\{secret\.([A-Za-z_][A-Za-z0-9_]*)\}")


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


class Secret(str):
    """A secret as a journey uses it: the template ``${secret.NAME}``.

    The engine fills it in when it sends. The value stays out of results, reports, ``horde inspect``, live outputs and
    error messages. Use it wherever a template goes (URLs, header values, bodies, JSON values),
    alone or inside a string: ``f"Bearer {h.secret('TOKEN')}"``.
    """

    name: str

    def __new__(cls, name: str) -> Secret:  # noqa: D102 - the class says it
        s = super().__new__(cls, "${secret." + name + "}")
        s.name = name
        return s

    def __repr__(self) -> str:
        return f"<horde.secret {self.name}>"


def secret(name: str, *, file: str | os.PathLike[str] | None = None) -> Secret:
    """A value to send but never write.

    It is the environment variable ``name`` (``horde run -e`` sets it too), or the contents of
    ``file`` (a mounted secret; one trailing newline dropped).

    Raises:
        KeyError: the variable is not set (the message says how to set it).
        ValueError: ``name`` is not an identifier, or the file cannot be read.

    Example:
        >>> os.environ["HORDE_DOC_TOKEN"] = "s3cr3t"
        >>> f"Bearer {secret('HORDE_DOC_TOKEN')}"
        'Bearer ${secret.HORDE_DOC_TOKEN}'
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"secret name must be letters, digits and _, not starting with a digit, got {name!r}")
    if file is not None:
        try:
            with open(file, encoding="utf-8") as f:
                value = f.read().removesuffix("\n")
        except OSError as e:
            raise ValueError(f"secret {name}: cannot read {os.fspath(file)}: {e.strerror}") from None
    else:
        found = os.environ.get(name)
        if found is None:
            raise KeyError(f"secret {name}: environment variable {name} is not set; run with -e {name}=... or set it")
        value = found
    _SECRETS[name] = value
    return Secret(name)


def secrets_used(plan_json: str) -> dict[str, str]:
    """The secrets a plan (as JSON text) refers to, with their values, for the engine."""
    return {n: _SECRETS[n] for n in sorted(set(_REFERENCE.findall(plan_json))) if n in _SECRETS}
