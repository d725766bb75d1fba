//! Compilation: a validated `Plan` becomes the immutable `CompiledPlan` the workers share.
//!
//! Request names are interned into dense key ids (so recording is an index), targets are
//! resolved once, and static requests are encoded into bytes once.

use std::net::ToSocketAddrs;
use std::sync::Arc;

use base64::Engine as _;
use socket2::SockAddr;
use url::Url;

use super::{Body, ExecutorConfig, Plan, RequestSpec, Step};
use crate::error::RunError;
use crate::http::{encode, Limits, RequestParts};

/// A (scenario, request name, method) triple: one row of per-request results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// Scenario name.
    pub scenario: String,
    /// Request name tag.
    pub name: String,
    /// Method.
    pub method: String,
}

/// A resolved host and port.
#[derive(Debug, Clone)]
pub struct Target {
    /// Where to connect.
    pub addr: SockAddr,
    /// The URL's authority, for display.
    pub authority: String,
}

/// One request, ready to send.
#[derive(Debug, Clone)]
pub struct CompiledRequest {
    /// Result key id.
    pub key: usize,
    /// Index into `CompiledPlan::targets`.
    pub target: usize,
    /// The encoded request.
    pub bytes: Arc<[u8]>,
    /// Whether the method is HEAD (the response has no body).
    pub head_request: bool,
    /// Request timeout, ns.
    pub timeout_ns: u64,
}

/// A compiled step.
#[derive(Debug, Clone)]
pub enum CompiledStep {
    /// Send a request, read the response.
    Request(CompiledRequest),
}

/// A compiled journey.
#[derive(Debug, Clone)]
pub struct CompiledJourney {
    /// Steps in order.
    pub steps: Vec<CompiledStep>,
}

/// A compiled scenario.
#[derive(Debug, Clone)]
pub struct CompiledScenario {
    /// Name.
    pub name: String,
    /// The journey its VUs walk.
    pub journey: Arc<CompiledJourney>,
    /// When iterations start.
    pub executor: ExecutorConfig,
    /// Offset from the run's start, ns.
    pub start_ns: u64,
}

/// Everything the workers need, immutable and shared.
#[derive(Debug)]
pub struct CompiledPlan {
    /// The plan as given (kept in results).
    pub plan: Plan,
    /// Result keys, indexed by key id.
    pub keys: Vec<RequestKey>,
    /// Scenarios in name order.
    pub scenarios: Vec<CompiledScenario>,
    /// Resolved targets.
    pub targets: Vec<Target>,
    /// Response limits.
    pub limits: Limits,
    /// Connect timeout, ns.
    pub connect_timeout_ns: u64,
    /// Statuses counted as success (inclusive).
    pub expected_status: (u16, u16),
}

/// Seconds (validated finite and ≥ 0) to nanoseconds.
pub fn ns(seconds: f64) -> u64 {
    (seconds * 1e9).round().clamp(0.0, u64::MAX as f64) as u64
}

impl CompiledPlan {
    /// Compiles a validated plan, resolving host names.
    pub fn compile(plan: Plan) -> Result<CompiledPlan, RunError> {
        let mut keys: Vec<RequestKey> = Vec::new();
        let mut targets: Vec<(String, Target)> = Vec::new();
        let mut scenarios = Vec::new();
        for (name, scenario) in &plan.scenarios {
            let journey = &plan.journeys[&scenario.journey];
            let mut steps = Vec::with_capacity(journey.steps.len());
            for step in &journey.steps {
                match step {
                    Step::Request(spec) => {
                        let request = compile_request(&plan, name, spec, &mut keys, &mut targets)?;
                        steps.push(CompiledStep::Request(request));
                    }
                }
            }
            scenarios.push(CompiledScenario {
                name: name.clone(),
                journey: Arc::new(CompiledJourney { steps }),
                executor: scenario.executor.clone(),
                start_ns: ns(scenario.start_s),
            });
        }
        let http = &plan.options.http;
        Ok(CompiledPlan {
            limits: Limits {
                max_head_bytes: http.max_head_bytes as usize,
                max_body_bytes: http.max_body_bytes,
            },
            connect_timeout_ns: ns(http.connect_timeout_s),
            expected_status: http.expected_status,
            keys,
            scenarios,
            targets: targets.into_iter().map(|(_, t)| t).collect(),
            plan,
        })
    }
}

fn compile_request(
    plan: &Plan,
    scenario: &str,
    spec: &RequestSpec,
    keys: &mut Vec<RequestKey>,
    targets: &mut Vec<(String, Target)>,
) -> Result<CompiledRequest, RunError> {
    let url = Url::parse(&spec.url).expect("validated");
    let host = url.host_str().expect("validated").to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let target = match targets.iter().position(|(a, _)| *a == authority) {
        Some(i) => i,
        None => {
            targets.push((
                authority.clone(),
                Target {
                    addr: resolve(&host, port)?,
                    authority: authority.clone(),
                },
            ));
            targets.len() - 1
        }
    };
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let name = spec
        .name
        .clone()
        .unwrap_or_else(|| format!("{} {}", spec.method, url.path()));
    let key = RequestKey {
        scenario: scenario.to_string(),
        name,
        method: spec.method.clone(),
    };
    let key = match keys.iter().position(|k| *k == key) {
        Some(i) => i,
        None => {
            keys.push(key);
            keys.len() - 1
        }
    };
    let body = match &spec.body {
        None => Vec::new(),
        Some(Body::Text(text)) => text.as_bytes().to_vec(),
        Some(Body::Base64(text)) => base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("validated"),
    };
    let mut bytes = Vec::new();
    encode(
        &RequestParts {
            method: &spec.method,
            target: &path,
            host: &authority,
            headers: &spec.headers,
            body: &body,
        },
        &mut bytes,
    );
    Ok(CompiledRequest {
        key,
        target,
        bytes: bytes.into(),
        head_request: spec.method.eq_ignore_ascii_case("HEAD"),
        timeout_ns: ns(spec.timeout_s.unwrap_or(plan.options.http.timeout_s)),
    })
}

fn resolve(host: &str, port: u16) -> Result<SockAddr, RunError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs = (bare, port)
        .to_socket_addrs()
        .map_err(|e| RunError::Resolve {
            host: host.to_string(),
            reason: e.to_string(),
        })?;
    let all: Vec<_> = addrs.collect();
    // Prefer IPv4 for now; spreading over every address comes with DNS options.
    let pick = all.iter().find(|a| a.is_ipv4()).or_else(|| all.first());
    pick.map(|a| SockAddr::from(*a))
        .ok_or_else(|| RunError::Resolve {
            host: host.to_string(),
            reason: "no addresses".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_keys_and_targets_and_encodes_once() {
        let text = r#"{"version": 1,
            "journeys": {"j": {"steps": [
                {"request": {"method": "GET", "url": "http://127.0.0.1:8080/a?x=1"}},
                {"request": {"method": "POST", "url": "http://127.0.0.1:8080/b", "body": {"text": "hi"}, "name": "post b"}},
                {"request": {"method": "GET", "url": "http://127.0.0.1:8080/a?x=2"}}]}},
            "scenarios": {"s": {"journey": "j", "executor": {"type": "constant_vus", "vus": 1, "duration_s": 1}}}}"#;
        let plan = CompiledPlan::compile(Plan::from_json(text).unwrap()).unwrap();
        assert_eq!(plan.targets.len(), 1);
        assert_eq!(plan.keys.len(), 2, "{:?}", plan.keys);
        assert_eq!(plan.keys[0].name, "GET /a");
        assert_eq!(plan.keys[1].name, "post b");
        let CompiledStep::Request(r) = &plan.scenarios[0].journey.steps[1];
        let text = std::str::from_utf8(&r.bytes).unwrap();
        assert!(
            text.starts_with("POST /b HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")
                && text.ends_with("\r\n\r\nhi"),
            "{text}"
        );
        let CompiledStep::Request(r) = &plan.scenarios[0].journey.steps[2];
        assert!(std::str::from_utf8(&r.bytes)
            .unwrap()
            .starts_with("GET /a?x=2 HTTP/1.1"));
        assert_eq!(r.timeout_ns, 60_000_000_000);
    }

    #[test]
    fn unresolvable_host_is_a_run_error() {
        let text = r#"{"version": 1,
            "journeys": {"j": {"steps": [{"request": {"method": "GET", "url": "http://no-such-host.invalid/"}}]}},
            "scenarios": {"s": {"journey": "j", "executor": {"type": "constant_vus", "vus": 1, "duration_s": 1}}}}"#;
        let err = CompiledPlan::compile(Plan::from_json(text).unwrap()).unwrap_err();
        assert!(err.to_string().contains("no-such-host.invalid"), "{err}");
    }
}
