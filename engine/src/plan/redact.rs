//! What a plan shows when it is written out: secrets and credentials replaced by `<redacted>`.
//!
//! A plan is kept in results, rendered in reports and printed by `horde inspect`; the values that
//! authenticate a load test must not travel with those files. Secrets (`Plan::secrets`) never
//! serialise with their values; the values of the headers `options.redact_headers` names
//! (credentials and cookies by default) are replaced when a plan is redacted for an artifact.

use std::collections::BTreeMap;

use serde::Serializer;

use super::journey::Step;
use super::Plan;

/// What a redacted value reads as.
pub const REDACTED: &str = "<redacted>";

/// Headers whose values are redacted by default: they carry credentials or session ids.
pub const SENSITIVE_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Serialises secrets with their names and without their values.
pub fn secret_values<S: Serializer>(
    secrets: &BTreeMap<String, String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(secrets.keys().map(|k| (k, REDACTED)))
}

impl Plan {
    /// This plan as artifacts show it: the values of `options.redact_headers` headers replaced
    /// (secrets never serialise with their values anyway).
    pub fn redacted(&self) -> Plan {
        let mut plan = self.clone();
        let names = &self.options.redact_headers;
        if names.is_empty() {
            return plan;
        }
        for journey in plan.journeys.values_mut() {
            for_each_request(&mut journey.steps, &mut |headers| {
                for (name, value) in headers.iter_mut() {
                    if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                        *value = REDACTED.to_string();
                    }
                }
            });
        }
        plan
    }
}

/// A request's header fields.
type Headers = Vec<(String, String)>;

fn for_each_request(steps: &mut [Step], f: &mut dyn FnMut(&mut Headers)) {
    for step in steps {
        match step {
            Step::Request(r) => f(&mut r.headers),
            Step::Maybe { steps, .. } | Step::Repeat { steps, .. } | Step::Group { steps, .. } => {
                for_each_request(steps, f)
            }
            Step::Choose { branches } => {
                for b in branches {
                    for_each_request(&mut b.steps, f)
                }
            }
            Step::Markov(m) => {
                for state in &mut m.states {
                    for_each_request(&mut state.steps, f)
                }
            }
            Step::Think(_) | Step::Metric(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(options: &str) -> Plan {
        Plan::from_json(&format!(
            r#"{{"version": {v}, "secrets": {{"TOKEN": "s3cr3t-value"}},
                "journeys": {{"j": {{"steps": [{{"maybe": {{"probability": 1, "steps": [{{"request": {{
                    "method": "GET", "url": "http://127.0.0.1:1/${{secret.TOKEN}}",
                    "headers": [["Authorization", "Bearer abc.def"], ["X-Trace", "t1"], ["cookie", "sid=42"]]}}}}]}}}}]}}}},
                "scenarios": {{"s": {{"journey": "j", "executor": {{"type": "shared_iterations", "vus": 1, "iterations": 1}}}}}},
                "options": {options}}}"#,
            v = crate::plan::PLAN_VERSION
        ))
        .unwrap()
    }

    #[test]
    fn credentials_and_secrets_never_serialise() {
        let p = plan("{}");
        assert_eq!(p.secrets["TOKEN"], "s3cr3t-value", "the run has the value");
        let text = p.redacted().to_json();
        for leaked in ["s3cr3t-value", "abc.def", "sid=42"] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        assert!(text.contains("t1") && text.contains("${secret.TOKEN}"));
        assert!(text.contains(r#""TOKEN": "<redacted>""#), "{text}");
        // Even without redaction, a plan never writes its secrets.
        assert!(!p.to_json().contains("s3cr3t-value"));
    }

    #[test]
    fn an_empty_list_keeps_the_headers() {
        let text = plan(r#"{"redact_headers": []}"#).redacted().to_json();
        assert!(text.contains("abc.def") && !text.contains("s3cr3t-value"));
    }
}
