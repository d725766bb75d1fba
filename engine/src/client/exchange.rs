//! One request/response exchange on a session's connection: attach cookies, connect (TCP, then TLS
//! for HTTPS) when needed, send, read; then `outcome` follows redirects and records.
//!
//! The worker's events for a session land here (`on_completion`, `on_deadline`); the request's
//! bytes go out through `outgoing`.

use super::ops::Op;
use super::pool::Lease;
use super::session::{Exchange, State};
use super::{Client, Completed, Outcome, Session, Turn};
use crate::http::Event;
use crate::metrics::{ErrorClass, Failure};
use crate::net::socket;
use crate::plan::HttpCall;

impl Client {
    /// Starts `call` on session `s`, intended to leave at `intended_ns`. `rendered`: its bytes
    /// are in the session's request buffer (else they are the call's own). `urgent`: the worker
    /// must act on its completion at once.
    pub fn send(
        &mut self,
        s: &mut Session,
        call: &HttpCall,
        rendered: bool,
        intended_ns: u64,
        urgent: bool,
        turn: &mut Turn<'_>,
    ) -> Outcome {
        s.exchange = Exchange {
            key: call.key,
            intended_ns,
            urgent,
            target: call.target,
            own_bytes: rendered,
            redirects_left: call.max_redirects,
            ..Default::default()
        };
        s.chain.clear();
        self.attach_cookies(s, call);
        self.start(s, call, turn)
    }

    /// Starts (or restarts, after a redirect) the current hop: on the open connection when it
    /// goes to the same origin, else on a new one.
    pub(super) fn start(
        &mut self,
        s: &mut Session,
        call: &HttpCall,
        turn: &mut Turn<'_>,
    ) -> Outcome {
        s.reader.begin(call.head_request);
        s.head.clear();
        s.body.clear();
        if s.conn.is_open() && s.conn_target == s.exchange.target {
            self.send_request(s, call, turn);
            return Outcome::Pending;
        }
        if self.pools.enabled() {
            // A redirect to another origin gives back the connection it holds first.
            self.release(s);
            match self.pools.acquire(s.exchange.target, s.slot, &mut s.conn) {
                Lease::Idle => {
                    s.pooled = true;
                    s.conn_target = s.exchange.target;
                    self.send_request(s, call, turn);
                    return Outcome::Pending;
                }
                Lease::Open => s.pooled = true,
                Lease::Wait => {
                    s.state = State::Waiting;
                    s.exchange.delayed = true;
                    turn.frame.generator.pool_waits += 1;
                    return Outcome::Pending;
                }
            }
        }
        match self.connect(s, s.exchange.target, turn) {
            Ok(()) => Outcome::Pending,
            Err(f) => self.fail(s, call, turn, f),
        }
    }

    /// A session waiting for a pooled connection got its turn.
    pub fn resume_waiting(
        &mut self,
        s: &mut Session,
        call: &HttpCall,
        turn: &mut Turn<'_>,
    ) -> Outcome {
        self.start(s, call, turn)
    }

    /// The run cuts the exchange: a session waiting for a pooled connection is interrupted at
    /// once; one with I/O in flight has it cancelled (its completion then reports the
    /// interruption).
    pub fn cancel(&mut self, s: &mut Session, turn: &mut Turn<'_>) -> Outcome {
        if s.state == State::Waiting {
            self.pools.forget(s.exchange.target, s.slot);
            return self.interrupt(s, turn);
        }
        s.exchange.cancelled = true;
        s.cancel_io(turn.ring);
        Outcome::Pending
    }

    /// Gives a pooled connection back (open: for the next VU; closed: its place).
    pub(super) fn release(&mut self, s: &mut Session) {
        if s.pooled {
            s.pooled = false;
            self.pools.release(s.conn_target, &mut s.conn);
        }
    }

    /// An operation of session `s` completed (`Session::expects` said it is current).
    pub fn on_completion(
        &mut self,
        s: &mut Session,
        c: Completed,
        call: &HttpCall,
        turn: &mut Turn<'_>,
    ) -> Outcome {
        match c.op {
            Op::Connect => self.on_connect(s, c.result, call, turn),
            Op::Recv => self.on_recv(s, c.result, call, turn),
            Op::Send => self.on_send_failed(s, c.result, call, turn),
            Op::SendBody => {
                // The receive in flight goes on, and reports this if it finds nothing.
                s.exchange.send_failure = Some(send_failure(c.result));
                Outcome::Pending
            }
        }
    }

    /// The send of a request or of a TLS handshake flight failed (`result`: a negated errno, or
    /// the bytes sent before an error or a cancellation cut it), and its linked receive was
    /// skipped. An answer may have arrived before the send failed — a server refusing an upload
    /// early, then hanging up — so what is there is read, as curl and browsers do; if nothing
    /// is, the send's failure is the exchange's.
    fn on_send_failed(
        &mut self,
        s: &mut Session,
        result: i32,
        call: &HttpCall,
        turn: &mut Turn<'_>,
    ) -> Outcome {
        let handshaking = s.state == State::Handshaking;
        if s.exchange.timed_out {
            return self.fail(s, call, turn, timeout_failure(handshaking));
        }
        if s.exchange.cancelled || result == -libc::ECANCELED {
            return self.interrupt(s, turn);
        }
        let failure = if handshaking {
            handshake_error(-result, true)
        } else {
            send_failure(result)
        };
        if s.exchange.send_failure.is_some() {
            // Reading after the first failure had to send (a TLS alert), and failed again.
            return self.retry_or_fail(s, call, turn, failure);
        }
        s.exchange.send_failure = Some(failure);
        self.read_more(s, turn);
        Outcome::Pending
    }

    fn on_connect(
        &mut self,
        s: &mut Session,
        result: i32,
        call: &HttpCall,
        turn: &mut Turn<'_>,
    ) -> Outcome {
        if result < 0 {
            return match -result {
                _ if s.exchange.timed_out => self.fail(
                    s,
                    call,
                    turn,
                    Failure::new(
                        ErrorClass::ConnectTimeout,
                        "not connected within the connect timeout",
                    ),
                ),
                // Cancelled without a timeout: the run cut this iteration.
                libc::ECANCELED => self.interrupt(s, turn),
                errno => self.fail(s, call, turn, socket::connect_failure(errno)),
            };
        }
        s.exchange.connect_ns = Some(turn.now_ns.saturating_sub(s.exchange.connect_start_ns));
        match self.start_tls(s, turn) {
            Ok(true) => {}
            Ok(false) => self.send_request(s, call, turn),
            Err(f) => return self.fail(s, call, turn, f),
        }
        Outcome::Pending
    }

    fn on_recv(
        &mut self,
        s: &mut Session,
        result: i32,
        call: &HttpCall,
        turn: &mut Turn<'_>,
    ) -> Outcome {
        let handshaking = s.state == State::Handshaking;
        if s.exchange.timed_out {
            return self.fail(s, call, turn, timeout_failure(handshaking));
        }
        if result == -libc::ECANCELED {
            // The run cut this iteration.
            return self.interrupt(s, turn);
        }
        if result <= 0 && !s.exchange.got_data {
            if let Some(failure) = s.exchange.send_failure {
                // Nothing came before the failed send's connection ended.
                return self.retry_or_fail(s, call, turn, failure);
            }
        }
        if result < 0 {
            let failure = if handshaking {
                handshake_error(-result, false)
            } else {
                socket::io_failure(-result, false)
            };
            return self.retry_or_fail(s, call, turn, failure);
        }
        if result == 0 {
            if handshaking {
                return self.fail(s, call, turn, handshake_cut(false));
            }
            return self.end_of_stream(s, call, turn);
        }
        let stamp = match self.received(s, result as usize, turn) {
            Ok(stamp) => stamp,
            Err(f) => return self.fail(s, call, turn, f),
        };
        if handshaking {
            if self.continue_handshake(s, stamp, turn) {
                self.send_request(s, call, turn);
            }
            return Outcome::Pending;
        }
        loop {
            let data = s.conn.data();
            s.exchange.got_data |= !data.is_empty();
            let had_head = s.reader.head().is_some();
            let sink = if call.keep_body {
                Some(&mut s.body)
            } else {
                None
            };
            match s.reader.feed(data, sink) {
                Err(e) => return self.fail(s, call, turn, e.failure()),
                Ok((used, event)) => {
                    if !had_head {
                        self.keep_head(s, call, used);
                    }
                    s.conn.consume_data(used);
                    match event {
                        Event::Head => continue,
                        Event::Done => return self.complete(s, call, turn, stamp),
                        Event::NeedMore => break,
                    }
                }
            }
        }
        if s.conn.tls.as_deref().is_some_and(|t| t.peer_closed) {
            return self.end_of_stream(s, call, turn);
        }
        if s.exchange.body_held && s.reader.continued() {
            self.release_body(s, call, turn);
        }
        self.read_more(s, turn);
        Outcome::Pending
    }

    /// Copies the head just parsed into the session when something will read it: the call's
    /// checks or extractions, the cookie jar, or a redirect.
    fn keep_head(&self, s: &mut Session, call: &HttpCall, used: usize) {
        let Some(h) = s.reader.head() else {
            return;
        };
        if call.keep_head || self.stores_cookies(h) || follows_redirect(h, call) {
            let head = &s.conn.data()[used - h.len..used];
            s.head.extend_from_slice(head);
        }
    }

    /// The server closed the connection (or sent TLS close_notify): the end of a
    /// close-delimited body, or a failure.
    fn end_of_stream(&mut self, s: &mut Session, call: &HttpCall, turn: &mut Turn<'_>) -> Outcome {
        match s.reader.finish_on_eof() {
            Ok(()) => {
                let done = s.exchange.last_rx_ns;
                self.complete(s, call, turn, done)
            }
            Err(e) => self.retry_or_fail(s, call, turn, e.failure()),
        }
    }

    /// The exchange's deadline passed: cancel whatever is in flight; the completion reports it.
    /// For a body held back for `Expect: 100-continue`, it is the end of the wait: the body goes
    /// now.
    pub fn on_deadline(&mut self, s: &mut Session, call: &HttpCall, turn: &mut Turn<'_>) {
        if s.exchange.body_held && s.state == State::Exchanging {
            self.release_body(s, call, turn);
            return;
        }
        s.exchange.timed_out = true;
        turn.ring.cancel_fd(s.conn.fd);
    }
}

/// The response is a redirect this call follows (so its head is kept).
pub(super) fn follows_redirect(head: &crate::http::Head, call: &HttpCall) -> bool {
    head.location && super::redirect::is_redirect(head.status) && call.max_redirects > 0
}

/// The exchange's deadline passed: in the TLS handshake, connecting took too long; after it, the
/// response did (however far sending the request had got).
fn timeout_failure(handshaking: bool) -> Failure {
    if handshaking {
        handshake_cut(true)
    } else {
        Failure::new(
            ErrorClass::RequestTimeout,
            "no complete response within the timeout",
        )
    }
}

/// Why a connection closed during the TLS handshake, or timed out in it.
fn handshake_cut(timed_out: bool) -> Failure {
    if timed_out {
        Failure::new(
            ErrorClass::ConnectTimeout,
            "TLS handshake not done within the connect timeout",
        )
    } else {
        Failure::new(
            ErrorClass::TlsHandshakeFailed,
            "the server closed the connection during the TLS handshake",
        )
    }
}

/// A connection error (`errno`) during the TLS handshake. A reset (or the broken pipe one leaves
/// behind) is the server refusing the handshake, as a close is: no request was in flight yet,
/// so it is not `connection_reset`. Other errors keep their own class.
fn handshake_error(errno: i32, sending: bool) -> Failure {
    match errno {
        libc::ECONNRESET | libc::EPIPE => Failure::new(
            ErrorClass::TlsHandshakeFailed,
            "the server reset the connection during the TLS handshake",
        ),
        _ => socket::io_failure(errno, sending),
    }
}

/// A failed request send: `result` is a negated errno, or the bytes sent before the connection
/// failed (the kernel then reports progress, not the error).
fn send_failure(result: i32) -> Failure {
    if result < 0 {
        socket::io_failure(-result, true)
    } else {
        Failure::new(
            ErrorClass::SendFailed,
            "the connection failed partway through sending the request",
        )
    }
}
