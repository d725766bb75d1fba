//! Against a real nginx: exact counts, achieved rate, bodies, keep-alive and connection close.

use crate::support::{nginx::BIG_LEN, plans, Nginx};

#[test]
fn open_model_sends_exactly_the_scheduled_requests() {
    let nginx = Nginx::start();
    let r = plans::run(&plans::open(&nginx.url("/"), 2000.0, 3.0, 32, "{}"));
    assert_eq!(r.total.requests, 6000);
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    let rate = r.total.requests as f64 / r.duration_s;
    assert!(
        (rate - 2000.0).abs() < 20.0,
        "achieved {rate}/s over {} s",
        r.duration_s
    );
    assert_eq!(r.generator.iterations, 6000);
    // Every send is measured against its schedule, but those that first waited for a free VU.
    assert_eq!(r.generator.send_lag.count + r.generator.delayed, 6000);
}

#[test]
fn closed_model_runs_exactly_the_requested_count() {
    let nginx = Nginx::start();
    let r = plans::run(&plans::count(&nginx.url("/"), 8, 1234, "{}"));
    assert_eq!(r.total.requests, 1234);
    assert_eq!(r.total.status.get("200"), Some(&1234));
    assert!(r.generator.connections_opened <= 8);
}

#[test]
fn closed_model_for_a_duration_keeps_connections_alive() {
    let nginx = Nginx::start();
    let r = plans::run(&plans::closed(&nginx.url("/"), 4, 1.0, "{}"));
    assert!(r.total.requests > 100, "{}", r.total.requests);
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    // nginx closes a keep-alive connection after 1000 requests (with Connection: close).
    assert!(r.generator.connections_opened <= 4 + r.total.requests / 1000 + 4);
    assert!((r.duration_s - 1.0).abs() < 0.01, "{}", r.duration_s);
}

#[test]
fn large_chunked_and_empty_bodies() {
    let nginx = Nginx::start();
    let big = plans::run(&plans::count(&nginx.url("/big"), 2, 10, "{}"));
    assert_eq!(big.total.status.get("200"), Some(&10));
    assert!(big.total.bytes_received >= 10 * BIG_LEN as u64);
    let chunked = plans::run(&plans::count(&nginx.url("/chunked"), 2, 10, "{}"));
    assert_eq!(
        chunked.total.status.get("200"),
        Some(&10),
        "{:?}",
        chunked.total.errors
    );
    let empty = plans::run(&plans::count(&nginx.url("/204"), 2, 10, "{}"));
    assert_eq!(empty.total.status.get("204"), Some(&10));
    let head =
        plans::run(&plans::count(&nginx.url("/big"), 2, 10, "{}").replace("\"GET\"", "\"HEAD\""));
    assert_eq!(head.total.status.get("200"), Some(&10));
    assert!(head.total.bytes_received < 10 * 1000, "HEAD read no body");
    assert_eq!(head.generator.connections_opened, 2);
}

#[test]
fn server_connection_close_reconnects_each_time() {
    let nginx = Nginx::start();
    let r = plans::run(&plans::count(&nginx.url("/close"), 2, 20, "{}"));
    assert_eq!(r.total.status.get("200"), Some(&20), "{:?}", r.total.errors);
    assert_eq!(r.generator.connections_opened, 20);
}

#[test]
fn workers_option_is_honoured() {
    let nginx = Nginx::start();
    let r = plans::run(&plans::count(&nginx.url("/"), 4, 100, r#"{"workers": 1}"#));
    assert_eq!(r.workers.len(), 1);
    assert_eq!(r.total.requests, 100);
}

#[test]
fn fewer_vus_than_workers_still_run_everything() {
    let nginx = Nginx::start();
    let started = std::time::Instant::now();
    let r = plans::run(&plans::count(&nginx.url("/"), 1, 5, r#"{"workers": 2}"#));
    assert_eq!(r.total.requests, 5);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let r = plans::run(&plans::open(
        &nginx.url("/"),
        100.0,
        0.5,
        1,
        r#"{"workers": 2}"#,
    ));
    assert_eq!(r.total.requests, 50);
    assert_eq!(
        r.generator.connections_opened, 1,
        "one VU in all, so one connection"
    );
}
