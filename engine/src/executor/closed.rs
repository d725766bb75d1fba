//! Closed-model executors (`constant_vus`, `shared_iterations`): a fixed number of VUs, each
//! starting its next iteration as soon as the previous one ends, until a deadline or until the
//! iterations run out.

use super::segment::Segment;

/// This worker's share of a closed-model scenario.
#[derive(Debug, Clone)]
pub struct ClosedLoop {
    vus: u64,
    end_ns: u64,
    iterations_left: Option<u64>,
}

impl ClosedLoop {
    /// `constant_vus`: `vus` VUs looping from `start_ns` for `duration_ns`.
    pub fn constant(segment: Segment, vus: u64, start_ns: u64, duration_ns: u64) -> Self {
        Self {
            vus: segment.share(vus),
            end_ns: start_ns.saturating_add(duration_ns),
            iterations_left: None,
        }
    }

    /// `shared_iterations`: `vus` VUs sharing `iterations`, for at most `max_duration_ns`.
    pub fn shared(
        segment: Segment,
        vus: u64,
        iterations: u64,
        start_ns: u64,
        max_duration_ns: u64,
    ) -> Self {
        Self {
            vus: segment.share(vus),
            end_ns: start_ns.saturating_add(max_duration_ns),
            iterations_left: Some(segment.share_weighted(iterations, vus)),
        }
    }

    /// A share with nothing to do (this worker takes no part in the scenario).
    pub fn idle(start_ns: u64) -> Self {
        Self {
            vus: 0,
            end_ns: start_ns,
            iterations_left: Some(0),
        }
    }

    /// VUs this worker runs.
    pub fn vus(&self) -> u64 {
        self.vus
    }

    /// When the scenario stops starting iterations.
    pub fn end_ns(&self) -> u64 {
        self.end_ns
    }

    /// A VU asks to start an iteration at `now`; true when it may.
    pub fn take_iteration(&mut self, now_ns: u64) -> bool {
        if now_ns >= self.end_ns {
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

    /// Whether no iteration can start any more.
    pub fn finished(&self, now_ns: u64) -> bool {
        now_ns >= self.end_ns || self.iterations_left == Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_iterations_run_out() {
        let mut c = ClosedLoop::shared(Segment::new(1, 2), 3, 5, 0, 1_000);
        assert_eq!(c.vus(), 2);
        let taken = (0..10).filter(|_| c.take_iteration(10)).count();
        assert_eq!(
            taken, 4,
            "iterations follow the VU share: 2 of 3 VUs take 4 of 5 (rounded)"
        );
        assert!(c.finished(10));
    }

    #[test]
    fn constant_vus_stop_at_the_deadline() {
        let mut c = ClosedLoop::constant(Segment::WHOLE, 4, 100, 50);
        assert!(c.take_iteration(100) && c.take_iteration(149));
        assert!(!c.take_iteration(150));
        assert!(c.finished(150));
    }
}
