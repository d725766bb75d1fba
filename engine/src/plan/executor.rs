//! Executor configurations: when iterations start. Semantics and names follow k6's executors.
//! This is plain data; the schedules that act on it live in `crate::executor`.

use serde::{Deserialize, Serialize};

use super::defaults;

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

/// One stage of a ramp: move linearly to `target` over `duration_s`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Length, seconds.
    pub duration_s: f64,
    /// VUs (ramping_vus) or iterations per time unit (ramping_arrival_rate) at the end.
    pub target: f64,
}

/// An executor and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExecutorConfig {
    /// A fixed number of VUs loop over the journey for a duration (closed model).
    ConstantVus {
        /// Number of VUs.
        #[serde(default = "defaults::vus")]
        vus: u64,
        /// How long, seconds.
        #[serde(default = "defaults::duration_s")]
        duration_s: f64,
    },
    /// The number of VUs follows stages (closed model).
    RampingVus {
        /// VUs at the start.
        #[serde(default)]
        start_vus: u64,
        /// Stages.
        stages: Vec<Stage>,
        /// How long a VU removed by a ramp-down may finish its iteration, seconds.
        #[serde(default = "defaults::graceful_ramp_down_s")]
        graceful_ramp_down_s: f64,
    },
    /// Each VU runs a fixed number of iterations (closed model).
    PerVuIterations {
        /// Number of VUs.
        #[serde(default = "defaults::vus")]
        vus: u64,
        /// Iterations per VU.
        #[serde(default = "defaults::iterations")]
        iterations: u64,
        /// Upper bound on the scenario's duration, seconds.
        #[serde(default = "defaults::max_duration_s")]
        max_duration_s: f64,
    },
    /// A fixed number of VUs share a total number of iterations (closed model).
    SharedIterations {
        /// Number of VUs.
        #[serde(default = "defaults::vus")]
        vus: u64,
        /// Total iterations across all VUs.
        #[serde(default = "defaults::iterations")]
        iterations: u64,
        /// Upper bound on the scenario's duration, seconds.
        #[serde(default = "defaults::max_duration_s")]
        max_duration_s: f64,
    },
    /// Iterations start at a fixed rate, whatever the response times (open model).
    ConstantArrivalRate {
        /// Iterations per `time_unit_s`.
        rate: f64,
        /// The unit of `rate`, seconds.
        #[serde(default = "defaults::time_unit_s")]
        time_unit_s: f64,
        /// How long, seconds.
        duration_s: f64,
        /// VUs created before the start.
        #[serde(default = "defaults::pre_allocated_vus")]
        pre_allocated_vus: u64,
        /// Upper bound on VUs (each VU holds one connection).
        #[serde(default = "defaults::max_vus")]
        max_vus: u64,
        /// Stop after this many iterations, if given (horde extension).
        #[serde(default)]
        max_iterations: Option<u64>,
        /// What to do when no VU is free at an iteration's intended start.
        #[serde(default)]
        when_saturated: Saturation,
    },
    /// The arrival rate follows stages (open model).
    RampingArrivalRate {
        /// Iterations per `time_unit_s` at the start.
        #[serde(default)]
        start_rate: f64,
        /// The unit of rates, seconds.
        #[serde(default = "defaults::time_unit_s")]
        time_unit_s: f64,
        /// Stages (targets are rates).
        stages: Vec<Stage>,
        /// VUs created before the start.
        #[serde(default = "defaults::pre_allocated_vus")]
        pre_allocated_vus: u64,
        /// Upper bound on VUs.
        #[serde(default = "defaults::max_vus")]
        max_vus: u64,
        /// What to do when no VU is free at an iteration's intended start.
        #[serde(default)]
        when_saturated: Saturation,
    },
}

impl ExecutorConfig {
    /// The executor's k6 name.
    pub fn name(&self) -> &'static str {
        match self {
            ExecutorConfig::ConstantVus { .. } => "constant_vus",
            ExecutorConfig::RampingVus { .. } => "ramping_vus",
            ExecutorConfig::PerVuIterations { .. } => "per_vu_iterations",
            ExecutorConfig::SharedIterations { .. } => "shared_iterations",
            ExecutorConfig::ConstantArrivalRate { .. } => "constant_arrival_rate",
            ExecutorConfig::RampingArrivalRate { .. } => "ramping_arrival_rate",
        }
    }

    /// Whether iterations arrive on a schedule (open model) rather than per VU (closed model).
    pub fn is_open_model(&self) -> bool {
        matches!(
            self,
            ExecutorConfig::ConstantArrivalRate { .. } | ExecutorConfig::RampingArrivalRate { .. }
        )
    }

    /// Most VUs this executor can have at once.
    pub fn max_vus(&self) -> u64 {
        match self {
            ExecutorConfig::ConstantVus { vus, .. }
            | ExecutorConfig::SharedIterations { vus, .. }
            | ExecutorConfig::PerVuIterations { vus, .. } => *vus,
            ExecutorConfig::RampingVus {
                start_vus, stages, ..
            } => stages
                .iter()
                .map(|s| s.target.max(0.0).round() as u64)
                .max()
                .unwrap_or(0)
                .max(*start_vus),
            ExecutorConfig::ConstantArrivalRate { max_vus, .. }
            | ExecutorConfig::RampingArrivalRate { max_vus, .. } => *max_vus,
        }
    }

    /// Longest the executor runs, seconds (before graceful stop).
    pub fn duration_s(&self) -> f64 {
        match self {
            ExecutorConfig::ConstantVus { duration_s, .. }
            | ExecutorConfig::ConstantArrivalRate { duration_s, .. } => *duration_s,
            ExecutorConfig::SharedIterations { max_duration_s, .. }
            | ExecutorConfig::PerVuIterations { max_duration_s, .. } => *max_duration_s,
            ExecutorConfig::RampingVus { stages, .. }
            | ExecutorConfig::RampingArrivalRate { stages, .. } => {
                stages.iter().map(|s| s.duration_s).sum()
            }
        }
    }
}
