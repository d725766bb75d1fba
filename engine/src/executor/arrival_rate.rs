//! Open-model executor (`constant_arrival_rate`): iterations start at computed intended times
//! `start + k / rate`, whatever the responses do (wrk2: time from intention, never from the clock).
//! This worker takes every `count`-th arrival of the global sequence.

use super::segment::Segment;
use crate::plan::Saturation;

/// This worker's share of an arrival-rate scenario.
#[derive(Debug, Clone)]
pub struct ArrivalRate {
    segment: Segment,
    start_ns: u64,
    period_ns: f64,
    end_ns: u64,
    max_arrivals: u64,
    local: u64,
    vus: u64,
    policy: Saturation,
}

impl ArrivalRate {
    /// `rate` iterations per `time_unit_s`, from `start_ns` for `duration_ns`, at most
    /// `max_iterations` in all, with `max_vus` VUs in all.
    #[allow(clippy::too_many_arguments)]
    pub fn constant(
        segment: Segment,
        rate: f64,
        time_unit_s: f64,
        start_ns: u64,
        duration_ns: u64,
        max_iterations: Option<u64>,
        max_vus: u64,
        policy: Saturation,
    ) -> Self {
        let period_ns = time_unit_s * 1e9 / rate;
        // Arrivals strictly inside the duration: k * period < duration.
        let in_duration = (duration_ns as f64 / period_ns).ceil() as u64;
        let max_arrivals = max_iterations.map_or(in_duration, |m| m.min(in_duration));
        Self {
            segment,
            start_ns,
            period_ns,
            end_ns: start_ns.saturating_add(duration_ns),
            max_arrivals,
            local: 0,
            vus: segment.share(max_vus),
            policy,
        }
    }

    /// VUs this worker may use (the in-flight bound).
    pub fn vus(&self) -> u64 {
        self.vus
    }

    /// What to do when an arrival finds no free VU.
    pub fn policy(&self) -> Saturation {
        self.policy
    }

    /// When the scenario stops starting iterations.
    pub fn end_ns(&self) -> u64 {
        self.end_ns
    }

    /// When the arrivals end by design: the duration, or the iteration cap if that comes first.
    pub fn load_end_ns(&self) -> u64 {
        let by_count = self.start_ns + (self.max_arrivals as f64 * self.period_ns) as u64;
        by_count.min(self.end_ns)
    }

    /// Intended start of the next arrival, if any remain.
    pub fn next_due(&self) -> Option<u64> {
        let k = self.segment.arrival(self.local);
        (k < self.max_arrivals).then(|| self.start_ns + (k as f64 * self.period_ns) as u64)
    }

    /// Takes the next arrival (its intended start), if any remain.
    pub fn pop(&mut self) -> Option<u64> {
        let due = self.next_due()?;
        self.local += 1;
        Some(due)
    }

    /// Arrivals still to come for this worker.
    pub fn remaining(&self) -> u64 {
        if self.segment.arrival(self.local) >= self.max_arrivals {
            return 0;
        }
        // This worker's arrivals are k = local * count + index < max_arrivals.
        (self.max_arrivals - 1 - self.segment.index) / self.segment.count + 1 - self.local
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intended_times_are_computed_and_split() {
        let mk = |i| {
            ArrivalRate::constant(
                Segment::new(i, 2),
                1000.0,
                1.0,
                5_000,
                10_000_000,
                None,
                8,
                Saturation::Queue,
            )
        };
        let (mut a, mut b) = (mk(0), mk(1));
        assert_eq!(a.remaining() + b.remaining(), 10);
        assert_eq!(a.pop(), Some(5_000));
        assert_eq!(b.pop(), Some(5_000 + 1_000_000));
        assert_eq!(a.pop(), Some(5_000 + 2_000_000));
        let rest: Vec<u64> = std::iter::from_fn(|| a.pop()).collect();
        assert_eq!(rest.len(), 3);
        assert_eq!(a.next_due(), None);
        assert_eq!((a.vus(), b.vus()), (4, 4));
    }

    #[test]
    fn max_iterations_caps_arrivals() {
        let mut a = ArrivalRate::constant(
            Segment::WHOLE,
            10.0,
            1.0,
            0,
            60_000_000_000,
            Some(7),
            1,
            Saturation::Drop,
        );
        assert_eq!(a.remaining(), 7);
        assert_eq!(std::iter::from_fn(|| a.pop()).count(), 7);
    }
}
