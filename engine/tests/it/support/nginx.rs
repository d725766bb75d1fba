//! Starts a real nginx on 127.0.0.1 for integration tests: its config, files, logs and temp
//! paths live in a fresh temp dir, it runs as one foreground process, and it is killed on drop.
//! This module owns the locations tests may rely on; it does not tune nginx for benchmarks.
//!
//! Locations (any other path is nginx's own 404):
//! - `/` → `200`, `Content-Length: 3`, body `ok\n`
//! - `/big` → `200`, a static file of exactly [`BIG_LEN`] bytes (`x`), with Content-Length
//! - `/chunked` → `200`, `Transfer-Encoding: chunked`, body `chunked\n` — `sub_filter` rewrites
//!   `return`'s body, so nginx no longer knows its length and has to send it chunked
//! - `/204` → `204 No Content`, no body
//! - `/close` → `200`, body `ok\n`, then `Connection: close` (`keepalive_timeout 0`)
//! - `/redirect` → `302`, `Location: /` (relative: `absolute_redirect off`)
//!
//! Like any nginx it closes a keep-alive connection after 1000 requests (`keepalive_requests`).

use std::ffi::OsString;
use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Where Debian's nginx-light installs nginx; `HORDE_NGINX` overrides it.
const DEFAULT_BINARY: &str = "/usr/sbin/nginx";

/// The exact size of the `/big` file: 1 MiB.
pub const BIG_LEN: usize = 1 << 20;

/// How long nginx may take to accept connections after it was spawned.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// The port is chosen before nginx binds it, so another process may take it first.
const BIND_ATTEMPTS: u32 = 5;

/// A running nginx; dropping it kills nginx and removes its directory.
pub struct Nginx {
    child: Child,
    port: u16,
    /// Kept for its drop, which removes the directory.
    _dir: TempDir,
}

impl Nginx {
    /// Starts the nginx named by `HORDE_NGINX`, or `/usr/sbin/nginx`; see [`Nginx::start_with`].
    pub fn start() -> Nginx {
        let binary = std::env::var_os("HORDE_NGINX")
            .filter(|value| !value.is_empty())
            .unwrap_or_else(|| OsString::from(DEFAULT_BINARY));
        Nginx::start_with(Path::new(&binary))
    }

    /// Starts `binary` and returns once it accepts connections. Panics with nginx's own error
    /// output if it does not within 5 s, and with an install hint if `binary` does not exist.
    pub fn start_with(binary: &Path) -> Nginx {
        assert!(
            binary.is_file(),
            "nginx not found at {} (install Debian's nginx-light or set HORDE_NGINX)",
            binary.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("horde-nginx-")
            .tempdir()
            .expect("create a temp dir for nginx");
        fs::write(dir.path().join("big"), vec![b'x'; BIG_LEN]).expect("write nginx's /big file");
        for attempt in 1..=BIND_ATTEMPTS {
            let port = free_port();
            match spawn(binary, dir.path(), port) {
                Ok(child) => {
                    return Nginx {
                        child,
                        port,
                        _dir: dir,
                    }
                }
                Err(log) if log.contains("Address already in use") && attempt < BIND_ATTEMPTS => {}
                Err(log) => panic!(
                    "nginx ({}) did not accept connections on 127.0.0.1:{port}; its output:\n{log}",
                    binary.display()
                ),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// `http://127.0.0.1:PORT` followed by `path` (a leading `/` is added if missing).
    pub fn url(&self, path: &str) -> String {
        let slash = if path.starts_with('/') { "" } else { "/" };
        format!("http://{}{slash}{path}", self.addr())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // Single-process nginx (`master_process off`) has no workers that could outlive it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 to find a free port");
    listener
        .local_addr()
        .expect("a bound listener has an address")
        .port()
}

/// Writes the config for `port`, runs nginx and waits until it accepts connections. On failure
/// nginx is gone and the error is its stderr and error log.
fn spawn(binary: &Path, dir: &Path, port: u16) -> Result<Child, String> {
    let config = dir.join("nginx.conf");
    let error_log = dir.join("error.log");
    let stderr_log = dir.join("stderr.log");
    fs::write(&config, config_text(dir, port)).expect("write nginx.conf");
    let _ = fs::remove_file(&error_log);
    let stderr = File::create(&stderr_log).expect("create nginx's stderr.log");
    let mut child = Command::new(binary)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&config)
        // Errors before the config is read (a bad config, say) go here instead of the default log.
        .arg("-e")
        .arg(&error_log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run nginx at {}: {error}", binary.display()));
    if accepts_connections(&mut child, port) {
        return Ok(child);
    }
    let _ = child.kill();
    let _ = child.wait();
    let read = |path: &Path| fs::read_to_string(path).unwrap_or_default();
    Err(format!("{}{}", read(&stderr_log), read(&error_log)))
}

/// Polls the port until it accepts, nginx exits, or [`START_TIMEOUT`] passes.
fn accepts_connections(child: &mut Child, port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + START_TIMEOUT;
    while Instant::now() < deadline {
        if !matches!(child.try_wait(), Ok(None)) {
            return false;
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

/// nginx's config: one foreground process, everything it writes inside `dir`.
fn config_text(dir: &Path, port: u16) -> String {
    let dir = dir.display();
    format!(
        r#"# Written by horde's integration tests (engine/tests/it/support/nginx.rs).
daemon off;
# One process that stays the spawned child: kill() stops all of nginx, and it runs as the
# invoking user, so it can read the temp dir whatever its permissions.
master_process off;
worker_processes 1;
error_log "{dir}/error.log" warn;
pid "{dir}/nginx.pid";

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    default_type text/plain;
    client_body_temp_path "{dir}/client_body_temp";
    proxy_temp_path "{dir}/proxy_temp";
    fastcgi_temp_path "{dir}/fastcgi_temp";
    uwsgi_temp_path "{dir}/uwsgi_temp";
    scgi_temp_path "{dir}/scgi_temp";

    server {{
        listen 127.0.0.1:{port};
        root "{dir}/html";

        location = / {{
            return 200 "ok\n";
        }}
        location = /big {{
            alias "{dir}/big";
        }}
        # The body filter changes the body's length, so nginx drops Content-Length and chunks.
        location = /chunked {{
            sub_filter_types *;
            sub_filter "chunk-me" "chunked";
            return 200 "chunk-me\n";
        }}
        location = /204 {{
            return 204;
        }}
        location = /close {{
            keepalive_timeout 0;
            return 200 "ok\n";
        }}
        # A relative Location, independent of the Host header the client sent.
        location = /redirect {{
            absolute_redirect off;
            return 302 /;
        }}
    }}
}}
"#
    )
}
