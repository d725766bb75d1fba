//! What the recorder keeps beyond single requests: checks, journeys (iterations, durations and the
//! funnel of each step), scenarios, and user-defined metrics. Plain counters and histograms; the
//! worker records, the collector merges.

use super::histogram::Hist;

/// Passes and failures of one check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckStats {
    /// Times the check held.
    pub passes: u64,
    /// Times it did not.
    pub fails: u64,
}

impl CheckStats {
    /// Adds `other`.
    pub fn merge(&mut self, other: &CheckStats) {
        self.passes += other.passes;
        self.fails += other.fails;
    }
}

/// Why a request step did not succeed, counted per funnel step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StepStats {
    /// Times a session reached (sent) this step.
    pub reached: u64,
    /// Responses with an expected status and every check passing.
    pub ok: u64,
    /// No response: a network or protocol error (other than a timeout).
    pub error: u64,
    /// No response within the timeout.
    pub timeout: u64,
    /// A response with an unexpected status.
    pub bad_status: u64,
    /// A response with the right status whose checks did not all pass.
    pub check_failed: u64,
    /// Sessions that ended here because a value could not be extracted (or a variable was unset).
    pub aborted: u64,
    /// Sessions cut by the end of the run after reaching this step (before the next one).
    pub cut: u64,
}

impl StepStats {
    /// Adds `other`.
    pub fn merge(&mut self, o: &StepStats) {
        self.reached += o.reached;
        self.ok += o.ok;
        self.error += o.error;
        self.timeout += o.timeout;
        self.bad_status += o.bad_status;
        self.check_failed += o.check_failed;
        self.aborted += o.aborted;
        self.cut += o.cut;
    }
}

/// Iterations of one journey in one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyStats {
    /// Iterations started.
    pub started: u64,
    /// Iterations that reached the end of the journey.
    pub completed: u64,
    /// Iterations that ended early (an extraction or variable missing).
    pub aborted: u64,
    /// Iterations cut by the end of the run.
    pub interrupted: u64,
    /// Duration of completed iterations, from their intended start, µs.
    pub duration: Hist,
    /// Per funnel step.
    pub steps: Vec<StepStats>,
}

impl JourneyStats {
    /// Zeroed stats for a journey with `steps` funnel steps.
    pub fn new(steps: usize) -> Self {
        Self {
            started: 0,
            completed: 0,
            aborted: 0,
            interrupted: 0,
            duration: Hist::new(),
            steps: vec![StepStats::default(); steps],
        }
    }

    /// Adds `other`.
    pub fn merge(&mut self, other: &JourneyStats) {
        self.started += other.started;
        self.completed += other.completed;
        self.aborted += other.aborted;
        self.interrupted += other.interrupted;
        self.duration.merge(&other.duration);
        for (a, b) in self.steps.iter_mut().zip(&other.steps) {
            a.merge(b);
        }
    }

    /// Clears every count, keeping allocations.
    pub fn reset(&mut self) {
        self.started = 0;
        self.completed = 0;
        self.aborted = 0;
        self.interrupted = 0;
        self.duration.reset();
        self.steps
            .iter_mut()
            .for_each(|s| *s = StepStats::default());
    }
}

/// Scenario-level counts and gauges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScenarioStats {
    /// Iterations that could not start on time (no free VU) and were skipped.
    pub dropped_iterations: u64,
    /// Iterations not started because `unique` test data ran out.
    pub data_exhausted: u64,
    /// Arrivals whose intended start fell in this second (open model).
    pub scheduled: u64,
    /// VUs in an iteration at the end of the second (summed over workers).
    pub vus: u64,
    /// VUs the executor wanted at the end of the second (closed model; summed over workers).
    pub target_vus: u64,
    /// Most VUs in an iteration at once during the second (summed over workers' peaks).
    pub peak_vus: u64,
}

impl ScenarioStats {
    /// Adds `other` (gauges add across workers).
    pub fn merge(&mut self, o: &ScenarioStats) {
        self.dropped_iterations += o.dropped_iterations;
        self.data_exhausted += o.data_exhausted;
        self.scheduled += o.scheduled;
        self.vus += o.vus;
        self.target_vus += o.target_vus;
        self.peak_vus += o.peak_vus;
    }
}

/// Samples of a user-defined metric.
#[derive(Debug, Clone, PartialEq)]
pub struct UserStats {
    /// Number of samples.
    pub count: u64,
    /// Sum of the values (counters).
    pub sum: f64,
    /// Samples that were true / non-zero (rates).
    pub trues: u64,
    /// Distribution, in thousandths (trends only).
    pub trend: Option<Hist>,
}

impl UserStats {
    /// Zeroed stats; `trend` keeps a histogram.
    pub fn new(trend: bool) -> Self {
        Self {
            count: 0,
            sum: 0.0,
            trues: 0,
            trend: trend.then(Hist::new),
        }
    }

    /// Records one sample.
    pub fn record(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        if value != 0.0 {
            self.trues += 1;
        }
        if let Some(h) = &mut self.trend {
            h.record_us((value.max(0.0) * 1000.0).round() as u64);
        }
    }

    /// Adds `other`.
    pub fn merge(&mut self, o: &UserStats) {
        self.count += o.count;
        self.sum += o.sum;
        self.trues += o.trues;
        if let (Some(a), Some(b)) = (&mut self.trend, &o.trend) {
            a.merge(b);
        }
    }

    /// Clears every count, keeping allocations.
    pub fn reset(&mut self) {
        self.count = 0;
        self.sum = 0.0;
        self.trues = 0;
        if let Some(h) = &mut self.trend {
            h.reset();
        }
    }
}
