"""horde run / inspect / new and the overrides."""

from __future__ import annotations

import json

import pytest

from cli import horde

SCRIPT = """
import horde as h
j = h.journey("j", h.get("/", check=h.status(200)), h.think(0.01))
test = h.Test(base_url=h.env("BASE_URL", "http://127.0.0.1:9"),
              scenarios={"a": h.ramping_vus(j, stages=[("1m", 10), ("1m", 0)]),
                         "b": h.constant_arrival_rate(j, rate=5, duration="1m", max_vus=20)})
"""


def test_inspect_prints_the_plan_with_overrides(tmp_path):
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    p = horde(
        "inspect", str(script), "--duration", "10s", "--vus", "4", "--rate", "50", "-e", "BASE_URL=http://127.0.0.1:1"
    )
    assert p.returncode == 0, p.stderr
    plan = json.loads(p.stdout)
    a, b = plan["scenarios"]["a"]["executor"], plan["scenarios"]["b"]["executor"]
    assert a["type"] == "constant_arrival_rate" and a["rate"] == 50 and a["duration_s"] == 10
    assert b["rate"] == 50 and b["duration_s"] == 10 and b["max_vus"] == 4
    assert plan["journeys"]["j"]["steps"][0]["request"]["url"] == "http://127.0.0.1:1/"


def test_overrides_vus_duration_iterations(tmp_path, nginx):
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    out = tmp_path / "r.json"
    p = horde(
        "run",
        str(script),
        "-e",
        f"BASE_URL={nginx.url()}",
        "--iterations",
        "30",
        "--vus",
        "3",
        "--json",
        str(out),
        "-q",
    )
    assert p.returncode == 0, p.stderr
    data = json.loads(out.read_text())
    assert data["total"]["requests"] == 60
    assert {s["executor"] for s in data["scenarios"]} == {"shared_iterations"}
    p = horde(
        "run",
        str(script),
        "-e",
        f"BASE_URL={nginx.url()}",
        "--vus",
        "2",
        "--duration",
        "2s",
        "--summary-trend-stats",
        "avg,p(99),p(99.9)",
        "-q",
    )
    assert p.returncode == 0, p.stderr
    assert "p(99.9)=" in p.stdout and "p(90)=" not in p.stdout


def test_bad_override_flags_exit_2(tmp_path):
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    for args, needle in [
        (["--vus", "0"], "--vus must be ≥ 1"),
        (["--duration", "soon"], "duration"),
        (["--summary-trend-stats", "avg,mean"], "unknown trend stat 'mean'"),
        (["-e", "NOEQUALS"], "-e takes KEY=VALUE"),
    ]:
        p = horde("run", str(script), *args)
        assert p.returncode == 2, (args, p.stderr)
        assert needle in p.stderr, (args, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1
    p = horde("run", str(tmp_path / "missing.py"))
    assert p.returncode == 2 and "no such script" in p.stderr


def test_new_writes_a_starter_that_runs(tmp_path, nginx):
    path = tmp_path / "starter.py"
    p = horde("new", str(path))
    assert p.returncode == 0 and path.exists()
    assert horde("new", str(path)).returncode == 1, "refuses to overwrite"
    p = horde("run", str(path), "-e", f"BASE_URL={nginx.url()}", "--duration", "2s", "--vus", "2", "-q")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "home" in p.stdout and "second page" in p.stdout


@pytest.mark.parametrize("kind", ["load", "smoke", "stress", "spike", "soak"])
def test_new_writes_a_starter_for_each_test_type(tmp_path, nginx, kind):
    path = tmp_path / f"{kind}.py"
    assert horde("new", str(path), "--type", kind).returncode == 0
    assert f"h.{'load_test' if kind == 'load' else kind}(journey" in path.read_text()
    p = horde("run", str(path), "-e", f"BASE_URL={nginx.url()}", "--duration", "3s", "-q")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "home" in p.stdout


def test_new_writes_a_breakpoint_search(tmp_path):
    path = tmp_path / "capacity.py"
    p = horde("new", str(path), "--type", "breakpoint")
    assert p.returncode == 0 and f"python {path}" in p.stdout
    text = path.read_text()
    compile(text, str(path), "exec")
    assert "h.breakpoint(" in text and "capacity.summary()" in text
