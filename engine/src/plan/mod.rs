//! What to do: the plan, as plain serialisable data, plus its validation and compilation.
//!
//! A plan crosses from Python (or a file) as versioned JSON. `Plan::from_json` parses it with
//! paths in every error, `validate` collects every problem at once, and `compile` turns it into
//! the immutable `CompiledPlan` the workers run. No I/O and no threads here, except resolving
//! host names once in `compile`.

pub mod compile;
pub mod executor;
pub mod journey;
pub mod options;
pub mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use compile::{
    CompiledJourney, CompiledPlan, CompiledRequest, CompiledScenario, CompiledStep, RequestKey,
    Target,
};
pub use executor::{ExecutorConfig, Saturation};
pub use journey::{Body, Journey, RequestSpec, Step};
pub use options::{HttpOptions, Options};

use crate::error::PlanError;

/// The plan format version this engine reads.
pub const PLAN_VERSION: u32 = 1;

/// A whole test: journeys (what users do), scenarios (how many, when) and options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Must equal `PLAN_VERSION`.
    pub version: u32,
    /// A label for the test, shown in results.
    #[serde(default)]
    pub name: Option<String>,
    /// Journeys by name.
    pub journeys: BTreeMap<String, Journey>,
    /// Scenarios by name.
    pub scenarios: BTreeMap<String, Scenario>,
    /// Run-wide options.
    #[serde(default)]
    pub options: Options,
}

/// A journey driven by an executor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name of the journey in `Plan::journeys`.
    pub journey: String,
    /// When iterations start.
    pub executor: ExecutorConfig,
    /// Delay from the start of the run, seconds.
    #[serde(default)]
    pub start_s: f64,
}

impl Plan {
    /// Parses and validates a plan. Every problem is reported with its path.
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let plan: Plan = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            PlanError::one(path, e.into_inner().to_string())
        })?;
        validate::validate(&plan)?;
        Ok(plan)
    }

    /// The plan as JSON (what `horde inspect` prints and results keep).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plans always serialise")
    }
}

#[cfg(test)]
mod tests;
