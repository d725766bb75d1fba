//! Threshold evaluation: the observed value of a threshold's metric over the run so far, and the
//! verdict. Durations are compared in milliseconds, as in k6.

use serde::{Deserialize, Serialize};

use super::parse::Agg;
use super::{CompiledThreshold, Metric, ObservedUnit, View};
use crate::metrics::catalogue::RequestMeasure;
use crate::metrics::histogram::quantile_is_lower_bound;
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
    /// The observed value is only a lower bound: requests behind it were given up on at a
    /// timeout, and would have taken longer. A condition holds then only if it holds for every
    /// value at or above it (`p(95)<500` cannot be shown; `p(95)>100` can).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lower_bound: bool,
    /// The observed value's unit.
    #[serde(default)]
    pub unit: ObservedUnit,
    /// Whether it holds (a threshold with no data holds).
    pub ok: bool,
    /// Whether this threshold's failure aborted the run.
    pub aborted: bool,
}

/// An observed value, and whether it is only a lower bound of the truth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// The value (ms for durations).
    pub value: f64,
    /// Timed-out requests make it a lower bound.
    pub lower_bound: bool,
}

impl From<f64> for Observed {
    fn from(value: f64) -> Self {
        Observed {
            value,
            lower_bound: false,
        }
    }
}

/// The observed value of `t` over `totals` after `elapsed_s` seconds; None when there is no data.
pub fn observe(t: &CompiledThreshold, totals: &Frame, elapsed_s: f64) -> Option<Observed> {
    let agg = t.condition.agg;
    let per_second = |n: u64| {
        if elapsed_s > 0.0 {
            n as f64 / elapsed_s
        } else {
            0.0
        }
    };
    let counter = |n: u64| {
        Some(Observed::from(if agg == Agg::Rate {
            per_second(n)
        } else {
            n as f64
        }))
    };
    let exact = |v: Option<f64>| v.map(Observed::from);
    match &t.metric {
        Metric::Request(which, keys, view) => {
            let sum = |f: &dyn Fn(&KeyStats) -> u64| {
                keys.iter().map(|&k| f(&totals.keys[k])).sum::<u64>()
            };
            let unexpected = |k: &KeyStats| k.failures() + k.unexpected_status;
            match which {
                RequestMeasure::Failed => {
                    let requests = sum(&|k| k.requests);
                    (requests > 0).then(|| (sum(&unexpected) as f64 / requests as f64).into())
                }
                RequestMeasure::Reqs => counter(match view {
                    View::All => sum(&|k| k.requests),
                    View::Expected => sum(&|k| k.requests - unexpected(k)),
                    View::Unexpected => sum(&unexpected),
                }),
                RequestMeasure::DataSent => counter(sum(&|k| k.bytes_sent)),
                RequestMeasure::DataReceived => counter(sum(&|k| k.bytes_received)),
                RequestMeasure::Duration => {
                    let (mut h, mut censored) = (Hist::new(), Hist::new());
                    for &k in keys {
                        let k = &totals.keys[k];
                        match view {
                            View::All => h.merge(&k.response_time),
                            View::Expected => h.merge(&k.expected_time),
                            View::Unexpected => {
                                let mut rest = k.response_time.clone();
                                rest.subtract(&k.expected_time);
                                h.merge(&rest);
                            }
                        }
                        if *view != View::Expected {
                            censored.merge(&k.timed_out);
                        }
                    }
                    let value = trend_value(&h, agg, 1000.0)?;
                    let lower_bound = match agg {
                        Agg::P(p) => quantile_is_lower_bound(&h, &censored, p / 100.0),
                        Agg::Med => quantile_is_lower_bound(&h, &censored, 0.5),
                        Agg::Avg | Agg::Max => censored.count() > 0,
                        _ => false,
                    };
                    Some(Observed { value, lower_bound })
                }
                trend => {
                    let mut h = Hist::new();
                    for &k in keys {
                        let k = &totals.keys[k];
                        h.merge(match trend {
                            RequestMeasure::ServiceTime => &k.service_time,
                            RequestMeasure::Connecting => &k.connecting,
                            RequestMeasure::TlsHandshaking => &k.tls_handshaking,
                            RequestMeasure::Waiting => &k.waiting,
                            _ => &k.receiving,
                        });
                    }
                    exact(trend_value(&h, agg, 1000.0))
                }
            }
        }
        Metric::Checks(checks) => {
            let (passes, fails) = checks.iter().fold((0, 0), |(p, f), &c| {
                (p + totals.checks[c].passes, f + totals.checks[c].fails)
            });
            (passes + fails > 0).then(|| (passes as f64 / (passes + fails) as f64).into())
        }
        Metric::Iterations(journeys) => {
            counter(journeys.iter().map(|&j| totals.journeys[j].started).sum())
        }
        Metric::IterationDuration(journeys) => {
            let mut h = Hist::new();
            journeys
                .iter()
                .for_each(|&j| h.merge(&totals.journeys[j].duration));
            exact(trend_value(&h, agg, 1000.0))
        }
        Metric::DroppedIterations(scenarios) => counter(
            scenarios
                .iter()
                .map(|&s| totals.scenarios[s].dropped_iterations)
                .sum(),
        ),
        Metric::User(m, kind) => {
            let u = &totals.metrics[*m];
            exact(match kind {
                MetricKind::Counter => Some(if agg == Agg::Rate {
                    u.sum / elapsed_s.max(f64::MIN_POSITIVE)
                } else {
                    u.sum
                }),
                MetricKind::Rate => (u.count > 0).then(|| u.trues as f64 / u.count as f64),
                MetricKind::Trend => u.trend.as_ref().and_then(|h| trend_value(h, agg, 1000.0)),
            })
        }
    }
}

/// Judges `t` against `totals`.
pub fn judge(t: &CompiledThreshold, totals: &Frame, elapsed_s: f64) -> Outcome {
    let observed = observe(t, totals, elapsed_s);
    let (op, bound) = (t.condition.op, t.condition.value);
    let ok = observed.is_none_or(|o| {
        if o.lower_bound {
            op.holds_from(o.value, bound)
        } else {
            op.holds(o.value, bound)
        }
    });
    Outcome {
        metric: t.selector.clone(),
        expression: t.expression.clone(),
        observed: observed.map(|o| o.value),
        lower_bound: observed.is_some_and(|o| o.lower_bound),
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
