//! One scenario as seen by one worker: its schedule, its VU slots, and which of them are idle.

use std::sync::Arc;

use crate::executor::Schedule;
use crate::plan::{CompiledJourney, Saturation};

/// A scenario's state inside a worker.
pub struct ScenarioRun {
    /// This worker's share of the executor.
    pub schedule: Schedule,
    /// The journey its VUs walk.
    pub journey: Arc<CompiledJourney>,
    /// First VU slot of this scenario.
    pub first_slot: u32,
    /// Number of VU slots.
    pub slots: u32,
    /// Idle VU slots (open model), most recently used last: reusing warm connections first.
    pub idle: Vec<u32>,
    /// Closed model: VUs have been launched.
    pub launched: bool,
    /// Open model, queue policy: an arrival is due but no VU is free.
    pub blocked: bool,
    /// VUs currently in an iteration.
    pub active: u32,
    /// When this scenario stopped starting iterations, once it has.
    pub load_end_ns: Option<u64>,
    /// Offset of the scenario start from the run start, ns.
    pub start_ns: u64,
    /// Closed model: VUs whose iteration failed before any I/O, to restart next turn (not in a
    /// tight loop within this one).
    pub restart: Vec<u32>,
}

impl ScenarioRun {
    /// A scenario whose VUs occupy slots `first_slot..first_slot + schedule.vus()`.
    pub fn new(
        schedule: Schedule,
        journey: Arc<CompiledJourney>,
        first_slot: u32,
        start_ns: u64,
    ) -> Self {
        let slots = schedule.vus() as u32;
        let idle = match schedule {
            // Reverse so that pop() hands out the lowest slot first.
            Schedule::Arrivals(_) => (first_slot..first_slot + slots).rev().collect(),
            Schedule::Closed(_) => Vec::new(),
        };
        Self {
            schedule,
            journey,
            first_slot,
            slots,
            idle,
            launched: false,
            blocked: false,
            active: 0,
            load_end_ns: None,
            start_ns,
            restart: Vec::new(),
        }
    }

    /// Whether VUs loop without pause (closed model).
    pub fn closed_model(&self) -> bool {
        matches!(self.schedule, Schedule::Closed(_))
    }

    /// Whether the schedule has no more iterations to start at `now`.
    pub fn schedule_finished(&self, now_ns: u64) -> bool {
        match &self.schedule {
            Schedule::Closed(c) => self.launched && c.finished(now_ns),
            Schedule::Arrivals(a) => a.next_due().is_none(),
        }
    }

    /// The queue policy's backlog: a due arrival waits for a VU.
    pub fn saturation(&self) -> Option<Saturation> {
        match &self.schedule {
            Schedule::Arrivals(a) => Some(a.policy()),
            Schedule::Closed(_) => None,
        }
    }

    /// When the load phase of this scenario ends by design (for achieved-rate accounting).
    pub fn designed_end_ns(&self) -> u64 {
        match &self.schedule {
            Schedule::Closed(c) => c.end_ns(),
            Schedule::Arrivals(a) => a.load_end_ns(),
        }
    }
}
