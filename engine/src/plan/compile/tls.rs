//! The TLS options compiled: version bounds and the resumption policy as values, and the CA,
//! client-certificate and key files read and parsed once, so that a bad file is a plan error
//! naming its field before any load, and the run builds its rustls configuration from data.

use std::ffi::OsString;
use std::sync::{Arc, Mutex};

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
    /// Trust Mozilla's roots (built in).
    pub bundled_roots: bool,
    /// CA certificates trusted besides Mozilla's roots: the system's (when `trust` names it),
    /// then `ca_file`'s.
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
        let (bundled_roots, mut extra_roots) = trusted(o, problems);
        if let Some(path) = &o.ca_file {
            match read_certs(path) {
                Ok(certs) => extra_roots.extend(certs),
                Err(e) => problems.push("options.http.tls.ca_file".into(), e),
            }
        }
        TlsSettings {
            bundled_roots,
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

/// The sources `trust` names: whether Mozilla's roots are in, and the system's certificates.
///
/// "system" reads `SSL_CERT_FILE` / `SSL_CERT_DIR` when either is set (and then only them, as
/// OpenSSL does), else the operating system's store. A file or directory named by those variables
/// that cannot be read is a plan error naming the variable; an unreadable file inside the
/// operating system's store is skipped, as every TLS client does.
fn trusted(o: &TlsOptions, problems: &mut Problems) -> (bool, Vec<CertificateDer<'static>>) {
    let mut bundled = false;
    let mut system = Vec::new();
    for source in &o.trust {
        match source.as_str() {
            "bundled" => bundled = true,
            "system" => {
                let found = system_roots();
                if let Some(e) = &found.error {
                    problems.push("options.http.tls.trust".into(), e.clone());
                }
                system.extend(found.certs.iter().cloned());
            }
            other => problems.push(
                "options.http.tls.trust".into(),
                format!("each source must be \"bundled\" or \"system\", got {other:?}"),
            ),
        }
    }
    if o.trust.is_empty() && o.ca_file.is_none() && o.verify {
        problems.push(
            "options.http.tls.trust".into(),
            "trusts no CA at all: name \"bundled\", \"system\" or give ca_file".into(),
        );
    }
    (bundled, system)
}

/// The system's CA certificates, read once per process and per `SSL_CERT_FILE`/`SSL_CERT_DIR`.
struct SystemRoots {
    certs: Vec<CertificateDer<'static>>,
    /// Why the variables' file or directory could not be used, naming the variable.
    error: Option<String>,
}

fn system_roots() -> Arc<SystemRoots> {
    type Cache = Option<((Option<OsString>, Option<OsString>), Arc<SystemRoots>)>;
    static CACHE: Mutex<Cache> = Mutex::new(None);
    let key = (
        std::env::var_os("SSL_CERT_FILE"),
        std::env::var_os("SSL_CERT_DIR"),
    );
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((k, roots)) = cache.as_ref() {
        if *k == key {
            return roots.clone();
        }
    }
    let found = rustls_native_certs::load_native_certs();
    let from_env = key.0.is_some() || key.1.is_some();
    let error = match (&key, found.errors.first()) {
        ((file, dir), Some(e)) if from_env => Some(format!(
            "the system trust store comes from {}: {e}",
            describe(file.as_deref(), dir.as_deref())
        )),
        ((file, dir), None) if from_env && found.certs.is_empty() => Some(format!(
            "no PEM certificate found in {}",
            describe(file.as_deref(), dir.as_deref())
        )),
        _ => None,
    };
    let roots = Arc::new(SystemRoots {
        certs: found.certs,
        error,
    });
    *cache = Some((key, roots.clone()));
    roots
}

fn describe(file: Option<&std::ffi::OsStr>, dir: Option<&std::ffi::OsStr>) -> String {
    let mut parts = Vec::new();
    if let Some(f) = file {
        parts.push(format!("SSL_CERT_FILE={}", f.to_string_lossy()));
    }
    if let Some(d) = dir {
        parts.push(format!("SSL_CERT_DIR={}", d.to_string_lossy()));
    }
    parts.join(" and ")
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
