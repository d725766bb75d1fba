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
