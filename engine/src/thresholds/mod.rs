//! Thresholds: k6-style pass/fail criteria. `parse` reads the grammar; `compile` (used by plan
//! validation) resolves metric names and tag filters to what the recorder keeps; `eval` (used by
//! the collector every second and at the end) computes the observed values.

pub mod eval;
pub mod parse;

use std::collections::BTreeMap;

use crate::plan::compile::{CheckKey, JourneyKey, MetricKey, RequestKey};
use crate::plan::program::Problems;
use crate::plan::{MetricKind, ThresholdSpec};
use parse::{Agg, Condition};

pub use eval::{judge, observe, Outcome};

/// What a threshold looks at.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// A per-request metric over the selected request keys.
    Http(HttpMetric, Vec<usize>),
    /// `checks` over the selected checks.
    Checks(Vec<usize>),
    /// `iterations` over the selected journey keys.
    Iterations(Vec<usize>),
    /// `iteration_duration` over the selected journey keys.
    IterationDuration(Vec<usize>),
    /// `dropped_iterations` over the selected scenarios.
    DroppedIterations(Vec<usize>),
    /// A user-defined metric.
    User(usize, MetricKind),
}

/// Per-request metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMetric {
    /// `http_req_duration` (from the intended send).
    Duration,
    /// `http_req_service_time` (from the actual send).
    ServiceTime,
    /// `http_req_connecting`.
    Connecting,
    /// `http_req_tls_handshaking`.
    TlsHandshaking,
    /// `http_req_waiting` (time to first byte).
    Waiting,
    /// `http_req_receiving`.
    Receiving,
    /// `http_req_failed`.
    Failed,
    /// `http_reqs`.
    Reqs,
    /// `data_sent`.
    DataSent,
    /// `data_received`.
    DataReceived,
}

/// How a metric aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Trend,
    Rate,
    Counter,
}

/// A threshold ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledThreshold {
    /// The selector as written, e.g. `http_req_duration{name:checkout}`.
    pub selector: String,
    /// The condition as written, e.g. `p(95)<500`.
    pub expression: String,
    /// What it looks at.
    pub metric: Metric,
    /// The parsed condition.
    pub condition: Condition,
    /// Abort the run when it fails.
    pub abort_on_fail: bool,
    /// Do not abort before this much time since the start, ns.
    pub delay_abort_ns: u64,
}

/// The names thresholds may refer to.
pub struct Names<'a> {
    /// Request keys.
    pub keys: &'a [RequestKey],
    /// Checks.
    pub checks: &'a [CheckKey],
    /// Journeys per scenario.
    pub journeys: &'a [JourneyKey],
    /// User metrics.
    pub metrics: &'a [MetricKey],
    /// Each scenario's tags.
    pub scenario_tags: &'a BTreeMap<String, BTreeMap<String, String>>,
}

const HTTP: [(&str, HttpMetric, Kind); 10] = [
    ("http_req_duration", HttpMetric::Duration, Kind::Trend),
    (
        "http_req_service_time",
        HttpMetric::ServiceTime,
        Kind::Trend,
    ),
    ("http_req_connecting", HttpMetric::Connecting, Kind::Trend),
    (
        "http_req_tls_handshaking",
        HttpMetric::TlsHandshaking,
        Kind::Trend,
    ),
    ("http_req_waiting", HttpMetric::Waiting, Kind::Trend),
    ("http_req_receiving", HttpMetric::Receiving, Kind::Trend),
    ("http_req_failed", HttpMetric::Failed, Kind::Rate),
    ("http_reqs", HttpMetric::Reqs, Kind::Counter),
    ("data_sent", HttpMetric::DataSent, Kind::Counter),
    ("data_received", HttpMetric::DataReceived, Kind::Counter),
];

/// Compiles every threshold, reporting problems under `thresholds[...]`.
pub fn compile(
    specs: &BTreeMap<String, Vec<ThresholdSpec>>,
    names: &Names<'_>,
    problems: &mut Problems,
) -> Vec<CompiledThreshold> {
    let mut out = Vec::new();
    for (selector, conditions) in specs {
        let at = format!("thresholds[{selector:?}]");
        let (metric, kind) = match resolve(selector, names) {
            Ok(found) => found,
            Err(message) => {
                problems.push(at, message);
                continue;
            }
        };
        for (i, spec) in conditions.iter().enumerate() {
            let at = format!("{at}[{i}]");
            let condition = match parse::condition(&spec.expression) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(at, format!("invalid threshold {:?}: {e}", spec.expression));
                    continue;
                }
            };
            if let Err(message) = fits(selector, kind, condition.agg) {
                problems.push(at, message);
                continue;
            }
            if !(spec.delay_abort_eval_s.is_finite() && spec.delay_abort_eval_s >= 0.0) {
                problems.push(
                    format!("{at}.delay_abort_eval_s"),
                    format!("must be ≥ 0, got {}", spec.delay_abort_eval_s),
                );
            }
            out.push(CompiledThreshold {
                selector: selector.clone(),
                expression: spec.expression.clone(),
                metric: metric.clone(),
                condition,
                abort_on_fail: spec.abort_on_fail,
                delay_abort_ns: crate::plan::compile::ns(spec.delay_abort_eval_s.max(0.0)),
            });
        }
    }
    out
}

fn fits(selector: &str, kind: Kind, agg: Agg) -> Result<(), String> {
    let ok = match kind {
        Kind::Trend => matches!(agg, Agg::Avg | Agg::Min | Agg::Med | Agg::Max | Agg::P(_)),
        Kind::Rate => agg == Agg::Rate,
        Kind::Counter => matches!(agg, Agg::Count | Agg::Rate),
    };
    if ok {
        return Ok(());
    }
    let allowed = match kind {
        Kind::Trend => "avg, min, med, max or p(N)",
        Kind::Rate => "rate",
        Kind::Counter => "count or rate (per second)",
    };
    Err(format!(
        "{selector} is a {} metric: use {allowed}, not {agg}",
        format!("{kind:?}").to_lowercase()
    ))
}

fn resolve(text: &str, names: &Names<'_>) -> Result<(Metric, Kind), String> {
    let sel = parse::selector(text).map_err(|e| format!("invalid metric selector: {e}"))?;
    let user_tag = |k: &str| names.scenario_tags.values().any(|t| t.contains_key(k));
    // A scenario matches when it carries every user tag the filter names.
    let scenario_ok = |scenario: &str| {
        sel.tags
            .iter()
            .filter(|(k, _)| user_tag(k))
            .all(|(k, v)| names.scenario_tags.get(scenario).and_then(|t| t.get(k)) == Some(v))
    };
    let tags = |allowed: &[&str]| -> Result<(), String> {
        match sel
            .tags
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()) && !user_tag(k))
        {
            Some((k, _)) => Err(format!(
                "{} cannot be filtered by {k:?}; filter by {}",
                sel.metric,
                if allowed.is_empty() {
                    "nothing".to_string()
                } else {
                    allowed.join(", ")
                }
            )),
            None => Ok(()),
        }
    };
    let tag = |name: &str| {
        sel.tags
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(&(_, which, kind)) = HTTP.iter().find(|(n, ..)| *n == sel.metric) {
        tags(&["name", "scenario", "method", "group"])?;
        let keys = select(names.keys.iter().enumerate().filter(|(_, k)| {
            tag("name").is_none_or(|v| k.name == v)
                && scenario_ok(&k.scenario)
                && tag("scenario").is_none_or(|v| k.scenario == v)
                && tag("method").is_none_or(|v| k.method.eq_ignore_ascii_case(v))
                && tag("group").is_none_or(|g| k.name.starts_with(&format!("{g}::")))
        }));
        if keys.is_empty() {
            let known: Vec<&str> = names.keys.iter().map(|k| k.name.as_str()).collect();
            return Err(format!(
                "no request matches {text}; request names are {known:?}"
            ));
        }
        return Ok((Metric::Http(which, keys), kind));
    }
    match sel.metric.as_str() {
        "checks" => {
            tags(&["scenario", "check", "name"])?;
            let checks = select(names.checks.iter().enumerate().filter(|(_, c)| {
                scenario_ok(&c.scenario)
                    && tag("scenario").is_none_or(|v| c.scenario == v)
                    && tag("check").is_none_or(|v| c.name == v)
                    && tag("name").is_none_or(|v| c.request == v)
            }));
            if checks.is_empty() && !sel.tags.is_empty() {
                let known: Vec<&str> = names.checks.iter().map(|c| c.name.as_str()).collect();
                return Err(format!("no check matches {text}; checks are {known:?}"));
            }
            Ok((Metric::Checks(checks), Kind::Rate))
        }
        "iterations" | "iteration_duration" => {
            tags(&["scenario", "journey"])?;
            let journeys = select(names.journeys.iter().enumerate().filter(|(_, j)| {
                scenario_ok(&j.scenario)
                    && tag("scenario").is_none_or(|v| j.scenario == v)
                    && tag("journey").is_none_or(|v| j.journey == v)
            }));
            if journeys.is_empty() {
                return Err(format!("no scenario or journey matches {text}"));
            }
            Ok(if sel.metric == "iterations" {
                (Metric::Iterations(journeys), Kind::Counter)
            } else {
                (Metric::IterationDuration(journeys), Kind::Trend)
            })
        }
        "dropped_iterations" => {
            tags(&["scenario"])?;
            let mut scenarios: Vec<&str> =
                names.journeys.iter().map(|j| j.scenario.as_str()).collect();
            scenarios.dedup();
            let selected: Vec<usize> = scenarios
                .iter()
                .enumerate()
                .filter(|(_, s)| tag("scenario").is_none_or(|v| **s == v))
                .map(|(i, _)| i)
                .collect();
            Ok((Metric::DroppedIterations(selected), Kind::Counter))
        }
        name => match names.metrics.iter().position(|m| m.name == name) {
            Some(i) => {
                tags(&[])?;
                let kind = names.metrics[i].kind;
                let k = match kind {
                    MetricKind::Counter => Kind::Counter,
                    MetricKind::Rate => Kind::Rate,
                    MetricKind::Trend => Kind::Trend,
                };
                Ok((Metric::User(i, kind), k))
            }
            None => {
                let mut known: Vec<&str> = HTTP.iter().map(|(n, ..)| *n).collect();
                known.extend([
                    "checks",
                    "iterations",
                    "iteration_duration",
                    "dropped_iterations",
                ]);
                known.extend(names.metrics.iter().map(|m| m.name.as_str()));
                Err(format!(
                    "unknown metric {name:?}; known metrics are {}",
                    known.join(", ")
                ))
            }
        },
    }
}

fn select<'a, T: 'a>(it: impl Iterator<Item = (usize, &'a T)>) -> Vec<usize> {
    it.map(|(i, _)| i).collect()
}
