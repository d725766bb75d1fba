//! The one table that maps engine errors to Python exceptions. The exception classes are defined
//! in Python (`horde/errors.py`) and imported lazily the first time one is raised.

use pyo3::prelude::*;

pyo3::import_exception!(horde.errors, PlanError);
pyo3::import_exception!(horde.errors, RunError);

/// `horde.errors.PlanError(message, issues)` where issues is a list of (path, message).
pub fn plan_error(e: horde_engine::PlanError) -> PyErr {
    let issues: Vec<(String, String)> = e
        .issues
        .iter()
        .map(|i| (i.path.clone(), i.message.clone()))
        .collect();
    PlanError::new_err((e.to_string(), issues))
}

/// `horde.errors.RunError(message)`.
pub fn run_error(e: horde_engine::RunError) -> PyErr {
    RunError::new_err(e.to_string())
}
