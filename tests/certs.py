"""A throwaway PKI for the TLS tests: a trusted test CA, the server and client identities it signs, and bad ones.

Everything is generated with `trustme` (ECDSA P-256 keys) and written as PEM files into one directory; the
attributes are the files' paths as strings, ready for nginx, lighttpd, uvicorn, `ssl` or horde itself.

    pki = Pki(tmp_path)
    ctx = ssl.create_default_context(cafile=pki.ca)

Leaves are never CAs (webpki refuses a CA certificate as an end-entity) and carry the serverAuth and clientAuth
extended key usages, as trustme issues them.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import trustme

#: The names and addresses the good server certificate is valid for.
SERVER_IDENTITIES = ("localhost", "127.0.0.1", "::1", "shop.test")
#: The only name the wrong-name certificate is valid for.
WRONG_NAME = "other.test"
#: Client certificates name a mailbox, as trustme writes identities with an "@" as an rfc822Name.
CLIENT_IDENTITY = "client@horde.test"


class Pki:
    """A test CA and every identity the TLS tests need, as PEM files in `directory`.

    Attributes (paths as `str`):
        ca: the trusted test CA; give it to clients (and to servers checking client certificates).
        server_cert, server_key: valid for `SERVER_IDENTITIES`, signed by `ca`.
        server_chain: the server certificate followed by its chain (here the leaf alone, as `ca` signs it directly).
        server_combined: `server_chain` then `server_key` in one file, for servers that want one PEM.
        intermediate_cert, intermediate_chain, intermediate_key: valid for `SERVER_IDENTITIES`, signed by an
            intermediate CA under `ca`; the chain file holds the leaf then the intermediate, so a client must use the
            chain the server sends.
        expired_cert, expired_key: valid for `SERVER_IDENTITIES`, signed by `ca`, expired a day ago.
        wrong_name_cert, wrong_name_key: signed by `ca`, valid only for `WRONG_NAME`.
        untrusted_ca: a second CA, never given to clients.
        untrusted_cert, untrusted_key: valid for `SERVER_IDENTITIES`, signed by `untrusted_ca`.
        client_cert, client_key, client_combined: a client identity (clientAuth) signed by `ca`.
        untrusted_client_cert, untrusted_client_key: a client identity signed by `untrusted_ca`.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)

        ca = trustme.CA(organization_name="horde test CA")
        other_ca = trustme.CA(organization_name="horde untrusted CA")
        intermediate = ca.create_child_ca()
        self.ca = self._write("ca.pem", ca.cert_pem.bytes())
        self.untrusted_ca = self._write("untrusted-ca.pem", other_ca.cert_pem.bytes())

        server = ca.issue_cert(*SERVER_IDENTITIES)
        self.server_cert, self.server_key = self._leaf("server", server)
        self.server_chain = self._write("server-chain.pem", _chain(server))
        self.server_combined = self._write("server-combined.pem", _chain(server) + server.private_key_pem.bytes())

        chained = intermediate.issue_cert(*SERVER_IDENTITIES)
        self.intermediate_cert, self.intermediate_key = self._leaf("intermediate", chained)
        self.intermediate_chain = self._write("intermediate-chain.pem", _chain(chained))

        expired = ca.issue_cert(
            *SERVER_IDENTITIES, not_before=now - datetime.timedelta(days=30), not_after=now - datetime.timedelta(days=1)
        )
        self.expired_cert, self.expired_key = self._leaf("expired", expired)
        self.wrong_name_cert, self.wrong_name_key = self._leaf("wrong-name", ca.issue_cert(WRONG_NAME))
        self.untrusted_cert, self.untrusted_key = self._leaf("untrusted", other_ca.issue_cert(*SERVER_IDENTITIES))

        client = ca.issue_cert(CLIENT_IDENTITY, common_name="horde test client")
        self.client_cert, self.client_key = self._leaf("client", client)
        self.client_combined = self._write("client-combined.pem", _chain(client) + client.private_key_pem.bytes())
        self.untrusted_client_cert, self.untrusted_client_key = self._leaf(
            "untrusted-client", other_ca.issue_cert(CLIENT_IDENTITY, common_name="horde untrusted client")
        )

    def server_identity(self, name: str) -> tuple[str, str]:
        """The (certificate chain, key) files of a server identity: server, intermediate, expired, wrong_name,
        untrusted."""
        pairs = {
            "server": (self.server_chain, self.server_key),
            "intermediate": (self.intermediate_chain, self.intermediate_key),
            "expired": (self.expired_cert, self.expired_key),
            "wrong_name": (self.wrong_name_cert, self.wrong_name_key),
            "untrusted": (self.untrusted_cert, self.untrusted_key),
        }
        if name not in pairs:
            raise ValueError(f"unknown server identity {name!r}; expected one of {', '.join(pairs)}")
        return pairs[name]

    def _leaf(self, stem: str, leaf: trustme.LeafCert) -> tuple[str, str]:
        cert = self._write(f"{stem}.pem", leaf.cert_chain_pems[0].bytes())
        key = self._write(f"{stem}.key", leaf.private_key_pem.bytes())
        return cert, key

    def _write(self, name: str, data: bytes) -> str:
        path = self.directory / name
        path.write_bytes(data)
        if name.endswith(".key") or "combined" in name:
            path.chmod(0o600)
        return str(path)


def _chain(leaf: trustme.LeafCert) -> bytes:
    """The leaf certificate followed by the intermediates that lead to its root (not the root itself)."""
    return b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
