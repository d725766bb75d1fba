"""Secrets stay out of artifacts: a token passed with ``h.secret`` (from the environment, ``-e``
or a file) or written into an ``Authorization`` or ``Cookie`` header is sent to the server and
appears in none of the files a run writes, nor in what ``horde inspect`` prints.
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest

import horde as h
from cli import horde
from servers import _QuietServer

TOKEN = "tok-7f3a9c1e5b"  # from h.secret, via -e
FILE_TOKEN = "file-2b8d4e6a0c"  # from h.secret(file=...)
LITERAL = "literal-9e1c3a5f7d"  # typed into an Authorization header
COOKIE = "sid-4c6e8a0b2d"  # typed into a Cookie header

SCRIPT = """
import horde as h
token = h.secret("API_TOKEN")
j = h.journey(
    "j",
    h.get("/bearer?key=" + token, headers={"Authorization": f"Bearer {token}"}, check=h.status(200)),
    h.post("/json", json={"password": h.secret("PW", file=%(pw)r)}, check=h.status(200)),
    h.get("/basic", headers={"Authorization": "Basic %(literal)s", "Cookie": "sid=%(cookie)s"}, check=h.status(200)),
)
test = h.Test(base_url=h.env("BASE_URL"), scenarios={"s": h.shared_iterations(j, vus=2, iterations=6)},
              thresholds={"checks": ["rate==1"]})
"""


@pytest.fixture
def gatekeeper():
    """200 only when the request carries the expected credentials, else 401."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, ok: bool) -> None:
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            auth = self.headers.get("Authorization", "")
            if self.path.startswith("/bearer"):
                self._answer(auth == f"Bearer {TOKEN}" and self.path == f"/bearer?key={TOKEN}")
            else:
                self._answer(auth == f"Basic {LITERAL}" and self.headers.get("Cookie") == f"sid={COOKIE}")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._answer(json.loads(body) == {"password": FILE_TOKEN})

    server = _QuietServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_no_artifact_holds_a_secret_or_a_credential(tmp_path, gatekeeper):
    pw = tmp_path / "pw.txt"
    pw.write_text(FILE_TOKEN + "\n")
    script = tmp_path / "s.py"
    script.write_text(SCRIPT % {"pw": str(pw), "literal": LITERAL, "cookie": COOKIE})
    env = ("-e", f"API_TOKEN={TOKEN}", "-e", f"BASE_URL={gatekeeper}")
    files = {n: tmp_path / n for n in ("r.json", "summary.json", "out.jsonl", "out.csv", "r.html")}
    p = horde(
        "run", script, *env, "-q", "--json", files["r.json"], "--summary-export", files["summary.json"],
        "--out", f"json={files['out.jsonl']}", "--out", f"csv={files['out.csv']}",
    )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr  # every check passed: the server got each value
    r = horde("report", files["r.json"], "-o", files["r.html"])
    assert r.returncode == 0, r.stderr
    inspect = horde("inspect", script, *env)
    assert inspect.returncode == 0, inspect.stderr
    texts = {n: f.read_text() for n, f in files.items()}
    texts |= {"stdout of run": p.stdout + p.stderr, "horde inspect": inspect.stdout}
    for name, text in texts.items():
        assert text, f"{name} is empty"
        for value in (TOKEN, FILE_TOKEN, LITERAL, COOKIE):
            assert value not in text, f"{value} leaked into {name}"
    # What is shown instead says where the value went.
    assert "${secret.API_TOKEN}" in texts["horde inspect"] and "<redacted>" in texts["horde inspect"]
    saved = h.load(files["r.json"])
    assert saved.plan["secrets"] == {"API_TOKEN": "<redacted>", "PW": "<redacted>"}


def test_redaction_of_headers_can_be_turned_off(gatekeeper):
    j = h.journey("j", h.get("/basic", headers={"Authorization": f"Basic {LITERAL}", "Cookie": f"sid={COOKIE}"}))
    kept = h.Test(base_url=gatekeeper, scenarios={"s": h.shared_iterations(j, vus=1, iterations=1)}, redact_headers=[])
    r = kept.run(progress=None)
    assert r.status == {"200": 1}
    headers = r.plan["journeys"]["j"]["steps"][0]["request"]["headers"]
    assert headers == [["Authorization", f"Basic {LITERAL}"], ["Cookie", f"sid={COOKIE}"]]


def test_bad_secrets_name_the_problem(tmp_path, monkeypatch):
    monkeypatch.delenv("HORDE_NO_SUCH_SECRET", raising=False)
    with pytest.raises(KeyError, match="HORDE_NO_SUCH_SECRET is not set; run with -e"):
        h.secret("HORDE_NO_SUCH_SECRET")
    with pytest.raises(ValueError, match="secret name must be"):
        h.secret("not-a-name")
    with pytest.raises(ValueError, match=r"secret X: cannot read .*missing"):
        h.secret("X", file=tmp_path / "missing")
