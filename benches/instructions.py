"""Instructions per request in horde's worker thread, counted by callgrind: a before/after check
that the machine's noise cannot blur.

CPU time per request on a shared VM varies by ±20 % from run to run (benches/README.md); the
instructions a worker executes per request do not. This runs `horde attack` under
`valgrind --tool=callgrind --separate-threads=yes` at two request counts, keeps the worker
thread's count (the thread running the event loop), and reports the difference per request, so
start-up and Python cancel out. Kernel work (the send path, wake-ups) is not counted: it is the
same for two builds that issue the same operations.

    python benches/instructions.py --baseline /path/to/other/python   # before vs after
    python benches/instructions.py                                    # this horde only

Requires valgrind and nginx. Everything stays on 127.0.0.1; each run is bounded.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import Nginx

# (name, the attack's arguments at the smaller and the larger count)
CASES = [
    ("closed model, 64 connections", ["-n", "20000", "-c", "64"], ["-n", "100000", "-c", "64"]),
    ("open model, 400 req/s, 1 ms window", ["--rate", "400", "-d", "5s"], ["--rate", "400", "-d", "15s"]),
]


def worker_instructions(python: str, url: str, args: list[str], out: str) -> tuple[int, int]:
    """(instructions in the worker thread, requests) of one attack under callgrind."""
    prefix = os.path.join(out, "callgrind.out")
    for f in glob.glob(prefix + "*"):
        os.remove(f)
    result = os.path.join(out, "result.json")
    cmd = [
        "taskset", "-c", "0", "valgrind", "--tool=callgrind", "--separate-threads=yes",
        f"--callgrind-out-file={prefix}", python, "-m", "horde", "attack", url, *args,
        "--workers", "1", "-q", "--json", result,
    ]  # fmt: skip
    subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=900)
    total = 0
    for f in glob.glob(prefix + "*"):
        text = Path(f).read_text(errors="replace")
        if "event_loop" in text:  # the worker thread's file names its loop
            total += int(re.search(r"^(?:totals|summary): (\d+)", text, re.M).group(1))
    requests = json.loads(Path(result).read_text())["total"]["requests"]
    return total, requests


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", help="a Python interpreter with another horde installed (the 'before')")
    args = p.parse_args()
    builds = [("after", sys.executable)] + ([("before", args.baseline)] if args.baseline else [])
    nginx = Nginx(cpu=(os.cpu_count() or 2) - 1)
    try:
        with tempfile.TemporaryDirectory() as out:
            for name, small, large in CASES:
                per: dict[str, float] = {}
                for label, python in builds:
                    (i0, r0), (i1, r1) = (worker_instructions(python, nginx.url(), a, out) for a in (small, large))
                    per[label] = (i1 - i0) / (r1 - r0)
                    print(f"{name} · {label}: {per[label]:.0f} instructions/request ({r0} and {r1} requests)")
                if "before" in per:
                    print(f"{name}: after / before = {per['after'] / per['before']:.3f}")
    finally:
        nginx.stop()


if __name__ == "__main__":
    main()
