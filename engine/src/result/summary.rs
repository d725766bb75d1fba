//! The metric summary of a result: every built-in metric of the catalogue, then every user
//! metric, each with its type, unit and values in the layout of k6's summary export (durations in
//! ms). The terminal summary, the HTML report and `--summary-export` all show these numbers, so
//! they agree; and since it is a function of a result, a result loaded from disk is summarised
//! the same way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::RunResult;
use crate::metrics::catalogue::{Measure, MetricType, RequestMeasure, Unit, BUILTINS};
use crate::metrics::{Hist, HistSummary, MetricKind};

/// One metric's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// Its name.
    pub name: String,
    /// How it aggregates.
    #[serde(rename = "type")]
    pub kind: MetricType,
    /// The unit of its values (user metrics: none).
    pub unit: Unit,
    /// Trends: avg, min, med, max, p(90), p(95), p(99), p(99.9), count. Rates: rate, passes
    /// (true samples), fails. Counters: count, rate (per second). Gauges: value. Counts are whole
    /// numbers.
    pub values: BTreeMap<String, Value>,
    /// The values that are only lower bounds (e.g. `p(95)`), because requests given up on at a
    /// timeout lie among them: each would have taken longer than the time it counts at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lower_bounds: Vec<String>,
}

/// Summarises `r`. Optional metrics with nothing measured are left out.
pub fn summarise(r: &RunResult) -> Vec<MetricSummary> {
    let duration = r.duration_s.max(1e-9);
    let mut out = Vec::new();
    for b in BUILTINS {
        let values = match b.measure {
            Measure::Request(m) => request_values(r, m, duration),
            Measure::Checks => {
                let passes: u64 = r.checks.iter().map(|c| c.passes).sum();
                let fails: u64 = r.checks.iter().map(|c| c.fails).sum();
                (passes + fails > 0).then(|| rate(passes, fails))
            }
            Measure::Iterations => Some(counter(r.generator.iterations, duration)),
            Measure::IterationDuration => {
                let mut h = Hist::new();
                r.journeys.iter().for_each(|j| h.merge(&j.duration_hist));
                trend(&h.summary(), 1000.0)
            }
            Measure::DroppedIterations => Some(counter(r.generator.dropped_iterations, duration)),
            Measure::VusMax => Some(BTreeMap::from([("value".into(), json!(r.vus_max))])),
            Measure::SendLag => trend(&r.generator.send_lag, 1000.0),
        };
        let values = match (values, b.optional) {
            (Some(v), _) => v,
            (None, true) => continue,
            (None, false) => trend_of_nothing(),
        };
        let duration = b.measure == Measure::Request(RequestMeasure::Duration);
        out.push(MetricSummary {
            name: b.name.into(),
            kind: b.kind,
            unit: b.unit,
            values,
            lower_bounds: if duration {
                trend_lower_bounds(&r.total.response_time_lower_bounds)
            } else {
                Vec::new()
            },
        });
        // As k6 does, the successful-only view follows the response time.
        if duration {
            out.push(MetricSummary {
                name: format!("{}{{expected_response:true}}", b.name),
                kind: b.kind,
                unit: b.unit,
                values: trend(&r.total.expected_time, 1000.0).unwrap_or_else(trend_of_nothing),
                lower_bounds: Vec::new(),
            });
        }
    }
    for m in &r.metrics {
        let (kind, values) = match m.kind {
            MetricKind::Counter => (
                MetricType::Counter,
                BTreeMap::from([
                    ("count".into(), json!(m.sum)),
                    ("rate".into(), json!(m.sum / duration)),
                ]),
            ),
            MetricKind::Rate => {
                let trues = (m.rate * m.count as f64).round() as u64;
                (MetricType::Rate, rate(trues, m.count - trues.min(m.count)))
            }
            // User trends are kept in thousandths of their unit.
            MetricKind::Trend => (
                MetricType::Trend,
                m.trend
                    .as_ref()
                    .and_then(|t| trend(t, 1000.0))
                    .unwrap_or_else(trend_of_nothing),
            ),
        };
        out.push(MetricSummary {
            name: m.name.clone(),
            kind,
            unit: Unit::None,
            values,
            lower_bounds: Vec::new(),
        });
    }
    out
}

fn request_values(
    r: &RunResult,
    m: RequestMeasure,
    duration: f64,
) -> Option<BTreeMap<String, Value>> {
    let t = &r.total;
    let latency = |s: &HistSummary| trend(s, 1000.0);
    match m {
        RequestMeasure::Duration => latency(&t.response_time),
        RequestMeasure::ServiceTime => latency(&t.service_time),
        RequestMeasure::Connecting => latency(&t.connecting),
        RequestMeasure::TlsHandshaking => latency(&t.tls_handshaking),
        RequestMeasure::Waiting => latency(&t.waiting),
        RequestMeasure::Receiving => latency(&t.receiving),
        // k6's rate: passes are the true samples, here the failed requests.
        RequestMeasure::Failed => Some(rate(t.failed, t.requests - t.failed)),
        RequestMeasure::Reqs => Some(counter(t.requests, duration)),
        RequestMeasure::DataSent => Some(counter(t.bytes_sent, duration)),
        RequestMeasure::DataReceived => Some(counter(t.bytes_received, duration)),
    }
}

/// The values of a trend, in this order.
const TREND_VALUES: [&str; 9] = [
    "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "p(99.9)", "count",
];

/// A trend's values from a summary in µs (or thousandths), in ms (or units); None when empty.
fn trend(s: &HistSummary, scale: f64) -> Option<BTreeMap<String, Value>> {
    let values = [
        json!(s.mean_us / scale),
        json!(s.min_us as f64 / scale),
        json!(s.p50_us as f64 / scale),
        json!(s.max_us as f64 / scale),
        json!(s.p90_us as f64 / scale),
        json!(s.p95_us as f64 / scale),
        json!(s.p99_us as f64 / scale),
        json!(s.p999_us as f64 / scale),
        json!(s.count),
    ];
    (s.count > 0).then(|| {
        TREND_VALUES
            .iter()
            .map(|k| k.to_string())
            .zip(values)
            .collect()
    })
}

/// A histogram summary's lower-bound statistics under the names trend values have.
fn trend_lower_bounds(stats: &[String]) -> Vec<String> {
    fn name(s: &str) -> &str {
        match s {
            "mean" => "avg",
            "p50" => "med",
            "p90" => "p(90)",
            "p95" => "p(95)",
            "p99" => "p(99)",
            "p999" => "p(99.9)",
            other => other,
        }
    }
    TREND_VALUES
        .iter()
        .filter(|v| stats.iter().any(|s| name(s) == **v))
        .map(|v| v.to_string())
        .collect()
}

/// A trend with no samples: zeros, as k6 shows them.
fn trend_of_nothing() -> BTreeMap<String, Value> {
    let mut zeros: BTreeMap<String, Value> = TREND_VALUES
        .iter()
        .map(|k| (k.to_string(), json!(0.0)))
        .collect();
    zeros.insert("count".into(), json!(0));
    zeros
}

fn rate(passes: u64, fails: u64) -> BTreeMap<String, Value> {
    let all = passes + fails;
    let share = if all > 0 {
        passes as f64 / all as f64
    } else {
        0.0
    };
    BTreeMap::from([
        ("rate".into(), json!(share)),
        ("passes".into(), json!(passes)),
        ("fails".into(), json!(fails)),
    ])
}

fn counter(count: u64, duration: f64) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("count".into(), json!(count)),
        ("rate".into(), json!(count as f64 / duration)),
    ])
}
