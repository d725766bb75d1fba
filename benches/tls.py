"""HTTPS side by side: horde (rustls over io_uring) against wrk (OpenSSL) on the same TLS nginx.

Two scenarios, 3 interleaved repetitions, CPU-microseconds per request over the steady window as in
compare.py (whose helpers this reuses):

- keep-alive at saturation: 64 connections back to back;
- a new connection per request (`Connection: close`): the TLS handshake cost. wrk does a full
  handshake every time; horde is measured with resumption off (the same work) and with its default
  per-VU resumption.

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

TLS_CONF = """
daemon off; master_process off; worker_processes 1;
error_log {dir}/error.log; pid {dir}/nginx.pid;
events {{ worker_connections 8192; }}
http {{
    access_log off; keepalive_requests 100000000;
    client_body_temp_path {dir}/b; proxy_temp_path {dir}/p; fastcgi_temp_path {dir}/f;
    uwsgi_temp_path {dir}/u; scgi_temp_path {dir}/s;
    ssl_session_cache shared:SSL:10m; ssl_session_tickets on; ssl_protocols TLSv1.2 TLSv1.3;
    server {{
        listen 127.0.0.1:{tls_port} ssl;
        ssl_certificate {cert}; ssl_certificate_key {key};
        location / {{ return 200 "ok\\n"; }}
    }}
    server {{
        listen 127.0.0.1:{port};
        location = /nginx-status {{ stub_status; }}
    }}
}}
"""


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
    tls_port = str(compare.free_port())
    cpus = os.cpu_count() or 2
    nginx = compare.Nginx(cpus - 1, TLS_CONF, tls_port=tls_port, cert=str(pki / "cert.pem"), key=str(pki / "key.pem"))
    url = f"https://localhost:{tls_port}/"
    ca_args = ["--cacert", str(pki / "ca.pem")]
    close = ["-H", "Connection: close"]
    rows: dict[str, list[compare.Sample]] = {}

    def add(name: str, sample: compare.Sample) -> None:
        rows.setdefault(name, []).append(sample)
        line = f"  {name}: {sample.cpu_us_per_req:.2f} CPU-µs/req, {sample.req_per_s:.0f} req/s {sample.extra}"
        print(line, flush=True)

    def horde(extra: list[str]) -> compare.Sample:
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            cmd = compare.horde_cmd(url, ["-c", "64", "-d", "10s", *ca_args, *extra], f.name)
            sample, out = compare.measure(cmd, nginx, 10)
            data = json.loads(Path(f.name).read_text())
        g = data["generator"]
        errors = sum(data["total"]["errors"].values())
        if errors:
            raise RuntimeError(f"horde had {errors} errors:\n{out}")
        sample.extra = {"handshakes": g["tls_handshakes"], "resumed": g["tls_resumed"]}
        return sample

    try:
        for rep in range(args.reps):
            print(f"rep {rep + 1}/{args.reps}", flush=True)
            s, _ = compare.measure(["wrk", "-t1", "-c64", "-d10s", url], nginx, 10)
            add("keep-alive · wrk -t1 -c64", s)
            add("keep-alive · horde -c 64", horde([]))
            s, _ = compare.measure(["wrk", "-t1", "-c64", "-d10s", *close, url], nginx, 10)
            add("new connection per request · wrk -t1 -c64", s)
            add("new connection per request · horde, resumption off", horde([*close, "--tls-resumption", "off"]))
            add(
                "new connection per request · horde, resumption off, --insecure (no chain check, as wrk)",
                horde([*close, "--tls-resumption", "off", "--insecure"]),
            )
            add("new connection per request · horde, per-VU resumption", horde(close))
    finally:
        nginx.stop()
    table = ["| generator · scenario | CPU-µs/req median (min–max) | req/s |", "|---|---|---|"]
    for name, samples in rows.items():
        rate = statistics.median(s.req_per_s for s in samples)
        table.append(f"| {name} | {compare.median(samples, 'cpu_us_per_req')} | {rate:.0f} |")

    def ratio(a: str, b: str) -> float:
        return statistics.median(s.cpu_us_per_req for s in rows[a]) / statistics.median(
            s.cpu_us_per_req for s in rows[b]
        )

    keep = ratio("keep-alive · horde -c 64", "keep-alive · wrk -t1 -c64")
    fresh = ratio("new connection per request · horde, resumption off", "new connection per request · wrk -t1 -c64")
    table.append(
        f"\nhorde / wrk CPU per request: keep-alive **{keep:.2f}×**, a full handshake per request **{fresh:.2f}×**."
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
