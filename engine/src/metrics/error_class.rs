//! Why a request failed, as a small closed set with stable snake_case names.
//!
//! The names are a public contract: they appear in results, summaries and outputs as the `error`
//! tag, so a class is never renamed, only added. Classification happens in the layer that sees the
//! failure (codec, network, interpreter); this module only names the classes.

use serde::{Deserialize, Serialize};

/// A failure class. Counted per request key; never fatal to a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum ErrorClass {
    /// The target refused the TCP connection (nothing listening).
    ConnectRefused,
    /// The TCP connection was not established within the connect timeout.
    ConnectTimeout,
    /// Connecting failed for another reason (unreachable, no local ports, ...).
    ConnectFailed,
    /// The peer reset the connection (RST) while a request was in flight.
    ConnectionReset,
    /// The peer closed the connection before sending any byte of the response.
    ConnectionClosed,
    /// The peer closed the connection in the middle of a response.
    TruncatedResponse,
    /// No complete response arrived within the request timeout.
    RequestTimeout,
    /// The response broke HTTP/1.1 framing rules (status line, headers, chunk sizes, lengths).
    MalformedResponse,
    /// The response body exceeded the configured size limit.
    BodyTooLarge,
    /// Writing the request failed (the peer went away mid-send).
    SendFailed,
    /// Any other I/O error; the detail names the errno.
    Io,
}

impl ErrorClass {
    /// Every class, in declaration order (index = `self as usize`).
    pub const ALL: [ErrorClass; 11] = [
        ErrorClass::ConnectRefused,
        ErrorClass::ConnectTimeout,
        ErrorClass::ConnectFailed,
        ErrorClass::ConnectionReset,
        ErrorClass::ConnectionClosed,
        ErrorClass::TruncatedResponse,
        ErrorClass::RequestTimeout,
        ErrorClass::MalformedResponse,
        ErrorClass::BodyTooLarge,
        ErrorClass::SendFailed,
        ErrorClass::Io,
    ];
    /// Number of classes.
    pub const COUNT: usize = Self::ALL.len();

    /// The stable name used in results and outputs.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::ConnectRefused => "connect_refused",
            ErrorClass::ConnectTimeout => "connect_timeout",
            ErrorClass::ConnectFailed => "connect_failed",
            ErrorClass::ConnectionReset => "connection_reset",
            ErrorClass::ConnectionClosed => "connection_closed",
            ErrorClass::TruncatedResponse => "truncated_response",
            ErrorClass::RequestTimeout => "request_timeout",
            ErrorClass::MalformedResponse => "malformed_response",
            ErrorClass::BodyTooLarge => "body_too_large",
            ErrorClass::SendFailed => "send_failed",
            ErrorClass::Io => "io",
        }
    }
}

/// A classified failure with a static detail (no allocation on the hot path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The class counted.
    pub class: ErrorClass,
    /// A short human explanation, e.g. "invalid chunk size".
    pub detail: &'static str,
}

impl Failure {
    /// Builds a failure.
    pub const fn new(class: ErrorClass, detail: &'static str) -> Self {
        Self { class, detail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_declaration_order_and_names_are_unique() {
        for (i, class) in ErrorClass::ALL.iter().enumerate() {
            assert_eq!(*class as usize, i);
        }
        let mut names: Vec<_> = ErrorClass::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorClass::COUNT);
    }

    #[test]
    fn serde_name_matches_name() {
        for class in ErrorClass::ALL {
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{}\"", class.name()));
        }
    }
}
