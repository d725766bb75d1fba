//! The site's routes, connection counts and TLS identities, checked with the plain client and
//! with rustls's own blocking client, so that a failing engine test can be blamed on the engine.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::client::{Client, TIMEOUT};
use crate::support::pki::ALL_VERSIONS;
use crate::support::{Identity, Pki, Site};

#[test]
fn routes_answer_as_documented_and_requests_are_remembered() {
    let site = Site::start();
    let mut client = Client::connect(site.addr());
    client.send(
        b"POST /echo?x=1 HTTP/1.1\r\nHost: selftest\r\nCookie: a=1\r\nContent-Length: 3\r\n\r\nabc",
    );
    let echo = client.read_response();
    assert_eq!(echo.status, 200);
    assert_eq!(
        String::from_utf8(echo.body).unwrap(),
        "POST /echo?x=1\ncookie: a=1\ncontent-type: \ncontent-length: 3\nbody: abc\n"
    );
    client.get("/set?sid=1");
    let set = client.read_response();
    assert_eq!(set.header("set-cookie"), Some("sid=1; Path=/"));
    client.get("/login");
    let login = client.read_response();
    assert_eq!(
        (login.status, login.header("location")),
        (303, Some("/account"))
    );
    for (path, status, location) in [
        ("/redirect/307", 307, "/echo"),
        ("/chain/2", 302, "/chain/1"),
        ("/loop/b", 302, "/loop/a"),
        ("/to?http://x.test/y", 302, "http://x.test/y"),
    ] {
        client.get(path);
        let r = client.read_response();
        assert_eq!(
            (r.status, r.header("location")),
            (status, Some(location)),
            "{path}"
        );
    }
    client.get("/account");
    assert_eq!(client.read_response().status, 403);
    client.send(b"GET /account HTTP/1.1\r\nHost: selftest\r\nCookie: x=2; sid=abc\r\n\r\n");
    assert_eq!(client.read_response().body, b"welcome\n");
    client.assert_idle();
    let seen = site.seen();
    assert_eq!(seen.len(), 9);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].body.as_slice()),
        ("POST", &b"abc"[..])
    );
    assert_eq!(seen[0].path(), "/echo");
    assert!(seen.iter().all(|s| s.connection == 1));
    assert_eq!((site.connections(), site.max_open()), (1, 1));
}

#[test]
fn last_closes_the_connection_and_unreadable_requests_get_a_400() {
    let site = Site::start();
    let mut client = Client::connect(site.addr());
    client.get("/last");
    assert_eq!(client.read_response().body, b"last\n");
    assert!(client.read_until_fin().is_empty());
    let mut client = Client::connect(site.addr());
    client.send(b"\x16\x03\x01\x00\x05hello");
    let refused = client.read_until_fin();
    assert!(refused.starts_with(b"HTTP/1.1 400 "), "{refused:?}");
    assert_eq!(site.connections(), 2);
}

/// One GET / over TLS with rustls's blocking client; the error text if anything fails.
fn tls_get(site: &Site, config: ClientConfig, name: &str) -> Result<Vec<u8>, String> {
    let name = ServerName::try_from(name.to_string()).unwrap();
    let session = ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let tcp = TcpStream::connect(site.addr()).unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut tls = StreamOwned::new(session, tcp);
    tls.write_all(b"GET /last HTTP/1.1\r\nHost: selftest\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    tls.read_to_end(&mut response).map_err(|e| e.to_string())?;
    Ok(response)
}

fn client_config(
    pki: &Pki,
) -> rustls::ConfigBuilder<ClientConfig, rustls::client::WantsClientCert> {
    ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(pki.roots())
}

#[test]
fn each_tls_identity_is_what_it_says() {
    let pki = Pki::new();
    let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nlast\n";
    let cases = [
        (Identity::Good, "127.0.0.1", None),
        (Identity::Good, "shop.test", None),
        (Identity::Expired, "localhost", Some("expired")),
        (Identity::WrongName, "localhost", Some("not valid for name")),
        (Identity::WrongName, "other.test", None),
        (Identity::Untrusted, "localhost", Some("UnknownIssuer")),
    ];
    for (identity, name, error) in cases {
        let site = Site::start_tls(pki.server_config(identity, ALL_VERSIONS));
        let got = tls_get(&site, client_config(&pki).with_no_client_auth(), name);
        match error {
            None => assert_eq!(got.as_deref(), Ok(&ok[..]), "{identity:?} as {name}"),
            Some(text) => {
                let e = got.expect_err("the handshake must fail");
                assert!(e.contains(text), "{identity:?} as {name}: {e}");
            }
        }
    }
}

#[test]
fn the_mutual_tls_site_wants_a_client_certificate_from_the_test_ca() {
    let pki = Pki::new();
    let site = Site::start_tls(pki.mutual_tls_config(ALL_VERSIONS));
    let pem = |path: String| std::fs::read(path).unwrap();
    let identity = |cert: String, key: String| {
        let certs = rustls::pki_types::CertificateDer::pem_slice_iter(&pem(cert))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(&pem(key)).unwrap();
        client_config(&pki)
            .with_client_auth_cert(certs, key)
            .unwrap()
    };
    let with = identity(pki.client_cert(), pki.client_key());
    assert!(tls_get(&site, with, "localhost").is_ok());
    assert!(tls_get(
        &site,
        client_config(&pki).with_no_client_auth(),
        "localhost"
    )
    .is_err());
    let stranger = identity(pki.untrusted_client_cert(), pki.untrusted_client_key());
    assert!(tls_get(&site, stranger, "localhost").is_err());
    assert_eq!(site.failed_handshakes(), 2);
    assert_eq!(site.seen().len(), 1);
}
