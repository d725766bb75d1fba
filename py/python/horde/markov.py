"""``h.markov``: a journey step that walks a Markov chain of states, natively.

A session enters at a state picked by ``entry``, does what that state does (usually one
request), then moves to another state with the probability of that transition — pausing for the
transition's think time first — or leaves (the row's ``EXIT`` weight). This is the customer
behaviour model graph of the workload-modelling literature, and what ``horde model`` learns from
access logs; written by hand it is a compact way to describe browsing that loops (product →
product → reviews → product …), which a linear journey cannot.

The engine walks the chain: no Python runs per request. Every state must be able to reach an
exit, so that every session ends; the plan is refused otherwise, naming the state.

Example:
    >>> import horde as h
    >>> shop = h.markov(
    ...     states={"home": h.get("/"), "product": h.get("/products/${product_id}")},
    ...     entry={"home": 1},
    ...     transitions={"home": {"product": 0.7, h.EXIT: 0.3}, "product": {"product": 0.5, h.EXIT: 0.5}},
    ...     think=h.think(2, 5),
    ... )
    >>> [s["name"] for s in shop._plan(None)["markov"]["states"]]
    ['home', 'product']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from horde.steps import Step, Think, _plan_all, _steps

__all__ = ["EXIT", "Markov", "markov"]

#: The key of a transition row that means "the session ends here".
EXIT = "exit"


@dataclass(frozen=True)
class Markov(Step):
    """A Markov chain of states (see :func:`markov`)."""

    states: tuple[tuple[str, tuple[Step, ...]], ...]
    entry: tuple[tuple[str, float], ...]
    transitions: tuple[tuple[str, tuple[tuple[str, float, Think | None], ...], float], ...]

    def _plan(self, base_url: str | None) -> dict[str, Any]:
        rows = {name: (edges, exit_weight) for name, edges, exit_weight in self.transitions}
        states = []
        for name, steps in self.states:
            edges, exit_weight = rows.get(name, ((), 0.0))
            states.append(
                {
                    "name": name,
                    "steps": _plan_all(steps, base_url),
                    "next": [
                        {"to": to, "weight": w, "think": think.spec if think is not None else None}
                        for to, w, think in edges
                    ],
                    "exit": exit_weight,
                }
            )
        return {"markov": {"states": states, "entry": [[n, w] for n, w in self.entry]}}


def markov(
    states: Mapping[str, Step | Sequence[Step]],
    *,
    entry: Mapping[str, float] | str,
    transitions: Mapping[str, Mapping[str, float]],
    think: Think | None = None,
    thinks: Mapping[tuple[str, str], Think] | None = None,
) -> Markov:
    """A step that walks a Markov chain of ``states`` until the session exits.

    Args:
        states: name → what a user in that state does (a step or a list of steps with at least
            one request).
        entry: where sessions start: name → weight, or one state's name.
        transitions: name → {next state name or ``h.EXIT``: weight}; weights of a row are
            relative (they need not add up to 1). A state without a row exits.
        think: the pause before every move (default: none).
        thinks: pauses for particular moves, ``{(from, to): h.think(...)}``, overriding ``think``.

    Raises:
        ValueError: an unknown state name, a weight that is not a finite number ≥ 0 (> 0 for
            entries), or a think that is not ``h.think(...)``; the engine refuses a chain in which
            some state cannot reach an exit.
    """
    if not isinstance(states, Mapping) or not states:
        raise ValueError(f"markov(states=...) needs a dict of state name → steps, got {states!r}")
    compiled: list[tuple[str, tuple[Step, ...]]] = []
    for name, steps in states.items():
        if not isinstance(name, str) or not name or name == EXIT:
            raise ValueError(f"markov(): state names are non-empty strings other than {EXIT!r}, got {name!r}")
        items = (steps,) if isinstance(steps, Step) else tuple(steps)
        compiled.append((name, _steps(items, f"markov state {name!r}")))
    known = {n for n, _ in compiled}

    def state(name: object, where: str) -> str:
        if name not in known:
            raise ValueError(f"markov(): {where} names {name!r}, which is not a state ({', '.join(sorted(known))})")
        return str(name)

    entries = {entry: 1.0} if isinstance(entry, str) else dict(entry)
    if not entries:
        raise ValueError("markov(entry=...) needs at least one state")
    entry_rows = tuple((state(n, "entry"), _weight(w, f"entry[{n!r}]", positive=True)) for n, w in entries.items())
    for key, t in [("think", think), *(((f"thinks[{k!r}]"), v) for k, v in (thinks or {}).items())]:
        if t is not None and not isinstance(t, Think):
            raise ValueError(f"markov(): {key} must be h.think(...), got {t!r}")
    for a, b in thinks or {}:
        state(a, f"thinks[({a!r}, {b!r})]")
        state(b, f"thinks[({a!r}, {b!r})]")
    rows = []
    for name, row in transitions.items():
        state(name, "transitions")
        if not isinstance(row, Mapping):
            raise ValueError(f"markov(): transitions[{name!r}] must be a dict of next state → weight, got {row!r}")
        edges = []
        exit_weight = 0.0
        for to, w in row.items():
            weight = _weight(w, f"transitions[{name!r}][{to!r}]", positive=False)
            if to == EXIT:
                exit_weight = weight
            elif weight > 0:
                edges.append((state(to, f"transitions[{name!r}]"), weight, (thinks or {}).get((name, to), think)))
        rows.append((name, tuple(edges), exit_weight))
    missing = known - set(transitions)
    rows.extend((name, (), 1.0) for name in sorted(missing))
    return Markov(tuple(compiled), entry_rows, tuple(rows))


def _weight(value: object, where: str, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"markov(): {where} must be a number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"markov(): {where} must be {'> 0' if positive else '≥ 0'}, got {value!r}")
    return float(value)
