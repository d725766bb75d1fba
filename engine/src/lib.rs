//! horde-engine: the native core of horde, a load generator.
//!
//! ```text
//! Plan (JSON) ─▶ plan::validate ─▶ CompiledPlan ─▶ run::start ─▶ workers (one per pinned CPU, own io_uring loop)
//!                                                                   │ one Snapshot per worker per second
//!                                                                   ▼
//!                                                   collector (merge, progress) ─▶ RunResult
//! ```
//! No Python here: the bindings live in the `horde-py` crate.

pub mod assemble;
pub mod clock;
pub mod collector;
pub mod error;
pub mod executor;
pub mod health;
pub mod http;
pub mod metrics;
pub mod net;
pub mod output;
pub mod plan;
pub mod result;
pub mod run;
pub mod template;
pub mod thresholds;
pub mod vu;
pub mod worker;

pub use collector::Progress;
pub use error::{PlanError, PlanIssue, RunError};
pub use plan::{CompiledPlan, Plan};
pub use result::RunResult;
pub use run::{start, RunControls, RunHandle};
pub use worker::StopLevel;

/// Parses, validates, compiles and runs a plan to completion.
pub fn run_json(plan_json: &str) -> Result<RunResult, Box<dyn std::error::Error + Send + Sync>> {
    let plan = Plan::from_json(plan_json)?;
    let compiled = CompiledPlan::compile(plan)?;
    Ok(start(compiled)?.join()?)
}
