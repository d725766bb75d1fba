//! `horde._native`: pyo3 glue only. Converts plans (JSON text) and results (JSON text, histograms)
//! across the boundary, releases the GIL while the engine runs, and maps engine errors to the
//! exceptions defined in `horde/errors.py`. No logic the engine could own lives here.

mod errors;
mod facts;
mod histogram;
mod learn;
mod run;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("PLAN_VERSION", horde_engine::PLAN_VERSION)?;
    m.add_function(wrap_pyfunction!(run::compile_plan, m)?)?;
    m.add_function(wrap_pyfunction!(facts::defaults, m)?)?;
    m.add_function(wrap_pyfunction!(facts::metrics, m)?)?;
    m.add_function(wrap_pyfunction!(facts::error_classes, m)?)?;
    m.add_function(wrap_pyfunction!(facts::override_executor, m)?)?;
    m.add_function(wrap_pyfunction!(facts::check_scenario, m)?)?;
    m.add_function(wrap_pyfunction!(facts::check_http, m)?)?;
    m.add_function(wrap_pyfunction!(facts::load_result, m)?)?;
    m.add_function(wrap_pyfunction!(run::validate_plan, m)?)?;
    m.add_function(wrap_pyfunction!(learn::learn, m)?)?;
    m.add_class::<run::CompiledPlan>()?;
    m.add_class::<run::Run>()?;
    m.add_class::<histogram::Histogram>()?;
    Ok(())
}
