"""``horde run script.py``: run a journey test, print the summary, exit 99 when a threshold fails."""

from __future__ import annotations

import argparse
import json
import sys

from horde import _native
from horde import progress as live
from horde._units import seconds
from horde.cli import EXIT_ERROR, EXIT_OK, EXIT_THRESHOLDS, UsageError, example
from horde.cli.output import add_result_flags, save
from horde.cli.script import ScriptError, apply_overrides, load_test, parse_env
from horde.errors import PlanError, RunError
from horde.outputs import parse as parse_output

HELP = "run a test script (journeys, scenarios, thresholds); exit 99 when a threshold fails"


def register(commands: argparse._SubParsersAction) -> None:
    """Adds the ``run`` and ``inspect`` subcommands."""
    p = commands.add_parser("run", help=HELP, description=HELP, epilog=example("run"))
    _common(p)
    p.add_argument(
        "--summary-trend-stats",
        metavar="LIST",
        help='columns for durations, e.g. "avg,min,med,max,p(95),p(99)"',
    )
    add_result_flags(p)
    p.set_defaults(handler=run, stoppable=True)
    i = commands.add_parser(
        "inspect", help="print the plan a script builds (JSON), without running it", epilog=example("inspect")
    )
    _common(i)
    i.set_defaults(handler=inspect)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("script", help="a Python file that builds a horde.Test")
    p.add_argument("--vus", type=int, help="override: VUs (closed model) or the VU limit (open model)")
    p.add_argument("--duration", "-d", help="override: duration of every scenario, e.g. 30s")
    p.add_argument("--iterations", "-i", type=int, help="override: run exactly this many iterations (shared)")
    p.add_argument("--rate", "-r", type=float, help="override: iterations per second (open model)")
    p.add_argument(
        "-e",
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a variable read by h.env()",
    )
    p.add_argument("--insecure", "-k", action="store_true", help="override: skip TLS certificate verification")


def _load(args: argparse.Namespace):
    for flag in ("vus", "iterations"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UsageError(f"--{flag} must be ≥ 1, got {value}")
    if args.rate is not None and not args.rate > 0:
        raise UsageError(f"--rate must be > 0, got {args.rate:g}")
    duration = None
    if args.duration is not None:
        try:
            duration = seconds(args.duration, "--duration")
        except (TypeError, ValueError) as e:
            raise UsageError(str(e)) from None
        if duration <= 0:
            raise UsageError(f"--duration must be > 0, got {args.duration!r}")
    test = load_test(args.script, parse_env(args.env))
    apply_overrides(test, args.vus, duration, args.iterations, args.rate)
    if args.insecure:
        test.http["tls"]["verify"] = False
    if getattr(args, "source_address", None):
        test.http["source_addresses"] = args.source_address
    if getattr(args, "strict", False):
        test.strict = True
    for spec in getattr(args, "out", []):
        try:
            test.outputs.append(parse_output(spec))
        except PlanError as e:
            raise UsageError(str(e)) from None
    return test


def run(args: argparse.Namespace) -> int:
    """Runs the script's test and prints the summary."""
    stats = None
    if args.summary_trend_stats:
        stats = [s.strip() for s in args.summary_trend_stats.split(",") if s.strip()]
        from horde.journey_summary import _stats

        try:
            _stats(stats)
        except ValueError as e:
            raise UsageError(f"--summary-trend-stats: {e}") from None
    try:
        test = _load(args)
    except ScriptError as e:
        sys.stderr.write(f"horde run: {args.script} failed before any load was sent:\n{e}\n")
        return EXIT_ERROR
    except PlanError as e:
        sys.stderr.write(f"horde run: {e}\n")
        return EXIT_ERROR
    try:
        result = test.run(progress=live.for_terminal(args.quiet))
    except (PlanError, RunError) as e:
        sys.stderr.write(f"horde run: {e}\n")
        return EXIT_ERROR
    # Files first: a reader that goes away (`| head`) must not cost the results.
    save(result, args.json, args.summary_export)
    print(result.summary(stats))
    return EXIT_OK if result.passed else EXIT_THRESHOLDS


def inspect(args: argparse.Namespace) -> int:
    """Prints the script's plan as the engine reads it, with secrets and credentials redacted."""
    try:
        test = _load(args)
        print(_native.validate_plan(json.dumps(test.to_plan())))
    except (ScriptError, PlanError) as e:
        sys.stderr.write(f"horde inspect: {e}\n")
        return EXIT_ERROR
    return EXIT_OK
