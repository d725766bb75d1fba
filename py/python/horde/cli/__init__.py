"""The ``horde`` command line.

Exit codes: 0 success, 1 a run or script error, 2 a usage error (bad flag or value),
99 thresholds failed (as k6).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from horde import __version__, running
from horde._deps import MissingExtraError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_THRESHOLDS = 99
# 128 + SIGINT: stopped by a signal before a run could start.
EXIT_INTERRUPTED = 130
# 128 + SIGPIPE: stdout's reader went away.
EXIT_SIGPIPE = 141
# What stops a run (Ctrl-C, kill, a closed terminal).
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class UsageError(Exception):
    """A bad flag or value: one line on stderr, exit code 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2, and whose examples keep their lines."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        """Prints ``prog: error: message`` on one line and exits with status 2."""
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


#: Each command's documented example, shown in its --help (tests run every one after a base install).
EXAMPLES = {
    "demo-target": "horde demo-target --port 8080",
    "new": "horde new loadtest.py",
    "inspect": "horde inspect loadtest.py",
    "run": "horde run loadtest.py --duration 20s --json run.json",
    "report": "horde report run.json -o report.html",
    "attack": "horde attack http://127.0.0.1:8080/ --rate 200 --duration 10s",
    "convert": "horde convert recording.har -o journey.py",
    "model": "horde model access.log -o model.py",
    "demo": "horde demo",
}


def example(command: str) -> str:
    """The ``--help`` epilog of ``command``: its documented example."""
    return f"example:\n  {EXAMPLES[command]}"


def _on_signal(signum: int, frame: object) -> None:
    if not running.request_stop():
        raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Makes Ctrl-C, SIGTERM and SIGHUP stop a run gracefully and still write what was measured.

    A second one aborts the run; one that comes while results are written waits for them (see
    horde.running). Elsewhere they interrupt. This holds even when the shell started horde with
    SIGINT ignored (a background job).
    """
    for sig in _STOP_SIGNALS:
        signal.signal(sig, _on_signal)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI; returns the exit code."""
    try:
        args = _parse(argv)
    except KeyboardInterrupt:  # Ctrl-C while Python was still starting up
        return EXIT_INTERRUPTED
    if args.command is None:
        return EXIT_USAGE
    # A command that runs a test is stoppable from its first line, before any handler can fire: a
    # signal while the script loads stops the run as it starts, so that it still writes a result.
    session = running.stoppable() if getattr(args, "stoppable", False) else contextlib.nullcontext()
    try:
        with session:
            _stop_on_signals()
            return int(args.handler(args))
    except UsageError as e:
        sys.stderr.write(f"horde {args.command}: error: {e}\n")
        return EXIT_USAGE
    except MissingExtraError as e:
        sys.stderr.write(f"horde {args.command}: {e}\n")
        return EXIT_ERROR
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt:
        sys.stderr.write(f"horde {args.command}: interrupted\n")
        return EXIT_INTERRUPTED
    finally:
        if argv is None:
            _ignore_signals_from_now_on()


def _ignore_signals_from_now_on() -> None:
    """Ignores the stop signals: the command is done and its files are written.

    A late signal must not turn a finished run into a killed process: while Python shuts down it
    puts back the default action of the signals it handled (for SIGTERM and SIGHUP: to die), but
    leaves ignored ones alone.
    """
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    from horde.cli import attack, convert, demo, model, new, output, run

    parser = Parser(prog="horde", description="Realistic, honest HTTP load tests.")
    parser.add_argument("--version", action="version", version=f"horde {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    run.register(commands)
    attack.register(commands)
    new.register(commands)
    demo.register(commands)
    output.register(commands)
    convert.register(commands)
    model.register(commands)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
    return args


def _reader_gone() -> int:
    """Ends quietly when whoever reads stdout went away (``horde ... | head``), as Unix tools do.

    No traceback, and the status a shell gives a process killed by SIGPIPE.
    """
    # Later writes (and the interpreter's final flush) go nowhere instead of raising again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_SIGPIPE
