"""The HTTP client's settings, shared by :class:`horde.Test` and :func:`horde.attack`.

HTTPS (``Tls``), name resolution (``Dns`` and ``hosts``), cookies, redirects, connections and
compression.

Example:
    >>> import horde as h
    >>> h.Tls(min_version="1.3")._plan()["min_version"]
    '1.3'
    >>> h.Dns(ttl="1m", select="round_robin")._plan()
    {'ttl_s': 60.0, 'select': 'round_robin', 'policy': 'prefer_ipv4'}
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from horde._units import seconds
from horde.errors import PlanError

__all__ = ["COMPRESSION", "Dns", "Tls", "http_options"]

#: The content codings horde offers and decodes by default in a ``Test``.
COMPRESSION = ("gzip", "deflate", "br")

_VERSIONS = ("1.2", "1.3")
_RESUMPTION = ("per_vu", "shared", "off")
_SELECT = ("first", "round_robin", "random")
_POLICY = ("prefer_ipv4", "prefer_ipv6", "only_ipv4", "only_ipv6", "any")
_COOKIES = ("per_iteration", "per_vu", "off")
_CONNECTIONS = ("per_vu", "per_iteration", "per_request")


def _choice(value: object, allowed: Sequence[str], name: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise PlanError(
            f"{name} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}",
            [(name, f"must be one of {', '.join(allowed)}, got {value!r}")],
        )
    return value


def _readable(path: object, name: str) -> str | None:
    """The path of a file that exists and can be read, or a PlanError naming the field."""
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path, got {path!r}")
    text = os.fspath(path)
    try:
        with open(text, "rb") as f:
            f.read(1)
    except OSError as e:
        reason = e.strerror or str(e)
        problem = f"cannot read {text!r}: {reason}"
        raise PlanError(f"{name}: {problem}", [(name, problem)]) from None
    return os.path.abspath(text)


class Tls:
    """HTTPS settings.

    Certificates are verified against Mozilla's roots (built in) plus ``ca``. Turning
    verification off (``verify=False``, or ``insecure=True`` on the test) is an explicit opt-in
    that the summary flags.

    Args:
        verify: check the server's certificate chain and host name.
        ca: PEM file of extra CA certificates to trust (a private CA, a test CA).
        cert: PEM file with the client certificate (chain), for mutual TLS.
        key: PEM file with the client certificate's private key.
        min_version: lowest TLS version offered, ``"1.2"`` or ``"1.3"``.
        max_version: highest TLS version offered.
        resumption: ``"per_vu"`` (each VU resumes its own sessions, as returning users do),
            ``"shared"`` (VUs resume each other's: the fewest full handshakes) or ``"off"``
            (a full handshake on every new connection).

    Raises:
        PlanError: a file cannot be read, or a value is not one of the choices (names the field).
    """

    def __init__(
        self,
        *,
        verify: bool = True,
        ca: str | os.PathLike[str] | None = None,
        cert: str | os.PathLike[str] | None = None,
        key: str | os.PathLike[str] | None = None,
        min_version: str = "1.2",
        max_version: str = "1.3",
        resumption: str = "per_vu",
    ) -> None:
        if not isinstance(verify, bool):
            raise TypeError(f"tls.verify must be True or False, got {verify!r}")
        self.verify = verify
        self.ca = _readable(ca, "tls.ca")
        self.cert = _readable(cert, "tls.cert")
        self.key = _readable(key, "tls.key")
        if (self.cert is None) != (self.key is None):
            missing = "tls.key" if self.key is None else "tls.cert"
            raise PlanError(
                f"{missing}: mutual TLS needs both cert and key", [(missing, "mutual TLS needs both cert and key")]
            )
        self.min_version = _choice(min_version, _VERSIONS, "tls.min_version")
        self.max_version = _choice(max_version, _VERSIONS, "tls.max_version")
        if self.min_version > self.max_version:
            raise PlanError(
                f"tls.min_version {min_version!r} is above tls.max_version {max_version!r}",
                [("tls.min_version", f"must not be above max_version ({max_version}), got {min_version}")],
            )
        self.resumption = _choice(resumption, _RESUMPTION, "tls.resumption")

    def _plan(self, insecure: bool = False) -> dict[str, Any]:
        return {
            "verify": self.verify and not insecure,
            "ca_file": self.ca,
            "client_cert": self.cert,
            "client_key": self.key,
            "min_version": self.min_version,
            "max_version": self.max_version,
            "resumption": self.resumption,
        }

    def __repr__(self) -> str:
        return f"<horde.Tls verify={self.verify} ca={self.ca!r} cert={self.cert!r}>"


class Dns:
    """Name resolution.

    Names are resolved before the run and again every ``ttl`` while it runs; IPs and names in
    ``hosts`` are never looked up.

    Args:
        ttl: how long a resolution holds, e.g. ``"5m"``.
        select: which address a new connection takes: ``"first"``, ``"round_robin"`` (spread the
            connections over every address) or ``"random"``.
        policy: address families: ``"prefer_ipv4"``, ``"prefer_ipv6"``, ``"only_ipv4"``,
            ``"only_ipv6"`` or ``"any"`` (the resolver's order).
    """

    def __init__(self, *, ttl: float | str = "5m", select: str = "first", policy: str = "prefer_ipv4") -> None:
        self.ttl = seconds(ttl, "dns.ttl")
        if self.ttl <= 0:
            raise PlanError(f"dns.ttl must be > 0, got {ttl!r}", [("dns.ttl", f"must be > 0, got {ttl!r}")])
        self.select = _choice(select, _SELECT, "dns.select")
        self.policy = _choice(policy, _POLICY, "dns.policy")

    def _plan(self) -> dict[str, Any]:
        return {"ttl_s": self.ttl, "select": self.select, "policy": self.policy}

    def __repr__(self) -> str:
        return f"<horde.Dns ttl={self.ttl}s select={self.select} policy={self.policy}>"


def _hosts(hosts: Mapping[str, str | Sequence[str]] | None) -> dict[str, list[str]]:
    if hosts is None:
        return {}
    if not isinstance(hosts, Mapping):
        raise TypeError(f"hosts must map host names to addresses, e.g. {{'shop.test': '127.0.0.1'}}, got {hosts!r}")
    out: dict[str, list[str]] = {}
    for name, addrs in hosts.items():
        entries = [addrs] if isinstance(addrs, str) else list(addrs)
        if not isinstance(name, str) or not all(isinstance(a, str) for a in entries):
            raise TypeError(f"hosts: {name!r} → {addrs!r}; use a host name → an address or a list of them")
        out[name] = entries
    return out


def _compression(value: Sequence[str] | bool) -> list[str]:
    if value is True:
        return list(COMPRESSION)
    if value is False or value is None:
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    out = list(value)
    for coding in out:
        _choice(coding, COMPRESSION, "compression")
    return out


def http_options(
    *,
    timeout: float | str,
    connect_timeout: float | str,
    tls: Tls | None,
    insecure: bool,
    dns: Dns | None,
    hosts: Mapping[str, str | Sequence[str]] | None,
    cookies: str,
    max_redirects: int,
    connections: str,
    max_connections_per_host: int | None,
    compression: Sequence[str] | bool,
    expect_continue_timeout: float | str = "1s",
) -> dict[str, Any]:
    """The plan's ``options.http`` from a test's (or an attack's) arguments."""
    if tls is not None and not isinstance(tls, Tls):
        raise TypeError(f"tls must be h.Tls(...), got {tls!r}")
    if dns is not None and not isinstance(dns, Dns):
        raise TypeError(f"dns must be h.Dns(...), got {dns!r}")
    if not isinstance(insecure, bool):
        raise TypeError(f"insecure must be True or False, got {insecure!r}")
    if isinstance(max_redirects, bool) or not isinstance(max_redirects, int) or max_redirects < 0:
        raise PlanError(
            f"max_redirects must be a whole number ≥ 0, got {max_redirects!r}",
            [("max_redirects", f"must be a whole number ≥ 0, got {max_redirects!r}")],
        )
    if max_connections_per_host is not None and (
        isinstance(max_connections_per_host, bool)
        or not isinstance(max_connections_per_host, int)
        or max_connections_per_host < 1
    ):
        raise PlanError(
            f"max_connections_per_host must be a whole number ≥ 1, got {max_connections_per_host!r}",
            [("max_connections_per_host", f"must be a whole number ≥ 1, got {max_connections_per_host!r}")],
        )
    return {
        "timeout_s": seconds(timeout, "timeout"),
        "connect_timeout_s": seconds(connect_timeout, "connect_timeout"),
        "tls": (tls or Tls())._plan(insecure),
        "dns": (dns or Dns())._plan(),
        "hosts": _hosts(hosts),
        "cookies": _choice(cookies, _COOKIES, "cookies"),
        "max_redirects": max_redirects,
        "connections": _choice(connections, _CONNECTIONS, "connections"),
        "max_connections_per_host": max_connections_per_host,
        "compression": _compression(compression),
        "expect_continue_timeout_s": seconds(expect_continue_timeout, "expect_continue_timeout"),
    }
