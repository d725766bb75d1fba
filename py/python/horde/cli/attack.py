"""``horde attack URL``: one request, at a fixed rate or from N connections back to back."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from horde import progress as live
from horde.attack import attack as run_attack
from horde.cli import EXIT_ERROR, EXIT_OK, UsageError
from horde.cli.output import add_result_flags, save
from horde.errors import PlanError, RunError

HELP = "fire one request at a URL, at a fixed rate (open model) or back to back (closed model)"


def register(commands: Any) -> None:
    """Adds the ``attack`` subcommand."""
    p = commands.add_parser("attack", help=HELP, description=HELP)
    p.add_argument("url", help="http:// URL to load")
    p.add_argument("--rate", "-r", type=float, help="requests per second (open model); omit for closed model")
    p.add_argument("--duration", "-d", help="how long, e.g. 30s or 1m30s (default 10s)")
    p.add_argument("-n", "--requests", type=int, help="stop after this many requests")
    p.add_argument(
        "-c",
        "--connections",
        type=int,
        default=64,
        help="connections: the in-flight bound with --rate, the concurrency without (default 64)",
    )
    p.add_argument("-X", "--method", default="GET", help="HTTP method (default GET)")
    p.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'K: V'",
        help="add a header (repeatable)",
    )
    p.add_argument("--body", help="request body, or @file to read it from a file")
    p.add_argument("--timeout", default="60s", help="per-request timeout (default 60s)")
    p.add_argument("--connect-timeout", default="10s", help="TCP connect timeout (default 10s)")
    p.add_argument("--workers", type=int, help="worker threads (default: one per usable CPU)")
    p.add_argument(
        "--send-window",
        default="1ms",
        help="how early a request may leave to share a wake-up with others due soon (default 1ms; "
        "0 = exactly on time, at a much higher CPU cost)",
    )
    add_result_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Runs the attack and prints the summary."""
    headers = [_header(h) for h in args.header]
    body = _body(args.body)
    try:
        result = run_attack(
            args.url,
            rate=args.rate,
            duration=args.duration,
            requests=args.requests,
            connections=args.connections,
            method=args.method,
            headers=headers,
            body=body,
            timeout=args.timeout,
            connect_timeout=args.connect_timeout,
            workers=args.workers,
            send_window=args.send_window,
            outputs=args.out,
            progress=live.for_terminal(args.quiet),
        )
    except (PlanError, TypeError, ValueError) as e:
        raise UsageError(str(e).removeprefix("invalid attack: ")) from None
    except RunError as e:
        sys.stderr.write(f"horde attack: {e}\n")
        return EXIT_ERROR
    print(result.summary())
    save(result, args.json, args.summary_export)
    return EXIT_OK


def _header(raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition(":")
    if not sep or not name.strip():
        raise UsageError(f"header must look like 'Name: value', got {raw!r}")
    return name.strip(), value.strip()


def _body(raw: str | None) -> str | bytes | None:
    if raw is None or not raw.startswith("@"):
        return raw
    path = raw[1:]
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise UsageError(f"cannot read body file {path!r}: {e.strerror}") from None
