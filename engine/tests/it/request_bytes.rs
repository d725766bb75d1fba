//! What a server receives is what the plan means, in requests encoded once (nothing templated) and
//! in requests rendered per request alike: an escaped `$${` arrives as `${`, and a binary body
//! arrives byte for byte.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::{plans, Site};

/// One VU, one iteration of `steps`, every request answered 200; what the site saw.
fn sent(site: &Site, steps: Value) -> Vec<crate::support::site::Seen> {
    let r = plans::run(&plans::journey(
        steps,
        plans::per_vu_iterations(1, 1),
        json!({"workers": 1}),
    ));
    let requests = site.seen().len() as u64;
    plans::assert_all_ok(&r, requests);
    site.seen()
}

#[test]
fn an_escaped_dollar_brace_arrives_as_a_dollar_brace() {
    let site = Site::start();
    let step = |name: &str, url: &str| {
        json!({"request": {"method": "POST", "url": site.url(url), "name": name,
                           "headers": [["X-Template", "$${uuid()}"]], "body": {"text": "a $${b}"}}})
    };
    let seen = sent(
        &site,
        json!([
            step("static", "/echo?q=$${literal}"),
            step("templated", "/echo?vu=${__vu}&q=$${literal}"),
        ]),
    );
    let got: Vec<_> = seen
        .iter()
        .map(|s| (s.target.as_str(), s.header("x-template"), s.body.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            ("/echo?q=${literal}", Some("${uuid()}"), &b"a ${b}"[..]),
            ("/echo?vu=1&q=${literal}", Some("${uuid()}"), &b"a ${b}"[..]),
        ]
    );
}

#[test]
fn a_binary_body_arrives_byte_for_byte_when_the_url_or_a_header_is_templated() {
    // Every byte value (not UTF-8), more than a few reads, and a `$${` that is not an escape here.
    let mut body: Vec<u8> = (0..=255u8).cycle().take(256 * 24).collect();
    body.extend_from_slice(b"\r\n\r\n$${x} ${y}\x00end");
    let base64 = base64::engine::general_purpose::STANDARD.encode(&body);
    let site = Site::start();
    let step = |name: &str, url: &str, header: &str| {
        json!({"request": {"method": "PUT", "url": site.url(url), "name": name,
                           "headers": [["X-Vu", header]], "body": {"base64": base64}}})
    };
    let seen = sent(
        &site,
        json!([
            step("static", "/echo", "fixed"),
            step("templated url", "/echo?vu=${__vu}", "fixed"),
            step("templated header", "/echo", "${__vu}"),
        ]),
    );
    assert_eq!(seen.len(), 3);
    for s in &seen {
        assert!(
            s.body == body,
            "{} {:?}: {} bytes",
            s.target,
            s.header("x-vu"),
            s.body.len()
        );
    }
}
