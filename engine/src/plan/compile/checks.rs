//! Compiling checks and extractions: conditions on a response, and where extracted values come
//! from. JSON paths and regexes are parsed here, once, and their errors reported with paths.

use crate::error::Problems;
use crate::plan::journey::{Check, Extract};
use crate::plan::program::{CompiledCheck, CompiledExtract, Condition, Source};

/// Compiles checks; `intern` gives the id of a check name.
pub fn compile_checks(
    checks: &[Check],
    path: &str,
    problems: &mut Problems,
    intern: &mut dyn FnMut(&str) -> usize,
) -> Vec<CompiledCheck> {
    let mut out = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        let at = format!("{path}.checks[{i}]");
        let (name, condition) = match check {
            Check::Status { name, any_of } => {
                if any_of.is_empty() || any_of.iter().any(|s| !(100..=599).contains(s)) {
                    problems.push(
                        format!("{at}.any_of"),
                        format!("statuses must be within 100..599, got {any_of:?}"),
                    );
                }
                let default = match any_of.as_slice() {
                    [one] => format!("status is {one}"),
                    many => format!("status in {many:?}"),
                };
                (
                    name.clone().unwrap_or(default),
                    Condition::Status(any_of.clone()),
                )
            }
            Check::Header {
                name,
                header,
                equals,
            } => {
                let default = match equals {
                    Some(v) => format!("header {header} is {v:?}"),
                    None => format!("header {header} present"),
                };
                let cond = Condition::Header {
                    name: header.clone(),
                    equals: equals.as_ref().map(|v| v.clone().into_bytes()),
                };
                (name.clone().unwrap_or(default), cond)
            }
            Check::BodyContains { name, text } => (
                name.clone()
                    .unwrap_or_else(|| format!("body contains {text:?}")),
                Condition::BodyContains(text.clone().into_bytes()),
            ),
            Check::JsonPath {
                name,
                path: json_path,
                equals,
            } => {
                let Some(parsed) = json_path_or_problem(json_path, &format!("{at}.path"), problems)
                else {
                    continue;
                };
                let default = match equals {
                    Some(v) => format!("{json_path} == {v}"),
                    None => format!("{json_path} exists"),
                };
                (
                    name.clone().unwrap_or(default),
                    Condition::JsonPath {
                        path: parsed,
                        equals: equals.clone(),
                    },
                )
            }
        };
        out.push(CompiledCheck {
            id: intern(&name),
            condition,
        });
    }
    out
}

/// Compiles extractions; `define` gives the slot of a variable name.
pub fn compile_extracts(
    extracts: &[Extract],
    path: &str,
    problems: &mut Problems,
    define: &mut dyn FnMut(&str) -> u16,
) -> Vec<CompiledExtract> {
    let mut out = Vec::new();
    for (i, e) in extracts.iter().enumerate() {
        let at = format!("{path}.extract[{i}]");
        let var = e.var();
        if var.is_empty()
            || var.starts_with("__")
            || !var
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            problems.push(format!("{at}.var"), format!("{var:?} is not a usable variable name (letters, digits, `_`, `.`; not starting with `__`)"));
            continue;
        }
        let source = match e {
            Extract::JsonPath { path: p, .. } => {
                match json_path_or_problem(p, &format!("{at}.path"), problems) {
                    Some(parsed) => Source::JsonPath(parsed),
                    None => continue,
                }
            }
            Extract::Header { header, .. } => Source::Header(header.clone()),
            Extract::Regex { pattern, group, .. } => match regex::bytes::Regex::new(pattern) {
                Ok(re) if *group < re.captures_len() => Source::Regex(re, *group),
                Ok(re) => {
                    problems.push(
                        format!("{at}.group"),
                        format!(
                            "the pattern has {} groups, got group {group}",
                            re.captures_len() - 1
                        ),
                    );
                    continue;
                }
                Err(err) => {
                    problems.push(
                        format!("{at}.pattern"),
                        format!("invalid regex {pattern:?}: {err}"),
                    );
                    continue;
                }
            },
            Extract::Cookie { cookie, .. } => Source::Cookie(cookie.clone()),
        };
        out.push(CompiledExtract {
            slot: define(var),
            optional: e.optional(),
            source,
        });
    }
    out
}

fn json_path_or_problem(
    path: &str,
    at: &str,
    problems: &mut Problems,
) -> Option<serde_json_path::JsonPath> {
    match serde_json_path::JsonPath::parse(path) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(at.to_string(), format!("invalid JSON path {path:?}: {e}"));
            None
        }
    }
}
