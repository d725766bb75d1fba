//! Assembling the `RunResult` from what the collector merged: per-request, check, journey,
//! scenario and user-metric totals, final threshold verdicts, and the generator's health verdict.

use crate::collector::Collected;
use crate::executor::Shape;
use crate::health::{closed_model_stalls, verdict, Evidence, LimitedBy};
use crate::metrics::{Frame, KeyStats};
use crate::plan::compile::CompiledPlan;
use crate::result::{
    summarise, CheckResult, GeneratorResult, JourneyResult, RequestResult, RunResult,
    ScenarioResult, StepResult, UserMetricResult, WorkerInfo, RESULT_VERSION,
};
use crate::thresholds::judge;

/// Builds the result of a run that started at `t0` (monotonic ns) / `started_at` (Unix s).
pub fn assemble(
    plan: &CompiledPlan,
    c: Collected,
    t0: u64,
    started_at: f64,
    cpus: &[Option<usize>],
) -> RunResult {
    let Collected {
        totals,
        series,
        total_series,
        scenario_series,
        generator_series,
        reports,
        aborted_by,
        vus_max,
    } = c;
    let end = crate::clock::now_ns();
    let load_end = reports
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r.load_end_ns)
        .max()
        .unwrap_or(t0);
    let duration_s = load_end.saturating_sub(t0) as f64 / 1e9;
    let errors: Vec<String> = reports
        .iter()
        .filter_map(|r| r.as_ref().err().cloned())
        .collect();
    let requests: Vec<RequestResult> = plan
        .keys
        .iter()
        .zip(&totals.keys)
        .map(|(k, s)| RequestResult::from_stats(&k.scenario, &k.name, &k.method, s))
        .collect();
    let mut all = KeyStats::default();
    totals.keys.iter().for_each(|k| all.merge(k));
    let total = RequestResult::from_stats("", "", "", &all);
    let mut thresholds: Vec<_> = plan
        .thresholds
        .iter()
        .map(|t| judge(t, &totals, duration_s.max(1e-9)))
        .collect();
    if let Some(a) = &aborted_by {
        for t in thresholds
            .iter_mut()
            .filter(|t| t.metric == a.metric && t.expression == a.expression)
        {
            t.aborted = true;
            t.ok = false;
        }
    }
    let passed = thresholds.iter().all(|t| t.ok);
    let generator = generator_result(plan, &totals);
    let evidence = Evidence::of(&totals, plan);
    let health = verdict(&evidence);
    let mut warnings = health.warnings;
    if !evidence.open_model {
        warnings.extend(closed_model_stalls(
            &series,
            &generator_series,
            total.response_time.max_us,
        ));
    }
    warnings.extend(errors.iter().map(|e| format!("a worker failed: {e}")));
    // An https origin may be reached only through a redirect: any handshake counts.
    if !plan.client.tls.verify
        && (plan.origins.iter().any(|o| o.tls) || generator.tls_handshakes > 0)
    {
        warnings.insert(
            0,
            "INSECURE: TLS certificates were not verified (insecure=True / --insecure): any \
             server could have answered for the hosts tested"
                .to_string(),
        );
    }
    let workers = reports
        .iter()
        .zip(cpus)
        .map(|(r, &cpu)| WorkerInfo {
            ring_mode: r.as_ref().map_or("failed", |r| r.ring_mode).to_string(),
            cpu,
        })
        .collect();
    let scenarios = scenario_results(plan, &totals, &scenario_series, duration_s);
    let mut result = RunResult {
        version: RESULT_VERSION,
        plan: plan.source.redacted(),
        started_at_unix_s: started_at,
        duration_s,
        elapsed_s: end.saturating_sub(t0) as f64 / 1e9,
        stopped_early: aborted_by.map(|a| {
            format!(
                "aborted: threshold {} {} failed (abort_on_fail)",
                a.metric, a.expression
            )
        }),
        workers,
        total,
        requests,
        checks: check_results(plan, &totals),
        journeys: journey_results(plan, &totals),
        scenarios,
        metrics: metric_results(plan, &totals),
        thresholds,
        passed,
        vus_max,
        generator: GeneratorResult {
            saturated: health.limited_by == LimitedBy::Generator,
            limited_by: health.limited_by,
            ..generator
        },
        series,
        total_series,
        scenario_series,
        generator_series,
        warnings,
        notes: health.notes,
        outputs: Vec::new(),
        summary: Vec::new(),
    };
    result.summary = summarise(&result);
    result
}

fn check_results(plan: &CompiledPlan, totals: &Frame) -> Vec<CheckResult> {
    plan.checks
        .iter()
        .zip(&totals.checks)
        .map(|(k, s)| CheckResult {
            scenario: k.scenario.clone(),
            request: k.request.clone(),
            name: k.name.clone(),
            passes: s.passes,
            fails: s.fails,
        })
        .collect()
}

fn journey_results(plan: &CompiledPlan, totals: &Frame) -> Vec<JourneyResult> {
    plan.journeys
        .iter()
        .zip(&totals.journeys)
        .map(|(k, j)| JourneyResult {
            scenario: k.scenario.clone(),
            journey: k.journey.clone(),
            started: j.started,
            completed: j.completed,
            aborted: j.aborted,
            interrupted: j.interrupted,
            duration: j.duration.summary(),
            duration_hist: j.duration.clone(),
            steps: k
                .steps
                .iter()
                .zip(&j.steps)
                .map(|(name, s)| StepResult {
                    name: name.clone(),
                    counts: *s,
                })
                .collect(),
        })
        .collect()
}

fn scenario_results(
    plan: &CompiledPlan,
    totals: &Frame,
    series: &[crate::result::ScenarioPoint],
    duration_s: f64,
) -> Vec<ScenarioResult> {
    plan.scenarios
        .iter()
        .zip(&totals.scenarios)
        .map(|(s, stats)| {
            let from = (s.start_ns as f64 / 1e9).floor() as u32;
            let to = duration_s.floor().max(f64::from(from + 1)) as u32;
            let samples: Vec<u64> = series
                .iter()
                .filter(|p| p.scenario == s.name && p.second >= from && p.second < to)
                .map(|p| p.vus)
                .collect();
            let achieved = if samples.is_empty() {
                0.0
            } else {
                samples.iter().sum::<u64>() as f64 / samples.len() as f64
            };
            ScenarioResult {
                name: s.name.clone(),
                executor: s.executor.name().to_string(),
                dropped_iterations: stats.dropped_iterations,
                data_exhausted: stats.data_exhausted,
                expected_concurrency: s.expected_concurrency,
                achieved_concurrency: achieved,
                tags: s.tags.clone(),
                shape: Some(Shape::of(&s.executor, s.start_ns as f64 / 1e9)),
            }
        })
        .collect()
}

fn metric_results(plan: &CompiledPlan, totals: &Frame) -> Vec<UserMetricResult> {
    plan.metrics
        .iter()
        .zip(&totals.metrics)
        .map(|(m, u)| UserMetricResult {
            name: m.name.clone(),
            kind: m.kind,
            count: u.count,
            sum: u.sum,
            rate: if u.count > 0 {
                u.trues as f64 / u.count as f64
            } else {
                0.0
            },
            trend: u.trend.as_ref().map(|h| h.summary()),
        })
        .collect()
}

fn generator_result(plan: &CompiledPlan, totals: &Frame) -> GeneratorResult {
    let g = &totals.generator;
    GeneratorResult {
        iterations: g.iterations,
        dropped_iterations: g.dropped_iterations,
        delayed: g.delayed,
        sent_early: g.sent_early,
        send_lag: g.send_lag.summary(),
        send_lag_hist: g.send_lag.clone(),
        connections_opened: g.connections_opened,
        reconnects: g.reconnects,
        interrupted: g.interrupted,
        tls_handshakes: g.tls_handshakes,
        tls_resumed: g.tls_resumed,
        redirects: g.redirects,
        pool_waits: g.pool_waits,
        busy_ratio: if g.wall_ns > 0 {
            g.busy_ns as f64 / g.wall_ns as f64
        } else {
            0.0
        },
        max_in_flight: g.max_in_flight,
        saturated: false,
        limited_by: LimitedBy::Target,
        clock_anomalies: g.clock_anomalies,
        send_window_us: plan.run.send_window_ns / 1_000,
    }
}
