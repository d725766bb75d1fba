//! `horde model` / `h.learn`: the engine reads the logs (without the GIL) and hands back its
//! tables as JSON; bad input becomes `horde.errors.LogError`, a missing file `OSError`.

use std::collections::BTreeMap;

use pyo3::prelude::*;

pyo3::import_exception!(horde.errors, LogError);

/// Learns from access logs; the tables as JSON (see `horde_engine::learn::Learned`).
#[pyfunction]
#[pyo3(signature = (paths, format="auto", pattern=None, fields=BTreeMap::new(), session=None,
                    session_timeout_s=1800.0, rules=Vec::new(), drop=Vec::new(),
                    keep_static=false, keep_health=false))]
#[allow(clippy::too_many_arguments)]
pub fn learn(
    py: Python<'_>,
    paths: Vec<String>,
    format: &str,
    pattern: Option<String>,
    fields: BTreeMap<String, String>,
    session: Option<String>,
    session_timeout_s: f64,
    rules: Vec<String>,
    drop: Vec<String>,
    keep_static: bool,
    keep_health: bool,
) -> PyResult<String> {
    use horde_engine::learn::{learn, LearnError, Options, Rules};
    let rules = Rules::new(&rules, &drop, keep_static, keep_health).map_err(LogError::new_err)?;
    let options = Options {
        paths,
        format: format.to_string(),
        pattern,
        fields,
        session,
        session_timeout_s,
        rules,
    };
    let learned = py.detach(|| learn(options)).map_err(|e| match e {
        LearnError::Io { path, source } => {
            pyo3::exceptions::PyOSError::new_err(format!("cannot read {path}: {source}"))
        }
        LearnError::Input(message) => LogError::new_err(message),
    })?;
    Ok(serde_json::to_string(&learned).expect("the tables serialise"))
}
