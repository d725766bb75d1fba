"""horde convert: browser recordings (HAR) → journeys with automatic correlation.

Recordings are made at test time by driving real servers on loopback through a recording proxy
(tests/har_recorder.py) as a browser would; the converted scripts then run against fresh servers,
which reject the recorded (stale) ids and tokens, so only a correctly correlated script passes.
"""

from __future__ import annotations

import http.client
import http.server
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

import horde as h
from cli import horde
from har_recorder import Recorder
from horde.cli.script import load_test
from horde.correlation import is_trivial
from horde.har import convert_har
from servers import DemoShop

BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Accept-Language": "en-US,en;q=0.9",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "sec-ch-ua": '"Chromium";v="126", "Not.A/Brand";v="24"',
    "sec-ch-ua-platform": '"Linux"',
    "Sec-Fetch-Site": "same-origin",
    "Cookie": "_ga=GA1.1.1618033988.1717171717",  # a cookie from before the recording
}
ADDRESS = {"street": "123 Test St", "city": "Testville", "zip": "12345", "country": "US"}
CARTS_BEFORE = 50  # made before the recording: a fresh shop has never heard of the recorded cart id


class Browser:
    """One tab: a kept-alive connection through the recorder, browser headers, cookies, redirects followed."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.conn = http.client.HTTPConnection("127.0.0.1", recorder.port, timeout=10)
        self.cookies: dict[str, str] = {}
        self.headers: http.client.HTTPMessage | None = None  # the last response's

    def go(self, method: str, path: str, *, body: bytes | None = None, **headers: str) -> tuple[int, str]:
        sent = {**BROWSER, "Referer": self.recorder.url("/"), **headers}
        if self.cookies:
            sent["Cookie"] = BROWSER["Cookie"] + "".join(f"; {k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Origin"] = self.recorder.url()
        self.conn.request(method, path, body=body, headers=sent)
        r = self.conn.getresponse()
        text = r.read().decode()
        self.headers = r.headers
        for value in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";")[0]
        if r.status in (301, 302, 303) and r.headers["Location"]:
            return self.go("GET", r.headers["Location"], Accept="text/html")
        return r.status, text

    def json(self, method: str, path: str, doc: Any = None, **headers: str) -> tuple[int, Any]:
        body = None if doc is None else json.dumps(doc).encode()
        extra = {"Content-Type": "application/json"} if body else {}
        status, text = self.go(method, path, body=body, Accept="application/json", **extra, **headers)
        return status, json.loads(text)

    def close(self) -> None:
        self.conn.close()


@pytest.fixture(scope="module")
def checkout_har(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The demo shop's checkout flow, recorded: (the HAR, the recorded cart id)."""
    shop = DemoShop(pool_size=64, query_ms=1)
    recorder = Recorder(shop.url())
    tab = Browser(recorder)
    try:
        for _ in range(CARTS_BEFORE):
            tab.json("POST", "/v1/cart/items", {"product_id": "prod-124", "quantity": 1})
        recorder.entries.clear()
        assert tab.json("GET", "/")[0] == 200
        for asset in ("/static/app.css", "/static/app.js", "/favicon.ico"):
            tab.go("GET", asset, Accept="*/*")
        assert tab.json("GET", "/v1/products/prod-123", Authorization="Bearer tok-7")[0] == 200
        time.sleep(0.3)  # reads the product page
        status, cart = tab.json("POST", "/v1/cart/items", {"product_id": "prod-123", "quantity": 1})
        assert status == 201
        cart_id = cart["cart_id"]
        time.sleep(0.2)
        assert tab.json("POST", f"/v1/cart/{cart_id}/coupons", {"code": "SAVE10"})[0] == 200
        order = {"cart_id": cart_id, "payment_method_id": "pm-test-visa", "shipping_address": ADDRESS}
        assert tab.json("POST", "/v1/checkout", order)[0] == 200
        yield recorder.save(tmp_path_factory.mktemp("har") / "checkout.har"), cart_id
    finally:
        tab.close()
        recorder.stop()
        shop.stop()


@pytest.fixture
def fresh_shop() -> Iterator[DemoShop]:
    server = DemoShop(pool_size=64, query_ms=1)
    yield server
    server.stop()


def _run(script: Path, base_url: str, out: Path, iterations: int = 3) -> tuple[Any, h.Result]:
    argv = ["run", str(script), "--iterations", str(iterations), "-e", f"BASE_URL={base_url}", "--json", str(out), "-q"]
    p = horde(*argv, timeout=120)
    return p, h.load(out)


def test_checkout_recording_replays_with_zero_failed_checks_and_the_cart_id_correlated(
    checkout_har, fresh_shop, tmp_path
):
    har, cart_id = checkout_har
    assert int(cart_id.removeprefix("cart-")) > CARTS_BEFORE
    script = tmp_path / "journey.py"
    p = horde("convert", har, "-o", script)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert f'cart_id = "{cart_id}" from POST /v1/cart/items' in p.stderr, p.stderr
    text = script.read_text()
    assert '"/v1/cart/${cart_id}/coupons"' in text and '"cart_id": "${cart_id}"' in text
    assert 'extract={"cart_id": h.json_path("$.cart_id")}' in text
    code = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any(cart_id in line for line in code), "the recorded cart id is only in the comments"
    for noise in ("sec-ch-ua", "User-Agent", "Cookie", "Accept-Encoding", "Referer", "app.css", "favicon"):
        assert noise not in "\n".join(code), noise
    assert "# 3 static assets left out (--keep-static" in text

    thinks = [float(t) for t in re.findall(r"h\.think\(([0-9.]+)\)", text)]
    assert len(thinks) == 2 and 0.29 <= thinks[0] < 1 and 0.19 <= thinks[1] < 1, thinks

    conversion = convert_har(har)
    assert [c.variable for c in conversion.correlations] == ["cart_id"], "and nothing else (prod-123, tok-7, SAVE10)"
    cart = conversion.correlations[0]
    assert (cart.value, cart.source, cart.extractor) == (cart_id, "POST /v1/cart/items", 'h.json_path("$.cart_id")')
    assert cart.used_in == ("POST /v1/cart/${cart_id}/coupons", "POST /v1/checkout")
    assert conversion.script == text

    run, result = _run(script, fresh_shop.url(), tmp_path / "run.json")
    assert run.returncode == 0, run.stdout + run.stderr
    assert sum(c["fails"] for c in result.checks) == 0 and sum(c["passes"] for c in result.checks) == 3 * 5
    by = {r.name: r for r in result.by_request}
    assert set(by) == {
        "GET /",
        "GET /v1/products/prod-123",
        "POST /v1/cart/items",
        "POST /v1/cart/${cart_id}/coupons",
        "POST /v1/checkout",
    }
    for r in by.values():
        assert r.requests == 3 and r.failed == 0 and all(s.startswith("2") for s in r.status), (r.name, r.status)


def test_the_shop_rejects_the_recorded_cart_id_so_only_correlation_passes(checkout_har, fresh_shop, tmp_path):
    har, _ = checkout_har
    script = tmp_path / "as_recorded.py"
    p = horde("convert", har, "-o", script, "--no-correlate")
    assert p.returncode == 0 and "no correlations" in p.stderr, p.stderr
    run, result = _run(script, fresh_shop.url(), tmp_path / "run.json")
    assert run.returncode == 99, run.stdout + run.stderr  # the checks threshold failed
    by = {r.name: r for r in result.by_request}
    assert by["POST /v1/checkout"].status == {"404": 3}, "a fresh shop does not know the recorded cart"
    assert all(k.startswith("POST /v1/cart/cart-") for k in by if "coupons" in k)


class FormSite:
    """A site with the usual server-made values, each checked and fresh per session.

    GET /login                  HTML form with a hidden csrf_token; sets sid (the session) and XSRF-TOKEN
    POST /login                 form (csrf_token, user) → 303 to /account/<account id>
    GET /account/<id>           HTML: the account id in the page, a per-page token in <meta name="page-token">
    POST /api/orders            JSON {"account": id}, headers X-Page-Token and X-XSRF-Token (the cookie's value,
                                as Angular sends it) → 201 {"order": {"id", "number"}} and an X-Order-Ref header
    POST /api/orders/<id>/pay   JSON {"number": <the order number, a JSON number>, "ref": <X-Order-Ref>} → 200
    Anything stale or missing: 403 or 404.
    """

    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site._handle(self)

            do_POST = do_GET  # noqa: N815

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handle(self, r: http.server.BaseHTTPRequestHandler) -> None:
        body = r.rfile.read(int(r.headers.get("Content-Length") or 0)).decode()
        sid = re.search(r"\bsid=([\w-]+)", r.headers.get("Cookie", ""))
        s = self.sessions.get(sid.group(1)) if sid else None
        status, headers, reply = 404, [], "not found"
        if r.command == "GET" and r.path == "/login":
            new = secrets.token_urlsafe(12)
            self.sessions[new] = {"csrf": secrets.token_urlsafe(16), "xsrf": secrets.token_hex(12)}
            hidden = '<input type="hidden" name="csrf_token" value="{}">'.format(self.sessions[new]["csrf"])
            status, headers = 200, [("Set-Cookie", f"sid={new}; Path=/; HttpOnly"), ("Content-Type", "text/html")]
            headers.append(("Set-Cookie", "XSRF-TOKEN={}; Path=/".format(self.sessions[new]["xsrf"])))
            reply = f'<html><form method="post" action="/login">\n  {hidden}\n  <input name="user"></form></html>'
        elif s is None:
            status, reply = 403, "no session"
        elif r.path == "/login":
            form = dict(parse_qsl(body))
            if form.get("csrf_token") == s["csrf"] and form.get("user"):
                s["account"], s["page"] = secrets.token_hex(8), secrets.token_hex(10)
                status, headers, reply = 303, [("Location", f"/account/{s['account']}")], ""
            else:
                status, reply = 403, "bad csrf token"
        elif r.path == f"/account/{s.get('account')}":
            page = f'<html><head><meta name="page-token" content="{s["page"]}"></head>'
            status, headers = 200, [("Content-Type", "text/html")]
            reply = page + f'<body>Account <span class="id">{s["account"]}</span></body></html>'
        elif r.path == "/api/orders" and r.headers.get("X-Page-Token") == s.get("page"):
            account = json.loads(body or "{}").get("account")
            if account == s.get("account") and r.headers.get("X-XSRF-Token") == s["xsrf"]:
                # Ids with digits: a random one of letters only would be a plain word, never correlated.
                s["order"] = {"id": f"ord-{secrets.randbelow(10**9)}", "number": secrets.randbelow(900_000) + 100_000}
                s["ref"] = f"ref-{secrets.token_hex(5)}-{secrets.randbelow(90) + 10}"
                status, headers = 201, [("Content-Type", "application/json"), ("X-Order-Ref", s["ref"])]
                reply = json.dumps({"order": s["order"], "status": "created"})
        elif "order" in s and r.path == f"/api/orders/{s['order']['id']}/pay":
            doc = json.loads(body or "{}")
            ok = doc == {"number": s["order"]["number"], "ref": s["ref"]}
            status, reply = (200, '{"paid": true}') if ok else (409, "stale order")
        data = reply.encode()
        r.send_response(status)
        for k, v in [*headers, ("Content-Length", str(len(data)))]:
            r.send_header(k, v)
        r.end_headers()
        r.wfile.write(data)


def test_csrf_token_in_html_redirect_header_cookie_and_json_number_are_correlated(tmp_path):
    site = FormSite()
    recorder = Recorder(site.url())
    tab = Browser(recorder)
    try:
        status, page = tab.go("GET", "/login", Accept="text/html")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert status == 200 and token
        form = f"csrf_token={token.group(1)}&user=ada".encode()
        status, page = tab.go("POST", "/login", body=form, **{"Content-Type": "application/x-www-form-urlencoded"})
        found = re.search(r'content="(\w+)".*<span class="id">(\w+)<', page)
        assert status == 200 and found
        page_token, account = found.groups()
        sent = {"X-Page-Token": page_token, "X-XSRF-Token": tab.cookies["XSRF-TOKEN"]}
        status, created = tab.json("POST", "/api/orders", {"account": account}, **sent)
        assert status == 201
        order = created["order"]
        assert tab.headers is not None
        ref = tab.headers["X-Order-Ref"]
        assert tab.json("POST", f"/api/orders/{order['id']}/pay", {"number": order["number"], "ref": ref})[0] == 200
        har = recorder.save(tmp_path / "login.har")
    finally:
        tab.close()
        recorder.stop()

    try:
        conversion = convert_har(har)
        got = {c.variable: (c.value, c.extractor) for c in conversion.correlations}
        assert got == {
            "csrf_token": (token.group(1), 'h.regex(r\'name="csrf_token"\\s+value="([A-Za-z0-9_-]+)\')'),
            "id": (account, "h.regex(r'class=\"id\">([A-Za-z0-9_-]+)')"),
            "page_token": (page_token, 'h.regex(r\'name="page-token"\\s+content="([A-Za-z0-9_-]+)\')'),
            "order_id": (order["id"], 'h.json_path("$.order.id")'),
            "order_number": (str(order["number"]), 'h.json_path("$.order.number")'),
            "x_order_ref": (ref, 'h.header("X-Order-Ref")'),
            "XSRF_TOKEN": (sent["X-XSRF-Token"], 'h.cookie("XSRF-TOKEN")'),
        }, conversion.summary()
        assert conversion.dropped == {"redirects": 1}
        script = tmp_path / "login.py"
        script.write_text(conversion.script)
        assert """body='{"number": ${order_number}, "ref": "${x_order_ref}"}'""" in conversion.script
        run, result = _run(script, site.url(), tmp_path / "run.json", iterations=2)
        assert run.returncode == 0, run.stdout + run.stderr
        assert sum(c["fails"] for c in result.checks) == 0 and sum(c["passes"] for c in result.checks) == 2 * 4
        statuses = {r.name: r.status for r in result.by_request}
        assert statuses == {
            "GET /login": {"200": 2},
            "POST /login": {"303": 2, "200": 2},  # the redirect, followed: a request of its own in the results
            "POST /api/orders": {"201": 2},
            "POST /api/orders/${order_id}/pay": {"200": 2},
        }
    finally:
        site.stop()


def _har(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"log": {"version": "1.2", "entries": list(entries)}}


def _entry(
    method: str, path: str, status: int, reply: Any, *, sent: Any = None, headers: Any = (), at: float = 0.0
) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": f"http://127.0.0.1:9/{path.lstrip('/')}"}
    request["headers"] = [{"name": k, "value": v} for k, v in headers]
    if sent is not None:
        request["postData"] = {"mimeType": "application/json", "text": json.dumps(sent)}
    text = reply if isinstance(reply, str) else json.dumps(reply)
    mime = "text/html" if isinstance(reply, str) else "application/json"
    return {
        "startedDateTime": f"2024-05-01T10:00:{at:06.3f}Z",
        "time": 20,
        "request": request,
        "response": {"status": status, "headers": [], "content": {"mimeType": mime, "text": text}},
    }


def test_correlation_ignores_trivial_echoed_and_client_known_values(tmp_path):
    client_id = "web-7f3a9c2e"
    first = _entry("GET", f"/?client={client_id}", 200, "<html>home</html>", headers=[("X-Client", client_id)])
    reply = {
        "cart": "c-9f8e7d6c",  # the one real correlation
        "ok": True,
        "count": 42,
        "price": 12.99,
        "year_total": 1299.5,
        "state": "confirmed",
        "currency": "USD",
        "title": "Field notebook",
        "next": "/v1/next/page",
        "short": "a1b",
        "client": client_id,  # the first request sent it
        "echo": "e-5551234",  # the request that produced this response sent it
    }
    sent = {k: v for k, v in reply.items() if k != "cart"}
    second = _entry("POST", "/v1/start", 200, reply, sent={"echo": "e-5551234"}, at=1)
    # A part of the cart id is not the cart id: values match whole, never inside a longer one.
    later = {**sent, "cart": "c-9f8e7d6c", "part": "c-9f8e7"}
    third = _entry("POST", "/v1/next/page", 200, {"done": True}, sent=later, at=2.5)
    path = tmp_path / "r.har"
    path.write_text(json.dumps(_har(first, second, third)))
    conversion = convert_har(path)
    assert [(c.variable, c.value) for c in conversion.correlations] == [("cart", "c-9f8e7d6c")]
    assert conversion.script.count("${cart}") == 1 and '"part": "c-9f8e7"' in conversion.script
    assert "h.think(0.98)" in conversion.script and "h.think(1.48)" in conversion.script
    load_test(str(_write(tmp_path / "r.py", conversion.script)), {}).validate()

    assert [is_trivial(v) for v in ("true", "null", "1000", "999", "12.99", "USD", "Pending", "en-US")] == [
        True, True, False, True, True, True, True, False,
    ]  # fmt: skip
    assert [is_trivial(v) for v in ("a b c d", "/v1/x", "http://a.test/x", "text/html", "$${x}")] == [True] * 5


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_static_assets_headers_and_templates_in_recorded_text(tmp_path):
    noisy = [("Host", "127.0.0.1:9"), ("Cookie", "a=b"), ("sec-fetch-mode", "cors"), ("Accept", "text/html"),
             ("X-Api-Key", "k-${literally}"), (":authority", "127.0.0.1:9")]  # fmt: skip
    entries = [
        _entry("GET", "/", 200, "<html>${not a template}</html>", headers=noisy),
        _entry("GET", "/static/site.css", 200, "body{}", at=0.01),
        _entry("GET", "/logo.png", 200, "png", at=0.02),
        _entry("GET", "/about", 304, "<html></html>", at=0.04),
    ]
    path = tmp_path / "site.har"
    path.write_text(json.dumps(_har(*entries)))
    script = convert_har(path).script
    assert 'headers={"Accept": "text/html", "X-Api-Key": "k-$${literally}"}' in script
    assert "Cookie" not in script.split("import horde")[1] and "sec-fetch" not in script and "authority" not in script
    assert "h.status(200, 304)" in script and "h.think" not in script  # gaps under 50 ms
    assert "site.css" not in script and "# 2 static assets left out" in script
    kept = convert_har(path, keep_static=True).script
    assert '"/static/site.css"' in kept and '"/logo.png"' in kept
    load_test(str(_write(tmp_path / "site.py", script)), {}).validate()


BAD = {
    "not_json.har": ('{"log": {"entries": [}', r"not_json\.har: not a HAR file: not JSON \(.* line 1 column 22\)"),
    "empty.har": ("", r"empty\.har: not a HAR file: not JSON \(Expecting value at line 1 column 1\)"),
    "not_har.har": ('{"version": 1, "entries": []}', r"not_har\.har: not a HAR file: no log\.entries"),
    "no_entries.har": ('{"log": {"version": "1.2", "entries": []}}', r"no_entries\.har: the HAR has no entries"),
    "no_url.har": ('{"log": {"entries": [{"request": {"method": "GET"}}]}}', r"log\.entries\[0\]\.request\.url"),
    "only_images.har": (json.dumps(_har(_entry("GET", "/a.png", 200, "x"))), r"no request left .*1 static assets"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_input_is_one_clear_line_on_the_cli_and_a_plan_error_in_python(name, tmp_path):
    text, message = BAD[name]
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(h.PlanError, match=message) as info:
        convert_har(path)
    assert isinstance(info.value, ValueError)
    p = horde("convert", path, "-o", tmp_path / "out.py")
    assert p.returncode == 1 and p.stdout == "", p.stderr
    assert re.fullmatch(rf"horde convert: .*{message}.*\n", p.stderr), p.stderr
    assert not (tmp_path / "out.py").exists()


def test_cli_missing_file_existing_output_and_stdout(tmp_path):
    missing = tmp_path / "missing.har"
    p = horde("convert", missing)
    assert p.returncode == 1 and p.stderr == f"horde convert: cannot read {missing}: No such file or directory\n"
    har = tmp_path / "one.har"
    har.write_text(json.dumps(_har(_entry("GET", "/health", 200, {"ok": True}))))
    p = horde("convert", har)
    assert p.returncode == 0 and p.stdout.startswith('"""The journey recorded in one.har') and "1 requests" in p.stderr
    (tmp_path / "taken.py").write_text("mine")
    p = horde("convert", har, "-o", tmp_path / "taken.py")
    assert p.returncode == 1 and "exists; use --force" in p.stderr and (tmp_path / "taken.py").read_text() == "mine"
    assert horde("convert", har, "-o", tmp_path / "taken.py", "--force").returncode == 0
