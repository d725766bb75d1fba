"""horde's exceptions, defined once here and raised from the native engine too.

This module must not import ``horde._native``: the engine imports it lazily the first time it
raises one of these, so there is no import cycle.
"""

from __future__ import annotations

__all__ = ["HordeError", "LogError", "PlanError", "RunError", "ThresholdsFailed"]


class HordeError(Exception):
    """Base class of every error horde raises on purpose."""


class PlanError(HordeError, ValueError):
    """The test cannot run as described; raised before any request is sent.

    Attributes:
        issues: every problem found, as ``(path, message)`` pairs, where ``path`` is a dotted
            path into the plan (or an argument name) and ``message`` says what is wrong and what
            would be right.

    Example:
        >>> err = PlanError("invalid: rate: must be > 0, got -5", [("rate", "must be > 0, got -5")])
        >>> err.issues
        [('rate', 'must be > 0, got -5')]
    """

    def __init__(self, message: str, issues: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.issues: list[tuple[str, str]] = list(issues or [])


class RunError(HordeError, RuntimeError):
    """The run could not start (io_uring unavailable, a host that does not resolve, ...)."""


class LogError(HordeError, ValueError):
    """A log that cannot be learned from.

    An unknown format (the message lists the formats horde reads and quotes the line), an empty
    log, no line that parses, a bad rule or option.
    """


class ThresholdsFailed(HordeError):  # noqa: N818 — named like k6's verdict, not an error kind
    """Raised by :meth:`horde.Result.raise_for_thresholds` when a threshold failed."""
