//! `RunResult`: everything a run measured, as plain serialisable data.
//!
//! Totals and full-resolution histograms per request key (as HdrHistogram V2+DEFLATE base64, so any
//! HdrHistogram implementation can read them and two results merge losslessly), the per-second
//! series, the generator's own health, honesty warnings, and the plan that produced it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod summary;

pub use summary::{summarise, MetricSummary};

use crate::executor::Shape;
use crate::metrics::histogram::{as_base64, lower_bounds};
use crate::metrics::MetricKind;
use crate::metrics::{ErrorClass, Hist, HistSummary, KeyStats, StepStats};
use crate::plan::Plan;
use crate::thresholds::Outcome;

/// The result format version.
pub const RESULT_VERSION: u32 = 1;

/// Everything a run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    /// Format version.
    pub version: u32,
    /// The plan that ran.
    pub plan: Plan,
    /// Wall-clock start, Unix seconds.
    pub started_at_unix_s: f64,
    /// Length of the load phase (iterations being started), seconds.
    pub duration_s: f64,
    /// From start until the last request finished, seconds.
    pub elapsed_s: f64,
    /// Why the run ended early, if it did.
    pub stopped_early: Option<String>,
    /// One entry per worker.
    pub workers: Vec<WorkerInfo>,
    /// All request keys merged.
    pub total: RequestResult,
    /// Per request key (scenario × name × method).
    pub requests: Vec<RequestResult>,
    /// Per check.
    pub checks: Vec<CheckResult>,
    /// Per journey and scenario: iterations, durations and the funnel.
    pub journeys: Vec<JourneyResult>,
    /// Per scenario.
    pub scenarios: Vec<ScenarioResult>,
    /// User-defined metrics.
    pub metrics: Vec<UserMetricResult>,
    /// Threshold verdicts.
    pub thresholds: Vec<Outcome>,
    /// True when every threshold held.
    pub passed: bool,
    /// Most VUs in an iteration at once (end-of-second samples, all scenarios).
    pub vus_max: u64,
    /// The generator's own health.
    pub generator: GeneratorResult,
    /// One row per second per request key.
    pub series: Vec<SeriesPoint>,
    /// One row per second over all requests (percentiles of the merged second).
    pub total_series: Vec<SeriesPoint>,
    /// One row per second per scenario.
    pub scenario_series: Vec<ScenarioPoint>,
    /// One row per second for the generator.
    pub generator_series: Vec<GeneratorPoint>,
    /// Honesty warnings, most important first.
    pub warnings: Vec<String>,
    /// Counts worth knowing that do not change what the results describe.
    #[serde(default)]
    pub notes: Vec<String>,
    /// What each live output sent and lost.
    #[serde(default)]
    pub outputs: Vec<OutputReport>,
    /// Every metric as the end-of-test summary shows it (built-in, then user-defined), computed
    /// from the rest of the result by `summarise`.
    #[serde(default)]
    pub summary: Vec<MetricSummary>,
}

/// What an output did over the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputReport {
    /// Output kind.
    pub kind: String,
    /// Where it went.
    pub target: String,
    /// Points delivered.
    pub sent_points: u64,
    /// Points that could not be delivered (server down, write error).
    pub failed_points: u64,
    /// Seconds dropped because the output could not keep up.
    pub dropped_seconds: u64,
    /// The last error seen.
    pub last_error: Option<String>,
}

/// What limited a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitedBy {
    /// The target: the results describe it.
    #[default]
    Target,
    /// The test's own caps (VUs, connections) were too low for the target's latency.
    Test,
    /// horde itself (its CPU or its loop) could not keep up.
    Generator,
}

impl LimitedBy {
    /// Its name, as results and progress say it.
    pub fn name(self) -> &'static str {
        match self {
            LimitedBy::Target => "target",
            LimitedBy::Test => "test",
            LimitedBy::Generator => "generator",
        }
    }
}

/// Passes and failures of one check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CheckResult {
    /// Scenario.
    pub scenario: String,
    /// Request name.
    pub request: String,
    /// Check name.
    pub name: String,
    /// Times it held.
    pub passes: u64,
    /// Times it did not.
    pub fails: u64,
}

/// One funnel step: its request name and why sessions did or did not get through it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StepResult {
    /// Request name.
    pub name: String,
    /// The counts.
    #[serde(flatten)]
    pub counts: StepStats,
}

/// A journey as run by one scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JourneyResult {
    /// Scenario.
    pub scenario: String,
    /// Journey.
    pub journey: String,
    /// Iterations (sessions) started.
    pub started: u64,
    /// Reached the end.
    pub completed: u64,
    /// Ended early.
    pub aborted: u64,
    /// Cut by the end of the run.
    pub interrupted: u64,
    /// Duration of completed iterations (from their intended start), µs.
    pub duration: HistSummary,
    /// Full duration histogram.
    #[serde(with = "as_base64")]
    pub duration_hist: Hist,
    /// The funnel, one entry per request step.
    pub steps: Vec<StepResult>,
}

/// Per-scenario totals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// Name.
    pub name: String,
    /// Executor (k6 name).
    pub executor: String,
    /// Iterations skipped because no VU was free.
    pub dropped_iterations: u64,
    /// Iterations not started because unique test data ran out.
    pub data_exhausted: u64,
    /// Intended concurrent sessions, when the rate was derived from it.
    pub expected_concurrency: Option<f64>,
    /// Mean VUs in an iteration over the load phase.
    pub achieved_concurrency: f64,
    /// The scenario's tags.
    pub tags: BTreeMap<String, String>,
    /// What its executor does: model, target, stages, planned length.
    pub shape: Option<Shape>,
}

/// A user-defined metric's totals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserMetricResult {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: MetricKind,
    /// Samples.
    pub count: u64,
    /// Sum (counters).
    pub sum: f64,
    /// Share of true samples (rates).
    pub rate: f64,
    /// Distribution in thousandths of the unit (trends).
    pub trend: Option<HistSummary>,
}

/// One second of one scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioPoint {
    /// Second since start.
    pub second: u32,
    /// Scenario.
    pub scenario: String,
    /// VUs in an iteration at the end of the second.
    pub vus: u64,
    /// VUs the executor wanted (closed model).
    pub target_vus: u64,
    /// Iterations started.
    pub iterations: u64,
    /// Iterations that ended in this second: completed, or ended early by a failure (what a
    /// system under test delivered, in sessions).
    #[serde(default)]
    pub finished: u64,
    /// Arrivals due (open model).
    pub scheduled: u64,
    /// Arrivals dropped.
    pub dropped_iterations: u64,
}

/// A worker's setup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerInfo {
    /// io_uring setup flags in use.
    pub ring_mode: String,
    /// CPU the worker was pinned to, if pinning succeeded.
    pub cpu: Option<usize>,
}

/// Totals for one request key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestResult {
    /// Scenario name (empty for the total).
    pub scenario: String,
    /// Request name tag (empty for the total).
    pub name: String,
    /// Method (empty for the total).
    pub method: String,
    /// Exchanges finished (responses + failures).
    pub requests: u64,
    /// Failed requests: errors plus unexpected statuses.
    pub failed: u64,
    /// Responses received.
    pub responses: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Responses by status code ("other" for codes outside 100..599).
    pub status: BTreeMap<String, u64>,
    /// Failures by error class name.
    pub errors: BTreeMap<String, u64>,
    /// An example detail per error class.
    pub error_details: BTreeMap<String, String>,
    /// Response time (from the intended send) of every request, failures included, µs.
    pub response_time: HistSummary,
    /// Which of `response_time`'s statistics are only lower bounds ("mean", "p50", "p90", "p95",
    /// "p99", "p999", "max"), because timed-out requests lie among them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_time_lower_bounds: Vec<String>,
    /// Requests given up on at a timeout (request or connect): their times are lower bounds.
    #[serde(default)]
    pub timed_out: u64,
    /// The successful-only view: response time of responses with an expected status, µs.
    #[serde(default)]
    pub expected_time: HistSummary,
    /// Service time (from the actual send), of responses, µs.
    pub service_time: HistSummary,
    /// Full response-time histogram.
    #[serde(with = "as_base64")]
    pub response_time_hist: Hist,
    /// The timed-out requests' times (a subset of `response_time_hist`).
    #[serde(default, with = "as_base64")]
    pub timed_out_hist: Hist,
    /// Full histogram of the successful-only view.
    #[serde(default, with = "as_base64")]
    pub expected_time_hist: Hist,
    /// Full service-time histogram.
    #[serde(with = "as_base64")]
    pub service_time_hist: Hist,
    /// TCP connect time, when a request opened a connection, µs.
    pub connecting: HistSummary,
    /// Time to first byte, µs.
    pub waiting: HistSummary,
    /// First to last byte, µs.
    pub receiving: HistSummary,
    /// Connect-time histogram (2 significant digits).
    #[serde(with = "as_base64")]
    pub connecting_hist: Hist,
    /// Time-to-first-byte histogram (2 significant digits).
    #[serde(with = "as_base64")]
    pub waiting_hist: Hist,
    /// Receive-time histogram (2 significant digits).
    #[serde(with = "as_base64")]
    pub receiving_hist: Hist,
    /// TLS handshake time, when a request opened an HTTPS connection, µs.
    #[serde(default)]
    pub tls_handshaking: HistSummary,
    /// TLS-handshake histogram (2 significant digits).
    #[serde(default, with = "as_base64")]
    pub tls_handshaking_hist: Hist,
    /// Response body bytes after content decoding (gzip, deflate, br), for responses that were
    /// decoded because a check or extraction read the body.
    #[serde(default)]
    pub bytes_decoded: u64,
}

impl RequestResult {
    /// Builds the result row for merged key stats.
    pub fn from_stats(scenario: &str, name: &str, method: &str, k: &KeyStats) -> Self {
        let mut status = BTreeMap::new();
        for (code, &n) in k.status.iter().enumerate() {
            if n > 0 {
                let key = if code == 0 {
                    "other".to_string()
                } else {
                    code.to_string()
                };
                status.insert(key, n);
            }
        }
        let mut errors = BTreeMap::new();
        let mut error_details = BTreeMap::new();
        for class in ErrorClass::ALL {
            let n = k.errors[class as usize];
            if n > 0 {
                errors.insert(class.name().to_string(), n);
                if let Some(d) = k.error_detail[class as usize] {
                    error_details.insert(class.name().to_string(), d.to_string());
                }
            }
        }
        let failures = k.failures();
        RequestResult {
            scenario: scenario.to_string(),
            name: name.to_string(),
            method: method.to_string(),
            requests: k.requests,
            failed: failures + k.unexpected_status,
            responses: k.requests - failures,
            bytes_sent: k.bytes_sent,
            bytes_received: k.bytes_received,
            status,
            errors,
            error_details,
            response_time: k.response_time.summary(),
            response_time_lower_bounds: lower_bounds(&k.response_time, &k.timed_out)
                .into_iter()
                .map(String::from)
                .collect(),
            timed_out: k.timed_out.count(),
            expected_time: k.expected_time.summary(),
            service_time: k.service_time.summary(),
            response_time_hist: k.response_time.clone(),
            timed_out_hist: k.timed_out.clone(),
            expected_time_hist: k.expected_time.clone(),
            service_time_hist: k.service_time.clone(),
            connecting: k.connecting.summary(),
            waiting: k.waiting.summary(),
            receiving: k.receiving.summary(),
            connecting_hist: k.connecting.clone(),
            waiting_hist: k.waiting.clone(),
            receiving_hist: k.receiving.clone(),
            tls_handshaking: k.tls_handshaking.summary(),
            tls_handshaking_hist: k.tls_handshaking.clone(),
            bytes_decoded: k.bytes_decoded,
        }
    }
}

/// The generator's own health over the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GeneratorResult {
    /// Iterations started.
    pub iterations: u64,
    /// Iterations skipped because no VU was free at their intended start.
    pub dropped_iterations: u64,
    /// Requests that waited for a free connection (in-flight bound hit).
    pub delayed: u64,
    /// Requests sent ahead of their intended time to share a wake-up.
    pub sent_early: u64,
    /// Send lag (actual − intended send time, 0 when early), µs.
    pub send_lag: HistSummary,
    /// Full send-lag histogram.
    #[serde(with = "as_base64")]
    pub send_lag_hist: Hist,
    /// Connections opened.
    pub connections_opened: u64,
    /// Requests resent because an idle keep-alive connection had been closed by the server.
    pub reconnects: u64,
    /// Requests still in flight when the run was cut short (not counted as requests).
    pub interrupted: u64,
    /// TLS handshakes completed.
    #[serde(default)]
    pub tls_handshakes: u64,
    /// Of those, resumed sessions.
    #[serde(default)]
    pub tls_resumed: u64,
    /// Redirects followed.
    #[serde(default)]
    pub redirects: u64,
    /// Requests that waited for a pooled connection (max_connections_per_host reached).
    #[serde(default)]
    pub pool_waits: u64,
    /// CPU time of the worker threads (user + system) over their wall time, 0..1.
    pub busy_ratio: f64,
    /// Most requests in flight at once (summed over workers' per-second maxima).
    pub max_in_flight: u64,
    /// True when the generator could not keep up: the numbers then describe horde, not the target.
    pub saturated: bool,
    /// What limited the run: the target, the test's own caps, or the generator.
    #[serde(default)]
    pub limited_by: LimitedBy,
    /// Responses whose kernel receive time came before their request was sent (timed to when
    /// horde saw them instead); 0 in a sound run.
    #[serde(default)]
    pub clock_anomalies: u64,
    /// The send window in effect, µs.
    pub send_window_us: u64,
}

/// Summary statistics of one second, µs.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct SecondStats {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Maximum.
    pub max: u64,
}

impl SecondStats {
    /// From a histogram.
    pub fn of(h: &Hist) -> Self {
        let s = h.summary();
        SecondStats {
            mean: s.mean_us,
            p50: s.p50_us,
            p90: s.p90_us,
            p95: s.p95_us,
            p99: s.p99_us,
            max: s.max_us,
        }
    }
}

/// One second of one request key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// Second since start.
    pub second: u32,
    /// Index into `RunResult::requests`.
    pub key: u32,
    /// Exchanges finished in this second.
    pub requests: u64,
    /// Failed (errors + unexpected statuses).
    pub failed: u64,
    /// Errors only.
    pub errors: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Response time of every request, failures included.
    pub response_time: SecondStats,
    /// Requests given up on at a timeout (their times, in `response_time`, are lower bounds).
    #[serde(default)]
    pub timed_out: u64,
    /// Response time of responses with an expected status (the successful-only view).
    #[serde(default)]
    pub expected_time: SecondStats,
    /// Service time.
    pub service_time: SecondStats,
}

/// One second of the generator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GeneratorPoint {
    /// Second since start.
    pub second: u32,
    /// Iterations started.
    pub iterations: u64,
    /// Iterations dropped.
    pub dropped_iterations: u64,
    /// Requests delayed by the in-flight bound.
    pub delayed: u64,
    /// VUs in an iteration at the end of the second.
    pub active_vus: u64,
    /// Most requests in flight.
    pub max_in_flight: u64,
    /// Send lag p99, µs.
    pub send_lag_p99_us: u64,
    /// Send lag max, µs.
    pub send_lag_max_us: u64,
    /// Worker CPU time over wall time, 0..1.
    pub busy_ratio: f64,
}

impl RunResult {
    /// Records the outputs' reports, warning about anything they could not deliver.
    pub fn add_outputs(&mut self, reports: Vec<OutputReport>) {
        for r in &reports {
            if r.failed_points > 0 || r.dropped_seconds > 0 {
                let why = r
                    .last_error
                    .as_deref()
                    .map(|e| format!(" (last error: {e})"))
                    .unwrap_or_default();
                self.warnings.push(format!(
                    "output {} {}: {} points could not be delivered and {} seconds were dropped because it fell behind{why}; \
                     the local results are complete",
                    r.kind, r.target, r.failed_points, r.dropped_seconds
                ));
            }
        }
        self.outputs = reports;
    }

    /// As JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("results always serialise")
    }

    /// From JSON written by `to_json`. What a result written by an earlier version lacks (the
    /// metric summary, the scenarios' shapes) is worked out from the rest of it.
    pub fn from_json(text: &str) -> Result<RunResult, String> {
        let mut r: RunResult =
            serde_json::from_str(text).map_err(|e| format!("not a horde result: {e}"))?;
        for s in &mut r.scenarios {
            if s.shape.is_none() {
                s.shape = r
                    .plan
                    .scenarios
                    .get(&s.name)
                    .map(|spec| Shape::of(&spec.executor, spec.start_s));
            }
        }
        if r.summary.is_empty() {
            r.summary = summarise(&r);
        }
        Ok(r)
    }
}
