"""``horde demo`` (the founding story, end to end) and ``horde demo-target`` (the shop alone)."""

from __future__ import annotations

import argparse
import contextlib
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

from horde import progress as live
from horde import running
from horde.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, example
from horde.journey_summary import observed_text
from horde.result import Result

STORY = """\
A team load-tested a checkout service with many virtual users hammering one endpoint. It passed.
On launch day real users — who browse, add to cart, apply coupons 30% of the time and check out —
knocked it over at about 200 concurrent users. The test measured the wrong thing.

This demo runs both tests against horde's bundled demo shop (its checkout holds one of 4 database
connections for 3 × 40 ms): first the naive single-endpoint test, then the realistic journey with
shoppers ramping to 200.
"""


def register(commands: argparse._SubParsersAction) -> None:
    """Adds ``demo`` and ``demo-target``."""
    d = commands.add_parser(
        "demo",
        help="run the founding story: a naive test passes, a realistic one fails",
        description="run the naive and the realistic test against the bundled demo shop",
        epilog=example("demo"),
    )
    d.add_argument(
        "question",
        nargs="?",
        choices=("story", "capacity"),
        default="story",
        help="story: the naive and the realistic test (default); capacity: at what load does checkout fall over?",
    )
    d.add_argument("--shoppers", type=int, default=200, help="peak concurrent shoppers (default 200)")
    d.add_argument("--quiet", "-q", action="store_true", help="print only the verdicts")
    d.set_defaults(handler=demo, stoppable=True)
    t = commands.add_parser(
        "demo-target",
        help="serve the demo shop on loopback until Ctrl-C",
        description="serve the demo shop (products, cart, coupons, checkout)",
        epilog=example("demo-target"),
    )
    t.add_argument("--port", type=int, default=8080)
    t.add_argument("--pool-size", type=int, default=4)
    t.add_argument("--query-ms", type=float, default=40.0)
    t.set_defaults(handler=target)


def target(args: argparse.Namespace) -> int:
    """Runs the shop in the foreground."""
    from horde.demo import shop

    shop.main(
        [
            "--port",
            str(args.port),
            "--pool-size",
            str(args.pool_size),
            "--query-ms",
            str(args.query_ms),
        ]
    )
    return EXIT_OK


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the shop's process: the kernel ends it when horde ends, however horde ends (even SIGKILL)."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@contextlib.contextmanager
def _shop() -> Iterator[str]:
    """The demo shop on a free loopback port, for the duration of the block; yields its URL.

    Raises:
        RuntimeError: it did not answer within 10 s.
    """
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "horde.demo.shop", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the demo shop did not start within 10 s") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.kill()
        proc.wait()


def demo(args: argparse.Namespace) -> int:
    """Runs the naive and the realistic test and prints both verdicts side by side."""
    from horde.demo import story

    if args.question == "capacity":
        return capacity(args)
    if not args.quiet:
        print(STORY)
    try:
        if running.stop_requested():  # stopped while starting up
            sys.stderr.write("horde demo: interrupted before any load was sent\n")
            return EXIT_INTERRUPTED
        with _shop() as url:
            print("1/2  single-endpoint test: 100 VUs hammering GET /v1/products/prod-123 for 15 s …", flush=True)
            naive = story.naive_test(url).run(progress=live.for_terminal(args.quiet))
            if running.stop_requested():
                print(naive.summary())
                return EXIT_INTERRUPTED
            print(f"2/2  realistic journey test: shoppers ramping to {args.shoppers} over a minute …", flush=True)
            real = story.realistic_test(url, shoppers=args.shoppers).run(progress=live.for_terminal(args.quiet))
    except RuntimeError as e:
        sys.stderr.write(f"horde demo: {e}\n")
        return EXIT_ERROR
    if not args.quiet:
        print("\n" + real.summary() + "\n")
    print(verdicts(naive, real, args.shoppers))
    return EXIT_OK


def capacity(args: argparse.Namespace) -> int:
    """Finds the demo shop's checkout capacity and shows it beside the figure its pool implies."""
    from horde.demo import story
    from horde.demo.shop import Settings

    s = Settings()
    expected = story.analytic_capacity(s)
    if not args.quiet:
        print(
            "At what load does checkout fall over? horde searches for the highest rate of checkouts the\n"
            f"demo shop sustains with p99 < 500 ms and under 1 % failed. Its checkout holds one of {s.pool_size}\n"
            f"database connections for {s.queries_per_checkout} × {s.query_ms:g} ms, so it cannot do more "
            f"than {expected:.1f} checkouts/s.\n",
            flush=True,
        )
    try:
        if running.stop_requested():
            sys.stderr.write("horde demo: interrupted before any load was sent\n")
            return EXIT_INTERRUPTED
        with _shop() as url:
            found = story.checkout_capacity(url, progress=None if args.quiet else "auto")
    except RuntimeError as e:
        sys.stderr.write(f"horde demo: {e}\n")
        return EXIT_ERROR
    print(found.summary())
    print()
    if found.capacity is None:
        print(f"  no capacity figure to compare with the pool's {expected:.1f} checkouts/s: {found.why_none}")
        return EXIT_ERROR
    off = 100 * (found.capacity - expected) / expected
    print(
        f"  measured {found.capacity:.1f} checkouts/s; the pool allows {s.pool_size} / ({s.queries_per_checkout} × "
        f"{s.query_ms:g} ms) = {expected:.1f} ({off:+.1f} %)"
    )
    return EXIT_OK


def verdicts(naive: Result, real: Result, shoppers: int) -> str:
    """The two results side by side."""

    def threshold(r: Result, metric: str) -> str:
        t = next((t for t in r.thresholds if t["metric"] == metric), None)
        if t is None or t["observed"] is None:
            return "-"
        return f"{observed_text(t)} {'✓' if t['ok'] else '✗'}"

    rows = [
        ("", "single endpoint (naive)", f"realistic journey ({shoppers} shoppers)"),
        ("requests", f"{naive.requests:,}", f"{real.requests:,}"),
        (
            "p95 response time  (<500 ms)",
            threshold(naive, "http_req_duration"),
            threshold(real, "http_req_duration"),
        ),
        (
            "failed requests    (<1%)",
            threshold(naive, "http_req_failed"),
            threshold(real, "http_req_failed"),
        ),
        ("checks passing     (>99%)", threshold(naive, "checks"), threshold(real, "checks")),
        ("verdict", "PASSED" if naive.passed else "FAILED", "PASSED" if real.passed else "FAILED"),
    ]
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(r, width, strict=True)).rstrip() for r in rows]
    checkout = next((s for j in real.journeys for s in j["steps"] if s["name"] == "checkout"), None)
    tail = ""
    if checkout and checkout["reached"]:
        broken = checkout["reached"] - checkout["ok"]
        tail = (
            f"\n  In the realistic test {broken} of {checkout['reached']} checkouts failed or were too slow: the "
            "database pool behind checkout, never touched by the naive test, is what users knock over."
        )
    return (
        "\n".join(lines)
        + tail
        + "\n  (examples/checkout.py is the same journey as a script: horde run examples/checkout.py)"
    )
