//! Stage arithmetic shared by the ramping executors: a piecewise-linear value over time (VUs, or an
//! arrival rate), the moments its integer part changes, and — for rates — when the k-th arrival is
//! due (the integral of the rate reaching k).

use crate::clock::seconds_to_ns as ns;
use crate::plan::Stage;

/// A piecewise-linear curve starting at `start_value`, time in ns from `start_ns`.
#[derive(Debug, Clone)]
pub struct Ramp {
    start_ns: u64,
    /// (segment start ns, length ns, from, to, arrivals before the segment).
    segments: Vec<(u64, u64, f64, f64, f64)>,
}

impl Ramp {
    /// Builds the curve. `scale` multiplies every value (e.g. 1 / time unit for rates).
    pub fn new(start_ns: u64, start_value: f64, stages: &[Stage], scale: f64) -> Self {
        let mut segments = Vec::with_capacity(stages.len());
        let (mut t, mut from, mut cum) = (start_ns, start_value * scale, 0.0);
        for s in stages {
            let len = ns(s.duration_s);
            let to = s.target * scale;
            segments.push((t, len, from, to, cum));
            cum += (from + to) / 2.0 * len as f64 / 1e9;
            t += len;
            from = to;
        }
        Self { start_ns, segments }
    }

    /// When the curve ends.
    pub fn end_ns(&self) -> u64 {
        self.segments
            .last()
            .map_or(self.start_ns, |&(t, len, ..)| t + len)
    }

    /// The value at `t` (the first stage's start value before it, the last target after it).
    pub fn value(&self, t: u64) -> f64 {
        for &(t0, len, from, to, _) in &self.segments {
            if t < t0 + len {
                if t <= t0 || len == 0 {
                    return from;
                }
                return from + (to - from) * (t - t0) as f64 / len as f64;
            }
        }
        self.segments.last().map_or(0.0, |s| s.3)
    }

    /// The integer part of the value at `t`.
    pub fn whole(&self, t: u64) -> u64 {
        (self.value(t) + 1e-9).floor().max(0.0) as u64
    }

    /// The next time after `now` at which `whole` may change (None: never again).
    pub fn next_change(&self, now: u64) -> Option<u64> {
        for &(t0, len, from, to, _) in &self.segments {
            let end = t0 + len;
            if now >= end || len == 0 {
                continue;
            }
            if now < t0 {
                return Some(t0);
            }
            if from == to {
                return Some(end);
            }
            let v = from + (to - from) * (now - t0) as f64 / len as f64;
            // `whole` is floor(v + 1e-9): rising, it steps up when v reaches m + 1 - 1e-9;
            // falling, it steps down as soon as v drops below m - 1e-9.
            let m = (v + 1e-9).floor();
            let next = if to > from { m + 1.0 - 1e-9 } else { m - 2e-9 };
            let frac = (next - from) / (to - from);
            if !(0.0..=1.0).contains(&frac) {
                return Some(end);
            }
            let t = t0 + (frac * len as f64).ceil() as u64;
            return Some(t.max(now + 1).min(end));
        }
        None
    }

    /// Total arrivals over the whole curve (for rates per second).
    pub fn total(&self) -> f64 {
        self.segments
            .last()
            .map_or(0.0, |&(_, len, from, to, cum)| {
                cum + (from + to) / 2.0 * len as f64 / 1e9
            })
    }

    /// When the `k`-th arrival (from 0) is due: where the integral of the rate reaches `k`.
    pub fn arrival(&self, k: u64) -> Option<u64> {
        let k = k as f64;
        for &(t0, len, from, to, cum) in &self.segments {
            let span = len as f64 / 1e9;
            let here = (from + to) / 2.0 * span;
            if k >= cum + here {
                continue;
            }
            let need = k - cum;
            let slope = (to - from) / span.max(f64::MIN_POSITIVE);
            let tau = if slope.abs() < 1e-12 {
                need / from.max(f64::MIN_POSITIVE)
            } else {
                // from·τ + slope·τ²/2 = need
                (-from + (from * from + 2.0 * slope * need).max(0.0).sqrt()) / slope
            };
            return Some(t0 + (tau.clamp(0.0, span) * 1e9) as u64);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages(list: &[(f64, f64)]) -> Vec<Stage> {
        list.iter()
            .map(|&(d, t)| Stage {
                duration_s: d,
                target: t,
            })
            .collect()
    }

    #[test]
    fn values_follow_the_stages() {
        let r = Ramp::new(
            0,
            0.0,
            &stages(&[(10.0, 10.0), (5.0, 10.0), (5.0, 0.0)]),
            1.0,
        );
        assert_eq!(r.end_ns(), 20_000_000_000);
        assert_eq!(r.whole(0), 0);
        assert_eq!(r.whole(5_000_000_000), 5);
        assert_eq!(r.whole(12_000_000_000), 10);
        assert_eq!(r.whole(17_500_000_000), 5);
        assert_eq!(r.whole(30_000_000_000), 0);
    }

    #[test]
    fn next_change_lands_where_the_integer_changes() {
        let r = Ramp::new(0, 0.0, &stages(&[(10.0, 10.0), (10.0, 0.0)]), 1.0);
        let mut t = 0;
        let mut seen = vec![r.whole(0)];
        while let Some(next) = r.next_change(t) {
            assert!(next > t);
            t = next;
            seen.push(r.whole(t));
        }
        seen.dedup();
        assert_eq!(
            seen,
            vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
        );
    }

    #[test]
    fn arrivals_integrate_the_rate() {
        // 0 → 100/s over 10 s: 500 arrivals, the k-th at sqrt(k / 5) s.
        let r = Ramp::new(0, 0.0, &stages(&[(10.0, 100.0)]), 1.0);
        assert!((r.total() - 500.0).abs() < 1e-9);
        let t = r.arrival(125).unwrap() as f64 / 1e9;
        assert!((t - 5.0).abs() < 1e-6, "{t}");
        assert_eq!(r.arrival(500), None);
        let constant = Ramp::new(0, 50.0, &stages(&[(2.0, 50.0)]), 1.0);
        assert_eq!(constant.arrival(1), Some(20_000_000));
        let mut last = 0;
        for k in 0..99 {
            let t = constant.arrival(k).unwrap();
            assert!(t >= last);
            last = t;
        }
    }
}
