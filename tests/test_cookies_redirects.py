"""Cookies (RFC 6265 rules in a per-VU jar, and its lifetime policies) and redirects (methods,
chains, limits, loops, cross-origin credentials) against a server that sets and reads cookies and
chains redirects."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import horde as h


def run(server, *steps: Any, iterations: int = 2, base_url: str | None = None, **options) -> h.Result:
    journey = h.journey("j", *steps)
    test = h.Test(
        base_url=base_url or server.url(""),
        scenarios={"s": h.per_vu_iterations(journey, vus=1, iterations=iterations)},
        workers=1,
        **options,
    )
    return test.run(progress=None)


def rows(r: h.Result) -> dict[str, dict]:
    return {row["name"]: row for row in r.to_dict()["requests"]}


def checks(r: h.Result) -> dict[str, tuple[int, int]]:
    return {f"{c['request']}: {c['name']}": (c["passes"], c["fails"]) for c in r.checks}


def set_cookie(value: str, name: str) -> Any:
    return h.get(f"/set?c={quote(value)}", name=name)


def test_the_jar_follows_domain_path_secure_and_expiry_rules(jar_server):
    # By name, not loopback IP: like browsers, the jar treats http://127.0.0.1 as a secure origin.
    steps = [
        set_cookie("sid=1; Path=/", "plain"),
        set_cookie("scoped=2; Path=/only", "path"),
        set_cookie("secure=3; Secure", "secure"),
        set_cookie("foreign=4; Domain=other.test", "foreign domain"),
        set_cookie("gone=5; Path=/", "to delete"),
        set_cookie("gone=; Path=/; Max-Age=0", "delete"),
        h.get("/echo", name="root", check=h.body_contains("cookie: sid=1\n")),
        h.get("/only/echo", name="scoped", check=h.body_contains("scoped=2")),
        h.get("/only/echo", name="scoped has root", check=h.body_contains("sid=1")),
    ]
    r = run(jar_server, *steps, base_url=f"http://shop.test:{jar_server.port}", hosts={"shop.test": "127.0.0.1"})
    assert r.errors == {}
    assert all(fails == 0 for _, fails in checks(r).values()), checks(r)


def test_per_iteration_jars_start_empty_and_per_vu_jars_remember(jar_server):
    steps = (
        h.get("/echo", name="before", check={"empty": h.body_contains("cookie: \n")}),
        set_cookie("sid=1; Path=/", "set"),
        h.get("/echo", name="after", check=h.body_contains("cookie: sid=1\n")),
    )
    fresh = run(jar_server, *steps, iterations=3)
    assert checks(fresh)["before: empty"] == (3, 0)
    kept = run(jar_server, *steps, iterations=3, cookies="per_vu")
    assert checks(kept)["before: empty"] == (1, 2), "later iterations still hold the cookie"
    off = run(jar_server, *steps, iterations=1, cookies="off")
    assert checks(off)['after: body contains "cookie: sid=1\\n"'] == (0, 1)


def test_a_login_flow_sets_a_cookie_on_a_redirect_and_uses_it(jar_server):
    r = run(
        jar_server,
        h.post(
            "/login",
            name="login",
            form={"user": "u"},
            check=h.body_contains("welcome"),
            extract={"sid": h.cookie("sid")},
        ),
        h.get("/echo?sid=${sid}", name="jar value extracted", check=h.body_contains("cookie: sid=abc")),
    )
    assert r.errors == {}
    assert all(fails == 0 for _, fails in checks(r).values()), checks(r)
    assert rows(r)["login"]["status"] == {"303": 2, "200": 2}


def test_redirect_methods_follow_browser_rules(jar_server):
    r = run(
        jar_server,
        h.post("/307", name="307", body="payload", check=h.body_contains("POST length=7 body=payload")),
        h.post("/303", name="303", body="payload", check=h.body_contains("GET length=0")),
        h.post("/302", name="302", body="payload", check=h.body_contains("GET length=0")),
    )
    assert r.errors == {}
    assert all(fails == 0 for _, fails in checks(r).values()), checks(r)


def test_chains_are_followed_hop_by_hop_up_to_the_limit(jar_server):
    r = run(
        jar_server,
        h.get("/chain/3", name="short", check=h.body_contains("chain done")),
        h.get("/chain/12", name="long"),
        h.get("/chain/2", name="limited", max_redirects=1),
        h.get("/chain/2", name="not followed", max_redirects=0, check=h.status(302)),
        iterations=1,
    )
    row = rows(r)
    assert row["short"]["requests"] == 4 and row["short"]["status"] == {"302": 3, "200": 1}
    assert row["long"]["errors"] == {"too_many_redirects": 1} and row["long"]["status"] == {"302": 10}
    assert row["limited"]["errors"] == {"too_many_redirects": 1}
    assert row["not followed"]["status"] == {"302": 1} and row["not followed"]["errors"] == {}
    assert r.generator["redirects"] == 3 + 10 + 1
    hops = r.histogram("http_req_duration", name="short")
    assert hops.count == 4, "each hop is timed"


def test_a_cookie_bounce_back_to_a_visited_url_is_not_a_loop(jar_server):
    r = run(jar_server, h.get("/gate", name="gate", check=h.body_contains("passed")), iterations=2)
    assert r.errors == {} and checks(r)['gate: body contains "passed"'] == (2, 0)


def test_credentials_stay_with_their_origin(jar_server):
    r = run(
        jar_server,
        h.get("/cross", name="cross", headers={"Authorization": "Bearer t"}, check=h.body_contains("auth: \n")),
        h.get("/echo", name="same", headers={"Authorization": "Bearer t"}, check=h.body_contains("auth: Bearer t")),
        iterations=1,
    )
    assert r.errors == {}
    assert all(fails == 0 for _, fails in checks(r).values()), checks(r)
