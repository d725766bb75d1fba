//! A small web site on 127.0.0.1, over plain HTTP/1.1 or HTTPS (rustls), for the tests of the
//! client's state: cookies, redirects, connection reuse and pooling, TLS. Where the fault server
//! answers every request alike, this one answers by path (the routes are listed in [`routes`]),
//! remembers every request it served ([`Seen`]) so that tests can check what the engine really
//! sent, counts connections, and records the most it had open at once.
//!
//! Every response has a `Content-Length`, and the connection stays open until the client closes
//! it (or `/last` was asked for). A TLS handshake that fails ends with rustls's alert and a clean
//! close; bytes that are not a request get a `400` and a close, as from nginx. Connection threads
//! never panic on a client's behaviour: I/O and TLS errors end the connection quietly.

mod routes;

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// A client that stops reading, or a silent connection, cannot pin a thread for longer than this
/// (dropping the site ends its connections at once anyway).
const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a clean close waits for the client's FIN.
const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// Largest request head read.
const MAX_HEAD: usize = 64 * 1024;

/// The answer to bytes that are not an HTTP/1.1 request this site reads (a TLS ClientHello, say),
/// before it closes the connection, as nginx does.
const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// Connection threads only parse heads and copy small buffers (plus rustls's state).
const CONNECTION_STACK: usize = 512 * 1024;

/// A request the site served, in arrival order across connections.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Which connection it came on: 1 for the first accepted, and so on.
    pub connection: u64,
    pub method: String,
    /// The request target, as sent (path and query).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The path of the target, without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// A running site; dropping it stops it and ends every connection.
pub struct Site {
    addr: SocketAddr,
    scheme: &'static str,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

struct Shared {
    tls: Option<Arc<ServerConfig>>,
    stop: AtomicBool,
    seen: Mutex<Vec<Seen>>,
    connections: AtomicU64,
    open: AtomicU64,
    max_open: AtomicU64,
    failed_handshakes: AtomicU64,
    /// The connections being served, so that dropping the site can shut them down.
    live: Mutex<HashMap<u64, TcpStream>>,
}

impl Site {
    /// Plain HTTP on 127.0.0.1, a port chosen by the kernel.
    pub fn start() -> Site {
        Site::spawn(None)
    }

    /// HTTPS on 127.0.0.1 with this rustls configuration (see `Pki::server_config`).
    pub fn start_tls(config: Arc<ServerConfig>) -> Site {
        Site::spawn(Some(config))
    }

    fn spawn(tls: Option<Arc<ServerConfig>>) -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 for Site");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let shared = Arc::new(Shared {
            tls,
            stop: AtomicBool::new(false),
            seen: Mutex::new(Vec::new()),
            connections: AtomicU64::new(0),
            open: AtomicU64::new(0),
            max_open: AtomicU64::new(0),
            failed_handshakes: AtomicU64::new(0),
            live: Mutex::new(HashMap::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name("site-accept".into())
            .spawn(move || accept_loop(&listener, &accept_shared))
            .expect("spawn the Site accept thread");
        Site {
            addr,
            scheme,
            shared,
            accept_thread: Some(accept_thread),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http(s)://127.0.0.1:PORT` followed by `path` (a leading `/` is added if missing).
    pub fn url(&self, path: &str) -> String {
        self.url_as("127.0.0.1", path)
    }

    /// The same URL under another host name (route it here with `options.http.hosts`).
    pub fn url_as(&self, host: &str, path: &str) -> String {
        let slash = if path.starts_with('/') { "" } else { "/" };
        format!("{}://{host}:{}{slash}{path}", self.scheme, self.port())
    }

    /// Every request served so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.shared.seen).clone()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The most connections open at once so far (accepted and not yet closed by either side).
    pub fn max_open(&self) -> u64 {
        self.shared.max_open.load(Ordering::SeqCst)
    }

    /// TLS handshakes that failed on the server's side (a rejected client certificate, say).
    pub fn failed_handshakes(&self) -> u64 {
        self.shared.failed_handshakes.load(Ordering::SeqCst)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // accept() has no timeout; a connection of our own wakes it up to see the flag.
        let woken = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if let Some(accept_thread) = self.accept_thread.take() {
            if woken {
                let _ = accept_thread.join();
            }
        }
        // No connection is registered after the accept thread ended: end them all.
        for stream in lock(&self.shared.live).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// A poisoned lock only means that a test panicked; the data is still good.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            thread::sleep(Duration::from_millis(50));
            continue;
        };
        let Ok(handle) = stream.try_clone() else {
            continue;
        };
        let id = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let open = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_open.fetch_max(open, Ordering::SeqCst);
        lock(&shared.live).insert(id, handle);
        let connection_shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("site-conn".into())
            .stack_size(CONNECTION_STACK)
            .spawn(move || {
                serve(stream, id, &connection_shared);
                lock(&connection_shared.live).remove(&id);
                connection_shared.open.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            // The stream was moved into the failed closure and dropped: the client sees a close.
            lock(&shared.live).remove(&id);
            shared.open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn serve(stream: TcpStream, id: u64, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    if stream.set_read_timeout(Some(IO_TIMEOUT)).is_err()
        || stream.set_write_timeout(Some(IO_TIMEOUT)).is_err()
    {
        return;
    }
    let Some(config) = &shared.tls else {
        let mut stream = stream;
        if serve_requests(&mut stream, id, shared) != Ended::Gone {
            close_cleanly(stream);
        }
        return;
    };
    let Ok(session) = ServerConnection::new(Arc::clone(config)) else {
        return;
    };
    let mut tls = StreamOwned::new(session, stream);
    if !handshake(&mut tls.conn, &mut tls.sock, shared) {
        return close_cleanly(tls.sock);
    }
    if serve_requests(&mut tls, id, shared) == Ended::Closed {
        tls.conn.send_close_notify();
        if tls.flush().is_ok() {
            close_cleanly(tls.sock);
        }
    }
}

/// Runs the server's side of the TLS handshake; false if it failed. A failure is counted before
/// rustls's alert goes out, so that a client (and a test) that saw the alert sees the count too.
fn handshake(tls: &mut ServerConnection, sock: &mut TcpStream, shared: &Shared) -> bool {
    let flush = |tls: &mut ServerConnection, sock: &mut TcpStream| {
        while tls.wants_write() {
            if tls.write_tls(sock).is_err() {
                return false;
            }
        }
        true
    };
    while tls.is_handshaking() {
        if !flush(tls, sock) {
            return false;
        }
        if !tls.is_handshaking() {
            break;
        }
        match tls.read_tls(sock) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        if tls.process_new_packets().is_err() {
            shared.failed_handshakes.fetch_add(1, Ordering::SeqCst);
            // The alert that says why.
            flush(tls, sock);
            return false;
        }
    }
    // The server's last flight: its Finished (TLS 1.2) or session tickets (TLS 1.3).
    flush(tls, sock)
}

/// How a connection's requests ended.
#[derive(PartialEq, Eq)]
enum Ended {
    /// The client closed the connection, or it failed.
    Gone,
    /// The client sent something this site does not read; it was answered with [`BAD_REQUEST`].
    Refused,
    /// The route asked for the connection to be closed after its response.
    Closed,
}

/// What arrived on a connection.
enum Incoming {
    Request(Seen),
    Gone,
    /// Not a request this site reads: a malformed or oversized head, or a chunked body.
    Unreadable,
}

/// Answers requests on one connection until the client closes it or sends what the site does not
/// read.
fn serve_requests<S: Read + Write>(stream: &mut S, id: u64, shared: &Shared) -> Ended {
    let mut buffer = Vec::with_capacity(4096);
    loop {
        let seen = match read_request(stream, &mut buffer, id) {
            Incoming::Request(seen) => seen,
            Incoming::Gone => return Ended::Gone,
            Incoming::Unreadable => {
                let _ = stream.write_all(BAD_REQUEST).and_then(|()| stream.flush());
                return Ended::Refused;
            }
        };
        let answer = routes::answer(&seen);
        lock(&shared.seen).push(seen);
        if stream.write_all(&answer.bytes).is_err() || stream.flush().is_err() {
            return Ended::Gone;
        }
        if answer.then_close {
            return Ended::Closed;
        }
    }
}

/// Reads one request: its head and its `Content-Length` body.
fn read_request<S: Read>(stream: &mut S, buffer: &mut Vec<u8>, id: u64) -> Incoming {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut headers);
        let parsed = match request.parse(buffer) {
            Ok(parsed) => parsed,
            Err(_) => return Incoming::Unreadable,
        };
        match parsed {
            httparse::Status::Complete(head_len) => {
                let (Some(method), Some(target)) = (request.method, request.path) else {
                    return Incoming::Unreadable;
                };
                let mut seen = Seen {
                    connection: id,
                    method: method.to_string(),
                    target: target.to_string(),
                    headers: request
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_string(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect(),
                    body: Vec::new(),
                };
                let body_len = match seen.header("content-length").map(str::trim) {
                    _ if seen.header("transfer-encoding").is_some() => return Incoming::Unreadable,
                    None => 0,
                    Some(value) => match value.parse::<usize>() {
                        Ok(len) => len,
                        Err(_) => return Incoming::Unreadable,
                    },
                };
                buffer.drain(..head_len);
                while buffer.len() < body_len {
                    if fill(stream, buffer).is_none() {
                        return Incoming::Gone;
                    }
                }
                seen.body = buffer.drain(..body_len).collect();
                return Incoming::Request(seen);
            }
            httparse::Status::Partial if buffer.len() >= MAX_HEAD => return Incoming::Unreadable,
            httparse::Status::Partial => {
                if fill(stream, buffer).is_none() {
                    return Incoming::Gone;
                }
            }
        }
    }
}

/// Appends what the client sends next; `None` on EOF or an error.
fn fill<S: Read>(stream: &mut S, buffer: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(read) => {
                buffer.extend_from_slice(&chunk[..read]);
                return Some(());
            }
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Sends FIN, then reads until the client's FIN (bounded by [`CLOSE_LINGER`]): closing a socket
/// with unread input makes the kernel send RST, which could destroy the alert in flight.
fn close_cleanly(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let deadline = Instant::now() + CLOSE_LINGER;
    let mut sink = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}
