//! The per-worker loop: one thread, one ring, its VUs, its timers and its recorder frame.
//!
//! Each turn: read the clock once, reap completions, expire deadlines, wake VUs whose think time
//! ended, let every scenario start, ramp or cut iterations, flush a snapshot at second
//! boundaries, stamp the sends queued this turn, then submit and wait — until the next due send,
//! timer, tick or deadline, or until a completion the loop must act on at once. Completions nobody
//! waits for (an open-model response that ends an iteration) do not wake the loop: their times
//! come from kernel receive timestamps, so reading them at the next wake-up loses no accuracy.
//! That is what keeps a fixed-rate run cheap and honest at once.

use std::cmp::Reverse;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::data::DataCursors;
use super::scenario::{ScenarioRun, Timers};
use super::stop::{StopLevel, StopSignal};
use crate::client::{Client, Completed, Outcome, Turn};
use crate::clock::{now_ns, thread_cpu_ns, RealtimeOffset};
use crate::executor::Schedule;
use crate::metrics::{Frame, Layout, Snapshot, WorkerReport};
use crate::net::{Completion, Ring};
use crate::plan::CompiledPlan;
use crate::vu::interpreter;
use crate::vu::{Phase, Vu, WorkerTurn};

/// User data of the wake-up read on the stop eventfd.
const WAKE: u64 = u64::MAX;
/// "Wake only at the deadline": more completions than can ever be pending.
pub(super) const NO_EARLY_WAKE: usize = 1 << 30;
pub(super) const SECOND: u64 = 1_000_000_000;

/// One worker's whole state.
pub struct Worker {
    pub(super) index: usize,
    pub(super) plan: Arc<CompiledPlan>,
    pub(super) layout: Layout,
    pub(super) ring: Ring,
    pub(super) vus: Vec<Vu>,
    pub(super) scenarios: Vec<ScenarioRun>,
    pub(super) client: Client,
    pub(super) frame: Box<Frame>,
    pub(super) snapshots: Sender<Snapshot>,
    pub(super) spares: Receiver<Box<Frame>>,
    pub(super) stop: Arc<StopSignal>,
    pub(super) t0: u64,
    pub(super) send_window_ns: u64,
    pub(super) timers: Timers,
    pub(super) data: DataCursors,
    pub(super) to_stamp: Vec<(u32, u32)>,
    pub(super) completions: Vec<Completion>,
    pub(super) expired: Vec<u32>,
    pub(super) wake_buf: Box<u64>,
    pub(super) wake_armed: bool,
    pub(super) second: u32,
    pub(super) cpu_at_tick: u64,
    pub(super) user_stop: Option<u64>,
    pub(super) aborted: bool,
    pub(super) dns: Receiver<crate::net::dns::Refresh>,
}

/// Everything a worker is built from.
pub struct Parts {
    /// Worker index.
    pub index: usize,
    /// The plan.
    pub plan: Arc<CompiledPlan>,
    /// Frame layout.
    pub layout: Layout,
    /// The ring.
    pub ring: Ring,
    /// VUs.
    pub vus: Vec<Vu>,
    /// Scenarios.
    pub scenarios: Vec<ScenarioRun>,
    /// Data cursors.
    pub data: DataCursors,
    /// Snapshots to the collector.
    pub snapshots: Sender<Snapshot>,
    /// Frames back from the collector.
    pub spares: Receiver<Box<Frame>>,
    /// Stop requests.
    pub stop: Arc<StopSignal>,
    /// Common start time.
    pub t0: u64,
    /// Addresses the resolver found again (DNS TTL).
    pub dns: Receiver<crate::net::dns::Refresh>,
    /// The worker's HTTP client.
    pub client: Client,
}

/// Lends the worker's client, ring and frame to its VUs for one turn.
macro_rules! worker_turn {
    ($w:ident, $plan:expr, $now:expr, $offset:expr) => {
        WorkerTurn {
            client: &mut $w.client,
            turn: Turn {
                ring: &mut $w.ring,
                frame: &mut $w.frame,
                now_ns: $now,
                offset: $offset,
            },
            plan: $plan,
        }
    };
}

impl Worker {
    /// Assembles a worker; `run` starts it.
    pub fn new(p: Parts) -> Self {
        let send_window_ns = p.plan.run.send_window_ns;
        Self {
            index: p.index,
            client: p.client,
            frame: Box::new(Frame::new(&p.layout)),
            layout: p.layout,
            send_window_ns,
            plan: p.plan,
            ring: p.ring,
            vus: p.vus,
            scenarios: p.scenarios,
            snapshots: p.snapshots,
            spares: p.spares,
            stop: p.stop,
            t0: p.t0,
            timers: Timers::new(),
            data: p.data,
            to_stamp: Vec::new(),
            completions: Vec::new(),
            expired: Vec::new(),
            wake_buf: Box::new(0),
            wake_armed: false,
            second: 0,
            cpu_at_tick: thread_cpu_ns(),
            user_stop: None,
            aborted: false,
            dns: p.dns,
        }
    }

    /// Runs until the load is done and every operation has completed, then sends the last frame
    /// and the report (or the error that stopped the worker) to the collector.
    pub fn run(mut self) {
        self.arm_wake();
        let result = self.run_loop();
        if result.is_err() {
            self.cancel_everything();
        }
        self.disarm_wake();
        let load_end = self
            .scenarios
            .iter()
            .filter_map(|s| s.load_end_ns)
            .max()
            .unwrap_or(self.t0);
        let load_end = self.user_stop.map_or(load_end, |t| t.min(load_end));
        let report = result.map(|()| WorkerReport {
            load_end_ns: load_end,
            ring_mode: self.ring.mode().name(),
        });
        let mut frame =
            std::mem::replace(&mut self.frame, Box::new(Frame::new(&Layout::default())));
        frame.generator.busy_ns = thread_cpu_ns() - self.cpu_at_tick;
        for s in &self.scenarios {
            frame.scenarios[s.index].peak_vus = u64::from(s.peak);
        }
        frame.generator.wall_ns = now_ns()
            .saturating_sub(self.t0 + u64::from(self.second) * SECOND)
            .min(SECOND);
        let _ = self.snapshots.send(Snapshot::Done {
            worker: self.index,
            second: self.second,
            frame,
            report,
        });
    }

    fn run_loop(&mut self) -> Result<(), String> {
        let mut now = now_ns();
        loop {
            let offset = RealtimeOffset::sample();
            self.reap(now, offset);
            self.expire(now, offset);
            self.wake_thinkers(now, offset);
            self.manage(now, offset);
            self.resume_waiters(now, offset);
            let in_flight = self.client.in_flight() as u64;
            let g = &mut self.frame.generator;
            g.max_in_flight = g.max_in_flight.max(in_flight);
            self.tick(now);
            if self.done(now) {
                return Ok(());
            }
            let submit = now_ns();
            self.stamp_sends(submit);
            let (want, deadline) = self.wait_plan(submit);
            self.ring
                .submit_and_wait(want, Some(deadline), submit)
                .map_err(|e| format!("io_uring wait failed: {e}"))?;
            now = now_ns();
        }
    }

    pub(super) fn stopping(&self) -> bool {
        self.user_stop.is_some()
    }

    fn done(&self, now: u64) -> bool {
        self.scenarios
            .iter()
            .all(|s| s.cut || s.finished(now) || self.stopping())
            && self
                .scenarios
                .iter()
                .all(|s| s.restart.is_empty() || s.cut || self.stopping())
            && self.client.in_flight() == 0
            && self.vus.iter().all(|v| !v.busy())
    }

    /// Handles every ready completion.
    fn reap(&mut self, now: u64, offset: RealtimeOffset) {
        self.ring.drain(&mut self.completions);
        let completions = std::mem::take(&mut self.completions);
        let plan = self.plan.clone();
        for c in &completions {
            if c.user_data == WAKE {
                self.wake_armed = false;
                continue;
            }
            // User data 0 is a cancellation that found nothing to cancel.
            let Some(done) = Completed::read(c.user_data, c.result) else {
                continue;
            };
            let w = &mut *self;
            let vu = &mut w.vus[done.slot as usize];
            if !vu.session.expects(done.generation) {
                continue; // from a connection already given up
            }
            let compiled = &plan.scenarios[vu.scenario];
            let call = interpreter::current_call(vu, compiled);
            let mut turn = worker_turn!(w, &plan, now, offset);
            let outcome = turn
                .client
                .on_completion(&mut vu.session, done, call, &mut turn.turn);
            if outcome == Outcome::Pending {
                continue;
            }
            let scenario = &mut w.scenarios[vu.scenario];
            let walk =
                interpreter::resume(vu, compiled, outcome, scenario.closed_model(), &mut turn);
            scenario.settle(walk, vu, compiled, &mut turn, &mut w.timers, &mut w.data);
        }
        self.completions = completions;
    }

    fn expire(&mut self, now: u64, offset: RealtimeOffset) {
        let mut expired = std::mem::take(&mut self.expired);
        self.client.expired(now, &mut expired);
        let plan = self.plan.clone();
        let w = &mut *self;
        let mut turn = worker_turn!(w, &plan, now, offset);
        for &slot in &expired {
            let vu = &mut w.vus[slot as usize];
            let call = interpreter::current_call(vu, &plan.scenarios[vu.scenario]);
            turn.client
                .on_deadline(&mut vu.session, call, &mut turn.turn);
        }
        self.expired = expired;
    }

    /// Resumes VUs whose think time has ended.
    fn wake_thinkers(&mut self, now: u64, offset: RealtimeOffset) {
        let plan = self.plan.clone();
        while let Some(&Reverse((at, slot, stamp))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            let vu = &self.vus[slot as usize];
            if vu.wake_stamp != stamp || vu.phase != Phase::Thinking {
                continue;
            }
            let w = &mut *self;
            let mut turn = worker_turn!(w, &plan, now, offset);
            let vu = &mut w.vus[slot as usize];
            let compiled = &plan.scenarios[vu.scenario];
            let scenario = &mut w.scenarios[vu.scenario];
            let walk = interpreter::wake(vu, compiled, scenario.closed_model(), &mut turn);
            scenario.settle(walk, vu, compiled, &mut turn, &mut w.timers, &mut w.data);
        }
    }

    /// Resumes VUs whose turn for a pooled connection has come (as connections are given back,
    /// more may come free while resuming).
    fn resume_waiters(&mut self, now: u64, offset: RealtimeOffset) {
        let plan = self.plan.clone();
        while let Some(slot) = self.client.next_ready_waiter() {
            if !self.vus[slot as usize].session.is_waiting() {
                continue;
            }
            let w = &mut *self;
            let mut turn = worker_turn!(w, &plan, now, offset);
            let vu = &mut w.vus[slot as usize];
            let compiled = &plan.scenarios[vu.scenario];
            let call = interpreter::current_call(vu, compiled);
            let outcome = turn
                .client
                .resume_waiting(&mut vu.session, call, &mut turn.turn);
            if outcome == Outcome::Pending {
                continue;
            }
            let scenario = &mut w.scenarios[vu.scenario];
            let walk =
                interpreter::resume(vu, compiled, outcome, scenario.closed_model(), &mut turn);
            scenario.settle(walk, vu, compiled, &mut turn, &mut w.timers, &mut w.data);
        }
    }

    /// Stops, cuts, ramps and starts iterations as the executors and the stop signal say.
    fn manage(&mut self, now: u64, offset: RealtimeOffset) {
        let level = self.stop.level();
        if level > StopLevel::Run {
            if self.user_stop.is_none() {
                self.user_stop = Some(now);
            }
            if !self.wake_armed && level < StopLevel::Abort {
                self.arm_wake(); // stay wakeable for a harder stop
            }
        }
        let abort = level == StopLevel::Abort && !self.aborted;
        self.aborted |= abort;
        let plan = self.plan.clone();
        let window = self.send_window_ns;
        let user_stop = self.user_stop;
        let w = &mut *self;
        let mut turn = worker_turn!(w, &plan, now, offset);
        for s in w.scenarios.iter_mut() {
            let compiled = &plan.scenarios[s.index];
            s.winding_down |= user_stop.is_some();
            if s.finished(now) || user_stop.is_some() {
                let designed = s.schedule.end_ns().max(s.start_ns);
                s.load_end_ns
                    .get_or_insert(user_stop.map_or(designed.min(now), |u| u.min(designed)));
            }
            let cut_at =
                user_stop.map_or(s.cut_deadline(), |u| u.saturating_add(s.graceful_stop_ns));
            let (vus, timers, data) = (&mut w.vus, &mut w.timers, &mut w.data);
            if !s.cut && (abort || now >= cut_at) {
                s.cut(vus, compiled, &mut turn, timers, data);
                continue;
            }
            if s.retire_deadline.is_some_and(|d| now >= d) {
                s.cut_retirees(vus, compiled, &mut turn, timers, data);
            }
            if s.cut || user_stop.is_some() {
                continue;
            }
            match s.schedule {
                Schedule::Closed(_) => s.follow_target(vus, compiled, &mut turn, timers, data),
                Schedule::Arrivals(_) => {
                    s.start_arrivals(vus, compiled, window, &mut turn, timers, data)
                }
            }
        }
    }

    fn arm_wake(&mut self) {
        let fd = self.stop.waker(self.index);
        // SAFETY: the buffer is boxed in the worker and the read is cancelled and reaped before exit.
        unsafe { self.ring.read_eventfd(fd, &mut *self.wake_buf, WAKE) };
        self.wake_armed = true;
    }

    fn disarm_wake(&mut self) {
        if !self.wake_armed {
            return;
        }
        self.ring.cancel_fd(self.stop.waker(self.index));
        // The cancelled read completes promptly; wait for it so the kernel never writes to a freed
        // buffer.
        let mut out = Vec::new();
        for _ in 0..1000 {
            let now = now_ns();
            let _ = self.ring.submit_and_wait(1, Some(now + 10_000_000), now);
            self.ring.drain(&mut out);
            if out.iter().any(|c| c.user_data == WAKE) {
                self.wake_armed = false;
                return;
            }
        }
    }

    /// After a fatal error: cancel every operation and wait (bounded) for them, so that no kernel
    /// operation outlives the buffers it points to.
    fn cancel_everything(&mut self) {
        for vu in &self.vus {
            vu.session.cancel_io(&mut self.ring);
        }
        let deadline = now_ns() + SECOND;
        while now_ns() < deadline && self.vus.iter().any(|v| v.session.in_io()) {
            let now = now_ns();
            if self
                .ring
                .submit_and_wait(1, Some(now + 10_000_000), now)
                .is_err()
            {
                break;
            }
            self.user_stop.get_or_insert(now);
            self.reap(now_ns(), RealtimeOffset::sample());
        }
    }
}
