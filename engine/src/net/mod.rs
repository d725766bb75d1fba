//! Network: io_uring rings, sockets, connections, TLS sessions. Never parses HTTP.

pub mod conn;
pub mod dns;
pub mod limits;
pub mod origins;
pub mod socket;
pub mod tls;
pub mod uring;

pub use conn::Conn;
pub use uring::{Completion, Ring};
