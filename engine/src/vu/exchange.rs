//! One request/response exchange on a VU's connection: render, connect when needed, send, read,
//! inspect, finish.
//!
//! Every outcome is recorded here exactly once: a response with its response time (from the
//! intended send), service time (from the actual send) and phases, its checks, and the funnel step;
//! or a classified failure. A failure before any byte on a reused keep-alive connection (the
//! server closed it while idle) is retried once on a fresh connection, as browsers do.

use super::inflight::Inflight;
use super::inspect::{inspect, Response};
use super::{user_data, Op, Phase, Vu};
use crate::clock::RealtimeOffset;
use crate::metrics::{ErrorClass, Failure, Frame};
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
        ..Default::default()
    };
    if let Encoding::Dynamic(t) = &request.encoding {
        if super::render::render(t, &vu.vars, &mut vu.rng, &mut vu.tx, &mut vu.scratch).is_err() {
            io.frame.journeys[jk].steps[request.step].aborted += 1;
            return Outcome::Abort;
        }
    }
    io.frame.journeys[jk].steps[request.step].reached += 1;
    vu.reader.begin(request.head_request);
    vu.head.clear();
    vu.body.clear();
    if vu.conn.is_open() && vu.conn_target == request.target {
        send(vu, request, io);
        Outcome::Pending
    } else {
        connect(vu, request, jk, io)
    }
}

fn connect(vu: &mut Vu, request: &CompiledRequest, jk: usize, io: &mut Io<'_>) -> Outcome {
    vu.conn.close();
    let addr = &io.plan.targets[request.target].addr;
    let fd = match socket::open(addr) {
        Ok(fd) => fd,
        Err(e) => {
            return fail(
                vu,
                request,
                jk,
                io,
                socket::connect_failure(e.raw_os_error().unwrap_or(0)),
            )
        }
    };
    vu.conn.fd = fd;
    vu.conn_target = request.target;
    vu.conn_requests = 0;
    vu.generation = vu.generation.wrapping_add(1);
    vu.phase = Phase::Connecting;
    vu.x.connect_start_ns = io.now_ns;
    io.frame.generator.connections_opened += 1;
    // SAFETY: the address lives in the plan, which outlives the run.
    unsafe {
        io.ring.connect(
            fd,
            addr.as_ptr().cast(),
            addr.len(),
            user_data(vu.slot, vu.generation, Op::Connect),
        )
    };
    io.inflight
        .arm(vu.slot, io.now_ns + io.plan.connect_timeout_ns, true);
    Outcome::Pending
}

fn send(vu: &mut Vu, request: &CompiledRequest, io: &mut Io<'_>) {
    vu.phase = Phase::Exchanging;
    let msg = vu.conn.prepare_recv(io.plan.limits.max_head_bytes);
    let bytes: &[u8] = match &request.encoding {
        Encoding::Static(b) => b,
        Encoding::Dynamic(_) => &vu.tx,
    };
    // SAFETY: static bytes live in the plan; `tx` is not touched until this exchange ends (the
    // linked receive completes only after the send); the msghdr and buffer live in the boxed
    // connection, which is neither moved nor resized until the receive completes.
    unsafe {
        io.ring.send_then_recv(
            vu.conn.fd,
            bytes.as_ptr(),
            bytes.len() as u32,
            msg,
            user_data(vu.slot, vu.generation, Op::Send),
            user_data(vu.slot, vu.generation, Op::Recv),
        );
    }
    io.frame.keys[request.key].bytes_sent += bytes.len() as u64;
    io.to_stamp.push(vu.slot);
    io.inflight
        .arm(vu.slot, io.now_ns + request.timeout_ns, vu.x.urgent);
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
    send(vu, request, io);
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
    if vu.x.timed_out {
        return fail(
            vu,
            request,
            jk,
            io,
            Failure::new(
                ErrorClass::RequestTimeout,
                "no complete response within the timeout",
            ),
        );
    }
    if result < 0 {
        return match -result {
            // The linked send failed (its completion came first and left the errno)…
            libc::ECANCELED if vu.x.send_errno != 0 => retry_or_fail(
                vu,
                request,
                jk,
                io,
                socket::io_failure(vu.x.send_errno, true),
            ),
            // …or the run cut this iteration.
            libc::ECANCELED => interrupt(vu, io),
            errno => retry_or_fail(vu, request, jk, io, socket::io_failure(errno, false)),
        };
    }
    if result == 0 {
        return match vu.reader.finish_on_eof() {
            Ok(()) => {
                let done = vu.x.last_rx_ns;
                complete(vu, request, jk, io, done)
            }
            Err(e) => retry_or_fail(vu, request, jk, io, e.failure()),
        };
    }
    let n = result as usize;
    let stamp = vu.conn.received(n, &io.offset).unwrap_or(io.now_ns);
    if vu.x.received == 0 {
        vu.x.first_rx_ns = stamp;
    }
    vu.x.last_rx_ns = stamp;
    vu.x.received += n as u64;
    io.frame.keys[vu.x.key].bytes_received += n as u64;
    loop {
        let had_head = vu.reader.head().is_some();
        let sink = if request.keep_body {
            Some(&mut vu.body)
        } else {
            None
        };
        match vu.reader.feed(vu.conn.pending(), sink) {
            Err(e) => return fail(vu, request, jk, io, e.failure()),
            Ok((used, event)) => {
                if request.keep_head && !had_head {
                    if let Some(h) = vu.reader.head() {
                        vu.head
                            .extend_from_slice(&vu.conn.pending()[used - h.len..used]);
                    }
                }
                vu.conn.consume(used);
                match event {
                    crate::http::Event::Head => continue,
                    crate::http::Event::Done => return complete(vu, request, jk, io, stamp),
                    crate::http::Event::NeedMore => break,
                }
            }
        }
    }
    // More bytes are needed: read again, promptly (the socket buffer must not fill).
    let msg = vu.conn.prepare_recv(io.plan.limits.max_head_bytes);
    // SAFETY: as in `send`.
    unsafe {
        io.ring
            .recv(vu.conn.fd, msg, user_data(vu.slot, vu.generation, Op::Recv))
    };
    io.inflight.set_urgent(vu.slot, true);
    Outcome::Pending
}

/// The exchange's deadline passed: cancel whatever is in flight; the completion reports it.
pub fn on_deadline(vu: &mut Vu, io: &mut Io<'_>) {
    vu.x.timed_out = true;
    io.ring.cancel_fd(vu.conn.fd);
}

/// The run is being cut short: cancel whatever is in flight.
pub fn abort(vu: &mut Vu, io: &mut Io<'_>) {
    if matches!(vu.phase, Phase::Connecting | Phase::Exchanging) && vu.conn.is_open() {
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
    // A request batched early into a wake-up is timed from when it was really sent.
    let start = vu.x.intended_ns.min(sent);
    let (lo, hi) = io.plan.expected_status;
    let status_ok = (lo..=hi).contains(&head.status);
    let key = &mut io.frame.keys[vu.x.key];
    key.record_response(head.status, done - start, done - sent, status_ok);
    let first = vu.x.first_rx_ns.clamp(sent, done);
    key.record_phases(vu.x.connect_ns, first - sent, done - first);
    vu.x.last_rx_ns = done;
    vu.conn_requests += 1;
    if !head.keep_alive {
        vu.conn.close();
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
    let stale_keep_alive = vu.x.received == 0 && vu.conn_requests > 0 && !vu.x.retried;
    if !stale_keep_alive {
        return fail(vu, request, jk, io, failure);
    }
    io.frame.generator.reconnects += 1;
    vu.x.retried = true;
    vu.reader.begin(request.head_request);
    connect(vu, request, jk, io)
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
}
