//! One request/response exchange on a VU's connection: render, attach cookies, connect (TCP, then
//! TLS for HTTPS) when needed, send, read, follow redirects, inspect, finish.
//!
//! Every outcome is recorded here exactly once: a response with its response time (from the
//! intended send), service time (from the actual send) and phases, its checks, and the funnel step;
//! or a classified failure. Each redirect hop is recorded as a response of its own, timed from when
//! the previous hop's response arrived. A failure before any byte on a reused keep-alive
//! connection (the server closed it while idle) is retried once on a fresh connection, as
//! browsers do.

use std::sync::Arc;

use super::inflight::Inflight;
use super::inspect::{inspect, Response};
use super::pool::{Lease, Pools};
use super::{cookies, decode, redirect, transport, Phase, Vu};
use crate::clock::RealtimeOffset;
use crate::metrics::{ErrorClass, Failure, Frame};
use crate::net::origins::Origins;
use crate::net::{socket, Ring};
use crate::plan::compile::ns;
use crate::plan::options::{ConnectionPolicy, CookiePolicy};
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
fn start(vu: &mut Vu, request: &CompiledRequest, jk: usize, io: &mut Io<'_>) -> Outcome {
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
    io.frame.generator.interrupted += 1;
    vu.phase = Phase::Idle;
}

/// Gives a pooled connection back (open: for the next VU; closed: its place).
fn release(vu: &mut Vu, io: &mut Io<'_>) {
    if vu.pooled {
        vu.pooled = false;
        io.pools.release(vu.conn_target, &mut vu.conn);
    }
}

/// The bytes of the current hop's request.
fn request_bytes<'a>(vu: &'a Vu, request: &'a CompiledRequest) -> &'a [u8] {
    match (&request.encoding, vu.x.own_bytes) {
        (Encoding::Static(b), false) => b,
        _ => &vu.tx,
    }
}

fn send_request(vu: &mut Vu, request: &CompiledRequest, io: &mut Io<'_>) {
    // `tx` is moved out and back so the bytes can be borrowed while the VU is lent mutably; its
    // heap buffer (what the ring reads) does not move.
    let tx = std::mem::take(&mut vu.tx);
    let bytes: &[u8] = match (&request.encoding, vu.x.own_bytes) {
        (Encoding::Static(b), false) => b,
        _ => &tx,
    };
    let head = head_len(bytes);
    if request.expect_continue && head < bytes.len() {
        // The head goes alone; the body follows on `100 Continue` or after the expect timeout.
        vu.x.body_held = true;
        let wait = ns(io.plan.plan.options.http.expect_continue_timeout_s);
        transport::send(vu, &bytes[..head], wait.min(request.timeout_ns), io);
    } else {
        transport::send(vu, bytes, request.timeout_ns, io);
    }
    vu.tx = tx;
}

fn head_len(request: &[u8]) -> usize {
    memchr::memmem::find(request, b"\r\n\r\n").map_or(request.len(), |i| i + 4)
}

/// Sends the body held back for `Expect: 100-continue` and gives the exchange its full timeout.
fn release_body(vu: &mut Vu, request: &CompiledRequest, io: &mut Io<'_>) {
    vu.x.body_held = false;
    let tx = std::mem::take(&mut vu.tx);
    let bytes: &[u8] = match (&request.encoding, vu.x.own_bytes) {
        (Encoding::Static(b), false) => b,
        _ => &tx,
    };
    transport::send_body(vu, &bytes[head_len(bytes)..], io);
    vu.tx = tx;
    let sent = if vu.x.sent_ns > 0 {
        vu.x.sent_ns
    } else {
        io.now_ns
    };
    io.inflight
        .arm(vu.slot, sent + request.timeout_ns, vu.x.urgent);
}

/// Adds the jar's cookies for the current hop's URL to its request, if the jar has any.
fn attach_cookies(vu: &mut Vu, request: &CompiledRequest, io: &mut Io<'_>) {
    if !cookies::any(vu.jar.as_deref()) {
        return;
    }
    let origin = io.origins.get(vu.x.target);
    let Some(value) = cookies::request_url(origin, request_bytes(vu, request))
        .and_then(|url| cookies::header_value(vu.jar.as_deref()?, &url))
    else {
        return;
    };
    let mut out = std::mem::take(&mut vu.scratch);
    cookies::with_cookies(request_bytes(vu, request), &value, &mut out);
    vu.scratch = std::mem::replace(&mut vu.tx, out);
    vu.x.own_bytes = true;
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
    let http = &io.plan.plan.options.http;
    let wanted = request.keep_head
        || (h.set_cookie && http.cookies != CookiePolicy::Off)
        || (h.location && redirect::is_redirect(h.status) && request.max_redirects > 0);
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

fn complete(
    vu: &mut Vu,
    request: &CompiledRequest,
    jk: usize,
    io: &mut Io<'_>,
    done_ns: u64,
) -> Outcome {
    let head = *vu.reader.head().expect("a complete response has a head");
    let sent = vu.x.sent_ns;
    // Kernel stamps are exact; clamp only against clock-offset noise.
    let done = done_ns.clamp(sent, io.now_ns.max(sent));
    let http = &io.plan.plan.options.http;
    let mut set_cookies = false;
    if head.set_cookie && http.cookies != CookiePolicy::Off {
        let origin = io.origins.get(vu.x.target);
        if let Some(url) = cookies::request_url(origin, request_bytes(vu, request)) {
            let jar = vu.jar.get_or_insert_with(Default::default);
            set_cookies = cookies::store(jar, &vu.head, &url);
        }
    }
    let follow = head.location && redirect::is_redirect(head.status) && request.max_redirects > 0;
    let hop = if follow {
        let next = if vu.x.redirects_left == 0 {
            Err(Failure::new(
                ErrorClass::TooManyRedirects,
                "more redirects than max_redirects allows",
            ))
        } else {
            let mut chain = std::mem::take(&mut vu.chain);
            let next = redirect::next(
                head.status,
                &vu.head,
                request_bytes(vu, request),
                vu.x.target,
                &mut chain,
                set_cookies,
                io.origins,
                http,
            );
            vu.chain = chain;
            next
        };
        match next {
            Ok(hop) => Some(hop),
            Err(f) => return fail(vu, request, jk, io, f),
        }
    } else {
        None
    };
    let mut decoded = None;
    if hop.is_none() && request.keep_body && !http.compression.is_empty() {
        let max = io.plan.limits.max_body_bytes;
        match decode::decode(head.coding, &mut vu.body, &mut vu.scratch, max) {
            Ok(n) => decoded = n,
            // The body cannot be inspected: the request failed.
            Err(f) => return fail(vu, request, jk, io, f),
        }
    }
    // A request batched early into a wake-up is timed from when it was really sent.
    let from = vu.x.intended_ns.min(sent);
    let (lo, hi) = io.plan.expected_status;
    let status_ok = (lo..=hi).contains(&head.status);
    let key = &mut io.frame.keys[vu.x.key];
    key.record_response(head.status, done - from, done - sent, status_ok);
    let first = vu.x.first_rx_ns.clamp(sent, done);
    key.record_phases(vu.x.connect_ns, vu.x.tls_ns, first - sent, done - first);
    key.bytes_decoded += decoded.unwrap_or(0);
    vu.x.last_rx_ns = done;
    vu.conn_requests += 1;
    // A final answer before the held body went out (417, 401, …) leaves the server unsure
    // whether a body follows: that connection is not reused.
    if !head.keep_alive || http.connections == ConnectionPolicy::PerRequest || vu.x.body_held {
        vu.conn.close();
    }
    if let Some(hop) = hop {
        io.frame.generator.redirects += 1;
        io.inflight.disarm(vu.slot);
        vu.tx = hop.bytes;
        vu.x = super::Exchange {
            request: vu.x.request,
            key: vu.x.key,
            intended_ns: done,
            urgent: true,
            target: hop.target,
            own_bytes: true,
            redirects_left: vu.x.redirects_left - 1,
            ..Default::default()
        };
        attach_cookies(vu, request, io);
        return start(vu, request, jk, io);
    }
    let frame = &mut *io.frame;
    let mut findings = super::inspect::Findings {
        checks_ok: true,
        extract_failed: false,
    };
    if !request.checks.is_empty() || !request.extracts.is_empty() {
        let response = Response {
            status: head.status,
            head: &vu.head,
            body: &vu.body,
        };
        let checks = &mut frame.checks;
        findings = inspect(
            &response,
            &request.checks,
            &request.extracts,
            &mut vu.vars,
            vu.jar.as_deref(),
            &mut |id, ok| {
                if ok {
                    checks[id].passes += 1;
                } else {
                    checks[id].fails += 1;
                }
            },
        );
    }
    let step = &mut frame.journeys[jk].steps[request.step];
    match (status_ok, findings.checks_ok) {
        (true, true) => step.ok += 1,
        (false, _) => step.bad_status += 1,
        (true, false) => step.check_failed += 1,
    }
    finish(vu, io);
    if findings.extract_failed {
        io.frame.journeys[jk].steps[request.step].aborted += 1;
        return Outcome::Abort;
    }
    Outcome::Response
}

fn retry_or_fail(
    vu: &mut Vu,
    request: &CompiledRequest,
    jk: usize,
    io: &mut Io<'_>,
    failure: Failure,
) -> Outcome {
    let stale_keep_alive = !vu.x.got_data && vu.conn_requests > 0 && !vu.x.retried;
    if !stale_keep_alive {
        return fail(vu, request, jk, io, failure);
    }
    io.frame.generator.reconnects += 1;
    vu.x.retried = true;
    vu.x.received = 0;
    vu.reader.begin(request.head_request);
    match transport::connect(vu, vu.x.target, io) {
        Ok(()) => Outcome::Pending,
        Err(f) => fail(vu, request, jk, io, f),
    }
}

fn fail(
    vu: &mut Vu,
    request: &CompiledRequest,
    jk: usize,
    io: &mut Io<'_>,
    failure: Failure,
) -> Outcome {
    io.frame.keys[request.key].record_failure(failure);
    let step = &mut io.frame.journeys[jk].steps[request.step];
    if matches!(
        failure.class,
        ErrorClass::RequestTimeout | ErrorClass::ConnectTimeout
    ) {
        step.timeout += 1;
    } else {
        step.error += 1;
    }
    vu.conn.close();
    finish(vu, io);
    // Values this request was to extract are now missing: later steps that need them abort.
    for e in &request.extracts {
        vu.vars.unset(e.slot);
    }
    Outcome::Failed
}

fn interrupt(vu: &mut Vu, io: &mut Io<'_>) -> Outcome {
    io.frame.generator.interrupted += 1;
    vu.conn.close();
    finish(vu, io);
    Outcome::Interrupted
}

fn finish(vu: &mut Vu, io: &mut Io<'_>) {
    vu.phase = Phase::Idle;
    io.inflight.disarm(vu.slot);
    release(vu, io);
}
