//! Threshold evaluation: the observed value of a threshold's metric over the run so far, and the
//! verdict. Durations are compared in milliseconds, as in k6.

use serde::{Deserialize, Serialize};

use super::parse::Agg;
use super::{CompiledThreshold, Metric, ObservedUnit};
use crate::metrics::catalogue::RequestMeasure;
use crate::metrics::MetricKind;
use crate::metrics::{Frame, Hist, KeyStats};

/// A threshold's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Metric selector as written.
    pub metric: String,
    /// Condition as written.
    pub expression: String,
    /// The observed value (ms for durations); None when there was no data.
    pub observed: Option<f64>,
    /// The observed value's unit.
    #[serde(default)]
    pub unit: ObservedUnit,
    /// Whether it holds (a threshold with no data holds).
    pub ok: bool,
    /// Whether this threshold's failure aborted the run.
    pub aborted: bool,
}

/// The observed value of `t` over `totals` after `elapsed_s` seconds; None when there is no data.
pub fn observe(t: &CompiledThreshold, totals: &Frame, elapsed_s: f64) -> Option<f64> {
    let agg = t.condition.agg;
    let per_second = |n: u64| {
        if elapsed_s > 0.0 {
            n as f64 / elapsed_s
        } else {
            0.0
        }
    };
    let counter = |n: u64| {
        Some(if agg == Agg::Rate {
            per_second(n)
        } else {
            n as f64
        })
    };
    match &t.metric {
        Metric::Request(which, keys) => {
            let sum = |f: &dyn Fn(&KeyStats) -> u64| {
                keys.iter().map(|&k| f(&totals.keys[k])).sum::<u64>()
            };
            match which {
                RequestMeasure::Failed => {
                    let requests = sum(&|k| k.requests);
                    (requests > 0).then(|| {
                        sum(&|k| k.failures() + k.unexpected_status) as f64 / requests as f64
                    })
                }
                RequestMeasure::Reqs => counter(sum(&|k| k.requests)),
                RequestMeasure::DataSent => counter(sum(&|k| k.bytes_sent)),
                RequestMeasure::DataReceived => counter(sum(&|k| k.bytes_received)),
                trend => {
                    let mut h = Hist::new();
                    for &k in keys {
                        let k = &totals.keys[k];
                        h.merge(match trend {
                            RequestMeasure::Duration => &k.response_time,
                            RequestMeasure::ServiceTime => &k.service_time,
                            RequestMeasure::Connecting => &k.connecting,
                            RequestMeasure::TlsHandshaking => &k.tls_handshaking,
                            RequestMeasure::Waiting => &k.waiting,
                            _ => &k.receiving,
                        });
                    }
                    trend_value(&h, agg, 1000.0)
                }
            }
        }
        Metric::Checks(checks) => {
            let (passes, fails) = checks.iter().fold((0, 0), |(p, f), &c| {
                (p + totals.checks[c].passes, f + totals.checks[c].fails)
            });
            (passes + fails > 0).then(|| passes as f64 / (passes + fails) as f64)
        }
        Metric::Iterations(journeys) => {
            counter(journeys.iter().map(|&j| totals.journeys[j].started).sum())
        }
        Metric::IterationDuration(journeys) => {
            let mut h = Hist::new();
            journeys
                .iter()
                .for_each(|&j| h.merge(&totals.journeys[j].duration));
            trend_value(&h, agg, 1000.0)
        }
        Metric::DroppedIterations(scenarios) => counter(
            scenarios
                .iter()
                .map(|&s| totals.scenarios[s].dropped_iterations)
                .sum(),
        ),
        Metric::User(m, kind) => {
            let u = &totals.metrics[*m];
            match kind {
                MetricKind::Counter => Some(if agg == Agg::Rate {
                    u.sum / elapsed_s.max(f64::MIN_POSITIVE)
                } else {
                    u.sum
                }),
                MetricKind::Rate => (u.count > 0).then(|| u.trues as f64 / u.count as f64),
                MetricKind::Trend => u.trend.as_ref().and_then(|h| trend_value(h, agg, 1000.0)),
            }
        }
    }
}

/// Judges `t` against `totals`.
pub fn judge(t: &CompiledThreshold, totals: &Frame, elapsed_s: f64) -> Outcome {
    let observed = observe(t, totals, elapsed_s);
    let ok = observed.is_none_or(|v| t.condition.op.holds(v, t.condition.value));
    Outcome {
        metric: t.selector.clone(),
        expression: t.expression.clone(),
        observed,
        unit: t.unit,
        ok,
        aborted: false,
    }
}

/// A trend's aggregate, in the histogram's unit divided by `scale` (µs → ms).
fn trend_value(h: &Hist, agg: Agg, scale: f64) -> Option<f64> {
    if h.count() == 0 {
        return None;
    }
    let s = h.summary();
    let v = match agg {
        Agg::Avg => s.mean_us,
        Agg::Min => s.min_us as f64,
        Agg::Max => s.max_us as f64,
        Agg::Med => s.p50_us as f64,
        Agg::P(p) => h.quantile_us(p / 100.0) as f64,
        _ => return None,
    };
    Some(v / scale)
}
