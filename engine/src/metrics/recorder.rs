//! The per-worker recorder: what one worker measured during one second.
//!
//! A `Frame` holds fixed-size counters and histograms for every request key (interned when the plan
//! is compiled), so recording is an index and an add: no hashing, no allocation, no lock. At each
//! second boundary the worker hands its filled frame to the collector and continues on a spare one
//! that the collector returns after merging (see `worker`). Nothing here knows about threads.

use super::error_class::{ErrorClass, Failure};
use super::histogram::Hist;
pub use super::journey_stats::{CheckStats, JourneyStats, ScenarioStats, StepStats, UserStats};

/// Status codes are counted in a flat array indexed by code; anything outside 100..=599 goes to
/// slot 0 ("other").
pub const STATUS_SLOTS: usize = 600;

/// Counters and histograms for one request key (scenario × request name).
#[derive(Clone)]
pub struct KeyStats {
    /// Exchanges finished: a response, or a classified failure.
    pub requests: u64,
    /// Responses whose status was not expected (default: outside 200..=399).
    pub unexpected_status: u64,
    /// Bytes written (request heads and bodies).
    pub bytes_sent: u64,
    /// Bytes read from the wire.
    pub bytes_received: u64,
    /// Response body bytes after content decoding, for responses that were decoded.
    pub bytes_decoded: u64,
    /// Responses by status code.
    pub status: Box<[u64; STATUS_SLOTS]>,
    /// Failures by class.
    pub errors: [u64; ErrorClass::COUNT],
    /// The first detail seen for each class, for the summary.
    pub error_detail: [Option<&'static str>; ErrorClass::COUNT],
    /// Every finished request's time from its intended send (coordinated-omission-correct) to its
    /// last response byte, or to when it failed: responses of any status and failures alike, µs.
    pub response_time: Hist,
    /// The successful-only view: response times of responses with an expected status, µs.
    pub expected_time: Hist,
    /// Response times of requests given up on at a timeout: each is a lower bound of the time the
    /// request would have taken (a subset of `response_time`), µs.
    pub timed_out: Hist,
    /// Completion − actual send time, of responses, µs.
    pub service_time: Hist,
    /// TCP connect time, for requests that opened a connection, µs (2 significant digits, as the
    /// other phases).
    pub connecting: Hist,
    /// TLS handshake time, for requests that opened an HTTPS connection, µs.
    pub tls_handshaking: Hist,
    /// Send to first response byte, µs.
    pub waiting: Hist,
    /// First to last response byte, µs.
    pub receiving: Hist,
}

impl Default for KeyStats {
    fn default() -> Self {
        Self {
            requests: 0,
            unexpected_status: 0,
            bytes_sent: 0,
            bytes_received: 0,
            bytes_decoded: 0,
            status: Box::new([0; STATUS_SLOTS]),
            errors: [0; ErrorClass::COUNT],
            error_detail: [None; ErrorClass::COUNT],
            response_time: Hist::new(),
            expected_time: Hist::new(),
            timed_out: Hist::new(),
            service_time: Hist::new(),
            connecting: Hist::coarse(),
            tls_handshaking: Hist::coarse(),
            waiting: Hist::coarse(),
            receiving: Hist::coarse(),
        }
    }
}

impl KeyStats {
    /// Records the phases of a response: connecting and TLS handshaking (when a connection was
    /// opened), waiting (time to first byte) and receiving.
    #[inline]
    pub fn record_phases(
        &mut self,
        connecting_ns: Option<u64>,
        tls_ns: Option<u64>,
        waiting_ns: u64,
        receiving_ns: u64,
    ) {
        if let Some(c) = connecting_ns {
            self.connecting.record_ns(c);
        }
        if let Some(t) = tls_ns {
            self.tls_handshaking.record_ns(t);
        }
        self.waiting.record_ns(waiting_ns);
        self.receiving.record_ns(receiving_ns);
    }

    /// Records a complete response.
    #[inline]
    pub fn record_response(&mut self, status: u16, response_ns: u64, service_ns: u64, ok: bool) {
        self.requests += 1;
        let slot = if (100..600).contains(&status) {
            status as usize
        } else {
            0
        };
        self.status[slot] += 1;
        if ok {
            self.expected_time.record_ns(response_ns);
        } else {
            self.unexpected_status += 1;
        }
        self.response_time.record_ns(response_ns);
        self.service_time.record_ns(service_ns);
    }

    /// Records a failed exchange (no usable response) that ended `response_ns` after its intended
    /// send. A timeout's time is a lower bound, and kept apart as one.
    #[inline]
    pub fn record_failure(&mut self, failure: Failure, response_ns: u64) {
        self.requests += 1;
        self.response_time.record_ns(response_ns);
        if failure.class.is_timeout() {
            self.timed_out.record_ns(response_ns);
        }
        let i = failure.class as usize;
        self.errors[i] += 1;
        if self.error_detail[i].is_none() {
            self.error_detail[i] = Some(failure.detail);
        }
    }

    /// Number of failed exchanges.
    pub fn failures(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &KeyStats) {
        self.requests += other.requests;
        self.unexpected_status += other.unexpected_status;
        self.bytes_sent += other.bytes_sent;
        self.bytes_received += other.bytes_received;
        self.bytes_decoded += other.bytes_decoded;
        for (a, b) in self.status.iter_mut().zip(other.status.iter()) {
            *a += b;
        }
        for i in 0..ErrorClass::COUNT {
            self.errors[i] += other.errors[i];
            if self.error_detail[i].is_none() {
                self.error_detail[i] = other.error_detail[i];
            }
        }
        self.response_time.merge(&other.response_time);
        self.expected_time.merge(&other.expected_time);
        self.timed_out.merge(&other.timed_out);
        self.service_time.merge(&other.service_time);
        self.connecting.merge(&other.connecting);
        self.tls_handshaking.merge(&other.tls_handshaking);
        self.waiting.merge(&other.waiting);
        self.receiving.merge(&other.receiving);
    }

    /// Clears every count, keeping allocations.
    pub fn reset(&mut self) {
        self.requests = 0;
        self.unexpected_status = 0;
        self.bytes_sent = 0;
        self.bytes_received = 0;
        self.bytes_decoded = 0;
        self.status.fill(0);
        self.errors = [0; ErrorClass::COUNT];
        self.error_detail = [None; ErrorClass::COUNT];
        self.response_time.reset();
        self.expected_time.reset();
        self.timed_out.reset();
        self.service_time.reset();
        self.connecting.reset();
        self.tls_handshaking.reset();
        self.waiting.reset();
        self.receiving.reset();
    }
}

/// Generator-side measurements of one worker for one second.
#[derive(Clone, Default)]
pub struct GeneratorStats {
    /// Actual − intended send time for sends that were late, µs (early sends record 0).
    pub send_lag: Hist,
    /// Sends made before their intended time because they were batched into an earlier wake-up.
    pub sent_early: u64,
    /// Requests that waited for a free connection (in-flight bound hit) before being sent.
    pub delayed: u64,
    /// Iterations that could not start on time and were skipped (drop policy).
    pub dropped_iterations: u64,
    /// Iterations started.
    pub iterations: u64,
    /// CPU time the worker thread used (user + system, so kernel network work counts), ns.
    pub busy_ns: u64,
    /// Nanoseconds of wall time covered.
    pub wall_ns: u64,
    /// Highest number of requests in flight at once.
    pub max_in_flight: u64,
    /// Virtual users active at the end of the second.
    pub active_vus: u64,
    /// Connections opened.
    pub connections_opened: u64,
    /// Requests resent on a fresh connection because the server had closed an idle keep-alive one.
    pub reconnects: u64,
    /// Requests still in flight when the run ended (not counted as requests).
    pub interrupted: u64,
    /// TLS handshakes completed.
    pub tls_handshakes: u64,
    /// Of those, resumed sessions (no full handshake).
    pub tls_resumed: u64,
    /// Redirects followed.
    pub redirects: u64,
    /// Requests that waited for a pooled connection (max_connections_per_host reached).
    pub pool_waits: u64,
    /// Responses whose kernel receive time came before their request was sent.
    pub clock_anomalies: u64,
    /// The largest such gap, ns.
    pub clock_anomaly_max_ns: u64,
}

impl GeneratorStats {
    /// Adds `other` into `self` (maxima take the max, sums add).
    pub fn merge(&mut self, other: &GeneratorStats) {
        self.send_lag.merge(&other.send_lag);
        self.sent_early += other.sent_early;
        self.delayed += other.delayed;
        self.dropped_iterations += other.dropped_iterations;
        self.iterations += other.iterations;
        self.busy_ns += other.busy_ns;
        self.wall_ns += other.wall_ns;
        self.max_in_flight += other.max_in_flight;
        self.active_vus += other.active_vus;
        self.connections_opened += other.connections_opened;
        self.reconnects += other.reconnects;
        self.interrupted += other.interrupted;
        self.tls_handshakes += other.tls_handshakes;
        self.tls_resumed += other.tls_resumed;
        self.redirects += other.redirects;
        self.pool_waits += other.pool_waits;
        self.clock_anomalies += other.clock_anomalies;
        self.clock_anomaly_max_ns = self.clock_anomaly_max_ns.max(other.clock_anomaly_max_ns);
    }

    /// Clears every count, keeping allocations.
    pub fn reset(&mut self) {
        let lag = std::mem::take(&mut self.send_lag);
        *self = GeneratorStats {
            send_lag: lag,
            ..Default::default()
        };
        self.send_lag.reset();
    }
}

/// How many of each thing a frame counts (from the compiled plan).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Request keys.
    pub keys: usize,
    /// Checks.
    pub checks: usize,
    /// Funnel steps of each journey key.
    pub journeys: Vec<usize>,
    /// Scenarios.
    pub scenarios: usize,
    /// User metrics, and whether each is a trend.
    pub metrics: Vec<bool>,
}

/// Everything one worker recorded during one second.
#[derive(Clone)]
pub struct Frame {
    /// Per request key, indexed by key id.
    pub keys: Vec<KeyStats>,
    /// Per check.
    pub checks: Vec<CheckStats>,
    /// Per journey key: iterations, durations, funnel.
    pub journeys: Vec<JourneyStats>,
    /// Per scenario.
    pub scenarios: Vec<ScenarioStats>,
    /// Per user metric.
    pub metrics: Vec<UserStats>,
    /// Generator health.
    pub generator: GeneratorStats,
}

impl Frame {
    /// A zeroed frame for a plan with this layout.
    pub fn new(layout: &Layout) -> Self {
        Self {
            keys: (0..layout.keys).map(|_| KeyStats::default()).collect(),
            checks: vec![CheckStats::default(); layout.checks],
            journeys: layout
                .journeys
                .iter()
                .map(|&steps| JourneyStats::new(steps))
                .collect(),
            scenarios: vec![ScenarioStats::default(); layout.scenarios],
            metrics: layout
                .metrics
                .iter()
                .map(|&trend| UserStats::new(trend))
                .collect(),
            generator: Default::default(),
        }
    }

    /// A frame with only request keys.
    #[cfg(test)]
    pub fn with_keys(keys: usize) -> Self {
        Self::new(&Layout {
            keys,
            ..Default::default()
        })
    }

    /// Clears every count, keeping allocations.
    pub fn reset(&mut self) {
        self.keys.iter_mut().for_each(KeyStats::reset);
        self.checks
            .iter_mut()
            .for_each(|c| *c = CheckStats::default());
        self.journeys.iter_mut().for_each(JourneyStats::reset);
        self.scenarios
            .iter_mut()
            .for_each(|s| *s = ScenarioStats::default());
        self.metrics.iter_mut().for_each(UserStats::reset);
        self.generator.reset();
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Frame) {
        for (a, b) in self.keys.iter_mut().zip(&other.keys) {
            a.merge(b);
        }
        for (a, b) in self.checks.iter_mut().zip(&other.checks) {
            a.merge(b);
        }
        for (a, b) in self.journeys.iter_mut().zip(&other.journeys) {
            a.merge(b);
        }
        for (a, b) in self.scenarios.iter_mut().zip(&other.scenarios) {
            a.merge(b);
        }
        for (a, b) in self.metrics.iter_mut().zip(&other.metrics) {
            a.merge(b);
        }
        self.generator.merge(&other.generator);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_responses_and_failures_apart() {
        let mut k = KeyStats::default();
        k.record_response(200, 2_000_000, 1_000_000, true);
        k.record_response(503, 5_000_000, 5_000_000, false);
        k.record_response(42, 1_000, 1_000, false);
        k.record_failure(
            Failure::new(ErrorClass::RequestTimeout, "timed out"),
            300_000_000,
        );
        k.record_failure(
            Failure::new(ErrorClass::ConnectionReset, "reset"),
            7_000_000,
        );
        assert_eq!(k.requests, 5);
        assert_eq!(k.status[200], 1);
        assert_eq!(k.status[503], 1);
        assert_eq!(k.status[0], 1);
        assert_eq!(k.unexpected_status, 2);
        assert_eq!(k.failures(), 2);
        // Every request has a time; the successful-only view has the one expected response; the
        // timeout is kept apart as a lower bound.
        assert_eq!(k.response_time.count(), 5);
        assert_eq!(k.expected_time.count(), 1);
        assert_eq!(k.timed_out.count(), 1);
        assert!(k.timed_out.summary().min_us >= 299_000);
        assert_eq!(k.service_time.count(), 3);
        assert_eq!(
            k.error_detail[ErrorClass::RequestTimeout as usize],
            Some("timed out")
        );
    }

    #[test]
    fn merge_then_reset() {
        let mut a = Frame::with_keys(2);
        let mut b = Frame::with_keys(2);
        b.keys[1].record_response(200, 1_000, 1_000, true);
        b.generator.delayed = 3;
        a.merge(&b);
        assert_eq!(a.keys[1].requests, 1);
        assert_eq!(a.generator.delayed, 3);
        a.reset();
        assert_eq!(a.keys[1].requests, 0);
        assert_eq!(a.keys[1].response_time.count(), 0);
        assert_eq!(a.generator.delayed, 0);
    }
}
