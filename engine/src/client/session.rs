//! `Session`: one virtual user's side of the HTTP client — its connection, the exchange in
//! flight, its cookie jar and TLS sessions, and the buffers the ring reads from and writes to.
//! The interpreter owns one per VU and hands it to the `Client` with every call; it reads the
//! response back through `response()`.

use std::sync::Arc;

use super::ops::GENERATION_MASK;
use crate::http::{Limits, ResponseReader};
use crate::net::{Conn, Ring};

/// What a session is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// No exchange.
    Idle,
    /// Waiting for a TCP connect to finish.
    Connecting,
    /// In the TLS handshake of a new HTTPS connection.
    Handshaking,
    /// Its request is due, waiting for a pooled connection (`max_connections_per_host`).
    Waiting,
    /// Request sent (or being sent); reading the response.
    Exchanging,
}

/// The request/response in flight.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Exchange {
    /// Result key.
    pub key: usize,
    /// When the request should have been sent (ns).
    pub intended_ns: u64,
    /// When it was handed to the kernel (ns); 0 until stamped.
    pub sent_ns: u64,
    /// When connecting started, if this exchange opened a connection (ns).
    pub connect_start_ns: u64,
    /// How long connecting took, if it did (ns).
    pub connect_ns: Option<u64>,
    /// When the TLS handshake started (ns).
    pub tls_start_ns: u64,
    /// How long the TLS handshake took, if there was one (ns).
    pub tls_ns: Option<u64>,
    /// The origin this hop goes to (the request's, or a redirect's).
    pub target: usize,
    /// The request's bytes are the session's `tx` (rendered, or with cookies added), not the
    /// call's fixed bytes.
    pub own_bytes: bool,
    /// Redirects this request may still follow.
    pub redirects_left: u32,
    /// Response bytes (after TLS) arrived for this exchange.
    pub got_data: bool,
    /// The head went out alone (`Expect: 100-continue`); the body waits for the go-ahead.
    pub body_held: bool,
    /// Kernel receive time of the first response bytes (ns).
    pub first_rx_ns: u64,
    /// Kernel receive time of the latest response bytes (ns).
    pub last_rx_ns: u64,
    /// The deadline passed and the operation was cancelled.
    pub timed_out: bool,
    /// Bytes received for this exchange.
    pub received: u64,
    /// This exchange already retried once on a fresh connection.
    pub retried: bool,
    /// The request waited (for a free VU or a pooled connection) before it could start: its
    /// send lag says nothing about the generator.
    pub delayed: bool,
    /// The worker must act on this exchange's completion at once.
    pub urgent: bool,
    /// The request's send failed (see `Client::on_send_failed`); what was received after it,
    /// if anything, is still read.
    pub send_failure: Option<crate::metrics::Failure>,
    /// The run cut the exchange (`Client::cancel`): a cancelled operation is an interruption.
    pub cancelled: bool,
    /// The final response's status is within the expected range.
    pub status_ok: bool,
}

/// How a send's timing reads against its schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendLag {
    /// The send left this late (ns).
    Late(u64),
    /// The send left before its intended time (batched into an earlier wake-up).
    Early,
    /// The request had waited for a VU or a connection, or was a retry: its timing says nothing
    /// about the generator.
    NotCounted,
}

/// A final response as checks and extractions see it.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// Status code.
    pub status: u16,
    /// Within the expected statuses.
    pub status_ok: bool,
    /// The head bytes (empty unless the call asked to keep them).
    pub head: &'a [u8],
    /// The body, decoded (empty unless the call asked to keep it).
    pub body: &'a [u8],
    /// Kernel receive time of its last byte (ns).
    pub done_ns: u64,
}

/// One VU's HTTP client state.
pub struct Session {
    /// The VU's slot in its worker (part of every ring operation's user data).
    pub(crate) slot: u32,
    pub(crate) conn: Conn,
    /// Origin the connection is connected to.
    pub(crate) conn_target: usize,
    /// Bumped for every new connection, so completions from an old one are recognised.
    pub(crate) generation: u32,
    pub(crate) state: State,
    pub(crate) reader: ResponseReader,
    pub(crate) exchange: Exchange,
    /// Its TLS configuration, when it keeps its own resumable sessions.
    pub(crate) tls_config: Option<Arc<rustls::ClientConfig>>,
    /// Its cookie jar, once a response set a cookie.
    pub(crate) jar: Option<Box<cookie_store::CookieStore>>,
    /// URLs of the redirect chain being followed.
    pub(crate) chain: Vec<String>,
    /// Its connection is lent by the worker's pool (given back when the exchange ends).
    pub(crate) pooled: bool,
    /// The request's bytes when they are the session's own (rendered, cookies, a redirect).
    pub(crate) tx: Vec<u8>,
    /// Scratch space (cookie merging, decoding).
    pub(crate) scratch: Vec<u8>,
    /// Kept response head.
    pub(crate) head: Vec<u8>,
    /// Kept response body.
    pub(crate) body: Vec<u8>,
    /// Random numbers for the client's own choices (which address a connection takes).
    pub(crate) rng: fastrand::Rng,
}

impl Session {
    /// An idle session with no connection for the VU in `slot`.
    pub fn new(slot: u32, seed: u64, limits: Limits) -> Session {
        Session {
            slot,
            conn: Conn::new(),
            conn_target: usize::MAX,
            generation: 0,
            state: State::Idle,
            reader: ResponseReader::new(limits),
            exchange: Exchange::default(),
            tls_config: None,
            jar: None,
            chain: Vec::new(),
            pooled: false,
            tx: Vec::new(),
            scratch: Vec::new(),
            head: Vec::new(),
            body: Vec::new(),
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// The buffer a request is rendered into before `Client::send(…, rendered: true, …)`.
    pub fn request_buffer(&mut self) -> &mut Vec<u8> {
        &mut self.tx
    }

    /// Whether a completion with this connection generation belongs to the exchange in flight.
    pub fn expects(&self, generation: u32) -> bool {
        generation == self.generation & GENERATION_MASK && self.in_io()
    }

    /// Whether an operation of this session is in flight on the ring.
    pub fn in_io(&self) -> bool {
        matches!(
            self.state,
            State::Connecting | State::Handshaking | State::Exchanging
        )
    }

    /// Whether it waits for a pooled connection.
    pub fn is_waiting(&self) -> bool {
        self.state == State::Waiting
    }

    /// Cancels whatever it has in flight on the ring (the completions report it).
    pub fn cancel_io(&self, ring: &mut Ring) {
        if self.in_io() && self.conn.is_open() {
            ring.cancel_fd(self.conn.fd);
        }
    }

    /// The request just went to the kernel at `at`: how its timing reads against its schedule.
    /// A request that opened a connection started when its connect did: connecting (and a TLS
    /// handshake) is the request's time, in its response time, not the generator's lag.
    pub fn sent(&mut self, at: u64) -> SendLag {
        let x = &mut self.exchange;
        x.sent_ns = at;
        let started = if x.connect_ns.is_some() {
            x.connect_start_ns
        } else {
            at
        };
        if x.retried || x.delayed {
            SendLag::NotCounted
        } else if started >= x.intended_ns {
            SendLag::Late(started - x.intended_ns)
        } else {
            SendLag::Early
        }
    }

    /// Marks the exchange as started late because the VU had to wait for its turn.
    pub fn mark_delayed(&mut self) {
        self.exchange.delayed = true;
    }

    /// The final response of the last exchange (meaningful after `Outcome::Response`).
    pub fn response(&self) -> Response<'_> {
        Response {
            status: self.reader.head().map_or(0, |h| h.status),
            status_ok: self.exchange.status_ok,
            head: &self.head,
            body: &self.body,
            done_ns: self.exchange.last_rx_ns,
        }
    }

    /// The value of cookie `name` in the jar (for extraction), if it holds one.
    pub fn cookie(&self, name: &str) -> Option<Vec<u8>> {
        super::cookies::value(self.jar.as_deref(), name)
    }
}
