"""The conformance matrix: one journey through every framing and client feature (GET, POST with
JSON, chunked, a 1 MiB body, HEAD, 204, redirects, cookies, gzip, a server closing the
connection) against nginx, lighttpd and uvicorn, over plain HTTP and TLS. Every run must end with
the same outcome, and that outcome must be all checks passing.
"""

from __future__ import annotations

from typing import Any

import pytest

import horde as h
from certs import Pki
from conformance import Lighttpd, Nginx, ServerProcess, Uvicorn

SERVERS = {"nginx": Nginx, "lighttpd": Lighttpd, "uvicorn": Uvicorn}
ITERATIONS = 6

JOURNEY = h.journey(
    "conformance",
    h.get("/cookie/echo", name="no cookie yet", check=h.body_contains("cookie: \n")),
    h.get("/hello", name="get", check=[h.status(200), h.body_contains("hello\n")]),
    h.post(
        "/echo",
        name="post json",
        json={"greeting": "hi", "vu": "${__vu}", "iteration": "${__iteration}"},
        check=[h.status(200), h.json_path("$.greeting", "hi")],
    ),
    h.get("/chunked", name="chunked", check=[h.status(200), h.body_contains("line 100\nend\n")]),
    h.get(
        "/large", name="large", check=[h.status(200), h.body_contains("000000000065534\n"), h.body_contains("END\n")]
    ),
    h.head("/large", name="head", check=[h.status(200), h.header("content-length", "1048576")]),
    h.get("/empty", name="204", check=h.status(204)),
    h.get("/redirect", name="redirect", check=[h.status(200), h.body_contains("hello\n")]),
    h.get("/redirect/abs", name="absolute redirect", check=[h.status(200), h.body_contains("hello\n")]),
    h.get("/redirect", name="redirect kept", max_redirects=0, check=[h.status(302), h.header("location", "/hello")]),
    h.get("/cookie/set", name="set cookie", check=h.status(200), extract={"session": h.cookie("session")}),
    h.get("/cookie/echo", name="cookie sent back", check=h.body_contains("cookie: session=s3cr3t\n")),
    h.get("/gzip", name="gzip", check=[h.status(200), h.body_contains("hello gzip\nhello gzip\n")]),
    h.get("/close", name="close", check=[h.status(200), h.body_contains("bye\n")]),
    h.get("/hello", name="after close", check=h.status(200)),
)


def run(server: ServerProcess, pki: Pki | None) -> h.Result:
    base = server.url(host="localhost" if pki else None)
    test = h.Test(
        base_url=base,
        scenarios={"matrix": h.per_vu_iterations(JOURNEY, vus=2, iterations=ITERATIONS // 2)},
        tls=h.Tls(ca=pki.ca) if pki else None,
        workers=1,
        seed=7,
    )
    return test.run(progress=None)


def outcome(r: h.Result) -> dict[str, Any]:
    """What must be identical on every server: per request name, statuses, errors and checks; the
    funnel; redirects followed and connections the server closed."""
    per_name = {
        row["name"]: {"requests": row["requests"], "status": row["status"], "errors": row["errors"]}
        for row in r.to_dict()["requests"]
    }
    checks = {(c["request"], c["name"]): (c["passes"], c["fails"]) for c in r.checks}
    journey = r.journeys[0]
    return {
        "requests": per_name,
        "checks": checks,
        "completed": journey["completed"],
        "redirects": r.generator["redirects"],
    }


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_every_server_gives_the_same_outcome(pki, tls):
    outcomes = {}
    for name, cls in SERVERS.items():
        with cls().start(tls=pki if tls else None, host="127.0.0.1") as server:
            r = run(server, pki if tls else None)
        o = outcome(r)
        failing = {k: v for k, v in o["checks"].items() if v[1]}
        assert not failing, f"{name}: failing checks {failing}"
        assert r.errors == {}, f"{name}: {r.errors}"
        assert o["completed"] == ITERATIONS, f"{name}: {r.journeys[0]}"
        outcomes[name] = o
    first = outcomes["nginx"]
    for name, o in outcomes.items():
        assert o == first, f"{name} differs from nginx"
    # Two followed redirects per iteration; the 302 kept with max_redirects=0 is a response itself.
    assert first["redirects"] == 2 * ITERATIONS
    assert first["requests"]["redirect"]["status"] == {"200": ITERATIONS, "302": ITERATIONS}
    assert first["requests"]["redirect kept"]["status"] == {"302": ITERATIONS}


def test_gzip_is_decoded_for_checks_and_counted_as_wire_bytes(pki):
    with Nginx().start() as server:
        journey = h.journey("z", h.get("/gzip", name="gzip", check=h.body_contains("hello gzip\n" * 100)))
        test = h.Test(base_url=server.url(), scenarios={"s": h.shared_iterations(journey, vus=1, iterations=5)})
        r = test.run(progress=None)
        plain = h.Test(
            base_url=server.url(),
            scenarios={"s": h.shared_iterations(journey, vus=1, iterations=5)},
            compression=False,
        ).run(progress=None)
    row = r.to_dict()["requests"][0]
    assert r.checks[0]["passes"] == 5
    assert row["bytes_decoded"] == 5 * 1100
    assert row["bytes_received"] < 5 * 1100, "compressed on the wire"
    assert plain.checks[0]["passes"] == 5 and plain.to_dict()["requests"][0]["bytes_decoded"] == 0


def test_a_redirect_loop_is_a_classified_error(pki):
    with Uvicorn().start() as server:
        journey = h.journey("loop", h.get("/loop", name="loop"), h.get("/hello", name="after"))
        test = h.Test(base_url=server.url(), scenarios={"s": h.shared_iterations(journey, vus=1, iterations=3)})
        r = test.run(progress=None)
    rows = {row["name"]: row for row in r.to_dict()["requests"]}
    # /loop → /loop2 → /loop: the second hop's 302 would go back, so it fails; the first counts.
    assert rows["loop"]["errors"] == {"redirect_loop": 3}
    assert rows["loop"]["status"] == {"302": 3}
    assert rows["after"]["status"] == {"200": 3}, "the journey goes on after the error"
