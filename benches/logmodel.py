"""Side-by-side benchmark: `horde model` against the shell pipeline people reach for first.

Issue 12 asks `horde model` to learn a million-line nginx access log in less time than

    awk '{print $7}' LOG | sed 's/\\?.*$//' | sort | uniq -c | sort -rn | head

takes to merely count its paths, on the same file and the same machine. This script makes the log
once with tests/logsynth.py (a synthetic "combined" log of a known workload, 1,000,000 lines, about
230 MB) and a gzip copy of it, then times both commands on each, alternating them in every
repetition so that both see the same machine. For each run it records the wall time and the CPU
time (user + system of the command and everything it waited for, from os.wait4). One untimed run of
each comes first, so both read the log from the page cache and Python's bytecode is cached, as on a
machine where horde is installed.

    python benches/logmodel.py                    # 5 repetitions, prints a markdown table
    python benches/logmodel.py --reps 9 --lines 200000
    python benches/logmodel.py --log access.log   # your own log (its .gz copy is made beside it)

Requires: awk, sed, sort, uniq, head, gzip (coreutils), horde installed in this interpreter.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = "awk '{{print $7}}' {log} | sed 's/\\?.*$//' | sort | uniq -c | sort -rn | head"


@dataclass
class Run:
    wall_s: float
    cpu_s: float


def ensure_logs(log: Path, lines: int) -> tuple[Path, Path]:
    """The plain log (made with tests/logsynth.py unless it exists) and a gzip copy of it."""
    if not log.exists():
        print(f"writing {log} ({lines:,} lines) with tests/logsynth.py ...", file=sys.stderr)
        synth = [sys.executable, str(ROOT / "tests" / "logsynth.py"), str(log), "--lines", str(lines)]
        subprocess.run(synth, check=True)
    packed = log.with_name(log.name + ".gz")
    if not packed.exists() or packed.stat().st_mtime < log.stat().st_mtime:
        print(f"writing {packed} ...", file=sys.stderr)
        with log.open("rb") as source, gzip.open(packed, "wb", compresslevel=6) as out:
            shutil.copyfileobj(source, out, 1 << 20)
    return log, packed


def horde_command(log: Path) -> tuple[list[str], str]:
    """`horde model LOG --top 20`, or the same through the Python API when the CLI has no `model`."""
    horde = Path(sys.executable).with_name("horde")
    probe = subprocess.run([str(horde), "model", "--help"], capture_output=True) if horde.exists() else None
    if probe is not None and probe.returncode == 0:
        return [str(horde), "model", str(log), "--top", "20"], "horde model LOG --top 20"
    code = f"import horde as h; print(h.learn({str(log)!r}).table(20))"
    return [sys.executable, "-c", code], 'python -c "import horde as h; print(h.learn(LOG).table(20))"'


def pipeline_command(log: Path, packed: bool) -> list[str]:
    source = f"gzip -dc {shlex.quote(str(log))} | " if packed else ""
    script = PIPELINE.format(log="" if packed else shlex.quote(str(log)))
    return ["sh", "-c", source + script]


def timed(command: list[str], env: dict[str, str]) -> Run:
    """Runs `command` (output discarded); its wall time and the CPU time of it and its children."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{shlex.join(command)} exited with {process.returncode}")
    return Run(wall, usage.ru_utime + usage.ru_stime)


def summary(runs: list[Run]) -> tuple[float, float, float]:
    """Median wall, minimum wall, median CPU."""
    return (
        statistics.median(r.wall_s for r in runs),
        min(r.wall_s for r in runs),
        statistics.median(r.cpu_s for r in runs),
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=5, help="timed repetitions of each command (default 5)")
    p.add_argument("--lines", type=int, default=1_000_000, help="lines of the synthetic log (default 1,000,000)")
    p.add_argument("--log", type=Path, help="the log to read (default: a synthetic one in the temp directory)")
    args = p.parse_args()
    if importlib.util.find_spec("horde") is None:
        raise SystemExit(f"horde is not installed for {sys.executable}: pip install . (or maturin develop --release)")
    log = args.log or Path(tempfile.gettempdir()) / f"horde-logmodel-{args.lines}.log"
    plain, packed = ensure_logs(log, args.lines)
    # Bytecode cached (in a directory of its own), as after `pip install`; the rest of the
    # environment, locale included, as the user has it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "horde-logmodel-pycache")
    load_before = os.getloadavg()
    rows = []
    shown = label = ""
    for name, path, is_packed in [("plain", plain, False), ("gzip", packed, True)]:
        horde, shown = horde_command(path)
        label = shown.replace(" LOG --top 20", "") if shown.startswith("horde model") else "h.learn(LOG).table(20)"
        pipeline = pipeline_command(path, is_packed)
        timed(horde, env), timed(pipeline, env)  # warm-up: page cache, bytecode
        results: dict[str, list[Run]] = {"horde": [], "pipeline": []}
        for rep in range(args.reps):
            results["horde"].append(timed(horde, env))
            results["pipeline"].append(timed(pipeline, env))
            h, s = results["horde"][-1], results["pipeline"][-1]
            print(f"  {name} rep {rep + 1}: horde {h.wall_s:.2f} s, pipeline {s.wall_s:.2f} s", file=sys.stderr)
        rows.append((name, path, summary(results["horde"]), summary(results["pipeline"])))
    load_after = os.getloadavg()

    size = plain.stat().st_size / 1e6
    print(f"Log: {plain} ({size:.0f} MB; gzip copy {packed.stat().st_size / 1e6:.0f} MB), {args.reps} repetitions")
    print(f"horde: `{shown}`; pipeline: `{PIPELINE.format(log='LOG')}` (`gzip -dc LOG |` first for the gzip log)\n")
    print("| log | command | wall median | wall min | CPU median (user + sys) |")
    print("|---|---|---:|---:|---:|")
    for name, _, horde, pipeline in rows:
        print(f"| {name} | {label} | {horde[0]:.2f} s | {horde[1]:.2f} s | {horde[2]:.2f} s |")
        print(
            f"| {name} | awk \\| sed \\| sort \\| uniq -c \\| sort -rn \\| head | "
            f"{pipeline[0]:.2f} s | {pipeline[1]:.2f} s | {pipeline[2]:.2f} s |"
        )
    print()
    for name, _, horde, pipeline in rows:
        print(
            f"- {name}: {label} takes **{horde[0] / pipeline[0]:.2f}×** the pipeline's wall time "
            f"(medians; {pipeline[0] / horde[0]:.2f}× faster) and {horde[2] / pipeline[2]:.2f}× its CPU time"
        )
    cpus = os.cpu_count()
    print(
        f"\nMachine: {cpus} CPUs, load average {load_before[0]:.2f} before and {load_after[0]:.2f} after "
        f"(1-minute), locale {os.environ.get('LC_ALL') or os.environ.get('LANG') or 'C'}."
    )


if __name__ == "__main__":
    main()
