//! Executor configurations: when iterations start. Semantics and names follow k6's executors.
//! This is plain data; the schedules that act on it live in `crate::executor`.

use serde::{Deserialize, Serialize};

/// What an arrival-rate executor does with an iteration that is due while every VU is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Saturation {
    /// Skip it and count it in `dropped_iterations` (k6's behaviour).
    #[default]
    Drop,
    /// Start it as soon as a VU frees, still timed from its intended start, and count it as
    /// delayed (wrk2's behaviour; used by `horde attack`).
    Queue,
}

/// An executor and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExecutorConfig {
    /// A fixed number of VUs loop over the journey for a duration (closed model).
    ConstantVus {
        /// Number of VUs.
        vus: u64,
        /// How long, seconds.
        duration_s: f64,
    },
    /// A fixed number of VUs share a total number of iterations (closed model).
    SharedIterations {
        /// Number of VUs.
        vus: u64,
        /// Total iterations across all VUs.
        iterations: u64,
        /// Upper bound on the scenario's duration, seconds.
        max_duration_s: f64,
    },
    /// Iterations start at a fixed rate, whatever the response times (open model).
    ConstantArrivalRate {
        /// Iterations per `time_unit_s`.
        rate: f64,
        /// The unit of `rate`, seconds.
        #[serde(default = "one")]
        time_unit_s: f64,
        /// How long, seconds.
        duration_s: f64,
        /// VUs created before the start.
        pre_allocated_vus: u64,
        /// Upper bound on VUs (each VU holds one connection).
        max_vus: u64,
        /// Stop after this many iterations, if given (horde extension).
        #[serde(default)]
        max_iterations: Option<u64>,
        /// What to do when no VU is free at an iteration's intended start.
        #[serde(default)]
        when_saturated: Saturation,
    },
}

fn one() -> f64 {
    1.0
}

impl ExecutorConfig {
    /// The executor's k6 name.
    pub fn name(&self) -> &'static str {
        match self {
            ExecutorConfig::ConstantVus { .. } => "constant_vus",
            ExecutorConfig::SharedIterations { .. } => "shared_iterations",
            ExecutorConfig::ConstantArrivalRate { .. } => "constant_arrival_rate",
        }
    }

    /// Most VUs this executor can have at once.
    pub fn max_vus(&self) -> u64 {
        match *self {
            ExecutorConfig::ConstantVus { vus, .. }
            | ExecutorConfig::SharedIterations { vus, .. } => vus,
            ExecutorConfig::ConstantArrivalRate { max_vus, .. } => max_vus,
        }
    }

    /// Longest the executor runs, seconds (before graceful stop).
    pub fn duration_s(&self) -> f64 {
        match *self {
            ExecutorConfig::ConstantVus { duration_s, .. }
            | ExecutorConfig::ConstantArrivalRate { duration_s, .. } => duration_s,
            ExecutorConfig::SharedIterations { max_duration_s, .. } => max_duration_s,
        }
    }
}
