//! How an exchange ends. Every outcome is recorded here exactly once: a response with its
//! response time (from the intended send), service time (from the actual send) and phases, its
//! checks, and the funnel step; or a classified failure. Each redirect hop is recorded as a
//! response of its own, timed from when the previous hop's response arrived, and the next hop
//! starts from here. A failure before any byte on a reused keep-alive connection (the server
//! closed it while idle) is retried once on a fresh connection, as browsers do.

use super::exchange::{release, start, Io, Outcome};
use super::inspect::{inspect, Response};
use super::outgoing::{attach_cookies, request_bytes};
use super::{cookies, decode, redirect, transport, Phase, Vu};
use crate::http::Head;
use crate::metrics::{ErrorClass, Failure};
use crate::plan::options::{ConnectionPolicy, CookiePolicy, HttpOptions};
use crate::plan::CompiledRequest;

/// The response's cookies go to the jar (so its head is kept).
pub(super) fn stores_cookies(head: &Head, http: &HttpOptions) -> bool {
    head.set_cookie && http.cookies != CookiePolicy::Off
}

/// The response is a redirect this request follows (so its head is kept).
pub(super) fn follows_redirect(head: &Head, request: &CompiledRequest) -> bool {
    head.location && redirect::is_redirect(head.status) && request.max_redirects > 0
}

/// The response is complete (its last byte arrived at `done_ns`): store its cookies, then follow
/// its redirect, or record and inspect it.
pub(super) fn complete(
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
    if stores_cookies(&head, http) {
        let origin = io.origins.get(vu.x.target);
        if let Some(url) = cookies::request_url(origin, request_bytes(vu, request)) {
            let jar = vu.jar.get_or_insert_with(Default::default);
            set_cookies = cookies::store(jar, &vu.head, &url);
        }
    }
    let hop = if follows_redirect(&head, request) {
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

pub(super) fn retry_or_fail(
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

pub(super) fn fail(
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

pub(super) fn interrupt(vu: &mut Vu, io: &mut Io<'_>) -> Outcome {
    io.frame.generator.interrupted += 1;
    vu.conn.close();
    finish(vu, io);
    Outcome::Interrupted
}

pub(super) fn finish(vu: &mut Vu, io: &mut Io<'_>) {
    vu.phase = Phase::Idle;
    io.inflight.disarm(vu.slot);
    release(vu, io);
}
