//! One virtual user: its connection, its variables, where it is in its journey, and the exchange
//! in flight. Knows nothing about executors or other VUs; the worker calls it with what happened
//! (a completion, a timeout, a think time that ended) and it says what it needs next.

pub mod cookies;
pub mod decode;
pub mod exchange;
pub mod inflight;
pub mod inspect;
pub mod interpreter;
mod outcome;
mod outgoing;
pub mod pool;
pub mod redirect;
pub mod render;
pub mod transport;
pub mod vars;

use std::sync::Arc;

use crate::http::{Limits, ResponseReader};
use crate::net::Conn;
use crate::plan::program::MAX_REPEAT_DEPTH;
use vars::Vars;

/// Operations a VU has in flight, encoded in the ring's user data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// TCP connect.
    Connect = 1,
    /// Request send (posts a completion only on failure).
    Send = 2,
    /// Response receive.
    Recv = 3,
}

/// Packs a VU slot, its connection generation and an op into ring user data.
pub fn user_data(slot: u32, generation: u32, op: Op) -> u64 {
    (u64::from(slot) << 32) | (u64::from(generation & 0x00FF_FFFF) << 8) | op as u64
}

/// Unpacks ring user data: (slot, generation, op byte).
pub fn split_user_data(ud: u64) -> (u32, u32, u8) {
    (
        (ud >> 32) as u32,
        ((ud >> 8) & 0x00FF_FFFF) as u32,
        (ud & 0xFF) as u8,
    )
}

/// What a VU is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not in an iteration.
    Idle,
    /// Waiting for a TCP connect to finish.
    Connecting,
    /// In the TLS handshake of a new HTTPS connection.
    Handshaking,
    /// Its request is due, waiting for a pooled connection (`max_connections_per_host`).
    Waiting,
    /// Request sent (or being sent); reading the response.
    Exchanging,
    /// Thinking, until a timer wakes it.
    Thinking,
}

impl Phase {
    /// Whether an operation of this VU is in flight on the ring.
    pub fn in_io(self) -> bool {
        matches!(
            self,
            Phase::Connecting | Phase::Handshaking | Phase::Exchanging
        )
    }
}

/// The request/response in flight.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exchange {
    /// Index of the request in the journey.
    pub request: usize,
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
    /// The request's bytes are in the VU's `tx` (rendered, or with cookies added), not the plan.
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
    /// The request waited for a free VU (in-flight bound) before starting.
    pub delayed: bool,
    /// The worker must act on this exchange's completion at once.
    pub urgent: bool,
    /// Why the linked send failed (errno), if it did.
    pub send_errno: i32,
}

/// A virtual user.
pub struct Vu {
    /// Worker-local slot index.
    pub slot: u32,
    /// Scenario index.
    pub scenario: usize,
    /// 1-based VU number, unique across workers (`__vu`).
    pub id: u64,
    /// The VU's connection (keep-alive across iterations).
    pub conn: Conn,
    /// Target index the connection is connected to.
    pub conn_target: usize,
    /// Bumped for every new connection, so completions from an old one are recognised.
    pub generation: u32,
    /// Requests completed on the current connection.
    pub conn_requests: u64,
    /// What the VU is doing.
    pub phase: Phase,
    /// Response reader, reused across requests.
    pub reader: ResponseReader,
    /// The exchange in flight.
    pub x: Exchange,
    /// Index of the current journey in the scenario's mix.
    pub journey: usize,
    /// Next instruction.
    pub ip: usize,
    /// Repeat counters by nesting depth.
    pub loops: [u32; MAX_REPEAT_DEPTH],
    /// The user's own clock: when they act next if nothing is late (ns).
    pub clock_ns: u64,
    /// Intended start of the current iteration (ns).
    pub iteration_start_ns: u64,
    /// Iterations started (`__iteration` is this minus one during an iteration).
    pub iterations: u64,
    /// Funnel step of the last request this iteration began, if any.
    pub last_step: Option<usize>,
    /// Variables.
    pub vars: Vars,
    /// This VU's random numbers (think times, branches, helpers).
    pub rng: fastrand::Rng,
    /// Rendered request bytes.
    pub tx: Vec<u8>,
    /// Scratch space for rendering bodies.
    pub scratch: Vec<u8>,
    /// Kept response head (when checks or extractions need it).
    pub head: Vec<u8>,
    /// Kept response body (when checks or extractions need it).
    pub body: Vec<u8>,
    /// Bumped whenever a think timer is armed or abandoned, so stale timer entries are ignored.
    pub wake_stamp: u32,
    /// Asked to stop after its current iteration (ramp-down).
    pub retiring: bool,
    /// Set up for its scenario (per-VU data taken).
    pub initialised: bool,
    /// Its TLS configuration, when it keeps its own resumable sessions.
    pub tls_config: Option<Arc<rustls::ClientConfig>>,
    /// Its cookie jar, once a response set a cookie.
    pub jar: Option<Box<cookie_store::CookieStore>>,
    /// URLs of the redirect chain being followed.
    pub chain: Vec<String>,
    /// Its connection is lent by the worker's pool (given back when the exchange ends).
    pub pooled: bool,
}

impl Vu {
    /// An idle VU with no connection.
    pub fn new(
        slot: u32,
        scenario: usize,
        id: u64,
        vars: usize,
        seed: u64,
        limits: Limits,
    ) -> Self {
        Self {
            slot,
            scenario,
            id,
            conn: Conn::new(),
            conn_target: usize::MAX,
            generation: 0,
            conn_requests: 0,
            phase: Phase::Idle,
            reader: ResponseReader::new(limits),
            x: Exchange::default(),
            journey: 0,
            ip: 0,
            loops: [0; MAX_REPEAT_DEPTH],
            clock_ns: 0,
            iteration_start_ns: 0,
            iterations: 0,
            last_step: None,
            vars: Vars::new(vars),
            rng: fastrand::Rng::with_seed(seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            tx: Vec::new(),
            scratch: Vec::new(),
            head: Vec::new(),
            body: Vec::new(),
            wake_stamp: 0,
            retiring: false,
            initialised: false,
            tls_config: None,
            jar: None,
            chain: Vec::new(),
            pooled: false,
        }
    }

    /// Whether the VU is inside an iteration.
    pub fn busy(&self) -> bool {
        self.phase != Phase::Idle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_data_round_trips() {
        let ud = user_data(123_456, 0x0123_4567, Op::Recv);
        assert_eq!(split_user_data(ud), (123_456, 0x23_4567, Op::Recv as u8));
        assert_ne!(
            user_data(0, 0, Op::Connect),
            0,
            "user data 0 is reserved for untracked ops"
        );
    }
}
