//! Compiling a journey's steps into the flat program: control flow becomes jumps, requests are
//! compiled with the variables visible at their point of the journey, and every problem is
//! reported with its path.

use std::sync::Arc;

use super::checks::{compile_checks, compile_extracts};
use super::keys::KeyTables;
use super::request::{compile_encoding, split_url, Encoding, SplitUrl};
use crate::clock::seconds_to_ns as ns;
use crate::error::Problems;
use crate::plan::journey::{Body, Branch, Journey, RequestSpec, Step, Think};
use crate::plan::program::{
    cumulative_shares, is_token_byte, CompiledJourney, CompiledRequest, Condition, HttpCall, Instr,
    Source, ThinkDist, MAX_REPEAT_DEPTH,
};
use crate::plan::scope::{Scope, VarTable, BUILTINS};
use crate::template::{Escape, Template};

/// What compiling a journey needs from the plan compiler.
pub struct Context<'a> {
    /// Scenario name (part of every key).
    pub scenario: &'a str,
    /// Variables.
    pub vars: &'a mut VarTable,
    /// Slots of data columns, visible everywhere.
    pub data_slots: &'a [u16],
    /// Default timeout, ns.
    pub timeout_ns: u64,
    /// Where request keys, checks and user metrics are interned.
    pub keys: &'a mut KeyTables,
    /// Redirects followed unless a request says otherwise.
    pub max_redirects: u32,
    /// The `Accept-Encoding` value to send (from `options.http.compression`), if any.
    pub accept_encoding: Option<String>,
    /// Interns a URL's origin (scheme, host, port) as a target index; Err when the host cannot
    /// be a TLS server name.
    pub target: &'a mut dyn FnMut(&SplitUrl<'_>) -> Result<usize, String>,
}

/// Most samples an empirical think time may carry.
pub const MAX_EMPIRICAL_SAMPLES: usize = 100_000;

/// Compiles `journey` (at `path` in the plan).
pub fn compile_journey(
    name: &str,
    journey: &Journey,
    path: &str,
    cx: &mut Context<'_>,
    problems: &mut Problems,
) -> CompiledJourney {
    let mut visible: Vec<u16> = (0..BUILTINS.len() as u16).collect();
    visible.extend_from_slice(cx.data_slots);
    let mut out = CompiledJourney {
        name: name.to_string(),
        instrs: Vec::new(),
        requests: Vec::new(),
        steps: Vec::new(),
    };
    let mut w = JourneyCompiler {
        cx,
        problems,
        out: &mut out,
        visible,
        groups: Vec::new(),
        depth: 0,
    };
    w.steps(&journey.steps, &format!("{path}.steps"));
    out
}

pub(super) struct JourneyCompiler<'a, 'b> {
    cx: &'a mut Context<'b>,
    pub(super) problems: &'a mut Problems,
    pub(super) out: &'a mut CompiledJourney,
    visible: Vec<u16>,
    groups: Vec<String>,
    depth: usize,
}

impl JourneyCompiler<'_, '_> {
    pub(super) fn here(&self) -> usize {
        self.out.instrs.len()
    }

    pub(super) fn steps(&mut self, steps: &[Step], path: &str) {
        for (i, step) in steps.iter().enumerate() {
            self.step(step, &format!("{path}[{i}]"));
        }
    }

    fn step(&mut self, step: &Step, path: &str) {
        match step {
            Step::Request(spec) => self.request(spec, &format!("{path}.request")),
            Step::Think(think) => {
                let dist = think_dist(think, &format!("{path}.think"), self.problems);
                self.out.instrs.push(Instr::Think(dist));
            }
            Step::Maybe { probability, steps } => {
                if !(0.0..=1.0).contains(probability) {
                    self.problems.push(
                        format!("{path}.maybe.probability"),
                        format!("must be within [0, 1], got {probability}"),
                    );
                }
                let at = self.here();
                self.out.instrs.push(Instr::Maybe {
                    probability: *probability,
                    skip_to: 0,
                });
                self.steps(steps, &format!("{path}.maybe.steps"));
                let end = self.here();
                self.out.instrs[at] = Instr::Maybe {
                    probability: *probability,
                    skip_to: end,
                };
            }
            Step::Choose { branches } => self.choose(branches, path),
            Step::Markov(m) => self.markov(m, &format!("{path}.markov")),
            Step::Repeat { times, steps } => {
                if self.depth >= MAX_REPEAT_DEPTH {
                    self.problems.push(
                        format!("{path}.repeat"),
                        format!("repeats nest at most {MAX_REPEAT_DEPTH} deep"),
                    );
                    return;
                }
                let at = self.here();
                self.out.instrs.push(Instr::Repeat {
                    times: *times,
                    depth: self.depth,
                    end: 0,
                });
                self.depth += 1;
                self.steps(steps, &format!("{path}.repeat.steps"));
                self.depth -= 1;
                self.out.instrs.push(Instr::Loop {
                    depth: self.depth,
                    body: at + 1,
                });
                let end = self.here();
                self.out.instrs[at] = Instr::Repeat {
                    times: *times,
                    depth: self.depth,
                    end,
                };
            }
            Step::Group { name, steps } => {
                if name.is_empty() || name.contains("::") {
                    self.problems.push(
                        format!("{path}.group.name"),
                        format!("must be non-empty and without `::`, got {name:?}"),
                    );
                }
                self.groups.push(name.clone());
                self.steps(steps, &format!("{path}.group.steps"));
                self.groups.pop();
            }
            Step::Metric(m) => {
                let at = format!("{path}.metric");
                if m.name.is_empty()
                    || !m
                        .name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    self.problems.push(
                        format!("{at}.name"),
                        format!("metric names use letters, digits and `_`, got {:?}", m.name),
                    );
                }
                let metric = self.cx.keys.metric(&m.name, m.kind).unwrap_or_else(|e| {
                    self.problems.push(format!("{at}.kind"), e);
                    0
                });
                let value = self.template(&m.value, &format!("{at}.value"));
                self.out.instrs.push(Instr::Metric {
                    metric,
                    kind: m.kind,
                    value,
                });
            }
        }
    }

    fn choose(&mut self, branches: &[Branch], path: &str) {
        if branches.is_empty()
            || branches
                .iter()
                .any(|b| !(b.weight.is_finite() && b.weight > 0.0))
        {
            self.problems.push(
                format!("{path}.choose.branches"),
                "needs at least one branch, every weight > 0".into(),
            );
        }
        let at = self.here();
        self.out.instrs.push(Instr::Jump(0));
        let mut targets = Vec::new();
        let mut ends = Vec::new();
        for (i, b) in branches.iter().enumerate() {
            targets.push(self.here());
            self.steps(&b.steps, &format!("{path}.choose.branches[{i}].steps"));
            ends.push(self.here());
            self.out.instrs.push(Instr::Jump(0));
        }
        let end = self.here();
        for e in ends {
            self.out.instrs[e] = Instr::Jump(end);
        }
        let weights: Vec<f64> = branches.iter().map(|b| b.weight).collect();
        let cumulative = cumulative_shares(&weights);
        self.out.instrs[at] = Instr::Choose {
            cumulative,
            targets,
        };
    }

    fn template(&mut self, text: &str, path: &str) -> Template {
        let scope = Scope {
            table: self.cx.vars,
            visible: self.visible.clone(),
        };
        Template::parse(text, Escape::None, &mut |n| scope.slot(n)).unwrap_or_else(|e| {
            self.problems.push(path.to_string(), e.to_string());
            Template::parse("", Escape::None, &mut |_| None).expect("empty template parses")
        })
    }

    fn request(&mut self, spec: &RequestSpec, path: &str) {
        if spec.method.is_empty() || !spec.method.bytes().all(is_token_byte) {
            self.problems.push(
                format!("{path}.method"),
                format!(
                    "must be an HTTP method token like GET or POST, got {:?}",
                    spec.method
                ),
            );
        }
        for (i, (name, value)) in spec.headers.iter().enumerate() {
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                self.problems.push(
                    format!("{path}.headers[{i}]"),
                    format!("invalid header name {name:?}"),
                );
            }
            if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                self.problems.push(
                    format!("{path}.headers[{i}]"),
                    format!("header {name:?} has a CR, LF or NUL in its value"),
                );
            }
        }
        if let Some(t) = spec.timeout_s {
            if !(t.is_finite() && t > 0.0) {
                self.problems
                    .push(format!("{path}.timeout_s"), format!("must be > 0, got {t}"));
            }
        }
        if let Some(Body::Base64(b64)) = &spec.body {
            use base64::Engine as _;
            if base64::engine::general_purpose::STANDARD
                .decode(b64)
                .is_err()
            {
                self.problems
                    .push(format!("{path}.body.base64"), "is not valid base64".into());
            }
        }
        let url = match split_url(&spec.url) {
            Ok(url) => url,
            Err(e) => {
                self.problems.push(format!("{path}.url"), e);
                return;
            }
        };
        let scope = Scope {
            table: self.cx.vars,
            visible: self.visible.clone(),
        };
        let encoding = compile_encoding(
            spec,
            &url,
            self.cx.accept_encoding.as_deref(),
            &scope,
            path,
            self.problems,
        );
        let bare_name = spec.name.clone().unwrap_or_else(|| {
            format!(
                "{} {}",
                spec.method,
                url.target.split('?').next().unwrap_or("/")
            )
        });
        let name = if self.groups.is_empty() {
            bare_name
        } else {
            format!("{}::{bare_name}", self.groups.join("::"))
        };
        let (keys, scenario) = (&mut *self.cx.keys, self.cx.scenario);
        let key = keys.request(scenario, &name, &spec.method);
        let checks = compile_checks(&spec.checks, path, self.problems, &mut |check| {
            keys.check(scenario, &name, check)
        });
        let vars = &mut *self.cx.vars;
        let extracts =
            compile_extracts(&spec.extract, path, self.problems, &mut |v| vars.define(v));
        let keep_head = checks
            .iter()
            .any(|c| matches!(c.condition, Condition::Header { .. }))
            || extracts
                .iter()
                .any(|e| matches!(e.source, Source::Header(_) | Source::Cookie(_)));
        let keep_body = checks.iter().any(|c| {
            matches!(
                c.condition,
                Condition::BodyContains(_) | Condition::JsonPath { .. }
            )
        }) || extracts
            .iter()
            .any(|e| matches!(e.source, Source::JsonPath(_) | Source::Regex(..)));
        for e in &extracts {
            if !self.visible.contains(&e.slot) {
                self.visible.push(e.slot);
            }
        }
        let step = self.out.steps.len();
        self.out.steps.push(name);
        let target = (self.cx.target)(&url).unwrap_or_else(|e| {
            self.problems.push(format!("{path}.url"), e);
            0
        });
        let (bytes, template) = match encoding {
            Encoding::Static(bytes) => (bytes, None),
            Encoding::Dynamic(template) => (Arc::from(&[][..]), Some(template)),
        };
        let request = CompiledRequest {
            http: HttpCall {
                key,
                target,
                head_request: spec.method.eq_ignore_ascii_case("HEAD"),
                timeout_ns: spec.timeout_s.map_or(self.cx.timeout_ns, ns),
                max_redirects: spec.max_redirects.unwrap_or(self.cx.max_redirects),
                expect_continue: spec.body.is_some()
                    && spec.headers.iter().any(|(n, v)| {
                        n.eq_ignore_ascii_case("expect")
                            && v.trim().eq_ignore_ascii_case("100-continue")
                    }),
                keep_head,
                keep_body,
                bytes,
            },
            template,
            step,
            checks,
            extracts,
        };
        self.out
            .instrs
            .push(Instr::Request(self.out.requests.len()));
        self.out.requests.push(request);
    }
}

pub(super) fn think_dist(think: &Think, path: &str, problems: &mut Problems) -> ThinkDist {
    let mut check = |field: &str, v: f64| {
        if !(v.is_finite() && v >= 0.0) {
            problems.push(format!("{path}.{field}"), format!("must be ≥ 0, got {v}"));
        }
    };
    match *think {
        Think::Fixed { seconds } => {
            check("seconds", seconds);
            ThinkDist::Fixed(ns(seconds))
        }
        Think::Uniform { min_s, max_s } => {
            check("min_s", min_s);
            check("max_s", max_s);
            if max_s < min_s {
                problems.push(
                    format!("{path}.max_s"),
                    format!("must be ≥ min_s ({min_s}), got {max_s}"),
                );
            }
            ThinkDist::Uniform(ns(min_s), ns(max_s.max(min_s)))
        }
        Think::Exponential { mean_s } => {
            check("mean_s", mean_s);
            ThinkDist::Exponential(mean_s * 1e9)
        }
        Think::Normal { mean_s, stddev_s } => {
            check("mean_s", mean_s);
            check("stddev_s", stddev_s);
            ThinkDist::Normal(mean_s * 1e9, stddev_s * 1e9)
        }
        Think::Empirical { ref samples_s } => {
            if samples_s.is_empty() || samples_s.len() > MAX_EMPIRICAL_SAMPLES {
                problems.push(
                    format!("{path}.samples_s"),
                    format!(
                        "needs 1 to {MAX_EMPIRICAL_SAMPLES} samples, got {}",
                        samples_s.len()
                    ),
                );
            }
            if let Some((i, v)) = samples_s
                .iter()
                .enumerate()
                .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
            {
                problems.push(
                    format!("{path}.samples_s[{i}]"),
                    format!("must be ≥ 0, got {v}"),
                );
            }
            let samples: Vec<u64> = samples_s.iter().map(|&v| ns(v.max(0.0))).collect();
            ThinkDist::Empirical(if samples.is_empty() {
                Arc::from([0])
            } else {
                samples.into()
            })
        }
    }
}
