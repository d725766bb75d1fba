//! The fault-injecting HTTP/1.1 server: a small blocking server on 127.0.0.1 whose responses
//! follow a [`Behaviour`], so that integration tests can make the engine meet resets, stalls,
//! broken framing and coordinated omission on demand. This file owns the listener, the
//! per-connection threads and shutdown; `request` reads requests and `behaviour` says what is
//! written back. It checks nothing about the requests beyond their framing.
//!
//! Server threads never panic on a client's behaviour: I/O errors end the connection quietly.

mod behaviour;
mod request;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use behaviour::{cycle_hold, ok_response, Next};
pub use behaviour::{
    Behaviour, CONNECTION_CLOSE, GARBAGE_STATUS_LINE, OK_RESPONSE, RESET_MID_BODY_HEAD,
    RESET_MID_BODY_PARTIAL, TRUNCATED_CHUNKED,
};
use request::{is_timeout, read_head, skip_body, Incoming};

/// How often blocked connection threads look up to notice that the server was dropped.
const POLL: Duration = Duration::from_millis(50);

/// A client that stops reading cannot pin a connection thread for longer than this.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a clean close waits for the client's FIN (see [`close_cleanly`]).
const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// How long a resetting behaviour lets the client read what it wrote before the reset.
const RESET_PAUSE: Duration = Duration::from_millis(50);

/// Connection threads only parse heads and copy small buffers.
const CONNECTION_STACK: usize = 256 * 1024;

/// A running fault server; dropping it stops it.
pub struct FaultServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

/// What the accept thread and every connection thread see.
struct Shared {
    behaviour: Behaviour,
    /// `CycleStall` phases are measured from here.
    started: Instant,
    stop: AtomicBool,
    requests: AtomicU64,
    connections: AtomicU64,
}

impl FaultServer {
    /// Binds 127.0.0.1 on a free port and starts serving `behaviour` to every connection.
    pub fn start(behaviour: Behaviour) -> FaultServer {
        behaviour.validate();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 for FaultServer");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            behaviour,
            started: Instant::now(),
            stop: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name("fault-server-accept".into())
            .spawn(move || accept_loop(listener, &accept_shared))
            .expect("spawn the FaultServer accept thread");
        FaultServer {
            addr,
            shared,
            accept_thread: Some(accept_thread),
        }
    }

    /// The address the server listens on (127.0.0.1, a port chosen by the kernel).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path` (a leading `/` is added if missing).
    pub fn url(&self, path: &str) -> String {
        let slash = if path.starts_with('/') { "" } else { "/" };
        format!("http://{}{slash}{path}", self.addr)
    }

    /// Request heads handed to the behaviour so far (malformed requests are not counted).
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    /// Stops accepting and closes the listener. Connection threads are not waited for: each
    /// notices the stop flag within [`POLL`], also in the middle of a stall, and hangs up.
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // accept() has no timeout; a connection of our own wakes it up to see the flag.
        let woken = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if let Some(accept_thread) = self.accept_thread.take() {
            if woken {
                let _ = accept_thread.join();
            }
        }
    }
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sleeps for `duration` in [`POLL`] slices; false if the server stopped meanwhile.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        loop {
            if self.stopped() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            thread::sleep(POLL.min(deadline - now));
        }
    }
}

fn accept_loop(listener: TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopped() {
            return;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors or similar: back off instead of spinning.
            thread::sleep(POLL);
            continue;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let connection_shared = Arc::clone(shared);
        // Without a thread the connection is dropped, which the client sees as a close.
        let _ = thread::Builder::new()
            .name("fault-server-conn".into())
            .stack_size(CONNECTION_STACK)
            .spawn(move || serve(stream, &connection_shared));
    }
}

/// Serves one connection as the behaviour says.
fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    if stream.set_read_timeout(Some(POLL)).is_err()
        || stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_err()
    {
        return;
    }
    match shared.behaviour {
        // Dropped with whatever the client sent unread: a reset, once the server stops.
        Behaviour::Deaf => while shared.sleep(POLL) {},
        Behaviour::ResetOnFirstBytes => reset_on_first_bytes(stream, shared),
        _ => serve_requests(stream, shared),
    }
}

/// Serves requests on one connection until the behaviour closes it or the client goes away.
fn serve_requests(mut stream: TcpStream, shared: &Shared) {
    let mut buffer = Vec::with_capacity(4096);
    loop {
        let body_len = match read_head(&mut stream, &mut buffer, shared) {
            Incoming::Head { body_len } => body_len,
            Incoming::Gone => return,
            Incoming::Refuse(response) => {
                if stream.write_all(response).is_ok() {
                    close_cleanly(stream);
                }
                return;
            }
        };
        let arrived = Instant::now();
        let number = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let behaviour = shared.behaviour.resolve(number);
        if let Behaviour::AnswerBeforeBody { bytes, linger } = behaviour {
            if stream.write_all(bytes).is_ok() {
                if *linger {
                    close_cleanly(stream);
                } else {
                    reset(&stream, shared);
                }
            }
            return;
        }
        if !skip_body(&mut stream, &mut buffer, body_len, shared) {
            return;
        }
        match respond(behaviour, &mut stream, shared, arrived) {
            Ok(Next::KeepAlive) => {}
            Ok(Next::Close) => return close_cleanly(stream),
            Ok(Next::Abandon) | Err(_) => return,
        }
    }
}

/// Writes the answer of a leaf `behaviour` to a request whose head arrived at `arrived`.
fn respond(
    behaviour: &Behaviour,
    stream: &mut TcpStream,
    shared: &Shared,
    arrived: Instant,
) -> std::io::Result<Next> {
    let (bytes, next): (&[u8], Next) = match behaviour {
        Behaviour::Ok { status, body } => {
            stream.write_all(&ok_response(*status, body))?;
            return Ok(Next::KeepAlive);
        }
        Behaviour::Raw(bytes) => (bytes, Next::KeepAlive),
        Behaviour::RawThenClose(bytes) => (bytes, Next::Close),
        Behaviour::ResetMidBody => {
            stream.write_all(RESET_MID_BODY_HEAD)?;
            stream.write_all(&RESET_MID_BODY_PARTIAL)?;
            reset(stream, shared);
            return Ok(Next::Abandon);
        }
        Behaviour::RawThenReset(bytes) => {
            stream.write_all(bytes)?;
            reset(stream, shared);
            return Ok(Next::Abandon);
        }
        Behaviour::Trickle { bytes, interval } => {
            for byte in bytes {
                stream.write_all(std::slice::from_ref(byte))?;
                if !shared.sleep(*interval) {
                    return Ok(Next::Abandon);
                }
            }
            return Ok(Next::KeepAlive);
        }
        Behaviour::CloseWithoutResponse => (&[], Next::Close),
        Behaviour::Stall(duration) => {
            if !shared.sleep(*duration) {
                return Ok(Next::Abandon);
            }
            (OK_RESPONSE, Next::KeepAlive)
        }
        Behaviour::GarbageStatusLine => (GARBAGE_STATUS_LINE, Next::KeepAlive),
        Behaviour::TruncatedChunked => (TRUNCATED_CHUNKED, Next::Close),
        Behaviour::ConnectionClose => (CONNECTION_CLOSE, Next::Close),
        Behaviour::CycleStall { period, stall } => {
            let hold = cycle_hold(
                arrived.saturating_duration_since(shared.started),
                *period,
                *stall,
            );
            if !shared.sleep(hold) {
                return Ok(Next::Abandon);
            }
            (OK_RESPONSE, Next::KeepAlive)
        }
        Behaviour::Every { .. } => unreachable!("Behaviour::resolve returns a leaf"),
        Behaviour::AnswerBeforeBody { .. } | Behaviour::Deaf | Behaviour::ResetOnFirstBytes => {
            unreachable!("handled before the request's body is read")
        }
    };
    stream.write_all(bytes)?;
    Ok(next)
}

/// Pauses [`RESET_PAUSE`] so that the client can read what was written, then arms a reset: a zero
/// linger makes close() (when the stream is dropped) discard the socket with a RST, not a FIN.
fn reset(stream: &TcpStream, shared: &Shared) {
    shared.sleep(RESET_PAUSE);
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

/// Waits for the client's first bytes (a TLS ClientHello, say), then resets the connection.
fn reset_on_first_bytes(mut stream: TcpStream, shared: &Shared) {
    let mut first = [0u8; 1];
    loop {
        match stream.read(&mut first) {
            Ok(0) => return,
            Ok(_) => break,
            Err(error) if is_timeout(error.kind()) && !shared.stopped() => {}
            Err(_) => return,
        }
    }
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
}

/// Sends FIN, then reads until the client's FIN (bounded by [`CLOSE_LINGER`]): closing a socket
/// with unread input makes the kernel send RST, which could destroy the response in flight.
fn close_cleanly(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + CLOSE_LINGER;
    let mut sink = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) if is_timeout(error.kind()) => {}
            Err(_) => return,
        }
    }
}
