//! One error class per TLS failure, so that one untrusted certificate shows up as one line in the
//! summary, not a thousand.

use rustls::{AlertDescription, CertificateError, Error, PeerIncompatible};

use crate::metrics::{ErrorClass, Failure};

/// Classifies a rustls error. `handshaking`: it happened before the handshake completed.
pub fn classify(e: &Error, handshaking: bool) -> Failure {
    use ErrorClass::*;
    match e {
        Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => Failure::new(
                TlsUntrustedCertificate,
                "the server's certificate is not signed by a trusted CA (add the CA with ca_file or SSL_CERT_FILE)",
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => Failure::new(
                TlsExpiredCertificate,
                "the server's certificate has expired",
            ),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                Failure::new(
                    TlsExpiredCertificate,
                    "the server's certificate is not valid yet",
                )
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                Failure::new(
                    TlsHostnameMismatch,
                    "the server's certificate is not valid for the URL's host name",
                )
            }
            _ => Failure::new(
                TlsBadCertificate,
                "the server's certificate was rejected (bad signature, purpose or encoding)",
            ),
        },
        Error::PeerIncompatible(
            PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled
            | PeerIncompatible::SupportedVersionsExtensionRequired,
        )
        | Error::AlertReceived(AlertDescription::ProtocolVersion) => Failure::new(
            TlsVersionMismatch,
            "no TLS version in common with the server (see min_version/max_version)",
        ),
        Error::AlertReceived(
            AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::AccessDenied,
        ) => Failure::new(
            TlsClientCertificateRejected,
            "the server rejected the client certificate (or wanted one)",
        ),
        Error::InvalidMessage(_) if handshaking => Failure::new(
            TlsNotTls,
            "the server's answer is not a TLS handshake (a plain HTTP port?)",
        ),
        _ if handshaking => Failure::new(
            TlsHandshakeFailed,
            "the TLS handshake failed (no cipher, group or signature scheme in common?)",
        ),
        _ => Failure::new(TlsProtocolError, "TLS failed on an established connection"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_names_the_cause() {
        let c = |e: Error| classify(&e, true).class;
        assert_eq!(
            c(Error::InvalidCertificate(CertificateError::UnknownIssuer)),
            ErrorClass::TlsUntrustedCertificate
        );
        assert_eq!(
            c(Error::InvalidCertificate(CertificateError::Expired)),
            ErrorClass::TlsExpiredCertificate
        );
        assert_eq!(
            c(Error::InvalidCertificate(CertificateError::NotValidForName)),
            ErrorClass::TlsHostnameMismatch
        );
        assert_eq!(
            c(Error::AlertReceived(AlertDescription::ProtocolVersion)),
            ErrorClass::TlsVersionMismatch
        );
        assert_eq!(
            classify(
                &Error::AlertReceived(AlertDescription::CertificateRequired),
                false
            )
            .class,
            ErrorClass::TlsClientCertificateRejected
        );
    }
}
