"""``horde new [FILE]``: write a starter test script to edit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from horde.cli import EXIT_ERROR, EXIT_OK

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
        # 10 users ramping up over 10 s, staying for 20 s, leaving over 5 s.
        "visitors": h.ramping_vus(journey, stages=[("10s", 10), ("20s", 10), ("5s", 0)]),
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
    p = commands.add_parser("new", help="write a starter test script", description="write a starter test script")
    p.add_argument("file", nargs="?", default="loadtest.py", help="where to write it (default loadtest.py)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(handler=new)


def new(args: argparse.Namespace) -> int:
    """Writes the starter script."""
    path = Path(args.file)
    if path.exists() and not args.force:
        sys.stderr.write(f"horde new: {path} exists; use --force to overwrite it\n")
        return EXIT_ERROR
    path.write_text(TEMPLATE.format(name=path.name), encoding="utf-8")
    print(f"wrote {path}; edit it, then: horde run {path}")
    return EXIT_OK
