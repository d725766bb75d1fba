//! When the worker sleeps and what it records at the edges of its turns: the per-second snapshot,
//! the send stamps taken just before submitting, and how long and for what to wait.

use std::cmp::Reverse;

use super::event_loop::{Worker, NO_EARLY_WAKE, SECOND};
use crate::client::SendLag;
use crate::clock::thread_cpu_ns;
use crate::executor::Schedule;
use crate::metrics::{Frame, Snapshot};

impl Worker {
    pub(super) fn tick(&mut self, now: u64) {
        while now >= self.t0 + u64::from(self.second + 1) * SECOND {
            let spare = self
                .spares
                .try_recv()
                .unwrap_or_else(|_| Box::new(Frame::new(&self.layout)));
            let mut full = std::mem::replace(&mut self.frame, spare);
            self.frame.reset();
            let cpu = thread_cpu_ns();
            full.generator.busy_ns = cpu - self.cpu_at_tick;
            self.cpu_at_tick = cpu;
            full.generator.wall_ns = SECOND;
            for s in &mut self.scenarios {
                full.generator.active_vus += u64::from(s.active);
                let stats = &mut full.scenarios[s.index];
                stats.vus = u64::from(s.active);
                stats.peak_vus = u64::from(s.peak);
                s.peak = s.active;
                if let Schedule::Closed(c) = &s.schedule {
                    stats.target_vus = c.target(now);
                }
            }
            let _ = self.snapshots.send(Snapshot::Second {
                worker: self.index,
                second: self.second,
                frame: full,
            });
            self.second += 1;
            while let Ok((target, addrs)) = self.dns.try_recv() {
                self.client.update_addresses(target, addrs);
            }
        }
    }

    /// Stamps the send time of every request queued this turn: when it goes to the kernel, at the
    /// submit about to be made at `submit`, or earlier when a full queue forced one.
    pub(super) fn stamp_sends(&mut self, submit: u64) {
        self.client.take_queued_sends(&mut self.to_stamp);
        for &(slot, mark) in &self.to_stamp {
            let vu = &mut self.vus[slot as usize];
            let lag = vu.session.sent(self.ring.submitted_at(mark, submit));
            // In a closed model a VU sends when the previous response arrived: there is no
            // schedule to lag behind.
            if self.scenarios[vu.scenario].closed_model() {
                continue;
            }
            let g = &mut self.frame.generator;
            match lag {
                SendLag::Late(ns) => g.send_lag.record_ns(ns),
                SendLag::Early => {
                    g.sent_early += 1;
                    g.send_lag.record_ns(0);
                }
                SendLag::NotCounted => {}
            }
        }
    }

    /// How many completions to wait for, and until when.
    pub(super) fn wait_plan(&self, now: u64) -> (usize, u64) {
        let mut deadline = self.t0 + u64::from(self.second + 1) * SECOND;
        deadline = deadline.min(self.client.earliest_deadline());
        if let Some(Reverse((at, ..))) = self.timers.peek() {
            deadline = deadline.min(*at);
        }
        // A completion that hands a pooled connection to a waiting VU must wake the worker, or
        // the VU would wait for the next timer.
        let mut want = if self.client.wants_prompt_completions() {
            1
        } else {
            NO_EARLY_WAKE
        };
        for s in &self.scenarios {
            if s.cut {
                continue;
            }
            let cut_at = self
                .user_stop
                .map_or(s.cut_deadline(), |u| u.saturating_add(s.graceful_stop_ns));
            deadline = deadline.min(cut_at.max(now));
            if let Some(d) = s.retire_deadline {
                deadline = deadline.min(d.max(now));
            }
            if self.stopping() {
                continue;
            }
            match &s.schedule {
                Schedule::Closed(_) if now < s.start_ns => deadline = deadline.min(s.start_ns),
                Schedule::Closed(_) if !s.restart.is_empty() => deadline = now,
                Schedule::Closed(c) => {
                    if let Some(t) = c.next_change(now) {
                        deadline = deadline.min(t);
                    }
                    if c.end_ns() > now {
                        deadline = deadline.min(c.end_ns());
                    }
                }
                Schedule::Arrivals(_) if s.blocked => want = 1,
                Schedule::Arrivals(a) => {
                    if let Some(due) = a.next_due() {
                        deadline = deadline.min(due);
                    }
                }
            }
        }
        if self.stopping() && self.client.in_flight() > 0 {
            want = 1;
        }
        (want, deadline)
    }
}
