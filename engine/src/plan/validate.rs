//! Plan validation: the rules for values that are not checked by compiling them — scenarios,
//! executors, test data and run options — collected with their paths, so that a user fixes every
//! problem in one go (k6's `Validate() []error`). Journeys, templates, checks, extractions,
//! thresholds and the HTTP client's options are checked by compiling them (`compile`), so there
//! is one set of rules, run once.

use super::ClientSettings;
use super::PLAN_VERSION;
use super::{ExecutorConfig, Feeder, HttpOptions, Options, OutputSpec, Plan, Scenario, Stage};
use crate::error::{PlanError, PlanIssue, Problems};

/// Adds every problem of `plan` that compiling it would not find to `v`.
pub(crate) fn check(plan: &Plan, v: &mut Problems) {
    if plan.version != PLAN_VERSION {
        v.push(
            "version".into(),
            format!(
                "this engine reads plan version {PLAN_VERSION}, got {}",
                plan.version
            ),
        );
    }
    if plan.scenarios.is_empty() {
        v.push(
            "scenarios".into(),
            "a plan needs at least one scenario".into(),
        );
    }
    for (name, journey) in &plan.journeys {
        if journey.steps.is_empty() {
            v.push(
                format!("journeys.{name}.steps"),
                "a journey needs at least one step".into(),
            );
        }
    }
    for (name, scenario) in &plan.scenarios {
        check_scenario(v, &format!("scenarios.{name}"), scenario, plan);
    }
    for (i, feeder) in plan.data.iter().enumerate() {
        check_feeder(feeder, i, v);
    }
    for name in plan.secrets.keys() {
        let identifier = name
            .bytes()
            .enumerate()
            .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
        if name.is_empty() || !identifier {
            v.push(
                "secrets".into(),
                format!("{name:?} is not a usable secret name (letters, digits, `_`)"),
            );
        }
    }
    check_options(v, &plan.options);
}

/// Checks one scenario (JSON) on its own — its executor, timing and mix weights, not the
/// journeys it names — with paths relative to the scenario (`executor.vus`): what the Python
/// call that builds a scenario reports.
pub fn check_scenario_json(text: &str) -> Result<(), PlanError> {
    let s: Scenario = parse(text)?;
    let mut v = Problems::default();
    check_timing(&mut v, "", &s);
    relative(v, ".")
}

/// Checks the HTTP client's options (JSON, `options.http`) on their own, reading the files they
/// name, with paths relative to `options.http` (`tls.ca_file`): what the Python calls that build
/// them report.
pub fn check_http_json(text: &str) -> Result<(), PlanError> {
    let http: HttpOptions = parse(text)?;
    let mut v = Problems::default();
    check_http(&mut v, &http);
    ClientSettings::compile(&http, &mut v);
    relative(v, "options.http.")
}

/// A plan fragment from JSON, with the path of anything malformed.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, PlanError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        PlanError::one(path, e.into_inner().to_string())
    })
}

fn relative(v: Problems, prefix: &str) -> Result<(), PlanError> {
    let issues: Vec<PlanIssue> =
        v.0.into_iter()
            .map(|i| PlanIssue {
                path: i.path.strip_prefix(prefix).unwrap_or(&i.path).to_string(),
                message: i.message,
            })
            .collect();
    Problems(issues).into_result()
}

fn check_scenario(v: &mut Problems, path: &str, s: &Scenario, plan: &Plan) {
    let known: Vec<&str> = plan.journeys.keys().map(String::as_str).collect();
    match (&s.journey, s.mix.is_empty()) {
        (Some(_), false) => v.push(
            format!("{path}.mix"),
            "give either `journey` or `mix`, not both".into(),
        ),
        (None, true) => v.push(
            format!("{path}.journey"),
            format!("a scenario needs a journey (one of {known:?}) or a mix"),
        ),
        _ => {}
    }
    for (i, (journey, _)) in s.journeys().into_iter().enumerate() {
        let at = if s.journey.is_some() {
            format!("{path}.journey")
        } else {
            format!("{path}.mix[{i}]")
        };
        if !plan.journeys.contains_key(journey) {
            v.push(
                at.clone(),
                format!("unknown journey {journey:?}, expected one of {known:?}"),
            );
        }
    }
    check_timing(v, path, s);
}

/// Mix weights, start, graceful stop, expected concurrency and the executor.
fn check_timing(v: &mut Problems, path: &str, s: &Scenario) {
    for (i, (_, weight)) in s.journeys().into_iter().enumerate() {
        if !(weight.is_finite() && weight > 0.0) {
            v.push(
                format!("{path}.mix[{i}].weight"),
                format!("must be > 0, got {weight}"),
            );
        }
    }
    non_negative(v, &format!("{path}.start_s"), s.start_s);
    non_negative(v, &format!("{path}.graceful_stop_s"), s.graceful_stop_s);
    if let Some(c) = s.expected_concurrency {
        positive(v, &format!("{path}.expected_concurrency"), c);
    }
    check_executor(v, &format!("{path}.executor"), &s.executor);
}

fn check_executor(v: &mut Problems, path: &str, e: &ExecutorConfig) {
    let at = |field: &str| format!("{path}.{field}");
    match e {
        ExecutorConfig::ConstantVus { vus, duration_s } => {
            at_least_one(v, &at("vus"), *vus);
            positive(v, &at("duration_s"), *duration_s);
        }
        ExecutorConfig::RampingVus {
            stages,
            graceful_ramp_down_s,
            ..
        } => {
            check_stages(v, path, stages, "VUs");
            non_negative(v, &at("graceful_ramp_down_s"), *graceful_ramp_down_s);
        }
        ExecutorConfig::PerVuIterations {
            vus,
            iterations,
            max_duration_s,
        }
        | ExecutorConfig::SharedIterations {
            vus,
            iterations,
            max_duration_s,
        } => {
            at_least_one(v, &at("vus"), *vus);
            at_least_one(v, &at("iterations"), *iterations);
            positive(v, &at("max_duration_s"), *max_duration_s);
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
            positive(v, &at("rate"), *rate);
            positive(v, &at("time_unit_s"), *time_unit_s);
            positive(v, &at("duration_s"), *duration_s);
            check_vus(v, path, *pre_allocated_vus, *max_vus);
            if let Some(n) = max_iterations {
                at_least_one(v, &at("max_iterations"), *n);
            }
        }
        ExecutorConfig::RampingArrivalRate {
            start_rate,
            time_unit_s,
            stages,
            pre_allocated_vus,
            max_vus,
            ..
        } => {
            non_negative(v, &at("start_rate"), *start_rate);
            positive(v, &at("time_unit_s"), *time_unit_s);
            check_stages(v, path, stages, "iterations per time unit");
            check_vus(v, path, *pre_allocated_vus, *max_vus);
        }
    }
}

fn check_vus(v: &mut Problems, path: &str, pre_allocated: u64, max: u64) {
    at_least_one(v, &format!("{path}.pre_allocated_vus"), pre_allocated);
    if max < pre_allocated {
        v.push(
            format!("{path}.max_vus"),
            format!("must be ≥ pre_allocated_vus ({pre_allocated}), got {max}"),
        );
    }
}

fn check_stages(v: &mut Problems, path: &str, stages: &[Stage], what: &str) {
    if stages.is_empty() {
        v.push(format!("{path}.stages"), "needs at least one stage".into());
    }
    for (i, s) in stages.iter().enumerate() {
        non_negative(v, &format!("{path}.stages[{i}].duration_s"), s.duration_s);
        if !(s.target.is_finite() && s.target >= 0.0) {
            v.push(
                format!("{path}.stages[{i}].target"),
                format!("{what} must be ≥ 0, got {}", s.target),
            );
        }
    }
    let total: f64 = stages.iter().map(|s| s.duration_s).sum();
    if !stages.is_empty() && total <= 0.0 {
        v.push(
            format!("{path}.stages"),
            format!("the stages must last longer than zero in total, got {total} s"),
        );
    }
}

fn check_feeder(feeder: &Feeder, i: usize, problems: &mut Problems) {
    let at = format!("data[{i}]");
    if feeder.columns.is_empty() {
        problems.push(
            format!("{at}.columns"),
            format!("data {:?} has no columns", feeder.name),
        );
    }
    for c in &feeder.columns {
        if c.is_empty()
            || c.starts_with("__")
            || !c
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            problems.push(
                format!("{at}.columns"),
                format!("{c:?} is not a usable variable name (letters, digits, `_`, `.`)"),
            );
        }
    }
    if feeder.rows.is_empty() {
        problems.push(
            format!("{at}.rows"),
            format!("data {:?} has no rows", feeder.name),
        );
    }
    if let Some((r, row)) = feeder
        .rows
        .iter()
        .enumerate()
        .find(|(_, row)| row.len() != feeder.columns.len())
    {
        problems.push(
            format!("{at}.rows[{r}]"),
            format!(
                "has {} values for {} columns",
                row.len(),
                feeder.columns.len()
            ),
        );
    }
}

fn check_options(v: &mut Problems, o: &Options) {
    if let Some(w) = o.workers {
        at_least_one(v, "options.workers", w);
    }
    check_http(v, &o.http);
    at_least_one(v, "options.lag_bound_us", o.lag_bound_us);
    for (i, out) in o.outputs.iter().enumerate() {
        let at = format!("options.outputs[{i}]");
        match out {
            OutputSpec::Json { path } | OutputSpec::Csv { path } | OutputSpec::HdrLog { path }
                if path.trim().is_empty() =>
            {
                v.push(format!("{at}.path"), "needs a file path".into());
            }
            OutputSpec::Influxdb { url, database } => {
                check_http_url(v, &format!("{at}.url"), url);
                if database.is_empty() || database.contains(['/', '?', '&', ' ']) {
                    v.push(
                        format!("{at}.database"),
                        format!("needs a database name, got {database:?}"),
                    );
                }
            }
            OutputSpec::Prometheus { url } => check_http_url(v, &format!("{at}.url"), url),
            _ => {}
        }
    }
}

/// Timeouts, limits, expected statuses, DNS, pooling and `Expect` timing (`hosts`, compression
/// and TLS are checked as they compile).
fn check_http(v: &mut Problems, http: &HttpOptions) {
    positive(v, "options.http.timeout_s", http.timeout_s);
    positive(v, "options.http.connect_timeout_s", http.connect_timeout_s);
    at_least_one(v, "options.http.max_body_bytes", http.max_body_bytes);
    if http.max_head_bytes < 256 {
        v.push(
            "options.http.max_head_bytes".into(),
            format!("must be ≥ 256, got {}", http.max_head_bytes),
        );
    }
    let (lo, hi) = http.expected_status;
    if lo > hi || !(100..=599).contains(&lo) || !(100..=599).contains(&hi) {
        v.push(
            "options.http.expected_status".into(),
            format!("must be a range within 100..599, got [{lo}, {hi}]"),
        );
    }
    positive(v, "options.http.dns.ttl_s", http.dns.ttl_s);
    if let Some(n) = http.max_connections_per_host {
        at_least_one(v, "options.http.max_connections_per_host", n);
    }
    non_negative(
        v,
        "options.http.expect_continue_timeout_s",
        http.expect_continue_timeout_s,
    );
}

fn check_http_url(v: &mut Problems, path: &str, url: &str) {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() == "http" && u.host_str().is_some() => {}
        Ok(_) => v.push(path.into(), format!("outputs speak http://, got {url:?}")),
        Err(e) => v.push(path.into(), format!("invalid URL {url:?}: {e}")),
    }
}

fn positive(v: &mut Problems, path: &str, x: f64) {
    if !(x.is_finite() && x > 0.0) {
        v.push(path.into(), format!("must be > 0, got {x}"));
    }
}

fn non_negative(v: &mut Problems, path: &str, x: f64) {
    if !(x.is_finite() && x >= 0.0) {
        v.push(path.into(), format!("must be ≥ 0, got {x}"));
    }
}

fn at_least_one(v: &mut Problems, path: &str, n: u64) {
    if n == 0 {
        v.push(path.into(), "must be ≥ 1, got 0".into());
    }
}
