//! Journeys: the steps one virtual user walks through in an iteration — requests (with checks and
//! extractions), think times, branches, repeats, groups and custom metrics.

use serde::{Deserialize, Serialize};

pub use crate::metrics::MetricKind;

/// An ordered list of steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journey {
    /// Steps, run in order.
    pub steps: Vec<Step>,
}

/// One step of a journey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Send a request and read its response.
    Request(RequestSpec),
    /// Pause, as a user reading a page.
    Think(Think),
    /// Run `steps` with probability `probability`, else skip them.
    Maybe {
        /// Probability in [0, 1].
        probability: f64,
        /// Steps run when chosen.
        steps: Vec<Step>,
    },
    /// Run exactly one branch, picked by weight.
    Choose {
        /// The branches.
        branches: Vec<Branch>,
    },
    /// Run `steps` `times` times.
    Repeat {
        /// Repetitions.
        times: u32,
        /// Steps repeated.
        steps: Vec<Step>,
    },
    /// Name a part of the journey; request names inside are prefixed with it.
    Group {
        /// Group name.
        name: String,
        /// Steps in the group.
        steps: Vec<Step>,
    },
    /// Add to a user-defined metric.
    Metric(MetricStep),
    /// Walk a Markov chain of states until it exits (see [`Markov`]).
    Markov(Markov),
}

/// A first-order Markov chain over states — the customer behaviour model graph: a session enters
/// at a state picked by `entry`, runs that state's steps, then moves along one of its edges
/// (picked by weight, the edge's think time first) or exits (weight `exit`), and so on. The
/// engine walks it natively; every state must be able to reach an exit, so sessions end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Markov {
    /// The states, by name.
    pub states: Vec<MarkovState>,
    /// Entry weights: (state name, weight > 0).
    pub entry: Vec<(String, f64)>,
}

/// One state of a [`Markov`] chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkovState {
    /// Unique name, used by edges and entry weights.
    pub name: String,
    /// What a user in this state does (usually one request).
    pub steps: Vec<Step>,
    /// Where the user goes next.
    #[serde(default)]
    pub next: Vec<MarkovEdge>,
    /// Weight of leaving the chain from this state (≥ 0), against the edges' weights.
    #[serde(default)]
    pub exit: f64,
}

/// An edge of a [`Markov`] chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkovEdge {
    /// Target state name.
    pub to: String,
    /// Weight (> 0) against the state's other edges and its exit.
    pub weight: f64,
    /// The pause before the target state's steps.
    #[serde(default)]
    pub think: Option<Think>,
}

/// A weighted branch of `Choose`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// Relative weight (> 0).
    pub weight: f64,
    /// Steps of this branch.
    pub steps: Vec<Step>,
}

/// A think time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Think {
    /// Exactly this long.
    Fixed {
        /// Seconds.
        seconds: f64,
    },
    /// Uniform between `min_s` and `max_s`.
    Uniform {
        /// Lower bound, seconds.
        min_s: f64,
        /// Upper bound, seconds.
        max_s: f64,
    },
    /// Exponential with this mean (memoryless, as independent users).
    Exponential {
        /// Mean, seconds.
        mean_s: f64,
    },
    /// Normal, clamped at zero.
    Normal {
        /// Mean, seconds.
        mean_s: f64,
        /// Standard deviation, seconds.
        stddev_s: f64,
    },
    /// One of these observed pauses, each equally likely (an empirical distribution, e.g.
    /// learned from an access log).
    Empirical {
        /// Observed pauses, seconds (at least one).
        samples_s: Vec<f64>,
    },
}

/// One HTTP request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Method token, e.g. `GET`.
    pub method: String,
    /// Absolute `http://` or `https://` URL; its path and query may contain `${…}` templates.
    pub url: String,
    /// Header fields, in order; values may contain templates.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Request body.
    #[serde(default)]
    pub body: Option<Body>,
    /// The request's name tag in results (default: method and path, templates unexpanded).
    #[serde(default)]
    pub name: Option<String>,
    /// Per-request timeout, seconds (default: `options.http.timeout_s`).
    #[serde(default)]
    pub timeout_s: Option<f64>,
    /// Redirects followed for this request (default: `options.http.max_redirects`).
    #[serde(default)]
    pub max_redirects: Option<u32>,
    /// Checks on the response.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Values taken from the response into the VU's variables.
    #[serde(default)]
    pub extract: Vec<Extract>,
}

/// A request body. Text forms may contain templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Body {
    /// Text sent as is (templates expanded).
    Text(String),
    /// JSON text; values inserted by templates are JSON-escaped.
    Json(String),
    /// Form fields, sent `application/x-www-form-urlencoded`; values may contain templates.
    Form(Vec<(String, String)>),
    /// Arbitrary bytes, base64-encoded in the plan (no templates).
    Base64(String),
}

/// A check on a response. A failed check is counted (`checks`), never an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The status is one of these.
    Status {
        /// Check name (default: derived from the condition).
        #[serde(default)]
        name: Option<String>,
        /// Accepted statuses.
        any_of: Vec<u16>,
    },
    /// A header is present (and equals a value, if given).
    Header {
        /// Check name.
        #[serde(default)]
        name: Option<String>,
        /// Header name.
        header: String,
        /// Required value.
        #[serde(default)]
        equals: Option<String>,
    },
    /// The body contains a text.
    BodyContains {
        /// Check name.
        #[serde(default)]
        name: Option<String>,
        /// Text to find.
        text: String,
    },
    /// A JSON path matches something (equal to a value, if given).
    JsonPath {
        /// Check name.
        #[serde(default)]
        name: Option<String>,
        /// RFC 9535 JSONPath, e.g. `$.items[0].id`.
        path: String,
        /// Required value.
        #[serde(default)]
        equals: Option<serde_json::Value>,
    },
}

/// Where an extracted value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum Extract {
    /// The first match of a JSON path (strings without quotes, other values as JSON).
    JsonPath {
        /// Variable to set.
        var: String,
        /// RFC 9535 JSONPath.
        path: String,
        /// When absent, leave the variable unset instead of failing the iteration.
        #[serde(default)]
        optional: bool,
    },
    /// A response header's value.
    Header {
        /// Variable to set.
        var: String,
        /// Header name.
        header: String,
        /// When absent, leave the variable unset instead of failing the iteration.
        #[serde(default)]
        optional: bool,
    },
    /// A regular expression's capture group over the body.
    Regex {
        /// Variable to set.
        var: String,
        /// Pattern (Rust regex syntax).
        pattern: String,
        /// Capture group (0: the whole match).
        #[serde(default = "one")]
        group: usize,
        /// When absent, leave the variable unset instead of failing the iteration.
        #[serde(default)]
        optional: bool,
    },
    /// A cookie set by the response (`Set-Cookie`).
    Cookie {
        /// Variable to set.
        var: String,
        /// Cookie name.
        cookie: String,
        /// When absent, leave the variable unset instead of failing the iteration.
        #[serde(default)]
        optional: bool,
    },
}

fn one() -> usize {
    1
}

impl Extract {
    /// The variable this extraction sets.
    pub fn var(&self) -> &str {
        match self {
            Extract::JsonPath { var, .. }
            | Extract::Header { var, .. }
            | Extract::Regex { var, .. }
            | Extract::Cookie { var, .. } => var,
        }
    }

    /// Whether a miss leaves the variable unset instead of failing the iteration.
    pub fn optional(&self) -> bool {
        match self {
            Extract::JsonPath { optional, .. }
            | Extract::Header { optional, .. }
            | Extract::Regex { optional, .. }
            | Extract::Cookie { optional, .. } => *optional,
        }
    }
}

/// A user-defined metric sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricStep {
    /// Metric name (letters, digits, `_`).
    pub name: String,
    /// Counter (sums), rate (share of true) or trend (distribution).
    pub kind: MetricKind,
    /// The value: a number (counter, trend), `true`/`false` (rate); may be a `${…}` template.
    pub value: String,
}
