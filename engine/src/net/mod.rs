//! Network: io_uring rings, sockets, connections. Never parses HTTP.

pub mod conn;
pub mod socket;
pub mod uring;

pub use conn::Conn;
pub use uring::{Completion, Ring, RingMode};
