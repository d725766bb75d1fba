//! Connections: the per-host cap (`max_connections_per_host`) makes VUs share a pool and wait
//! their turn, also over HTTPS and across workers; the connection policies open exactly the
//! connections they promise; and a keep-alive connection the server closed while it was idle is
//! replaced without an error. Counted on both sides: the engine's result and the site's accepts.

use horde_engine::RunResult;
use serde_json::json;

use crate::support::pki::ALL_VERSIONS;
use crate::support::plans::assert_all_ok;
use crate::support::{plans, Identity, Pki, Site};

/// `vus` VUs share `iterations` requests to `/slow` (20 ms each, so that they overlap), with at
/// most `cap` connections, on `workers` workers.
fn pooled(
    site: &Site,
    vus: u64,
    iterations: u64,
    cap: u64,
    workers: u64,
    tls: serde_json::Value,
) -> RunResult {
    plans::run(&plans::journey(
        json!([plans::request("GET", &site.url("/slow"), "slow")]),
        plans::shared_iterations(vus, iterations),
        json!({"workers": workers, "http": {"max_connections_per_host": cap, "tls": tls}}),
    ))
}

#[test]
fn more_vus_than_the_cap_share_the_connections_and_wait_their_turn() {
    let site = Site::start();
    let r = pooled(&site, 6, 30, 2, 1, json!({}));
    assert_all_ok(&r, 30);
    assert_eq!(site.seen().len(), 30);
    assert!(
        site.max_open() <= 2,
        "{} connections open at once",
        site.max_open()
    );
    assert_eq!(
        site.connections(),
        2,
        "kept alive and shared, never reopened"
    );
    assert_eq!(r.generator.connections_opened, 2);
    // Six VUs start together on two connections: at least four had to wait.
    assert!(r.generator.pool_waits >= 4, "{}", r.generator.pool_waits);
    // Each connection was used by several VUs in turn.
    let on_first = site.seen().iter().filter(|s| s.connection == 1).count();
    assert!(
        (1..30).contains(&on_first),
        "{on_first} of 30 on the first connection"
    );
}

#[test]
fn pooled_https_connections_are_handshaken_once_each() {
    let pki = Pki::new();
    let site = Site::start_tls(pki.server_config(Identity::Good, ALL_VERSIONS));
    let r = pooled(&site, 6, 30, 2, 1, json!({"ca_file": pki.ca_file()}));
    assert_all_ok(&r, 30);
    assert!(site.max_open() <= 2, "{}", site.max_open());
    assert_eq!(site.connections(), 2);
    assert_eq!(r.generator.tls_handshakes, 2);
    assert!(r.generator.pool_waits >= 4, "{}", r.generator.pool_waits);
}

#[test]
fn the_cap_is_shared_out_between_workers() {
    let site = Site::start();
    let r = pooled(&site, 8, 40, 4, 2, json!({}));
    assert_all_ok(&r, 40);
    assert!(site.max_open() <= 4, "{}", site.max_open());
    assert!(site.connections() <= 4, "{}", site.connections());
    assert!(r.generator.connections_opened <= 4);
    assert!(r.generator.pool_waits > 0);
}

#[test]
fn a_cap_below_the_number_of_workers_still_holds() {
    let site = Site::start();
    let r = pooled(&site, 4, 20, 1, 2, json!({}));
    assert_all_ok(&r, 20);
    assert_eq!(
        (
            site.max_open(),
            site.connections(),
            r.generator.connections_opened
        ),
        (1, 1, 1),
        "max_connections_per_host: 1 means one connection across the run"
    );
}

#[test]
fn connection_policies_open_the_connections_they_promise() {
    for (policy, expected) in [("per_vu", 2), ("per_iteration", 8), ("per_request", 16)] {
        let site = Site::start();
        let r = plans::run(&plans::journey(
            json!([
                plans::request("GET", &site.url("/echo"), "one"),
                plans::request("GET", &site.url("/echo"), "two"),
            ]),
            plans::per_vu_iterations(2, 4),
            json!({"workers": 1, "http": {"connections": policy}}),
        ));
        assert_all_ok(&r, 16);
        assert_eq!(r.generator.connections_opened, expected, "{policy}");
        assert_eq!(site.connections(), expected, "{policy}");
        assert_eq!(site.seen().len(), 16, "{policy}");
    }
}

/// Every VU runs `iterations` iterations of: GET `/last` (the site answers, then closes the
/// connection without warning, as after an idle timeout), think 50 ms.
fn after_idle_close(site: &Site, vus: u64, iterations: u64, http: serde_json::Value) -> RunResult {
    plans::run(&plans::journey(
        json!([
            plans::request("GET", &site.url("/last"), "last"),
            {"think": {"distribution": "fixed", "seconds": 0.05}},
        ]),
        plans::per_vu_iterations(vus, iterations),
        json!({"workers": 1, "http": http}),
    ))
}

#[test]
fn a_connection_the_server_closed_while_idle_is_replaced_without_an_error() {
    let pki = Pki::new();
    for tls in [false, true] {
        let site = if tls {
            Site::start_tls(pki.server_config(Identity::Good, ALL_VERSIONS))
        } else {
            Site::start()
        };
        let r = after_idle_close(&site, 1, 4, json!({"tls": {"ca_file": pki.ca_file()}}));
        assert_all_ok(&r, 4);
        // The first request opens the connection; each later one finds it closed, and is sent
        // again on a new one.
        assert_eq!(r.generator.reconnects, 3, "tls {tls}");
        assert_eq!(r.generator.connections_opened, 4, "tls {tls}");
        assert_eq!(site.connections(), 4, "tls {tls}");
        assert_eq!(site.seen().len(), 4, "tls {tls}");
    }
}

#[test]
fn a_pooled_connection_the_server_closed_while_idle_is_replaced_without_an_error() {
    // Two VUs on one pooled connection: the second borrows the connection the first used, which
    // the site has closed by then.
    let site = Site::start();
    let r = after_idle_close(&site, 2, 1, json!({"max_connections_per_host": 1}));
    assert_eq!(r.generator.pool_waits, 1);
    assert_all_ok(&r, 2);
    assert_eq!(r.generator.reconnects, 1);
}
