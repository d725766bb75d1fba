//! The per-worker loop: one thread, one ring, its VUs and its recorder frame.
//!
//! Each turn: read the clock once, reap completions, expire deadlines, start due iterations,
//! flush a snapshot at second boundaries, stamp the sends queued this turn, then submit and wait —
//! until the next due send, tick or deadline, or until a completion the loop must act on at once.
//! Completions nobody waits for (an open-model response) do not wake the loop: their times come
//! from kernel receive timestamps, so they are read at the next wake-up without losing accuracy.
//! That is what keeps a fixed-rate run cheap and honest at once.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::scenario::ScenarioRun;
use super::stop::{StopLevel, StopSignal};
use crate::clock::{now_ns, RealtimeOffset};
use crate::executor::Schedule;
use crate::metrics::{Frame, Snapshot, WorkerReport};
use crate::net::{Completion, Ring};
use crate::plan::{CompiledPlan, Saturation};
use crate::vu::exchange::{self, Io, Outcome};
use crate::vu::inflight::Inflight;
use crate::vu::interpreter::{self, Walk};
use crate::vu::{split_user_data, Op, Phase, Vu};

/// User data of the wake-up read on the stop eventfd.
const WAKE: u64 = u64::MAX;
/// "Wake only at the deadline": more completions than can ever be pending.
const NO_EARLY_WAKE: usize = 1 << 30;
const SECOND: u64 = 1_000_000_000;

/// One worker's whole state.
pub struct Worker {
    pub(super) index: usize,
    pub(super) plan: Arc<CompiledPlan>,
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
    pub(super) graceful_ns: u64,
    to_stamp: Vec<u32>,
    completions: Vec<Completion>,
    expired: Vec<u32>,
    wake_buf: Box<u64>,
    wake_armed: bool,
    second: u32,
    cpu_at_tick: u64,
    stopping: bool,
    stopped_by_user: Option<u64>,
    graceful_deadline: u64,
    aborted: bool,
}

impl Worker {
    /// Assembles a worker; `run` starts it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        index: usize,
        plan: Arc<CompiledPlan>,
        ring: Ring,
        vus: Vec<Vu>,
        scenarios: Vec<ScenarioRun>,
        snapshots: Sender<Snapshot>,
        spares: Receiver<Box<Frame>>,
        stop: Arc<StopSignal>,
        t0: u64,
    ) -> Self {
        let keys = plan.keys.len();
        let options = &plan.plan.options;
        Self {
            index,
            inflight: Inflight::new(vus.len()),
            frame: Box::new(Frame::new(keys)),
            send_window_ns: options.send_window_us * 1_000,
            graceful_ns: crate::plan::compile::ns(options.graceful_stop_s),
            plan,
            ring,
            vus,
            scenarios,
            snapshots,
            spares,
            stop,
            t0,
            to_stamp: Vec::new(),
            completions: Vec::new(),
            expired: Vec::new(),
            wake_buf: Box::new(0),
            wake_armed: false,
            second: 0,
            cpu_at_tick: crate::clock::thread_cpu_ns(),
            stopping: false,
            stopped_by_user: None,
            graceful_deadline: u64::MAX,
            aborted: false,
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
        let load_end = self.stopped_by_user.map_or(load_end, |t| t.min(load_end));
        let report = result.map(|()| WorkerReport {
            load_end_ns: load_end,
            ring_mode: self.ring.mode().name(),
        });
        let mut frame = std::mem::replace(&mut self.frame, Box::new(Frame::new(0)));
        frame.generator.busy_ns = crate::clock::thread_cpu_ns() - self.cpu_at_tick;
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
        let mut turn_start = now_ns();
        loop {
            let now = turn_start;
            let offset = RealtimeOffset::sample();
            self.reap(now, offset);
            self.expire(now, offset);
            self.check_stop(now, offset);
            if !self.stopping {
                self.start_due(now, offset);
            }
            let in_flight = self.inflight.len() as u64;
            let generator = &mut self.frame.generator;
            generator.max_in_flight = generator.max_in_flight.max(in_flight);
            self.tick(now);
            if self.stopping && self.idle() {
                return Ok(());
            }
            let submit = now_ns();
            self.stamp_sends(submit);
            let (want, deadline) = self.wait_plan(submit);
            self.ring
                .submit_and_wait(want, Some(deadline), submit)
                .map_err(|e| format!("io_uring wait failed: {e}"))?;
            turn_start = now_ns();
        }
    }

    /// After a fatal error: cancel every operation and wait (bounded) for them, so that no kernel
    /// operation outlives the buffers it points to.
    fn cancel_everything(&mut self) {
        for vu in &self.vus {
            if vu.phase != Phase::Idle && vu.conn.is_open() {
                self.ring.cancel_fd(vu.conn.fd);
            }
        }
        let deadline = now_ns() + SECOND;
        while now_ns() < deadline && self.vus.iter().any(|v| v.phase != Phase::Idle) {
            let now = now_ns();
            if self
                .ring
                .submit_and_wait(1, Some(now + 10_000_000), now)
                .is_err()
            {
                break;
            }
            self.aborted = true;
            self.reap(now_ns(), RealtimeOffset::sample());
        }
    }

    fn idle(&self) -> bool {
        self.inflight.is_empty() && self.vus.iter().all(|v| v.phase == Phase::Idle)
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

    fn io(
        &mut self,
        now: u64,
        offset: RealtimeOffset,
    ) -> (Io<'_>, &mut Vec<Vu>, &mut Vec<ScenarioRun>) {
        let io = Io {
            ring: &mut self.ring,
            frame: &mut self.frame,
            plan: &self.plan,
            inflight: &mut self.inflight,
            to_stamp: &mut self.to_stamp,
            now_ns: now,
            offset,
            stopping: self.aborted,
        };
        (io, &mut self.vus, &mut self.scenarios)
    }

    /// Handles every ready completion.
    fn reap(&mut self, now: u64, offset: RealtimeOffset) {
        self.ring.drain(&mut self.completions);
        let completions = std::mem::take(&mut self.completions);
        let stopping = self.stopping;
        for c in &completions {
            if c.user_data == WAKE {
                self.wake_armed = false;
                continue;
            }
            if c.user_data == 0 {
                continue; // a cancellation that found nothing to cancel
            }
            let (slot, generation, op) = split_user_data(c.user_data);
            let (mut io, vus, scenarios) = self.io(now, offset);
            let vu = &mut vus[slot as usize];
            if generation != vu.generation & 0x00FF_FFFF || vu.phase == Phase::Idle {
                continue; // from a connection already given up
            }
            let scenario = &mut scenarios[vu.scenario];
            let request = interpreter::current_request(vu, &scenario.journey);
            let outcome = match op {
                x if x == Op::Connect as u8 => exchange::on_connect(vu, c.result, request, &mut io),
                x if x == Op::Recv as u8 => exchange::on_recv(vu, c.result, request, &mut io),
                _ => {
                    exchange::on_send_error(vu, c.result);
                    Outcome::Pending
                }
            };
            if outcome == Outcome::Pending {
                continue;
            }
            let closed = scenario.closed_model();
            let walk = interpreter::resume(vu, &scenario.journey, outcome, closed, &mut io);
            if walk != Walk::InFlight {
                iteration_over(vu, scenario, &mut io, walk == Walk::Interrupted || stopping);
            }
        }
        self.completions = completions;
    }

    fn expire(&mut self, now: u64, offset: RealtimeOffset) {
        let mut expired = std::mem::take(&mut self.expired);
        self.inflight.expire(now, &mut expired);
        let (mut io, vus, _) = self.io(now, offset);
        for &slot in &expired {
            exchange::on_deadline(&mut vus[slot as usize], &mut io);
        }
        self.expired = expired;
    }

    fn check_stop(&mut self, now: u64, offset: RealtimeOffset) {
        let level = self.stop.level();
        if level > StopLevel::Run && !self.wake_armed && level < StopLevel::Abort {
            // Stay wakeable for a later, harder stop.
            self.arm_wake();
        }
        if !self.stopping {
            let user = level >= StopLevel::Graceful;
            if user || self.scenarios.iter().all(|s| s.schedule_finished(now)) {
                self.stopping = true;
                self.graceful_deadline = now.saturating_add(self.graceful_ns);
                if user {
                    self.stopped_by_user = Some(now);
                }
                for s in &mut self.scenarios {
                    s.load_end_ns
                        .get_or_insert(now.min(s.designed_end_ns().max(self.t0)));
                }
            }
        }
        if self.stopping
            && !self.aborted
            && (level == StopLevel::Abort || now >= self.graceful_deadline)
        {
            self.aborted = true;
            let (mut io, vus, _) = self.io(now, offset);
            for vu in vus.iter_mut() {
                exchange::abort(vu, &mut io);
            }
        }
    }

    /// Starts every iteration that is due (within the send window).
    fn start_due(&mut self, now: u64, offset: RealtimeOffset) {
        let window = self.send_window_ns;
        let (mut io, vus, scenarios) = self.io(now, offset);
        for scenario in scenarios.iter_mut() {
            match &mut scenario.schedule {
                Schedule::Closed(_) if !scenario.launched && now >= scenario.start_ns => {
                    scenario.launched = true;
                    for slot in scenario.first_slot..scenario.first_slot + scenario.slots {
                        let vu = &mut vus[slot as usize];
                        let Schedule::Closed(c) = &mut scenario.schedule else {
                            unreachable!()
                        };
                        if !c.take_iteration(now) {
                            break;
                        }
                        scenario.active += 1;
                        if interpreter::start_iteration(vu, &scenario.journey, now, true, &mut io)
                            != Walk::InFlight
                        {
                            scenario.restart.push(vu.slot);
                        }
                    }
                }
                Schedule::Closed(_) => {
                    for slot in std::mem::take(&mut scenario.restart) {
                        iteration_over(&mut vus[slot as usize], scenario, &mut io, false);
                    }
                }
                Schedule::Arrivals(_) => start_arrivals(scenario, vus, now, window, &mut io),
            }
        }
    }

    fn tick(&mut self, now: u64) {
        while now >= self.t0 + u64::from(self.second + 1) * SECOND {
            let spare = self
                .spares
                .try_recv()
                .unwrap_or_else(|_| Box::new(Frame::new(self.plan.keys.len())));
            let mut full = std::mem::replace(&mut self.frame, spare);
            self.frame.reset();
            let cpu = crate::clock::thread_cpu_ns();
            full.generator.busy_ns = cpu - self.cpu_at_tick;
            self.cpu_at_tick = cpu;
            full.generator.wall_ns = SECOND;
            full.generator.active_vus = self.scenarios.iter().map(|s| u64::from(s.active)).sum();
            let _ = self.snapshots.send(Snapshot::Second {
                worker: self.index,
                second: self.second,
                frame: full,
            });
            self.second += 1;
        }
    }

    /// Stamps the send time of every request queued this turn, just before they go to the kernel.
    fn stamp_sends(&mut self, submit: u64) {
        for &slot in &self.to_stamp {
            let vu = &mut self.vus[slot as usize];
            vu.x.sent_ns = submit;
            let open = !self.scenarios[vu.scenario].closed_model();
            if vu.x.retried || vu.x.delayed || !open {
                continue;
            }
            let lag = &mut self.frame.generator;
            if submit >= vu.x.intended_ns {
                lag.send_lag.record_ns(submit - vu.x.intended_ns);
            } else {
                lag.sent_early += 1;
                lag.send_lag.record_ns(0);
            }
        }
        self.to_stamp.clear();
    }

    /// How many completions to wait for, and until when.
    fn wait_plan(&self, now: u64) -> (usize, u64) {
        let mut deadline = self.t0 + u64::from(self.second + 1) * SECOND;
        deadline = deadline.min(self.inflight.earliest());
        if self.stopping && !self.aborted {
            deadline = deadline.min(self.graceful_deadline);
        }
        let mut want = if self.inflight.urgent() > 0 {
            1
        } else {
            NO_EARLY_WAKE
        };
        if !self.stopping {
            for s in &self.scenarios {
                match &s.schedule {
                    Schedule::Closed(_) if !s.launched => deadline = deadline.min(s.start_ns),
                    Schedule::Closed(_) if !s.restart.is_empty() => {
                        deadline = deadline.min(now + 1_000_000)
                    }
                    Schedule::Closed(c) if c.end_ns() > now => deadline = deadline.min(c.end_ns()),
                    Schedule::Closed(_) => {}
                    Schedule::Arrivals(_) if s.blocked => want = 1,
                    Schedule::Arrivals(a) => {
                        if let Some(due) = a.next_due() {
                            deadline = deadline.min(due);
                        }
                    }
                }
            }
        }
        if self.stopping && !self.idle() {
            want = 1;
        }
        (want, deadline)
    }
}

/// Starts the open-model arrivals that are due, on idle VUs.
fn start_arrivals(
    scenario: &mut ScenarioRun,
    vus: &mut [Vu],
    now: u64,
    window: u64,
    io: &mut Io<'_>,
) {
    let Schedule::Arrivals(arrivals) = &mut scenario.schedule else {
        return;
    };
    let policy = arrivals.policy();
    while let Some(due) = arrivals.next_due() {
        if due > now.saturating_add(window) {
            scenario.blocked = false;
            return;
        }
        let Some(slot) = scenario.idle.pop() else {
            match policy {
                Saturation::Drop if due <= now => {
                    arrivals.pop();
                    io.frame.generator.dropped_iterations += 1;
                    continue;
                }
                Saturation::Drop => return,
                Saturation::Queue => {
                    scenario.blocked = due <= now;
                    return;
                }
            }
        };
        arrivals.pop();
        let vu = &mut vus[slot as usize];
        let delayed = scenario.blocked && due < now;
        if delayed {
            io.frame.generator.delayed += 1;
        }
        scenario.active += 1;
        let walk = interpreter::start_iteration(vu, &scenario.journey, due, false, io);
        vu.x.delayed = delayed;
        if walk != Walk::InFlight {
            // Failed before any I/O: the VU is free again at once.
            scenario.active -= 1;
            scenario.idle.push(slot);
        }
    }
    scenario.blocked = false;
}

/// A VU finished an iteration: closed-model VUs go again at once, open-model ones become idle.
fn iteration_over(vu: &mut Vu, scenario: &mut ScenarioRun, io: &mut Io<'_>, stopping: bool) {
    let now = io.now_ns;
    let Schedule::Closed(c) = &mut scenario.schedule else {
        scenario.active -= 1;
        scenario.idle.push(vu.slot);
        return;
    };
    if !stopping && c.take_iteration(now) {
        if interpreter::start_iteration(vu, &scenario.journey, now, true, io) != Walk::InFlight {
            // Failed before any I/O (no sockets, say): go again next turn, not in a tight loop.
            scenario.restart.push(vu.slot);
        }
        return;
    }
    if scenario.active == 1 && c.finished(now) {
        let end = if now >= c.end_ns() { c.end_ns() } else { now };
        scenario.load_end_ns.get_or_insert(end);
    }
    scenario.active -= 1;
}
