//! What crosses from a worker to the collector: one message per worker per second, never one per
//! request.

use super::recorder::Frame;

/// A worker's report to the collector.
pub enum Snapshot {
    /// Everything measured during second `second` (counted from the run's start).
    Second {
        /// Worker index.
        worker: usize,
        /// Second index since the run started.
        second: u32,
        /// The filled frame; the collector sends it back, reset, to be reused.
        frame: Box<Frame>,
    },
    /// The worker has stopped; `frame` holds what it measured since its last `Second`.
    Done {
        /// Worker index.
        worker: usize,
        /// Second index of this last, partial frame.
        second: u32,
        /// The last frame.
        frame: Box<Frame>,
        /// How it ended, or why it failed.
        report: Result<WorkerReport, String>,
    },
}

/// What a finished worker reports besides its last frame.
#[derive(Debug, Clone, Default)]
pub struct WorkerReport {
    /// When its load phase ended (ns, monotonic): by design, or when stopped.
    pub load_end_ns: u64,
    /// The ring's setup flags.
    pub ring_mode: &'static str,
}
