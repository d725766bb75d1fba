//! Test data inside a worker: which row a VU gets, per VU or per iteration, in order, at random or
//! each row once. Rows are shared read-only (they live in the plan); a worker only keeps cursors,
//! and takes every `count`-th row of the global sequence so that workers never hand out the same
//! `unique` row twice.

use crate::executor::Segment;
use crate::plan::{CompiledPlan, Exhausted, Order, Per};
use crate::vu::Vu;

/// Per-worker cursors over the plan's feeders.
#[derive(Debug, Clone)]
pub struct DataCursors {
    segment: Segment,
    drawn: Vec<u64>,
}

impl DataCursors {
    /// Cursors for worker `segment`.
    pub fn new(plan: &CompiledPlan, segment: Segment) -> Self {
        Self {
            segment,
            drawn: vec![0; plan.feeders.len()],
        }
    }

    /// Gives `vu` its per-VU rows. False when `unique` rows ran out and the VU must not start.
    pub fn assign_vu(&mut self, plan: &CompiledPlan, vu: &mut Vu) -> bool {
        for feeder in plan.feeders.iter().filter(|f| f.spec.per == Per::Vu) {
            let rows = &feeder.spec.rows;
            let n = rows.len() as u64;
            let index = match feeder.spec.order {
                Order::Random => vu.rng.u64(..n),
                Order::Sequential => (vu.id - 1) % n,
                Order::Unique => match (vu.id - 1 < n, feeder.spec.on_exhausted) {
                    (true, _) => vu.id - 1,
                    (false, Exhausted::Cycle) => (vu.id - 1) % n,
                    (false, Exhausted::Stop) => return false,
                },
            };
            set_row(vu, &feeder.slots, &rows[index as usize]);
        }
        true
    }

    /// Gives `vu` its per-iteration rows. False when `unique` rows ran out.
    pub fn assign_iteration(&mut self, plan: &CompiledPlan, vu: &mut Vu) -> bool {
        for (i, feeder) in plan.feeders.iter().enumerate() {
            if feeder.spec.per != Per::Iteration {
                continue;
            }
            let rows = &feeder.spec.rows;
            let n = rows.len() as u64;
            let index = match feeder.spec.order {
                Order::Random => vu.rng.u64(..n),
                Order::Sequential | Order::Unique => {
                    let global = self.segment.arrival(self.drawn[i]);
                    if global >= n
                        && feeder.spec.order == Order::Unique
                        && feeder.spec.on_exhausted == Exhausted::Stop
                    {
                        return false;
                    }
                    self.drawn[i] += 1;
                    global % n
                }
            };
            set_row(vu, &feeder.slots, &rows[index as usize]);
        }
        true
    }
}

fn set_row(vu: &mut Vu, slots: &[u16], row: &[String]) {
    for (&slot, value) in slots.iter().zip(row) {
        vu.vars.set(slot, value.as_bytes());
    }
}
