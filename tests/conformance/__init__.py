"""Real HTTP/1.1 servers answering the same endpoints, plain or over TLS, for horde's conformance tests.

    with Nginx().start(tls=pki) as server:
        http.client.HTTPSConnection(server.host, server.port, context=ctx).request("GET", "/hello")

Endpoints (identical status and body on every server; see content.py):
GET /hello, POST /echo, GET /chunked, GET|HEAD /large, GET /redirect, /redirect/abs, /loop, /loop2,
GET /cookie/set, /cookie/echo, GET /empty, GET /close, GET /gzip.
"""

from .client_cert_server import ClientCertServer
from .lighttpd import Lighttpd
from .nginx import Nginx
from .process import ServerProcess, authority, free_port
from .uvicorn_server import Uvicorn

__all__ = ["ClientCertServer", "Lighttpd", "Nginx", "ServerProcess", "Uvicorn", "authority", "free_port"]
