//! What to do: the plan, as plain serialisable data, plus its validation and compilation.
//!
//! A plan crosses from Python (or a file) as versioned JSON. `Plan::from_json` parses it with
//! paths in every error; `compile` checks every value (`validate` holds the rules that are not
//! part of compiling something) and turns it into the immutable `CompiledPlan` the workers run,
//! reporting every problem at once. Nothing here opens a socket or resolves a name: that happens
//! when the run starts. The only I/O is reading files the plan names (TLS certificates).

pub mod compile;
pub mod data;
pub mod defaults;
pub mod executor;
pub mod journey;
pub mod options;
pub mod overrides;
pub mod program;
pub mod redact;
pub mod scope;
pub mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use compile::client::{bare_host, server_name, ClientSettings, DnsSettings};
pub use compile::keys::Origin;
pub use compile::tls::{ResumptionPolicy, TlsSettings, TlsVersion};
pub use compile::{CompiledPlan, CompiledScenario};
pub use data::{Exhausted, Feeder, Order, Per};
pub use executor::{ExecutorConfig, Saturation, Stage};
pub use journey::Journey;
pub use options::{
    AddressPolicy, AddressSelect, ConnectionPolicy, CookiePolicy, HttpOptions, Options, OutputSpec,
};
pub use program::{
    CompiledCheck, CompiledExtract, CompiledRequest, Condition, HttpCall, RequestTemplate, Source,
};

use crate::error::PlanError;
pub use crate::thresholds::ThresholdSpec;

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
    /// What made the plan: a test of journeys, or `horde attack`'s single request (results are
    /// summarised accordingly).
    #[serde(default)]
    pub kind: PlanKind,
    /// Journeys by name.
    pub journeys: BTreeMap<String, Journey>,
    /// Scenarios by name.
    pub scenarios: BTreeMap<String, Scenario>,
    /// Test data: rows handed to VUs as variables.
    #[serde(default)]
    pub data: Vec<Feeder>,
    /// Secrets by name: sent as `${secret.NAME}` wherever templates go, never written out (a
    /// plan serialises them as `<redacted>`; see `Plan::redacted`).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        serialize_with = "redact::secret_values"
    )]
    pub secrets: BTreeMap<String, String>,
    /// Pass/fail criteria: metric (with optional `{tag:value}` filter) → conditions.
    #[serde(default)]
    pub thresholds: BTreeMap<String, Vec<ThresholdSpec>>,
    /// Run-wide options.
    #[serde(default)]
    pub options: Options,
}

/// What made a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// A test of journeys (`horde.Test`, `horde run`).
    #[default]
    Test,
    /// One request, fired at a rate or back to back (`horde.attack`, `horde attack`).
    Attack,
}

/// A journey (or a weighted mix of journeys) driven by an executor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name of the journey in `Plan::journeys` (or use `mix`).
    #[serde(default)]
    pub journey: Option<String>,
    /// A weighted mix of journeys: each iteration picks one (e.g. production endpoint ratios).
    #[serde(default)]
    pub mix: Vec<MixEntry>,
    /// When iterations start.
    pub executor: ExecutorConfig,
    /// Delay from the start of the run, seconds.
    #[serde(default)]
    pub start_s: f64,
    /// After the executor's end, how long running iterations may finish before they are
    /// interrupted, seconds.
    #[serde(default = "defaults::graceful_stop_s")]
    pub graceful_stop_s: f64,
    /// Intended number of concurrent sessions, when the rate was derived from it (Little's law);
    /// the result reports the achieved number beside it.
    #[serde(default)]
    pub expected_concurrency: Option<f64>,
    /// Tags of this scenario's requests and iterations: thresholds can filter by them
    /// (`http_req_duration{team:payments}`), and results carry them.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One journey of a mix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixEntry {
    /// Journey name.
    pub journey: String,
    /// Relative weight (> 0).
    pub weight: f64,
}

impl Scenario {
    /// (journey name, weight) for every journey this scenario runs.
    pub fn journeys(&self) -> Vec<(&str, f64)> {
        match &self.journey {
            Some(j) => vec![(j.as_str(), 1.0)],
            None => self
                .mix
                .iter()
                .map(|m| (m.journey.as_str(), m.weight))
                .collect(),
        }
    }
}

impl Plan {
    /// Parses a plan; a malformed one is reported with the path of what is wrong. The values are
    /// checked when it compiles (`CompiledPlan::compile`, or `validate`).
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        validate::parse(text)
    }

    /// Finds every problem in the plan (by compiling it), without running anything.
    pub fn validate(&self) -> Result<(), PlanError> {
        CompiledPlan::compile(self.clone()).map(drop)
    }

    /// The plan as JSON (what `horde inspect` prints and results keep).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plans always serialise")
    }
}

#[cfg(test)]
mod tests;
