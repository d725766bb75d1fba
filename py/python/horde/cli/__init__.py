"""The ``horde`` command line.

Exit codes: 0 success, 1 a run or script error, 2 a usage error (bad flag or value),
99 thresholds failed (as k6).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from horde import __version__

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_THRESHOLDS = 99


class UsageError(Exception):
    """A bad flag or value: one line on stderr, exit code 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Prints ``prog: error: message`` on one line and exits with status 2."""
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


def _stop_on_signals() -> None:
    """Makes Ctrl-C and SIGTERM stop a run gracefully and still print what was measured.

    A second Ctrl-C aborts. This holds even when the shell started horde with SIGINT ignored (a
    background job).
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI; returns the exit code."""
    _stop_on_signals()
    from horde.cli import attack, demo, new, output, run

    parser = Parser(prog="horde", description="Realistic, honest HTTP load tests.")
    parser.add_argument("--version", action="version", version=f"horde {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    run.register(commands)
    attack.register(commands)
    new.register(commands)
    demo.register(commands)
    output.register(commands)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except UsageError as e:
        sys.stderr.write(f"horde {args.command}: error: {e}\n")
        return EXIT_USAGE
