//! The built-in metrics, defined once: their names (k6's, so that users carry their knowledge and
//! thresholds over), how each aggregates, its unit, what it measures, the tags a threshold may
//! filter it by, and where a result keeps its full histogram. Thresholds resolve names here, the
//! result's metric summary follows it, and Python reads it through `_native.METRICS`.

use serde::{Deserialize, Serialize};

/// How a metric aggregates (k6's metric types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricType {
    /// A sum (and its rate per second).
    Counter,
    /// A single value.
    Gauge,
    /// A share of true samples.
    Rate,
    /// A distribution (percentiles).
    Trend,
}

/// The unit a metric's values are reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Milliseconds.
    Ms,
    /// Bytes.
    Bytes,
    /// A plain number (a count, a share).
    None,
}

/// What a per-request metric reads from each request key's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestMeasure {
    /// Response time, from the intended send.
    Duration,
    /// Service time, from the actual send.
    ServiceTime,
    /// TCP connect time.
    Connecting,
    /// TLS handshake time.
    TlsHandshaking,
    /// Time to the first response byte.
    Waiting,
    /// Time from the first to the last response byte.
    Receiving,
    /// Failed requests (errors and unexpected statuses) among all.
    Failed,
    /// Requests.
    Reqs,
    /// Bytes sent.
    DataSent,
    /// Bytes received.
    DataReceived,
}

/// What a built-in metric measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Something of every request (selected by name, scenario, method or group).
    Request(RequestMeasure),
    /// Checks that passed among all checks.
    Checks,
    /// Iterations started.
    Iterations,
    /// Duration of completed iterations.
    IterationDuration,
    /// Iterations that could not start.
    DroppedIterations,
    /// Most VUs in an iteration at once.
    VusMax,
    /// How late requests left against their schedule.
    SendLag,
}

/// Where a result keeps a metric's full histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "rows", content = "field", rename_all = "snake_case")]
pub enum HistogramAt {
    /// In each of `requests` (and `total`), under this field.
    Requests(&'static str),
    /// In each of `journeys`, under this field.
    Journeys(&'static str),
    /// In `generator`, under this field.
    Generator(&'static str),
}

/// A built-in metric.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Builtin {
    /// Its name.
    pub name: &'static str,
    /// How it aggregates.
    #[serde(rename = "type")]
    pub kind: MetricType,
    /// The unit of its values.
    pub unit: Unit,
    /// What it measures, in a sentence.
    pub description: &'static str,
    /// Tags a threshold may filter it by (scenario tags aside).
    pub tags: &'static [&'static str],
    /// Left out of summaries when nothing was measured (no TLS, no checks, a closed model).
    pub optional: bool,
    /// Where a result keeps its full histogram (trends).
    pub histogram: Option<HistogramAt>,
    /// What it measures, for the engine.
    #[serde(skip)]
    pub measure: Measure,
}

const REQUEST_TAGS: &[&str] = &["name", "scenario", "method", "group"];
/// Request metrics that can also be split by whether the response was expected (k6's
/// `expected_response` tag): `true` is the successful-only view.
const VIEW_TAGS: &[&str] = &["name", "scenario", "method", "group", "expected_response"];

const fn request_trend(
    name: &'static str,
    measure: RequestMeasure,
    field: &'static str,
    description: &'static str,
) -> Builtin {
    Builtin {
        name,
        kind: MetricType::Trend,
        unit: Unit::Ms,
        description,
        tags: REQUEST_TAGS,
        optional: false,
        histogram: Some(HistogramAt::Requests(field)),
        measure: Measure::Request(measure),
    }
}

/// Every built-in metric, in the order summaries list them (k6's: by name).
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "checks",
        kind: MetricType::Rate,
        unit: Unit::None,
        description: "share of checks that passed",
        tags: &["scenario", "check", "name"],
        optional: true,
        histogram: None,
        measure: Measure::Checks,
    },
    Builtin {
        name: "data_received",
        kind: MetricType::Counter,
        unit: Unit::Bytes,
        description: "bytes received, as they came over the wire",
        tags: REQUEST_TAGS,
        optional: false,
        histogram: None,
        measure: Measure::Request(RequestMeasure::DataReceived),
    },
    Builtin {
        name: "data_sent",
        kind: MetricType::Counter,
        unit: Unit::Bytes,
        description: "bytes sent",
        tags: REQUEST_TAGS,
        optional: false,
        histogram: None,
        measure: Measure::Request(RequestMeasure::DataSent),
    },
    Builtin {
        name: "dropped_iterations",
        kind: MetricType::Counter,
        unit: Unit::None,
        description: "iterations that could not start on time (no free VU)",
        tags: &["scenario"],
        optional: false,
        histogram: None,
        measure: Measure::DroppedIterations,
    },
    request_trend(
        "http_req_connecting",
        RequestMeasure::Connecting,
        "connecting_hist",
        "TCP connect time of requests that opened a connection",
    ),
    Builtin {
        tags: VIEW_TAGS,
        ..request_trend(
            "http_req_duration",
            RequestMeasure::Duration,
            "response_time_hist",
            "response time of every request, from when it should have been sent (coordinated \
             omission corrected) to its last response byte or its failure; a timed-out request \
             counts at its timeout, as a lower bound ({expected_response:true}: responses with \
             an expected status only)",
        )
    },
    Builtin {
        name: "http_req_failed",
        kind: MetricType::Rate,
        unit: Unit::None,
        description: "share of requests that failed (errors and unexpected statuses)",
        tags: REQUEST_TAGS,
        optional: false,
        histogram: None,
        measure: Measure::Request(RequestMeasure::Failed),
    },
    request_trend(
        "http_req_receiving",
        RequestMeasure::Receiving,
        "receiving_hist",
        "time from the first to the last byte of the response",
    ),
    request_trend(
        "http_req_service_time",
        RequestMeasure::ServiceTime,
        "service_time_hist",
        "time from when each request was actually sent to its last response byte",
    ),
    Builtin {
        optional: true,
        ..request_trend(
            "http_req_tls_handshaking",
            RequestMeasure::TlsHandshaking,
            "tls_handshaking_hist",
            "TLS handshake time of requests that opened an HTTPS connection",
        )
    },
    request_trend(
        "http_req_waiting",
        RequestMeasure::Waiting,
        "waiting_hist",
        "time from the send to the first response byte",
    ),
    Builtin {
        name: "http_reqs",
        kind: MetricType::Counter,
        unit: Unit::None,
        description: "requests finished (responses and failures)",
        tags: VIEW_TAGS,
        optional: false,
        histogram: None,
        measure: Measure::Request(RequestMeasure::Reqs),
    },
    Builtin {
        name: "iteration_duration",
        kind: MetricType::Trend,
        unit: Unit::Ms,
        description: "duration of completed iterations, from their intended start",
        tags: &["scenario", "journey"],
        optional: true,
        histogram: Some(HistogramAt::Journeys("duration_hist")),
        measure: Measure::IterationDuration,
    },
    Builtin {
        name: "iterations",
        kind: MetricType::Counter,
        unit: Unit::None,
        description: "iterations started",
        tags: &["scenario", "journey"],
        optional: false,
        histogram: None,
        measure: Measure::Iterations,
    },
    Builtin {
        name: "send_lag",
        kind: MetricType::Trend,
        unit: Unit::Ms,
        description: "how late requests left against their schedule (open model): the \
                      generator's own delay",
        tags: &[],
        optional: true,
        histogram: Some(HistogramAt::Generator("send_lag_hist")),
        measure: Measure::SendLag,
    },
    Builtin {
        name: "vus_max",
        kind: MetricType::Gauge,
        unit: Unit::None,
        description: "most VUs in an iteration at once",
        tags: &[],
        optional: false,
        histogram: None,
        measure: Measure::VusMax,
    },
];

/// The built-in metric called `name`.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_sorted() {
        let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        assert_eq!(
            builtin("http_req_duration").map(|b| b.kind),
            Some(MetricType::Trend)
        );
    }
}
