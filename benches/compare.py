"""Side-by-side benchmark: horde against peers (wrk, oha) on the same nginx, in one run.

Measures CPU-microseconds per request of the load generator (its user + system CPU in a steady
window, divided by the requests nginx counted in that window), the send lag horde reports, and
peak RSS. nginx runs with one worker pinned to the last CPU; every generator is pinned to CPU 0.
Everything stays on 127.0.0.1 and every run is bounded in time.

    python benches/compare.py                 # 3 interleaved repetitions, prints a table
    python benches/compare.py --write         # ... and updates benches/README.md
    python benches/compare.py --oha PATH      # include oha (cargo install oha) at the fixed rate
    python benches/compare.py --only rate     # one group: journey, saturation or rate
    python benches/compare.py --baseline VENV/bin/python   # also run another horde, before/after

With --baseline, every horde scenario of a repetition is measured twice in a row, with the horde of
this interpreter ("after") and then with the one installed for the given interpreter ("before",
rows suffixed " (baseline)"), and a last table gives their CPU per request and its ratio.

Requires: nginx (Debian nginx-light) and wrk (Debian wrk) on PATH, horde installed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
WINDOW = (3.0, 8.0)  # steady window, seconds after the generator starts
BASELINE = " (baseline)"  # suffix of the rows measured with --baseline's interpreter
# What every benchmark nginx shares: one worker, no access log, temp files in its own dir.
NGINX_PRELUDE = """
daemon off; master_process off; worker_processes 1;
error_log {dir}/error.log; pid {dir}/nginx.pid;
events {{ worker_connections 8192; }}
http {{
    access_log off; keepalive_requests 100000000;
    client_body_temp_path {dir}/b; proxy_temp_path {dir}/p; fastcgi_temp_path {dir}/f;
    uwsgi_temp_path {dir}/u; scgi_temp_path {dir}/s;
"""
NGINX_CONF = (
    NGINX_PRELUDE
    + """    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
        location /item/ {{ return 200 "ok\\n"; }}
        location = /json {{ default_type application/json; return 200 '{{"id": "abc-123", "ok": true}}'; }}
        location = /nginx-status {{ stub_status; }}
    }}
}}
"""
)


@dataclass
class Sample:
    cpu_us_per_req: float
    req_per_s: float
    rss_kb: int
    extra: dict[str, float] = field(default_factory=dict)
    # nginx's CPU per request over the same window: what the generator's traffic costs the target.
    server_cpu_us_per_req: float = 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx with one worker pinned to `cpu`; `conf` is formatted with `dir`, `port` (which must
    serve /nginx-status) and `settings`."""

    def __init__(self, cpu: int, conf: str = NGINX_CONF, **settings: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="horde-bench-")
        self.port = free_port()
        Path(self.dir, "nginx.conf").write_text(conf.format(dir=self.dir, port=self.port, **settings))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen(
            ["taskset", "-c", str(cpu), nginx, "-p", self.dir, "-c", f"{self.dir}/nginx.conf"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                self.requests()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self) -> int:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            s.sendall(b"GET /nginx-status HTTP/1.0\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        # "server accepts handled requests\n A H R" — the status request itself counts once.
        return int(data.split(b"\r\n\r\n", 1)[1].splitlines()[2].split()[2])

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, all threads


def peak_rss_kb(pid: int) -> int:
    match = re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) if match else 0


def measure(cmd: list[str], nginx: Nginx, seconds: float) -> tuple[Sample, str]:
    """Runs `cmd` pinned to CPU 0; CPU and requests over the steady window."""
    proc = subprocess.Popen(["taskset", "-c", "0", *cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    start = time.monotonic()
    time.sleep(WINDOW[0])
    c0, s0, r0, t0 = cpu_ticks(proc.pid), cpu_ticks(nginx.proc.pid), nginx.requests(), time.monotonic()
    time.sleep(WINDOW[1] - WINDOW[0])
    c1, s1, r1, t1 = cpu_ticks(proc.pid), cpu_ticks(nginx.proc.pid), nginx.requests(), time.monotonic()
    rss = 0
    while proc.poll() is None and time.monotonic() - start < seconds + 30:
        rss = max(rss, peak_rss_kb(proc.pid))
        time.sleep(0.2)
    out = proc.communicate(timeout=60)[0]
    requests = max(r1 - r0 - 1, 1)
    cpu_us = (c1 - c0) / CLK_TCK * 1e6
    server_us = (s1 - s0) / CLK_TCK * 1e6
    return Sample(cpu_us / requests, requests / (t1 - t0), rss, server_cpu_us_per_req=server_us / requests), out


def horde_cmd(url: str, args: list[str], json_out: str, python: str = sys.executable) -> list[str]:
    return [python, "-m", "horde", "attack", url, *args, "--json", json_out, "-q"]


def run_horde(nginx: Nginx, args: list[str], seconds: float, python: str = sys.executable) -> Sample:
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        sample, _ = measure(horde_cmd(nginx.url(), args, f.name, python), nginx, seconds)
        data = json.loads(Path(f.name).read_text())
    gen = data["generator"]
    sample.extra = {
        "lag_p99_us": gen["send_lag"]["p99_us"],
        "service_p50_us": data["total"]["service_time"]["p50_us"],
        "errors": sum(data["total"]["errors"].values()),
    }
    return sample


def run_journey(nginx: Nginx, seconds: float, python: str = sys.executable) -> Sample:
    script = str(HERE / "journey.py")
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        cmd = [python, "-m", "horde", "run", script, "-e", f"BASE_URL={nginx.url('')}", "--json", f.name, "-q"]
        sample, out = measure(cmd, nginx, seconds)
        data = json.loads(Path(f.name).read_text())
    failed = data["total"]["failed"]
    checks = sum(c["fails"] for c in data["checks"])
    if failed or checks:
        raise RuntimeError(
            f"the journey benchmark must run clean: {failed} failed requests, {checks} failed checks\n{out}"
        )
    sample.extra = {"errors": failed}
    return sample


def median(samples: list[Sample], key: str) -> str:
    values = [getattr(s, key) if hasattr(s, key) else s.extra[key] for s in samples]
    m = statistics.median(values)
    if key == "rss_kb":
        return f"{m / 1024:.1f} MB"
    if len(values) > 1:
        return f"{m:.2f} ({min(values):.2f}–{max(values):.2f})"
    return f"{m:.2f}"


def horde_location(python: str) -> str:
    """Where `python` imports horde and its extension from; fails early if it cannot."""
    code = "import horde, horde._native as n; print(n.__file__)"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{python} cannot import horde:\n{done.stderr}")
    return done.stdout.strip()


def before_after(rows: dict[str, list[Sample]]) -> str:
    """Per horde scenario measured with --baseline too: median CPU-µs/req of each, the ratio of the
    medians, the range of the per-repetition ratios (each pairs runs of the same repetition), and
    the median req/s of each."""
    table = [
        "| horde scenario | after CPU-µs/req | before CPU-µs/req | after / before (per-rep min–max) "
        "| after req/s | before req/s |",
        "|---|---|---|---|---|---|",
    ]
    worst: tuple[float, str] | None = None
    for name, after in rows.items():
        before = rows.get(name + BASELINE)
        if not before:
            continue
        a = statistics.median(s.cpu_us_per_req for s in after)
        b = statistics.median(s.cpu_us_per_req for s in before)
        ratio = a / b
        paired = [x.cpu_us_per_req / y.cpu_us_per_req for x, y in zip(after, before, strict=True)]
        spread = f" ({min(paired):.3f}–{max(paired):.3f})" if len(paired) > 1 else ""
        rate_a = statistics.median(s.req_per_s for s in after)
        rate_b = statistics.median(s.req_per_s for s in before)
        table.append(f"| {name} | {a:.2f} | {b:.2f} | **{ratio:.3f}×**{spread} | {rate_a:.0f} | {rate_b:.0f} |")
        worst = max(worst or (ratio, name), (ratio, name))
    if worst:
        table.append(f"\nLargest after / before: **{worst[0]:.3f}×** ({worst[1]}).")
    return "\n".join(table)


def replace_block(readme: Path, marker: str, block: str) -> None:
    """Replaces what lies between `<!-- marker:start -->` and `<!-- marker:end -->` with `block`."""
    current = readme.read_text()
    pattern = rf"<!-- {marker}:start -->.*<!-- {marker}:end -->"
    if not re.search(pattern, current, flags=re.S):
        raise SystemExit(f"{readme} has no <!-- {marker}:start/end --> markers")
    readme.write_text(
        re.sub(pattern, lambda _: f"<!-- {marker}:start -->\n{block}\n<!-- {marker}:end -->", current, flags=re.S)
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--oha", help="path to an oha binary to include at the fixed rate")
    p.add_argument("--write", action="store_true", help="update benches/README.md")
    p.add_argument("--skip-memory", action="store_true", help="skip the 60 s memory run")
    p.add_argument(
        "--only", choices=["journey", "saturation", "rate"], help="run only one group of scenarios (and no memory run)"
    )
    p.add_argument(
        "--baseline",
        metavar="PYTHON",
        help="an interpreter with another horde installed: measure it too, right after this one, in every repetition; "
        "with --write, only the before/after block of benches/README.md is updated",
    )
    args = p.parse_args()
    pythons = [("", sys.executable)]
    if args.baseline:
        pythons.append((BASELINE, args.baseline))
        for suffix, python in pythons:
            print(f"horde{suffix or ' (current)'}: {python} -> {horde_location(python)}", flush=True)
    cpus = os.cpu_count() or 2
    nginx = Nginx(cpu=cpus - 1)
    rows: dict[str, list[Sample]] = {}

    def add(name: str, sample: Sample) -> None:
        rows.setdefault(name, []).append(sample)
        print(
            f"  {name}: {sample.cpu_us_per_req:.2f} CPU-µs/req, {sample.req_per_s:.0f} req/s, "
            f"{sample.rss_kb / 1024:.1f} MB {sample.extra}",
            flush=True,
        )

    def add_horde(name: str, run: Callable[..., Sample], *run_args: object) -> None:
        """Measures one horde scenario with each interpreter in turn (this one, then the baseline)."""
        for suffix, python in pythons:
            add(name + suffix, run(*run_args, python=python))

    def wanted(group: str) -> bool:
        return args.only in (None, group)

    try:
        for rep in range(args.reps):
            print(f"rep {rep + 1}/{args.reps}", flush=True)
            started = time.monotonic()
            if wanted("journey"):
                add_horde("journey overhead · horde plain GET, 64 VUs", run_horde, nginx, ["-c", "64", "-d", "10s"], 10)
                add_horde("journey overhead · horde 6-step journey, 64 VUs", run_journey, nginx, 10)
            if wanted("saturation"):
                s, _ = measure(["wrk", "-t1", "-c64", "-d10s", nginx.url()], nginx, 10)
                add("saturation · wrk -t1 -c64", s)
                add_horde("saturation · horde -c 64", run_horde, nginx, ["-c", "64", "-d", "10s"], 10)
            if wanted("rate"):
                for window in ("0", "1000", "2000", "5000"):
                    add_horde(
                        f"5,000 req/s · horde --send-window {window}µs",
                        run_horde,
                        nginx,
                        ["--rate", "5000", "-c", "64", "-d", "10s", "--send-window", window + "us"],
                        10,
                    )
                if args.oha:
                    s, _ = measure(
                        [args.oha, "--no-tui", "-q", "5000", "-c", "64", "-z", "10s", nginx.url()],
                        nginx,
                        10,
                    )
                    add("5,000 req/s · oha -q 5000 -c 64", s)
            print(f"rep {rep + 1}/{args.reps} took {time.monotonic() - started:.0f} s", flush=True)
        if not args.skip_memory and args.only is None:
            print("memory: 10 s and 60 s at 5,000 req/s", flush=True)
            add(
                "memory · horde 5,000 req/s 10 s",
                run_horde(nginx, ["--rate", "5000", "-d", "10s"], 10),
            )
            add(
                "memory · horde 5,000 req/s 60 s",
                run_horde(nginx, ["--rate", "5000", "-d", "60s"], 60),
            )
    finally:
        nginx.stop()

    table = [
        "| generator · scenario | CPU-µs/req median (min–max) | req/s | send-lag p99 µs | service p50 µs | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for name, samples in rows.items():
        lag = median(samples, "lag_p99_us") if "lag_p99_us" in samples[0].extra else "–"
        svc = median(samples, "service_p50_us") if "service_p50_us" in samples[0].extra else "–"
        rate = statistics.median(s.req_per_s for s in samples)
        cpu = median(samples, "cpu_us_per_req")
        table.append(f"| {name} | {cpu} | {rate:.0f} | {lag} | {svc} | {median(samples, 'rss_kb')} |")
    plain = rows.get("journey overhead · horde plain GET, 64 VUs")
    journey = rows.get("journey overhead · horde 6-step journey, 64 VUs")
    if plain and journey:
        ratio = statistics.median(s.cpu_us_per_req for s in journey) / statistics.median(
            s.cpu_us_per_req for s in plain
        )
        table.append(f"\nJourney overhead: the 6-step journey costs **{ratio:.2f}×** the plain GET per request.")
    text = "\n".join(table)
    print("\n" + text)
    if args.baseline:
        comparison = before_after(rows)
        print("\nafter / before (after: this interpreter's horde; before: --baseline's)\n\n" + comparison)
    if args.write:
        readme = HERE / "README.md"
        stamp = time.strftime("%Y-%m-%d")
        command = "python benches/compare.py --write"
        command += f" --only {args.only}" if args.only else ""
        command += " --oha PATH" if args.oha and wanted("rate") else ""
        if args.baseline:
            command += " --baseline PYTHON"
            replace_block(
                readme, "before-after", f"Measured {stamp} with `{command}` ({args.reps} reps):\n\n{comparison}"
            )
        else:
            replace_block(readme, "results", f"Measured {stamp} with `{command}` ({args.reps} reps):\n\n{text}")


if __name__ == "__main__":
    main()
