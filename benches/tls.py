"""HTTPS side by side: horde (rustls over io_uring) against wrk (OpenSSL) on the same TLS nginx.

Three scenarios, 3 interleaved repetitions, CPU-microseconds per request over the steady window as
in compare.py (whose helpers this reuses):

- keep-alive at saturation: 64 connections back to back (one handshake each);
- a new connection per request (`Connection: close`) to a server that resumes sessions: wrk and
  horde (per-VU resumption, its default) both resume;
- a new connection per request to a server that refuses resumption (no session cache, no
  tickets): a full handshake every time. horde is measured verifying the chain (as a client
  must) and with --insecure (no verification, which is what wrk does).

nginx logs whether it resumed each session on the new-connection servers, and the table reports
that share per run, so what was compared is on the record.

    python benches/tls.py            # prints the table
    python benches/tls.py --write    # ... and updates benches/README.md

Requires nginx, wrk and the trustme package (horde's test extra). Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import compare  # noqa: E402 — benches/ is not a package

TLS_CONF = (
    compare.NGINX_PRELUDE
    + """    ssl_certificate {cert}; ssl_certificate_key {key}; ssl_protocols TLSv1.2 TLSv1.3;
    log_format reuse '$ssl_session_reused';
    server {{
        listen 127.0.0.1:{keep_port} ssl;
        location / {{ return 200 "ok\\n"; }}
    }}
    server {{
        listen 127.0.0.1:{resume_port} ssl;
        ssl_session_cache shared:SSL:10m; ssl_session_tickets on;
        access_log {dir}/reuse.log reuse;
        location / {{ return 200 "ok\\n"; }}
    }}
    server {{
        listen 127.0.0.1:{full_port} ssl;
        ssl_session_cache off; ssl_session_tickets off;
        access_log {dir}/reuse.log reuse;
        location / {{ return 200 "ok\\n"; }}
    }}
    server {{
        listen 127.0.0.1:{port};
        location = /nginx-status {{ stub_status; }}
    }}
}}
"""
)


class ReuseLog:
    """nginx's per-request record of whether the TLS session was resumed ("r") or not (".")."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen = 0

    def share_since_last(self) -> float:
        lines = self.path.read_text().splitlines() if self.path.exists() else []
        new = lines[self.seen :]
        self.seen = len(lines)
        return sum(line == "r" for line in new) / max(len(new), 1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--write", action="store_true", help="update benches/README.md")
    args = p.parse_args()
    import trustme

    pki = Path(tempfile.mkdtemp(prefix="horde-bench-pki-"))
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    ca.cert_pem.write_to_path(str(pki / "ca.pem"))
    leaf.private_key_pem.write_to_path(str(pki / "key.pem"))
    leaf.cert_chain_pems[0].write_to_path(str(pki / "cert.pem"))
    for blob in leaf.cert_chain_pems[1:]:
        blob.write_to_path(str(pki / "cert.pem"), append=True)
    ports = {name: str(compare.free_port()) for name in ("keep_port", "resume_port", "full_port")}
    cpus = os.cpu_count() or 2
    nginx = compare.Nginx(cpus - 1, TLS_CONF, cert=str(pki / "cert.pem"), key=str(pki / "key.pem"), **ports)
    reuse = ReuseLog(Path(nginx.dir, "reuse.log"))
    keep, resume, full = (f"https://localhost:{ports[k]}/" for k in ("keep_port", "resume_port", "full_port"))
    ca_args = ["--cacert", str(pki / "ca.pem")]
    close = ["-H", "Connection: close"]
    rows: dict[str, list[compare.Sample]] = {}

    def add(name: str, sample: compare.Sample, logged: bool) -> None:
        if logged:
            sample.extra["resumed_pct"] = round(100 * reuse.share_since_last(), 1)
        rows.setdefault(name, []).append(sample)
        line = (
            f"  {name}: {sample.cpu_us_per_req:.2f} CPU-µs/req, {sample.req_per_s:.0f} req/s, "
            f"nginx {sample.server_cpu_us_per_req:.1f} CPU-µs/req {sample.extra}"
        )
        print(line, flush=True)

    def wrk(url: str, extra: list[str]) -> compare.Sample:
        return compare.measure(["wrk", "-t1", "-c64", "-d10s", *extra, url], nginx, 10)[0]

    def horde(url: str, extra: list[str]) -> compare.Sample:
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            cmd = compare.horde_cmd(url, ["-c", "64", "-d", "10s", *ca_args, *extra], f.name)
            sample, out = compare.measure(cmd, nginx, 10)
            data = json.loads(Path(f.name).read_text())
        errors = sum(data["total"]["errors"].values())
        if errors:
            raise RuntimeError(f"horde had {errors} errors:\n{out}")
        return sample

    names = {
        "keep-wrk": "keep-alive · wrk -t1 -c64",
        "keep-horde": "keep-alive · horde -c 64",
        "resume-wrk": "new connection per request, server resumes · wrk -t1 -c64",
        "resume-horde": "new connection per request, server resumes · horde -c 64 (per-VU resumption)",
        "full-wrk": "full handshake per request · wrk -t1 -c64 (no verification)",
        "full-horde": "full handshake per request · horde -c 64 (verifies the chain)",
        "full-insecure": "full handshake per request · horde -c 64 --insecure (no verification)",
    }
    try:
        for rep in range(args.reps):
            print(f"rep {rep + 1}/{args.reps}", flush=True)
            add(names["keep-wrk"], wrk(keep, []), False)
            add(names["keep-horde"], horde(keep, []), False)
            add(names["resume-wrk"], wrk(resume, close), True)
            add(names["resume-horde"], horde(resume, close), True)
            add(names["full-wrk"], wrk(full, close), True)
            add(names["full-horde"], horde(full, close), True)
            add(names["full-insecure"], horde(full, [*close, "--insecure"]), True)
    finally:
        nginx.stop()
    table = [
        "| generator · scenario | CPU-µs/req median (min–max) | req/s | nginx CPU-µs/req | sessions resumed (nginx) |",
        "|---|---|---|---|---|",
    ]
    for name, samples in rows.items():
        rate = statistics.median(s.req_per_s for s in samples)
        resumed = (
            f"{statistics.median(s.extra['resumed_pct'] for s in samples):.0f}%"
            if "resumed_pct" in samples[0].extra
            else "–"
        )
        server = statistics.median(s.server_cpu_us_per_req for s in samples)
        table.append(
            f"| {name} | {compare.median(samples, 'cpu_us_per_req')} | {rate:.0f} | {server:.1f} | {resumed} |"
        )

    def ratio(a: str, b: str) -> str:
        cpu = (statistics.median(s.cpu_us_per_req for s in rows[names[k]]) for k in (a, b))
        return f"**{next(cpu) / next(cpu):.2f}×**"

    table.append(
        f"\nhorde / wrk CPU per request: keep-alive {ratio('keep-horde', 'keep-wrk')}; a resumed handshake per "
        f"request {ratio('resume-horde', 'resume-wrk')}; a full handshake per request "
        f"{ratio('full-insecure', 'full-wrk')} with the same work (no verification), "
        f"{ratio('full-horde', 'full-wrk')} verifying the chain as horde does by default."
    )
    text = "\n".join(table)
    print("\n" + text)
    if args.write:
        readme = HERE / "README.md"
        block = (
            f"<!-- tls:start -->\nMeasured {time.strftime('%Y-%m-%d')} with `python benches/tls.py --write` "
            f"({args.reps} reps):\n\n{text}\n<!-- tls:end -->"
        )
        current = readme.read_text()
        readme.write_text(re.sub(r"<!-- tls:start -->.*<!-- tls:end -->", lambda _: block, current, flags=re.S))


if __name__ == "__main__":
    main()
