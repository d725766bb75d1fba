//! Plans in, runs out: `compile_plan` (validation errors become `PlanError` before any load),
//! `CompiledPlan.start()`, and `Run`, whose blocking calls release the GIL.

use std::sync::Mutex;
use std::time::Duration;

use horde_engine::{RunControls, RunHandle, StopLevel};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{plan_error, run_error};

/// A validated, compiled plan, ready to start once.
#[pyclass(module = "horde._native")]
pub struct CompiledPlan {
    plan: Mutex<Option<horde_engine::CompiledPlan>>,
}

/// Validates a plan (JSON text) without resolving hosts; returns the normalised plan JSON as
/// artifacts show it (secrets and credentials redacted).
#[pyfunction]
pub fn validate_plan(plan_json: &str) -> PyResult<String> {
    let plan = horde_engine::Plan::from_json(plan_json).map_err(plan_error)?;
    plan.validate().map_err(plan_error)?;
    Ok(plan.redacted().to_json())
}

/// Validates and compiles a plan (JSON text). Host names are resolved when it starts.
#[pyfunction]
pub fn compile_plan(py: Python<'_>, plan_json: &str) -> PyResult<CompiledPlan> {
    let plan = horde_engine::Plan::from_json(plan_json).map_err(plan_error)?;
    let compiled = py
        .detach(|| horde_engine::CompiledPlan::compile(plan))
        .map_err(plan_error)?;
    Ok(CompiledPlan {
        plan: Mutex::new(Some(compiled)),
    })
}

#[pymethods]
impl CompiledPlan {
    /// What the host's limits say about this plan before any load: a warning per limit it may
    /// run into (raises the soft open-file limit to the hard one; resolves host names).
    fn preflight(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let guard = self
            .plan
            .lock()
            .map_err(|_| PyRuntimeError::new_err("plan lock poisoned"))?;
        let plan = guard.as_ref().ok_or_else(|| {
            PyRuntimeError::new_err("this compiled plan has already been started")
        })?;
        py.detach(|| horde_engine::preflight(plan))
            .map_err(run_error)
    }

    /// Resolves the plan's host names, builds its TLS configuration and starts the run on
    /// worker threads; returns at once.
    fn start(&self, py: Python<'_>) -> PyResult<Run> {
        let plan = self
            .plan
            .lock()
            .map_err(|_| PyRuntimeError::new_err("plan lock poisoned"))?
            .take()
            .ok_or_else(|| {
                PyRuntimeError::new_err("this compiled plan has already been started")
            })?;
        let handle = py.detach(|| horde_engine::start(plan)).map_err(run_error)?;
        let controls = handle.controls();
        Ok(Run {
            handle: Mutex::new(Some(handle)),
            controls,
            result: Mutex::new(None),
        })
    }
}

/// A run in progress.
#[pyclass(module = "horde._native")]
pub struct Run {
    handle: Mutex<Option<RunHandle>>,
    controls: RunControls,
    result: Mutex<Option<String>>,
}

#[pymethods]
impl Run {
    /// Waits up to `timeout_s` seconds (GIL released); True once the run has finished.
    fn wait(&self, py: Python<'_>, timeout_s: f64) -> PyResult<bool> {
        let timeout = Duration::from_secs_f64(timeout_s.clamp(0.0, 3600.0));
        py.detach(|| {
            let mut guard = self
                .handle
                .lock()
                .map_err(|_| PyRuntimeError::new_err("run lock poisoned"))?;
            Ok(match guard.as_mut() {
                Some(h) => h.wait(timeout),
                None => true,
            })
        })
    }

    /// Asks the run to stop: gracefully (in-flight requests finish) or, with `abort`, at once.
    #[pyo3(signature = (abort = false))]
    fn stop(&self, abort: bool) {
        self.controls.stop(if abort {
            StopLevel::Abort
        } else {
            StopLevel::Graceful
        });
    }

    /// The latest progress as a dict.
    fn progress<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self.controls.progress();
        let d = PyDict::new(py);
        d.set_item("elapsed_s", p.elapsed_s)?;
        d.set_item("requests", p.requests)?;
        d.set_item("failed", p.failed)?;
        d.set_item("last_second_requests", p.last_second_requests)?;
        d.set_item("last_second_p95_us", p.last_second_p95_us)?;
        d.set_item("active_vus", p.active_vus)?;
        d.set_item("iterations", p.iterations)?;
        d.set_item("thresholds_failing", p.thresholds_failing)?;
        d.set_item("planned_s", p.planned_s)?;
        d.set_item("target_per_s", p.target_per_s)?;
        d.set_item("limited_by", p.limited_by.name())?;
        match &p.stage {
            Some(s) => {
                let stage = PyDict::new(py);
                stage.set_item("scenario", &s.scenario)?;
                stage.set_item("index", s.index)?;
                stage.set_item("count", s.count)?;
                stage.set_item("target", s.target)?;
                stage.set_item("unit", s.unit)?;
                d.set_item("stage", stage)?;
            }
            None => d.set_item("stage", py.None())?,
        }
        d.set_item("done", p.done)?;
        Ok(d)
    }

    /// Waits for the end (GIL released) and returns the result as JSON text.
    fn join(&self, py: Python<'_>) -> PyResult<String> {
        if let Some(r) = self
            .result
            .lock()
            .map_err(|_| PyRuntimeError::new_err("result lock poisoned"))?
            .clone()
        {
            return Ok(r);
        }
        let handle = self
            .handle
            .lock()
            .map_err(|_| PyRuntimeError::new_err("run lock poisoned"))?
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("run already joined"))?;
        let json = py
            .detach(|| handle.join().map(|r| r.to_json()))
            .map_err(run_error)?;
        *self
            .result
            .lock()
            .map_err(|_| PyRuntimeError::new_err("result lock poisoned"))? = Some(json.clone());
        Ok(json)
    }
}
