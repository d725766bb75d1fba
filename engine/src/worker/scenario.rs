//! One scenario as seen by one worker: its schedule, its VU slots, and the rules for starting,
//! continuing and stopping iterations — closed-model VUs that loop (following a ramp), or
//! open-model arrivals handed to idle VUs.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::data::DataCursors;
use crate::executor::Schedule;
use crate::plan::{CompiledScenario, Saturation};
use crate::vu::interpreter::{self, Walk};
use crate::vu::{Phase, Vu, WorkerTurn};

/// Think-time wake-ups: (time, slot, stamp), earliest first.
pub type Timers = BinaryHeap<Reverse<(u64, u32, u32)>>;

/// A scenario's state inside a worker.
pub struct ScenarioRun {
    /// Index in the plan.
    pub index: usize,
    /// This worker's share of the executor.
    pub schedule: Schedule,
    /// First VU slot of this scenario.
    pub first_slot: u32,
    /// Number of VU slots.
    pub slots: u32,
    /// Open model: idle VU slots, most recently used last (warm connections first).
    pub idle: Vec<u32>,
    /// Closed model: VUs switched on (slots `first_slot..first_slot + running`).
    pub running: u32,
    /// Open model, queue policy: an arrival is due but no VU is free.
    pub blocked: bool,
    /// VUs currently in an iteration.
    pub active: u32,
    /// Most VUs active at once since the last second boundary.
    pub peak: u32,
    /// When this scenario stopped starting iterations, once it has.
    pub load_end_ns: Option<u64>,
    /// Start, ns.
    pub start_ns: u64,
    /// Time running iterations get after the end, ns.
    pub graceful_stop_ns: u64,
    /// Closed model: VUs to start again next turn (an iteration ended without waiting).
    pub restart: Vec<u32>,
    /// Ramp-down: VUs above the target must be done by then.
    pub retire_deadline: Option<u64>,
    /// Set once the run cut this scenario's iterations.
    pub cut: bool,
    /// Set when the run is stopping: iterations may finish, none start.
    pub winding_down: bool,
    /// Closed model: VUs stopped for good (their own iterations done, or their data ran out).
    pub spent: u32,
}

impl ScenarioRun {
    /// A scenario whose VUs occupy slots `first_slot..first_slot + schedule.vus()`.
    pub fn new(
        index: usize,
        schedule: Schedule,
        first_slot: u32,
        start_ns: u64,
        graceful_stop_ns: u64,
    ) -> Self {
        let slots = schedule.vus() as u32;
        let idle = match schedule {
            // Reverse so that pop() hands out the lowest slot first.
            Schedule::Arrivals(_) => (first_slot..first_slot + slots).rev().collect(),
            Schedule::Closed(_) => Vec::new(),
        };
        Self {
            index,
            schedule,
            first_slot,
            slots,
            idle,
            running: 0,
            blocked: false,
            active: 0,
            peak: 0,
            load_end_ns: None,
            start_ns,
            graceful_stop_ns,
            restart: Vec::new(),
            retire_deadline: None,
            cut: false,
            winding_down: false,
            spent: 0,
        }
    }

    /// Whether VUs loop without pause (closed model).
    pub fn closed_model(&self) -> bool {
        matches!(self.schedule, Schedule::Closed(_))
    }

    /// Whether the schedule will start no more iterations after `now`.
    pub fn finished(&self, now: u64) -> bool {
        match &self.schedule {
            Schedule::Closed(c) => {
                now >= self.start_ns
                    && (c.finished(now)
                        || (self.running > 0 && self.spent >= self.running && self.active == 0))
            }
            Schedule::Arrivals(a) => a.next_due().is_none(),
        }
    }

    /// When iterations still running must be cut (end + graceful stop).
    pub fn cut_deadline(&self) -> u64 {
        self.schedule.end_ns().saturating_add(self.graceful_stop_ns)
    }

    /// Closed model: follow the executor's VU target at `now` (start, or retire VUs).
    pub fn follow_target(
        &mut self,
        vus: &mut [Vu],
        compiled: &CompiledScenario,
        w: &mut WorkerTurn<'_>,
        timers: &mut Timers,
        data: &mut DataCursors,
    ) {
        let Schedule::Closed(c) = &self.schedule else {
            return;
        };
        let now = w.turn.now_ns;
        if now < self.start_ns {
            return;
        }
        let target = c.target(now) as u32;
        let grace = c.graceful_ramp_down_ns();
        let end = c.end_ns();
        // A ramp-down retires VUs, which get the ramp-down grace to finish their iteration. At the
        // scenario's end the target is 0 too, but iterations still running get the graceful stop
        // (`cut_deadline`), as in k6: no VU retires then.
        if target < self.running && now < end {
            for slot in self.first_slot + target..self.first_slot + self.running {
                vus[slot as usize].retiring = true;
            }
            self.retire_deadline = Some(now.saturating_add(grace));
        }
        let from = self.running;
        self.running = target;
        for slot in self.first_slot + from.min(target)..self.first_slot + target {
            let vu = &mut vus[slot as usize];
            vu.retiring = false;
            if !vu.busy() && !self.restart.contains(&slot) {
                self.active += 1;
                self.peak = self.peak.max(self.active);
                self.next_closed(vu, compiled, w, timers, data);
            }
        }
        for slot in std::mem::take(&mut self.restart) {
            self.next_closed(&mut vus[slot as usize], compiled, w, timers, data);
        }
        if self.finished(now) && self.active == 0 {
            self.load_end_ns.get_or_insert(now.min(end));
        }
    }

    /// Open model: start every arrival that is due (within the send window) on an idle VU.
    pub fn start_arrivals(
        &mut self,
        vus: &mut [Vu],
        compiled: &CompiledScenario,
        window: u64,
        w: &mut WorkerTurn<'_>,
        timers: &mut Timers,
        data: &mut DataCursors,
    ) {
        let now = w.turn.now_ns;
        loop {
            let Schedule::Arrivals(arrivals) = &mut self.schedule else {
                return;
            };
            let Some(due) = arrivals.next_due() else {
                self.blocked = false;
                return;
            };
            if due > now.saturating_add(window) {
                self.blocked = false;
                return;
            }
            let Some(slot) = self.idle.pop() else {
                match arrivals.policy() {
                    Saturation::Drop if due <= now => {
                        arrivals.pop();
                        let frame = &mut *w.turn.frame;
                        frame.scenarios[self.index].scheduled += 1;
                        frame.scenarios[self.index].dropped_iterations += 1;
                        frame.generator.dropped_iterations += 1;
                        continue;
                    }
                    Saturation::Drop => return,
                    Saturation::Queue => {
                        self.blocked = due <= now;
                        return;
                    }
                }
            };
            arrivals.pop();
            w.turn.frame.scenarios[self.index].scheduled += 1;
            let vu = &mut vus[slot as usize];
            if !prepare(vu, w, data) {
                w.turn.frame.scenarios[self.index].data_exhausted += 1;
                self.idle.push(slot);
                continue;
            }
            let delayed = self.blocked && due < now;
            if delayed {
                w.turn.frame.generator.delayed += 1;
            }
            self.active += 1;
            self.peak = self.peak.max(self.active);
            let walk = interpreter::start_iteration(vu, compiled, due, false, w);
            if delayed {
                // Its send lag is the wait for a free VU, not the generator's.
                vu.session.mark_delayed();
            }
            self.settle(walk, vu, compiled, w, timers, data);
        }
    }

    /// Handles what an interpreter call returned for `vu`, starting further iterations as the
    /// executor allows.
    pub fn settle(
        &mut self,
        walk: Walk,
        vu: &mut Vu,
        compiled: &CompiledScenario,
        w: &mut WorkerTurn<'_>,
        timers: &mut Timers,
        data: &mut DataCursors,
    ) {
        match walk {
            Walk::InFlight => {}
            Walk::Sleep(t) => timers.push(Reverse((t, vu.slot, vu.wake_stamp))),
            Walk::Done | Walk::Aborted | Walk::Interrupted => match self.schedule {
                Schedule::Arrivals(_) => {
                    self.active -= 1;
                    self.idle.push(vu.slot);
                }
                Schedule::Closed(_)
                    if walk != Walk::Interrupted && !self.winding_down && !self.cut =>
                {
                    self.next_closed(vu, compiled, w, timers, data);
                }
                Schedule::Closed(_) => self.retire(vu, w.turn.now_ns),
            },
        }
    }

    /// Closed model: `vu` asks for its next iteration.
    fn next_closed(
        &mut self,
        vu: &mut Vu,
        compiled: &CompiledScenario,
        w: &mut WorkerTurn<'_>,
        timers: &mut Timers,
        data: &mut DataCursors,
    ) {
        let Schedule::Closed(c) = &mut self.schedule else {
            return;
        };
        let now = w.turn.now_ns;
        let on = vu.slot < self.first_slot + self.running && !vu.retiring;
        if self.winding_down || self.cut || !on || !c.take_iteration(vu.iterations, now) {
            if on && c.per_vu_limit().is_some_and(|n| vu.iterations >= n) {
                self.spent += 1;
            }
            self.retire(vu, now);
            return;
        }
        if !prepare(vu, w, data) {
            w.turn.frame.scenarios[self.index].data_exhausted += 1;
            vu.retiring = true;
            self.spent += 1;
            self.retire(vu, now);
            return;
        }
        match interpreter::start_iteration(vu, compiled, now, true, w) {
            Walk::InFlight => {}
            Walk::Sleep(t) => timers.push(Reverse((t, vu.slot, vu.wake_stamp))),
            // Ended without waiting for anything: go again next turn, not in a loop here, so an
            // iteration that needs no I/O cannot spin the worker.
            Walk::Done | Walk::Aborted => self.restart.push(vu.slot),
            Walk::Interrupted => self.retire(vu, now),
        }
    }

    fn retire(&mut self, vu: &mut Vu, now: u64) {
        vu.phase = Phase::Idle;
        self.active = self.active.saturating_sub(1);
        if let Schedule::Closed(c) = &self.schedule {
            if self.active == 0 && self.restart.is_empty() && self.finished(now) {
                self.load_end_ns.get_or_insert(now.min(c.end_ns()));
            }
        }
    }

    /// Cuts every iteration of this scenario still running: cancels exchanges, ends think times.
    pub fn cut(
        &mut self,
        vus: &mut [Vu],
        compiled: &CompiledScenario,
        w: &mut WorkerTurn<'_>,
        timers: &mut Timers,
        data: &mut DataCursors,
    ) {
        self.cut = true;
        self.cut_where(vus, compiled, w, timers, data, |_| true);
    }

    /// Ramp-down past its grace period: cut the retiring VUs still in an iteration.
    pub fn cut_retirees(
        &mut self,
        vus: &mut [Vu],
        compiled: &CompiledScenario,
        w: &mut WorkerTurn<'_>,
        timers: &mut Timers,
        data: &mut DataCursors,
    ) {
        self.retire_deadline = None;
        self.cut_where(vus, compiled, w, timers, data, |vu| vu.retiring);
    }

    /// Cuts the iterations of this scenario's VUs that `which` selects.
    fn cut_where(
        &mut self,
        vus: &mut [Vu],
        compiled: &CompiledScenario,
        w: &mut WorkerTurn<'_>,
        timers: &mut Timers,
        data: &mut DataCursors,
        which: impl Fn(&Vu) -> bool,
    ) {
        for slot in self.first_slot..self.first_slot + self.slots {
            let vu = &mut vus[slot as usize];
            if !which(vu) {
                continue;
            }
            if let Some(walk) = interpreter::cut(vu, compiled, w) {
                self.settle(walk, vu, compiled, w, timers, data);
            }
        }
    }
}

/// Sets a VU up for an iteration: per-VU data on first use, then per-iteration data.
fn prepare(vu: &mut Vu, w: &WorkerTurn<'_>, data: &mut DataCursors) -> bool {
    if !vu.initialised {
        if !data.assign_vu(w.plan, vu) {
            return false;
        }
        vu.initialised = true;
    }
    data.assign_iteration(w.plan, vu)
}
