"""Resource limits that explain themselves: a plan that needs more open files or local ports than
the host gives is warned about before any load (with the numbers and the fix), refused with
``--strict``, and its failures are counted as ``too_many_open_files`` / ``no_local_ports`` with the
advice in the summary; ``--source-address`` spreads connections over local addresses, so that more
connections than the ephemeral port range reach one address.

The port tests shrink the port range inside a network namespace of their own (root and iproute2,
which tests/run.sh installs), except the last, which crosses this machine's real range.
"""

from __future__ import annotations

import contextlib
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import horde as h
from cli import HORDE, horde
from conformance import free_port
from servers import NGINX, wait_for_port

_CONF = """
daemon off;
worker_processes {workers};
worker_rlimit_nofile 19500;
error_log {dir}/error.log;
pid {dir}/nginx.pid;
events {{ worker_connections 19000; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    server {{
        listen 127.0.0.1:{port} backlog=65535 reuseport;
        location / {{ return 200 "ok\\n"; }}
        location = /status {{ stub_status; }}
    }}
}}
"""


@contextlib.contextmanager
def big_nginx(workers: int = 1, netns: str | None = None) -> Iterator[str]:
    """nginx for many connections (each worker holds up to 19,000), optionally inside `netns`."""
    d = tempfile.mkdtemp(prefix="horde-bignginx-")
    port = free_port()
    Path(d, "nginx.conf").write_text(_CONF.format(dir=d, port=port, workers=workers))
    prefix = ["ip", "netns", "exec", netns] if netns else []
    proc = subprocess.Popen(
        [*prefix, NGINX, "-p", d, "-c", f"{d}/nginx.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        if netns:
            deadline = time.monotonic() + 5
            probe = f"{sys.executable} -c 'import urllib.request as u; u.urlopen(\"http://127.0.0.1:{port}/status\")'"
            while not _in_netns(netns, probe):
                assert time.monotonic() < deadline, "nginx did not start in the namespace"
                time.sleep(0.05)
        else:
            wait_for_port(port)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(d, ignore_errors=True)


def _in_netns(netns: str, command: str) -> bool:
    return subprocess.run(["ip", "netns", "exec", netns, "sh", "-c", command], capture_output=True).returncode == 0


@pytest.fixture
def small_port_range() -> Iterator[str]:
    """A network namespace whose ephemeral port range has 500 ports."""
    if shutil.which("ip") is None:
        pytest.fail("iproute2's ip is needed (tests/run.sh installs it)")
    name = f"horde-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        assert _in_netns(name, "ip link set lo up && sysctl -q -w net.ipv4.ip_local_port_range='60000 60499'")
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def _open_files(n: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))

    return limit


def test_too_few_open_files_is_said_before_the_run_counted_and_explained(nginx, tmp_path):
    out = tmp_path / "r.json"
    p = subprocess.run(
        [*HORDE, "attack", nginx.url(), "-c", "1000", "-d", "2s", "-q", "--json", str(out)],
        capture_output=True, text=True, timeout=60, preexec_fn=_open_files(600),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    first = p.stderr.splitlines()[0]
    assert first.startswith("horde: ! this test may hold 1000 connections at once"), p.stderr
    assert "open-file limit is 600" in first and "ulimit -n" in first
    r = h.load(out)
    assert r.errors.get("too_many_open_files", 0) > 0, r.errors
    assert set(r.errors) == {"too_many_open_files"}, r.errors
    assert "too_many_open_files" in p.stdout and "→ raise the open-file limit" in p.stdout
    assert any("open-file limit is 600" in w for w in r.warnings)


def test_strict_refuses_before_any_load(nginx):
    def accepted() -> int:
        with urllib.request.urlopen(nginx.url("/status")) as f:
            return int(f.read().decode().splitlines()[2].split()[0])

    before = accepted()
    p = subprocess.run(
        [*HORDE, "attack", nginx.url(), "-c", "1000", "-d", "2s", "-q", "--strict"],
        capture_output=True, text=True, timeout=60, preexec_fn=_open_files(600),
    )  # fmt: skip
    assert p.returncode == 1, p.stdout + p.stderr
    assert "limits are below what this test may need (strict)" in p.stderr and "open-file limit is 600" in p.stderr
    assert accepted() == before + 1, "nothing but our own status request reached the server"


def test_past_the_port_range_connections_fail_as_no_local_ports_until_spread(small_port_range, tmp_path):
    ns = small_port_range
    with big_nginx(netns=ns) as url:

        def attack(*extra: str) -> tuple[subprocess.CompletedProcess[str], h.Result]:
            out = tmp_path / f"r{len(extra)}.json"
            p = subprocess.run(
                ["ip", "netns", "exec", ns, *HORDE, "attack", url, "-c", "1200", "-d", "2s", "-q", "--json", str(out),
                 *extra],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert p.returncode == 0, p.stderr
            return p, h.load(out)

        p, r = attack()
        assert "500 ephemeral ports (net.ipv4.ip_local_port_range 60000-60499)" in p.stderr.splitlines()[0]
        assert "Spread them over 3 local addresses" in p.stderr
        assert set(r.errors) == {"no_local_ports"}, r.errors
        assert "→ spread connections over several local addresses" in p.stdout
        p, r = attack("--source-address", "127.0.0.2-127.0.0.4")
        assert p.stderr == "" and r.errors == {} and r.requests > 1200
        assert r.generator["connections_opened"] == 1200


def _established_to(port: int) -> int:
    """Client-side TCP connections to 127.0.0.1:`port` in state ESTABLISHED."""
    target = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as f:
        return sum(1 for line in f if line.split()[2] == target and line.split()[3] == "01")


RAMP = """
import horde as h
n = int(h.env("VUS"))
# Each VU holds its own keep-alive connection; ramping keeps the SYNs within the accept backlog.
j = h.journey("j", h.get("/", check=h.status(200)), h.think(2))
test = h.Test(base_url=h.env("BASE_URL"), scenarios={"s": h.ramping_vus(j, stages=[("10s", n), ("10s", n)])},
              connect_timeout="20s", source_addresses=["127.0.0.2-127.0.0.5"])
"""


def test_more_connections_to_one_address_than_the_port_range_with_four_source_addresses(tmp_path):
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    wanted = (high - low + 1) + 768  # past what one local address can reach
    # One process holds at most its open-file limit (20,000 here, and root may not raise it).
    processes = math.ceil(wanted / 18_000)
    each = math.ceil(wanted / processes)
    script = tmp_path / "ramp.py"
    script.write_text(RAMP)
    with big_nginx(workers=max(2, processes)) as url:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        argv = [*HORDE, "run", str(script), "-q", "-e", f"BASE_URL={url}", "-e", f"VUS={each}"]
        runs = [
            subprocess.Popen([*argv, "--json", str(tmp_path / f"r{i}.json")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for i in range(processes)
        ]  # fmt: skip
        peak = 0
        while any(r.poll() is None for r in runs):
            peak = max(peak, _established_to(port))
            time.sleep(0.5)
        for r in runs:
            _, err = r.communicate()
            assert r.returncode == 0 and err == "", err
    results = [h.load(tmp_path / f"r{i}.json") for i in range(processes)]
    assert all(r.errors == {} for r in results), [r.errors for r in results]
    assert sum(r.generator["connections_opened"] for r in results) == each * processes >= wanted
    assert peak >= wanted, f"at most {peak} connections were up at once, wanted {wanted}"


def test_bad_source_addresses_name_the_field(tmp_path):
    p = horde("attack", "http://127.0.0.1:1/", "-n", "1", "--source-address", "127.0.0.9-127.0.0.2")
    assert p.returncode == 2 and "source_address" in p.stderr and "runs upwards" in p.stderr, p.stderr
    with pytest.raises(h.PlanError, match=r"source_addresses\[0\]: .*not an IP"):
        h.Test(scenarios={"s": h.constant_vus(h.journey("j", h.get("http://127.0.0.1:1/")), 1, "1s")},
               source_addresses=["nope"])  # fmt: skip
