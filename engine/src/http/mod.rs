//! HTTP/1.1 codec: request bytes out, response events in. Never touches a socket.
//!
//! Framing follows RFC 9112 §6.3; the parsing of status lines, fields and chunk sizes is httparse.

pub mod encode;
pub mod error;
pub mod head;
pub mod response;

pub use encode::{encode, RequestParts};
pub use head::{each_header, header, Coding, Head};
pub use response::{Event, Limits, ResponseReader};
