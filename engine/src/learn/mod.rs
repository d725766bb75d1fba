//! Learning a workload from access logs: endpoint templates and their mix, sessions, the
//! first-order Markov chain between endpoints (with exit probabilities), think times, the ids
//! requests used and the session arrival profile — read in one streaming pass, in memory bounded
//! whatever the log's size (every table below has a cap; what went past a cap is counted).
//!
//! `horde model` / `h.learn` call [`learn`]; Python turns the [`Learned`] tables into a model,
//! a summary and a runnable script.

mod chunks;
mod endpoint;
mod format;
mod json;
mod pattern;
mod read;
mod record;
mod sessions;
mod tally;
mod time;

use std::collections::BTreeMap;

use serde::Serialize;

pub use endpoint::Rules;
pub use format::{Format, NAMES as FORMATS};
use sessions::Sessions;
use tally::{Endpoints, Feeders};

/// Malformed lines quoted.
const EXAMPLES: usize = 5;

/// What to learn from which logs.
#[derive(Debug)]
pub struct Options {
    /// Log files (plain or gzip).
    pub paths: Vec<String>,
    /// A format name (see [`FORMATS`]).
    pub format: String,
    /// The pattern for format `pattern`.
    pub pattern: Option<String>,
    /// JSON field names (record field → dotted path).
    pub fields: BTreeMap<String, String>,
    /// What tells sessions apart: `cookie:NAME`, `field:NAME`, or none (address + user agent).
    pub session: Option<String>,
    /// Inactivity that ends a session, seconds.
    pub session_timeout_s: f64,
    /// Path rules.
    pub rules: Rules,
}

/// Why nothing could be learned.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Bad options or a log that is not a log.
    #[error("{0}")]
    Input(String),
}

/// One malformed line.
#[derive(Debug, Serialize)]
pub struct Malformed {
    /// File.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// The line (its first 200 characters).
    pub text: String,
}

/// A file read.
#[derive(Debug, Serialize)]
pub struct FileSummary {
    /// Path.
    pub path: String,
    /// The format it was read as.
    pub format: String,
    /// Lines (empty ones excluded).
    pub lines: u64,
    /// Lines that did not read as the format.
    pub malformed: u64,
}

/// An endpoint: a method and a path template.
#[derive(Debug, Serialize)]
pub struct Endpoint {
    /// Method.
    pub method: String,
    /// Path template with `{placeholders}`.
    pub template: String,
    /// Requests.
    pub count: u64,
    /// Responses by status class: 1xx, 2xx, 3xx, 4xx, 5xx.
    pub status: [u64; 5],
    /// Median response body size, bytes (when logged).
    pub bytes_median: Option<u64>,
    /// Median and 95th-percentile response time, seconds (when logged).
    pub duration_s: Option<[f64; 2]>,
    /// Query parameters seen.
    pub query: Vec<QueryParam>,
    /// One request as logged.
    pub example: String,
}

/// A query parameter of an endpoint.
#[derive(Debug, Serialize)]
pub struct QueryParam {
    /// Name.
    pub name: String,
    /// Requests that had it.
    pub count: u64,
    /// Distinct values seen (capped).
    pub distinct: u64,
}

/// Values a placeholder or query parameter took, most frequent first.
#[derive(Debug, Serialize)]
pub struct Feeder {
    /// Placeholder (or parameter) name.
    pub name: String,
    /// Requests that carried it.
    pub total: u64,
    /// Distinct values seen (up to the cap).
    pub distinct: u64,
    /// More distinct values existed than were kept.
    pub capped: bool,
    /// (value, count), most frequent first.
    pub values: Vec<(String, u64)>,
}

/// Everything learned.
#[derive(Debug, Serialize)]
pub struct Learned {
    /// Files read.
    pub files: Vec<FileSummary>,
    /// Lines read (empty ones excluded).
    pub lines: u64,
    /// Lines that did not parse.
    pub malformed: u64,
    /// The first few of them.
    pub malformed_examples: Vec<Malformed>,
    /// Requests left out of the model: static assets, health checks, dropped by a rule.
    pub dropped: BTreeMap<&'static str, u64>,
    /// First and last request time, seconds since the epoch.
    pub span_s: [f64; 2],
    /// Endpoints, most requested first.
    pub endpoints: Vec<Endpoint>,
    /// Sessions, transitions, think times, arrivals.
    pub sessions: sessions::Summary,
    /// Placeholder and query values.
    pub feeders: Vec<Feeder>,
}

/// Requests left out of the model, by why.
const DROPPED: [&str; 3] = ["static", "health", "rule"];

/// The learner's state while reading.
struct Learner {
    rules: Rules,
    endpoints: Endpoints,
    feeders: Feeders,
    /// Requests left out, in the order of [`DROPPED`].
    dropped: [u64; 3],
    sessions: Sessions,
    span: [f64; 2],
    /// The current request's `METHOD template`, built here to look the endpoint up without
    /// allocating.
    key: String,
    /// The current request's placeholders (ranges of `key` and of the path).
    placeholders: Vec<endpoint::Placeholder>,
    session_cookie: Option<String>,
}

impl Learner {
    fn feed(&mut self, r: &record::Record<'_>) {
        let (path, query) = match memchr::memchr(b'?', r.target.as_bytes()) {
            Some(at) => (&r.target[..at], &r.target[at + 1..]),
            None => (r.target, ""),
        };
        // Counted by their index in DROPPED.
        let left_out = match self.rules.kind(path, r.agent) {
            endpoint::Kind::Page => None,
            endpoint::Kind::Static => Some(0),
            endpoint::Kind::Health => Some(1),
            endpoint::Kind::Dropped => Some(2),
        };
        if let Some(why) = left_out {
            return self.dropped[why] += 1;
        }
        if self.span[0] == 0.0 || r.time_s < self.span[0] {
            self.span[0] = r.time_s;
        }
        self.span[1] = self.span[1].max(r.time_s);
        self.key.clear();
        self.key.push_str(r.method);
        self.key.push(' ');
        self.rules
            .template(path, &mut self.key, &mut self.placeholders);
        let id = self.endpoints.id(&self.key, r.method.len(), r.target);
        for p in &self.placeholders {
            self.feeders
                .add(&self.key[p.name.clone()], &path[p.value.clone()]);
        }
        let tally = self.endpoints.tally(id);
        tally.request(r);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if tally.query(name, value) {
                self.feeders.add(name, value);
            }
        }
        let session = match &self.session_cookie {
            Some(name) => r.cookie.and_then(|c| cookie(c, name)),
            None => r.session,
        };
        self.sessions
            .request(r.time_s, session, r.addr, r.agent, id);
    }

    fn finish(self, files: Vec<FileSummary>, malformed_examples: Vec<Malformed>) -> Learned {
        let lines = files.iter().map(|f| f.lines).sum();
        let malformed = files.iter().map(|f| f.malformed).sum();
        let sessions = self.sessions.finish(self.endpoints.len());
        let endpoints = self.endpoints.finish();
        // Most requested first; sessions refer to endpoints by their index in this order.
        let mut order: Vec<usize> = (0..endpoints.len()).collect();
        order.sort_by(|&a, &b| endpoints[b].count.cmp(&endpoints[a].count).then(a.cmp(&b)));
        let mut rank = vec![0; endpoints.len()];
        for (new, &old) in order.iter().enumerate() {
            rank[old] = new;
        }
        let sessions = sessions.renumbered(&rank);
        let mut sorted: Vec<Option<Endpoint>> = endpoints.into_iter().map(Some).collect();
        let endpoints = order
            .iter()
            .map(|&i| sorted[i].take().expect("each once"))
            .collect();
        let dropped = DROPPED
            .into_iter()
            .zip(self.dropped)
            .filter(|(_, n)| *n > 0)
            .collect();
        Learned {
            files,
            lines,
            malformed,
            malformed_examples,
            dropped,
            span_s: self.span,
            endpoints,
            sessions,
            feeders: self.feeders.finish(),
        }
    }
}

/// The value of cookie `name` in a `Cookie` header.
fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Reads every log in `options` and learns from it.
pub fn learn(options: Options) -> Result<Learned, LearnError> {
    if options.paths.is_empty() {
        return Err(LearnError::Input("no log files given".into()));
    }
    if !(options.session_timeout_s.is_finite() && options.session_timeout_s > 0.0) {
        return Err(LearnError::Input(format!(
            "session timeout must be > 0 seconds, got {}",
            options.session_timeout_s
        )));
    }
    let (session_field, session_cookie) = match options.session.as_deref() {
        None | Some("") => (None, None),
        Some(s) => match s.split_once(':') {
            Some(("cookie", name)) if !name.is_empty() => (None, Some(name.to_string())),
            Some(("field", name)) if !name.is_empty() => (Some(name.to_string()), None),
            _ => {
                return Err(LearnError::Input(format!(
                    "session {s:?}: use cookie:NAME (a cookie in the logged Cookie header) or field:NAME (a log field)"
                )))
            }
        },
    };
    let mut learner = Learner {
        rules: options.rules,
        endpoints: Endpoints::default(),
        feeders: Feeders::default(),
        dropped: [0; 3],
        sessions: Sessions::new(options.session_timeout_s),
        span: [0.0, 0.0],
        key: String::new(),
        placeholders: Vec::new(),
        session_cookie,
    };
    let mut files = Vec::new();
    let mut examples = Vec::new();
    for path in &options.paths {
        let summary = read::read_file(
            path,
            &options.format,
            options.pattern.as_deref(),
            &options.fields,
            session_field.as_deref(),
            &mut examples,
            &mut |r| learner.feed(r),
        )?;
        files.push(summary);
    }
    if files.iter().all(|f| f.lines == 0) {
        return Err(LearnError::Input(format!(
            "no requests: {} {} empty",
            options.paths.join(", "),
            if options.paths.len() == 1 {
                "is"
            } else {
                "are"
            }
        )));
    }
    if files.iter().all(|f| f.lines == f.malformed) {
        let first = examples.first().map_or(String::new(), |m: &Malformed| {
            format!("; {}:{}: {:?}", m.file, m.line, m.text)
        });
        return Err(LearnError::Input(format!(
            "no line reads as a log of format {:?}{first}; horde reads {}",
            options.format,
            FORMATS.join(", ")
        )));
    }
    Ok(learner.finish(files, examples))
}
