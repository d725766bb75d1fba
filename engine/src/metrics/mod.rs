//! Measurements: histograms, the per-worker recorder, and the snapshots workers send once a
//! second. Knows nothing about threads, Python or outputs.

pub mod catalogue;
pub mod error_class;
pub mod histogram;
pub mod journey_stats;
pub mod keys;
pub mod recorder;
pub mod snapshot;

pub use error_class::{ErrorClass, Failure};
pub use histogram::{Hist, HistSummary};
pub use keys::MetricKind;
pub use recorder::{Frame, KeyStats, Layout, StepStats};
pub use snapshot::{Snapshot, WorkerReport};
