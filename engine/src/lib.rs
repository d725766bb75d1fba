//! horde-engine: the native core of horde, a load generator.
//!
//! ```text
//! Plan (JSON) ─▶ plan::validate ─▶ CompiledPlan ─▶ run::start ─▶ workers (one per pinned CPU, own io_uring loop)
//!                                                                   │ one Snapshot per worker per second
//!                                                                   ▼
//!                                                   collector (merge, progress) ─▶ RunResult
//! ```
//! No Python here: the bindings live in the `horde-py` crate.

mod assemble;
mod client;
mod clock;
mod collector;
mod error;
mod executor;
/// Entry points for the fuzz targets in `engine/fuzz`; only with the `fuzzing` feature.
#[cfg(feature = "fuzzing")]
pub mod fuzz;
mod health;
mod http;
/// Workloads learned from access logs (`horde model`).
pub mod learn;
mod metrics;
mod net;
mod output;
mod plan;
mod result;
mod run;
mod template;
mod thresholds;
mod vu;
mod worker;

pub use collector::{Progress, StageProgress};
pub use error::{PlanError, PlanIssue, RunError};
pub use health::LimitedBy;
pub use metrics::catalogue::BUILTINS as METRICS;
pub use metrics::error_class::catalogue as error_classes;
pub use metrics::histogram::quantile_is_lower_bound as lower_bound_at;
pub use metrics::Hist;
pub use plan::defaults::all as defaults;
pub use plan::overrides::{override_executor_json, Overrides};
pub use plan::validate::{check_http_json, check_scenario_json};
pub use plan::{CompiledPlan, Plan, PLAN_VERSION};
pub use result::RunResult;
pub use run::{preflight, start, RunControls, RunHandle};
pub use worker::StopLevel;

/// Parses, validates, compiles and runs a plan to completion.
pub fn run_json(plan_json: &str) -> Result<RunResult, Box<dyn std::error::Error + Send + Sync>> {
    let compiled = CompiledPlan::compile(Plan::from_json(plan_json)?)?;
    Ok(start(compiled)?.join()?)
}
