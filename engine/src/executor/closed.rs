//! Closed-model executors (`constant_vus`, `ramping_vus`, `per_vu_iterations`,
//! `shared_iterations`): a set of VUs, each starting its next iteration as soon as the previous
//! one ends, until a deadline or until the iterations run out. For `ramping_vus` the number of VUs
//! follows the stages.

use super::segment::Segment;
use super::stages::Ramp;

/// This worker's share of a closed-model scenario.
#[derive(Debug, Clone)]
pub struct ClosedLoop {
    segment: Segment,
    vus: u64,
    end_ns: u64,
    ramp: Option<Ramp>,
    per_vu: Option<u64>,
    iterations_left: Option<u64>,
    graceful_ramp_down_ns: u64,
}

impl ClosedLoop {
    /// `constant_vus`: `vus` VUs looping from `start_ns` for `duration_ns`.
    pub fn constant(segment: Segment, vus: u64, start_ns: u64, duration_ns: u64) -> Self {
        Self::plain(segment, vus, start_ns.saturating_add(duration_ns))
    }

    /// `shared_iterations`: `vus` VUs sharing `iterations`, for at most `max_duration_ns`.
    pub fn shared(
        segment: Segment,
        vus: u64,
        iterations: u64,
        start_ns: u64,
        max_duration_ns: u64,
    ) -> Self {
        let mut c = Self::plain(segment, vus, start_ns.saturating_add(max_duration_ns));
        c.iterations_left = Some(segment.share_weighted(iterations, vus));
        c
    }

    /// `per_vu_iterations`: each of `vus` VUs runs `iterations`, for at most `max_duration_ns`.
    pub fn per_vu(
        segment: Segment,
        vus: u64,
        iterations: u64,
        start_ns: u64,
        max_duration_ns: u64,
    ) -> Self {
        let mut c = Self::plain(segment, vus, start_ns.saturating_add(max_duration_ns));
        c.per_vu = Some(iterations);
        c
    }

    /// `ramping_vus`: the number of VUs follows `ramp` (global numbers; this worker takes its share).
    pub fn ramping(segment: Segment, max_vus: u64, ramp: Ramp, graceful_ramp_down_ns: u64) -> Self {
        let mut c = Self::plain(segment, max_vus, ramp.end_ns());
        c.ramp = Some(ramp);
        c.graceful_ramp_down_ns = graceful_ramp_down_ns;
        c
    }

    fn plain(segment: Segment, vus: u64, end_ns: u64) -> Self {
        Self {
            segment,
            vus: segment.share(vus),
            end_ns,
            ramp: None,
            per_vu: None,
            iterations_left: None,
            graceful_ramp_down_ns: 0,
        }
    }

    /// A share with nothing to do (this worker takes no part in the scenario).
    pub fn idle(start_ns: u64) -> Self {
        Self {
            segment: Segment::WHOLE,
            vus: 0,
            end_ns: start_ns,
            ramp: None,
            per_vu: None,
            iterations_left: Some(0),
            graceful_ramp_down_ns: 0,
        }
    }

    /// VU slots this worker needs (the most it will ever run).
    pub fn vus(&self) -> u64 {
        self.vus
    }

    /// How many VUs should be running at `now` (this worker's share).
    pub fn target(&self, now_ns: u64) -> u64 {
        if now_ns >= self.end_ns {
            return 0;
        }
        match &self.ramp {
            Some(r) => self.segment.share(r.whole(now_ns)).min(self.vus),
            None => self.vus,
        }
    }

    /// When the target may change next (ramps only).
    pub fn next_change(&self, now_ns: u64) -> Option<u64> {
        self.ramp.as_ref().and_then(|r| r.next_change(now_ns))
    }

    /// How long a VU removed by a ramp-down may finish its iteration, ns.
    pub fn graceful_ramp_down_ns(&self) -> u64 {
        self.graceful_ramp_down_ns
    }

    /// When the scenario stops starting iterations.
    pub fn end_ns(&self) -> u64 {
        self.end_ns
    }

    /// A VU that has run `done` iterations asks to start another at `now`; true when it may.
    pub fn take_iteration(&mut self, done: u64, now_ns: u64) -> bool {
        if now_ns >= self.end_ns || self.per_vu.is_some_and(|n| done >= n) {
            return false;
        }
        match &mut self.iterations_left {
            None => true,
            Some(0) => false,
            Some(n) => {
                *n -= 1;
                true
            }
        }
    }

    /// Whether no iteration can start any more (per-VU counts are judged by the VUs).
    pub fn finished(&self, now_ns: u64) -> bool {
        now_ns >= self.end_ns || self.iterations_left == Some(0) || self.vus == 0
    }

    /// Whether every VU stops on its own after a fixed number of iterations.
    pub fn per_vu_limit(&self) -> Option<u64> {
        self.per_vu
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Stage;

    #[test]
    fn shared_iterations_run_out() {
        let mut c = ClosedLoop::shared(Segment::new(1, 2), 3, 5, 0, 1_000);
        assert_eq!(c.vus(), 2);
        let taken = (0..10).filter(|_| c.take_iteration(0, 10)).count();
        assert_eq!(
            taken, 4,
            "iterations follow the VU share: 2 of 3 VUs take 4 of 5 (rounded)"
        );
        assert!(c.finished(10));
    }

    #[test]
    fn constant_vus_stop_at_the_deadline() {
        let mut c = ClosedLoop::constant(Segment::WHOLE, 4, 100, 50);
        assert!(c.take_iteration(0, 100) && c.take_iteration(7, 149));
        assert!(!c.take_iteration(0, 150));
        assert!(c.finished(150));
    }

    #[test]
    fn per_vu_iterations_count_each_vu() {
        let mut c = ClosedLoop::per_vu(Segment::WHOLE, 2, 3, 0, 1_000);
        assert!(c.take_iteration(2, 5));
        assert!(!c.take_iteration(3, 5));
        assert!(!c.finished(5));
    }

    #[test]
    fn ramping_targets_split_between_workers() {
        let stages = [Stage {
            duration_s: 10.0,
            target: 10.0,
        }];
        let mk =
            |i| ClosedLoop::ramping(Segment::new(i, 2), 10, Ramp::new(0, 0.0, &stages, 1.0), 0);
        let (a, b) = (mk(0), mk(1));
        for t in [0, 3_000_000_000, 7_500_000_000, 9_999_999_999] {
            let global = Ramp::new(0, 0.0, &stages, 1.0).whole(t);
            assert_eq!(a.target(t) + b.target(t), global);
        }
        assert_eq!(
            a.target(10_000_000_000),
            0,
            "after the last stage the scenario ends"
        );
    }
}
