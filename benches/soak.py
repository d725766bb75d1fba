"""Generator soak: does horde itself stay flat over an hour of steady load?

Runs ``horde attack`` at a fixed rate against nginx on loopback (both started here) and samples,
every ``--every`` seconds, horde's resident memory, open file descriptors and threads from /proc;
the achieved rate and the send-lag p99 of each window come from the run's own per-second series.
Prints a markdown table (one row per ``--row-every``) and the trend of each series over the run
after a warm-up, and draws the series into a PNG.

    python benches/soak.py                          # 1 hour at 5,000 req/s (benches/README.md)
    python benches/soak.py --duration 120 --rate 2000 --every 5 --row-every 30   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import horde as h
from servers import Nginx


def sample(pid: int) -> tuple[float, int, int]:
    """RSS (MiB), open file descriptors and threads of `pid`."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = {line.split(":")[0]: line.split(":")[1].split() for line in status if ":" in line}
    rss_mib = int(fields["VmRSS"][0]) / 1024
    return rss_mib, len(os.listdir(f"/proc/{pid}/fd")), int(fields["Threads"][0])


def slope_per_hour(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs (seconds), per hour."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 3600 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=3600, help="seconds of load (default 3600)")
    ap.add_argument("--rate", type=int, default=5000, help="requests per second (default 5000)")
    ap.add_argument("--every", type=int, default=10, help="sampling period, seconds (default 10)")
    ap.add_argument("--row-every", type=int, default=300, help="table row period, seconds (default 300)")
    ap.add_argument("--warmup", type=int, default=300, help="seconds left out of the trends (default 300)")
    ap.add_argument("--out", default="benches/soak", help="prefix of the .json samples and .png plot")
    args = ap.parse_args()

    nginx = Nginx()
    result_path = Path(f"{args.out}-result.json")
    try:
        cmd = [sys.executable, "-m", "horde", "attack", nginx.url(), "--rate", str(args.rate)]
        cmd += ["-d", f"{args.duration}s", "-c", "256", "-q", "--json", str(result_path)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        started = time.monotonic()
        samples: list[dict[str, float]] = []
        while proc.poll() is None:
            time.sleep(args.every - (time.monotonic() - started) % args.every)
            t = time.monotonic() - started
            try:
                rss, fds, threads = sample(proc.pid)
            except (FileNotFoundError, KeyError):
                break
            samples.append({"t": round(t), "rss_mib": rss, "fds": fds, "threads": threads})
        summary = proc.communicate()[0]
    finally:
        nginx.stop()
    result = h.load(result_path)
    per_second: dict[int, int] = {}
    for p in result.to_dict()["series"]:
        per_second[p["second"]] = per_second.get(p["second"], 0) + p["requests"]
    lag = {g["second"]: g["send_lag_p99_us"] / 1000 for g in result.to_dict()["generator_series"]}
    for s in samples:
        window = range(int(s["t"]) - args.every, int(s["t"]))
        s["rate"] = sum(per_second.get(i, 0) for i in window) / args.every
        s["lag_p99_ms"] = max((lag.get(i, 0.0) for i in window), default=0.0)
    Path(f"{args.out}.json").write_text(json.dumps(samples))

    print(summary)
    print(f"| minute | RSS MiB | open fds | threads | achieved req/s | send-lag p99 ms (max of {args.every} s) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for s in samples:
        if int(s["t"]) % args.row_every < args.every:
            print(
                f"| {s['t'] / 60:.0f} | {s['rss_mib']:.1f} | {s['fds']:.0f} | {s['threads']:.0f} "
                f"| {s['rate']:,.0f} | {s['lag_p99_ms']:.2f} |"
            )
    steady = [s for s in samples if args.warmup <= s["t"] <= args.duration]
    if len(steady) > 2:
        ts = [s["t"] for s in steady]
        print()
        for key, unit in (("rss_mib", "MiB"), ("fds", "fds"), ("rate", "req/s"), ("lag_p99_ms", "ms")):
            ys = [s[key] for s in steady]
            print(
                f"- {key}: min {min(ys):.2f}, median {statistics.median(ys):.2f}, max {max(ys):.2f} {unit}; "
                f"trend {slope_per_hour(ts, ys):+.3f} {unit}/hour after the first {args.warmup} s"
            )
    plot(samples, Path(f"{args.out}.png"), args)


def plot(samples: list[dict[str, float]], path: Path, args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 1, figsize=(8, 8), sharex=True)
    minutes = [s["t"] / 60 for s in samples]
    series = (("rss_mib", "RSS (MiB)"), ("fds", "open fds"), ("rate", "req/s"), ("lag_p99_ms", "send-lag p99 (ms)"))
    for ax, (key, label) in zip(axes, series, strict=True):
        ax.plot(minutes, [s[key] for s in samples], lw=1)
        ax.set_ylabel(label)
        if key == "lag_p99_ms":  # a host stall of seconds must not flatten the milliseconds
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("minute")
    fig.suptitle(f"horde generator soak: {args.rate:,} req/s for {args.duration / 60:.0f} min against nginx")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


if __name__ == "__main__":
    main()
