//! Compilation tests: interning, static encoding, templates, and every bad-input case named.

use super::*;
use crate::plan::program::Instr;
use crate::plan::tests::issues;

fn plan(journeys: &str, extra: &str) -> String {
    format!(
        r#"{{"version": 1, "journeys": {journeys},
            "scenarios": {{"s": {{"journey": "j", "executor": {{"type": "constant_vus", "vus": 1, "duration_s": 1}}}}}}
            {extra}}}"#
    )
}

fn compiled(text: &str) -> CompiledPlan {
    CompiledPlan::compile(Plan::from_json(text).unwrap_or_else(|e| panic!("{e}"))).unwrap()
}

#[test]
fn interns_keys_and_targets_and_encodes_static_requests_once() {
    let p = compiled(&plan(
        r#"{"j": {"steps": [
            {"request": {"method": "GET", "url": "http://127.0.0.1:8080/a?x=1"}},
            {"request": {"method": "POST", "url": "http://127.0.0.1:8080/b", "body": {"text": "hi"}, "name": "post b"}},
            {"request": {"method": "GET", "url": "http://127.0.0.1:8080/a?x=2"}}]}}"#,
        "",
    ));
    assert_eq!(p.origins.len(), 1);
    assert_eq!(p.keys.len(), 2, "{:?}", p.keys);
    assert_eq!(p.keys[0].name, "GET /a");
    assert_eq!(p.keys[1].name, "post b");
    let j = &p.scenarios[0].journeys[0].0;
    assert!(j.requests[1].template.is_none(), "encoded once");
    let text = std::str::from_utf8(&j.requests[1].http.bytes).unwrap();
    assert!(
        text.starts_with("POST /b HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")
            && text.ends_with("\r\n\r\nhi"),
        "{text}"
    );
    assert_eq!(j.requests[2].http.timeout_ns, 60_000_000_000);
    assert_eq!(j.steps, vec!["GET /a", "post b", "GET /a"]);
}

#[test]
fn templates_extractions_and_groups() {
    let p = compiled(&plan(
        r#"{"j": {"steps": [
            {"group": {"name": "shop", "steps": [
                {"request": {"method": "POST", "url": "http://127.0.0.1:1/cart", "name": "add",
                             "checks": [{"kind": "status", "any_of": [201]}],
                             "extract": [{"from": "json_path", "var": "cart_id", "path": "$.id"}]}}]}},
            {"think": {"distribution": "uniform", "min_s": 0.5, "max_s": 1}},
            {"maybe": {"probability": 0.3, "steps": [
                {"request": {"method": "POST", "url": "http://127.0.0.1:1/cart/${cart_id}/coupon", "name": "coupon",
                             "body": {"json": "{\"code\": \"${code}\"}"}}}]}},
            {"repeat": {"times": 2, "steps": [{"metric": {"name": "views", "kind": "counter", "value": "1"}}]}}]}}"#,
        r#", "data": [{"name": "codes", "columns": ["code"], "rows": [["A"], ["B"]]}]"#,
    ));
    let j = &p.scenarios[0].journeys[0].0;
    assert_eq!(p.keys[0].name, "shop::add");
    assert_eq!(p.checks[0].name, "status is 201");
    assert!(j.requests[1].template.is_some() && j.requests[1].http.bytes.is_empty());
    assert!(j.requests[0].http.keep_body && !j.requests[0].http.keep_head);
    assert!(matches!(j.instrs[2], Instr::Maybe { probability, skip_to: 4 } if probability == 0.3));
    assert!(matches!(
        j.instrs[4],
        Instr::Repeat {
            times: 2,
            depth: 0,
            end: 7
        }
    ));
    assert_eq!(p.metrics[0].name, "views");
    assert_eq!(p.iteration_slots, vec![p.vars.len() as u16 - 1]);
}

#[test]
fn bad_inputs_are_named_with_their_path() {
    let found = issues(&plan(
        r#"{"j": {"steps": [
            {"request": {"method": "GET", "url": "http://127.0.0.1:1/x/${nope}"}},
            {"request": {"method": "GET", "url": "http://127.0.0.1:1/", "extract": [
                {"from": "json_path", "var": "a", "path": "$.items["},
                {"from": "regex", "var": "b", "pattern": "(unclosed"}]}},
            {"maybe": {"probability": 1.5, "steps": []}},
            {"think": {"distribution": "uniform", "min_s": 2, "max_s": 1}}]}}"#,
        r#", "thresholds": {"http_req_duration": [{"expression": "p(95<500"}], "http_req_duraton": [{"expression": "p(95)<1"}],
             "http_req_failed": [{"expression": "p(95)<1"}]}"#,
    ));
    let expect = [
        "journeys.j.steps[0].request.url: undefined variable `${nope}` (at position 3)",
        "journeys.j.steps[1].request.extract[0].path: invalid JSON path \"$.items[\"",
        "journeys.j.steps[1].request.extract[1].pattern: invalid regex \"(unclosed\"",
        "journeys.j.steps[2].maybe.probability: must be within [0, 1], got 1.5",
        "journeys.j.steps[3].think.max_s: must be ≥ min_s (2), got 1",
        "thresholds[\"http_req_duration\"][0]: invalid threshold \"p(95<500\": expected `)` to close p( at position 8",
        "thresholds[\"http_req_duraton\"]: unknown metric \"http_req_duraton\"",
        "thresholds[\"http_req_failed\"][0]: http_req_failed is a rate metric: use rate, not p(95)",
    ];
    for e in expect {
        assert!(
            found.iter().any(|f| f.starts_with(e)),
            "missing {e:?} in {found:#?}"
        );
    }
}

#[test]
fn data_and_mix_problems() {
    let text = r#"{"version": 1,
        "journeys": {"j": {"steps": [{"request": {"method": "GET", "url": "http://127.0.0.1:1/"}}]}},
        "scenarios": {"s": {"mix": [{"journey": "j", "weight": 1}, {"journey": "k", "weight": 0}],
                            "executor": {"type": "ramping_vus", "stages": [{"duration_s": 0, "target": 5}]}}},
        "data": [{"name": "users.csv", "columns": ["token"], "rows": [["a", "b"]]}]}"#;
    let found = issues(text);
    for e in [
        "scenarios.s.mix[1]: unknown journey \"k\"",
        "scenarios.s.mix[1].weight: must be > 0, got 0",
        "scenarios.s.executor.stages: the stages must last longer than zero in total, got 0 s",
        "data[0].rows[0]: has 2 values for 1 columns",
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(e)),
            "missing {e:?} in {found:#?}"
        );
    }
}

#[test]
fn compiling_resolves_no_names() {
    // Names are resolved when the run starts (`run::start`), so a plan compiles anywhere.
    let p = compiled(&plan(
        r#"{"j": {"steps": [{"request": {"method": "GET", "url": "https://no-such-host.invalid/"}}]}}"#,
        "",
    ));
    assert_eq!(p.origins[0].host, "no-such-host.invalid");
    assert!(p.origins[0].dynamic && p.origins[0].server_name.is_some());
}

/// The bytes of the journey's request `i`, which must be encoded once.
fn static_bytes(p: &CompiledPlan, i: usize) -> String {
    let r = &p.scenarios[0].journeys[0].0.requests[i];
    assert!(r.template.is_none(), "request {i} is static");
    String::from_utf8_lossy(&r.http.bytes).into_owned()
}

#[test]
fn an_escaped_dollar_brace_is_sent_as_a_literal_in_static_requests() {
    // `$${` is a literal `${` (template.rs), with or without a template beside it.
    let p = compiled(&plan(
        r#"{"j": {"steps": [
            {"request": {"method": "GET", "url": "http://127.0.0.1:1/x/$${p}?q=$${literal}",
                         "headers": [["X-Template", "$${uuid()}"]]}},
            {"request": {"method": "POST", "url": "http://127.0.0.1:1/t", "body": {"text": "a $${b}"}}},
            {"request": {"method": "POST", "url": "http://127.0.0.1:1/j", "body": {"json": "{\"a\": \"$${b}\"}"}}},
            {"request": {"method": "PUT", "url": "http://127.0.0.1:1/b?q=$${x}",
                         "headers": [["X-Template", "$${y}"]], "body": {"base64": "JCR7en0="}}}]}}"#,
        "",
    ));
    let get = static_bytes(&p, 0);
    assert!(
        get.starts_with("GET /x/${p}?q=${literal} HTTP/1.1\r\n")
            && get.contains("\r\nX-Template: ${uuid()}\r\n"),
        "{get}"
    );
    assert!(static_bytes(&p, 1).ends_with("\r\n\r\na ${b}"));
    assert!(static_bytes(&p, 2).ends_with("\r\n\r\n{\"a\": \"${b}\"}"));
    // A binary body is bytes, never a template: its `$${` is sent as it is.
    let put = static_bytes(&p, 3);
    assert!(
        put.starts_with("PUT /b?q=${x} HTTP/1.1\r\n")
            && put.ends_with("\r\nX-Template: ${y}\r\n\r\n$${z}"),
        "{put}"
    );
}
