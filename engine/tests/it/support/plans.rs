//! Plan builders for the tests: the JSON a user's script would produce, for one request or a
//! journey of several; and small readers of the result.

use horde_engine::{CompiledPlan, Plan, RunResult};
use serde_json::{json, Value};

/// A one-request journey against `url` driven by `executor` (a JSON object), with extra
/// `options` (a JSON object, may be `{}`).
pub fn one_request(url: &str, executor: &str, options: &str) -> String {
    format!(
        r#"{{"version": 1,
            "journeys": {{"j": {{"steps": [{{"request": {{"method": "GET", "url": "{url}"}}}}]}}}},
            "scenarios": {{"s": {{"journey": "j", "executor": {executor}}}}},
            "options": {options}}}"#
    )
}

/// Open model: `rate`/s for `duration_s` over at most `vus` connections, queueing when saturated.
pub fn open(url: &str, rate: f64, duration_s: f64, vus: u64, options: &str) -> String {
    one_request(
        url,
        &format!(
            r#"{{"type": "constant_arrival_rate", "rate": {rate}, "duration_s": {duration_s},
                 "pre_allocated_vus": {vus}, "max_vus": {vus}, "when_saturated": "queue"}}"#
        ),
        options,
    )
}

/// Closed model: `vus` connections back to back for `duration_s`.
pub fn closed(url: &str, vus: u64, duration_s: f64, options: &str) -> String {
    one_request(
        url,
        &format!(r#"{{"type": "constant_vus", "vus": {vus}, "duration_s": {duration_s}}}"#),
        options,
    )
}

/// Closed model: `vus` connections sharing exactly `iterations` requests.
pub fn count(url: &str, vus: u64, iterations: u64, options: &str) -> String {
    one_request(
        url,
        &format!(
            r#"{{"type": "shared_iterations", "vus": {vus}, "iterations": {iterations}, "max_duration_s": 30}}"#
        ),
        options,
    )
}

/// Parses, compiles and runs a plan; panics with the engine's message on a plan or run error.
pub fn run(plan_json: &str) -> RunResult {
    let plan = Plan::from_json(plan_json).unwrap_or_else(|e| panic!("{e}"));
    let compiled = CompiledPlan::compile(plan).unwrap_or_else(|e| panic!("{e}"));
    horde_engine::start(compiled)
        .unwrap_or_else(|e| panic!("{e}"))
        .join()
        .unwrap()
}

/// A plan of one journey (`steps`, a JSON array of steps) driven by `executor`, with `options`:
/// for the tests that need several requests, bodies, checks or extractions.
pub fn journey(steps: Value, executor: Value, options: Value) -> String {
    json!({
        "version": 1,
        "journeys": {"j": {"steps": steps}},
        "scenarios": {"s": {"journey": "j", "executor": executor}},
        "options": options,
    })
    .to_string()
}

/// A request step: `method` on `url`, named `name` in results.
pub fn request(method: &str, url: &str, name: &str) -> Value {
    json!({"request": {"method": method, "url": url, "name": name}})
}

/// Closed model: each of `vus` VUs runs exactly `iterations` iterations.
pub fn per_vu_iterations(vus: u64, iterations: u64) -> Value {
    json!({"type": "per_vu_iterations", "vus": vus, "iterations": iterations, "max_duration_s": 30})
}

/// Closed model: `vus` VUs share exactly `iterations` iterations.
pub fn shared_iterations(vus: u64, iterations: u64) -> Value {
    json!({"type": "shared_iterations", "vus": vus, "iterations": iterations, "max_duration_s": 30})
}

/// (passes, fails) of the check called `name` on the request called `request`.
pub fn check(r: &RunResult, request: &str, name: &str) -> (u64, u64) {
    let found = r
        .checks
        .iter()
        .find(|c| c.request == request && c.name == name)
        .unwrap_or_else(|| panic!("no check {request}: {name} in {:?}", r.checks));
    (found.passes, found.fails)
}

/// The result row of the request called `$name` in the `RunResult` `$r`, without naming its type.
macro_rules! row {
    ($r:expr, $name:expr) => {{
        let name: &str = $name;
        $r.requests
            .iter()
            .find(|row| row.name == name)
            .unwrap_or_else(|| panic!("no request called {name}"))
    }};
}
pub(crate) use row;

/// Asserts that `r` finished exactly `requests` requests, all answered 200, with no error.
pub fn assert_all_ok(r: &RunResult, requests: u64) {
    assert_eq!(r.total.requests, requests);
    assert!(
        r.total.errors.is_empty(),
        "{:?} {:?}",
        r.total.errors,
        r.total.error_details
    );
    assert_eq!(
        r.total.status.get("200"),
        Some(&requests),
        "{:?}",
        r.total.status
    );
}
