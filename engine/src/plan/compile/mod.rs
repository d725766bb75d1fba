//! Compilation: a `Plan` becomes the immutable `CompiledPlan` the workers share, and every
//! problem in it is found on the way (validation is a compilation that keeps only the problems).
//!
//! Names are interned into dense ids (request keys, checks, journeys, user metrics), so recording
//! is an index; variables get slots; origins are interned (their addresses are found when the run
//! starts, in `net::dns`); requests with nothing variable are encoded once; every option the run
//! uses is converted to the unit it is used in. After this nothing reads the raw plan: it is kept
//! only to be copied into the result.

pub mod checks;
pub mod client;
pub mod journey;
pub mod keys;
mod markov;
pub mod request;
pub mod tls;

use std::collections::BTreeMap;
use std::sync::Arc;

use self::client::{server_name, ClientSettings};
use self::journey::{compile_journey, Context};
use self::keys::{intern, CompiledFeeder, JourneyKey, KeyTables, Origin};
use self::request::SplitUrl;
use super::program::{cumulative_shares, CompiledJourney};
use super::scope::{VarTable, BUILTINS};
use super::{ExecutorConfig, OutputSpec, Plan};
use crate::clock::seconds_to_ns as ns;
use crate::error::{PlanError, Problems};
use crate::metrics::keys::{CheckKey, MetricKey, MetricKind, RequestKey};
use crate::thresholds::{self, CompiledThreshold};

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct CompiledScenario {
    /// Name.
    pub name: String,
    /// Journeys (one, or a mix) with their journey key ids.
    pub journeys: Vec<(Arc<CompiledJourney>, usize)>,
    /// Cumulative mix weights, normalised (last = 1).
    pub cumulative: Vec<f64>,
    /// When iterations start.
    pub executor: ExecutorConfig,
    /// Offset from the run's start, ns.
    pub start_ns: u64,
    /// Time running iterations get after the executor ends, ns.
    pub graceful_stop_ns: u64,
    /// Intended concurrent sessions, when the rate was derived from them.
    pub expected_concurrency: Option<f64>,
    /// The scenario's tags.
    pub tags: BTreeMap<String, String>,
}

/// How the run itself goes: workers, send batching, honesty bounds, randomness, live outputs.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Worker threads (default: one per CPU this process may use).
    pub workers: Option<usize>,
    /// How early a send may leave to share a wake-up with others, ns.
    pub send_window_ns: u64,
    /// Send-lag p99 above this marks the generator as saturated, µs.
    pub lag_bound_us: u64,
    /// Seed for every VU's random numbers.
    pub seed: u64,
    /// Where to send results while the run goes on.
    pub outputs: Vec<OutputSpec>,
    /// Refuse to start when the host's limits are below what the plan may need.
    pub strict: bool,
}

/// Everything the workers need, immutable and shared.
#[derive(Debug)]
pub struct CompiledPlan {
    /// The plan as given: copied into the result, never read to run.
    pub(crate) source: Plan,
    /// Result keys, indexed by key id.
    pub keys: Vec<RequestKey>,
    /// Checks, indexed by check id.
    pub checks: Vec<CheckKey>,
    /// Journeys per scenario, indexed by journey key id.
    pub journeys: Vec<JourneyKey>,
    /// User metrics, indexed by metric id.
    pub metrics: Vec<MetricKey>,
    /// Variable slots.
    pub vars: VarTable,
    /// Test data.
    pub feeders: Vec<CompiledFeeder>,
    /// Scenarios in name order.
    pub scenarios: Vec<CompiledScenario>,
    /// Origins, indexed by target id.
    pub origins: Vec<Origin>,
    /// Thresholds.
    pub thresholds: Vec<CompiledThreshold>,
    /// The HTTP client's settings (shared with every worker's client).
    pub client: Arc<ClientSettings>,
    /// The run's settings.
    pub run: RunSettings,
    /// Variables set by extractions: unset at the start of every iteration.
    pub iteration_slots: Vec<u16>,
    /// Variables every VU holds from its start (the plan's secrets).
    pub constants: Vec<(u16, Vec<u8>)>,
}

impl CompiledPlan {
    /// How many of each thing a recorder frame counts.
    pub fn layout(&self) -> crate::metrics::Layout {
        crate::metrics::Layout {
            keys: self.keys.len(),
            checks: self.checks.len(),
            journeys: self.journeys.iter().map(|j| j.steps.len()).collect(),
            scenarios: self.scenarios.len(),
            metrics: self
                .metrics
                .iter()
                .map(|m| m.kind == MetricKind::Trend)
                .collect(),
        }
    }

    /// Checks and compiles `plan`; every problem found is reported at once, with its path.
    pub fn compile(plan: Plan) -> Result<CompiledPlan, PlanError> {
        let mut problems = Problems::default();
        super::validate::check(&plan, &mut problems);
        let compiled = build(plan, &mut problems);
        problems.into_result()?;
        Ok(compiled)
    }

    /// The plan this was compiled from (what results keep).
    pub fn source(&self) -> &Plan {
        &self.source
    }
}

fn build(plan: Plan, problems: &mut Problems) -> CompiledPlan {
    let mut vars = VarTable::new();
    let mut feeders = Vec::new();
    for feeder in &plan.data {
        let slots = feeder.columns.iter().map(|c| vars.define(c)).collect();
        feeders.push(CompiledFeeder {
            spec: feeder.clone(),
            slots,
        });
    }
    let mut data_slots: Vec<u16> = feeders
        .iter()
        .flat_map(|f| f.slots.iter().copied())
        .collect();
    // Secrets are variables set once per VU and visible everywhere, like a data column that
    // never changes.
    let mut constants = Vec::new();
    for (name, value) in &plan.secrets {
        let slot = vars.define(&format!("secret.{name}"));
        data_slots.push(slot);
        constants.push((slot, value.as_bytes().to_vec()));
    }
    let mut tables = KeyTables::default();
    let mut journeys: Vec<JourneyKey> = Vec::new();
    let mut scenarios = Vec::new();
    let mut origins: Vec<Origin> = Vec::new();
    let client = ClientSettings::compile(&plan.options.http, problems);
    let mut target = |url: &SplitUrl<'_>| -> Result<usize, String> {
        if let Some(i) = origins
            .iter()
            .position(|o| o.tls == url.tls && o.authority == url.authority)
        {
            return Ok(i);
        }
        let server_name = if url.tls {
            Some(server_name(url.host)?)
        } else {
            None
        };
        origins.push(Origin {
            tls: url.tls,
            host: url.host.to_string(),
            port: url.port,
            authority: url.authority.to_string(),
            server_name,
            dynamic: client.dns.is_dynamic(url.host),
        });
        Ok(origins.len() - 1)
    };
    let timeout_ns = ns(plan.options.http.timeout_s);
    let compression = &plan.options.http.compression;
    let accept_encoding = (!compression.is_empty()).then(|| compression.join(", "));
    for (scenario_name, scenario) in &plan.scenarios {
        let mut compiled_journeys = Vec::new();
        let mut weights = Vec::new();
        for (journey_name, weight) in scenario.journeys() {
            let Some(journey) = plan.journeys.get(journey_name) else {
                continue;
            };
            let mut cx = Context {
                scenario: scenario_name,
                vars: &mut vars,
                data_slots: &data_slots,
                timeout_ns,
                max_redirects: plan.options.http.max_redirects,
                accept_encoding: accept_encoding.clone(),
                keys: &mut tables,
                target: &mut target,
            };
            let compiled = compile_journey(
                journey_name,
                journey,
                &format!("journeys.{journey_name}"),
                &mut cx,
                problems,
            );
            let key = intern(
                &mut journeys,
                JourneyKey {
                    scenario: scenario_name.clone(),
                    journey: journey_name.into(),
                    steps: compiled.steps.clone(),
                },
            );
            compiled_journeys.push((Arc::new(compiled), key));
            weights.push(weight);
        }
        let cumulative = cumulative_shares(&weights);
        scenarios.push(CompiledScenario {
            name: scenario_name.clone(),
            journeys: compiled_journeys,
            cumulative,
            executor: scenario.executor.clone(),
            start_ns: ns(scenario.start_s),
            graceful_stop_ns: ns(scenario.graceful_stop_s),
            expected_concurrency: scenario.expected_concurrency,
            tags: scenario.tags.clone(),
        });
    }
    // Journeys no scenario runs are still checked, so a typo does not hide until they are used.
    let used: Vec<&str> = plan
        .scenarios
        .values()
        .flat_map(|s| s.journeys().into_iter().map(|(j, _)| j))
        .collect();
    for (name, journey) in plan
        .journeys
        .iter()
        .filter(|(n, _)| !used.contains(&n.as_str()))
    {
        // Keys interned here are thrown away: nothing records them.
        let mut scratch_keys = KeyTables::default();
        let mut scratch_vars = vars.clone();
        let mut cx = Context {
            scenario: "",
            vars: &mut scratch_vars,
            data_slots: &data_slots,
            timeout_ns,
            max_redirects: plan.options.http.max_redirects,
            accept_encoding: accept_encoding.clone(),
            keys: &mut scratch_keys,
            target: &mut |url| match url.tls {
                true => server_name(url.host).map(|_| 0),
                false => Ok(0),
            },
        };
        compile_journey(
            name,
            journey,
            &format!("journeys.{name}"),
            &mut cx,
            problems,
        );
    }
    let scenario_tags: BTreeMap<String, BTreeMap<String, String>> = plan
        .scenarios
        .iter()
        .map(|(n, s)| (n.clone(), s.tags.clone()))
        .collect();
    let KeyTables {
        requests: keys,
        checks,
        metrics,
    } = tables;
    let names = thresholds::Names {
        keys: &keys,
        checks: &checks,
        journeys: &journeys,
        metrics: &metrics,
        scenario_tags: &scenario_tags,
    };
    let compiled_thresholds = thresholds::compile(&plan.thresholds, &names, problems);
    let options = &plan.options;
    let run = RunSettings {
        workers: options.workers.map(|w| w as usize),
        send_window_ns: options.send_window_us.saturating_mul(1_000),
        lag_bound_us: options.lag_bound_us,
        seed: options
            .seed
            .unwrap_or_else(|| crate::clock::now_ns() ^ 0x9E37_79B9_7F4A_7C15),
        outputs: options.outputs.clone(),
        strict: options.strict,
    };
    let compiled = CompiledPlan {
        keys,
        checks,
        journeys,
        metrics,
        vars,
        feeders,
        scenarios,
        origins,
        thresholds: compiled_thresholds,
        client: Arc::new(client),
        run,
        iteration_slots: Vec::new(),
        constants,
        source: plan,
    };
    let mut compiled = compiled;
    compiled.iteration_slots = (BUILTINS.len() as u16..compiled.vars.len() as u16)
        .filter(|s| !data_slots.contains(s))
        .collect();
    compiled
}

#[cfg(test)]
mod tests;
