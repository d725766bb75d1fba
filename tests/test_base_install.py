"""The base install: in a fresh virtualenv with only horde's wheel (what `pip install .` builds, no
extras), every command in `horde --help` runs its documented example without a traceback, and what
needs an extra says which one in one line.

tests/run.sh builds the wheel once and names it in HORDE_WHEEL (the other tests use the same build,
installed with the dev extras).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance import free_port
from horde.cli import EXAMPLES

WHEEL = os.environ.get("HORDE_WHEEL")
pytestmark = pytest.mark.skipif(not WHEEL, reason="HORDE_WHEEL is not set (tests/run.sh builds the wheel)")


@pytest.fixture(scope="module")
def base_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("base") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run([venv / "bin/python", "-m", "pip", "install", "-q", str(WHEEL)], check=True, timeout=900)
    return venv


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@pytest.mark.timeout(900)
def test_every_command_runs_its_documented_example(base_venv, tmp_path):
    horde = base_venv / "bin/horde"
    helped = subprocess.run([horde, "--help"], capture_output=True, text=True, check=True).stdout
    commands = re.findall(r"^    ([a-z][a-z-]*)\s", helped, re.M)
    assert sorted(commands) == sorted(EXAMPLES), "every command in --help has an example, and no other"
    port = free_port()
    env = {**os.environ, "BASE_URL": f"http://127.0.0.1:{port}"}
    line = EXAMPLES["demo-target"].replace("8080", str(port)).split()
    target = subprocess.Popen([horde, *line[1:]], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # `horde convert`'s example reads a browser recording: one request to the demo target.
    entry = {"request": {"method": "GET", "url": f"http://127.0.0.1:{port}/"}, "response": {"status": 200}}
    (tmp_path / "recording.har").write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    # `horde model`'s example reads an access log: two sessions of a few requests.
    (tmp_path / "access.log").write_text(
        "".join(
            f'10.0.0.{u} - - [10/Oct/2026:13:{m:02d}:00 +0000] "GET {p} HTTP/1.1" 200 512 "-" "Mozilla/5.0"\n'
            for m, (u, p) in enumerate([(1, "/"), (2, "/"), (1, "/products/7"), (2, "/products/9"), (1, "/cart")])
        )
    )
    try:
        _wait_for(port)
        for command, example in EXAMPLES.items():
            if command == "demo-target":
                continue
            argv = example.replace("8080", str(port)).split()[1:]
            p = subprocess.run([horde, *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
            assert "Traceback" not in p.stderr, f"{example}\n{p.stderr}"
            assert p.returncode == 0, f"{example} → exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr}"
            assert example.split()[1] in helped
    finally:
        target.terminate()
        _, err = target.communicate(timeout=10)
    assert b"Traceback" not in err
    assert (tmp_path / "report.html").stat().st_size > 10_000, "the report has its charts"
    # What needs an extra says which, in one line.
    p = subprocess.run(
        [base_venv / "bin/python", "-c", "import horde; horde.load('run.json').timeseries()"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert p.returncode == 1 and "pip install 'horde[pandas]'" in p.stderr, p.stderr
