//! `Histogram`: a full-resolution HdrHistogram decoded from a result, for percentile queries.

use horde_engine::Hist;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A latency histogram in microseconds (HdrHistogram, 3 significant digits).
#[pyclass(module = "horde._native")]
#[derive(Clone)]
pub struct Histogram {
    hist: Hist,
}

#[pymethods]
impl Histogram {
    /// An empty histogram.
    #[new]
    fn new() -> Self {
        Self { hist: Hist::new() }
    }

    /// Decodes HdrHistogram's V2 (optionally DEFLATE) base64 encoding.
    #[staticmethod]
    fn from_base64(text: &str) -> PyResult<Histogram> {
        Hist::from_base64(text)
            .map(|hist| Histogram { hist })
            .map_err(PyValueError::new_err)
    }

    /// The V2+DEFLATE base64 encoding, readable by any HdrHistogram implementation.
    fn to_base64(&self) -> String {
        self.hist.to_base64()
    }

    /// Records a value in microseconds.
    fn record(&mut self, value_us: u64) {
        self.hist.record_us(value_us);
    }

    /// Adds every count of `other`.
    fn merge(&mut self, other: &Histogram) {
        self.hist.merge(&other.hist);
    }

    /// The value at percentile `p` (0–100), µs.
    fn percentile(&self, p: f64) -> PyResult<u64> {
        if !(0.0..=100.0).contains(&p) {
            return Err(PyValueError::new_err(format!(
                "percentile must be within 0..100, got {p}"
            )));
        }
        Ok(self.hist.quantile_us(p / 100.0))
    }

    /// Whether the value at percentile `p` is only a lower bound, given the values of this
    /// histogram that were censored (timed-out requests counted at their timeout): fewer known
    /// values than the percentile's rank lie at or below it.
    fn is_lower_bound(&self, censored: &Histogram, p: f64) -> PyResult<bool> {
        self.percentile(p)?;
        Ok(horde_engine::lower_bound_at(
            &self.hist,
            &censored.hist,
            p / 100.0,
        ))
    }

    /// Number of values.
    #[getter]
    fn count(&self) -> u64 {
        self.hist.count()
    }

    /// Smallest value, µs (0 when empty).
    #[getter]
    fn min(&self) -> u64 {
        self.hist.summary().min_us
    }

    /// Largest value, µs (0 when empty).
    #[getter]
    fn max(&self) -> u64 {
        self.hist.summary().max_us
    }

    /// Mean, µs.
    #[getter]
    fn mean(&self) -> f64 {
        self.hist.summary().mean_us
    }

    /// Standard deviation, µs.
    #[getter]
    fn stdev(&self) -> f64 {
        self.hist.summary().stdev_us
    }

    /// (value_us, count) for every non-empty bucket, in increasing order.
    fn buckets(&self) -> Vec<(u64, u64)> {
        self.hist
            .inner()
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect()
    }

    /// The percentile spectrum: (quantile, value µs, cumulative count), `ticks_per_half` steps per
    /// halving of the distance to 100 % (HdrHistogram's classic distribution output).
    #[pyo3(signature = (ticks_per_half = 5))]
    fn quantiles(&self, ticks_per_half: u32) -> PyResult<Vec<(f64, u64, u64)>> {
        if ticks_per_half == 0 {
            return Err(PyValueError::new_err("ticks_per_half must be ≥ 1, got 0"));
        }
        let mut total = 0;
        Ok(self
            .hist
            .inner()
            .iter_quantiles(ticks_per_half)
            .map(|v| {
                total += v.count_since_last_iteration();
                (v.quantile_iterated_to(), v.value_iterated_to(), total)
            })
            .collect())
    }

    fn __len__(&self) -> usize {
        self.hist.count() as usize
    }

    fn __repr__(&self) -> String {
        let s = self.hist.summary();
        format!(
            "Histogram(count={}, p50={}µs, p99={}µs, max={}µs)",
            s.count, s.p50_us, s.p99_us, s.max_us
        )
    }
}
