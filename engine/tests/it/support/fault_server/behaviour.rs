//! What the fault server answers: the [`Behaviour`] enum and the exact bytes each variant writes.
//! Reading requests and managing connections live in the parent module.

use std::time::Duration;

/// The response to a request arriving while the server is stalled (`Stall`, `CycleStall`).
pub const OK_RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// What `GarbageStatusLine` writes: a well-framed response whose protocol name is misspelt.
pub const GARBAGE_STATUS_LINE: &[u8] = b"HTXP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// What `TruncatedChunked` writes before closing: one whole chunk, then half of the next.
pub const TRUNCATED_CHUNKED: &[u8] =
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nwo";

/// What `ConnectionClose` writes before closing.
pub const CONNECTION_CLOSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

/// The head `ResetMidBody` writes: it promises 1000 body bytes…
pub const RESET_MID_BODY_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";

/// …of which only these 100 (`x`) are sent before the reset.
pub const RESET_MID_BODY_PARTIAL: [u8; 100] = [b'x'; 100];

/// How one request is answered. Unless a variant says otherwise the connection stays open for
/// the next request (keep-alive); "close" means a clean FIN after the bytes, never a reset.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// `HTTP/1.1 {status} {reason}\r\nContent-Length: {len}\r\n\r\n{body}`. Statuses that cannot
    /// carry a body (1xx, 204, 304) are sent as `HTTP/1.1 {status} {reason}\r\n\r\n` and `body`
    /// must be empty (checked when the server starts).
    Ok { status: u16, body: Vec<u8> },
    /// Exactly these bytes, for every request; the connection stays open, so tests can craft any
    /// framing (chunked with trailers, a 204 followed by body-looking bytes, bad chunk sizes…).
    Raw(Vec<u8>),
    /// Exactly these bytes, then close (close-delimited bodies, truncated responses).
    RawThenClose(Vec<u8>),
    /// [`RESET_MID_BODY_HEAD`] (`Content-Length: 1000`) and the 100 bytes of
    /// [`RESET_MID_BODY_PARTIAL`], a 50 ms pause so the client can read them, then a reset
    /// (SO_LINGER 0 and close, so the kernel sends RST instead of FIN).
    ResetMidBody,
    /// Nothing at all: the request is read, then the connection is closed.
    CloseWithoutResponse,
    /// Waits this long (other connections are not held up), then sends [`OK_RESPONSE`].
    Stall(Duration),
    /// [`GARBAGE_STATUS_LINE`]: `HTXP/1.1 200 OK`, otherwise well framed; connection kept open.
    GarbageStatusLine,
    /// [`TRUNCATED_CHUNKED`]: a chunked head, one chunk, half of the next, then close.
    TruncatedChunked,
    /// [`CONNECTION_CLOSE`]: a 200 with `Connection: close`, then close.
    ConnectionClose,
    /// These bytes one at a time, `interval` apart (a slowloris on the server's side); the
    /// connection stays open.
    Trickle { bytes: Vec<u8>, interval: Duration },
    /// Exactly these bytes, a 50 ms pause so the client can read them, then a reset (as
    /// `ResetMidBody`).
    RawThenReset(Vec<u8>),
    /// These bytes as soon as the request head arrives, without reading the request's body.
    /// Then, with `linger`, a clean close that drains what the client still sends (as nginx's
    /// lingering close); without, a 50 ms pause and a reset (a server that hangs up on an
    /// unwanted upload).
    AnswerBeforeBody { bytes: Vec<u8>, linger: bool },
    /// For whole connections, not requests (so never inside `Every`): reads nothing and answers
    /// nothing, holding every connection open until the server is dropped.
    Deaf,
    /// For whole connections (never inside `Every`): waits for the client's first bytes (a TLS
    /// ClientHello), then resets the connection.
    ResetOnFirstBytes,
    /// The coordinated-omission server. Time since the server started is cut into cycles of
    /// `period`; a request whose head arrives during the last `stall` of a cycle is answered at
    /// the end of that cycle, any other at once. Every answer is [`OK_RESPONSE`].
    CycleStall { period: Duration, stall: Duration },
    /// Request number `n`, `2n`, `3n`… (counted across the whole server, from 1) gets `fault`,
    /// every other request `otherwise`. Nesting works: inner `Every`s see the same number.
    Every {
        n: u64,
        fault: Box<Behaviour>,
        otherwise: Box<Behaviour>,
    },
}

/// What the connection does once a behaviour has written its response.
pub(super) enum Next {
    /// Wait for the next request.
    KeepAlive,
    /// Close cleanly (FIN).
    Close,
    /// Drop the socket as it is: a reset if SO_LINGER 0 was set, or the server is shutting down.
    Abandon,
}

impl Behaviour {
    /// The leaf behaviour that answers request number `n` (from 1).
    pub(super) fn resolve(&self, n: u64) -> &Behaviour {
        match self {
            Behaviour::Every {
                n: every,
                fault,
                otherwise,
            } => {
                if n % every == 0 {
                    fault.resolve(n)
                } else {
                    otherwise.resolve(n)
                }
            }
            leaf => leaf,
        }
    }

    /// Panics (in the test that built it) on a behaviour that could not be served as documented.
    pub(super) fn validate(&self) {
        match self {
            Behaviour::Ok { status, body } => {
                assert!(
                    (100..=999).contains(status),
                    "status {status} is not three digits"
                );
                assert!(
                    body.is_empty() || may_have_body(*status),
                    "status {status} cannot carry a body (RFC 9110 §6.4.1), but one was given"
                );
            }
            Behaviour::CycleStall { period, stall } => {
                assert!(!period.is_zero(), "CycleStall period must not be zero");
                assert!(
                    stall <= period,
                    "CycleStall stall {stall:?} exceeds period {period:?}"
                );
            }
            Behaviour::Every {
                n,
                fault,
                otherwise,
            } => {
                assert!(*n > 0, "Every n must be at least 1");
                assert!(
                    !fault.per_connection() && !otherwise.per_connection(),
                    "Deaf and ResetOnFirstBytes are for whole connections, not inside Every"
                );
                fault.validate();
                otherwise.validate();
            }
            Behaviour::Trickle { interval, .. } => {
                assert!(!interval.is_zero(), "Trickle interval must not be zero");
            }
            _ => {}
        }
    }

    /// Whether it decides how whole connections go, before any request is read.
    pub(super) fn per_connection(&self) -> bool {
        matches!(self, Behaviour::Deaf | Behaviour::ResetOnFirstBytes)
    }
}

/// The bytes of `Behaviour::Ok`.
pub(super) fn ok_response(status: u16, body: &[u8]) -> Vec<u8> {
    let reason = reason(status);
    let mut response = if may_have_body(status) {
        format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
    } else {
        format!("HTTP/1.1 {status} {reason}\r\n\r\n")
    }
    .into_bytes();
    response.extend_from_slice(body);
    response
}

/// 1xx, 204 and 304 responses end at their head, whatever their headers say (RFC 9112 §6.3).
fn may_have_body(status: u16) -> bool {
    !(status < 200 || status == 204 || status == 304)
}

/// Reason phrases are informative only; clients must not depend on them (RFC 9112 §4).
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// How long a `CycleStall` answer is held for a request that arrived `since_start` after the
/// server started: until the end of the cycle if it arrived in the stalled tail, else not at all.
pub(super) fn cycle_hold(since_start: Duration, period: Duration, stall: Duration) -> Duration {
    let phase_nanos = since_start.as_nanos() % period.as_nanos();
    let phase = Duration::from_nanos(
        u64::try_from(phase_nanos).expect("a phase below the period fits in u64 nanoseconds"),
    );
    if phase >= period - stall {
        period - phase
    } else {
        Duration::ZERO
    }
}
