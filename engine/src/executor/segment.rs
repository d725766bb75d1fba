//! How load is divided between workers (and, later, hosts): worker `index` of `count` takes an
//! exact integer share of VUs and iterations, and every `count`-th arrival of a rate, offset by
//! its index, so that the union of all shares is exactly the whole (k6's execution segments,
//! reduced to equal parts).

/// One worker's part of the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// This part's index, `0..count`.
    pub index: u64,
    /// Number of parts.
    pub count: u64,
}

impl Segment {
    /// The whole load, undivided.
    pub const WHOLE: Segment = Segment { index: 0, count: 1 };

    /// Part `index` of `count`.
    pub fn new(index: u64, count: u64) -> Self {
        assert!(count > 0 && index < count, "segment {index} of {count}");
        Self { index, count }
    }

    /// This part's share of `total` indivisible units (VUs, iterations); shares sum to `total`.
    pub fn share(&self, total: u64) -> u64 {
        let total = u128::from(total);
        let (i, n) = (u128::from(self.index), u128::from(self.count));
        (total * (i + 1) / n - total * i / n) as u64
    }

    /// This part's share of `total`, in proportion to its share of `weight` (e.g. iterations in
    /// proportion to VUs, so that every VU has about the same number to run). Shares sum to
    /// `total`.
    pub fn share_weighted(&self, total: u64, weight: u64) -> u64 {
        if weight == 0 {
            return self.share(total);
        }
        let (t, w) = (u128::from(total), u128::from(weight));
        let (i, n) = (u128::from(self.index), u128::from(self.count));
        let upto = |k: u128| t * (w * k / n) / w;
        (upto(i + 1) - upto(i)) as u64
    }

    /// The parts that take part in something of `units` indivisible units (VUs): at most one per
    /// unit. `None` when this part has none.
    pub fn among(&self, units: u64) -> Option<Segment> {
        let parts = self.count.min(units.max(1));
        (self.index < parts).then(|| Segment::new(self.index, parts))
    }

    /// The global index of this part's `local`-th arrival.
    pub fn arrival(&self, local: u64) -> u64 {
        local * self.count + self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn shares_sum_to_the_whole(total in 0u64..1_000_000, count in 1u64..64) {
            let sum: u64 = (0..count).map(|i| Segment::new(i, count).share(total)).sum();
            prop_assert_eq!(sum, total);
            let max = (0..count).map(|i| Segment::new(i, count).share(total)).max().unwrap();
            let min = (0..count).map(|i| Segment::new(i, count).share(total)).min().unwrap();
            prop_assert!(max - min <= 1);
        }

        #[test]
        fn weighted_shares_sum_to_the_whole(total in 0u64..100_000, weight in 1u64..1000, count in 1u64..16) {
            let sum: u64 = (0..count).map(|i| Segment::new(i, count).share_weighted(total, weight)).sum();
            prop_assert_eq!(sum, total);
            for i in 0..count {
                let seg = Segment::new(i, count);
                if seg.share(weight) == 0 {
                    prop_assert_eq!(seg.share_weighted(total, weight), 0);
                }
            }
        }

        #[test]
        fn among_gives_every_part_a_unit(units in 1u64..10, count in 1u64..10) {
            let parts: Vec<Segment> = (0..count).filter_map(|i| Segment::new(i, count).among(units)).collect();
            prop_assert_eq!(parts.len() as u64, units.min(count));
            for p in parts {
                prop_assert!(p.share(units) >= 1);
            }
        }

        #[test]
        fn arrivals_partition_the_sequence(count in 1u64..16, upto in 0u64..500) {
            let mut seen: Vec<u64> = (0..count)
                .flat_map(|i| (0..upto).map(move |l| Segment::new(i, count).arrival(l)))
                .filter(|&k| k < upto)
                .collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..upto).collect::<Vec<_>>());
        }
    }
}
