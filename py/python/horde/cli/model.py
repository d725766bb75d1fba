"""``horde model LOG... [-o model.py]``: learn a workload from access logs (see ``horde.learn``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from horde.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, example

HELP = "learn a workload model from access logs: the endpoint mix, sessions, behaviour, data and arrivals"


def register(commands: argparse._SubParsersAction) -> None:
    """Adds the ``model`` subcommand."""
    p = commands.add_parser("model", help=HELP, description=HELP, epilog=example("model"))
    p.add_argument("logs", nargs="+", metavar="LOG", help="access logs, plain or gzip, oldest first")
    p.add_argument("-o", "--output", metavar="FILE", help="write the model as a runnable horde script")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--top", type=int, default=20, metavar="N", help="endpoints in the table (default 20)")
    p.add_argument("--json", metavar="FILE", help="save the learned tables (h.Model.from_json reads them)")
    p.add_argument(
        "--format",
        default="auto",
        help="auto (default: from each file's first line), combined, common, json, alb, or pattern",
    )
    p.add_argument("--pattern", help="with --format pattern: the nginx log_format the log was written with")
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="JSON lines: where a field is (time, addr, agent, method, target, request, status, bytes, "
        "duration, cookie), e.g. --field target=req.path",
    )
    p.add_argument("--session", help="what identifies a session: cookie:NAME or field:NAME (default: address + agent)")
    p.add_argument("--session-timeout", default="30m", help="inactivity that ends a session (default 30m)")
    p.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="REGEX=REPLACEMENT",
        help="a path rule applied before the automatic ones, e.g. '/v1/users/[^/]+=/v1/users/{user}'",
    )
    p.add_argument("--drop", action="append", default=[], metavar="REGEX", help="leave out paths matching REGEX")
    p.add_argument("--keep-static", action="store_true", help="keep static assets (js, css, images, fonts)")
    p.add_argument("--keep-health", action="store_true", help="keep health checks (/health, /ping, probes)")
    p.add_argument("--base-url", default="http://127.0.0.1:8080", help="the script's default BASE_URL")
    p.add_argument("--window", default="15m", help="arrival stages: the log's rate averaged over this (default 15m)")
    p.add_argument("--compress", metavar="LOG=TEST", help="play this much log time in this much test time: 24h=10m")
    p.add_argument("--scale", default="1", help="multiply every arrival rate, e.g. 2x or 150%%")
    p.add_argument("--peak", metavar="DURATION", help="keep only the busiest stretch of this length, e.g. 1h")
    p.set_defaults(handler=model)


def model(args: argparse.Namespace) -> int:
    """Learns, prints the summary and the endpoint table, and writes the script or tables asked for."""
    from horde.errors import LogError
    from horde.learn import learn
    from horde.model import parse_compress, parse_scale
    from horde.model_script import script as write_script

    output = Path(args.output) if args.output else None
    if output is not None and output.exists() and not args.force:
        sys.stderr.write(f"horde model: {output} exists; use --force to overwrite it\n")
        return EXIT_ERROR
    try:
        fields = dict(_pair(f, "--field") for f in args.field)
        compress = parse_compress(args.compress) if args.compress else None
        scale = parse_scale(args.scale)
        if args.top < 1:
            raise ValueError(f"--top must be ≥ 1, got {args.top}")
    except ValueError as e:
        sys.stderr.write(f"horde model: {e}\n")
        return EXIT_USAGE
    try:
        m = learn(
            *args.logs,
            format=args.format,
            pattern=args.pattern,
            fields=fields,
            session=args.session,
            session_timeout=args.session_timeout,
            rules=args.rule,
            drop=args.drop,
            keep_static=args.keep_static,
            keep_health=args.keep_health,
        )
        script = None
        if output is not None:
            script = write_script(
                m,
                args.base_url,
                path=output,
                window=args.window,
                compress=compress,
                scale=scale,
                peak=args.peak,
                source=", ".join(Path(p).name for p in args.logs),
            )
    except (LogError, ValueError) as e:
        sys.stderr.write(f"horde model: {e}\n")
        return EXIT_ERROR
    except OSError as e:
        sys.stderr.write(f"horde model: {e}\n")
        return EXIT_ERROR
    print(m.summary())
    print()
    print(m.table(args.top))
    try:
        if args.json:
            Path(args.json).write_text(m.to_json(), encoding="utf-8")
            print(f"\nsaved the tables to {args.json}")
        if output is not None and script is not None:
            output.write_text(script, encoding="utf-8")
            print(f"\nwrote {output}; run it: horde run {output}")
    except OSError as e:
        sys.stderr.write(f"horde model: cannot write: {e}\n")
        return EXIT_ERROR
    return EXIT_OK


def _pair(text: str, flag: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise ValueError(f"{flag} takes NAME=VALUE, got {text!r}")
    return name, value
