//! The run's TLS client configuration, built once when the run starts from the compiled settings:
//! roots (Mozilla's, the system's, a CA file: as `trust` and `ca_file` say), client certificate, version bounds, cipher order, ALPN
//! `http/1.1`, who resumes whose sessions, and the explicit opt-out of verification.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::Resumption;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

use crate::plan::{ResumptionPolicy, TlsSettings, TlsVersion};

/// Sessions a VU remembers per server (TLS 1.3 tickets are single-use; servers send two).
const SESSIONS_PER_VU: usize = 4;
/// Sessions a worker remembers when they are shared between its VUs.
const SESSIONS_PER_WORKER: usize = 4096;

/// The run's TLS client configuration.
#[derive(Debug, Clone)]
pub struct TlsSetup {
    base: Arc<ClientConfig>,
    /// Who resumes whose sessions.
    pub resumption: ResumptionPolicy,
}

impl TlsSetup {
    /// Builds the configuration from the compiled settings (whose files were read and checked
    /// when the plan compiled).
    pub fn build(s: &TlsSettings) -> Result<TlsSetup, String> {
        let provider = Arc::new(browser_order(rustls::crypto::ring::default_provider()));
        let mut roots = if s.bundled_roots {
            RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned())
        } else {
            RootCertStore::empty()
        };
        roots.add_parsable_certificates(s.extra_roots.iter().cloned());
        let versions: &[&'static rustls::SupportedProtocolVersion] =
            match (s.min_version, s.max_version) {
                (TlsVersion::V1_3, _) => &[&rustls::version::TLS13],
                (_, TlsVersion::V1_2) => &[&rustls::version::TLS12],
                _ => &[&rustls::version::TLS13, &rustls::version::TLS12],
            };
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots);
        let mut config = match &s.client_auth {
            None => builder.with_no_client_auth(),
            Some(auth) => builder
                .with_client_auth_cert(auth.certs.clone(), auth.key.clone_key())
                .map_err(|e| format!("the key does not match the client certificate: {e}"))?,
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config.resumption = Resumption::disabled();
        if !s.verify {
            config
                .dangerous()
                .set_certificate_verifier(Arc::new(NoVerification(
                    provider.signature_verification_algorithms,
                )));
        }
        Ok(TlsSetup {
            base: Arc::new(config),
            resumption: s.resumption,
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

fn with_sessions(base: &Arc<ClientConfig>, sessions: usize) -> Arc<ClientConfig> {
    let mut config = (**base).clone();
    config.resumption = Resumption::in_memory_sessions(sessions);
    Arc::new(config)
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
    fn default_settings_build() {
        let mut problems = crate::error::Problems::default();
        let settings =
            TlsSettings::compile(&crate::plan::options::TlsOptions::default(), &mut problems);
        let setup = TlsSetup::build(&settings).unwrap();
        assert_eq!(setup.resumption, ResumptionPolicy::PerVu);
        assert!(setup.for_vu().is_some());
    }
}
