//! A throwaway PKI made at test time with rcgen (ECDSA P-256): a trusted test CA, the server and
//! client identities it signs, and bad ones. The CA and the client identities are written as PEM
//! files (what a plan's `options.http.tls` names); server identities stay in memory and become
//! rustls server configurations for [`Site::start_tls`](super::Site::start_tls).
//!
//! Every server leaf is valid for [`SERVER_NAMES`] unless said otherwise (client leaves name no
//! host); no leaf is a CA, and every leaf carries the serverAuth and clientAuth extended key
//! usages.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, SupportedProtocolVersion};
use tempfile::TempDir;

/// The names and addresses a good server certificate is valid for.
pub const SERVER_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "shop.test"];

/// The only name the wrong-name certificate is valid for.
pub const WRONG_NAME: &str = "other.test";

/// TLS 1.2 and 1.3, the versions rustls speaks.
pub const ALL_VERSIONS: &[&SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// TLS 1.3 only.
pub const TLS13_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];

/// TLS 1.2 only.
pub const TLS12_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];

/// Which certificate a TLS server presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// Valid for [`SERVER_NAMES`], signed by the trusted CA.
    Good,
    /// Valid for [`SERVER_NAMES`], signed by the trusted CA, expired in 2001.
    Expired,
    /// Signed by the trusted CA, valid only for [`WRONG_NAME`].
    WrongName,
    /// Valid for [`SERVER_NAMES`], signed by a second CA that no client is given.
    Untrusted,
}

/// A certificate chain and its private key.
struct Leaf {
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

/// The CAs and identities, and the directory holding their PEM files (removed on drop).
pub struct Pki {
    dir: TempDir,
    ca: CertificateDer<'static>,
    good: Leaf,
    expired: Leaf,
    wrong_name: Leaf,
    untrusted: Leaf,
}

impl Pki {
    /// Generates every key and certificate and writes the PEM files.
    pub fn new() -> Pki {
        let dir = tempfile::Builder::new()
            .prefix("horde-pki-")
            .tempdir()
            .expect("create a temp dir for the PKI");
        let (ca_pem, ca, trusted) = new_ca("horde test CA");
        let (_, _, other) = new_ca("horde untrusted CA");
        let names = SERVER_NAMES.map(String::from).to_vec();

        let good = Leaf::of(issue(&trusted, params(names.clone(), "horde test server")));
        let mut expired = params(names.clone(), "horde expired server");
        expired.not_before = rcgen::date_time_ymd(2000, 1, 1);
        expired.not_after = rcgen::date_time_ymd(2001, 1, 1);
        let expired = Leaf::of(issue(&trusted, expired));
        let wrong_name = Leaf::of(issue(
            &trusted,
            params(vec![WRONG_NAME.into()], "horde other server"),
        ));
        let untrusted = Leaf::of(issue(&other, params(names, "horde untrusted server")));
        let client = issue(&trusted, params(Vec::new(), "horde test client"));
        let stranger = issue(&other, params(Vec::new(), "horde untrusted client"));

        let write = |name: &str, contents: &str| {
            std::fs::write(dir.path().join(name), contents)
                .unwrap_or_else(|e| panic!("write {name}: {e}"));
        };
        write("ca.pem", &ca_pem);
        for (stem, (cert, key)) in [("client", client), ("untrusted-client", stranger)] {
            write(&format!("{stem}.pem"), &cert.pem());
            write(&format!("{stem}.key"), &key.serialize_pem());
        }
        Pki {
            dir,
            ca,
            good,
            expired,
            wrong_name,
            untrusted,
        }
    }

    /// The trusted CA's certificate (PEM): `options.http.tls.ca_file`.
    pub fn ca_file(&self) -> String {
        self.path("ca.pem")
    }

    /// A client certificate signed by the trusted CA (PEM): `options.http.tls.client_cert`.
    pub fn client_cert(&self) -> String {
        self.path("client.pem")
    }

    /// The key of [`Pki::client_cert`] (PKCS#8 PEM): `options.http.tls.client_key`.
    pub fn client_key(&self) -> String {
        self.path("client.key")
    }

    /// A client certificate signed by the untrusted CA (PEM).
    pub fn untrusted_client_cert(&self) -> String {
        self.path("untrusted-client.pem")
    }

    /// The key of [`Pki::untrusted_client_cert`] (PKCS#8 PEM).
    pub fn untrusted_client_key(&self) -> String {
        self.path("untrusted-client.key")
    }

    /// The trusted CA as a root store (for a server checking clients, or a self-test client).
    pub fn roots(&self) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        roots
            .add(self.ca.clone())
            .expect("the test CA is a usable root");
        roots
    }

    /// A server presenting `identity`, speaking `versions`, not asking for client certificates.
    pub fn server_config(
        &self,
        identity: Identity,
        versions: &[&'static SupportedProtocolVersion],
    ) -> Arc<ServerConfig> {
        let leaf = match identity {
            Identity::Good => &self.good,
            Identity::Expired => &self.expired,
            Identity::WrongName => &self.wrong_name,
            Identity::Untrusted => &self.untrusted,
        };
        let config = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(versions)
            .expect("ring supports TLS 1.2 and 1.3")
            .with_no_client_auth()
            .with_single_cert(leaf.chain.clone(), private_key(&leaf.key))
            .expect("the leaf matches its key");
        Arc::new(config)
    }

    /// A server presenting the good identity that requires a client certificate signed by the
    /// trusted CA, and refuses the handshake with an alert otherwise (as strict servers do, unlike
    /// nginx's `ssl_verify_client on`, which answers 400 over an established connection).
    pub fn mutual_tls_config(
        &self,
        versions: &[&'static SupportedProtocolVersion],
    ) -> Arc<ServerConfig> {
        let verifier = WebPkiClientVerifier::builder_with_provider(
            Arc::new(self.roots()),
            Arc::clone(&provider()),
        )
        .build()
        .expect("a client verifier over the test CA");
        let config = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(versions)
            .expect("ring supports TLS 1.2 and 1.3")
            .with_client_cert_verifier(verifier)
            .with_single_cert(self.good.chain.clone(), private_key(&self.good.key))
            .expect("the leaf matches its key");
        Arc::new(config)
    }

    fn path(&self, name: &str) -> String {
        let path = self.dir.path().join(name);
        path.to_str().expect("temp paths are UTF-8").to_string()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn private_key(pkcs8: &[u8]) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pkcs8.to_vec()))
}

/// A self-signed CA called `name`: its PEM, its DER, and what signs with it.
fn new_ca(name: &str) -> (String, CertificateDer<'static>, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    // Distinct names: a client must not mistake one CA for the other while building a chain.
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().expect("generate a CA key");
    let cert = params.self_signed(&key).expect("self-sign the CA");
    (cert.pem(), cert.der().clone(), Issuer::new(params, key))
}

/// Leaf parameters for `names` (IP addresses become IP SANs) with common name `common_name`.
fn params(names: Vec<String>, common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(names).expect("valid SAN names");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params
}

/// Signs `params` with `issuer`, for a fresh key.
fn issue(issuer: &Issuer<'static, KeyPair>, params: CertificateParams) -> (Certificate, KeyPair) {
    let key = KeyPair::generate().expect("generate a leaf key");
    let cert = params.signed_by(&key, issuer).expect("sign a leaf");
    (cert, key)
}

impl Leaf {
    fn of((cert, key): (Certificate, KeyPair)) -> Leaf {
        Leaf {
            chain: vec![cert.der().clone()],
            key: key.serialize_der(),
        }
    }
}
