//! Run-wide options: workers, HTTP limits and timeouts, scheduling and honesty bounds.

use serde::{Deserialize, Serialize};

/// Run-wide options. Every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Worker threads, one per CPU (default: every CPU this process may run on).
    pub workers: Option<u64>,
    /// HTTP client settings.
    pub http: HttpOptions,
    /// How far ahead of its intended time a request may be sent so that sends due close together
    /// share one wake-up, microseconds. Early sends are timed from when they were actually sent.
    pub send_window_us: u64,
    /// Send-lag p99 above this marks the generator as saturated, microseconds.
    pub lag_bound_us: u64,
    /// Seed for think times, branches and random helpers (default: from the clock). The same
    /// seed gives every VU the same random choices again.
    pub seed: Option<u64>,
    /// Where to send results while the run goes on.
    pub outputs: Vec<crate::output::OutputSpec>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            workers: None,
            http: HttpOptions::default(),
            send_window_us: 1_000,
            lag_bound_us: 1_000,
            seed: None,
            outputs: Vec::new(),
        }
    }
}

/// HTTP client settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpOptions {
    /// Request timeout (send to last byte of the response), seconds.
    pub timeout_s: f64,
    /// TCP connect timeout, seconds.
    pub connect_timeout_s: f64,
    /// Largest response body accepted, bytes.
    pub max_body_bytes: u64,
    /// Largest response head accepted, bytes.
    pub max_head_bytes: u64,
    /// Statuses outside this inclusive range count as failed requests.
    pub expected_status: (u16, u16),
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout_s: 60.0,
            connect_timeout_s: 10.0,
            max_body_bytes: 64 * 1024 * 1024,
            max_head_bytes: 64 * 1024,
            expected_status: (200, 399),
        }
    }
}
