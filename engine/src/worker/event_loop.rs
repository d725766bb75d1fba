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
use crate::clock::{now_ns, thread_cpu_ns, RealtimeOffset};
use crate::executor::Schedule;
use crate::metrics::{Frame, Layout, Snapshot, WorkerReport};
use crate::net::origins::Origins;
use crate::net::{Completion, Ring};
use crate::plan::CompiledPlan;
use crate::vu::exchange::{self, Io, Outcome};
use crate::vu::inflight::Inflight;
use crate::vu::interpreter;
use crate::vu::pool::Pools;
use crate::vu::{split_user_data, Op, Phase, Vu};

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
    pub(super) inflight: Inflight,
    pub(super) frame: Box<Frame>,
    pub(super) snapshots: Sender<Snapshot>,
    pub(super) spares: Receiver<Box<Frame>>,
    pub(super) stop: Arc<StopSignal>,
    pub(super) t0: u64,
    pub(super) send_window_ns: u64,
    pub(super) timers: Timers,
    pub(super) data: DataCursors,
    pub(super) to_stamp: Vec<u32>,
    pub(super) completions: Vec<Completion>,
    pub(super) expired: Vec<u32>,
    pub(super) wake_buf: Box<u64>,
    pub(super) wake_armed: bool,
    pub(super) second: u32,
    pub(super) cpu_at_tick: u64,
    pub(super) user_stop: Option<u64>,
    pub(super) aborted: bool,
    pub(super) origins: Origins,
    pub(super) tls: Arc<rustls::ClientConfig>,
    pub(super) dns: Receiver<crate::net::dns::Refresh>,
    pub(super) pools: Pools,
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
    /// This worker's share of `max_connections_per_host`, if connections are pooled.
    pub pool_cap: Option<u64>,
}

macro_rules! io {
    ($w:ident, $now:expr, $offset:expr) => {
        Io {
            ring: &mut $w.ring,
            frame: &mut $w.frame,
            plan: &$w.plan,
            inflight: &mut $w.inflight,
            to_stamp: &mut $w.to_stamp,
            origins: &mut $w.origins,
            tls: &$w.tls,
            pools: &mut $w.pools,
            now_ns: $now,
            offset: $offset,
        }
    };
}

impl Worker {
    /// Assembles a worker; `run` starts it.
    pub fn new(p: Parts) -> Self {
        let send_window_ns = p.plan.plan.options.send_window_us * 1_000;
        let origins = Origins::new(&p.plan.targets, p.plan.plan.options.http.dns.select);
        let tls = p.plan.tls.for_worker();
        Self {
            index: p.index,
            inflight: Inflight::new(p.vus.len()),
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
            origins,
            tls,
            dns: p.dns,
            pools: Pools::new(p.pool_cap),
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
            let in_flight = self.inflight.len() as u64;
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
            && self.inflight.is_empty()
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
            if c.user_data == 0 {
                continue; // a cancellation that found nothing to cancel
            }
            let (slot, generation, op) = split_user_data(c.user_data);
            let vu = &mut self.vus[slot as usize];
            if generation != vu.generation & 0x00FF_FFFF || !vu.phase.in_io() {
                continue; // from a connection already given up
            }
            let cs = &plan.scenarios[vu.scenario];
            let (request, jk) = interpreter::current_request(vu, cs);
            let w = &mut *self;
            let mut io = io!(w, now, offset);
            let vu = &mut w.vus[slot as usize];
            let outcome = match op {
                x if x == Op::Connect as u8 => {
                    exchange::on_connect(vu, c.result, request, jk, &mut io)
                }
                x if x == Op::Recv as u8 => exchange::on_recv(vu, c.result, request, jk, &mut io),
                _ => {
                    exchange::on_send_error(vu, c.result);
                    Outcome::Pending
                }
            };
            if outcome == Outcome::Pending {
                continue;
            }
            let scenario = &mut w.scenarios[vu.scenario];
            let walk = interpreter::resume(vu, cs, outcome, scenario.closed_model(), &mut io);
            scenario.settle(walk, vu, cs, &mut io, &mut w.timers, &mut w.data);
        }
        self.completions = completions;
    }

    fn expire(&mut self, now: u64, offset: RealtimeOffset) {
        let mut expired = std::mem::take(&mut self.expired);
        self.inflight.expire(now, &mut expired);
        let plan = self.plan.clone();
        let w = &mut *self;
        let mut io = io!(w, now, offset);
        for &slot in &expired {
            let vu = &mut w.vus[slot as usize];
            let (request, _) = interpreter::current_request(vu, &plan.scenarios[vu.scenario]);
            exchange::on_deadline(vu, request, &mut io);
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
            let mut io = io!(w, now, offset);
            let vu = &mut w.vus[slot as usize];
            let cs = &plan.scenarios[vu.scenario];
            let scenario = &mut w.scenarios[vu.scenario];
            let walk = interpreter::wake(vu, cs, scenario.closed_model(), &mut io);
            scenario.settle(walk, vu, cs, &mut io, &mut w.timers, &mut w.data);
        }
    }

    /// Resumes VUs whose turn for a pooled connection has come (as connections are given back,
    /// more may come free while resuming).
    fn resume_waiters(&mut self, now: u64, offset: RealtimeOffset) {
        let plan = self.plan.clone();
        while let Some(slot) = self.pools.ready.pop() {
            if self.vus[slot as usize].phase != Phase::Waiting {
                continue;
            }
            let w = &mut *self;
            let mut io = io!(w, now, offset);
            let vu = &mut w.vus[slot as usize];
            let cs = &plan.scenarios[vu.scenario];
            let (request, jk) = interpreter::current_request(vu, cs);
            let outcome = exchange::resume_waiting(vu, request, jk, &mut io);
            if outcome == Outcome::Pending {
                continue;
            }
            let scenario = &mut w.scenarios[vu.scenario];
            let walk = interpreter::resume(vu, cs, outcome, scenario.closed_model(), &mut io);
            scenario.settle(walk, vu, cs, &mut io, &mut w.timers, &mut w.data);
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
        let mut io = io!(w, now, offset);
        for s in w.scenarios.iter_mut() {
            let cs = &plan.scenarios[s.index];
            s.winding_down |= user_stop.is_some();
            if s.finished(now) || user_stop.is_some() {
                let designed = s.schedule.end_ns().max(s.start_ns);
                s.load_end_ns
                    .get_or_insert(user_stop.map_or(designed.min(now), |u| u.min(designed)));
            }
            let cut_at =
                user_stop.map_or(s.cut_deadline(), |u| u.saturating_add(s.graceful_stop_ns));
            if !s.cut && (abort || now >= cut_at) {
                s.cut(&mut w.vus, cs, &mut io, &mut w.timers, &mut w.data);
                continue;
            }
            if s.retire_deadline.is_some_and(|d| now >= d) {
                s.cut_retirees(&mut w.vus, cs, &mut io, &mut w.timers, &mut w.data);
            }
            if s.cut || user_stop.is_some() {
                continue;
            }
            match s.schedule {
                Schedule::Closed(_) => {
                    s.follow_target(&mut w.vus, cs, &mut io, &mut w.timers, &mut w.data)
                }
                Schedule::Arrivals(_) => {
                    s.start_arrivals(&mut w.vus, cs, window, &mut io, &mut w.timers, &mut w.data)
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
            if vu.phase.in_io() && vu.conn.is_open() {
                self.ring.cancel_fd(vu.conn.fd);
            }
        }
        let deadline = now_ns() + SECOND;
        while now_ns() < deadline && self.vus.iter().any(|v| v.phase.in_io()) {
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
