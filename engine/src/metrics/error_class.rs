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
    /// The server's certificate is not signed by a trusted CA.
    TlsUntrustedCertificate,
    /// The server's certificate has expired (or is not valid yet).
    TlsExpiredCertificate,
    /// The server's certificate is not valid for the URL's host name.
    TlsHostnameMismatch,
    /// The server's certificate was rejected for another reason (signature, purpose, encoding).
    TlsBadCertificate,
    /// Client and server have no TLS version in common.
    TlsVersionMismatch,
    /// The server does not speak TLS on that port.
    TlsNotTls,
    /// The server rejected the client certificate, or required one that was not configured.
    TlsClientCertificateRejected,
    /// The TLS handshake failed for another reason (no cipher suite in common, closed, ...).
    TlsHandshakeFailed,
    /// TLS failed on an established connection (bad record, unexpected alert).
    TlsProtocolError,
    /// A redirect chain came back to a URL it had already visited.
    RedirectLoop,
    /// More redirects than allowed (`max_redirects`).
    TooManyRedirects,
    /// A redirect without a usable `Location` (missing, unparsable, not http(s)).
    BadRedirect,
    /// A host name found while running (a redirect to a new host) could not be resolved.
    DnsFailed,
}

impl ErrorClass {
    /// Every class, in declaration order (index = `self as usize`).
    pub const ALL: [ErrorClass; 24] = [
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
        ErrorClass::TlsUntrustedCertificate,
        ErrorClass::TlsExpiredCertificate,
        ErrorClass::TlsHostnameMismatch,
        ErrorClass::TlsBadCertificate,
        ErrorClass::TlsVersionMismatch,
        ErrorClass::TlsNotTls,
        ErrorClass::TlsClientCertificateRejected,
        ErrorClass::TlsHandshakeFailed,
        ErrorClass::TlsProtocolError,
        ErrorClass::RedirectLoop,
        ErrorClass::TooManyRedirects,
        ErrorClass::BadRedirect,
        ErrorClass::DnsFailed,
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
            ErrorClass::TlsUntrustedCertificate => "tls_untrusted_certificate",
            ErrorClass::TlsExpiredCertificate => "tls_expired_certificate",
            ErrorClass::TlsHostnameMismatch => "tls_hostname_mismatch",
            ErrorClass::TlsBadCertificate => "tls_bad_certificate",
            ErrorClass::TlsVersionMismatch => "tls_version_mismatch",
            ErrorClass::TlsNotTls => "tls_not_tls",
            ErrorClass::TlsClientCertificateRejected => "tls_client_certificate_rejected",
            ErrorClass::TlsHandshakeFailed => "tls_handshake_failed",
            ErrorClass::TlsProtocolError => "tls_protocol_error",
            ErrorClass::RedirectLoop => "redirect_loop",
            ErrorClass::TooManyRedirects => "too_many_redirects",
            ErrorClass::BadRedirect => "bad_redirect",
            ErrorClass::DnsFailed => "dns_failed",
        }
    }

    /// The request was given up on at a deadline: its time is a lower bound of how long it would
    /// have taken (the others ended when something happened, and their time is what it was).
    pub fn is_timeout(self) -> bool {
        matches!(
            self,
            ErrorClass::ConnectTimeout | ErrorClass::RequestTimeout
        )
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
