//! How an exchange ends. Every outcome is recorded here exactly once: a response with its
//! response time (from the intended send), service time (from the actual send) and phases; or a
//! classified failure. Each redirect hop is recorded as a response of its own, timed from when the
//! previous hop's response arrived, and the next hop starts from here. A failure before any byte
//! on a reused keep-alive connection (the server closed it while idle) is retried once on a fresh
//! connection, as browsers do.

use super::session::{Exchange, State};
use super::{cookies, decode, redirect, Client, Outcome, Session, Turn};
use crate::http::Head;
use crate::metrics::{ErrorClass, Failure};
use crate::plan::HttpCall;
use crate::plan::{ConnectionPolicy, CookiePolicy};

impl Client {
    /// The response's cookies go to the jar (so its head is kept).
    pub(super) fn stores_cookies(&self, head: &Head) -> bool {
        head.set_cookie && self.settings.cookies != CookiePolicy::Off
    }

    /// The response is complete (its last byte arrived at `done_ns`): store its cookies, then
    /// follow its redirect, or record it.
    pub(super) fn complete(
        &mut self,
        s: &mut Session,
        call: &HttpCall,
        turn: &mut Turn<'_>,
        done_ns: u64,
    ) -> Outcome {
        let head = *s.reader.head().expect("a complete response has a head");
        let sent = s.exchange.sent_ns;
        let timed = Timing::of(s.exchange.intended_ns, sent, done_ns, turn.now_ns);
        if timed.anomaly {
            let g = &mut turn.frame.generator;
            g.clock_anomalies += 1;
            g.clock_anomaly_max_ns = g.clock_anomaly_max_ns.max(sent - done_ns);
        }
        let done = timed.done;
        let mut set_cookies = false;
        if self.stores_cookies(&head) {
            let origin = self.origins.get(s.exchange.target);
            if let Some(url) = cookies::request_url(origin, self.request_bytes(s, call)) {
                let jar = s.jar.get_or_insert_with(Default::default);
                set_cookies = cookies::store(jar, &s.head, &url);
            }
        }
        let hop = if super::exchange::follows_redirect(&head, call) {
            let next = if s.exchange.redirects_left == 0 {
                Err(Failure::new(
                    ErrorClass::TooManyRedirects,
                    "more redirects than max_redirects allows",
                ))
            } else {
                let mut chain = std::mem::take(&mut s.chain);
                let next = redirect::next(
                    head.status,
                    &s.head,
                    self.request_bytes(s, call),
                    s.exchange.target,
                    &mut chain,
                    set_cookies,
                    &mut self.origins,
                    &self.settings.dns,
                );
                s.chain = chain;
                next
            };
            match next {
                Ok(hop) => Some(hop),
                Err(f) => return self.fail(s, call, turn, f),
            }
        } else {
            None
        };
        let mut decoded = None;
        if hop.is_none() && call.keep_body && self.settings.decode_bodies {
            let max = self.settings.limits.max_body_bytes;
            match decode::decode(head.coding, &mut s.body, &mut s.scratch, max) {
                Ok(n) => decoded = n,
                // The body cannot be inspected: the request failed.
                Err(f) => return self.fail(s, call, turn, f),
            }
        }
        let (lo, hi) = self.settings.expected_status;
        let status_ok = (lo..=hi).contains(&head.status);
        let key = &mut turn.frame.keys[s.exchange.key];
        key.record_response(head.status, timed.response_ns, timed.service_ns, status_ok);
        let first = s.exchange.first_rx_ns.clamp(sent, done);
        key.record_phases(
            s.exchange.connect_ns,
            s.exchange.tls_ns,
            first - sent,
            done - first,
        );
        key.bytes_decoded += decoded.unwrap_or(0);
        s.exchange.last_rx_ns = done;
        s.exchange.status_ok = status_ok;
        s.conn.exchanges += 1;
        // A final answer before the held body went out (417, 401, …) leaves the server unsure
        // whether a body follows, and one read after a failed send came on a broken connection:
        // neither connection is reused.
        if !head.keep_alive
            || self.settings.connections == ConnectionPolicy::PerRequest
            || s.exchange.body_held
            || s.exchange.send_failure.is_some()
        {
            s.conn.close();
        }
        if let Some(hop) = hop {
            turn.frame.generator.redirects += 1;
            self.inflight.disarm(s.slot);
            s.tx = hop.bytes;
            s.exchange = Exchange {
                key: s.exchange.key,
                intended_ns: done,
                urgent: true,
                target: hop.target,
                own_bytes: true,
                redirects_left: s.exchange.redirects_left - 1,
                ..Default::default()
            };
            self.attach_cookies(s, call);
            return self.start(s, call, turn);
        }
        self.finish(s);
        Outcome::Response
    }

    pub(super) fn retry_or_fail(
        &mut self,
        s: &mut Session,
        call: &HttpCall,
        turn: &mut Turn<'_>,
        failure: Failure,
    ) -> Outcome {
        let x = &s.exchange;
        let stale_keep_alive = !x.got_data && s.conn.exchanges > 0 && !x.retried;
        if !stale_keep_alive {
            return self.fail(s, call, turn, failure);
        }
        turn.frame.generator.reconnects += 1;
        s.exchange.retried = true;
        s.exchange.received = 0;
        s.reader.begin(call.head_request);
        match self.connect(s, s.exchange.target, turn) {
            Ok(()) => Outcome::Pending,
            Err(f) => self.fail(s, call, turn, f),
        }
    }

    pub(super) fn fail(
        &mut self,
        s: &mut Session,
        call: &HttpCall,
        turn: &mut Turn<'_>,
        failure: Failure,
    ) -> Outcome {
        // Timed like a response, from when the request was due (or left, if earlier) to now.
        let x = &s.exchange;
        let from = if x.sent_ns == 0 {
            x.intended_ns
        } else {
            x.intended_ns.min(x.sent_ns)
        };
        let elapsed = turn.now_ns.saturating_sub(from);
        turn.frame.keys[call.key].record_failure(failure, elapsed);
        s.conn.close();
        self.finish(s);
        Outcome::Failed(failure.class)
    }

    pub(super) fn interrupt(&mut self, s: &mut Session, turn: &mut Turn<'_>) -> Outcome {
        turn.frame.generator.interrupted += 1;
        s.conn.close();
        self.finish(s);
        Outcome::Interrupted
    }

    fn finish(&mut self, s: &mut Session) {
        s.state = State::Idle;
        self.inflight.disarm(s.slot);
        self.release(s);
    }
}

/// How long a response took, by the timing rule: response time from when the request was due to
/// leave (or from when it really left, if that was earlier: a send batched early is never given
/// a head start), service time from when it left, both to the kernel's receive time of the last
/// byte. Response time ≥ service time ≥ 0 by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Timing {
    /// When the response ended (ns).
    done: u64,
    /// Response time (ns).
    response_ns: u64,
    /// Service time (ns).
    service_ns: u64,
    /// The kernel said the response ended before the request left. It cannot have: the anomaly
    /// is counted, never folded into the histograms as a zero, and the response is timed to when
    /// the loop saw it instead (an upper bound).
    anomaly: bool,
}

impl Timing {
    fn of(intended_ns: u64, sent_ns: u64, received_ns: u64, now_ns: u64) -> Timing {
        let anomaly = received_ns < sent_ns;
        let done = if anomaly {
            now_ns.max(sent_ns)
        } else {
            received_ns
        };
        let from = intended_ns.min(sent_ns);
        Timing {
            done,
            response_ns: done - from,
            service_ns: done - sent_ns,
            anomaly,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Timing;

    #[test]
    fn an_early_send_answered_before_its_intended_time_is_timed_from_when_it_left() {
        // Due at 1,000 µs, batched into a wake-up at 400 µs, answered at 650 µs: 250 µs each way,
        // not a negative time clamped to zero.
        let t = Timing::of(1_000_000, 400_000, 650_000, 700_000);
        assert_eq!(
            (t.response_ns, t.service_ns, t.anomaly),
            (250_000, 250_000, false)
        );
    }

    #[test]
    fn a_late_send_counts_its_lag_in_the_response_time() {
        let t = Timing::of(1_000_000, 1_300_000, 1_500_000, 1_600_000);
        assert_eq!((t.response_ns, t.service_ns), (500_000, 200_000));
    }

    #[test]
    fn a_receive_time_before_the_send_is_an_anomaly_timed_to_when_it_was_seen() {
        let t = Timing::of(1_000_000, 1_000_000, 990_000, 1_040_000);
        assert!(t.anomaly);
        assert_eq!(
            (t.done, t.response_ns, t.service_ns),
            (1_040_000, 40_000, 40_000)
        );
    }
}
