//! HTTPS against a rustls server with certificates made at test time: a verified handshake (by
//! address and by name), session resumption, each bad certificate in its own error class,
//! `verify: false` flagged, mutual TLS, version bounds, and a server that does not speak TLS.

use horde_engine::RunResult;
use serde_json::{json, Value};

use crate::support::pki::{ALL_VERSIONS, TLS12_ONLY, TLS13_ONLY};
use crate::support::plans::assert_all_ok;
use crate::support::{plans, Identity, Pki, Site};

/// Requests per run in the failure cases, over 2 VUs.
const N: u64 = 6;

/// `options` with these `http.tls` settings.
fn tls(settings: Value) -> Value {
    json!({"http": {"tls": settings}})
}

/// N GETs of `url` over 2 VUs, each VU on its own keep-alive connection.
fn get(url: &str, options: &Value) -> RunResult {
    plans::run(&plans::count(url, 2, N, &options.to_string()))
}

/// Every one of the N requests failed in `class`, and nothing else happened.
fn assert_all_failed(r: &RunResult, class: &str) {
    assert_eq!(r.total.requests, N, "{:?}", r.total.errors);
    assert_eq!(
        r.total.errors.get(class),
        Some(&N),
        "{:?} {:?}",
        r.total.errors,
        r.total.error_details
    );
    assert_eq!(
        r.total.errors.len(),
        1,
        "only {class}: {:?}",
        r.total.errors
    );
    assert!(r.total.status.is_empty(), "{:?}", r.total.status);
    assert!(r.total.error_details.contains_key(class));
}

fn insecure_warned(r: &RunResult) -> bool {
    r.warnings.iter().any(|w| w.contains("INSECURE"))
}

#[test]
fn a_verified_handshake_succeeds_and_is_counted_once_per_connection() {
    let pki = Pki::new();
    let site = Site::start_tls(pki.server_config(Identity::Good, ALL_VERSIONS));
    let r = plans::run(&plans::journey(
        json!([plans::request("GET", &site.url("/echo"), "echo")]),
        plans::per_vu_iterations(2, 5),
        tls(json!({"ca_file": pki.ca_file()})),
    ));
    assert_all_ok(&r, 10);
    // Keep-alive: one connection, so one full handshake, per VU.
    assert_eq!(r.generator.connections_opened, 2);
    assert_eq!(site.connections(), 2);
    assert_eq!(r.generator.tls_handshakes, 2);
    assert_eq!(r.generator.tls_resumed, 0);
    // The handshake is timed on the request that opened the connection.
    assert_eq!(r.total.tls_handshaking.count, 2);
    assert!(r.total.tls_handshaking.max_us > 0);
    assert_eq!(site.seen().len(), 10);
    assert!(!insecure_warned(&r), "{:?}", r.warnings);
}

#[test]
fn the_certificate_is_verified_against_the_urls_host_name_also_under_a_hosts_override() {
    // The certificate is valid for other.test only: reached under that name (routed to
    // 127.0.0.1 by `hosts`) it verifies, reached by address it does not.
    let pki = Pki::new();
    let site = Site::start_tls(pki.server_config(Identity::WrongName, ALL_VERSIONS));
    let options = json!({"http": {
        "tls": {"ca_file": pki.ca_file()},
        "hosts": {"other.test": ["127.0.0.1"]},
    }});
    let by_name = get(&site.url_as("other.test", "/echo"), &options);
    assert_all_ok(&by_name, N);
    let hosts: Vec<_> = site
        .seen()
        .iter()
        .map(|s| s.header("host").unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        hosts,
        vec![format!("other.test:{}", site.port()); N as usize]
    );
    let by_address = get(&site.url("/echo"), &options);
    assert_all_failed(&by_address, "tls_hostname_mismatch");
}

/// Each VU runs 5 iterations, each on a new connection: (full handshakes, resumed ones).
fn handshakes_with_resumption(resumption: &str) -> (u64, u64) {
    let pki = Pki::new();
    let site = Site::start_tls(pki.server_config(Identity::Good, ALL_VERSIONS));
    let r = plans::run(&plans::journey(
        json!([plans::request("GET", &site.url("/echo"), "echo")]),
        plans::per_vu_iterations(2, 5),
        json!({"workers": 1, "http": {
            "connections": "per_request",
            "tls": {"ca_file": pki.ca_file(), "resumption": resumption},
        }}),
    ));
    assert_all_ok(&r, 10);
    assert_eq!(r.generator.connections_opened, 10);
    assert_eq!(site.connections(), 10);
    assert_eq!(r.generator.tls_handshakes, 10);
    assert_eq!(r.total.tls_handshaking.count, 10);
    (
        r.generator.tls_handshakes - r.generator.tls_resumed,
        r.generator.tls_resumed,
    )
}

#[test]
fn sessions_are_resumed_per_vu_by_default() {
    // Only each VU's first connection needs a full handshake: the server's TLS 1.3 tickets
    // arrive before its first response.
    assert_eq!(handshakes_with_resumption("per_vu"), (2, 8));
}

#[test]
fn sessions_are_not_resumed_when_resumption_is_off() {
    assert_eq!(handshakes_with_resumption("off"), (10, 0));
}

#[test]
fn shared_sessions_are_resumed_by_any_vu_of_the_worker() {
    // The two VUs' first handshakes may both be full (they start together); every later one
    // resumes a session of either.
    let (full, resumed) = handshakes_with_resumption("shared");
    assert!(full <= 2 && resumed >= 8, "{full} full, {resumed} resumed");
}

#[test]
fn a_certificate_from_an_unknown_ca_is_untrusted() {
    let pki = Pki::new();
    // Signed by our test CA, which is not given: only the built-in roots are trusted.
    let site = Site::start_tls(pki.server_config(Identity::Good, ALL_VERSIONS));
    assert_all_failed(
        &get(&site.url("/"), &json!({})),
        "tls_untrusted_certificate",
    );
    // Signed by another CA than the one given.
    let site = Site::start_tls(pki.server_config(Identity::Untrusted, ALL_VERSIONS));
    let r = get(&site.url("/"), &tls(json!({"ca_file": pki.ca_file()})));
    assert_all_failed(&r, "tls_untrusted_certificate");
    assert_eq!(r.generator.tls_handshakes, 0);
    assert!(
        site.seen().is_empty(),
        "no request may reach an unverified server"
    );
}

#[test]
fn an_expired_certificate_is_its_own_class() {
    let pki = Pki::new();
    let site = Site::start_tls(pki.server_config(Identity::Expired, ALL_VERSIONS));
    let r = get(&site.url("/"), &tls(json!({"ca_file": pki.ca_file()})));
    assert_all_failed(&r, "tls_expired_certificate");
    assert!(site.seen().is_empty());
}

#[test]
fn a_certificate_for_another_name_is_a_hostname_mismatch() {
    let pki = Pki::new();
    let site = Site::start_tls(pki.server_config(Identity::WrongName, ALL_VERSIONS));
    let r = get(
        &site.url_as("localhost", "/"),
        &json!({"http": {
            "tls": {"ca_file": pki.ca_file()},
            "hosts": {"localhost": ["127.0.0.1"]},
        }}),
    );
    assert_all_failed(&r, "tls_hostname_mismatch");
    assert!(site.seen().is_empty());
}

#[test]
fn verify_false_accepts_any_certificate_and_says_so_first() {
    let pki = Pki::new();
    for identity in [Identity::Untrusted, Identity::Expired, Identity::WrongName] {
        let site = Site::start_tls(pki.server_config(identity, ALL_VERSIONS));
        let r = get(&site.url("/echo"), &tls(json!({"verify": false})));
        assert_all_ok(&r, N);
        assert_eq!(r.generator.tls_handshakes, 2, "{identity:?}");
        assert!(
            r.warnings
                .first()
                .is_some_and(|w| w.starts_with("INSECURE")),
            "{identity:?}: {:?}",
            r.warnings
        );
    }
}

#[test]
fn verify_false_is_flagged_also_when_https_is_only_reached_by_a_redirect() {
    let pki = Pki::new();
    let secure = Site::start_tls(pki.server_config(Identity::Untrusted, ALL_VERSIONS));
    let plain = Site::start();
    let r = get(
        &plain.url(&format!("/to?{}", secure.url("/echo"))),
        &tls(json!({"verify": false})),
    );
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    assert_eq!(
        secure.seen().len(),
        N as usize,
        "every request reached the unverified server"
    );
    assert!(
        r.warnings
            .first()
            .is_some_and(|w| w.starts_with("INSECURE")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn mutual_tls_is_accepted_with_the_right_certificate_and_rejected_without() {
    let pki = Pki::new();
    // TLS 1.3 rejects the client after the client's handshake is done, TLS 1.2 within it: both
    // must come out in the same class.
    for (version, versions) in [("1.3", TLS13_ONLY), ("1.2", TLS12_ONLY)] {
        let site = Site::start_tls(pki.mutual_tls_config(versions));
        let url = site.url("/echo");
        let with_cert = get(
            &url,
            &tls(json!({
                "ca_file": pki.ca_file(),
                "client_cert": pki.client_cert(),
                "client_key": pki.client_key(),
            })),
        );
        assert_all_ok(&with_cert, N);
        assert_eq!(site.seen().len(), N as usize, "TLS {version}");
        let without = get(&url, &tls(json!({"ca_file": pki.ca_file()})));
        assert_all_failed(&without, "tls_client_certificate_rejected");
        let stranger = get(
            &url,
            &tls(json!({
                "ca_file": pki.ca_file(),
                "client_cert": pki.untrusted_client_cert(),
                "client_key": pki.untrusted_client_key(),
            })),
        );
        assert_all_failed(&stranger, "tls_client_certificate_rejected");
        assert_eq!(
            site.seen().len(),
            N as usize,
            "TLS {version}: nothing more served"
        );
        assert_eq!(site.failed_handshakes(), 2 * N, "TLS {version}");
    }
}

#[test]
fn no_version_in_common_is_a_version_mismatch() {
    let pki = Pki::new();
    let ca = pki.ca_file();
    for (server, client, class) in [
        (
            TLS13_ONLY,
            json!({"max_version": "1.2"}),
            Some("tls_version_mismatch"),
        ),
        (
            TLS12_ONLY,
            json!({"min_version": "1.3"}),
            Some("tls_version_mismatch"),
        ),
        (TLS12_ONLY, json!({"max_version": "1.2"}), None),
    ] {
        let site = Site::start_tls(pki.server_config(Identity::Good, server));
        let mut settings = client.clone();
        settings["ca_file"] = json!(ca);
        let r = get(&site.url("/echo"), &tls(settings));
        match class {
            Some(class) => assert_all_failed(&r, class),
            None => assert_all_ok(&r, N),
        }
    }
}

#[test]
fn a_server_that_does_not_speak_tls_is_named() {
    // The plain site answers the ClientHello with a 400, as nginx does.
    let site = Site::start();
    let url = site.url("/echo").replace("http://", "https://");
    assert_all_failed(&get(&url, &json!({})), "tls_not_tls");
}
