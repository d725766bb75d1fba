"""What every conformance server answers, defined once: bodies, headers and the static files built from them."""

from __future__ import annotations

from pathlib import Path

HELLO = b"hello\n"
SET = b"set\n"
BYE = b"bye\n"
COOKIE = "session=s3cr3t; Path=/"
CHUNKED_LINES = [f"line {n}\n".encode() for n in range(1, 101)] + [b"end\n"]
CHUNKED = b"".join(CHUNKED_LINES)
GZIP_PLAIN = b"hello gzip\n" * 100
LARGE_SIZE = 1024 * 1024


def large_body() -> bytes:
    """1 MiB of numbered 16-byte lines (`000000000000000\\n`, `000000000000001\\n`, …) whose last 4 bytes are END\\n.

    Every offset is recognisable, so a client that drops or repeats a piece of the body fails loudly.
    """
    lines = b"".join(b"%015d\n" % n for n in range(LARGE_SIZE // 16))
    return lines[:-4] + b"END\n"


def cookie_echo(cookie: str) -> bytes:
    """The body of /cookie/echo for the raw Cookie request header (empty when the request had none)."""
    return f"cookie: {cookie}\n".encode()


def write_static(directory: Path) -> None:
    """The files the static endpoints serve: large.bin (1 MiB), gzip.txt, hello.txt, set.txt, bye.txt."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "large.bin").write_bytes(large_body())
    (directory / "gzip.txt").write_bytes(GZIP_PLAIN)
    (directory / "hello.txt").write_bytes(HELLO)
    (directory / "set.txt").write_bytes(SET)
    (directory / "bye.txt").write_bytes(BYE)
