//! Measurements: histograms, the per-worker recorder, and the snapshots workers send once a
//! second. Knows nothing about threads, Python or outputs.

pub mod error_class;
pub mod histogram;
pub mod names;
pub mod recorder;
pub mod snapshot;

pub use error_class::{ErrorClass, Failure};
pub use histogram::{Hist, HistSummary};
pub use recorder::{Frame, GeneratorStats, KeyStats};
pub use snapshot::{Snapshot, WorkerReport};
