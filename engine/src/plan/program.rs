//! Journeys compiled to a flat program: instructions with jumps, requests ready to render, and the
//! variable slots they use. Control flow (maybe, choose, repeat) becomes jumps, so the interpreter
//! is a loop over an instruction pointer; groups only rename the requests inside them.

use std::sync::Arc;

use crate::metrics::MetricKind;
use crate::template::Template;

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

/// A think-time distribution, in nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum ThinkDist {
    /// Always this long.
    Fixed(u64),
    /// Uniform in [min, max].
    Uniform(u64, u64),
    /// Exponential with this mean.
    Exponential(f64),
    /// Normal (mean, stddev), clamped at zero.
    Normal(f64, f64),
    /// One of these, each equally likely.
    Empirical(Arc<[u64]>),
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

/// What the HTTP client needs to send one request and read its response. The rest of a
/// [`CompiledRequest`] (rendering, checks, extractions, the funnel) is the interpreter's.
#[derive(Debug, Clone)]
pub struct HttpCall {
    /// Result key id (scenario × name × method): where the client records the exchange.
    pub key: usize,
    /// Origin index.
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
    /// Keep the response head: checks or extractions read its headers.
    pub keep_head: bool,
    /// Keep the response body: checks or extractions read it.
    pub keep_body: bool,
    /// The request's bytes when nothing in it varies; empty when it is rendered per request.
    pub bytes: Arc<[u8]>,
}

/// A request step, ready to run.
#[derive(Debug, Clone)]
pub struct CompiledRequest {
    /// What the client needs.
    pub http: HttpCall,
    /// How to render the request's bytes when something in them varies.
    pub template: Option<Box<RequestTemplate>>,
    /// Funnel step index within the journey.
    pub step: usize,
    /// Checks.
    pub checks: Vec<CompiledCheck>,
    /// Extractions.
    pub extracts: Vec<CompiledExtract>,
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

/// A request with templates.
#[derive(Debug, Clone)]
pub struct RequestTemplate {
    /// `METHOD ` (with the space).
    pub method: Vec<u8>,
    /// Path and query.
    pub target: Template,
    /// ` HTTP/1.1\r\n` and every header that does not vary.
    pub fixed_headers: Vec<u8>,
    /// Headers with templated values: (`Name: `, value).
    pub headers: Vec<(Vec<u8>, Template)>,
    /// Body, if any.
    pub body: Option<Template>,
    /// Whether to send Content-Length (always with a body or for POST/PUT/PATCH).
    pub content_length: bool,
}

/// A compiled check.
#[derive(Debug, Clone)]
pub struct CompiledCheck {
    /// Check key id (for counting).
    pub id: usize,
    /// The condition.
    pub condition: Condition,
}

/// A check condition.
#[derive(Debug, Clone)]
pub enum Condition {
    /// Status is one of these.
    Status(Vec<u16>),
    /// Header present (and equal).
    Header {
        /// Header name.
        name: String,
        /// Required value.
        equals: Option<Vec<u8>>,
    },
    /// Body contains these bytes.
    BodyContains(Vec<u8>),
    /// JSON path matches (and equals).
    JsonPath {
        /// The path.
        path: serde_json_path::JsonPath,
        /// Required value.
        equals: Option<serde_json::Value>,
    },
}

/// A compiled extraction.
#[derive(Debug, Clone)]
pub struct CompiledExtract {
    /// Variable slot to set.
    pub slot: u16,
    /// A miss leaves the variable unset instead of failing the iteration.
    pub optional: bool,
    /// Where the value comes from.
    pub source: Source,
}

/// Where an extracted value comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// First JSON path match.
    JsonPath(serde_json_path::JsonPath),
    /// A header's value.
    Header(String),
    /// A capture group of a regex over the body.
    Regex(regex::bytes::Regex, usize),
    /// A cookie set by the response.
    Cookie(String),
}
