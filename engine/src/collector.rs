//! The collector: one thread that receives every worker's per-second snapshot, merges them into
//! per-second rows and run totals, publishes live progress, recycles frames back to the workers,
//! and builds the `RunResult` when every worker is done.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, Sender};

use crate::metrics::{Frame, Snapshot, WorkerReport};
use crate::plan::CompiledPlan;
use crate::result::{GeneratorPoint, SecondStats, SeriesPoint};

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
    /// Whether the run has finished.
    pub done: bool,
}

/// What the collector hands back when every worker is done.
pub struct Collected {
    /// Merged totals over the whole run.
    pub totals: Box<Frame>,
    /// Per-second rows per key.
    pub series: Vec<SeriesPoint>,
    /// Per-second generator rows.
    pub generator_series: Vec<GeneratorPoint>,
    /// Worker reports (or errors), by worker index.
    pub reports: Vec<Result<WorkerReport, String>>,
}

struct Pending {
    frame: Box<Frame>,
}

/// Merges snapshots until every worker is done.
pub fn collect(
    plan: &CompiledPlan,
    workers: usize,
    snapshots: Receiver<Snapshot>,
    spares: Vec<Sender<Box<Frame>>>,
    progress: Arc<Mutex<Progress>>,
) -> Collected {
    let keys = plan.keys.len();
    let mut totals = Box::new(Frame::new(keys));
    let mut pending: BTreeMap<u32, Pending> = BTreeMap::new();
    let mut pool: Vec<Box<Frame>> = Vec::new();
    let mut next_expected = vec![0u32; workers];
    let mut reports: Vec<Option<Result<WorkerReport, String>>> = vec![None; workers];
    let mut series = Vec::new();
    let mut generator_series = Vec::new();
    let mut live = Progress::default();

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
        totals.merge(&frame);
        let slot = pending.entry(second).or_insert_with(|| {
            let mut f = pool.pop().unwrap_or_else(|| Box::new(Frame::new(keys)));
            f.reset();
            Pending { frame: f }
        });
        slot.frame.merge(&frame);
        let mut frame = frame;
        frame.reset();
        let _ = spares[worker].send(frame);
        // A second is complete when every worker has moved past it or finished.
        while let Some((&s, _)) = pending.first_key_value() {
            let complete = (0..workers).all(|w| reports[w].is_some() || next_expected[w] > s);
            if !complete {
                break;
            }
            let (s, done) = pending.pop_first().expect("checked non-empty");
            emit(
                s,
                &done.frame,
                &mut series,
                &mut generator_series,
                &mut live,
            );
            pool.push(done.frame);
            if let Ok(mut p) = progress.lock() {
                *p = live.clone();
            }
        }
    }
    live.done = true;
    if let Ok(mut p) = progress.lock() {
        *p = live;
    }
    let reports = reports
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("worker vanished".into())))
        .collect();
    Collected {
        totals,
        series,
        generator_series,
        reports,
    }
}

fn emit(
    second: u32,
    f: &Frame,
    series: &mut Vec<SeriesPoint>,
    generator: &mut Vec<GeneratorPoint>,
    live: &mut Progress,
) {
    let mut requests = 0;
    let mut p95 = 0;
    for (key, k) in f.keys.iter().enumerate() {
        let errors = k.failures();
        series.push(SeriesPoint {
            second,
            key: key as u32,
            requests: k.requests,
            failed: errors + k.unexpected_status,
            errors,
            bytes_sent: k.bytes_sent,
            bytes_received: k.bytes_received,
            response_time: SecondStats::of(&k.response_time),
            service_time: SecondStats::of(&k.service_time),
        });
        requests += k.requests;
        live.failed += errors + k.unexpected_status;
        p95 = p95.max(k.response_time.quantile_us(0.95));
    }
    let g = &f.generator;
    generator.push(GeneratorPoint {
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
    live.elapsed_s = f64::from(second + 1);
    live.requests += requests;
    live.last_second_requests = requests;
    live.last_second_p95_us = p95;
    live.active_vus = g.active_vus;
}
