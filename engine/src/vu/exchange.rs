//! One request/response exchange on a VU's connection: connect when needed, send, read, finish.
//!
//! Every outcome is recorded here, in the recorder frame, exactly once: a response with its
//! response time (from the intended send) and service time (from the actual send), or a
//! classified failure. A failure before any byte on a reused keep-alive connection (the server
//! closed it while idle) is retried once on a fresh connection, as browsers do.

use super::inflight::Inflight;
use super::{user_data, Op, Phase, Vu};
use crate::clock::RealtimeOffset;
use crate::metrics::{ErrorClass, Failure, Frame};
use crate::net::{socket, Ring};
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
    /// The run is stopping: cancellations are interruptions, not failures.
    pub stopping: bool,
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
    /// The run stopped it; nothing was recorded.
    Interrupted,
}

/// Starts `request` on `vu`, intended to be sent at `intended_ns`. `urgent`: the worker must act
/// on its completion at once.
pub fn begin(
    vu: &mut Vu,
    request: &CompiledRequest,
    step: usize,
    intended_ns: u64,
    urgent: bool,
    io: &mut Io<'_>,
) -> Outcome {
    vu.x = super::Exchange {
        step,
        key: request.key,
        intended_ns,
        urgent,
        ..Default::default()
    };
    vu.reader.begin(request.head_request);
    if vu.conn.is_open() && vu.conn_target == request.target {
        send(vu, request, io);
        Outcome::Pending
    } else {
        connect(vu, request.target, io)
    }
}

fn connect(vu: &mut Vu, target: usize, io: &mut Io<'_>) -> Outcome {
    vu.conn.close();
    let addr = &io.plan.targets[target].addr;
    let fd = match socket::open(addr) {
        Ok(fd) => fd,
        Err(e) => {
            return fail(
                vu,
                io,
                socket::connect_failure(e.raw_os_error().unwrap_or(0)),
            )
        }
    };
    vu.conn.fd = fd;
    vu.conn_target = target;
    vu.conn_requests = 0;
    vu.generation = vu.generation.wrapping_add(1);
    vu.phase = Phase::Connecting;
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
    let bytes = &request.bytes;
    // SAFETY: the request bytes live in the plan; the msghdr and buffer live in the boxed
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
pub fn on_connect(vu: &mut Vu, result: i32, request: &CompiledRequest, io: &mut Io<'_>) -> Outcome {
    if result < 0 {
        return match -result {
            _ if vu.x.timed_out => fail(
                vu,
                io,
                Failure::new(
                    ErrorClass::ConnectTimeout,
                    "not connected within the connect timeout",
                ),
            ),
            libc::ECANCELED if io.stopping => interrupt(vu, io),
            errno => fail(vu, io, socket::connect_failure(errno)),
        };
    }
    send(vu, request, io);
    Outcome::Pending
}

/// The linked send failed with `result` (a successful send posts nothing).
pub fn on_send_error(vu: &mut Vu, result: i32) {
    // The linked receive completes with -ECANCELED right after; remember why.
    vu.x.send_errno = -result;
}

/// A receive completed with `result` bytes (or an error).
pub fn on_recv(vu: &mut Vu, result: i32, request: &CompiledRequest, io: &mut Io<'_>) -> Outcome {
    if vu.x.timed_out {
        return fail(
            vu,
            io,
            Failure::new(
                ErrorClass::RequestTimeout,
                "no complete response within the timeout",
            ),
        );
    }
    if result < 0 {
        return match -result {
            libc::ECANCELED if io.stopping => interrupt(vu, io),
            libc::ECANCELED => {
                let errno = vu.x.send_errno;
                retry_or_fail(vu, request, io, socket::io_failure(errno, true))
            }
            errno => retry_or_fail(vu, request, io, socket::io_failure(errno, false)),
        };
    }
    if result == 0 {
        return match vu.reader.finish_on_eof() {
            Ok(()) => {
                let done = vu.x.last_rx_ns;
                complete(vu, io, done)
            }
            Err(e) => retry_or_fail(vu, request, io, e.failure()),
        };
    }
    let n = result as usize;
    let stamp = vu.conn.received(n, &io.offset).unwrap_or(io.now_ns);
    vu.x.last_rx_ns = stamp;
    vu.x.received += n as u64;
    io.frame.keys[vu.x.key].bytes_received += n as u64;
    loop {
        match vu.reader.feed(vu.conn.pending(), None) {
            Err(e) => return fail(vu, io, e.failure()),
            Ok((used, event)) => {
                vu.conn.consume(used);
                match event {
                    crate::http::Event::Head => continue,
                    crate::http::Event::Done => return complete(vu, io, stamp),
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

/// The run is being aborted: cancel whatever is in flight.
pub fn abort(vu: &mut Vu, io: &mut Io<'_>) {
    if vu.phase != Phase::Idle && vu.conn.is_open() {
        io.ring.cancel_fd(vu.conn.fd);
    }
}

fn complete(vu: &mut Vu, io: &mut Io<'_>, done_ns: u64) -> Outcome {
    let head = *vu.reader.head().expect("a complete response has a head");
    let sent = vu.x.sent_ns;
    // Kernel stamps are exact; clamp only against clock-offset noise.
    let done = done_ns.clamp(sent, io.now_ns.max(sent));
    // A request batched early into a wake-up is timed from when it was really sent.
    let start = vu.x.intended_ns.min(sent);
    let (lo, hi) = io.plan.expected_status;
    let ok = (lo..=hi).contains(&head.status);
    io.frame.keys[vu.x.key].record_response(head.status, done - start, done - sent, ok);
    vu.conn_requests += 1;
    if !head.keep_alive {
        vu.conn.close();
    }
    finish(vu, io);
    Outcome::Response
}

fn retry_or_fail(
    vu: &mut Vu,
    request: &CompiledRequest,
    io: &mut Io<'_>,
    failure: Failure,
) -> Outcome {
    let stale_keep_alive = vu.x.received == 0 && vu.conn_requests > 0 && !vu.x.retried;
    if !stale_keep_alive {
        return fail(vu, io, failure);
    }
    io.frame.generator.reconnects += 1;
    vu.x.retried = true;
    vu.reader.begin(request.head_request);
    connect(vu, request.target, io)
}

fn fail(vu: &mut Vu, io: &mut Io<'_>, failure: Failure) -> Outcome {
    io.frame.keys[vu.x.key].record_failure(failure);
    vu.conn.close();
    finish(vu, io);
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
