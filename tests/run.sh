#!/usr/bin/env bash
# horde's test command. From a fresh clone it installs what the tests need (Debian packages,
# a Python virtualenv with horde built from this checkout), then runs every check:
# Rust format, lints and tests; Python lint, type stubs and tests.
#
#   tests/run.sh
#
# Test servers (nginx, lighttpd, uvicorn, InfluxDB, Prometheus, and the test suites' own fault
# servers) are started by the tests themselves on 127.0.0.1 with their own configuration;
# nothing runs as a system service. TLS certificates are made at test time (trustme).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV=${HORDE_VENV:-$ROOT/.venv}
step() { printf '\n== %s\n' "$*"; }

step "Debian packages"
missing=()
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx-light)
# The conformance servers: nginx's echo module, lighttpd with TLS and compression.
[ -e /usr/lib/nginx/modules/ngx_http_echo_module.so ] || missing+=(libnginx-mod-http-echo)
[ -x /usr/sbin/lighttpd ] || missing+=(lighttpd)
[ -e /usr/lib/lighttpd/mod_openssl.so ] || missing+=(lighttpd-mod-openssl)
[ -e /usr/lib/lighttpd/mod_deflate.so ] || missing+=(lighttpd-mod-deflate)
command -v chromium >/dev/null || missing+=(chromium)       # renders the HTML report in a test
command -v influxd >/dev/null || missing+=(influxdb)        # the InfluxDB output's test server
command -v prometheus >/dev/null || missing+=(prometheus)   # the Prometheus output's test server
command -v taskset >/dev/null || missing+=(util-linux)
command -v ip >/dev/null || missing+=(iproute2)               # network namespaces with a small port range
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    # Keep the package's own service from starting: the tests start nginx themselves.
    created_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
        $SUDO chmod +x /usr/sbin/policy-rc.d
        created_policy=1
    fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    [ "$created_policy" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d
fi
echo "nginx: $(/usr/sbin/nginx -v 2>&1), lighttpd: $(/usr/sbin/lighttpd -v 2>&1 | head -1)"
echo "chromium: $(command -v chromium), influxd: $(command -v influxd), prometheus: $(command -v prometheus)"

step "Python environment ($VENV) with horde built from this checkout"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# One build: the wheel `pip install .` would make, kept so that a test can install it alone in a
# fresh virtualenv (the base install, no extras); this environment gets it with the dev extras.
WHEELS="$ROOT/target/wheels"
rm -f "$WHEELS"/horde-*.whl
"$VENV/bin/python" -m pip wheel -q --no-deps -w "$WHEELS" .
HORDE_WHEEL=$(ls "$WHEELS"/horde-*.whl)
export HORDE_WHEEL
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$HORDE_WHEEL"
"$VENV/bin/python" -m pip install -q "$HORDE_WHEEL[dev]"

step "Rust: format, lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

step "Rust: unit, property and integration tests (engine)"
cargo test --release -p horde-engine

step "Rust: fuzz targets (engine/fuzz, its own workspace): format, lints, build, a smoke run"
# The engine's fuzzing entry points only build with the feature; the fuzz crate is linted by its
# own script. Then every target runs a few seconds on its seed corpus: a crash fails the step.
cargo clippy -p horde-engine --lib --features fuzzing -- -D warnings
cargo fmt --manifest-path engine/fuzz/Cargo.toml --all --check
engine/fuzz/run.sh build   # with -Dwarnings; `run.sh lint` adds clippy (a second full build, so not here)
engine/fuzz/run.sh smoke 5

step "Python: lint, format, type stubs"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/python" -m mypy py/python/horde tests
"$VENV/bin/python" -m mypy.stubtest horde._native

step "Python: API and CLI tests"
"$VENV/bin/python" -m pytest tests

echo
echo "all checks passed"
