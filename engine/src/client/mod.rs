//! The HTTP client: one per worker, driven by the worker's ring. It opens connections (TCP, then
//! TLS), sends requests, reads responses, follows redirects, keeps cookies, decodes bodies, pools
//! connections and times out what takes too long — and records every exchange (response times,
//! phases, bytes, classified failures) in the worker's recorder frame.
//!
//! The door to the rest of the engine is narrow. The journey interpreter hands the client a VU's
//! [`Session`], the request's [`HttpCall`] (its bytes, origin, timeout and what checks will need
//! to see) and when it was meant to leave; it gets back an [`Outcome`], and after a response reads
//! it through `Session::response`. The worker passes on the completions and deadlines that belong
//! to the client. Nothing here knows about journeys, funnels, checks or executors, so a second
//! protocol can live beside HTTP/1.1 behind the same calls.
//!
//! `exchange` handles the events of one exchange, `transport` the bytes on the wire (connect, TLS,
//! send, receive), `outgoing` the request's bytes (cookies, `Expect: 100-continue`), `outcome` how
//! an exchange ends; `pool` and `inflight` serve the whole worker.

// `pub(crate)` for the fuzz targets' entry points (`crate::fuzz`).
pub(crate) mod cookies;
mod decode;
mod exchange;
mod inflight;
mod ops;
mod outcome;
mod outgoing;
mod pool;
pub(crate) mod redirect;
mod session;
mod transport;

use std::sync::Arc;

use socket2::SockAddr;

use self::inflight::Inflight;
use self::pool::Pools;
use crate::clock::RealtimeOffset;
use crate::metrics::{ErrorClass, Frame};
use crate::net::origins::{Origins, Target};
use crate::net::tls::TlsSetup;
use crate::net::Ring;
use crate::plan::ClientSettings;

pub use self::ops::Completed;
pub use self::session::{SendLag, Session};

/// One turn of the worker's event loop, as the client sees it: the ring to submit to, the
/// recorder frame to count in, and the time.
pub struct Turn<'a> {
    /// The worker's ring.
    pub ring: &'a mut Ring,
    /// The worker's current recorder frame.
    pub frame: &'a mut Frame,
    /// When this loop turn started (ns).
    pub now_ns: u64,
    /// Realtime → monotonic conversion for kernel receive timestamps.
    pub offset: RealtimeOffset,
}

/// How a call left the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still in flight.
    Pending,
    /// A final response arrived and was recorded (read it with `Session::response`).
    Response,
    /// The exchange failed; the failure was recorded.
    Failed(ErrorClass),
    /// The run stopped it; nothing was recorded.
    Interrupted,
}

/// One worker's HTTP client.
pub struct Client {
    settings: Arc<ClientSettings>,
    origins: Origins,
    tls: Arc<TlsSetup>,
    worker_tls: Arc<rustls::ClientConfig>,
    pools: Pools,
    inflight: Inflight,
    /// Sessions whose request was queued this turn, with the ring's mark of its send: their send
    /// time is stamped when it goes to the kernel.
    queued_sends: Vec<(u32, u32)>,
}

impl Client {
    /// The client of a worker with `sessions` VU slots, connecting to `targets` (the plan's
    /// origins, resolved), with at most `pool_cap` connections per origin when they are pooled.
    pub fn new(
        settings: Arc<ClientSettings>,
        targets: &[Target],
        tls: Arc<TlsSetup>,
        pool_cap: Option<u64>,
        sessions: usize,
    ) -> Client {
        Client {
            origins: Origins::new(targets, settings.dns.select),
            worker_tls: tls.for_worker(),
            tls,
            settings,
            pools: Pools::new(pool_cap),
            inflight: Inflight::new(sessions),
            queued_sends: Vec::new(),
        }
    }

    /// A session starts a new iteration: a per-iteration cookie jar is emptied, a per-iteration
    /// connection closed.
    pub fn start_iteration(&self, s: &mut Session) {
        use crate::plan::{ConnectionPolicy, CookiePolicy};
        if self.settings.cookies == CookiePolicy::PerIteration {
            if let Some(jar) = s.jar.as_deref_mut() {
                jar.clear();
            }
        }
        if self.settings.connections == ConnectionPolicy::PerIteration {
            s.conn.close();
        }
    }

    /// Sessions with an exchange in flight.
    pub fn in_flight(&self) -> usize {
        self.inflight.len()
    }

    /// The earliest deadline that may still be pending (may be early, never late).
    pub fn earliest_deadline(&self) -> u64 {
        self.inflight.earliest()
    }

    /// Whether a completion must wake the worker at once: an exchange whose end the interpreter
    /// acts on (a next step, a closed-loop iteration, a partly read response), or a VU waiting
    /// for a pooled connection that a completion may free.
    pub fn wants_prompt_completions(&self) -> bool {
        self.inflight.urgent() > 0 || self.pools.has_waiters()
    }

    /// Moves the slots whose deadline is at or before `now_ns` into `out`.
    pub fn expired(&mut self, now_ns: u64, out: &mut Vec<u32>) {
        self.inflight.expire(now_ns, out);
    }

    /// The next VU whose turn for a pooled connection has come.
    pub fn next_ready_waiter(&mut self) -> Option<u32> {
        self.pools.ready.pop()
    }

    /// Takes the sessions whose requests were queued this turn, with the ring mark of each send
    /// (to stamp their send time with `Ring::submitted_at`).
    pub fn take_queued_sends(&mut self, into: &mut Vec<(u32, u32)>) {
        into.clear();
        std::mem::swap(into, &mut self.queued_sends);
    }

    /// New addresses for origin `target` (the resolver's periodic refresh).
    pub fn update_addresses(&mut self, target: usize, addrs: Vec<SockAddr>) {
        self.origins.update(target, addrs);
    }
}
