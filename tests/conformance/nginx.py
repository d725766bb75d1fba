"""The conformance endpoints on a throwaway nginx (Debian nginx-light + libnginx-mod-http-echo), plain or TLS.

TLS can be made to misbehave for the bad-TLS tests: another certificate (expired, wrong name, untrusted CA), a single
protocol version, or a required client certificate.
"""

from __future__ import annotations

import os
from pathlib import Path

from .content import CHUNKED_LINES, COOKIE, write_static
from .process import ServerProcess, authority

NGINX = os.environ.get("HORDE_NGINX", "/usr/sbin/nginx")
ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so"

_CONF = """
daemon off;
master_process off;
worker_processes 1;
load_module {echo_module};
error_log {dir}/error.log info;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    types {{ }}
    default_type text/plain;
    keepalive_requests 1000000;
    # Location: /hello stays relative; nginx would otherwise make it absolute.
    absolute_redirect off;
    # /echo answers from the body in memory: keep any body up to 16 MiB in one buffer, never in a temp file.
    client_max_body_size 16m;
    client_body_buffer_size 16m;
    client_body_in_single_buffer on;
    server {{
        listen {listen};
        {tls}
        root {dir}/www;
        location = /hello {{ return 200 "hello\\n"; }}
        location = /echo {{
            default_type application/json;
            echo_read_request_body;
            echo_request_body;
        }}
        location = /chunked {{
            {chunked}
        }}
        location = /large {{ default_type application/octet-stream; alias {dir}/www/large.bin; }}
        location = /redirect {{ return 302 /hello; }}
        location = /redirect/abs {{ return 302 $scheme://$http_host/hello; }}
        location = /loop {{ return 302 /loop2; }}
        location = /loop2 {{ return 302 /loop; }}
        location = /cookie/set {{ add_header Set-Cookie "{cookie}"; return 200 "set\\n"; }}
        location = /cookie/echo {{ return 200 "cookie: $http_cookie\\n"; }}
        location = /empty {{ return 204; }}
        location = /close {{ keepalive_timeout 0; return 200 "bye\\n"; }}
        location = /gzip {{
            gzip on;
            gzip_types text/plain;
            gzip_min_length 0;
            gzip_vary on;
            alias {dir}/www/gzip.txt;
        }}
    }}
}}
"""


class Nginx(ServerProcess):
    """nginx serving the conformance endpoints; `Nginx().start(pki)` for TLS with the good certificate.

    Args:
        cert: the Pki server identity presented over TLS: server, intermediate, expired, wrong_name, untrusted.
        protocols: nginx's `ssl_protocols`, e.g. "TLSv1.2" or "TLSv1.3".
        verify_client: "on" or "optional" to ask for a client certificate signed by the test CA; nginx still
            completes the handshake without one and answers 400 (`on`) or serves the request (`optional`).
    """

    name = "nginx"

    def __init__(self, cert: str = "server", protocols: str = "TLSv1.2 TLSv1.3", verify_client: str = "off") -> None:
        super().__init__()
        if verify_client not in ("off", "on", "optional"):
            raise ValueError(f"verify_client must be off, on or optional, not {verify_client!r}")
        self.cert, self.protocols, self.verify_client = cert, protocols, verify_client

    def _prepare(self, directory: Path) -> list[str]:
        if not Path(NGINX).exists():
            raise RuntimeError(f"nginx not found at {NGINX} (install Debian's nginx-light or set HORDE_NGINX)")
        if not Path(ECHO_MODULE).exists():
            raise RuntimeError(f"{ECHO_MODULE} not found (install Debian's libnginx-mod-http-echo)")
        write_static(directory / "www")
        listen = authority(self.host, self.port)
        tls = ""
        if self.tls is not None:
            listen += " ssl"
            chain, key = self.tls.server_identity(self.cert)
            tls = f"ssl_certificate {chain}; ssl_certificate_key {key}; ssl_protocols {self.protocols};"
            if self.verify_client != "off":
                tls += f" ssl_verify_client {self.verify_client}; ssl_client_certificate {self.tls.ca};"
        # One `echo` per line (echo adds the newline).
        chunked = "\n            ".join(f'echo "{line.decode().rstrip()}";' for line in CHUNKED_LINES)
        config = _CONF.format(
            dir=directory,
            echo_module=ECHO_MODULE,
            listen=listen,
            tls=tls,
            cookie=COOKIE,
            chunked=chunked,
        )
        (directory / "nginx.conf").write_text(config)
        return [NGINX, "-p", str(directory), "-c", str(directory / "nginx.conf"), "-e", str(directory / "error.log")]

    def _log_files(self) -> list[Path]:
        assert self.dir is not None
        return [self.dir / "error.log"]
