//! Journeys compiled to a flat program: instructions with jumps, requests ready to render, and the
//! variable slots they use. Control flow (maybe, choose, repeat) becomes jumps, so the interpreter
//! is a loop over an instruction pointer; groups only rename the requests inside them.

use super::checks::{CompiledCheck, CompiledExtract};
use super::journey::MetricKind;
use super::request::Encoding;
use crate::error::PlanIssue;
use crate::template::Template;

/// Built-in variables, in slot order.
pub const BUILTINS: [&str; 4] = ["__vu", "__iteration", "__scenario", "__journey"];
/// Slot of `__vu` (1-based VU number, unique across workers).
pub const VU_SLOT: u16 = 0;
/// Slot of `__iteration` (0-based, per VU).
pub const ITERATION_SLOT: u16 = 1;
/// Slot of `__scenario`.
pub const SCENARIO_SLOT: u16 = 2;
/// Slot of `__journey`.
pub const JOURNEY_SLOT: u16 = 3;
/// Deepest nesting of `repeat`.
pub const MAX_REPEAT_DEPTH: usize = 8;

/// Cumulative shares of `weights` (the last exactly 1.0), for [`pick`].
pub fn cumulative_shares(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let mut cumulative: Vec<f64> = weights
        .iter()
        .map(|w| {
            acc += w / total.max(f64::MIN_POSITIVE);
            acc
        })
        .collect();
    if let Some(last) = cumulative.last_mut() {
        *last = 1.0;
    }
    cumulative
}

/// The index a uniform draw `r` in [0, 1) picks from cumulative shares.
pub fn pick(cumulative: &[f64], r: f64) -> usize {
    cumulative
        .iter()
        .position(|&c| r < c)
        .unwrap_or(cumulative.len().saturating_sub(1))
}

/// Problems found while compiling, with their paths.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<PlanIssue>);

impl Problems {
    /// Records a problem.
    pub fn push(&mut self, path: String, message: String) {
        self.0.push(PlanIssue { path, message });
    }
}

/// Variable names and slots, shared by every journey of a plan.
#[derive(Debug, Clone, Default)]
pub struct VarTable {
    names: Vec<String>,
}

impl VarTable {
    /// A table holding the built-ins.
    pub fn new() -> Self {
        Self {
            names: BUILTINS.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The slot of `name`, adding it if new.
    pub fn define(&mut self, name: &str) -> u16 {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i as u16,
            None => {
                self.names.push(name.to_string());
                (self.names.len() - 1) as u16
            }
        }
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether only built-ins exist.
    pub fn is_empty(&self) -> bool {
        self.names.len() == BUILTINS.len()
    }

    /// The name of a slot.
    pub fn name(&self, slot: u16) -> &str {
        &self.names[slot as usize]
    }
}

/// The variables visible at a point of a journey: built-ins, data columns, and what earlier steps
/// extracted.
pub struct Scope<'a> {
    pub(super) table: &'a VarTable,
    pub(super) visible: Vec<u16>,
}

impl Scope<'_> {
    /// The slot of a visible variable.
    pub fn slot(&self, name: &str) -> Option<u16> {
        self.visible
            .iter()
            .copied()
            .find(|&s| self.table.name(s) == name)
    }
}

/// A think-time distribution, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThinkDist {
    /// Always this long.
    Fixed(u64),
    /// Uniform in [min, max].
    Uniform(u64, u64),
    /// Exponential with this mean.
    Exponential(f64),
    /// Normal (mean, stddev), clamped at zero.
    Normal(f64, f64),
}

/// One instruction.
#[derive(Debug, Clone)]
pub enum Instr {
    /// Send `requests[i]` and wait for its response.
    Request(usize),
    /// Wait.
    Think(ThinkDist),
    /// Go on with probability `probability`, else jump to `skip_to`.
    Maybe {
        /// Probability of running the next instructions.
        probability: f64,
        /// Where the skipped block ends.
        skip_to: usize,
    },
    /// Jump to one target, chosen by cumulative weights (last = 1.0).
    Choose {
        /// Cumulative weights, normalised.
        cumulative: Vec<f64>,
        /// Branch starts.
        targets: Vec<usize>,
    },
    /// Unconditional jump.
    Jump(usize),
    /// Start a loop: set counter `depth` to `times`, or jump to `end` when zero.
    Repeat {
        /// Repetitions.
        times: u32,
        /// Loop counter index.
        depth: usize,
        /// Instruction after the loop.
        end: usize,
    },
    /// End of a loop body: decrement counter `depth`, jump to `body` while it is above zero.
    Loop {
        /// Loop counter index.
        depth: usize,
        /// First instruction of the body.
        body: usize,
    },
    /// Add a sample to user metric `metric`.
    Metric {
        /// Metric id.
        metric: usize,
        /// Its kind.
        kind: MetricKind,
        /// The value (a number or true/false after rendering).
        value: Template,
    },
}

/// A request, ready to send.
#[derive(Debug, Clone)]
pub struct CompiledRequest {
    /// Result key id (scenario × name × method).
    pub key: usize,
    /// Funnel step index within the journey.
    pub step: usize,
    /// Target (resolved address) index.
    pub target: usize,
    /// HEAD responses carry no body.
    pub head_request: bool,
    /// Timeout, ns.
    pub timeout_ns: u64,
    /// Redirects followed.
    pub max_redirects: u32,
    /// The request says `Expect: 100-continue` and has a body: send the head, wait for the
    /// server's go-ahead (or the expect timeout), then the body.
    pub expect_continue: bool,
    /// The request bytes, or how to render them.
    pub encoding: Encoding,
    /// Checks.
    pub checks: Vec<CompiledCheck>,
    /// Extractions.
    pub extracts: Vec<CompiledExtract>,
    /// Keep the head bytes (header checks or extractions).
    pub keep_head: bool,
    /// Keep the body (body, JSON or regex checks or extractions).
    pub keep_body: bool,
}

/// A journey ready to run.
#[derive(Debug, Clone)]
pub struct CompiledJourney {
    /// Journey name.
    pub name: String,
    /// Instructions.
    pub instrs: Vec<Instr>,
    /// Requests referenced by `Instr::Request`.
    pub requests: Vec<CompiledRequest>,
    /// Funnel step names (one per request instruction), in journey order.
    pub steps: Vec<String>,
}

/// Whether `b` may appear in an HTTP token (method, header name).
pub fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}
