"""Test data: rows handed to virtual users as variables.

Each user can then work on its own account, cart or product.

``per="vu"`` gives each VU its row once (its own account); ``per="iteration"`` a new row every
iteration. ``order="sequential"`` goes through the rows in order (wrapping around),
``"random"`` picks at random, ``"unique"`` hands every row out at most once in the whole test —
when they run out, ``on_exhausted="stop"`` stops the VUs that need one (counted as
``data_exhausted``) and ``"cycle"`` starts again from the first row.

Example:
    >>> import horde as h
    >>> users = h.values(["tok-1", "tok-2"], per="vu")
    >>> users.rows
    (('tok-1',), ('tok-2',))
"""

from __future__ import annotations

import csv as csvlib
import json as jsonlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from horde.errors import PlanError

__all__ = ["Data", "csv", "json_rows", "values"]

_PER = ("vu", "iteration")
_ORDER = ("sequential", "random", "unique")
_EXHAUSTED = ("stop", "cycle")


@dataclass(frozen=True)
class Data:
    """Rows of values; each column becomes a variable (see :func:`csv`, :func:`values`)."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    per: str = "vu"
    order: str = "sequential"
    on_exhausted: str = "stop"

    def _plan(self, name: str) -> dict[str, Any]:
        # One column: the variable is the data's key; several: key.column.
        columns = [name] if len(self.columns) == 1 else [f"{name}.{c}" for c in self.columns]
        return {
            "name": self.source,
            "columns": columns,
            "rows": [list(r) for r in self.rows],
            "per": self.per,
            "order": self.order,
            "on_exhausted": self.on_exhausted,
        }


def csv(
    path: str | Path,
    *,
    column: str | None = None,
    per: str = "vu",
    order: str = "sequential",
    on_exhausted: str = "stop",
) -> Data:
    """Rows of a CSV file with a header line; ``column`` picks one column (default: all).

    A relative path is read from the current directory (``horde run`` runs scripts from their
    own directory).

    Raises:
        PlanError: the file is missing or unreadable, empty, or has no such column.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csvlib.DictReader(f)
            header = reader.fieldnames or []
            records = list(reader)
    except OSError as e:
        raise PlanError(f"data file {str(path)!r}: {e.strerror}", [("data", f"{path}: {e.strerror}")]) from None
    if not header:
        raise PlanError(
            f"data file {str(path)!r} is empty (it needs a header line)",
            [("data", f"{path}: empty")],
        )
    columns = list(header)
    if column is not None:
        if column not in header:
            raise PlanError(
                f"data file {str(path)!r} has no column {column!r}; its columns are {header}",
                [("data", f"{path}: no column {column!r}")],
            )
        columns = [column]
    rows = tuple(tuple(str(r.get(c) or "") for c in columns) for r in records)
    return _checked(Data(str(path), tuple(columns), rows, per, order, on_exhausted))


def json_rows(
    path: str | Path,
    *,
    per: str = "vu",
    order: str = "sequential",
    on_exhausted: str = "stop",
) -> Data:
    """Rows from a JSON file holding a list of objects (keys become columns) or of values."""
    path = Path(path)
    try:
        doc = jsonlib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise PlanError(f"data file {str(path)!r}: {e.strerror}", [("data", f"{path}: {e.strerror}")]) from None
    except ValueError as e:
        raise PlanError(f"data file {str(path)!r} is not JSON: {e}", [("data", f"{path}: not JSON")]) from None
    if not isinstance(doc, list) or not doc:
        raise PlanError(
            f"data file {str(path)!r} must hold a non-empty JSON list",
            [("data", f"{path}: not a list")],
        )
    if all(isinstance(r, dict) for r in doc):
        columns = tuple(sorted({k for r in doc for k in r}))
        rows = tuple(tuple(_text(r.get(c, "")) for c in columns) for r in doc)
    else:
        columns, rows = ("value",), tuple((_text(v),) for v in doc)
    return _checked(Data(str(path), columns, rows, per, order, on_exhausted))


def values(
    items: Sequence[Any],
    *,
    per: str = "vu",
    order: str = "sequential",
    on_exhausted: str = "stop",
) -> Data:
    """Rows from a Python list: of values (one column) or of dicts (keys become columns)."""
    items = list(items)
    if not items:
        raise PlanError("values() needs at least one item", [("data", "empty list")])
    if all(isinstance(i, dict) for i in items):
        columns = tuple(sorted({k for i in items for k in i}))
        rows = tuple(tuple(_text(i.get(c, "")) for c in columns) for i in items)
        return _checked(Data("values", columns, rows, per, order, on_exhausted))
    return _checked(Data("values", ("value",), tuple((_text(v),) for v in items), per, order, on_exhausted))


def _text(v: Any) -> str:
    return v if isinstance(v, str) else jsonlib.dumps(v)


def _checked(d: Data) -> Data:
    for field, value, allowed in (
        ("per", d.per, _PER),
        ("order", d.order, _ORDER),
        ("on_exhausted", d.on_exhausted, _EXHAUSTED),
    ):
        if value not in allowed:
            raise PlanError(
                f"data {d.source!r}: {field} must be one of {allowed}, got {value!r}",
                [(f"data.{field}", f"must be one of {allowed}, got {value!r}")],
            )
    if not d.rows:
        raise PlanError(f"data {d.source!r} has no rows", [("data", f"{d.source}: no rows")])
    return d
