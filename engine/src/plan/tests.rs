//! Plan parsing and validation tests: every error names its path.

use super::*;

fn attack(executor: &str) -> String {
    format!(
        r#"{{"version": 1,
            "journeys": {{"j": {{"steps": [{{"request": {{"method": "GET", "url": "http://127.0.0.1:8080/x?y=1"}}}}]}}}},
            "scenarios": {{"s": {{"journey": "j", "executor": {executor}}}}}}}"#
    )
}

/// The plan errors of `text`, one line each (shared with the compiler tests).
pub(super) fn issues(text: &str) -> Vec<String> {
    Plan::from_json(text)
        .and_then(|p| p.validate())
        .unwrap_err()
        .issues
        .iter()
        .map(|i| i.to_string())
        .collect()
}

#[test]
fn a_valid_plan_round_trips() {
    let text = attack(
        r#"{"type": "constant_arrival_rate", "rate": 100, "duration_s": 5, "pre_allocated_vus": 4, "max_vus": 4, "when_saturated": "queue"}"#,
    );
    let plan = Plan::from_json(&text).unwrap();
    assert_eq!(Plan::from_json(&plan.to_json()).unwrap(), plan);
    assert!(matches!(
        plan.scenarios["s"].executor,
        ExecutorConfig::ConstantArrivalRate {
            when_saturated: Saturation::Queue,
            ..
        }
    ));
}

/// Found by the `plan` fuzz target: without serde_json's exact float parsing, a long decimal
/// (`30.0222…2`, 60 digits) was read as a float that printed as 30.022222222222226, and that read
/// back as another float, so a saved plan was not the plan that ran.
#[test]
fn seconds_read_back_to_the_same_float() {
    let long = format!("30.0{}", "2".repeat(58));
    let text = attack(&format!(
        r#"{{"type": "constant_vus", "vus": 1, "duration_s": {long}}}"#
    ));
    let plan = Plan::from_json(&text).unwrap();
    let again = Plan::from_json(&plan.to_json()).unwrap();
    assert_eq!(again.to_json(), plan.to_json());
}

#[test]
fn type_errors_carry_their_path() {
    let text = attack(r#"{"type": "constant_vus", "vus": "ten", "duration_s": 5}"#);
    let found = issues(&text);
    // Internally tagged enums are buffered by serde, so the path stops at the executor; the message
    // still names the bad value.
    assert!(
        found[0].starts_with("scenarios.s.executor: invalid type: string \"ten\""),
        "{found:?}"
    );
    let text = attack(r#"{"type": "constant_vu", "vus": 1, "duration_s": 5}"#);
    assert!(
        issues(&text)[0].contains("constant_vu"),
        "{:?}",
        issues(&text)
    );
    let unknown_field =
        attack(r#"{"type": "constant_vus", "vus": 1, "duration_s": 5, "rampup": 3}"#);
    assert!(issues(&unknown_field)[0].contains("rampup"));
}

#[test]
fn validation_collects_every_issue() {
    let text = r#"{"version": 2,
        "journeys": {"j": {"steps": [{"request": {"method": "G T", "url": "ftp://x/", "headers": [["X-A", "a\r\nb"]], "timeout_s": 0}}]}},
        "scenarios": {"s": {"journey": "k", "executor": {"type": "constant_arrival_rate", "rate": -5, "duration_s": 1, "pre_allocated_vus": 3, "max_vus": 2}}}}"#;
    let found = issues(text);
    let expect = [
        "version: this engine reads plan version 1, got 2",
        "journeys.j.steps[0].request.method",
        "journeys.j.steps[0].request.url: unsupported scheme \"ftp\"",
        "journeys.j.steps[0].request.headers[0]: header \"X-A\" has a CR",
        "journeys.j.steps[0].request.timeout_s: must be > 0, got 0",
        "scenarios.s.journey: unknown journey \"k\"",
        "scenarios.s.executor.rate: must be > 0, got -5",
        "scenarios.s.executor.max_vus: must be ≥ pre_allocated_vus (3), got 2",
    ];
    for e in expect {
        assert!(
            found.iter().any(|f| f.starts_with(e)),
            "missing {e:?} in {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
}

#[test]
fn bad_urls_are_named() {
    let text = attack(r#"{"type": "constant_vus", "vus": 1, "duration_s": 5}"#)
        .replace("http://127.0.0.1:8080/x?y=1", "not a url");
    assert!(
        issues(&text)[0].starts_with("journeys.j.steps[0].request.url: invalid URL \"not a url\"")
    );
}
