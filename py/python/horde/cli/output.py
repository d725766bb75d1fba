"""Where a run's results go: the shared flags, the files written after a run, and ``horde report``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from horde.cli import EXIT_ERROR, EXIT_OK, example
from horde.result import Result, load


def add_result_flags(p: argparse.ArgumentParser) -> None:
    """Adds the flags every running command shares: ``--json``, ``--summary-export``, ``--out``, ``--quiet``."""
    p.add_argument("--json", metavar="FILE", help="write the full result as JSON (horde report reads it)")
    p.add_argument("--summary-export", metavar="FILE", help="write the summary as JSON (a stable, documented schema)")
    p.add_argument(
        "--out",
        action="append",
        default=[],
        metavar="KIND=TARGET",
        help="live output (repeatable): json=FILE, csv=FILE, hdr=FILE, influxdb=http://HOST:PORT/DB, prometheus=URL",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary (no progress)")
    p.add_argument(
        "--source-address",
        action="append",
        default=[],
        metavar="IP[-IP]",
        help="spread connections over these local addresses (repeatable; an IPv4 range like "
        "127.0.0.2-127.0.0.9): each holds at most the ephemeral port range's connections to one address",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse to start when the connections may exceed the open-file limit or the ephemeral ports",
    )


def save(result: Result, json_path: str | None, summary_path: str | None) -> None:
    """Writes the full result and/or the summary export."""
    if json_path:
        result.save(json_path)
    if summary_path:
        from horde import export

        export.write(result, summary_path)


def register(commands: argparse._SubParsersAction) -> None:
    """Adds the ``report`` subcommand."""
    p = commands.add_parser(
        "report",
        help="write a self-contained HTML report of a saved result",
        description="write a self-contained HTML report of a result saved with --json",
        epilog=example("report"),
    )
    p.add_argument("result", help="a result file (horde run/attack --json FILE, or Result.save)")
    p.add_argument("-o", "--output", default="report.html", help="where to write it (default report.html)")
    p.set_defaults(handler=report)


def report(args: argparse.Namespace) -> int:
    """Writes the HTML report."""
    from horde import report as html

    try:
        result: Any = load(args.result)
    except ValueError as e:
        if "breakpoint search" not in str(e):
            sys.stderr.write(f"horde report: cannot read {args.result}: {e}\n")
            return EXIT_ERROR
        from horde.capacity import load_capacity

        result = load_capacity(args.result)
    except OSError as e:
        sys.stderr.write(f"horde report: cannot read {args.result}: {e}\n")
        return EXIT_ERROR
    html.write(result, args.output)
    print(f"wrote {args.output}")
    return EXIT_OK
