//! Open-model executors (`constant_arrival_rate`, `ramping_arrival_rate`): iterations start at
//! computed intended times, whatever the responses do (wrk2: time from intention, never from the
//! clock). The k-th arrival is due where the integral of the rate reaches k; this worker takes
//! every `count`-th arrival of that global sequence.

use super::segment::Segment;
use super::stages::Ramp;
use crate::plan::Saturation;

/// This worker's share of an arrival-rate scenario.
#[derive(Debug, Clone)]
pub struct ArrivalRate {
    segment: Segment,
    ramp: Ramp,
    max_arrivals: u64,
    local: u64,
    vus: u64,
    policy: Saturation,
}

impl ArrivalRate {
    /// Arrivals following `ramp` (rates per second), at most `max_iterations` in all, with
    /// `max_vus` VUs in all.
    pub fn new(
        segment: Segment,
        ramp: Ramp,
        max_iterations: Option<u64>,
        max_vus: u64,
        policy: Saturation,
    ) -> Self {
        // Arrivals strictly inside the curve: k < total.
        let in_curve = (ramp.total() - 1e-9).ceil().max(0.0) as u64;
        let max_arrivals = max_iterations.map_or(in_curve, |m| m.min(in_curve));
        Self {
            segment,
            ramp,
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

    /// When the scenario stops starting iterations by design: the end of the curve, or the
    /// iteration cap if that comes first.
    pub fn end_ns(&self) -> u64 {
        let by_count = self.ramp.arrival(self.max_arrivals).unwrap_or(u64::MAX);
        by_count.min(self.ramp.end_ns())
    }

    /// Intended start of the next arrival, if any remain.
    pub fn next_due(&self) -> Option<u64> {
        let k = self.segment.arrival(self.local);
        if k >= self.max_arrivals {
            return None;
        }
        self.ramp.arrival(k)
    }

    /// Takes the next arrival (its intended start), if any remain.
    pub fn pop(&mut self) -> Option<u64> {
        let due = self.next_due()?;
        self.local += 1;
        Some(due)
    }

    /// Arrivals still to come for this worker.
    #[cfg(test)]
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
    use crate::plan::Stage;

    fn constant(rate: f64, start: u64, duration_s: f64) -> Ramp {
        Ramp::new(
            start,
            rate,
            &[Stage {
                duration_s,
                target: rate,
            }],
            1.0,
        )
    }

    #[test]
    fn intended_times_are_computed_and_split() {
        let mk = |i| {
            ArrivalRate::new(
                Segment::new(i, 2),
                constant(1000.0, 5_000, 0.01),
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
        let mut a = ArrivalRate::new(
            Segment::WHOLE,
            constant(10.0, 0, 60.0),
            Some(7),
            1,
            Saturation::Drop,
        );
        assert_eq!(a.remaining(), 7);
        assert_eq!(a.end_ns(), 700_000_000);
        assert_eq!(std::iter::from_fn(|| a.pop()).count(), 7);
    }

    #[test]
    fn ramping_rate_arrivals() {
        let ramp = Ramp::new(
            0,
            0.0,
            &[
                Stage {
                    duration_s: 10.0,
                    target: 100.0,
                },
                Stage {
                    duration_s: 10.0,
                    target: 100.0,
                },
            ],
            1.0,
        );
        let mut a = ArrivalRate::new(Segment::WHOLE, ramp, None, 10, Saturation::Drop);
        assert_eq!(a.remaining(), 1500);
        let times: Vec<u64> = std::iter::from_fn(|| a.pop()).collect();
        let in_first_half = times.iter().filter(|&&t| t < 10_000_000_000).count();
        assert_eq!(in_first_half, 500);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }
}
