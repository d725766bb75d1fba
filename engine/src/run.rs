//! Starting and controlling a run: spawn the workers, hand them a common start time, collect,
//! and build the result. `RunHandle` is what embedding code (Python, the CLI) polls and stops.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{bounded, unbounded, Receiver};

use crate::assemble::assemble;
use crate::clock::now_ns;
use crate::collector::{collect, Progress, Sinks};
use crate::error::RunError;
use crate::metrics::keys::RequestKey;
use crate::net::limits::{self, HostLimits};
use crate::net::origins::{resolve_origins, Target};
use crate::net::{dns, tls::TlsSetup};
use crate::output::Outputs;
use crate::plan::CompiledPlan;
use crate::result::RunResult;
use crate::worker::{self, StopLevel, StopSignal, WorkerSetup};

/// A run in progress.
pub struct RunHandle {
    stop: Arc<StopSignal>,
    progress: Arc<Mutex<Progress>>,
    done: Receiver<RunResult>,
    collector: Option<JoinHandle<()>>,
    result: Option<RunResult>,
}

/// What the host's limits say about `plan` before any load: a warning, with the numbers and the
/// fix, for each limit the plan may run into (the open-file limit, raised to its hard value
/// first, and the ephemeral ports towards each address). Resolves the plan's host names.
pub fn preflight(plan: &CompiledPlan) -> Result<Vec<String>, RunError> {
    let targets = resolve_origins(&plan.origins, &plan.client.dns)?;
    Ok(limits_warnings(plan, &targets))
}

fn limits_warnings(plan: &CompiledPlan, targets: &[Target]) -> Vec<String> {
    let needs = limits::needs(plan, targets);
    limits::check(&needs, HostLimits::now(), &plan.client.source_addresses)
}

/// Starts `plan` on worker threads and returns at once.
pub fn start(plan: CompiledPlan) -> Result<RunHandle, RunError> {
    let plan = Arc::new(plan);
    // Names are resolved and the TLS configuration built as the run starts: a host that does not
    // resolve stops it before any load.
    let targets: Arc<[Target]> = resolve_origins(&plan.origins, &plan.client.dns)?.into();
    let over_limits = limits_warnings(&plan, &targets);
    if plan.run.strict && !over_limits.is_empty() {
        return Err(RunError::Limits(over_limits.join("\n")));
    }
    let tls = Arc::new(TlsSetup::build(&plan.client.tls).map_err(RunError::Tls)?);
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    // Every worker holds at least one connection to each host it sends to, so a connection cap
    // below the number of CPUs runs on that many workers, or the cap would not hold.
    let count = plan.run.workers.unwrap_or(cores.len().max(1)).min(
        plan.client
            .max_connections_per_host
            .map_or(usize::MAX, |c| c as usize),
    );
    // Outputs open their files and check their URLs first: a bad one fails before any load.
    let unix_now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let mut outputs = Outputs::start(&plan.run.outputs, unix_now)?;
    let stop = Arc::new(StopSignal::new(count).map_err(|e| RunError::Spawn {
        worker: 0,
        source: e,
    })?);
    let (snap_tx, snap_rx) = unbounded();
    let (ready_tx, ready_rx) = bounded(count);
    let mut dns_senders = Vec::with_capacity(count);
    let mut starts = Vec::with_capacity(count);
    let mut spares = Vec::with_capacity(count);
    let mut threads = Vec::with_capacity(count);
    let mut cpus = Vec::with_capacity(count);
    for index in 0..count {
        let (start_tx, start_rx) = bounded(1);
        let (spare_tx, spare_rx) = unbounded();
        let (dns_tx, dns_rx) = unbounded();
        dns_senders.push(dns_tx);
        let core = (!cores.is_empty()).then(|| cores[index % cores.len()]);
        cpus.push(core.map(|c| c.id));
        let setup = WorkerSetup {
            index,
            count,
            core,
            plan: plan.clone(),
            snapshots: snap_tx.clone(),
            spares: spare_rx,
            ready: ready_tx.clone(),
            start: start_rx,
            stop: stop.clone(),
            targets: targets.clone(),
            tls: tls.clone(),
            dns: dns_rx,
        };
        match worker::spawn(setup) {
            Ok(t) => threads.push(t),
            Err(source) => {
                cancel(&starts, threads);
                return Err(RunError::Spawn {
                    worker: index,
                    source,
                });
            }
        }
        starts.push(start_tx);
        spares.push(spare_tx);
    }
    drop(snap_tx);
    let mut pinned = Vec::with_capacity(count);
    for _ in 0..count {
        match ready_rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(p)) => pinned.push(p),
            Ok(Err(source)) => {
                cancel(&starts, threads);
                return Err(RunError::IoUringUnavailable { source });
            }
            Err(_) => {
                cancel(&starts, threads);
                return Err(RunError::Worker(
                    "a worker did not start within 10 s".into(),
                ));
            }
        }
    }
    // A common start a little ahead, so every worker is waiting when it comes.
    let t0 = now_ns() + 2_000_000;
    let started_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
        + 0.002;
    for s in &starts {
        let _ = s.send(Some(t0));
    }
    let resolver_stop = start_resolver(&plan, dns_senders);
    let progress = Arc::new(Mutex::new(Progress::default()));
    let (done_tx, done_rx) = bounded(1);
    let collector = {
        let progress = progress.clone();
        let stop = stop.clone();
        let cpus: Vec<Option<usize>> = cpus
            .iter()
            .zip(&pinned)
            .map(|(c, &p)| c.filter(|_| p))
            .collect();
        std::thread::Builder::new()
            .name("horde-collector".into())
            .spawn(move || {
                let keys: Arc<[RequestKey]> = plan.keys.clone().into();
                let sinks = Sinks {
                    outputs: &mut outputs,
                    start_unix_s: started_at,
                    keys,
                };
                let collected =
                    collect(&plan, count, snap_rx, spares, progress, stop.clone(), sinks);
                for t in threads {
                    let _ = t.join();
                }
                drop(resolver_stop);
                let mut result = assemble(&plan, collected, t0, started_at, &cpus);
                result.warnings.splice(0..0, over_limits);
                result.add_outputs(outputs.finish());
                if result.stopped_early.is_none() {
                    result.stopped_early = match stop.level() {
                        StopLevel::Run => None,
                        StopLevel::Graceful => Some(
                            "stopped on request; in-flight requests were allowed to finish".into(),
                        ),
                        StopLevel::Abort => {
                            Some("aborted on request; in-flight requests were cancelled".into())
                        }
                    };
                }
                let _ = done_tx.send(result);
            })
            .map_err(|source| RunError::Spawn {
                worker: count,
                source,
            })?
    };
    Ok(RunHandle {
        stop,
        progress,
        done: done_rx,
        collector: Some(collector),
        result: None,
    })
}

/// Starts the thread that resolves the plan's host names again every DNS TTL, if any need it.
/// Dropping the returned sender stops it.
fn start_resolver(
    plan: &CompiledPlan,
    workers: Vec<crossbeam_channel::Sender<dns::Refresh>>,
) -> Option<crossbeam_channel::Sender<()>> {
    let names: Vec<(usize, String, u16)> = plan
        .origins
        .iter()
        .enumerate()
        .filter(|(_, t)| t.dynamic)
        .map(|(i, t)| (i, t.host.clone(), t.port))
        .collect();
    if names.is_empty() {
        return None;
    }
    let (stop_tx, stop_rx) = bounded(0);
    let settings = plan.client.dns.clone();
    std::thread::Builder::new()
        .name("horde-resolver".into())
        .spawn(move || dns::refresh_loop(names, settings, workers, stop_rx))
        .ok()?;
    Some(stop_tx)
}

fn cancel(starts: &[crossbeam_channel::Sender<Option<u64>>], threads: Vec<JoinHandle<()>>) {
    for s in starts {
        let _ = s.send(None);
    }
    for t in threads {
        let _ = t.join();
    }
}

/// A cloneable remote control for a run: stop it, read its progress. Needs no borrow of the
/// handle, so another thread (a signal handler, a UI) can use it while one thread waits.
#[derive(Clone)]
pub struct RunControls {
    stop: Arc<StopSignal>,
    progress: Arc<Mutex<Progress>>,
}

impl RunControls {
    /// Asks the workers to stop (graceful: finish in-flight requests; abort: cancel them).
    pub fn stop(&self, level: StopLevel) {
        self.stop.request(level);
    }

    /// The latest progress.
    pub fn progress(&self) -> Progress {
        self.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

impl RunHandle {
    /// A remote control for this run.
    pub fn controls(&self) -> RunControls {
        RunControls {
            stop: self.stop.clone(),
            progress: self.progress.clone(),
        }
    }

    /// Waits up to `timeout` for the run to finish; true when it has.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        if self.result.is_some() {
            return true;
        }
        match self.done.recv_timeout(timeout) {
            Ok(r) => {
                self.result = Some(r);
                true
            }
            Err(_) => false,
        }
    }

    /// The latest progress.
    pub fn progress(&self) -> Progress {
        self.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Asks the workers to stop (graceful: finish in-flight requests; abort: cancel them).
    pub fn stop(&self, level: StopLevel) {
        self.stop.request(level);
    }

    /// Waits for the end and returns the result.
    pub fn join(mut self) -> Result<RunResult, RunError> {
        while !self.wait(Duration::from_secs(3600)) {}
        if let Some(c) = self.collector.take() {
            let _ = c.join();
        }
        let result = self.result.take().expect("wait returned true");
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;

    #[test]
    fn a_host_that_does_not_resolve_stops_the_run_before_any_worker_starts() {
        let plan = Plan::from_json(
            r#"{"version": 1,
                "journeys": {"j": {"steps": [{"request": {"method": "GET", "url": "http://no-such-host.invalid/"}}]}},
                "scenarios": {"s": {"journey": "j", "executor": {"type": "constant_vus", "vus": 1, "duration_s": 1}}}}"#,
        )
        .unwrap();
        let err = start(CompiledPlan::compile(plan).unwrap()).err().unwrap();
        assert!(matches!(err, RunError::Resolve { .. }), "{err}");
        assert!(err.to_string().contains("no-such-host.invalid"), "{err}");
    }
}
