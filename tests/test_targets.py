"""``horde attack --targets``: vegeta's target lists against real servers on loopback.

Two recording servers (stdlib, HTTP/1.1 keep-alive) keep every request's method, target, headers
and body, so that the tests check what arrived, byte for byte, and how the requests were split.
"""

from __future__ import annotations

import base64
import http.server
import json
import math
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import horde as h
from cli import horde as run
from conformance import free_port
from test_cli import one_line_usage_error

# A body that is not text, bigger than a packet and a few reads: non-ASCII UTF-8, every byte
# value, CR LF pairs that look like the end of a head, NULs.
BODY = '{"sku": "crème-brûlée", "note": "✓ 無"}\n'.encode() + bytes(range(256)) * 24 + b"\r\n\r\n\x00end"


@dataclass(frozen=True)
class Received:
    """One request as the server read it."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]


class Recorder:
    """An HTTP/1.1 server on 127.0.0.1 that answers 200 to anything and records every request."""

    def __init__(self) -> None:
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # head and body are separate writes

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._record()

            def do_POST(self) -> None:
                self._record()

            def do_PUT(self) -> None:
                self._record()

            def do_DELETE(self) -> None:
                self._record()

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length)
                with outer._lock:
                    outer.received.append(Received(self.command, self.path, list(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "3")
                self.end_headers()
                self.wfile.write(b"ok\n")

        self.received: list[Received] = []
        self._lock = threading.Lock()
        self.port = free_port()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def counts(self) -> Counter[tuple[str, str]]:
        return Counter((r.method, r.target) for r in self.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[Recorder, Recorder]]:
    """Two recorders on different ports: each target goes where its URL says."""
    pair = (Recorder(), Recorder())
    yield pair
    for s in pair:
        s.stop()


def shop_targets(tmp_path: Path, a: Recorder, b: Recorder) -> Path:
    """The issue's example plus a third target, the body file beside the targets file."""
    (tmp_path / "cart_item.json").write_bytes(BODY)
    path = tmp_path / "targets.txt"
    path.write_text(
        "# orders on one server, the cart on another\n"
        f"GET {a.url('/v1/orders/42')}\n"
        "Authorization: Bearer test-token\n"
        "\n"
        f"POST {b.url('/v1/cart/items')}\n"
        "Content-Type: application/json\n"
        "Authorization: Bearer test-token\n"
        "@cart_item.json\n"
        "\n"
        f"DELETE {a.url('/v1/cart/items/7?reason=test')}\n"
        "# comments may sit among the headers\n"
        "X-Trace: one\n"
        "X-Trace: two\n"
    )
    return path


def test_http_targets_reach_their_servers_intact_and_in_turn(servers, tmp_path):
    a, b = servers
    path = shop_targets(tmp_path, a, b)
    # From another directory: the @body file is found beside the targets file.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    p = run("attack", "--targets", path, "--rate", "300", "-n", "30", "-c", "6", cwd=elsewhere)
    assert p.returncode == 0, p.stderr
    # Round-robin at a rate: exactly one request in three to each target.
    assert a.counts() == {("GET", "/v1/orders/42"): 10, ("DELETE", "/v1/cart/items/7?reason=test"): 10}
    assert b.counts() == {("POST", "/v1/cart/items"): 10}
    for r in a.received + b.received:
        if r.method == "GET":
            assert r.all("Authorization") == ["Bearer test-token"]
            assert r.body == b""
        elif r.method == "POST":
            assert r.body == BODY
            assert r.all("Content-Type") == ["application/json"]
            assert r.all("Authorization") == ["Bearer test-token"]
            assert r.all("Content-Length") == [str(len(BODY))]
        else:
            assert r.all("X-Trace") == ["one", "two"]
    # The summary counts each target under its name.
    for name in ("GET /v1/orders/42", "POST /v1/cart/items", "DELETE /v1/cart/items/7?reason=test"):
        row = next(line for line in p.stdout.splitlines() if line.strip().startswith(name + " "))
        assert row.split()[-6] == "10", row


def test_closed_model_round_robin_splits_a_count_to_within_one(servers, tmp_path):
    a, b = servers
    out = tmp_path / "run.json"
    p = run("attack", "--targets", shop_targets(tmp_path, a, b), "-n", "31", "-c", "4", "--json", out)
    assert p.returncode == 0, p.stderr
    # 31 = 3 × 10 + 1: the first target gets the one left over.
    assert a.counts() == {("GET", "/v1/orders/42"): 11, ("DELETE", "/v1/cart/items/7?reason=test"): 10}
    assert b.counts() == {("POST", "/v1/cart/items"): 10}
    assert all(r.body == BODY for r in b.received)
    result = h.load(out)
    assert result.requests == 31
    # At most 4 pooled connections to each of the two servers: none reopened to switch targets.
    assert result.generator["connections_opened"] <= 4 * 2


def test_open_model_round_robin_by_duration_is_one_schedule(servers, tmp_path):
    a, b = servers
    targets = h.targets(shop_targets(tmp_path, a, b))
    result = h.attack(targets=targets, rate=150, duration="1s", connections=6, progress=None)
    # One schedule at 150/s for 1 s, request i to target i mod 3: 50 each.
    assert {r.name: r.requests for r in result.by_request} == {
        "GET /v1/orders/42": 50,
        "POST /v1/cart/items": 50,
        "DELETE /v1/cart/items/7?reason=test": 50,
    }
    assert sum(a.counts().values()) + sum(b.counts().values()) == 150
    assert result.rate == pytest.approx(150, rel=0.05)


def json_line(method: str, url: str, header: dict[str, list[str]] | None = None, body: bytes = b"", **extra) -> str:
    target: dict[str, object] = {"method": method, "url": url, **extra}
    if header:
        target["header"] = header
    if body:
        target["body"] = base64.b64encode(body).decode()
    return json.dumps(target, ensure_ascii=False)


def test_json_targets_weighted_follow_their_weights(servers, tmp_path):
    a, b = servers
    path = tmp_path / "targets.jsonl"
    lines = [
        json_line("GET", a.url("/heavy"), {"X-Multi": ["1", "2"]}, weight=6),
        "",
        json_line("PUT", b.url("/bytes"), {"Content-Type": ["application/octet-stream"]}, BODY, weight=3),
        json_line("GET", a.url("/light"), weight=1),
    ]
    path.write_text("\n".join(lines) + "\n")
    n = 1000
    p = run("attack", "--targets", path, "--targets-format", "json", "--order", "weighted", "-n", n, "-c", "4")
    assert p.returncode == 0, p.stderr
    got = a.counts() + b.counts()
    assert sum(got.values()) == n
    # Each count is binomial(n, weight / 10): allow 5 standard deviations (a false alarm is ~1e-6).
    for key, weight in ((("GET", "/heavy"), 6), (("PUT", "/bytes"), 3), (("GET", "/light"), 1)):
        share = weight / 10
        assert abs(got[key] - n * share) <= 5 * math.sqrt(n * share * (1 - share)), (key, got)
    assert all(r.body == BODY for r in b.received)
    assert all(r.all("X-Multi") == ["1", "2"] for r in a.received if r.target == "/heavy")


def test_json_targets_round_robin_and_the_python_api(servers, tmp_path):
    a, b = servers
    path = tmp_path / "targets.json"
    path.write_text(json_line("POST", b.url("/a"), body=BODY) + "\n" + json_line("GET", a.url("/b")) + "\n")
    targets = h.targets(path, format="json")
    assert [(t.method, t.weight, t.where) for t in targets] == [("POST", 1.0, f"{path}:1"), ("GET", 1.0, f"{path}:2")]
    result = h.attack(targets=targets, requests=10, connections=2, progress=None)
    assert {r.name: r.requests for r in result.by_request} == {"POST /a": 5, "GET /b": 5}
    assert [r.body for r in b.received] == [BODY] * 5


def test_a_dollar_brace_in_a_target_is_sent_as_written(servers, tmp_path):
    a, _ = servers
    path = tmp_path / "targets.txt"
    path.write_text(f"GET {a.url('/x?q=${literal}')}\nX-Template: ${{uuid()}}\n")
    h.attack(targets=h.targets(path), requests=1, connections=1, progress=None)
    assert [(r.target, r.all("X-Template")) for r in a.received] == [("/x?q=${literal}", ["${uuid()}"])]


def test_targets_are_read_as_vegeta_documents_them(tmp_path):
    (tmp_path / "b.bin").write_bytes(b"\x00\xff")
    path = tmp_path / "t.txt"
    path.write_text(
        "GET http://127.0.0.1:1/one\n"  # one target a line, as vegeta's simple lists
        "HEAD http://127.0.0.1:1/two\n"
        "  # weight: 2.5\n"
        "PATCH http://127.0.0.1:1/three\n"
        "X-Case-Kept: As Written\n"
        "@b.bin\n"
        "# weight: 4\n"
        "PURGE http://127.0.0.1:1/four\r\n"
    )
    got = [(t.method, t.url.rsplit("/", 1)[1], t.headers, t.body, t.weight) for t in h.targets(path)]
    assert got == [
        ("GET", "one", (), None, 1.0),
        ("HEAD", "two", (), None, 1.0),
        ("PATCH", "three", (("X-Case-Kept", "As Written"),), b"\x00\xff", 2.5),
        ("PURGE", "four", (), None, 4.0),
    ]


HTTP_ERRORS = [
    ("get http://127.0.0.1:1/\n", 1, "bad method 'get'"),
    ("\n# hi\nGET\n", 3, "missing URL after GET"),
    ("GET http://127.0.0.1:1/\nX-Broken\n", 2, "bad header 'X-Broken'"),
    ("POST http://127.0.0.1:1/\nA: b\n@missing.json\n", 3, "cannot read body file 'missing.json'"),
    ("GET http://127.0.0.1:1/\n@b.bin\nX-Late: 1\n", 3, "header line outside a target"),
    ("GET ftp://127.0.0.1/\n", 1, 'url: unsupported scheme "ftp"'),
    ("GET /relative\n", 1, "url: invalid URL"),
    ("GET http://127.0.0.1:1/\nBad Name: x\n", 1, "headers: invalid header name"),
    ("# weight: lots\nGET http://127.0.0.1:1/\n", 1, "bad weight 'lots'"),
    ("# weight: 2\n# weight: 3\nGET http://127.0.0.1:1/\n", 2, "a second '# weight:'"),
    ("GET http://127.0.0.1:1/\n# weight: 3\nA: b\n", 2, "goes above a target's request line"),
    ("GET http://127.0.0.1:1/\n\n# weight: 2\n", 3, "with no target after it"),
    ('{"method": "GET", "url": "http://127.0.0.1:1/"}\n', 1, "JSON object in an http targets file"),
]
JSON_ERRORS = [
    ('{"method": "GET", "url": "http://127.0.0.1:1/"}\n{"method": "GET"}\n', 2, "missing url"),
    ('{"url": "http://127.0.0.1:1/"}\n', 1, "missing method"),
    ('{"method": "GET", "url": "http://127.0.0.1:1/", "body": "not base64!"}\n', 1, "body is not valid base64"),
    ('{"method": "GET", "url": "http://127.0.0.1:1/"\n', 1, "bad JSON at column"),
    ('["GET", "http://127.0.0.1:1/"]\n', 1, "a JSON target is an object, got list"),
    ('{"method": "GET", "url": "http://127.0.0.1:1/", "headers": {}}\n', 1, "unknown field 'headers'"),
    ('{"method": "GET", "url": "http://127.0.0.1:1/", "header": {"A": "v"}}\n', 1, "header 'A' must be a list"),
    ('{"method": "GET", "url": "http://127.0.0.1:1/", "weight": 0}\n', 1, "bad weight 0"),
    ('\n\n{"method": "GET", "url": "gopher://127.0.0.1:1/"}\n', 3, 'url: unsupported scheme "gopher"'),
]


@pytest.mark.parametrize(("text", "line", "problem"), HTTP_ERRORS + JSON_ERRORS)
def test_bad_targets_name_the_file_line_and_problem(tmp_path, text, line, problem):
    fmt = "json" if (text, line, problem) in JSON_ERRORS else "http"
    (tmp_path / "b.bin").write_bytes(b"x")
    path = tmp_path / "targets.txt"
    path.write_text(text)
    with pytest.raises(h.PlanError) as caught:
        h.targets(path, format=fmt)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert problem in message
    assert "\n" not in message


def test_files_that_hold_no_targets(tmp_path):
    with pytest.raises(h.PlanError, match="No such file"):
        h.targets(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("\n# only a comment\n\n")
    with pytest.raises(h.PlanError, match=r"empty\.txt: no targets in the file"):
        h.targets(tmp_path / "empty.txt")
    (tmp_path / "latin1.txt").write_bytes(b"GET http://127.0.0.1:1/\nX-A: caf\xe9\n")
    with pytest.raises(h.PlanError, match=r"latin1\.txt:2: not UTF-8 text"):
        h.targets(tmp_path / "latin1.txt")
    with pytest.raises(h.PlanError, match="targets format 'yaml' is not one of http, json"):
        h.targets(tmp_path / "empty.txt", format="yaml")


def test_plans_split_the_attack_exactly():
    ts = [h.Target("GET", f"http://127.0.0.1:1/{i}") for i in range(3)]
    plan = h.attack_plan(targets=ts, rate=300, requests=31, connections=7)
    scenarios = plan["scenarios"].values()
    assert [s["executor"]["max_iterations"] for s in scenarios] == [11, 10, 10]
    assert [s["executor"]["max_vus"] for s in scenarios] == [3, 2, 2]
    assert [s.get("start_s", 0) for s in scenarios] == pytest.approx([0, 1 / 300, 2 / 300])
    assert {s["executor"]["rate"] for s in scenarios} == {100}
    closed = h.attack_plan(targets=ts, requests=31, connections=1)
    assert [s["executor"] for s in closed["scenarios"].values()] == [
        {"type": "shared_iterations", "vus": 1, "iterations": 1}
    ]
    weighted = h.attack_plan(targets=[*ts[:2], h.Target("GET", "http://127.0.0.1:1/2", weight=8)], order="weighted")
    branches = weighted["journeys"]["targets"]["steps"][0]["choose"]["branches"]
    assert [b["weight"] for b in branches] == [1, 1, 8]


def test_wrong_arguments_with_targets():
    ts = [h.Target("GET", "http://127.0.0.1:1/a", weight=2), h.Target("GET", "http://127.0.0.1:1/b")]
    with pytest.raises(h.PlanError, match=r"order: round-robin .* targets\[0\] has a weight"):
        h.attack_plan(targets=ts)
    with pytest.raises(h.PlanError, match="connections: must be ≥ 2, got 1: round-robin at a rate"):
        h.attack_plan(targets=[h.Target("GET", t.url) for t in ts], rate=10, connections=1)
    with pytest.raises(h.PlanError, match="connections: must be ≥ 1, got 0"):
        h.attack(targets=ts, order="weighted", rate=10, connections=0, progress=None)
    with pytest.raises(TypeError, match="url or targets"):
        h.attack_plan("http://127.0.0.1:1/", targets=ts)
    with pytest.raises(TypeError, match=r"list of h\.Target"):
        h.attack_plan(targets="targets.txt")


def test_cli_errors_are_one_line(servers, tmp_path):
    a, b = servers
    good = shop_targets(tmp_path, a, b)
    bad = tmp_path / "bad.txt"
    bad.write_text(f"GET {a.url('/')}\n\nPOST {a.url('/')}\n@nope.json\n")
    one_line_usage_error(run("attack", "--targets", bad, "-n", "1"), f"{bad}:4:", "cannot read body file 'nope.json'")
    one_line_usage_error(run("attack", "--targets", good, "--targets-format", "json"), f"{good}:1:", "bad JSON")
    one_line_usage_error(run("attack", "--targets", good, "--rate", "10", "-c", "2"), "connections", "≥ 3")
    one_line_usage_error(run("attack", a.url("/"), "--targets", good), "url or --targets")
    one_line_usage_error(run("attack", "--targets", good, "-X", "PUT"), "--method")
    one_line_usage_error(run("attack", a.url("/"), "--order", "weighted"), "--order")
    one_line_usage_error(run("attack", "--targets", tmp_path / "none.txt"), "none.txt")
    assert a.received == b.received == []
