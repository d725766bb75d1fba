//! The defaults a plan takes for scenario and executor fields it leaves out, named once. Serde
//! fills missing fields from here (run options from `Options::default`), and Python reads all of
//! them as `horde.DEFAULTS`, so that its functions leave a field out rather than repeat a value.

use serde_json::json;

use super::options::Options;

/// VUs of `constant_vus`, `per_vu_iterations` and `shared_iterations`.
pub const VUS: u64 = 1;
/// Iterations of `per_vu_iterations` (each) and `shared_iterations` (in all).
pub const ITERATIONS: u64 = 1;
/// Length of `constant_vus`, seconds.
pub const DURATION_S: f64 = 10.0;
/// Upper bound on the length of the iteration-count executors, seconds.
pub const MAX_DURATION_S: f64 = 600.0;
/// The unit of arrival rates, seconds.
pub const TIME_UNIT_S: f64 = 1.0;
/// VUs an arrival-rate executor creates before the start.
pub const PRE_ALLOCATED_VUS: u64 = 10;
/// Most VUs an arrival-rate executor may use.
pub const MAX_VUS: u64 = 1000;
/// How long running iterations may finish after their scenario ends, seconds.
pub const GRACEFUL_STOP_S: f64 = 30.0;
/// How long a VU removed by a ramp-down may finish its iteration, seconds.
pub const GRACEFUL_RAMP_DOWN_S: f64 = 30.0;

pub(super) fn vus() -> u64 {
    VUS
}
pub(super) fn iterations() -> u64 {
    ITERATIONS
}
pub(super) fn duration_s() -> f64 {
    DURATION_S
}
pub(super) fn max_duration_s() -> f64 {
    MAX_DURATION_S
}
pub(super) fn time_unit_s() -> f64 {
    TIME_UNIT_S
}
pub(super) fn pre_allocated_vus() -> u64 {
    PRE_ALLOCATED_VUS
}
pub(super) fn max_vus() -> u64 {
    MAX_VUS
}
pub(super) fn graceful_stop_s() -> f64 {
    GRACEFUL_STOP_S
}
pub(super) fn graceful_ramp_down_s() -> f64 {
    GRACEFUL_RAMP_DOWN_S
}

/// Every default, as `horde.DEFAULTS` shows them: `scenario`, `executor` and `options` (the
/// run options' whole default tree).
pub fn all() -> serde_json::Value {
    json!({
        "scenario": {"start_s": 0.0, "graceful_stop_s": GRACEFUL_STOP_S},
        "executor": {
            "vus": VUS,
            "iterations": ITERATIONS,
            "duration_s": DURATION_S,
            "max_duration_s": MAX_DURATION_S,
            "time_unit_s": TIME_UNIT_S,
            "pre_allocated_vus": PRE_ALLOCATED_VUS,
            "max_vus": MAX_VUS,
            "start_vus": 0,
            "start_rate": 0.0,
            "graceful_ramp_down_s": GRACEFUL_RAMP_DOWN_S,
        },
        "options": serde_json::to_value(Options::default()).expect("options serialise"),
    })
}
