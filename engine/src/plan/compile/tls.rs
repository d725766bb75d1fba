//! The TLS options compiled: version bounds and the resumption policy as values, and the CA,
//! client-certificate and key files read and parsed once, so that a bad file is a plan error
//! naming its field before any load, and the run builds its rustls configuration from data.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::Problems;
use crate::plan::options::TlsOptions;

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.2.
    V1_2,
    /// TLS 1.3.
    V1_3,
}

/// Who may resume whose TLS sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumptionPolicy {
    /// Each VU its own sessions: a returning user resumes, a new one does a full handshake.
    PerVu,
    /// All VUs of a worker share sessions: the fewest full handshakes.
    Shared,
    /// Every connection does a full handshake.
    Off,
}

/// A client certificate chain and its private key (mutual TLS).
#[derive(Debug)]
pub struct ClientAuth {
    /// The chain, leaf first.
    pub certs: Vec<CertificateDer<'static>>,
    /// The leaf's private key.
    pub key: PrivateKeyDer<'static>,
}

/// The run's TLS settings, ready for `net::tls` to build a client configuration from.
#[derive(Debug)]
pub struct TlsSettings {
    /// Verify the server's chain and name. Off only by explicit opt-in (flagged in results).
    pub verify: bool,
    /// Lowest version offered.
    pub min_version: TlsVersion,
    /// Highest version offered.
    pub max_version: TlsVersion,
    /// Who resumes whose sessions.
    pub resumption: ResumptionPolicy,
    /// CA certificates trusted besides Mozilla's roots (from `ca_file`).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// The client certificate, for mutual TLS.
    pub client_auth: Option<Arc<ClientAuth>>,
}

impl TlsSettings {
    /// Compiles `o`, reading its files. Every problem is reported under `options.http.tls`.
    pub fn compile(o: &TlsOptions, problems: &mut Problems) -> TlsSettings {
        let mut version = |field: &str, v: &str, fallback: TlsVersion| match v {
            "1.2" => TlsVersion::V1_2,
            "1.3" => TlsVersion::V1_3,
            _ => {
                problems.push(
                    format!("options.http.tls.{field}"),
                    format!("must be \"1.2\" or \"1.3\", got {v:?}"),
                );
                fallback
            }
        };
        let min_version = version("min_version", &o.min_version, TlsVersion::V1_2);
        let max_version = version("max_version", &o.max_version, TlsVersion::V1_3);
        if min_version > max_version {
            problems.push(
                "options.http.tls.min_version".into(),
                format!(
                    "must not be above max_version ({}), got {}",
                    o.max_version, o.min_version
                ),
            );
        }
        let resumption = match o.resumption.as_str() {
            "per_vu" => ResumptionPolicy::PerVu,
            "shared" => ResumptionPolicy::Shared,
            "off" => ResumptionPolicy::Off,
            other => {
                problems.push(
                    "options.http.tls.resumption".into(),
                    format!("must be \"per_vu\", \"shared\" or \"off\", got {other:?}"),
                );
                ResumptionPolicy::PerVu
            }
        };
        let extra_roots = match &o.ca_file {
            None => Vec::new(),
            Some(path) => read_certs(path).unwrap_or_else(|e| {
                problems.push("options.http.tls.ca_file".into(), e);
                Vec::new()
            }),
        };
        TlsSettings {
            verify: o.verify,
            min_version,
            max_version,
            resumption,
            extra_roots,
            client_auth: client_auth(o, problems).map(Arc::new),
        }
    }
}

fn client_auth(o: &TlsOptions, problems: &mut Problems) -> Option<ClientAuth> {
    let (cert, key) = match (&o.client_cert, &o.client_key) {
        (None, None) => return None,
        (Some(cert), Some(key)) => (cert, key),
        (cert, _) => {
            let missing = if cert.is_none() {
                "client_cert"
            } else {
                "client_key"
            };
            problems.push(
                format!("options.http.tls.{missing}"),
                "mutual TLS needs both client_cert and client_key".into(),
            );
            return None;
        }
    };
    let certs = read_certs(cert).map_err(|e| ("client_cert", e));
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        (
            "client_key",
            format!("{key}: cannot read a PEM private key: {e}"),
        )
    });
    let (certs, key) = match (certs, key) {
        (Ok(c), Ok(k)) => (c, k),
        (c, k) => {
            for (field, message) in c.err().into_iter().chain(k.err()) {
                problems.push(format!("options.http.tls.{field}"), message);
            }
            return None;
        }
    };
    let matches = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| e.to_string())
        .and_then(|signer| {
            rustls::sign::CertifiedKey::new(certs.clone(), signer)
                .keys_match()
                .map_err(|e| e.to_string())
        });
    if let Err(e) = matches {
        problems.push(
            "options.http.tls.client_key".into(),
            format!("the key does not match the client certificate: {e}"),
        );
        return None;
    }
    Some(ClientAuth { certs, key })
}

fn read_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{path}: cannot read PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{path}: no PEM certificate in it"));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_compile() {
        let mut problems = Problems::default();
        let s = TlsSettings::compile(&TlsOptions::default(), &mut problems);
        assert!(problems.0.is_empty(), "{:?}", problems.0);
        assert!(s.verify && s.client_auth.is_none());
        assert_eq!(s.resumption, ResumptionPolicy::PerVu);
        assert_eq!(
            (s.min_version, s.max_version),
            (TlsVersion::V1_2, TlsVersion::V1_3)
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let o = TlsOptions {
            min_version: "1.1".into(),
            resumption: "sometimes".into(),
            ca_file: Some("/nonexistent/ca.pem".into()),
            client_cert: Some("/nonexistent/cert.pem".into()),
            ..TlsOptions::default()
        };
        let mut problems = Problems::default();
        TlsSettings::compile(&o, &mut problems);
        let fields: Vec<&str> = problems.0.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            fields,
            [
                "options.http.tls.min_version",
                "options.http.tls.resumption",
                "options.http.tls.ca_file",
                "options.http.tls.client_key",
            ]
        );
    }
}
