"""`horde model` / `h.learn` against logs whose generating model is known (tests/logsynth.py), and the
learned script run against a server that counts what it receives (tests/counting_server.py)."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import counting_server
import horde as h
import logsynth
from horde.model import parse_compress

LINES = 1_000_000


def _key(name: str) -> str:
    """`GET /products/{product_id}` and `GET /products/{id}` alike: placeholders and query dropped."""
    return re.sub(r"\{[^}]*\}", "{}", name.split("?")[0])


@pytest.fixture(scope="module")
def million(tmp_path_factory: pytest.TempPathFactory) -> tuple[logsynth.Truth, h.Model, Path]:
    path = tmp_path_factory.mktemp("learn") / "access.log"
    truth = logsynth.generate(path, lines=LINES, seed=12)
    return truth, h.learn(path), path


def test_a_million_line_log_gives_back_the_model_that_wrote_it(million: tuple[logsynth.Truth, h.Model, Path]) -> None:
    truth, model, _ = million
    assert model.lines == LINES and model.malformed == 0
    assert model.dropped == {"health": truth.health_lines, "static": truth.static_lines}
    learned = {_key(e.name): e for e in model.endpoints}
    expected = {_key(n): share for n, share in truth.endpoint_shares.items()}
    assert set(learned) == set(expected), "every template recovered, nothing else"
    for name, share in expected.items():
        assert abs(learned[name].share - share) < 0.01, (name, learned[name].share, share)
    counts = {_key(n): c for n, c in truth.endpoint_counts.items()}
    mapped = sum(min(learned[n].count, c) for n, c in counts.items())
    assert mapped / sum(counts.values()) >= 0.99
    checked = 0
    for src, row in truth.observed_transitions.items():
        for dst, n in row.items():
            if n < 500:
                continue
            p = truth.transitions[src][dst]
            got = model.transitions[_name(model, src)][_name(model, dst)]
            assert abs(got - p) < 0.02, (src, dst, got, p)
            checked += 1
    assert checked >= 10, "enough transitions observed ≥ 500 times to mean something"
    for src, p in truth.exit.items():
        assert abs(model.exits[_name(model, src)] - p) < 0.02, (src, model.exits[_name(model, src)], p)
    assert abs(model.think_median_s / truth.think_median_s - 1) < 0.15
    assert abs(model.sessions / truth.sessions - 1) < 0.05
    peak = max(rate for _, rate in model.arrival_stages(window="15m"))
    assert abs(peak / truth.peak_15min_sessions_per_min - 1) < 0.10, (peak, truth.peak_15min_sessions_per_min)
    hot = [v for v, _ in model.feeders["product_id"]["values"][:5]]
    assert hot == [str(i) for i, _ in truth.id_counts[:5]], "hot products stay hot"


def _name(model: h.Model, truth_name: str) -> str:
    (found,) = [e.name for e in model.endpoints if _key(e.name) == _key(truth_name)]
    return found


def test_the_learned_script_reproduces_the_log_s_mix_and_transitions(
    million: tuple[logsynth.Truth, h.Model, Path], tmp_path: Path
) -> None:
    truth, model, log = million
    script = tmp_path / "model.py"
    out = subprocess.run(
        [sys.executable, "-m", "horde", "model", str(log), "-o", str(script), "--compress", "24h=30s"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "GET /products/{product_id}" in out.stdout and f"wrote {script}" in out.stdout
    compile(script.read_text(), str(script), "exec")  # a readable script, not just a plan
    with counting_server.start(truth.templates) as server:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "horde",
                "run",
                str(script),
                "-e",
                "PACE=0",
                "-e",
                "SCALE=60",
                "-e",
                f"BASE_URL={server.url}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        counts = server.counts()
        moves = server.transitions()
    total = sum(counts.values())
    assert counts["other"] == 0 and total > 10_000, counts
    for name, share in truth.endpoint_shares.items():
        assert abs(counts[name] / total - share) < 0.02, (name, counts[name] / total, share)
    checked = 0
    for src, row in moves.items():
        leaving = sum(row.values())
        for dst, n in row.items():
            if n < 300:
                continue
            logged = model.transitions[_name(model, src)][_name(model, dst)]
            # The server counts moves between requests; the log's probabilities include exits.
            exit_share = model.exits[_name(model, src)]
            assert abs(n / leaving * (1 - exit_share) - logged) < 0.05, (src, dst, n / leaving, logged)
            checked += 1
    assert checked >= 8


# ── formats, options and bad input, on small logs ───────────────────────────────────────────


def _combined(t: int, addr: str, request: str, status: int = 200, agent: str = "Mozilla/5.0") -> str:
    return (
        f'{addr} - - [10/Oct/2026:13:{t // 60:02d}:{t % 60:02d} +0000] "{request} HTTP/1.1" {status} 42 "-" "{agent}"\n'
    )


def test_several_files_plain_and_gzip_with_malformed_lines_counted_not_fatal(tmp_path: Path) -> None:
    first = tmp_path / "access.log.1.gz"
    with gzip.open(first, "wt") as f:
        f.write(_combined(0, "10.0.0.1", "GET /products/1") + "garbage line\n" + _combined(5, "10.0.0.1", "GET /cart"))
    second = tmp_path / "access.log"
    second.write_text(
        _combined(10, "10.0.0.1", "GET /products/2") + "\n" + "also garbage\n" + _combined(12, "10.0.0.2", "GET /")
    )
    m = h.learn(first, second)
    assert m.lines == 6 and m.malformed == 2
    assert [(x["file"], x["line"]) for x in m.malformed_examples] == [(str(first), 2), (str(second), 3)]
    assert {e.name: e.count for e in m.endpoints} == {"GET /products/{product_id}": 2, "GET /cart": 1, "GET /": 1}
    assert m.sessions == 2 and m.counts[("GET /products/{product_id}", "GET /cart")] == 1
    assert sorted(m.think_s[("GET /cart", "GET /products/{product_id}")]) == [5.0]
    assert "malformed: 2 lines (not fatal)" in m.summary()


def test_json_alb_and_pattern_logs_and_a_session_cookie(tmp_path: Path) -> None:
    lines = [
        {
            "time": "2026-10-10T13:00:00Z",
            "remote_addr": "1.1.1.1",
            "request": "GET /a HTTP/1.1",
            "status": 200,
            "sid": "x",
        },
        {
            "time": "2026-10-10T13:00:05Z",
            "remote_addr": "2.2.2.2",
            "request": "GET /b HTTP/1.1",
            "status": 200,
            "sid": "x",
        },
    ]
    js = tmp_path / "app.jsonl"
    js.write_text("".join(json.dumps(line) + "\n" for line in lines))
    m = h.learn(js, session="field:sid")
    assert m.sessions == 1 and m.session_by == "session id" and m.transitions == {"GET /a": {"GET /b": 1.0}}
    assert h.learn(js).sessions == 2, "by address + agent without the session field"
    alb = tmp_path / "alb.log"
    alb.write_text(
        "http 2026-10-10T13:00:00.5Z app/x/1 10.0.0.9:3000 10.1.0.1:80 0.001 0.020 0.000 200 200 10 99 "
        '"GET http://shop:80/orders/9f86d081884c7d659a2feaa0c55ad015 HTTP/1.1" "ua" - - arn "Root=1" "-" "-" 0\n'
    )
    (e,) = h.learn(alb).endpoints
    assert (e.name, e.bytes_median, e.duration_s is not None) == ("GET /orders/{order_id}", 99, True)
    custom = tmp_path / "custom.log"
    custom.write_text("1791640536.5 GET /v1/users/alice sid=s1 200\n1791640540.0 GET /v1/users/bob sid=s1 200\n")
    m = h.learn(
        custom,
        format="pattern",
        pattern="$msec $request_method $request_uri sid=$cookie_sid $status",
        session="field:cookie_sid",
        rules=["/v1/users/[^/]+=/v1/users/{user}"],
    )
    assert [e.name for e in m.endpoints] == ["GET /v1/users/{user}"] and m.sessions == 1
    assert dict(m.feeders["user"]["values"]) == {"alice": 1, "bob": 1}


def test_arrival_stages_compress_scale_and_peak(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    # 1 session in minute 0, 3 in minute 1, 2 in minute 2.
    log.write_text(
        "".join(_combined(60 * m + i, f"10.0.{m}.{i}", "GET /") for m, n in [(0, 1), (1, 3), (2, 2)] for i in range(n))
    )
    m = h.learn(log)
    assert m.arrival_stages(window="1m") == [(60, 1), (60, 3), (60, 2)]
    assert m.arrival_stages(window="1m", compress=parse_compress("3m=30s"), scale=2) == [(10, 2), (10, 6), (10, 4)]
    assert m.arrival_stages(window="1m", peak="2m") == [(60, 3), (60, 2)]
    assert h.Model.from_json(m.to_json()).arrival_stages(window="1m") == [(60, 1), (60, 3), (60, 2)]


@pytest.mark.parametrize(
    ("content", "kwargs", "message"),
    [
        (
            "hello world\n",
            {},
            'a.log:1: not a log format horde knows ("hello world"); horde reads combined, common, json',
        ),
        ("", {}, "no requests: {log} is empty"),
        ('{"no": "fields"}\n', {"format": "combined"}, 'no line reads as a log of format "combined"'),
        (_combined(0, "1.1.1.1", "GET /"), {"format": "apache"}, 'unknown log format "apache"; horde reads combined'),
        (_combined(0, "1.1.1.1", "GET /"), {"rules": ["([=x"]}, 'rule "([=x"'),
        (_combined(0, "1.1.1.1", "GET /"), {"session": "ip"}, "use cookie:NAME"),
    ],
)
def test_bad_logs_and_options_say_what_is_wrong(tmp_path: Path, content: str, kwargs: dict, message: str) -> None:
    log = tmp_path / "a.log"
    log.write_text(content)
    with pytest.raises(h.LogError, match=re.escape(message.format(log=log))):
        h.learn(log, **kwargs)
    cli = subprocess.run([sys.executable, "-m", "horde", "model", str(log)], capture_output=True, text=True, timeout=60)
    if not kwargs:
        assert cli.returncode == 1 and cli.stderr.startswith("horde model: ") and "Traceback" not in cli.stderr


def test_a_missing_log_is_an_os_error_and_a_chain_that_never_ends_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OSError, match=r"nope\.log"):
        h.learn(tmp_path / "nope.log")
    trapped = h.markov(
        {"a": h.get("/a"), "b": h.get("/b")},
        entry="a",
        transitions={"a": {"b": 1}, "b": {"a": 1}},
    )
    test = h.Test(
        base_url="http://127.0.0.1:9", scenarios={"s": h.constant_vus(h.journey("j", trapped), vus=1, duration="1s")}
    )
    with pytest.raises(h.PlanError, match='"a" cannot reach an exit'):
        test.validate()
