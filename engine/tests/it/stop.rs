//! Stopping a run from outside: gracefully (in-flight requests finish) or by aborting (they are
//! cancelled); either way the result holds what was measured.

use std::time::{Duration, Instant};

use horde_engine::{CompiledPlan, Plan, StopLevel};

use crate::support::{plans, Behaviour, FaultServer, Nginx};

fn start(plan: &str) -> horde_engine::RunHandle {
    horde_engine::start(CompiledPlan::compile(Plan::from_json(plan).unwrap()).unwrap()).unwrap()
}

#[test]
fn graceful_stop_keeps_what_was_measured() {
    let nginx = Nginx::start();
    let mut run = start(&plans::closed(&nginx.url("/"), 4, 30.0, "{}"));
    assert!(!run.wait(Duration::from_millis(1200)));
    let stopped = Instant::now();
    run.controls().stop(StopLevel::Graceful);
    let r = run.join().unwrap();
    assert!(stopped.elapsed() < Duration::from_secs(5));
    assert!(r.total.requests > 0);
    assert!(
        r.stopped_early.as_deref().unwrap_or("").contains("stopped"),
        "{:?}",
        r.stopped_early
    );
    assert!(r.duration_s < 5.0, "{}", r.duration_s);
    assert_eq!(r.generator.interrupted, 0);
}

#[test]
fn abort_cancels_in_flight_requests() {
    let server = FaultServer::start(Behaviour::Stall(Duration::from_secs(20)));
    let mut run = start(&plans::closed(&server.url("/"), 4, 30.0, "{}"));
    assert!(!run.wait(Duration::from_millis(500)));
    let stopped = Instant::now();
    run.controls().stop(StopLevel::Abort);
    let r = run.join().unwrap();
    assert!(stopped.elapsed() < Duration::from_secs(3));
    assert_eq!(r.total.requests, 0);
    assert_eq!(r.generator.interrupted, 4);
    assert!(r.stopped_early.as_deref().unwrap_or("").contains("aborted"));
    assert!(
        r.notes.iter().any(|w| w.contains("in flight")),
        "{:?}",
        r.notes
    );
}

#[test]
fn progress_is_published_every_second() {
    let nginx = Nginx::start();
    let mut run = start(&plans::closed(&nginx.url("/"), 2, 2.5, "{}"));
    let controls = run.controls();
    assert!(!run.wait(Duration::from_millis(1600)));
    let p = controls.progress();
    assert!(p.requests > 0 && p.elapsed_s >= 1.0, "{p:?}");
    let r = run.join().unwrap();
    assert!(controls.progress().done);
    assert!(r.total.requests >= p.requests);
}
