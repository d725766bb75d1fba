//! Metric names, following k6 so that users can carry their knowledge (and thresholds) over.

/// Response time: completion − intended send time (coordinated-omission-correct).
pub const HTTP_REQ_DURATION: &str = "http_req_duration";
/// Service time: completion − actual send time (what closed-loop tools report).
pub const HTTP_REQ_SERVICE_TIME: &str = "http_req_service_time";
/// Rate of failed requests (errors and unexpected statuses).
pub const HTTP_REQ_FAILED: &str = "http_req_failed";
/// Number of requests.
pub const HTTP_REQS: &str = "http_reqs";
/// Bytes sent.
pub const DATA_SENT: &str = "data_sent";
/// Bytes received.
pub const DATA_RECEIVED: &str = "data_received";
/// Iterations started.
pub const ITERATIONS: &str = "iterations";
/// Iterations that could not start on time.
pub const DROPPED_ITERATIONS: &str = "dropped_iterations";
/// Lateness of sends against their schedule.
pub const SEND_LAG: &str = "send_lag";
