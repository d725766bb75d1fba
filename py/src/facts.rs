//! What the engine knows that Python presents: defaults, the built-in metrics, executor
//! overrides, the checks of plan fragments, and results read from disk. Plain JSON both ways.

use pyo3::prelude::*;

use crate::errors::plan_error;

/// Every default a plan takes, as JSON (`horde.DEFAULTS`).
#[pyfunction]
pub fn defaults() -> String {
    horde_engine::defaults().to_string()
}

/// The built-in metrics, as JSON (`horde.METRICS`).
#[pyfunction]
pub fn metrics() -> String {
    serde_json::to_string(horde_engine::METRICS).expect("the catalogue serialises")
}

/// The error classes with their meaning and advice, as JSON (`horde.ERRORS`).
#[pyfunction]
pub fn error_classes() -> String {
    horde_engine::error_classes().to_string()
}

/// An executor (JSON) with command-line overrides applied, as JSON.
#[pyfunction]
#[pyo3(signature = (executor_json, vus=None, duration_s=None, iterations=None, rate=None))]
pub fn override_executor(
    executor_json: &str,
    vus: Option<u64>,
    duration_s: Option<f64>,
    iterations: Option<u64>,
    rate: Option<f64>,
) -> PyResult<String> {
    let o = horde_engine::Overrides {
        vus,
        duration_s,
        iterations,
        rate,
    };
    horde_engine::override_executor_json(executor_json, &o).map_err(plan_error)
}

/// Checks one scenario (JSON) on its own; PlanError with paths relative to it.
#[pyfunction]
pub fn check_scenario(scenario_json: &str) -> PyResult<()> {
    horde_engine::check_scenario_json(scenario_json).map_err(plan_error)
}

/// Checks the HTTP client's options (JSON) on their own; PlanError with paths relative to them.
#[pyfunction]
pub fn check_http(http_json: &str) -> PyResult<()> {
    horde_engine::check_http_json(http_json).map_err(plan_error)
}

/// A result document read from disk, completed where an earlier version left something out.
#[pyfunction]
pub fn load_result(text: &str) -> PyResult<String> {
    horde_engine::RunResult::from_json(text)
        .map(|r| r.to_json())
        .map_err(pyo3::exceptions::PyValueError::new_err)
}
