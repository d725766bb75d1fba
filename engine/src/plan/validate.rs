//! Plan validation: walks the whole plan and collects every problem with its path, so that a
//! user fixes them all in one go (k6's `Validate() []error`). Runs before any socket is opened.

use url::Url;

use super::{Body, ExecutorConfig, Options, Plan, RequestSpec, Step, PLAN_VERSION};
use crate::error::{PlanError, PlanIssue};

/// Checks `plan`; returns every problem found.
pub fn validate(plan: &Plan) -> Result<(), PlanError> {
    let mut v = Issues::default();
    if plan.version != PLAN_VERSION {
        v.push(
            "version",
            format!(
                "this engine reads plan version {PLAN_VERSION}, got {}",
                plan.version
            ),
        );
    }
    if plan.scenarios.is_empty() {
        v.push("scenarios", "a plan needs at least one scenario");
    }
    for (name, journey) in &plan.journeys {
        let path = format!("journeys.{name}");
        if journey.steps.is_empty() {
            v.push(format!("{path}.steps"), "a journey needs at least one step");
        }
        for (i, step) in journey.steps.iter().enumerate() {
            match step {
                Step::Request(request) => {
                    check_request(&mut v, &format!("{path}.steps[{i}].request"), request)
                }
            }
        }
    }
    for (name, scenario) in &plan.scenarios {
        let path = format!("scenarios.{name}");
        if !plan.journeys.contains_key(&scenario.journey) {
            let known: Vec<&str> = plan.journeys.keys().map(String::as_str).collect();
            v.push(
                format!("{path}.journey"),
                format!(
                    "unknown journey {:?}, expected one of {known:?}",
                    scenario.journey
                ),
            );
        }
        positive_or_zero(&mut v, &format!("{path}.start_s"), scenario.start_s);
        check_executor(&mut v, &format!("{path}.executor"), &scenario.executor);
    }
    check_options(&mut v, &plan.options);
    v.finish()
}

#[derive(Default)]
struct Issues(Vec<PlanIssue>);

impl Issues {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(PlanIssue {
            path: path.into(),
            message: message.into(),
        });
    }
    fn finish(self) -> Result<(), PlanError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(PlanError { issues: self.0 })
        }
    }
}

fn check_request(v: &mut Issues, path: &str, r: &RequestSpec) {
    if r.method.is_empty() || !r.method.bytes().all(is_token_byte) {
        v.push(
            format!("{path}.method"),
            format!(
                "must be an HTTP method token like GET or POST, got {:?}",
                r.method
            ),
        );
    }
    match Url::parse(&r.url) {
        Err(e) => v.push(format!("{path}.url"), format!("invalid URL {:?}: {e}", r.url)),
        Ok(url) if url.scheme() != "http" => v.push(
            format!("{path}.url"),
            format!("unsupported scheme {:?} in {:?}: horde speaks http:// (https:// comes with TLS support)", url.scheme(), r.url),
        ),
        Ok(url) if url.host_str().is_none_or(str::is_empty) => {
            v.push(format!("{path}.url"), format!("URL {:?} has no host", r.url))
        }
        Ok(_) => {}
    }
    for (i, (name, value)) in r.headers.iter().enumerate() {
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            v.push(
                format!("{path}.headers[{i}]"),
                format!("invalid header name {name:?}"),
            );
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            v.push(
                format!("{path}.headers[{i}]"),
                format!("header {name:?} has a CR, LF or NUL in its value"),
            );
        }
    }
    if let Some(Body::Base64(text)) = &r.body {
        use base64::Engine as _;
        if base64::engine::general_purpose::STANDARD
            .decode(text)
            .is_err()
        {
            v.push(format!("{path}.body.base64"), "is not valid base64");
        }
    }
    if let Some(t) = r.timeout_s {
        positive(v, &format!("{path}.timeout_s"), t);
    }
}

fn check_executor(v: &mut Issues, path: &str, e: &ExecutorConfig) {
    match *e {
        ExecutorConfig::ConstantVus { vus, duration_s } => {
            at_least_one(v, &format!("{path}.vus"), vus);
            positive(v, &format!("{path}.duration_s"), duration_s);
        }
        ExecutorConfig::SharedIterations {
            vus,
            iterations,
            max_duration_s,
        } => {
            at_least_one(v, &format!("{path}.vus"), vus);
            at_least_one(v, &format!("{path}.iterations"), iterations);
            positive(v, &format!("{path}.max_duration_s"), max_duration_s);
        }
        ExecutorConfig::ConstantArrivalRate {
            rate,
            time_unit_s,
            duration_s,
            pre_allocated_vus,
            max_vus,
            max_iterations,
            ..
        } => {
            positive(v, &format!("{path}.rate"), rate);
            positive(v, &format!("{path}.time_unit_s"), time_unit_s);
            positive(v, &format!("{path}.duration_s"), duration_s);
            at_least_one(v, &format!("{path}.pre_allocated_vus"), pre_allocated_vus);
            if max_vus < pre_allocated_vus {
                v.push(
                    format!("{path}.max_vus"),
                    format!("must be ≥ pre_allocated_vus ({pre_allocated_vus}), got {max_vus}"),
                );
            }
            if let Some(n) = max_iterations {
                at_least_one(v, &format!("{path}.max_iterations"), n);
            }
        }
    }
}

fn check_options(v: &mut Issues, o: &Options) {
    if let Some(w) = o.workers {
        at_least_one(v, "options.workers", w);
    }
    positive(v, "options.http.timeout_s", o.http.timeout_s);
    positive(
        v,
        "options.http.connect_timeout_s",
        o.http.connect_timeout_s,
    );
    at_least_one(v, "options.http.max_body_bytes", o.http.max_body_bytes);
    if o.http.max_head_bytes < 256 {
        v.push(
            "options.http.max_head_bytes",
            format!("must be ≥ 256, got {}", o.http.max_head_bytes),
        );
    }
    let (lo, hi) = o.http.expected_status;
    if lo > hi || !(100..=599).contains(&lo) || !(100..=599).contains(&hi) {
        v.push(
            "options.http.expected_status",
            format!("must be a range within 100..599, got [{lo}, {hi}]"),
        );
    }
    positive_or_zero(v, "options.graceful_stop_s", o.graceful_stop_s);
    at_least_one(v, "options.lag_bound_us", o.lag_bound_us);
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn positive(v: &mut Issues, path: &str, x: f64) {
    if !(x.is_finite() && x > 0.0) {
        v.push(path, format!("must be > 0, got {x}"));
    }
}

fn positive_or_zero(v: &mut Issues, path: &str, x: f64) {
    if !(x.is_finite() && x >= 0.0) {
        v.push(path, format!("must be ≥ 0, got {x}"));
    }
}

fn at_least_one(v: &mut Issues, path: &str, n: u64) {
    if n == 0 {
        v.push(path, "must be ≥ 1, got 0");
    }
}
