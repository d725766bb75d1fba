//! One request/response exchange on a VU's connection: render, attach cookies, connect (TCP, then
//! TLS for HTTPS) when needed, send, read; then `outcome` follows redirects, inspects and records.
//!
//! The worker's events for the VU land here (`on_connect`, `on_recv`, `on_deadline`); the
//! request's bytes go out through `outgoing`.

use std::sync::Arc;

use super::inflight::Inflight;
use super::outcome::{complete, fail, follows_redirect, interrupt, retry_or_fail, stores_cookies};
use super::outgoing::{attach_cookies, release_body, send_request};
use super::pool::{Lease, Pools};
use super::{transport, Phase, Vu};
use crate::clock::RealtimeOffset;
use crate::metrics::{ErrorClass, Failure, Frame};
use crate::net::origins::Origins;
use crate::net::{socket, Ring};
use crate::plan::request::Encoding;
use crate::plan::{CompiledPlan, CompiledRequest};

/// What the worker lends a VU for one event.
pub struct Io<'a> {
    /// The worker's ring.
    pub ring: &'a mut Ring,
    /// The worker's current recorder frame.
    pub frame: &'a mut Frame,
    /// The plan.
    pub plan: &'a CompiledPlan,
    /// In-flight VUs and deadlines.
    pub inflight: &'a mut Inflight,
    /// VU slots whose request was queued this turn: their send time is stamped just before submit.
    pub to_stamp: &'a mut Vec<u32>,
    /// The worker's origins and their addresses.
    pub origins: &'a mut Origins,
    /// The worker's TLS configuration.
    pub tls: &'a Arc<rustls::ClientConfig>,
    /// Pooled connections, when `max_connections_per_host` caps them.
    pub pools: &'a mut Pools,
    /// Time of this loop turn (ns).
    pub now_ns: u64,
    /// Realtime → monotonic conversion for kernel timestamps.
    pub offset: RealtimeOffset,
}

/// How an event left the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still in flight.
    Pending,
    /// A response was recorded.
    Response,
    /// A failure was recorded.
    Failed,
    /// The iteration cannot go on (a value to extract or a variable to render was missing).
    Abort,
    /// The run stopped it; nothing was recorded.
    Interrupted,
}

/// Starts `request` (index `index` of its journey, funnel of journey key `jk`) on `vu`, intended
/// to be sent at `intended_ns`. `urgent`: the worker must act on its completion at once.
pub fn begin(
    vu: &mut Vu,
    request: &CompiledRequest,
    index: usize,
    jk: usize,
    intended_ns: u64,
    urgent: bool,
    io: &mut Io<'_>,
) -> Outcome {
    vu.x = super::Exchange {
        request: index,
        key: request.key,
        intended_ns,
        urgent,
        target: request.target,
        redirects_left: request.max_redirects,
        ..Default::default()
    };
    if let Encoding::Dynamic(t) = &request.encoding {
        if super::render::render(t, &vu.vars, &mut vu.rng, &mut vu.tx, &mut vu.scratch).is_err() {
            io.frame.journeys[jk].steps[request.step].aborted += 1;
            return Outcome::Abort;
        }
        vu.x.own_bytes = true;
    }
    io.frame.journeys[jk].steps[request.step].reached += 1;
    vu.chain.clear();
    attach_cookies(vu, request, io);
    start(vu, request, jk, io)
}

/// Starts (or restarts, after a redirect) the current hop: on the open connection when it goes
/// to the same origin, else on a new one.
pub(super) fn start(vu: &mut Vu, request: &CompiledRequest, jk: usize, io: &mut Io<'_>) -> Outcome {
    vu.reader.begin(request.head_request);
    vu.head.clear();
    vu.body.clear();
    if vu.conn.is_open() && vu.conn_target == vu.x.target {
        send_request(vu, request, io);
        return Outcome::Pending;
    }
    if io.pools.enabled() {
        // A redirect to another origin gives back the connection it holds first.
        release(vu, io);
        match io.pools.acquire(vu.x.target, vu.slot, &mut vu.conn) {
            Lease::Idle => {
                vu.pooled = true;
                vu.conn_target = vu.x.target;
                send_request(vu, request, io);
                return Outcome::Pending;
            }
            Lease::Open => vu.pooled = true,
            Lease::Wait => {
                vu.phase = Phase::Waiting;
                vu.x.delayed = true;
                io.frame.generator.pool_waits += 1;
                return Outcome::Pending;
            }
        }
    }
    match transport::connect(vu, vu.x.target, io) {
        Ok(()) => Outcome::Pending,
        Err(f) => fail(vu, request, jk, io, f),
    }
}

/// A VU waiting for a pooled connection got its turn.
pub fn resume_waiting(
    vu: &mut Vu,
    request: &CompiledRequest,
    jk: usize,
    io: &mut Io<'_>,
) -> Outcome {
    start(vu, request, jk, io)
}

/// The run cut the iteration of a VU waiting for a pooled connection.
pub fn cancel_waiting(vu: &mut Vu, io: &mut Io<'_>) {
    io.pools.forget(vu.x.target, vu.slot);
    interrupt(vu, io);
}

/// Gives a pooled connection back (open: for the next VU; closed: its place).
pub(super) fn release(vu: &mut Vu, io: &mut Io<'_>) {
    if vu.pooled {
        vu.pooled = false;
        io.pools.release(vu.conn_target, &mut vu.conn);
    }
}

/// The connect completed with `result`.
pub fn on_connect(
    vu: &mut Vu,
    result: i32,
    request: &CompiledRequest,
    jk: usize,
    io: &mut Io<'_>,
) -> Outcome {
    if result < 0 {
        return match -result {
            _ if vu.x.timed_out => fail(
                vu,
                request,
                jk,
                io,
                Failure::new(
                    ErrorClass::ConnectTimeout,
                    "not connected within the connect timeout",
                ),
            ),
            // Cancelled without a timeout: the run cut this iteration.
            libc::ECANCELED => interrupt(vu, io),
            errno => fail(vu, request, jk, io, socket::connect_failure(errno)),
        };
    }
    vu.x.connect_ns = Some(io.now_ns.saturating_sub(vu.x.connect_start_ns));
    match transport::start_tls(vu, io) {
        Ok(true) => {}
        Ok(false) => send_request(vu, request, io),
        Err(f) => return fail(vu, request, jk, io, f),
    }
    Outcome::Pending
}

/// The linked send failed with `result` (a successful send posts nothing).
pub fn on_send_error(vu: &mut Vu, result: i32) {
    // The linked receive completes with -ECANCELED right after; remember why.
    vu.x.send_errno = -result;
}

/// A receive completed with `result` bytes (or an error).
pub fn on_recv(
    vu: &mut Vu,
    result: i32,
    request: &CompiledRequest,
    jk: usize,
    io: &mut Io<'_>,
) -> Outcome {
    let handshaking = vu.phase == Phase::Handshaking;
    if vu.x.timed_out {
        let failure = if handshaking {
            transport::handshake_cut(true)
        } else {
            Failure::new(
                ErrorClass::RequestTimeout,
                "no complete response within the timeout",
            )
        };
        return fail(vu, request, jk, io, failure);
    }
    if result < 0 {
        let failure = match -result {
            // The linked send failed (its completion came first and left the errno)…
            libc::ECANCELED if vu.x.send_errno != 0 => socket::io_failure(vu.x.send_errno, true),
            // …or the run cut this iteration.
            libc::ECANCELED => return interrupt(vu, io),
            errno => socket::io_failure(errno, false),
        };
        return retry_or_fail(vu, request, jk, io, failure);
    }
    if result == 0 {
        if handshaking {
            return fail(vu, request, jk, io, transport::handshake_cut(false));
        }
        return end_of_stream(vu, request, jk, io);
    }
    let stamp = match transport::received(vu, result as usize, io) {
        Ok(stamp) => stamp,
        Err(f) => return fail(vu, request, jk, io, f),
    };
    if handshaking {
        if transport::continue_handshake(vu, stamp, io) {
            send_request(vu, request, io);
        }
        return Outcome::Pending;
    }
    loop {
        let data = vu.conn.data();
        vu.x.got_data |= !data.is_empty();
        let had_head = vu.reader.head().is_some();
        let sink = if request.keep_body {
            Some(&mut vu.body)
        } else {
            None
        };
        match vu.reader.feed(data, sink) {
            Err(e) => return fail(vu, request, jk, io, e.failure()),
            Ok((used, event)) => {
                if !had_head {
                    keep_head(vu, request, used, io);
                }
                vu.conn.consume_data(used);
                match event {
                    crate::http::Event::Head => continue,
                    crate::http::Event::Done => return complete(vu, request, jk, io, stamp),
                    crate::http::Event::NeedMore => break,
                }
            }
        }
    }
    if vu.conn.tls.as_deref().is_some_and(|t| t.peer_closed) {
        return end_of_stream(vu, request, jk, io);
    }
    if vu.x.body_held && vu.reader.continued() {
        release_body(vu, request, io);
    }
    transport::read_more(vu, io);
    Outcome::Pending
}

/// Copies the head just parsed into `vu.head` when something will read it: the request's checks
/// or extractions, the cookie jar, or a redirect.
fn keep_head(vu: &mut Vu, request: &CompiledRequest, used: usize, io: &Io<'_>) {
    let Some(h) = vu.reader.head() else {
        return;
    };
    let wanted = request.keep_head
        || stores_cookies(h, &io.plan.plan.options.http)
        || follows_redirect(h, request);
    if wanted {
        let head = &vu.conn.data()[used - h.len..used];
        vu.head.extend_from_slice(head);
    }
}

/// The server closed the connection (or sent TLS close_notify): the end of a close-delimited body,
/// or a failure.
fn end_of_stream(vu: &mut Vu, request: &CompiledRequest, jk: usize, io: &mut Io<'_>) -> Outcome {
    match vu.reader.finish_on_eof() {
        Ok(()) => {
            let done = vu.x.last_rx_ns;
            complete(vu, request, jk, io, done)
        }
        Err(e) => retry_or_fail(vu, request, jk, io, e.failure()),
    }
}

/// The exchange's deadline passed: cancel whatever is in flight; the completion reports it. For a
/// body held back for `Expect: 100-continue`, it is the end of the wait: the body goes now.
pub fn on_deadline(vu: &mut Vu, request: &CompiledRequest, io: &mut Io<'_>) {
    if vu.x.body_held && vu.phase == Phase::Exchanging {
        release_body(vu, request, io);
        return;
    }
    vu.x.timed_out = true;
    io.ring.cancel_fd(vu.conn.fd);
}

/// The run is being cut short: cancel whatever is in flight.
pub fn abort(vu: &mut Vu, io: &mut Io<'_>) {
    if vu.phase.in_io() && vu.conn.is_open() {
        io.ring.cancel_fd(vu.conn.fd);
    }
}
