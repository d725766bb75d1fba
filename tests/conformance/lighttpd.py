"""The conformance endpoints on a throwaway lighttpd (Debian lighttpd, lighttpd-mod-openssl, lighttpd-mod-deflate).

Static files and mod_redirect serve most endpoints; the dynamic ones (/echo, /chunked, /cookie/echo, /empty) are
/bin/sh CGI scripts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .content import COOKIE, write_static
from .process import ServerProcess

LIGHTTPD = os.environ.get("HORDE_LIGHTTPD", shutil.which("lighttpd") or "/usr/sbin/lighttpd")
MODULES = Path("/usr/lib/lighttpd")

_CONF = """
server.modules = ("mod_redirect", "mod_setenv", "mod_deflate", "mod_cgi", "mod_openssl")
server.document-root = "{dir}/www"
server.bind = "{bind}"
server.port = {port}
server.errorlog = "{dir}/error.log"
server.upload-dirs = ("{dir}")
server.max-keep-alive-idle = 75
server.max-keep-alive-requests = 1000000
# HTTP/1.1 only, also over TLS (lighttpd would otherwise offer h2 by ALPN).
server.feature-flags = ("server.h2proto" => "disable")
mimetype.assign = ("" => "text/plain")
index-file.names = ()
{tls}
url.redirect-code = 302
url.redirect = (
    "^/redirect$" => "/hello",
    "^/redirect/abs$" => "${{url.scheme}}://${{url.authority}}/hello",
    "^/loop$" => "/loop2",
    "^/loop2$" => "/loop",
)
$HTTP["url"] =~ "^/(echo|chunked|empty|cookie/echo)$" {{
    cgi.assign = ("" => "/bin/sh")
}}
# Send /chunked as the script produces it; other CGI responses are buffered whole and get a Content-Length.
$HTTP["url"] == "/chunked" {{
    server.stream-response-body = 2
}}
$HTTP["url"] == "/large" {{
    mimetype.assign = ("" => "application/octet-stream")
}}
$HTTP["url"] == "/cookie/set" {{
    setenv.add-response-header = ("Set-Cookie" => "{cookie}")
}}
$HTTP["url"] == "/close" {{
    server.max-keep-alive-requests = 0
}}
$HTTP["url"] == "/gzip" {{
    deflate.mimetypes = ("text/plain")
    deflate.allowed-encodings = ("gzip")
}}
"""

# CGI scripts, run by /bin/sh. lighttpd frames a CGI response with Content-Length when the script has already exited
# by the time the headers go out, so /chunked pauses after its headers to be sent chunked.
_SCRIPTS = {
    "echo": "printf 'Content-Type: application/json\\r\\n\\r\\n'\nexec cat\n",
    "chunked": (
        "printf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
        "sleep 0.05\n"
        "i=1\n"
        "while [ $i -le 100 ]; do printf 'line %d\\n' $i; i=$((i + 1)); done\n"
        "printf 'end\\n'\n"
    ),
    "cookie/echo": "printf 'Content-Type: text/plain\\r\\n\\r\\ncookie: %s\\n' \"$HTTP_COOKIE\"\n",
    "empty": "printf 'Status: 204\\r\\n\\r\\n'\n",
}

# URL path → the static file (from content.write_static) it serves.
_STATIC = {"hello": "hello.txt", "large": "large.bin", "gzip": "gzip.txt", "cookie/set": "set.txt", "close": "bye.txt"}


class Lighttpd(ServerProcess):
    """lighttpd in the foreground (`-D`) serving the conformance endpoints; `Lighttpd().start(pki)` for TLS."""

    name = "lighttpd"

    def _prepare(self, directory: Path) -> list[str]:
        if not Path(LIGHTTPD).exists():
            raise RuntimeError(f"lighttpd not found at {LIGHTTPD} (install Debian's lighttpd or set HORDE_LIGHTTPD)")
        for module, package in (("mod_openssl", "lighttpd-mod-openssl"), ("mod_deflate", "lighttpd-mod-deflate")):
            if not (MODULES / f"{module}.so").exists():
                raise RuntimeError(f"{MODULES}/{module}.so not found (install Debian's {package})")
        files = directory / "files"
        write_static(files)
        www = directory / "www"
        for path, name in _STATIC.items():
            (www / path).parent.mkdir(parents=True, exist_ok=True)
            (www / path).symlink_to(files / name)
        for path, script in _SCRIPTS.items():
            (www / path).write_text(script)
        tls = ""
        if self.tls is not None:
            tls = "\n".join(
                [
                    'ssl.engine = "enable"',
                    f'ssl.pemfile = "{self.tls.server_chain}"',
                    f'ssl.privkey = "{self.tls.server_key}"',
                ]
            )
        config = _CONF.format(
            dir=directory,
            bind=f"[{self.host}]" if ":" in self.host else self.host,
            port=self.port,
            tls=tls,
            cookie=COOKIE,
        )
        (directory / "lighttpd.conf").write_text(config)
        return [LIGHTTPD, "-D", "-f", str(directory / "lighttpd.conf")]

    def _log_files(self) -> list[Path]:
        assert self.dir is not None
        return [self.dir / "error.log"]
