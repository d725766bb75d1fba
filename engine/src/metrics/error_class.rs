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
    /// The generator ran out of file descriptors (EMFILE, ENFILE): its open-file limit is too
    /// low for the connections the test opens.
    TooManyOpenFiles,
    /// No local port was free towards the destination (EADDRNOTAVAIL): one source address
    /// reaches one address and port over at most the ephemeral port range's ports.
    NoLocalPorts,
}

impl ErrorClass {
    /// Every class, in declaration order (index = `self as usize`).
    pub const ALL: [ErrorClass; 26] = [
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
        ErrorClass::TooManyOpenFiles,
        ErrorClass::NoLocalPorts,
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
            ErrorClass::TooManyOpenFiles => "too_many_open_files",
            ErrorClass::NoLocalPorts => "no_local_ports",
        }
    }

    /// What the class means, in a line (summaries print it beside the count).
    pub fn meaning(self) -> &'static str {
        use ErrorClass::*;
        match self {
            ConnectRefused => {
                "nothing listened at the address (the target is down or the port is wrong)"
            }
            ConnectTimeout => "the TCP connection was not up within connect_timeout",
            ConnectFailed => "connecting failed for another reason (unreachable network or host)",
            ConnectionReset => "the target reset the connection while a request was in flight",
            ConnectionClosed => "the target closed the connection before answering",
            TruncatedResponse => "the target closed the connection in the middle of a response",
            RequestTimeout => "no complete response within the request timeout",
            MalformedResponse => {
                "the response broke HTTP/1.1 framing (status line, headers, lengths)"
            }
            BodyTooLarge => "a response body exceeded max_body_bytes",
            SendFailed => "the target went away while the request was being sent",
            Io => "another I/O error",
            TlsUntrustedCertificate => "the certificate is not signed by a trusted CA",
            TlsExpiredCertificate => "the certificate has expired or is not valid yet",
            TlsHostnameMismatch => "the certificate is not valid for the URL's host name",
            TlsBadCertificate => "the certificate was rejected (signature, purpose, encoding)",
            TlsVersionMismatch => "no TLS version in common with the server",
            TlsNotTls => "the server does not speak TLS on that port",
            TlsClientCertificateRejected => {
                "the server rejected (or required) the client certificate"
            }
            TlsHandshakeFailed => "the TLS handshake failed for another reason",
            TlsProtocolError => "TLS failed on an established connection",
            RedirectLoop => "a redirect chain came back to a URL it had visited",
            TooManyRedirects => "more redirects than max_redirects",
            BadRedirect => "a redirect without a usable Location",
            DnsFailed => "a host name could not be resolved",
            TooManyOpenFiles => "the generator ran out of file descriptors (its open-file limit)",
            NoLocalPorts => {
                "no free local port towards the target address (the ephemeral port range)"
            }
        }
    }

    /// What to do about it, when the fix is on the generator's side.
    pub fn advice(self) -> Option<&'static str> {
        match self {
            ErrorClass::TooManyOpenFiles => Some(
                "raise the open-file limit (`ulimit -n 65536` in the shell, LimitNOFILE= in a \
                 systemd unit, nofile in /etc/security/limits.conf) or open fewer connections",
            ),
            ErrorClass::NoLocalPorts => Some(
                "spread connections over several local addresses (source_addresses=[...], \
                 --source-address 127.0.0.2-127.0.0.9 on loopback), widen \
                 net.ipv4.ip_local_port_range, or open fewer connections",
            ),
            _ => None,
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

/// Every class with its meaning and advice, as JSON (`horde.ERRORS`).
pub fn catalogue() -> serde_json::Value {
    ErrorClass::ALL
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name(),
                "meaning": c.meaning(),
                "advice": c.advice(),
                "timeout": c.is_timeout(),
            })
        })
        .collect()
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
