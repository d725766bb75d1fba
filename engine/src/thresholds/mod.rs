//! Thresholds: k6-style pass/fail criteria. `parse` reads the grammar; `compile` (used by plan
//! validation) resolves metric names and tag filters to what the recorder keeps; `eval` (used by
//! the collector every second and at the end) computes the observed values.

pub mod eval;
pub mod parse;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::seconds_to_ns;
use crate::error::Problems;
use crate::metrics::catalogue::{self, Measure, MetricType, RequestMeasure, Unit, BUILTINS};
use crate::metrics::keys::{CheckKey, JourneyKey, MetricKey, MetricKind, RequestKey};
use parse::{Agg, Condition};

pub use eval::{judge, Outcome};

/// One threshold condition, e.g. `p(95)<500`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdSpec {
    /// k6 syntax: `avg|min|med|max|p(N)|rate|count|value` `<|<=|>|>=|==|!=` number.
    pub expression: String,
    /// Stop the whole run as soon as this fails.
    #[serde(default)]
    pub abort_on_fail: bool,
    /// With `abort_on_fail`: do not evaluate for this long after the start, seconds.
    #[serde(default)]
    pub delay_abort_eval_s: f64,
}

/// What a threshold looks at.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// A per-request metric over the selected request keys, in one view of them.
    Request(RequestMeasure, Vec<usize>, View),
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

/// Which requests a request metric counts: k6's `expected_response` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Every request: responses of any status and failures (the default).
    All,
    /// `{expected_response:true}`: responses with an expected status only.
    Expected,
    /// `{expected_response:false}`: failures and unexpected statuses.
    Unexpected,
}

/// The unit of a threshold's observed value, so that every report shows it the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedUnit {
    /// Milliseconds (an aggregate of a duration).
    Ms,
    /// A share between 0 and 1 (the rate of a rate metric).
    Ratio,
    /// Per second (the rate of a counter).
    PerSecond,
    /// Bytes (the count of a byte counter).
    Bytes,
    /// A plain number.
    #[default]
    None,
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
    /// The unit of the observed value.
    pub unit: ObservedUnit,
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

/// Compiles every threshold, reporting problems under `thresholds[...]`.
pub fn compile(
    specs: &BTreeMap<String, Vec<ThresholdSpec>>,
    names: &Names<'_>,
    problems: &mut Problems,
) -> Vec<CompiledThreshold> {
    let mut out = Vec::new();
    for (selector, conditions) in specs {
        let at = format!("thresholds[{selector:?}]");
        let (metric, kind, unit) = match resolve(selector, names) {
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
            let unit = observed_unit(kind, unit, condition.agg);
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
                unit,
                abort_on_fail: spec.abort_on_fail,
                delay_abort_ns: seconds_to_ns(spec.delay_abort_eval_s.max(0.0)),
            });
        }
    }
    out
}

fn fits(selector: &str, kind: MetricType, agg: Agg) -> Result<(), String> {
    let ok = match kind {
        MetricType::Trend => matches!(agg, Agg::Avg | Agg::Min | Agg::Med | Agg::Max | Agg::P(_)),
        MetricType::Rate => agg == Agg::Rate,
        MetricType::Counter => matches!(agg, Agg::Count | Agg::Rate),
        MetricType::Gauge => agg == Agg::Value,
    };
    if ok {
        return Ok(());
    }
    let allowed = match kind {
        MetricType::Trend => "avg, min, med, max or p(N)",
        MetricType::Rate => "rate",
        MetricType::Counter => "count or rate (per second)",
        MetricType::Gauge => "value",
    };
    Err(format!(
        "{selector} is a {} metric: use {allowed}, not {agg}",
        format!("{kind:?}").to_lowercase()
    ))
}

fn observed_unit(kind: MetricType, unit: Unit, agg: Agg) -> ObservedUnit {
    match (kind, agg, unit) {
        (MetricType::Trend, _, Unit::Ms) => ObservedUnit::Ms,
        (MetricType::Rate, ..) => ObservedUnit::Ratio,
        (MetricType::Counter, Agg::Rate, _) => ObservedUnit::PerSecond,
        (_, _, Unit::Bytes) => ObservedUnit::Bytes,
        _ => ObservedUnit::None,
    }
}

fn resolve(text: &str, names: &Names<'_>) -> Result<(Metric, MetricType, Unit), String> {
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
    let Some(builtin) = catalogue::builtin(&sel.metric) else {
        let Some(i) = names.metrics.iter().position(|m| m.name == sel.metric) else {
            let mut known: Vec<&str> = BUILTINS
                .iter()
                .filter(|b| thresholds_can_use(b.measure))
                .map(|b| b.name)
                .collect();
            known.extend(names.metrics.iter().map(|m| m.name.as_str()));
            return Err(format!(
                "unknown metric {:?}; known metrics are {}",
                sel.metric,
                known.join(", ")
            ));
        };
        tags(&[])?;
        let kind = names.metrics[i].kind;
        let t = match kind {
            MetricKind::Counter => MetricType::Counter,
            MetricKind::Rate => MetricType::Rate,
            MetricKind::Trend => MetricType::Trend,
        };
        return Ok((Metric::User(i, kind), t, Unit::None));
    };
    tags(builtin.tags)?;
    let metric = match builtin.measure {
        Measure::Request(measure) => {
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
            let view = match tag("expected_response") {
                None => View::All,
                Some("true") => View::Expected,
                Some("false") => View::Unexpected,
                Some(other) => {
                    return Err(format!(
                        "expected_response is true or false, got {other:?} in {text}"
                    ))
                }
            };
            Metric::Request(measure, keys, view)
        }
        Measure::Checks => {
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
            Metric::Checks(checks)
        }
        Measure::Iterations | Measure::IterationDuration => {
            let journeys = select(names.journeys.iter().enumerate().filter(|(_, j)| {
                scenario_ok(&j.scenario)
                    && tag("scenario").is_none_or(|v| j.scenario == v)
                    && tag("journey").is_none_or(|v| j.journey == v)
            }));
            if journeys.is_empty() {
                return Err(format!("no scenario or journey matches {text}"));
            }
            if builtin.measure == Measure::Iterations {
                Metric::Iterations(journeys)
            } else {
                Metric::IterationDuration(journeys)
            }
        }
        Measure::DroppedIterations => {
            let mut scenarios: Vec<&str> =
                names.journeys.iter().map(|j| j.scenario.as_str()).collect();
            scenarios.dedup();
            let selected: Vec<usize> = scenarios
                .iter()
                .enumerate()
                .filter(|(_, s)| tag("scenario").is_none_or(|v| **s == v))
                .map(|(i, _)| i)
                .collect();
            Metric::DroppedIterations(selected)
        }
        Measure::VusMax | Measure::SendLag => {
            return Err(format!(
                "{} describes the generator, not the target: it cannot be a threshold",
                builtin.name
            ))
        }
    };
    Ok((metric, builtin.kind, builtin.unit))
}

/// Whether thresholds can look at a built-in metric (the generator's own are for its verdict).
fn thresholds_can_use(measure: Measure) -> bool {
    !matches!(measure, Measure::VusMax | Measure::SendLag)
}

fn select<'a, T: 'a>(it: impl Iterator<Item = (usize, &'a T)>) -> Vec<usize> {
    it.map(|(i, _)| i).collect()
}
