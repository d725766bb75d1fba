"""The horde CLI as a user runs it: summaries, exit codes, one-line errors, JSON output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import horde
from cli import HORDE
from cli import horde as run


def test_help_lists_the_commands():
    p = run("--help")
    assert p.returncode == 0
    assert "attack" in p.stdout
    p = run("attack", "--help")
    assert p.returncode == 0
    for flag in ("--rate", "--duration", "-n", "-c", "-H", "-X", "--body", "--json"):
        assert flag in p.stdout


def test_attack_prints_the_summary(nginx, tmp_path):
    out = tmp_path / "run.json"
    p = run("attack", nginx.url(), "--rate", "400", "--duration", "1s", "-c", "8", "--json", str(out))
    assert p.returncode == 0, p.stderr
    for needle in (
        "requests",
        "400.0/s achieved (target 400/s)",
        "200: 400",
        "errors",
        "none",
        "response time",
        "service time",
        "send lag",
        "p99.9",
        "coordinated omission",
    ):
        assert needle in p.stdout, needle
    result = horde.load(out)
    assert result.requests == 400


def test_closed_model_summary_says_how_to_read_it(nginx):
    p = run("attack", nginx.url(), "-n", "200", "-c", "4")
    assert p.returncode == 0, p.stderr
    assert "closed model" in p.stdout
    assert "send lag" not in p.stdout


def test_method_header_and_body_file(nginx, tmp_path):
    body = tmp_path / "body.bin"
    body.write_bytes(b"\x00\x01binary")
    p = run(
        "attack",
        nginx.url("/echo"),
        "-n",
        "3",
        "-c",
        "1",
        "-X",
        "PUT",
        "-H",
        "X-Test: yes",
        "--body",
        f"@{body}",
    )
    assert p.returncode == 0, p.stderr
    assert "200: 3" in p.stdout


def one_line_usage_error(p: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])
    assert p.stdout == ""


def test_bad_flags_are_one_line_and_exit_2(nginx, tmp_path):
    one_line_usage_error(run("attack", nginx.url(), "--rate", "fast"), "--rate", "fast")
    one_line_usage_error(run("attack", nginx.url(), "--rate", "-5"), "rate", "-5")
    one_line_usage_error(run("attack", nginx.url(), "-c", "0"), "connections", "0")
    one_line_usage_error(run("attack", nginx.url(), "--duration", "soon"), "duration", "soon")
    one_line_usage_error(run("attack", nginx.url(), "-H", "no colon"), "header", "no colon")
    one_line_usage_error(run("attack", nginx.url(), "--body", f"@{tmp_path}/missing"), "body file", "missing")
    one_line_usage_error(run("attack", "ftp://example.invalid/"), "url", "ftp")
    one_line_usage_error(run("attack", nginx.url(), "--frobnicate"), "--frobnicate")
    one_line_usage_error(run("attack"), "url")


def test_unresolvable_host_exits_1_without_load():
    p = run("attack", "http://no-such-host.invalid/", "-n", "1")
    assert p.returncode == 1
    assert "could not resolve no-such-host.invalid" in p.stderr


def default_sigint() -> None:
    """Children get the default SIGINT action even if this test runs as a background job."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def attack_until_signalled(url: str, out: Path, rate: int, signum: int, after: float) -> tuple[int, str, str]:
    """Runs a 60 s attack writing `out`, sends it `signum` after `after` seconds; (exit code, stdout, stderr)."""
    proc = subprocess.Popen(
        [*HORDE, "attack", url, "--rate", str(rate), "--duration", "60s", "--json", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    time.sleep(after)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=20)
    return proc.returncode, stdout, stderr


def test_ctrl_c_stops_and_still_prints_the_summary(nginx, tmp_path):
    out = tmp_path / "partial.json"
    code, stdout, stderr = attack_until_signalled(nginx.url(), out, 200, signal.SIGINT, 2.5)
    assert code == 0, stderr
    assert "stopped early" in stdout
    result = horde.load(out)
    assert 200 <= result.requests < 2000
    assert result.stopped_early


def test_python_api_returns_partial_results_on_keyboard_interrupt(nginx):
    code = (
        "import os, signal, threading, horde\n"
        "threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
        f"r = horde.attack({nginx.url()!r}, rate=100, duration='60s')\n"
        "print(r.requests, bool(r.stopped_early))\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=default_sigint,
    )
    assert p.returncode == 0, p.stderr
    requests, stopped = p.stdout.split()
    assert 100 <= int(requests) < 1000
    assert stopped == "True"


def test_json_output_is_a_complete_result(nginx, tmp_path):
    out = tmp_path / "r.json"
    assert run("attack", nginx.url(), "-n", "10", "-c", "1", "--json", str(out), "-q").returncode == 0
    data = json.loads(out.read_text())
    assert {"plan", "total", "requests", "series", "generator", "warnings", "workers"} <= set(data)
    assert data["plan"]["version"] == 1


def test_sigterm_stops_gracefully_too(nginx, tmp_path):
    out = tmp_path / "term.json"
    code, stdout, stderr = attack_until_signalled(nginx.url(), out, 100, signal.SIGTERM, 2.0)
    assert code == 0, stderr
    assert "stopped early" in stdout
    assert horde.load(out).requests >= 100
