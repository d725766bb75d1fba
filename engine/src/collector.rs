//! The collector: one thread that receives every worker's per-second snapshot, merges them into
//! per-second rows and run totals, evaluates thresholds live (aborting the run when one with
//! `abort_on_fail` breaks), publishes progress, recycles frames back to the workers, and hands the
//! totals over when every worker is done.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, Sender};

use crate::executor::shape::TargetUnit;
use crate::executor::{Model, Shape};
use crate::health::{verdict, Evidence, LimitedBy};
use crate::metrics::keys::RequestKey;
use crate::metrics::{Frame, KeyStats, Snapshot, WorkerReport};
use crate::output::{Outputs, Second};
use crate::plan::CompiledPlan;
use crate::result::{GeneratorPoint, ScenarioPoint, SecondStats, SeriesPoint};
use crate::thresholds::{judge, Outcome};
use crate::worker::{StopLevel, StopSignal};

/// Live numbers for progress displays, updated once a second.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Seconds since start covered by merged data.
    pub elapsed_s: f64,
    /// Requests finished so far.
    pub requests: u64,
    /// Failed requests so far.
    pub failed: u64,
    /// Requests finished in the last complete second.
    pub last_second_requests: u64,
    /// Response-time p95 in the last complete second, µs.
    pub last_second_p95_us: u64,
    /// VUs in an iteration at the end of the last second.
    pub active_vus: u64,
    /// Iterations started so far.
    pub iterations: u64,
    /// Thresholds failing at the last evaluation.
    pub thresholds_failing: u64,
    /// How long the plan runs (the latest end of a scenario's load phase), seconds.
    pub planned_s: f64,
    /// The stage the first ramping scenario is in, if one is in a stage.
    pub stage: Option<StageProgress>,
    /// Arrivals per second the open-model scenarios aim for now (0 without any).
    pub target_per_s: f64,
    /// What limits the run so far (the same verdict the result gives at the end).
    pub limited_by: LimitedBy,
    /// Whether the run has finished.
    pub done: bool,
}

/// Where a ramping scenario is.
#[derive(Debug, Clone, PartialEq)]
pub struct StageProgress {
    /// The scenario.
    pub scenario: String,
    /// The stage, from 1.
    pub index: usize,
    /// Its number of stages.
    pub count: usize,
    /// The target at the stage's end.
    pub target: f64,
    /// What the target counts: `vus` or `per_second`.
    pub unit: &'static str,
}

/// What the collector hands back when every worker is done.
pub struct Collected {
    /// Merged totals over the whole run.
    pub totals: Box<Frame>,
    /// Per-second rows per request key.
    pub series: Vec<SeriesPoint>,
    /// Per-second rows over all requests (`key` is `u32::MAX`).
    pub total_series: Vec<SeriesPoint>,
    /// Per-second rows per scenario.
    pub scenario_series: Vec<ScenarioPoint>,
    /// Per-second generator rows.
    pub generator_series: Vec<GeneratorPoint>,
    /// Worker reports (or errors), by worker index.
    pub reports: Vec<Result<WorkerReport, String>>,
    /// The threshold that aborted the run, if one did.
    pub aborted_by: Option<Outcome>,
    /// Most VUs in an iteration at once (end-of-second samples).
    pub vus_max: u64,
}

/// Where merged seconds go besides the result.
pub struct Sinks<'a> {
    /// Live outputs.
    pub outputs: &'a mut Outputs,
    /// Wall-clock time of the start, Unix seconds.
    pub start_unix_s: f64,
    /// Request keys, shared with the outputs.
    pub keys: Arc<[RequestKey]>,
}

/// Merges snapshots until every worker is done.
pub fn collect(
    plan: &CompiledPlan,
    workers: usize,
    snapshots: Receiver<Snapshot>,
    spares: Vec<Sender<Box<Frame>>>,
    progress: Arc<Mutex<Progress>>,
    stop: Arc<StopSignal>,
    mut sinks: Sinks<'_>,
) -> Collected {
    let layout = plan.layout();
    let mut totals = Box::new(Frame::new(&layout));
    let mut pending: BTreeMap<u32, Box<Frame>> = BTreeMap::new();
    let mut pool: Vec<Box<Frame>> = Vec::new();
    let mut next_expected = vec![0u32; workers];
    let mut reports: Vec<Option<Result<WorkerReport, String>>> = vec![None; workers];
    let mut out = Collected {
        totals: Box::new(Frame::new(&layout)),
        series: Vec::new(),
        total_series: Vec::new(),
        scenario_series: Vec::new(),
        generator_series: Vec::new(),
        reports: Vec::new(),
        aborted_by: None,
        vus_max: 0,
    };
    let shapes: Vec<(String, Shape)> = plan
        .scenarios
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                Shape::of(&s.executor, s.start_ns as f64 / 1e9),
            )
        })
        .collect();
    let mut live = Progress {
        planned_s: shapes
            .iter()
            .map(|(_, s)| s.start_s + s.planned_s)
            .fold(0.0, f64::max),
        ..Progress::default()
    };
    while reports.iter().any(Option::is_none) {
        let Ok(message) = snapshots.recv() else { break };
        let (worker, second, frame) = match message {
            Snapshot::Second {
                worker,
                second,
                frame,
            } => (worker, second, frame),
            Snapshot::Done {
                worker,
                second,
                frame,
                report,
            } => {
                reports[worker] = Some(report);
                (worker, second, frame)
            }
        };
        next_expected[worker] = second + 1;
        if frame.keys.len() == layout.keys {
            totals.merge(&frame);
            let slot = pending.entry(second).or_insert_with(|| {
                let mut f = pool.pop().unwrap_or_else(|| Box::new(Frame::new(&layout)));
                f.reset();
                f
            });
            slot.merge(&frame);
            let mut frame = frame;
            frame.reset();
            let _ = spares[worker].send(frame);
        }
        // A second is complete when every worker has moved past it or finished.
        while let Some((&s, _)) = pending.first_key_value() {
            if !(0..workers).all(|w| reports[w].is_some() || next_expected[w] > s) {
                break;
            }
            let (s, done) = pending.pop_first().expect("checked non-empty");
            emit(plan, s, &done, &mut out, &mut live, &mut sinks);
            locate(&shapes, &mut live);
            pool.push(done);
            evaluate(plan, &totals, f64::from(s + 1), &stop, &mut out, &mut live);
            live.limited_by = verdict(&Evidence::of(&totals, plan)).limited_by;
            if let Ok(mut p) = progress.lock() {
                *p = live.clone();
            }
        }
    }
    live.done = true;
    if let Ok(mut p) = progress.lock() {
        *p = live;
    }
    out.reports = reports
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("worker vanished".into())))
        .collect();
    out.totals = totals;
    out
}

/// Where the scenarios' targets are at the live elapsed time.
fn locate(shapes: &[(String, Shape)], live: &mut Progress) {
    let t = live.elapsed_s;
    live.stage = shapes.iter().find_map(|(name, s)| {
        let (i, _) = s.stage_at(t)?;
        Some(StageProgress {
            scenario: name.clone(),
            index: i + 1,
            count: s.stages.len(),
            target: s.stages[i].to,
            unit: match s.unit {
                TargetUnit::Vus => "vus",
                TargetUnit::PerSecond => "per_second",
            },
        })
    });
    live.target_per_s = shapes
        .iter()
        .filter(|(_, s)| s.model == Model::Open)
        .filter_map(|(_, s)| s.target_at(t))
        .sum();
}

/// Live threshold evaluation: abort the run on a failing `abort_on_fail` threshold.
fn evaluate(
    plan: &CompiledPlan,
    totals: &Frame,
    elapsed_s: f64,
    stop: &StopSignal,
    out: &mut Collected,
    live: &mut Progress,
) {
    let mut failing = 0;
    for t in &plan.thresholds {
        let verdict = judge(t, totals, elapsed_s);
        if verdict.ok {
            continue;
        }
        failing += 1;
        let due = elapsed_s * 1e9 >= t.delay_abort_ns as f64;
        if t.abort_on_fail && due && out.aborted_by.is_none() {
            out.aborted_by = Some(Outcome {
                aborted: true,
                ..verdict
            });
            stop.request(StopLevel::Abort);
        }
    }
    live.thresholds_failing = failing;
}

fn emit(
    plan: &CompiledPlan,
    second: u32,
    f: &Frame,
    out: &mut Collected,
    live: &mut Progress,
    sinks: &mut Sinks<'_>,
) {
    let mut all = KeyStats::default();
    let first_row = out.series.len();
    for (key, k) in f.keys.iter().enumerate() {
        out.series.push(point(second, key as u32, k));
        all.merge(k);
    }
    let total = point(second, u32::MAX, &all);
    let (requests, p95) = (total.requests, total.response_time.p95);
    live.failed += total.failed;
    out.total_series.push(total);
    // Each worker's peak is at least the VUs it had at the boundary.
    let mut peak = 0;
    for (i, s) in f.scenarios.iter().enumerate() {
        let journeys = || {
            plan.scenarios[i]
                .journeys
                .iter()
                .map(|(_, jk)| &f.journeys[*jk])
        };
        let started: u64 = journeys().map(|j| j.started).sum();
        let finished: u64 = journeys().map(|j| j.completed + j.aborted).sum();
        out.scenario_series.push(ScenarioPoint {
            second,
            scenario: plan.scenarios[i].name.clone(),
            vus: s.vus,
            target_vus: s.target_vus,
            iterations: started,
            finished,
            scheduled: s.scheduled,
            dropped_iterations: s.dropped_iterations,
        });
        peak += s.peak_vus;
    }
    out.vus_max = out.vus_max.max(peak);
    let g = &f.generator;
    out.generator_series.push(GeneratorPoint {
        second,
        iterations: g.iterations,
        dropped_iterations: g.dropped_iterations,
        delayed: g.delayed,
        active_vus: g.active_vus,
        max_in_flight: g.max_in_flight,
        send_lag_p99_us: g.send_lag.quantile_us(0.99),
        send_lag_max_us: g.send_lag.summary().max_us,
        busy_ratio: if g.wall_ns > 0 {
            g.busy_ns as f64 / g.wall_ns as f64
        } else {
            0.0
        },
    });
    if !sinks.outputs.is_empty() {
        let scenarios_from = out.scenario_series.len() - f.scenarios.len();
        let data = Second {
            index: second,
            unix_s: sinks.start_unix_s + f64::from(second + 1),
            keys: sinks.keys.clone(),
            series: out.series[first_row..].to_vec(),
            scenarios: out.scenario_series[scenarios_from..].to_vec(),
            response_time: all.response_time,
        };
        sinks.outputs.send(&Arc::new(data));
    }
    live.elapsed_s = f64::from(second + 1);
    live.requests += requests;
    live.iterations += g.iterations;
    live.last_second_requests = requests;
    live.last_second_p95_us = p95;
    live.active_vus = g.active_vus;
}

fn point(second: u32, key: u32, k: &KeyStats) -> SeriesPoint {
    let errors = k.failures();
    SeriesPoint {
        second,
        key,
        requests: k.requests,
        failed: errors + k.unexpected_status,
        errors,
        bytes_sent: k.bytes_sent,
        bytes_received: k.bytes_received,
        response_time: SecondStats::of(&k.response_time),
        timed_out: k.timed_out.count(),
        expected_time: SecondStats::of(&k.expected_time),
        service_time: SecondStats::of(&k.service_time),
    }
}
