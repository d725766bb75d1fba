//! Workers: one OS thread per selected CPU, pinned before its ring is built, each running its own
//! event loop over its share of every scenario. Everything inside a worker is single-threaded;
//! the only things that cross threads are the start time, the stop signal, and one snapshot per
//! second.

pub mod data;
pub mod event_loop;
mod pacing;
pub mod scenario;
pub mod stop;

use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use self::data::DataCursors;
use self::event_loop::{Parts, Worker};
use self::scenario::ScenarioRun;
pub use self::stop::{StopLevel, StopSignal};
use crate::client::Client;
use crate::executor::{Schedule, Segment};
use crate::metrics::{Frame, Snapshot};
use crate::net::origins::Target;
use crate::net::tls::TlsSetup;
use crate::net::Ring;
use crate::plan::scope::{SCENARIO_SLOT, VU_SLOT};
use crate::plan::CompiledPlan;
use crate::vu::Vu;

/// Fewest and most submission-queue entries (the kernel's limit); the completion queue is four
/// times larger.
const RING_ENTRIES: (u64, u64) = (1024, 32768);
/// Entries a VU may queue in one turn (a send and its receive, a cancel, a body, a read).
const ENTRIES_PER_VU: u64 = 4;

/// What a worker thread needs.
pub struct WorkerSetup {
    /// Worker index.
    pub index: usize,
    /// Number of workers.
    pub count: usize,
    /// CPU to pin to, if any.
    pub core: Option<core_affinity::CoreId>,
    /// The plan.
    pub plan: Arc<CompiledPlan>,
    /// Snapshots to the collector.
    pub snapshots: Sender<Snapshot>,
    /// Reset frames back from the collector.
    pub spares: Receiver<Box<Frame>>,
    /// "Ring built" (or why not) to the starter.
    pub ready: Sender<Result<bool, std::io::Error>>,
    /// The common start time (None: the run was cancelled before it started).
    pub start: Receiver<Option<u64>>,
    /// Stop requests.
    pub stop: Arc<StopSignal>,
    /// The plan's origins and the addresses they resolved to.
    pub targets: Arc<[Target]>,
    /// The run's TLS configuration.
    pub tls: Arc<TlsSetup>,
    /// Addresses the resolver found again (DNS TTL).
    pub dns: Receiver<crate::net::dns::Refresh>,
}

/// Starts a worker thread.
pub fn spawn(setup: WorkerSetup) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("horde-worker-{}", setup.index))
        .spawn(move || run(setup))
}

fn run(setup: WorkerSetup) {
    // Pin first: with SINGLE_ISSUER the ring belongs to this thread, and its memory is best
    // allocated on the CPU that will use it.
    let pinned = setup.core.is_some_and(core_affinity::set_for_current);
    // Timer slack would add up to 50 µs to every timed wake-up, i.e. to every late send.
    // SAFETY: prctl with integer arguments only affects this thread.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1, 0, 0, 0) };
    // A queue that holds every operation of a turn is submitted once per turn (a full one is
    // submitted early, and the sends in it are stamped with when they really left).
    let segment = Segment::new(setup.index as u64, setup.count as u64);
    let vus: u64 = setup
        .plan
        .scenarios
        .iter()
        .map(|s| Schedule::new(&s.executor, segment, 0).vus())
        .sum();
    let (fewest, most) = RING_ENTRIES;
    let entries = (vus * ENTRIES_PER_VU)
        .next_power_of_two()
        .clamp(fewest, most);
    let ring = match Ring::new(entries as u32) {
        Ok(ring) => {
            let _ = setup.ready.send(Ok(pinned));
            ring
        }
        Err(e) => {
            let _ = setup.ready.send(Err(e));
            return;
        }
    };
    let Ok(Some(t0)) = setup.start.recv() else {
        return;
    };
    let plan = setup.plan;
    let mut vus = Vec::new();
    let mut scenarios = Vec::new();
    let mut base_id = 0;
    for (index, scenario) in plan.scenarios.iter().enumerate() {
        let start = t0 + scenario.start_ns;
        let schedule = Schedule::new(&scenario.executor, segment, start);
        let max_vus = scenario.executor.max_vus();
        // Contiguous, unique VU numbers across workers: this worker's part of 1..=max_vus.
        let first_id = segment
            .among(max_vus)
            .map_or(0, |s| max_vus * s.index / s.count);
        let first = vus.len() as u32;
        for (i, slot) in (first..first + schedule.vus() as u32).enumerate() {
            let id = base_id + first_id + i as u64 + 1;
            let limits = plan.client.limits;
            let mut vu = Vu::new(slot, index, id, plan.vars.len(), plan.run.seed, limits);
            vu.vars.set_u64(VU_SLOT, id);
            vu.vars.set(SCENARIO_SLOT, scenario.name.as_bytes());
            for (slot, value) in &plan.constants {
                vu.vars.set(*slot, value);
            }
            vus.push(vu);
        }
        base_id += max_vus;
        scenarios.push(ScenarioRun::new(
            index,
            schedule,
            first,
            start,
            scenario.graceful_stop_ns,
        ));
    }
    let data = DataCursors::new(&plan, segment);
    // Each worker pools its share of the cap (at least one, or it could never send).
    let pool_cap = plan
        .client
        .max_connections_per_host
        .map(|cap| segment.share(cap).max(1));
    let client = Client::new(
        plan.client.clone(),
        &setup.targets,
        setup.tls,
        pool_cap,
        vus.len(),
    );
    let layout = plan.layout();
    Worker::new(Parts {
        index: setup.index,
        plan,
        layout,
        ring,
        vus,
        scenarios,
        data,
        snapshots: setup.snapshots,
        spares: setup.spares,
        stop: setup.stop,
        t0,
        dns: setup.dns,
        client,
    })
    .run();
}
