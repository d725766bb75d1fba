"""Breakpoint search accuracy and repeatability against servers of known capacity.

tests/capacity_server.py serves S slots × T ms (at most 1000·S/T requests a second, queueing the
rest). For each setting, ``horde.breakpoint`` searches with its defaults (SLO p99 < 500 ms and
under 1 % failed, precision 2 %, 4 s bracketing and 8 s refining trials) over rates from 0.15 to
eight times the capacity (doubling from there never lands on the capacity itself); one setting is
searched three times more for the spread.

    python benches/capacity.py            # prints a markdown table (benches/README.md has the latest)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import horde as h
from servers import CapacityServer

SETTINGS = [(1, 20.0), (4, 8.0), (4, 2.0)]  # 50, 500 and 2,000 req/s
REPEATS = 3  # more searches of the middle setting


def search(slots: int, service_ms: float) -> tuple[float, float | None, tuple[float, float] | None, float, int]:
    server = CapacityServer(slots, service_ms)
    try:
        started = time.monotonic()
        # From 0.15× the capacity, so that doubling never lands on it exactly (0.15, 0.3, 0.6, 1.2):
        # the answer must come from the bisection.
        c = h.breakpoint(server.url(), rates=(server.capacity * 0.15, server.capacity * 8), progress=None)
        return server.capacity, c.capacity, c.bracket, time.monotonic() - started, len(c.trials)
    finally:
        server.stop()


def main() -> None:
    rows = []
    runs = [*SETTINGS, *[SETTINGS[1]] * REPEATS]
    for slots, service_ms in runs:
        truth, found, bracket, took, trials = search(slots, service_ms)
        rows.append((slots, service_ms, truth, found, bracket, took, trials))
        print(f"  {slots} × {service_ms:g} ms: {found} (truth {truth:g}) in {took:.0f} s", file=sys.stderr)
    print("| server | capacity | found | error | bracket | trials | wall time |")
    print("|---|---:|---:|---:|---|---:|---:|")
    for slots, service_ms, truth, found, bracket, took, trials in rows:
        error = f"{100 * (found - truth) / truth:+.1f} %" if found else "-"
        span = f"{bracket[0]:.4g}–{bracket[1]:.4g}" if bracket else "-"
        shown = f"{found:.4g}/s" if found else "none"
        print(f"| {slots} × {service_ms:g} ms | {truth:g}/s | {shown} | {error} | {span} | {trials} | {took:.0f} s |")
    middle = [r[3] for r in rows if (r[0], r[1]) == SETTINGS[1] and r[3]]
    if len(middle) > 1:
        spread = (max(middle) - min(middle)) / statistics.mean(middle)
        print(
            f"\n{len(middle)} searches of {SETTINGS[1][0]} × {SETTINGS[1][1]:g} ms: spread {100 * spread:.1f} % "
            f"(max − min over mean), {min(middle):.4g}–{max(middle):.4g}/s"
        )


if __name__ == "__main__":
    main()
