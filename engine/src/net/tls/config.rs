//! The run's TLS client configuration, built once from the plan: roots (Mozilla's, plus a CA
//! file), client certificate, version bounds, cipher order, ALPN `http/1.1`, who resumes whose
//! sessions, and the explicit opt-out of verification.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::Resumption;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

use crate::plan::options::TlsOptions;

/// Sessions a VU remembers per server (TLS 1.3 tickets are single-use; servers send two).
const SESSIONS_PER_VU: usize = 4;
/// Sessions a worker remembers when they are shared between its VUs.
const SESSIONS_PER_WORKER: usize = 4096;

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

/// The run's TLS client configuration.
#[derive(Debug, Clone)]
pub struct TlsSetup {
    base: Arc<ClientConfig>,
    /// Who resumes whose sessions.
    pub resumption: ResumptionPolicy,
    /// Certificate verification is off (an explicit opt-in, flagged in results).
    pub insecure: bool,
}

impl TlsSetup {
    /// Builds the configuration, reading the CA and client-certificate files. Every problem is
    /// returned with the plan path of the field it concerns.
    pub fn build(o: &TlsOptions) -> Result<TlsSetup, Vec<(String, String)>> {
        let mut problems = Vec::new();
        let provider = Arc::new(browser_order(rustls::crypto::ring::default_provider()));
        let version = |field: &str, v: &str, problems: &mut Vec<(String, String)>| match v {
            "1.2" => Some(12),
            "1.3" => Some(13),
            _ => {
                problems.push((
                    format!("options.http.tls.{field}"),
                    format!("must be \"1.2\" or \"1.3\", got {v:?}"),
                ));
                None
            }
        };
        let min = version("min_version", &o.min_version, &mut problems).unwrap_or(12);
        let max = version("max_version", &o.max_version, &mut problems).unwrap_or(13);
        if min > max {
            problems.push((
                "options.http.tls.min_version".into(),
                format!(
                    "must not be above max_version ({}), got {}",
                    o.max_version, o.min_version
                ),
            ));
        }
        let resumption = match o.resumption.as_str() {
            "per_vu" => ResumptionPolicy::PerVu,
            "shared" => ResumptionPolicy::Shared,
            "off" => ResumptionPolicy::Off,
            other => {
                problems.push((
                    "options.http.tls.resumption".into(),
                    format!("must be \"per_vu\", \"shared\" or \"off\", got {other:?}"),
                ));
                ResumptionPolicy::PerVu
            }
        };
        let mut roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &o.ca_file {
            match read_certs(path) {
                Ok(certs) => {
                    let (added, _) = roots.add_parsable_certificates(certs);
                    if added == 0 {
                        problems.push((
                            "options.http.tls.ca_file".into(),
                            format!("{path}: no usable CA certificate in it"),
                        ));
                    }
                }
                Err(e) => problems.push(("options.http.tls.ca_file".into(), e)),
            }
        }
        let client_auth = match (&o.client_cert, &o.client_key) {
            (None, None) => None,
            (Some(_), None) | (None, Some(_)) => {
                let missing = if o.client_cert.is_none() {
                    "client_cert"
                } else {
                    "client_key"
                };
                problems.push((
                    format!("options.http.tls.{missing}"),
                    "mutual TLS needs both client_cert and client_key".into(),
                ));
                None
            }
            (Some(cert), Some(key)) => {
                let certs =
                    read_certs(cert).map_err(|e| ("options.http.tls.client_cert".to_string(), e));
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    (
                        "options.http.tls.client_key".to_string(),
                        format!("{key}: cannot read a PEM private key: {e}"),
                    )
                });
                match (certs, key) {
                    (Ok(c), Ok(k)) => Some((c, k)),
                    (c, k) => {
                        problems.extend(c.err());
                        problems.extend(k.err());
                        None
                    }
                }
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let versions: &[&'static rustls::SupportedProtocolVersion] = match (min, max) {
            (13, _) => &[&rustls::version::TLS13],
            (_, 12) => &[&rustls::version::TLS12],
            _ => &[&rustls::version::TLS13, &rustls::version::TLS12],
        };
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|e| vec![("options.http.tls".to_string(), e.to_string())])?
            .with_root_certificates(roots);
        let mut config = match client_auth {
            None => builder.with_no_client_auth(),
            Some((certs, key)) => builder.with_client_auth_cert(certs, key).map_err(|e| {
                vec![(
                    "options.http.tls.client_key".to_string(),
                    format!("the key does not match the client certificate: {e}"),
                )]
            })?,
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config.resumption = Resumption::disabled();
        if !o.verify {
            config
                .dangerous()
                .set_certificate_verifier(Arc::new(NoVerification(
                    provider.signature_verification_algorithms,
                )));
        }
        Ok(TlsSetup {
            base: Arc::new(config),
            resumption,
            insecure: !o.verify,
        })
    }

    /// The configuration one worker's connections start from: with a session cache of its own
    /// when sessions are shared, else without one.
    pub fn for_worker(&self) -> Arc<ClientConfig> {
        match self.resumption {
            ResumptionPolicy::Shared => with_sessions(&self.base, SESSIONS_PER_WORKER),
            ResumptionPolicy::PerVu | ResumptionPolicy::Off => self.base.clone(),
        }
    }

    /// The configuration for one VU's connections, when each VU resumes its own sessions.
    pub fn for_vu(&self) -> Option<Arc<ClientConfig>> {
        (self.resumption == ResumptionPolicy::PerVu)
            .then(|| with_sessions(&self.base, SESSIONS_PER_VU))
    }
}

/// Offers cipher suites in the order browsers do (AES-128-GCM first), so servers that follow the
/// client's preference pick what real users get, and the handshake hashes with SHA-256 (which
/// CPUs accelerate) rather than SHA-384.
fn browser_order(mut provider: CryptoProvider) -> CryptoProvider {
    provider.cipher_suites.sort_by_key(|s| {
        let name = format!("{:?}", s.suite());
        (
            s.version() != &rustls::version::TLS13,
            !name.contains("AES_128"),
        )
    });
    provider
}

impl Default for TlsSetup {
    fn default() -> Self {
        TlsSetup::build(&TlsOptions::default()).expect("the default TLS options are valid")
    }
}

fn with_sessions(base: &Arc<ClientConfig>, sessions: usize) -> Arc<ClientConfig> {
    let mut config = (**base).clone();
    config.resumption = Resumption::in_memory_sessions(sessions);
    Arc::new(config)
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

/// Accepts any certificate chain and name (`verify=False`), but still checks that the server
/// holds the key of the certificate it sent, so the handshake itself stays sound.
#[derive(Debug)]
struct NoVerification(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_suites_are_offered_in_browser_order() {
        let p = browser_order(rustls::crypto::ring::default_provider());
        let names: Vec<String> = p
            .cipher_suites
            .iter()
            .map(|s| format!("{:?}", s.suite()))
            .collect();
        assert_eq!(names[0], "TLS13_AES_128_GCM_SHA256", "{names:?}");
        assert!(
            names[3].starts_with("TLS_ECDHE_") && names[3].contains("AES_128"),
            "{names:?}"
        );
    }

    #[test]
    fn default_options_build() {
        let setup = TlsSetup::build(&TlsOptions::default()).unwrap();
        assert!(!setup.insecure);
        assert_eq!(setup.resumption, ResumptionPolicy::PerVu);
        assert!(setup.for_vu().is_some());
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
        let problems = TlsSetup::build(&o).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
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
