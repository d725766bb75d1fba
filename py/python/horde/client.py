"""The HTTP client's settings, shared by :class:`horde.Test` and :func:`horde.attack`.

HTTPS (``Tls``), name resolution (``Dns`` and ``hosts``), cookies, redirects, connections and
compression.

Example:
    >>> import horde as h
    >>> h.Tls(min_version="1.3")._plan()["min_version"]
    '1.3'
    >>> h.Dns(ttl="1m", select="round_robin")._plan()
    {'ttl_s': 60.0, 'select': 'round_robin'}
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from horde import _native
from horde._units import seconds
from horde.errors import PlanError
from horde.facts import renamed

__all__ = ["COMPRESSION", "Dns", "Tls", "http_options"]

#: The content codings horde offers and decodes by default in a ``Test``.
COMPRESSION = ("gzip", "deflate", "br")

# Plan fields whose Python argument is named otherwise (the `_s` of seconds aside).
_ARGUMENTS = {"tls.ca_file": "tls.ca", "tls.client_cert": "tls.cert", "tls.client_key": "tls.key"}


def check(http: Mapping[str, Any]) -> None:
    """Has the engine check HTTP client options (a part of ``options.http``).

    It reads the files they name; a PlanError names the argument (``tls.ca``, ``dns.ttl``).
    """
    try:
        _native.check_http(json.dumps(http))
    except PlanError as e:
        raise renamed(e, _ARGUMENTS) from None


def _path(path: object, name: str) -> str | None:
    """A file path as the plan takes it: absolute, so that it means the same wherever it runs."""
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path, got {path!r}")
    return os.path.abspath(os.fspath(path))


def _text(value: object, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r}")
    return value


def _sources(trust: str | Sequence[str] | None) -> list[str] | None:
    if trust is None:
        return None
    if isinstance(trust, str):
        return [trust]
    if not isinstance(trust, Sequence) or not all(isinstance(t, str) for t in trust):
        raise TypeError(f'tls.trust must be "bundled", "system" or a list of them, got {trust!r}')
    return list(trust)


def _addresses(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if not all(isinstance(v, str) for v in value):
        raise TypeError(f"source_addresses must be IPs or ranges as strings, got {value!r}")
    return list(value)


def _given(**fields: Any) -> dict[str, Any]:
    """The fields that were given: the others take the engine's defaults."""
    return {k: v for k, v in fields.items() if v is not None}


class Tls:
    """HTTPS settings.

    Certificates are verified against the CAs of ``trust`` plus ``ca``: by default Mozilla's
    roots (built in) and the system's store, which is ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when
    either is set (as for curl, OpenSSL and Go), else the operating system's. Turning
    verification off (``verify=False``, or ``insecure=True`` on the test) is an explicit opt-in
    that the summary flags. Arguments left out take the engine's defaults
    (``horde.DEFAULTS["options"]["http"]["tls"]``).

    Args:
        verify: check the server's certificate chain and host name.
        ca: PEM file of extra CA certificates to trust (a private CA, a test CA).
        trust: the other sources of trusted CAs, ``"bundled"`` (Mozilla's roots), ``"system"``
            (as above) or both (the default); ``trust=[]`` trusts only ``ca``.
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
        verify: bool | None = None,
        ca: str | os.PathLike[str] | None = None,
        trust: str | Sequence[str] | None = None,
        cert: str | os.PathLike[str] | None = None,
        key: str | os.PathLike[str] | None = None,
        min_version: str | None = None,
        max_version: str | None = None,
        resumption: str | None = None,
    ) -> None:
        if verify is not None and not isinstance(verify, bool):
            raise TypeError(f"tls.verify must be True or False, got {verify!r}")
        self._fields = _given(
            verify=verify,
            ca_file=_path(ca, "tls.ca"),
            trust=_sources(trust),
            client_cert=_path(cert, "tls.cert"),
            client_key=_path(key, "tls.key"),
            min_version=_text(min_version, "tls.min_version"),
            max_version=_text(max_version, "tls.max_version"),
            resumption=_text(resumption, "tls.resumption"),
        )
        check({"tls": self._fields})

    def _plan(self, insecure: bool = False) -> dict[str, Any]:
        return {**self._fields, "verify": False} if insecure else dict(self._fields)

    def __repr__(self) -> str:
        return f"<horde.Tls {self._fields}>"


class Dns:
    """Name resolution.

    Names are resolved before the run and again every ``ttl`` while it runs; IPs and names in
    ``hosts`` are never looked up. Arguments left out take the engine's defaults
    (``horde.DEFAULTS["options"]["http"]["dns"]``).

    Args:
        ttl: how long a resolution holds, e.g. ``"5m"``.
        select: which address a new connection takes: ``"first"``, ``"round_robin"`` (spread the
            connections over every address) or ``"random"``.
        policy: address families: ``"prefer_ipv4"``, ``"prefer_ipv6"``, ``"only_ipv4"``,
            ``"only_ipv6"`` or ``"any"`` (the resolver's order).
    """

    def __init__(self, *, ttl: float | str | None = None, select: str | None = None, policy: str | None = None) -> None:
        self._fields = _given(
            ttl_s=None if ttl is None else seconds(ttl, "dns.ttl"),
            select=_text(select, "dns.select"),
            policy=_text(policy, "dns.policy"),
        )
        check({"dns": self._fields})

    def _plan(self) -> dict[str, Any]:
        return dict(self._fields)

    def __repr__(self) -> str:
        return f"<horde.Dns {self._fields}>"


def _hosts(hosts: Mapping[str, str | Sequence[str]] | None) -> dict[str, list[str]] | None:
    if hosts is None:
        return None
    if not isinstance(hosts, Mapping):
        raise TypeError(f"hosts must map host names to addresses, e.g. {{'shop.test': '127.0.0.1'}}, got {hosts!r}")
    out: dict[str, list[str]] = {}
    for name, addrs in hosts.items():
        entries = [addrs] if isinstance(addrs, str) else list(addrs)
        if not isinstance(name, str) or not all(isinstance(a, str) for a in entries):
            raise TypeError(f"hosts: {name!r} → {addrs!r}; use a host name → an address or a list of them")
        out[name] = entries
    return out


def _compression(value: Sequence[str] | bool | None) -> list[str] | None:
    if value is True:
        return list(COMPRESSION)
    if value is False:
        return []
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def _whole(value: object, name: str) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, int) and value < 0:
        raise PlanError(f"{name}: must be a whole number ≥ 0, got {value}", [(name, f"must be ≥ 0, got {value}")])
    return value


def http_options(
    *,
    timeout: float | str | None = None,
    connect_timeout: float | str | None = None,
    tls: Tls | None = None,
    insecure: bool = False,
    dns: Dns | None = None,
    hosts: Mapping[str, str | Sequence[str]] | None = None,
    cookies: str | None = None,
    max_redirects: int | None = None,
    connections: str | None = None,
    max_connections_per_host: int | None = None,
    compression: Sequence[str] | bool | None = None,
    expect_continue_timeout: float | str | None = None,
    source_addresses: str | Sequence[str] | None = None,
    checked: bool = True,
) -> dict[str, Any]:
    """The plan's ``options.http`` from a test's (or an attack's) arguments.

    Those left out take the engine's defaults. With ``checked``, the engine checks them now (a
    PlanError names the argument); otherwise they are checked with the whole plan.
    """
    if tls is not None and not isinstance(tls, Tls):
        raise TypeError(f"tls must be h.Tls(...), got {tls!r}")
    if dns is not None and not isinstance(dns, Dns):
        raise TypeError(f"dns must be h.Dns(...), got {dns!r}")
    if not isinstance(insecure, bool):
        raise TypeError(f"insecure must be True or False, got {insecure!r}")
    tls_plan = (tls or Tls())._plan(insecure) if tls is not None or insecure else None
    http = _given(
        timeout_s=None if timeout is None else seconds(timeout, "timeout"),
        connect_timeout_s=None if connect_timeout is None else seconds(connect_timeout, "connect_timeout"),
        tls=tls_plan,
        dns=dns._plan() if dns is not None else None,
        hosts=_hosts(hosts),
        cookies=_text(cookies, "cookies"),
        max_redirects=_whole(max_redirects, "max_redirects"),
        connections=_text(connections, "connections"),
        max_connections_per_host=_whole(max_connections_per_host, "max_connections_per_host"),
        compression=_compression(compression),
        expect_continue_timeout_s=(
            None if expect_continue_timeout is None else seconds(expect_continue_timeout, "expect_continue_timeout")
        ),
        source_addresses=_addresses(source_addresses),
    )
    if checked:
        check(http)
    return http
