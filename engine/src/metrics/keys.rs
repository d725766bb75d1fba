//! What the recorder keeps apart: the dense keys a compiled plan interns its names into (request
//! keys, checks, journeys, user metrics). Shared by the plan compiler that makes them, the
//! thresholds that select among them, and the outputs and results that name them.

use serde::{Deserialize, Serialize};

/// A (scenario, request name, method) triple: one row of per-request results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// Scenario name.
    pub scenario: String,
    /// Request name tag (with group prefix).
    pub name: String,
    /// Method.
    pub method: String,
}

/// A named check of one request in one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckKey {
    /// Scenario name.
    pub scenario: String,
    /// Request name.
    pub request: String,
    /// Check name.
    pub name: String,
}

/// A journey as run by one scenario (its funnel and iteration durations are kept apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JourneyKey {
    /// Scenario name.
    pub scenario: String,
    /// Journey name.
    pub journey: String,
    /// Funnel steps (request names in journey order).
    pub steps: Vec<String>,
}

/// A user-defined metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricKey {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: MetricKind,
}

/// Kinds of user-defined metric, as in k6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Sums values.
    Counter,
    /// Share of non-zero / true values.
    Rate,
    /// Distribution of values (percentiles).
    Trend,
}
