//! `Hist`: the one latency histogram type, a thin wrapper over `hdrhistogram`.
//!
//! Fixed bounds (1 µs to 1 hour, 3 significant digits: about 190 KiB each) so that any two
//! histograms can be merged losslessly, across seconds, workers and later hosts. Values are
//! recorded in microseconds; values above the top are clamped (and still counted), never dropped.
//! Serialised with HdrHistogram's standard V2+DEFLATE encoding in base64, which every other
//! HdrHistogram implementation reads.

use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Highest trackable value, in microseconds (one hour).
pub const HIGHEST_US: u64 = 3_600_000_000;
/// Significant decimal digits kept at every magnitude.
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// A latency histogram in microseconds.
#[derive(Clone, Debug)]
pub struct Hist(Histogram<u64>);

impl Default for Hist {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for Hist {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Hist {
    /// An empty histogram with the engine-wide bounds.
    pub fn new() -> Self {
        Self(
            Histogram::new_with_bounds(1, HIGHEST_US, SIGNIFICANT_DIGITS)
                .expect("constant bounds are valid"),
        )
    }

    /// An empty histogram with 2 significant digits (1 % resolution, about 26 KiB instead of 190):
    /// for diagnostic breakdowns such as request phases, where per-mille precision buys nothing.
    pub fn coarse() -> Self {
        Self(Histogram::new_with_bounds(1, HIGHEST_US, 2).expect("constant bounds are valid"))
    }

    /// Records a duration given in nanoseconds.
    #[inline]
    pub fn record_ns(&mut self, ns: u64) {
        self.record_us(ns / 1_000);
    }

    /// Records a value in microseconds, clamped to the trackable range.
    #[inline]
    pub fn record_us(&mut self, us: u64) {
        self.0.saturating_record(us.min(HIGHEST_US));
    }

    /// Adds every count of `other` (same bounds, so this cannot fail).
    pub fn merge(&mut self, other: &Hist) {
        self.0.add(&other.0).expect("histograms share bounds");
    }

    /// Clears all counts, keeping the allocation.
    pub fn reset(&mut self) {
        self.0.reset();
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The value at quantile `q` in [0, 1], in microseconds (0 when empty).
    pub fn quantile_us(&self, q: f64) -> u64 {
        if self.0.is_empty() {
            return 0;
        }
        self.0.value_at_quantile(q)
    }

    /// Number of recorded values at or below `us` (values equivalent to `us` at this precision
    /// included).
    pub fn count_at_or_below(&self, us: u64) -> u64 {
        if self.0.is_empty() {
            return 0;
        }
        self.0.count_between(0, us)
    }

    /// Removes every count of `other`, which must be a subset of `self` (a view recorded beside
    /// it): what is left is the rest of the view.
    pub fn subtract(&mut self, other: &Hist) {
        self.0
            .subtract(&other.0)
            .expect("a subset of this histogram's values");
    }

    /// The underlying hdrhistogram, for read-only use (iteration, percentile spectra).
    pub fn inner(&self) -> &Histogram<u64> {
        &self.0
    }

    /// Summary statistics in microseconds.
    pub fn summary(&self) -> HistSummary {
        let h = &self.0;
        let empty = h.is_empty();
        let q = |p: f64| if empty { 0 } else { h.value_at_quantile(p) };
        HistSummary {
            count: h.len(),
            min_us: if empty { 0 } else { h.min() },
            max_us: if empty { 0 } else { h.max() },
            mean_us: if empty { 0.0 } else { h.mean() },
            stdev_us: if empty { 0.0 } else { h.stdev() },
            p50_us: q(0.5),
            p90_us: q(0.9),
            p95_us: q(0.95),
            p99_us: q(0.99),
            p999_us: q(0.999),
        }
    }

    /// V2+DEFLATE encoding in standard base64 (HdrHistogram's interchange format).
    pub fn to_base64(&self) -> String {
        let mut bytes = Vec::new();
        V2DeflateSerializer::new()
            .serialize(&self.0, &mut bytes)
            .expect("serialising into a Vec cannot fail");
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// Decodes a base64 V2 (optionally DEFLATE-compressed) histogram.
    pub fn from_base64(text: &str) -> Result<Hist, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| format!("invalid base64: {e}"))?;
        let decoded: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| format!("invalid HdrHistogram encoding: {e:?}"))?;
        let mut hist = Hist::new();
        hist.0
            .add(&decoded)
            .map_err(|e| format!("histogram out of horde's bounds: {e:?}"))?;
        Ok(hist)
    }
}

/// Which statistics of a histogram are only lower bounds, because some of its values are: the
/// times of requests given up on at a timeout (`censored`, a subset of `all`), which would have
/// taken longer. A percentile is a lower bound when fewer uncensored values than its rank lie at
/// or below it (its true value could be any of the censored ones' unknown times); the mean and the
/// maximum whenever any value is censored (a censored time could be any length).
pub fn lower_bounds(all: &Hist, censored: &Hist) -> Vec<&'static str> {
    let n = all.count();
    if censored.count() == 0 || n == 0 {
        return Vec::new();
    }
    let mut out = vec!["mean"];
    for (name, q) in QUANTILES {
        if quantile_is_lower_bound(all, censored, q) {
            out.push(name);
        }
    }
    out.push("max");
    out
}

/// The quantiles a summary shows, by the name a `HistSummary` gives them.
pub const QUANTILES: [(&str, f64); 5] = [
    ("p50", 0.5),
    ("p90", 0.9),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p999", 0.999),
];

/// Whether the value of `all` at quantile `q` is only a lower bound (see [`lower_bounds`]).
pub fn quantile_is_lower_bound(all: &Hist, censored: &Hist, q: f64) -> bool {
    let n = all.count();
    if censored.count() == 0 || n == 0 {
        return false;
    }
    let v = all.quantile_us(q);
    let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
    let known_at_or_below = all.count_at_or_below(v) - censored.count_at_or_below(v);
    known_at_or_below < rank
}

/// Percentiles and moments of a histogram, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct HistSummary {
    /// Number of values.
    pub count: u64,
    /// Smallest value.
    pub min_us: u64,
    /// Largest value.
    pub max_us: u64,
    /// Arithmetic mean.
    pub mean_us: f64,
    /// Standard deviation.
    pub stdev_us: f64,
    /// Median.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 95th percentile.
    pub p95_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
}

/// Serialises a `Hist` as its base64 V2+DEFLATE string inside serde structures.
pub mod as_base64 {
    use super::Hist;
    use serde::{Deserialize, Deserializer, Serializer};

    /// serde `serialize_with`.
    pub fn serialize<S: Serializer>(hist: &Hist, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hist.to_base64())
    }

    /// serde `deserialize_with`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Hist, D::Error> {
        let text = String::deserialize(d)?;
        Hist::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn clamps_instead_of_dropping() {
        let mut h = Hist::new();
        h.record_us(HIGHEST_US * 10);
        assert_eq!(h.count(), 1);
        assert!(h.summary().max_us >= HIGHEST_US - HIGHEST_US / 1000);
    }

    #[test]
    fn base64_round_trip_keeps_every_count() {
        let mut h = Hist::new();
        for v in [1, 5, 80, 1_000, 123_456, 7_000_000] {
            h.record_us(v);
        }
        let back = Hist::from_base64(&h.to_base64()).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn rejects_garbage_with_a_message() {
        assert!(Hist::from_base64("not base64!")
            .unwrap_err()
            .contains("base64"));
        assert!(Hist::from_base64("aGVsbG8=")
            .unwrap_err()
            .contains("HdrHistogram"));
    }

    #[test]
    fn a_percentile_among_timed_out_requests_is_a_lower_bound() {
        // 86 answered in about 1 ms, 14 given up on at 300 ms.
        let (mut all, mut censored) = (Hist::new(), Hist::new());
        for _ in 0..86 {
            all.record_us(1_000);
        }
        for _ in 0..14 {
            all.record_us(300_000);
            censored.record_us(300_000);
        }
        assert!(!quantile_is_lower_bound(&all, &censored, 0.5));
        assert!(!quantile_is_lower_bound(&all, &censored, 0.86));
        assert!(quantile_is_lower_bound(&all, &censored, 0.87));
        assert!(quantile_is_lower_bound(&all, &censored, 0.9));
        assert_eq!(
            lower_bounds(&all, &censored),
            ["mean", "p90", "p95", "p99", "p999", "max"]
        );
        assert!(lower_bounds(&all, &Hist::new()).is_empty());
    }

    #[test]
    fn a_timeout_below_an_answered_value_leaves_that_percentile_exact() {
        // Timeouts at 100 ms, answers at 1 ms and 500 ms: the top percentiles are answers.
        let (mut all, mut censored) = (Hist::new(), Hist::new());
        for _ in 0..50 {
            all.record_us(1_000);
        }
        for _ in 0..10 {
            all.record_us(100_000);
            censored.record_us(100_000);
        }
        for _ in 0..40 {
            all.record_us(500_000);
        }
        // p55 is among the timeouts; p90 is among the 500 ms answers, but 10 of the values below
        // it could truly be above it: only 90 of the 100 values are known to be ≤ 500 ms, which
        // is exactly p90's rank.
        assert!(quantile_is_lower_bound(&all, &censored, 0.55));
        assert!(!quantile_is_lower_bound(&all, &censored, 0.9));
        assert!(quantile_is_lower_bound(&all, &censored, 0.95));
    }

    proptest! {
        #[test]
        fn merge_equals_recording_the_union(a in proptest::collection::vec(0u64..10_000_000, 0..200),
                                            b in proptest::collection::vec(0u64..10_000_000, 0..200)) {
            let (mut ha, mut hb, mut hu) = (Hist::new(), Hist::new(), Hist::new());
            for &v in &a { ha.record_us(v); hu.record_us(v); }
            for &v in &b { hb.record_us(v); hu.record_us(v); }
            ha.merge(&hb);
            prop_assert_eq!(ha.summary(), hu.summary());
        }
    }
}
