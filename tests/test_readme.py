"""Every ```python block of README.md runs, against the real API and a demo shop on loopback.

Finding: a snippet is the text between a line that is exactly ```python (or ```py) and the next ``` line. It is
named by the README line of its opening fence (``README.md:49``), and it is compiled as "README.md" at its real
line numbers, so a traceback points at the README line that failed.

Order: the snippets run in README order in one shared namespace, as a reader following the README would type
them into one Python session; a snippet may use what an earlier one defined (the HTTP-client snippet builds on
``checkout``, the results snippet runs ``test``). Running one snippet alone (``-k``) runs the ones before it first.

Working directory: a scratch directory holding the files the snippets name: users.csv (a copy of
examples/users.csv), and staging-ca.pem, client.pem and client.key (the test CA and a client certificate of
tests/certs.py). Files a snippet writes (run.json) land there.

Rewriting, on the snippet's text before it runs, line for line (line numbers do not move):

- ``localize``: ``http://127.0.0.1:8080``, the demo shop's default address, becomes the demo shop this session
  started on a free loopback port. Any other absolute URL must be on loopback or be a name the same snippet maps
  to 127.0.0.1 with ``hosts=``; otherwise the snippet is refused: this test never sends load off the machine.
- ``shorten``: time runs ``SPEEDUP`` (600) times faster, a minute becomes 0.1 s: run lengths (the duration of a
  stage tuple such as ``("2m", 20)``, and ``duration="..."``) are divided by SPEEDUP but kept at least
  ``MIN_RUN_MS``, and the seconds given to ``h.think(...)`` are divided by SPEEDUP. Timeouts, TTLs and every other
  setting keep their values, and so do VU counts and rates (the compressed run is denser than the real one).

After each snippet: every ``horde.Test`` in the namespace passes ``validate()`` (the engine's plan check, nothing
sent), and every ``horde.Result`` the snippet made has requests and no transport errors (its load reached a live
server).

Skipping: a snippet that cannot run is marked in README.md by ``<!-- not run by tests/test_readme.py: REASON -->``
on the line right before its fence and is reported as skipped with REASON. Prefer making it runnable, or giving
shell commands a ```sh fence.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import horde as h

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

SPEEDUP = 600
MIN_RUN_MS = 200
SHOP_DEFAULT = "http://127.0.0.1:8080"
SKIP_MARKER = re.compile(r"^<!-- not run by tests/test_readme\.py: (.+) -->$")
FENCE_OPEN = re.compile(r"^```(?:python|py)\s*$")


@dataclass(frozen=True)
class Snippet:
    line: int  # README line of the opening fence (1-based); the code starts on the next line
    code: str
    skip: str | None  # the reason given by a skip marker, if any

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"


def python_snippets(text: str) -> list[Snippet]:
    """The ```python blocks of a Markdown text, in order."""
    lines = text.splitlines()
    out = []
    i = 0
    while i < len(lines):
        if FENCE_OPEN.match(lines[i]):
            end = next((k for k in range(i + 1, len(lines)) if lines[k].startswith("```")), None)
            if end is None:
                raise ValueError(f"README.md:{i + 1}: a ```python fence that is never closed")
            marker = SKIP_MARKER.match(lines[i - 1].strip()) if i > 0 else None
            out.append(Snippet(i + 1, "\n".join(lines[i + 1 : end]) + "\n", marker.group(1) if marker else None))
            i = end
        i += 1
    return out


SNIPPETS = python_snippets(README.read_text(encoding="utf-8"))


def localize(code: str, shop_url: str) -> str:
    """Points the snippet at this session's demo shop; refuses one that would send load elsewhere."""
    code = code.replace(SHOP_DEFAULT, shop_url)
    for host in re.findall(r"https?://([^/:\"'\s]+)", code):
        mapped = re.search(rf"[\"']{re.escape(host)}[\"']\s*:\s*[\"']127\.0\.0\.1[\"']", code)
        if host not in ("127.0.0.1", "localhost") and not mapped:
            raise AssertionError(f"the snippet names {host}, neither loopback nor mapped to 127.0.0.1 by hosts=")
    for port in re.findall(r"https?://(?:127\.0\.0\.1|localhost):(\d+)", code):
        if int(port) != urlsplit(shop_url).port:
            raise AssertionError(f"the snippet names loopback port {port}; teach localize() what serves it")
    return code


def _run_length(match: re.Match[str]) -> str:
    ms = float(match.group(2)) * {"ms": 1e-3, "s": 1, "m": 60, "h": 3600}[match.group(3)] * 1000
    return f'{match.group(1)}"{max(round(ms / SPEEDUP), MIN_RUN_MS)}ms"'


def _think(match: re.Match[str]) -> str:
    args = re.sub(r"\d+(?:\.\d+)?", lambda n: f"{float(n.group()) / SPEEDUP:.6f}", match.group(2))
    return f"{match.group(1)}{args})"


def shorten(code: str) -> str:
    """Time SPEEDUP times faster: stage and ``duration=`` lengths (at least MIN_RUN_MS) and think times."""
    code = re.sub(r'(\(\s*|\bduration=)"(\d+(?:\.\d+)?)(ms|s|m|h)"', _run_length, code)
    return re.sub(r"(\bh\.think\()([^()]*)\)", _think, code)


class Session:
    """The shared namespace the snippets run in, and which of them ran (and how)."""

    def __init__(self, workdir: Path, shop_url: str) -> None:
        self.workdir = workdir
        self.shop_url = shop_url
        self.namespace: dict[str, Any] = {"__name__": "__readme__"}
        self.outcome: dict[int, str | None] = {}  # snippet line → None when it ran, else what went wrong

    def run_through(self, snippet: Snippet) -> None:
        """Runs every snippet up to and including ``snippet`` that has not run yet; fails if one of them failed."""
        for s in SNIPPETS[: SNIPPETS.index(snippet) + 1]:
            if s.line not in self.outcome:
                self.outcome[s.line] = None if s.skip else self._run(s)
            problem = self.outcome[s.line]
            if problem is not None:
                before = "" if s is snippet else f"{s.name}, which {snippet.name} builds on, failed:\n"
                pytest.fail(f"{before}{problem}", pytrace=False)

    def _run(self, s: Snippet) -> str | None:
        results_before = {id(v) for v in self.namespace.values() if isinstance(v, h.Result)}
        code = s.code
        try:
            code = shorten(localize(s.code, self.shop_url))
            with _cwd(self.workdir):
                exec(compile("\n" * s.line + code, str(README), "exec"), self.namespace)
                for name, value in list(self.namespace.items()):
                    if isinstance(value, h.Test):
                        value.validate()
                    elif isinstance(value, h.Result) and id(value) not in results_before:
                        assert value.requests > 0, f"{name}: no requests"
                        assert not value.errors, f"{name}: {value.errors}"
        except Exception:
            return f"{s.name} failed:\n{traceback.format_exc()}\nas run:\n{code}"
        finally:
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
        return None


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def readme_session(shop, pki, tmp_path_factory) -> Session:
    workdir = tmp_path_factory.mktemp("readme")
    shutil.copy(ROOT / "examples" / "users.csv", workdir / "users.csv")
    shutil.copy(pki.ca, workdir / "staging-ca.pem")
    shutil.copy(pki.client_cert, workdir / "client.pem")
    shutil.copy(pki.client_key, workdir / "client.key")
    return Session(workdir, shop.url())


def test_every_python_fence_is_found():
    """A fence this file would not recognise (indented, ```Python, ```python3) fails here instead of going untested."""
    lines = README.read_text(encoding="utf-8").splitlines()
    looks_python = [n for n, line in enumerate(lines, 1) if re.match(r"\s*```\s*py", line, re.IGNORECASE)]
    assert SNIPPETS and looks_python == [s.line for s in SNIPPETS]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.name)
def test_readme_snippet_runs(snippet, readme_session, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if snippet.skip:
        pytest.skip(f"{snippet.name} is marked in README.md: {snippet.skip}")
    readme_session.run_through(snippet)


def test_rewriting_rules():
    """The rules the docstring states, on the README's own shapes."""
    code = 'h.ramping_vus(j, stages=[("2m", 20), ("10m", 200)], graceful_ramp_down="30s")\n'
    assert shorten(code) == 'h.ramping_vus(j, stages=[("200ms", 20), ("1000ms", 200)], graceful_ramp_down="30s")\n'
    code = 'h.attack(url, duration="5s", timeout="10s", connections=64)'
    assert shorten(code) == 'h.attack(url, duration="200ms", timeout="10s", connections=64)'
    code = 'h.sessions(j, concurrent=200, session_duration="4m", duration="30m")'
    assert shorten(code) == 'h.sessions(j, concurrent=200, session_duration="4m", duration="3000ms")'
    assert shorten("h.think(1, 3), h.think(mean=0.6)") == "h.think(0.001667, 0.005000), h.think(mean=0.001000)"
    assert localize('h.get("http://127.0.0.1:8080/v1")', "http://127.0.0.1:5") == 'h.get("http://127.0.0.1:5/v1")'
    assert localize('base_url="https://a.test", hosts={"a.test": "127.0.0.1"}', "x")
    with pytest.raises(AssertionError, match="neither loopback"):
        localize('h.attack("https://example.com/")', "http://127.0.0.1:5")
    with pytest.raises(AssertionError, match="port 9090"):
        localize('h.attack("http://127.0.0.1:9090/")', "http://127.0.0.1:5")
    text = "x\n<!-- not run by tests/test_readme.py: needs a GPU -->\n```python\nboom()\n```\n```py\nok()\n```\n"
    assert python_snippets(text) == [Snippet(3, "boom()\n", "needs a GPU"), Snippet(6, "ok()\n", None)]
