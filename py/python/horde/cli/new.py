"""``horde new [FILE]``: write a starter test script to edit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from horde.cli import EXIT_ERROR, EXIT_OK, example

# What each test type's scenario looks like in a starter script (horde.presets says what each answers).
SCENARIOS = {
    "load": (
        "# The expected peak: ramp to 20 sessions a second over 1 min, hold for 10 min.",
        '"visitors": h.load_test(journey, rate=20, ramp="1m", hold="10m")',
    ),
    "smoke": (
        "# A little load, briefly: does the script work?",
        '"visitors": h.smoke(journey, rate=1, duration="30s")',
    ),
    "stress": (
        "# Past the peak and back: 20 sessions/s ramping to 2x, held, then dropped; result.stress() says how it\n"
        "        # failed (graceful or catastrophic) and how long it took to recover.",
        '"visitors": h.stress(journey, rate=20, factor=2)',
    ),
    "spike": (
        "# A sudden 10x jump for 10 s; result.spike() says what it cost and how long recovery took.",
        '"visitors": h.spike(journey, rate=5, factor=10, length="10s")',
    ),
    "soak": (
        "# Moderate load for hours, for what only shows with time (leaks, pools that drain).",
        '"visitors": h.soak(journey, rate=10, hold="4h")',
    ),
}

BREAKPOINT = '''"""A horde breakpoint search. Run it with `python {name}`: it finds the highest rate of sessions
the target sustains within its SLO, with the bracket, the knee and the trials behind it."""

import horde as h

journey = h.journey(
    "browse",
    h.get("/", name="home", check=h.status(200)),
)

if __name__ == "__main__":
    capacity = h.breakpoint(
        journey,
        base_url=h.env("BASE_URL", "http://127.0.0.1:8080"),
        slo={{"http_req_duration": "p(99)<500", "http_req_failed": "rate<0.01"}},
        rates=(1, 2000),  # the lowest and highest sessions per second to try
        precision=0.02,  # stop when the bracket is narrower than 2 %
    )
    print(capacity.summary())
    capacity.save("capacity.json")  # h.load_capacity("capacity.json") reads it back
'''

TEMPLATE = '''"""A horde load test. Run it with `horde run {name}` (or `python -c` / a notebook: `test.run()`)."""

import horde as h

# What one user does in one session: requests, think times, branches.
journey = h.journey(
    "browse",
    h.get("/", name="home", check=h.status(200)),
    h.think(1, 3),  # a user reads the page for 1-3 s
    h.maybe(
        0.3,  # 30% of sessions go on to a second page
        h.get("/", name="second page", check=h.status(200)),
        h.think(0.5, 1),
    ),
)

test = h.Test(
    base_url=h.env("BASE_URL", "http://127.0.0.1:8080"),
    scenarios={{
        {comment}
        {scenario},
    }},
    thresholds={{
        "http_req_duration": ["p(95)<500"],  # 95% of requests under 500 ms
        "http_req_failed": ["rate<0.01"],  # under 1% failed
        "checks": ["rate>0.99"],
    }},
)
'''


def register(commands: argparse._SubParsersAction) -> None:
    """Adds the ``new`` subcommand."""
    p = commands.add_parser(
        "new", help="write a starter test script", description="write a starter test script", epilog=example("new")
    )
    p.add_argument("file", nargs="?", default="loadtest.py", help="where to write it (default loadtest.py)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument(
        "--type",
        choices=("users", *SCENARIOS, "breakpoint"),
        default="users",
        help="the test type: users (VUs ramping, the default), load, smoke, stress, spike, soak or breakpoint",
    )
    p.set_defaults(handler=new)


def new(args: argparse.Namespace) -> int:
    """Writes the starter script."""
    path = Path(args.file)
    if path.exists() and not args.force:
        sys.stderr.write(f"horde new: {path} exists; use --force to overwrite it\n")
        return EXIT_ERROR
    if args.type == "breakpoint":
        path.write_text(BREAKPOINT.format(name=path.name), encoding="utf-8")
        print(f"wrote {path}; edit it, then: python {path}")
        return EXIT_OK
    comment, scenario = SCENARIOS.get(
        args.type,
        (
            "# 10 users ramping up over 10 s, staying for 20 s, leaving over 5 s.",
            '"visitors": h.ramping_vus(journey, stages=[("10s", 10), ("20s", 10), ("5s", 0)])',
        ),
    )
    path.write_text(TEMPLATE.format(name=path.name, comment=comment, scenario=scenario), encoding="utf-8")
    print(f"wrote {path}; edit it, then: horde run {path}")
    return EXIT_OK
