"""``horde convert recording.har -o journey.py``: a browser recording (HAR) → a horde script, correlated."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from horde.cli import EXIT_ERROR, EXIT_OK, example
from horde.errors import PlanError

HELP = "convert a browser recording (HAR) into a horde script, correlating the values the server made up"


def register(commands: argparse._SubParsersAction) -> None:
    """Adds the ``convert`` subcommand."""
    p = commands.add_parser("convert", help=HELP, description=HELP, epilog=example("convert"))
    p.add_argument("har", help="a HAR file (a browser's DevTools: Network, 'Save all as HAR')")
    p.add_argument("-o", "--output", metavar="FILE", help="where to write the script (default: stdout)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument(
        "--keep-static", action="store_true", help="keep requests for images, CSS, JavaScript, fonts and media"
    )
    p.add_argument(
        "--other-origins", action="store_true", help="keep requests to origins other than the first request's"
    )
    p.add_argument(
        "--no-correlate", action="store_true", help="send every value as recorded (no extraction, no ${variable})"
    )
    p.add_argument("--name", help="the journey's name (default: the HAR file's name)")
    p.set_defaults(handler=convert)


def convert(args: argparse.Namespace) -> int:
    """Converts the recording; the script goes to ``-o`` (or stdout), what was done to stderr."""
    from horde.har import convert_har

    output = Path(args.output) if args.output else None
    if output is not None and output.exists() and not args.force:
        sys.stderr.write(f"horde convert: {output} exists; use --force to overwrite it\n")
        return EXIT_ERROR
    try:
        conversion = convert_har(
            args.har,
            keep_static=args.keep_static,
            other_origins=args.other_origins,
            correlate_values=not args.no_correlate,
            name=args.name,
        )
    except PlanError as e:
        sys.stderr.write(f"horde convert: {e}\n")
        return EXIT_ERROR
    except OSError as e:
        sys.stderr.write(f"horde convert: cannot read {args.har}: {e.strerror or e}\n")
        return EXIT_ERROR
    if output is not None:
        try:
            output.write_text(conversion.script, encoding="utf-8")
        except OSError as e:
            sys.stderr.write(f"horde convert: cannot write {output}: {e.strerror or e}\n")
            return EXIT_ERROR
    sys.stderr.write(f"horde convert: {args.har}: {conversion.summary()}\n")
    if output is None:
        sys.stdout.write(conversion.script)
    else:
        sys.stderr.write(f"wrote {output}; run it: horde run {output}\n")
    return EXIT_OK
