"""``h.learn`` / ``horde model``: a workload model learned from production access logs.

The native engine reads the logs in one streaming pass (plain or gzip; nginx/Apache combined or
common, any nginx ``log_format`` pattern, JSON lines, AWS ALB) and returns its tables; this module
turns them into a :class:`Model`:

- **endpoints** — paths normalised into templates (numeric ids, UUIDs, hex hashes, and the
  user's ``rules``), with their share, status mix, median response size and response time;
  static assets and health checks are left out (and counted);
- **sessions** — rebuilt by a session id (``session="cookie:NAME"`` or ``"field:NAME"``) or else
  by client address + user agent, ended by ``session_timeout`` of inactivity;
- **behaviour** — a first-order Markov chain over endpoints: entry probabilities, transition and
  exit probabilities (the customer behaviour model graph), and think times as the empirical
  distribution of the pauses seen on each transition (pooled when a transition has fewer than
  ``min_observations``);
- **data** — the values each placeholder and query parameter took, with their counts, so
  feeders keep production's popularity skew;
- **arrivals** — sessions started per minute over the log's span.

``horde.model_script.markov_step(model)`` runs it directly (an ``h.markov`` step the engine walks
natively, with ``data(model)`` for its feeders); ``horde.model_script.script(model)`` writes it as an
editable horde script.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence

from horde._units import seconds
from horde.errors import LogError
from horde.model import Model, from_tables

__all__ = ["learn"]


def learn(
    *paths: str | os.PathLike[str],
    format: str = "auto",
    pattern: str | None = None,
    fields: Mapping[str, str] | None = None,
    session: str | None = None,
    session_timeout: float | str = "30m",
    rules: Sequence[str] = (),
    drop: Sequence[str] = (),
    keep_static: bool = False,
    keep_health: bool = False,
    min_observations: int = 30,
) -> Model:
    """Learns a workload model from access logs.

    Args:
        paths: log files, plain or gzip, read in the order given (oldest first).
        format: ``"auto"`` (from each file's first line), ``"combined"``, ``"common"``,
            ``"json"``, ``"alb"`` or ``"pattern"``.
        pattern: for ``format="pattern"``: the nginx ``log_format`` the log was written with.
        fields: for JSON lines: record field (``time``, ``addr``, ``agent``, ``method``,
            ``target``, ``request``, ``status``, ``bytes``, ``duration``, ``cookie``) → dotted
            JSON path, where the presets (nginx JSON, Caddy, Traefik, ECS) do not fit.
        session: what identifies a session: ``"cookie:NAME"`` (from a logged Cookie header) or
            ``"field:NAME"`` (a log field); default: client address + user agent.
        session_timeout: inactivity that ends a session (default 30 minutes).
        rules: ``"REGEX=REPLACEMENT"`` path rules applied before the automatic ones, e.g.
            ``"/v1/users/[^/]+=/v1/users/{user}"``.
        drop: regexes of paths to leave out (besides static assets and health checks).
        keep_static: keep static assets in the model.
        keep_health: keep health checks in the model.
        min_observations: a transition with fewer pauses than this uses the pooled think times.

    Raises:
        LogError: an unknown format (the message lists those horde reads and quotes the line),
            an empty log, no line that parses, a bad rule or option.
        OSError: a file cannot be read.
    """
    from horde import _native

    if not paths:
        raise LogError("learn() needs at least one log file")
    if isinstance(min_observations, bool) or not isinstance(min_observations, int) or min_observations < 1:
        raise LogError(f"min_observations must be an int ≥ 1, got {min_observations!r}")
    text = _native.learn(
        [os.fspath(p) for p in paths],
        format=format,
        pattern=pattern,
        fields=dict(fields or {}),
        session=session,
        session_timeout_s=seconds(session_timeout, "session_timeout"),
        rules=list(rules),
        drop=list(drop),
        keep_static=keep_static,
        keep_health=keep_health,
    )
    return from_tables(json.loads(text), min_observations)
