"""Process hygiene: a reader that goes away ends horde quietly, and SIGINT, SIGTERM and SIGHUP at
any moment — while the script loads, while the run starts, mid-run, while results are written —
leave no orphaned process or listening socket behind and a readable result each time.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
import uuid
from pathlib import Path

import horde as h
from cli import HORDE

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
SCRIPT = """
import horde as h
j = h.journey("j", h.get("/", check=h.status(200)), h.think(0.01))
test = h.Test(base_url=h.env("BASE_URL"), scenarios={"s": h.constant_vus(j, vus=5, duration="2s")})
"""


def test_a_closed_stdout_ends_quietly_and_keeps_the_results(nginx, tmp_path):
    out = tmp_path / "r.json"
    for reader in ("head -1", "true"):
        p = subprocess.run(
            ["bash", "-o", "pipefail", "-c", f'"$@" | {reader}', "horde", *HORDE, "attack", nginx.url(), "-n", "300",
             "-c", "2", "--json", str(out)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert p.returncode in (0, 141), (reader, p.returncode, p.stderr)
        assert p.stderr == "", f"| {reader}: {p.stderr}"
        assert h.load(out).requests == 300


def _handlers_installed(pid: int) -> bool:
    """horde catches SIGHUP once its handlers are in (Python alone does not): /proc says when."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True  # already gone
    caught = int(next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16)
    return bool(caught & (1 << (signal.SIGHUP - 1)))


def _marked(mark: str) -> list[int]:
    """Processes whose environment carries `mark` (horde's children inherit it)."""
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if mark.encode() in (d / "environ").read_bytes():
                    found.append(int(d.name))
            except OSError:
                pass
    return found


def _listening() -> dict[str, str]:
    """Listening TCP sockets: inode → local address (hex, as /proc/net/tcp has it)."""
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        rows += [line.split() for line in Path(table).read_text().splitlines()[1:]]
    return {r[9]: r[1] for r in rows if r[3] == "0A"}  # state 0A: LISTEN


def _listening_of(pids: list[int]) -> set[str]:
    """The local addresses `pids` listen on."""
    inodes = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            pass
    listening = _listening()
    return {listening[i] for i in inodes if i in listening}


def _moment(rng: random.Random, run_s: float) -> float:
    """When to signal after horde's handlers are in: a third while the script loads and the run
    starts, a third mid-run, a third around the end (while results are written)."""
    kind = rng.randrange(3)
    if kind == 0:
        return rng.uniform(0, 0.2)
    if kind == 1:
        return rng.uniform(0.2, run_s - 0.2)
    return rng.uniform(run_s - 0.2, run_s + 0.4)


def test_signals_at_random_moments_leave_nothing_behind(nginx, tmp_path):
    rng = random.Random(int(os.environ.get("HORDE_SIGNAL_SEED", "11")))
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    commands = ["attack"] * 20 + ["run"] * 20 + ["demo"] * 10
    rng.shuffle(commands)
    seen = []
    for i, command in enumerate(commands):
        out = tmp_path / f"r{i}.json"
        mark = f"HORDE_HYGIENE_{uuid.uuid4().hex}"
        if command == "attack":
            argv, run_s = ["attack", nginx.url(), "--rate", "200", "-d", "2s", "-q", "--json", str(out)], 2.0
        elif command == "run":
            argv, run_s = ["run", str(script), "-e", f"BASE_URL={nginx.url()}", "-q", "--json", str(out)], 2.0
        else:
            argv, run_s = ["demo", "-q"], 3.0  # the shop starts, then the 15 s naive test is cut
        proc = subprocess.Popen(
            [*HORDE, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, mark: "1"}
        )
        deadline = time.monotonic() + 20
        while not _handlers_installed(proc.pid):
            assert time.monotonic() < deadline, "horde never installed its signal handlers"
            time.sleep(0.005)
        sig, at = rng.choice(SIGNALS), _moment(rng, run_s)
        time.sleep(at)
        # What horde and its children listen on (the demo's shop) must be closed after it.
        held = _listening_of([proc.pid, *_marked(mark)])
        if proc.poll() is None:
            proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
        what = f"run {i}: horde {command}, {sig.name} after {at:.2f}s → exit {proc.returncode}"
        seen.append(what)
        assert "Traceback" not in stderr, f"{what}\n{stderr}"
        if command == "demo":
            assert proc.returncode in (0, 130), f"{what}\n{stderr}"
            said = "http_reqs" in stdout or "interrupted before any load was sent" in stderr
            assert said, f"{what}: neither a result nor why not\n{stdout}\n{stderr}"
        else:
            assert proc.returncode in (0, 99), f"{what}\n{stderr}"
            result = h.load(out)  # complete and readable, however short
            assert result.requests >= 0 and ("http_reqs" in stdout or "requests" in stdout), what
        deadline = time.monotonic() + 5
        while _marked(mark) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _marked(mark), f"{what}: orphaned processes {_marked(mark)}"
        left = held & set(_listening().values())
        assert not left, f"{what}: sockets left listening {left}"
    print("\n".join(seen))
