//! Compilation: a validated `Plan` becomes the immutable `CompiledPlan` the workers share.
//!
//! Names are interned into dense ids (request keys, checks, journeys, user metrics), so recording
//! is an index; variables get slots; targets are resolved once; requests with nothing variable
//! are encoded once. The same walk, without DNS, is how `validate` finds template, JSON path and
//! regex errors.

use std::collections::BTreeMap;
use std::sync::Arc;

use socket2::SockAddr;

use super::program::{cumulative_shares, CompiledJourney, Problems, VarTable, BUILTINS};
use super::request::SplitUrl;
use super::walker::{compile_journey, Context};
use super::{ExecutorConfig, MetricKind, Plan};
use crate::error::{PlanIssue, RunError};
use crate::http::Limits;
use crate::net::tls::TlsSetup;
use crate::net::{dns, tls};
use crate::thresholds::{self, CompiledThreshold};

use super::keys::{intern, KeyTables};
pub use super::keys::{CheckKey, CompiledFeeder, JourneyKey, MetricKey, RequestKey, Target};
pub use super::program::CompiledRequest;

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
}

/// Everything the workers need, immutable and shared.
#[derive(Debug)]
pub struct CompiledPlan {
    /// The plan as given (kept in results).
    pub plan: Plan,
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
    /// Resolved targets.
    pub targets: Vec<Target>,
    /// Thresholds.
    pub thresholds: Vec<CompiledThreshold>,
    /// Response limits.
    pub limits: Limits,
    /// Connect timeout, ns.
    pub connect_timeout_ns: u64,
    /// Statuses counted as success (inclusive).
    pub expected_status: (u16, u16),
    /// Seed for all randomness.
    pub seed: u64,
    /// Variables set by extractions: unset at the start of every iteration.
    pub iteration_slots: Vec<u16>,
    /// The TLS client configuration.
    pub tls: TlsSetup,
}

/// Seconds (validated finite and ≥ 0) to nanoseconds.
pub fn ns(seconds: f64) -> u64 {
    (seconds * 1e9).round().clamp(0.0, u64::MAX as f64) as u64
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

    /// Compiles a validated plan, resolving host names.
    pub fn compile(plan: Plan) -> Result<CompiledPlan, RunError> {
        let http = plan.options.http.clone();
        let mut targets: Vec<Target> = Vec::new();
        let mut failure: Option<RunError> = None;
        let mut intern = |url: &SplitUrl<'_>| -> usize {
            if let Some(i) = targets
                .iter()
                .position(|t| t.tls == url.tls && t.authority == url.authority)
            {
                return i;
            }
            let addrs = match dns::resolve(url.host, url.port, &http.dns, &http.hosts) {
                Ok(addrs) => addrs.into_iter().map(SockAddr::from).collect(),
                Err(reason) => {
                    failure.get_or_insert(RunError::Resolve {
                        host: url.host.to_string(),
                        reason,
                    });
                    Vec::new()
                }
            };
            let server_name = if url.tls {
                match tls::server_name(url.host) {
                    Ok(name) => Some(name),
                    Err(reason) => {
                        failure.get_or_insert(RunError::Resolve {
                            host: url.host.to_string(),
                            reason,
                        });
                        None
                    }
                }
            } else {
                None
            };
            targets.push(Target {
                tls: url.tls,
                host: url.host.to_string(),
                port: url.port,
                authority: url.authority.to_string(),
                addrs,
                server_name,
                dynamic: dns::is_dynamic(url.host, &http.hosts),
            });
            targets.len() - 1
        };
        let (mut compiled, problems) = build(plan, &mut intern);
        if let Some(e) = failure {
            return Err(e);
        }
        compiled.tls = TlsSetup::build(&http.tls).map_err(|problems| {
            let text: Vec<String> = problems.iter().map(|(p, m)| format!("{p}: {m}")).collect();
            RunError::Tls(text.join("; "))
        })?;
        debug_assert!(
            problems.0.is_empty(),
            "compile after validate: {:?}",
            problems.0
        );
        compiled.targets = targets;
        Ok(compiled)
    }
}

/// Every problem the compiler finds in `plan` (no DNS).
pub fn problems(plan: &Plan) -> Vec<PlanIssue> {
    build(plan.clone(), &mut |_| 0).1 .0
}

fn build(plan: Plan, target: &mut dyn FnMut(&SplitUrl<'_>) -> usize) -> (CompiledPlan, Problems) {
    let mut problems = Problems::default();
    let mut vars = VarTable::new();
    let mut feeders = Vec::new();
    for feeder in &plan.data {
        let slots = feeder.columns.iter().map(|c| vars.define(c)).collect();
        feeders.push(CompiledFeeder {
            spec: feeder.clone(),
            slots,
        });
    }
    let data_slots: Vec<u16> = feeders
        .iter()
        .flat_map(|f| f.slots.iter().copied())
        .collect();
    let mut tables = KeyTables::default();
    let mut journeys: Vec<JourneyKey> = Vec::new();
    let mut scenarios = Vec::new();
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
                target: &mut *target,
            };
            let compiled = compile_journey(
                journey_name,
                journey,
                &format!("journeys.{journey_name}"),
                &mut cx,
                &mut problems,
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
            target: &mut |_| 0,
        };
        compile_journey(
            name,
            journey,
            &format!("journeys.{name}"),
            &mut cx,
            &mut problems,
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
    let compiled_thresholds = thresholds::compile(&plan.thresholds, &names, &mut problems);
    let http = &plan.options.http;
    let compiled = CompiledPlan {
        limits: Limits {
            max_head_bytes: http.max_head_bytes as usize,
            max_body_bytes: http.max_body_bytes,
        },
        connect_timeout_ns: ns(http.connect_timeout_s),
        expected_status: http.expected_status,
        seed: plan
            .options
            .seed
            .unwrap_or_else(|| crate::clock::now_ns() ^ 0x9E37_79B9_7F4A_7C15),
        keys,
        checks,
        journeys,
        metrics,
        vars,
        feeders,
        scenarios,
        targets: Vec::new(),
        thresholds: compiled_thresholds,
        iteration_slots: Vec::new(),
        tls: TlsSetup::default(),
        plan,
    };
    let mut compiled = compiled;
    compiled.iteration_slots = (BUILTINS.len() as u16..compiled.vars.len() as u16)
        .filter(|s| !data_slots.contains(s))
        .collect();
    (compiled, problems)
}

#[cfg(test)]
#[path = "compile_tests.rs"]
mod tests;
