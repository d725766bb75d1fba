//! The VUs with an operation in flight, and their deadlines (connect and request timeouts).
//!
//! Each VU has at most one deadline, so instead of a timer per request (whose cancelled entries
//! would pile up at high rates) the worker keeps this list and scans it only when the earliest
//! deadline may have passed. The list also counts "urgent" exchanges, whose completion the worker
//! must act on at once (a next step, a closed-loop iteration, a partly read response); for the
//! others the worker can sleep until its next send, because completion times come from kernel
//! receive timestamps, not from when the worker looks.

const NONE: u32 = u32::MAX;

/// In-flight VU slots with deadlines, indexed by slot.
#[derive(Debug, Default)]
pub struct Inflight {
    list: Vec<u32>,
    pos: Vec<u32>,
    deadline: Vec<u64>,
    is_urgent: Vec<bool>,
    urgent: u32,
    earliest: u64,
}

impl Inflight {
    /// An empty set for `slots` VUs.
    pub fn new(slots: usize) -> Self {
        Self {
            list: Vec::with_capacity(slots),
            pos: vec![NONE; slots],
            deadline: vec![u64::MAX; slots],
            is_urgent: vec![false; slots],
            urgent: 0,
            earliest: u64::MAX,
        }
    }

    /// Number of VUs in flight.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// In-flight exchanges the worker must react to at once.
    pub fn urgent(&self) -> u32 {
        self.urgent
    }

    /// The earliest deadline that may still be pending (may be early, never late).
    pub fn earliest(&self) -> u64 {
        self.earliest
    }

    /// Adds `slot` with a deadline, or updates it when already in flight.
    pub fn arm(&mut self, slot: u32, deadline_ns: u64, urgent: bool) {
        let s = slot as usize;
        if self.pos[s] == NONE {
            self.pos[s] = self.list.len() as u32;
            self.list.push(slot);
        }
        self.deadline[s] = deadline_ns;
        self.set_urgent(slot, urgent);
        self.earliest = self.earliest.min(deadline_ns);
    }

    /// Marks whether `slot`'s completion needs immediate action.
    pub fn set_urgent(&mut self, slot: u32, urgent: bool) {
        let s = slot as usize;
        if self.is_urgent[s] != urgent {
            self.is_urgent[s] = urgent;
            if urgent {
                self.urgent += 1;
            } else {
                self.urgent -= 1;
            }
        }
    }

    /// Removes `slot` (no-op when not in flight).
    pub fn disarm(&mut self, slot: u32) {
        let s = slot as usize;
        let at = self.pos[s];
        if at == NONE {
            return;
        }
        self.set_urgent(slot, false);
        self.list.swap_remove(at as usize);
        if let Some(&moved) = self.list.get(at as usize) {
            self.pos[moved as usize] = at;
        }
        self.pos[s] = NONE;
        self.deadline[s] = u64::MAX;
    }

    /// Removes and returns (in `out`) the slots whose deadline is ≤ `now`; recomputes the earliest.
    pub fn expire(&mut self, now_ns: u64, out: &mut Vec<u32>) {
        out.clear();
        if now_ns < self.earliest {
            return;
        }
        out.extend(
            self.list
                .iter()
                .copied()
                .filter(|&s| self.deadline[s as usize] <= now_ns),
        );
        for &slot in out.iter() {
            self.disarm(slot);
        }
        self.earliest = self
            .list
            .iter()
            .map(|&s| self.deadline[s as usize])
            .min()
            .unwrap_or(u64::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_disarm_expire() {
        let mut f = Inflight::new(8);
        f.arm(1, 100, true);
        f.arm(2, 50, false);
        f.arm(3, 200, true);
        assert_eq!((f.len(), f.urgent(), f.earliest()), (3, 2, 50));
        f.disarm(1);
        assert_eq!((f.len(), f.urgent()), (2, 1));
        let mut out = Vec::new();
        f.expire(40, &mut out);
        assert!(out.is_empty());
        f.expire(60, &mut out);
        assert_eq!(out, vec![2]);
        assert_eq!((f.len(), f.earliest()), (1, 200));
        f.arm(3, 300, false);
        assert_eq!((f.len(), f.urgent()), (1, 0));
        f.disarm(3);
        f.disarm(3);
        assert_eq!(f.len(), 0);
    }
}
