"""The synthetic-log generator (logsynth.py) agrees with what it writes; the counting server counts right."""

from __future__ import annotations

import gzip
import http.client
import itertools
import json
import re
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import counting_server
import logsynth

COMBINED = re.compile(
    r'^(?P<addr>\S+) - (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<target>\S+) HTTP/1\.1" '
    r'(?P<status>\d{3}) (?P<size>\d+) "(?P<referer>[^"]*)" "(?P<ua>[^"]*)"(?P<rt> \d+\.\d{3})?$'
)
STATIC = re.compile(r"^/(static/|img/|favicon\.ico$)")
LINES = 20_000
Generated = tuple[logsynth.Truth, list[dict[str, str]]]


def _parse(lines: list[str]) -> list[dict[str, str]]:
    parsed = []
    for number, line in enumerate(lines, 1):
        m = COMBINED.match(line)
        assert m, f"line {number} is not combined format: {line!r}"
        parsed.append(m.groupdict())
    return parsed


def _epoch(stamp: str) -> int:
    return int(datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").timestamp())


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    path = tmp_path_factory.mktemp("logsynth") / "access.log"
    truth = logsynth.generate(path, lines=LINES, seed=7)
    text = path.read_text(encoding="ascii")
    assert text.endswith("\n")
    return truth, _parse(text.splitlines())


def test_line_count_and_kinds_match_the_truth(generated: Generated) -> None:
    truth, rows = generated
    assert len(rows) == truth.lines == LINES
    health = [r for r in rows if r["target"] == "/health"]
    static = [r for r in rows if STATIC.match(r["target"])]
    assert len(health) == truth.health_lines and {r["addr"] for r in health} == {logsynth.LOAD_BALANCER}
    assert len(static) == truth.static_lines
    assert truth.page_lines + truth.static_lines + truth.health_lines == truth.lines
    assert 0.25 <= (truth.static_lines + truth.health_lines) / truth.lines <= 0.35
    assert Counter(r["status"] for r in rows) == truth.status_counts
    assert {"304", "404", "500"} <= set(truth.status_counts)


def test_lines_are_time_sorted_and_span_matches(generated: Generated) -> None:
    truth, rows = generated
    times = [_epoch(r["time"]) for r in rows]
    assert all(a <= b for a, b in itertools.pairwise(times)), "lines out of time order"
    assert times[-1] - times[0] == truth.span_s
    assert truth.start_epoch <= times[0] < truth.start_epoch + 3600


def test_every_page_line_matches_exactly_one_template_and_shares_agree(generated: Generated) -> None:
    truth, rows = generated
    patterns = [(m, re.compile(rx), f"{m} {tpl}") for m, tpl, rx in truth.templates]
    counts: Counter[str] = Counter()
    for r in rows:
        if r["target"] == "/health" or STATIC.match(r["target"]):
            continue
        names = [name for m, rx, name in patterns if m == r["method"] and rx.match(r["target"])]
        assert len(names) == 1, f"{r['method']} {r['target']} matches {names}"
        counts[names[0]] += 1
    assert sum(counts.values()) == truth.page_lines
    assert dict(counts) == {k: v for k, v in truth.endpoint_counts.items() if v}
    for name, share in truth.endpoint_shares.items():
        assert counts[name] / truth.page_lines == pytest.approx(share, abs=1e-12), name
    assert len(truth.endpoint_shares) == 8 and sum(truth.endpoint_shares.values()) == pytest.approx(1.0)


def test_sessions_transitions_and_think_times_recomputed_from_the_file(generated: Generated) -> None:
    truth, rows = generated
    names = {(m, re.compile(rx)): f"{m} {tpl}" for m, tpl, rx in truth.templates}
    walks: dict[str, list[tuple[str, int]]] = {}
    for r in rows:
        if r["addr"] == logsynth.LOAD_BALANCER or STATIC.match(r["target"]):
            continue
        name = next(n for (m, rx), n in names.items() if m == r["method"] and rx.match(r["target"]))
        walks.setdefault(r["addr"], []).append((name, _epoch(r["time"])))
    assert len(walks) == truth.sessions
    pairs: Counter[tuple[str, str]] = Counter()
    thinks = []
    for walk in walks.values():
        for (a, ta), (b, tb) in itertools.pairwise(walk):
            pairs[a, b] += 1
            thinks.append(tb - ta)
            assert tb - ta < 30 * 60, "a pause over 30 minutes would split the session"
    observed = {(a, b): n for a, row in truth.observed_transitions.items() for b, n in row.items()}
    assert dict(pairs) == observed
    assert Counter(w[0][0] for w in walks.values()) == {k: v for k, v in truth.observed_entry.items() if v}
    assert Counter(w[-1][0] for w in walks.values()) == {k: v for k, v in truth.observed_exit.items() if v}
    assert float(np.median(thinks)) == truth.think_median_logged_s
    assert truth.think_median_s == pytest.approx(truth.think_median_logged_s, rel=0.15)


def test_product_ids_are_zipf_skewed(generated: Generated) -> None:
    truth, rows = generated
    views = Counter(int(r["target"].rsplit("/", 1)[1]) for r in rows if re.match(r"^/products/\d+$", r["target"]))
    assert [n for _, n in truth.id_counts] == [n for _, n in views.most_common(20)]
    assert views[truth.id_counts[0][0]] == truth.id_counts[0][1]
    top = sum(n for _, n in views.most_common(50)) / sum(views.values())
    assert 0.3 < top < 0.7, f"top 1% of ids get {top:.0%} of views"


def test_the_model_has_the_promised_shape(generated: Generated) -> None:
    truth, _ = generated
    assert 6 <= truth.expected_pages_per_session <= 10
    assert truth.pages_per_session == pytest.approx(truth.expected_pages_per_session, rel=0.1)
    for src, row in truth.transitions.items():
        assert sum(row.values()) + truth.exit[src] == pytest.approx(1.0)
        assert 0 < truth.exit[src] < 1
    # At a million lines (50x this file) several transitions, self-loops among them, have >= 500 observations.
    scale = 1_000_000 / truth.lines
    common = {(a, b) for a, row in truth.observed_transitions.items() for b, n in row.items() if n * scale >= 2000}
    assert len(common) >= 5 and ("GET /products/{id}", "GET /products/{id}") in common
    medians = [m for row in truth.think_medians_s.values() for m in row.values()]
    assert min(medians) < 8 and max(medians) > 30 and max(medians) * np.exp(5 * truth.think_sigma) < 60 * 60
    peak, trough = truth.arrival_rate(truth.arrival_peak_at_s), truth.arrival_rate(truth.arrival_peak_at_s - 43_200)
    assert peak / trough == pytest.approx(3.0) and peak == pytest.approx(truth.peak_sessions_per_min)
    assert truth.peak_15min_sessions_per_min == pytest.approx(peak, rel=0.01)
    grid = np.arange(0, truth.arrival_window_s, 60.0)
    expected = sum(truth.arrival_rate(t) for t in grid)  # sessions per minute, summed over minutes
    assert truth.sessions == pytest.approx(expected, rel=0.1)


def test_truth_round_trips_through_json(generated: Generated) -> None:
    truth, _ = generated
    again = logsynth.Truth.from_json(truth.to_json())
    assert again == truth
    assert again.arrival_rate(1234.5) == truth.arrival_rate(1234.5)
    assert json.loads(truth.to_json())["templates"][2] == ["GET", "/products/{id}", r"^/products/\d+$"]


def test_gzip_and_request_time_change_nothing_else(tmp_path: Path) -> None:
    plain, packed = tmp_path / "a.log", tmp_path / "a.log.gz"
    t1 = logsynth.generate(plain, lines=3000, seed=3)
    t2 = logsynth.generate(packed, lines=3000, seed=3, request_time=True, gzip=True)
    assert t1 == t2
    with gzip.open(packed, "rt", encoding="ascii") as f:
        timed = f.read().splitlines()
    assert all(row["rt"] for row in _parse(timed))
    stripped = [line.rsplit(" ", 1)[0] for line in timed]
    assert stripped == plain.read_text(encoding="ascii").splitlines()
    assert logsynth.generate(tmp_path / "b.log", lines=3000, seed=4).sessions != t1.sessions or (
        (tmp_path / "b.log").read_bytes() != plain.read_bytes()
    )


def test_counting_server_counts_endpoints_sessions_and_transitions() -> None:
    server = counting_server.start(logsynth.templates())
    try:

        def call(method: str, target: str, session: str | None) -> dict[str, Any]:
            headers = {counting_server.SESSION_HEADER: session} if session else {}
            data = b'{"product": 1}' if method == "POST" else None
            req = urllib.request.Request(server.url + target, data=data, method=method, headers=headers)
            with urllib.request.urlopen(req, timeout=5) as r:
                assert r.status == 200
                return json.load(r)

        assert call("GET", "/", "a")["endpoint"] == "GET /"
        call("GET", "/products/12", "a")
        cart_id = call("POST", "/cart/items", "a")["cart_id"]
        assert re.fullmatch(logsynth._UUID, cart_id)
        call("GET", f"/cart/{cart_id}", "a")
        call("GET", "/search?q=lamp&page=2", "b")
        call("GET", "/products/12/reviews", "b")
        call("GET", "/nope", "b")
        call("GET", "/checkout", None)  # wrong method: other; no session header
        counts = server.counts()
        assert counts["GET /"] == counts["GET /products/{id}"] == counts["POST /cart/items"] == 1
        assert counts["GET /cart/{uuid}"] == counts["GET /search?q={q}&page={n}"] == 1
        assert counts["GET /products/{id}/reviews"] == 1 and counts["POST /checkout"] == 0
        assert counts["other"] == 2 and sum(counts.values()) == 8
        assert server.transitions() == {
            "GET /": {"GET /products/{id}": 1},
            "GET /products/{id}": {"POST /cart/items": 1},
            "POST /cart/items": {"GET /cart/{uuid}": 1},
            "GET /search?q={q}&page={n}": {"GET /products/{id}/reviews": 1},
            "GET /products/{id}/reviews": {"other": 1},
        }
        assert server.entries() == {"GET /": 1, "GET /search?q={q}&page={n}": 1}
        assert server.exits() == {"GET /cart/{uuid}": 1, "other": 1}
        assert server.sessions() == 2 and server.without_session() == 1
        json.dumps(server.snapshot())
    finally:
        server.stop()


def test_counting_server_keeps_connections_alive_and_reads_bodies() -> None:
    with counting_server.start(logsynth.templates()) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/cart/items", body=b"x" * 5000, headers={counting_server.SESSION_HEADER: "s"})
        first = json.loads(conn.getresponse().read())
        sock = conn.sock
        conn.putrequest("POST", "/checkout")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.putheader(counting_server.SESSION_HEADER, "s")
        conn.endheaders(b"3\r\nabc\r\n0\r\n\r\n")
        second = json.loads(conn.getresponse().read())
        conn.request("GET", "/", headers={counting_server.SESSION_HEADER: "s"})
        conn.getresponse().read()
        assert conn.sock is sock, "the server closed a keep-alive connection"
        conn.close()
        assert "cart_id" in first and re.fullmatch("[0-9a-f]{32}", second["order_id"])
        assert server.transitions() == {"POST /cart/items": {"POST /checkout": 1}, "POST /checkout": {"GET /": 1}}
