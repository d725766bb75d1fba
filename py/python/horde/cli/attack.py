"""``horde attack URL`` (or ``--targets FILE``): requests at a fixed rate or from N connections back to back."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from horde import progress as live
from horde.attack import CONNECTIONS, ORDERS
from horde.attack import attack as run_attack
from horde.cli import EXIT_ERROR, EXIT_OK, UsageError, example
from horde.cli.output import add_result_flags, save
from horde.client import Tls
from horde.errors import PlanError, RunError
from horde.facts import DEFAULTS
from horde.targets import FORMATS, Target
from horde.targets import targets as read_targets

HELP = "fire one request (or a vegeta target list) at a fixed rate (open model) or back to back (closed model)"
# What a flag left out means: the engine's defaults, named once there.
_HTTP = DEFAULTS["options"]["http"]


def register(commands: Any) -> None:
    """Adds the ``attack`` subcommand."""
    p = commands.add_parser("attack", help=HELP, description=HELP, epilog=example("attack"))
    p.add_argument("url", nargs="?", help="http:// or https:// URL to load (or --targets FILE)")
    p.add_argument(
        "--targets",
        metavar="FILE",
        help="a vegeta targets file instead of URL: 'METHOD URL', header lines, an optional @body-file "
        "line, a blank line between targets (see README)",
    )
    p.add_argument("--targets-format", choices=FORMATS, help="targets file format, as vegeta's (default http)")
    p.add_argument(
        "--order",
        choices=ORDERS,
        help="round-robin (default): targets in turn, evenly; weighted: each request to a target picked at random "
        "by its '# weight: N' (or JSON \"weight\")",
    )
    p.add_argument("--rate", "-r", type=float, help="requests per second (open model); omit for closed model")
    p.add_argument(
        "--duration", "-d", help=f"how long, e.g. 30s or 1m30s (default {DEFAULTS['executor']['duration_s']:g}s)"
    )
    p.add_argument("-n", "--requests", type=int, help="stop after this many requests")
    p.add_argument(
        "-c",
        "--connections",
        type=int,
        default=CONNECTIONS,
        help=f"connections: the in-flight bound with --rate, the concurrency without (default {CONNECTIONS})",
    )
    p.add_argument("-X", "--method", help="HTTP method (default GET; targets have their own)")
    p.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'K: V'",
        help="add a header (repeatable; with --targets, to every target)",
    )
    p.add_argument(
        "--body", help="request body, or @file to read it from a file (with --targets: for targets without one)"
    )
    p.add_argument("--timeout", help=f"per-request timeout (default {_HTTP['timeout_s']:g}s)")
    p.add_argument("--connect-timeout", help=f"TCP connect timeout (default {_HTTP['connect_timeout_s']:g}s)")
    p.add_argument("--workers", type=int, help="worker threads (default: one per usable CPU)")
    p.add_argument(
        "--send-window",
        help="how early a request may leave to share a wake-up with others due soon "
        f"(default {DEFAULTS['options']['send_window_us']:g}us; 0 = exactly on time, at a much higher CPU cost)",
    )
    tls = p.add_argument_group("HTTPS, names and redirects")
    tls.add_argument("--insecure", "-k", action="store_true", help="skip certificate verification (flagged)")
    tls.add_argument("--cacert", metavar="FILE", help="PEM file of extra CA certificates to trust")
    tls.add_argument(
        "--trust",
        metavar="SOURCES",
        help="other trusted CAs: bundled (Mozilla's roots), system (SSL_CERT_FILE/SSL_CERT_DIR, else the OS "
        "store), both comma-separated (the default), or none (only --cacert)",
    )
    tls.add_argument("--cert", metavar="FILE", help="client certificate (PEM), for mutual TLS")
    tls.add_argument("--key", metavar="FILE", help="client certificate's private key (PEM)")
    tls.add_argument("--tls-min", help=f"lowest TLS version, 1.2 or 1.3 (default {_HTTP['tls']['min_version']})")
    tls.add_argument("--tls-max", help=f"highest TLS version, 1.2 or 1.3 (default {_HTTP['tls']['max_version']})")
    tls.add_argument(
        "--tls-resumption",
        help="who resumes TLS sessions on reconnect: each connection its own (per_vu), any (shared), none (off) "
        f"(default {_HTTP['tls']['resumption']})",
    )
    tls.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="HOST=ADDR",
        help="connect to ADDR (an IP, or IP:port) for HOST, keeping HOST in Host and SNI (repeatable)",
    )
    tls.add_argument(
        "--max-redirects", type=int, help=f"redirects followed (default {_HTTP['max_redirects']}; 0 = none)"
    )
    add_result_flags(p)
    p.set_defaults(handler=run, stoppable=True)


def _trust(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [] if value == "none" else [s.strip() for s in value.split(",") if s.strip()]


def run(args: argparse.Namespace) -> int:
    """Runs the attack and prints the summary."""
    headers = [_header(h) for h in args.header]
    body = _body(args.body)
    try:
        targets = _targets(args)
        # Tls() reads the files it is given, so a missing one is a usage error like any flag.
        result = run_attack(
            args.url,
            targets=targets,
            order=args.order or "round-robin",
            rate=args.rate,
            duration=args.duration,
            requests=args.requests,
            connections=args.connections,
            method=args.method or "GET",
            headers=headers,
            body=body,
            timeout=args.timeout,
            connect_timeout=args.connect_timeout,
            workers=args.workers,
            send_window=args.send_window,
            outputs=args.out,
            tls=Tls(
                ca=args.cacert,
                trust=_trust(args.trust),
                cert=args.cert,
                key=args.key,
                min_version=args.tls_min,
                max_version=args.tls_max,
                resumption=args.tls_resumption,
            ),
            insecure=args.insecure,
            hosts=_resolve(args.resolve),
            max_redirects=args.max_redirects,
            source_addresses=args.source_address or None,
            strict=args.strict,
            progress=live.for_terminal(args.quiet),
        )
    except (PlanError, TypeError, ValueError) as e:
        raise UsageError(str(e).removeprefix("invalid attack: ")) from None
    except RunError as e:
        sys.stderr.write(f"horde attack: {e}\n")
        return EXIT_ERROR
    # Files first: a reader that goes away (`| head`) must not cost the results.
    save(result, args.json, args.summary_export)
    print(result.summary())
    return EXIT_OK


def _targets(args: argparse.Namespace) -> list[Target] | None:
    """The targets file's targets, or None for a URL; flags that do not fit are usage errors."""
    if args.targets is None:
        if args.url is None:
            raise UsageError("the following arguments are required: url (or --targets FILE)")
        for flag, value in (("--targets-format", args.targets_format), ("--order", args.order)):
            if value is not None:
                raise UsageError(f"{flag} applies to --targets FILE, not to a url")
        return None
    if args.url is not None:
        raise UsageError(f"give a url or --targets, not both (got {args.url!r} and --targets {args.targets})")
    if args.method is not None:
        raise UsageError("-X/--method does not apply to --targets: each target has its own method")
    return read_targets(args.targets, format=args.targets_format or "http")


def _resolve(entries: list[str]) -> dict[str, list[str]]:
    hosts: dict[str, list[str]] = {}
    for raw in entries:
        name, sep, addr = raw.partition("=")
        if not sep or not name.strip() or not addr.strip():
            raise UsageError(f"--resolve takes HOST=ADDR, e.g. shop.test=127.0.0.1, got {raw!r}")
        hosts.setdefault(name.strip(), []).append(addr.strip())
    return hosts


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
