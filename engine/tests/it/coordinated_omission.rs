//! Coordinated omission, against a server that holds every response arriving in the last second
//! of each five-second cycle until the cycle ends.
//!
//! Open model: requests keep arriving on schedule during the stall, so a fifth of them wait up to
//! a second — and the response-time percentiles must say so, while the service time (from the
//! actual send) stays small. Closed model: the same stall hides in the percentiles (each
//! connection sends once and waits), and must show up as a warning instead.

use std::time::Duration;

use crate::support::{plans, Behaviour, FaultServer};

fn stalling_server() -> FaultServer {
    FaultServer::start(Behaviour::CycleStall {
        period: Duration::from_secs(5),
        stall: Duration::from_secs(1),
    })
}

#[test]
fn open_model_reports_the_stall_in_response_time() {
    let server = stalling_server();
    let r = plans::run(&plans::open(&server.url("/"), 200.0, 20.0, 300, "{}"));
    assert_eq!(r.total.requests, 4000);
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    let rt = r.total.response_time;
    let st = r.total.service_time;
    eprintln!("open model: response {rt:?}\nservice {st:?}");
    assert!(rt.p90_us >= 400_000, "response-time p90 {} µs", rt.p90_us);
    assert!(rt.p99_us >= 850_000, "response-time p99 {} µs", rt.p99_us);
    assert!(st.p50_us < 5_000, "service-time p50 {} µs", st.p50_us);
}

#[test]
fn closed_model_hides_the_stall_in_percentiles_and_warns() {
    let server = stalling_server();
    let r = plans::run(&plans::closed(&server.url("/"), 10, 20.0, "{}"));
    assert!(r.total.errors.is_empty(), "{:?}", r.total.errors);
    eprintln!(
        "closed model: response {:?}\nwarnings {:?}",
        r.total.response_time, r.warnings
    );
    // The stall is invisible to the percentiles of a closed model…
    assert!(
        r.total.response_time.p90_us < 100_000,
        "p90 {}",
        r.total.response_time.p90_us
    );
    // …but throughput collapses during it, and the result says how to read that.
    let mut per_second = vec![0u64; 21];
    for p in &r.series {
        per_second[p.second as usize] += p.requests;
    }
    let mut sorted = per_second[..20].to_vec();
    sorted.sort_unstable();
    let median = sorted[10];
    assert!(
        per_second[..20]
            .iter()
            .filter(|&&n| n * 10 < median)
            .count()
            >= 3,
        "{per_second:?}"
    );
    assert!(
        r.warnings
            .iter()
            .any(|w| w.starts_with("closed model:") && w.contains("coordinated omission")),
        "{:#?}",
        r.warnings
    );
}
