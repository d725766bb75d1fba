"""Type stubs for horde's native extension (the Rust engine). Checked by mypy.stubtest in CI."""

from typing import Any, final

__all__ = [
    "PLAN_VERSION",
    "CompiledPlan",
    "Histogram",
    "Run",
    "__version__",
    "check_http",
    "check_scenario",
    "compile_plan",
    "defaults",
    "error_classes",
    "learn",
    "load_result",
    "metrics",
    "override_executor",
    "validate_plan",
]

__version__: str
PLAN_VERSION: int

def validate_plan(plan_json: str) -> str:
    """Validates a plan (JSON text) without resolving hosts; returns the normalised plan JSON.

    Raises:
        horde.PlanError: every problem found, each with its path.
    """

def defaults() -> str:
    """Every default a plan takes, as JSON: ``scenario``, ``executor`` and ``options``."""

def metrics() -> str:
    """The built-in metrics, as a JSON list: name, type, unit, description, tags, histogram."""

def error_classes() -> str:
    """The error classes, as a JSON list: name, meaning, advice (or null), timeout."""

def override_executor(
    executor_json: str,
    vus: int | None = None,
    duration_s: float | None = None,
    iterations: int | None = None,
    rate: float | None = None,
) -> str:
    """An executor (JSON) with ``horde run``'s overrides applied, as JSON.

    Raises:
        horde.PlanError: the executor does not parse.
    """

def check_scenario(scenario_json: str) -> None:
    """Checks one scenario's executor and timing on their own.

    Raises:
        horde.PlanError: every problem, with paths relative to the scenario (``executor.vus``).
    """

def check_http(http_json: str) -> None:
    """Checks HTTP client options (a part of ``options.http``) on their own, reading their files.

    Raises:
        horde.PlanError: every problem, with paths relative to ``options.http`` (``tls.ca_file``).
    """

def load_result(text: str) -> str:
    """A result document from disk, completed where an earlier version left something out.

    Raises:
        ValueError: the text is not a horde result.
    """

def learn(
    paths: list[str],
    format: str = "auto",
    pattern: str | None = None,
    fields: dict[str, str] = ...,
    session: str | None = None,
    session_timeout_s: float = 1800.0,
    rules: list[str] = ...,
    drop: list[str] = ...,
    keep_static: bool = False,
    keep_health: bool = False,
) -> str:
    """Learns from access logs; the engine's tables as JSON (horde.learn builds the Model)."""

def compile_plan(plan_json: str) -> CompiledPlan:
    """Validates and compiles a plan (JSON text); host names are resolved when it starts.

    Raises:
        horde.PlanError: the plan is invalid.
    """

@final
class CompiledPlan:
    """A validated, compiled plan, ready to start once."""

    def preflight(self) -> list[str]:
        """Warnings for the host limits this plan may run into (open files, ephemeral ports).

        Raises:
            horde.RunError: a host name does not resolve.
        """

    def start(self) -> Run:
        """Resolves host names, builds the TLS configuration and starts the run; returns at once.

        Raises:
            horde.RunError: a host name does not resolve, or the workers could not start (e.g.
                io_uring unavailable).
        """

@final
class Run:
    """A run in progress."""

    def wait(self, timeout_s: float) -> bool:
        """Waits up to ``timeout_s`` seconds with the GIL released; True once finished."""
    def stop(self, abort: bool = False) -> None:
        """Stops gracefully (in-flight requests finish) or, with ``abort``, at once."""
    def progress(self) -> dict[str, Any]:
        """The latest progress: elapsed_s, planned_s, requests, failed, stage, target_per_s, ..."""
    def join(self) -> str:
        """Waits for the end (GIL released) and returns the result document as JSON text."""

@final
class Histogram:
    """A latency histogram in microseconds (HdrHistogram, 3 significant digits, 1 µs to 1 h)."""

    def __init__(self) -> None: ...
    @staticmethod
    def from_base64(text: str) -> Histogram:
        """Decodes HdrHistogram's V2 (optionally DEFLATE) base64 encoding."""
    def to_base64(self) -> str:
        """The V2+DEFLATE base64 encoding, readable by any HdrHistogram implementation."""
    def record(self, value_us: int) -> None:
        """Records a value in microseconds."""
    def merge(self, other: Histogram) -> None:
        """Adds every count of ``other``."""
    def percentile(self, p: float) -> int:
        """The value at percentile ``p`` (0–100), µs."""
    def is_lower_bound(self, censored: Histogram, p: float) -> bool:
        """Whether percentile ``p`` is only a lower bound, given this histogram's censored values."""
    @property
    def count(self) -> int:
        """Number of values."""
    @property
    def min(self) -> int:
        """Smallest value, µs (0 when empty)."""
    @property
    def max(self) -> int:
        """Largest value, µs (0 when empty)."""
    @property
    def mean(self) -> float:
        """Mean, µs."""
    @property
    def stdev(self) -> float:
        """Standard deviation, µs."""
    def quantiles(self, ticks_per_half: int = 5) -> list[tuple[float, int, int]]:
        """The percentile spectrum: (quantile, value µs, cumulative count)."""
    def buckets(self) -> list[tuple[int, int]]:
        """(value_us, count) for every non-empty bucket, in increasing order."""
    def __len__(self) -> int: ...
