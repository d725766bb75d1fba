//! Learning a workload from access logs: endpoint templates and their mix, sessions, the
//! first-order Markov chain between endpoints (with exit probabilities), think times, the ids
//! requests used and the session arrival profile — read in one streaming pass, in memory bounded
//! whatever the log's size (every table below has a cap; what went past a cap is counted).
//!
//! `horde model` / `h.learn` call [`learn`]; Python turns the [`Learned`] tables into a model,
//! a summary and a runnable script.

mod endpoint;
mod format;
mod read;
mod sessions;
mod time;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

pub use endpoint::Rules;
pub use format::{Format, NAMES as FORMATS};
use sessions::Sessions;

/// Most endpoint templates; requests beyond go to one `(other)` endpoint.
const MAX_ENDPOINTS: usize = 2_000;
/// Most distinct values kept per feeder (placeholder or query parameter).
const MAX_VALUES: usize = 100_000;
/// Values reported per feeder, most frequent first.
const REPORTED_VALUES: usize = 2_000;
/// Most query parameters tracked per endpoint.
const MAX_PARAMS: usize = 50;
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

/// Per-endpoint tallies.
struct Tally {
    method: String,
    template: String,
    count: u64,
    status: [u64; 5],
    bytes: hdrhistogram::Histogram<u32>,
    duration_us: hdrhistogram::Histogram<u32>,
    /// Query parameters in the order first seen: (name, requests, distinct values up to 1,000).
    query: Vec<(String, u64, HashMap<String, ()>)>,
    example: String,
}

/// The learner's state while reading.
struct Learner {
    rules: Rules,
    ids: HashMap<String, usize>,
    tallies: Vec<Tally>,
    values: BTreeMap<String, (u64, HashMap<String, u64>, bool)>,
    dropped: BTreeMap<&'static str, u64>,
    sessions: Sessions,
    span: [f64; 2],
    scratch: Vec<(String, String)>,
    session_cookie: Option<String>,
}

impl Learner {
    fn endpoint(&mut self, method: &str, template: String, target: &str) -> usize {
        let key = format!("{method} {template}");
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let (key, method, template) = if self.tallies.len() >= MAX_ENDPOINTS {
            (
                "(other)".to_string(),
                "GET".to_string(),
                "(other)".to_string(),
            )
        } else {
            (key, method.to_string(), template)
        };
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.tallies.len();
        self.ids.insert(key, id);
        self.tallies.push(Tally {
            method,
            template,
            count: 0,
            status: [0; 5],
            bytes: hdrhistogram::Histogram::new_with_bounds(1, 1 << 40, 2).expect("valid bounds"),
            duration_us: hdrhistogram::Histogram::new_with_bounds(1, 1 << 40, 2)
                .expect("valid bounds"),
            query: Vec::new(),
            example: target.chars().take(200).collect(),
        });
        id
    }

    fn feed(&mut self, r: &format::Record<'_>) {
        let (path, query) = r.target.split_once('?').unwrap_or((r.target, ""));
        match self.rules.kind(path, r.agent) {
            endpoint::Kind::Page => {}
            endpoint::Kind::Static => return *self.dropped.entry("static").or_default() += 1,
            endpoint::Kind::Health => return *self.dropped.entry("health").or_default() += 1,
            endpoint::Kind::Dropped => return *self.dropped.entry("rule").or_default() += 1,
        }
        if self.span[0] == 0.0 || r.time_s < self.span[0] {
            self.span[0] = r.time_s;
        }
        self.span[1] = self.span[1].max(r.time_s);
        let mut values = std::mem::take(&mut self.scratch);
        let template = self.rules.template(path, &mut values);
        let id = self.endpoint(r.method, template, r.target);
        let t = &mut self.tallies[id];
        t.count += 1;
        if (100..600).contains(&r.status) {
            t.status[usize::from(r.status / 100 - 1)] += 1;
        }
        if let Some(b) = r.bytes {
            t.bytes.saturating_record(b);
        }
        if let Some(d) = r.duration_s.filter(|d| d.is_finite() && *d >= 0.0) {
            t.duration_us.saturating_record((d * 1e6) as u64);
        }
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let at = match t.query.iter().position(|(name, ..)| name == k) {
                Some(at) => at,
                None if t.query.len() < MAX_PARAMS => {
                    t.query.push((k.to_string(), 0, HashMap::new()));
                    t.query.len() - 1
                }
                None => continue,
            };
            let (_, n, seen) = &mut t.query[at];
            *n += 1;
            if seen.len() < 1_000 {
                seen.insert(v.to_string(), ());
            }
            values.push((k.to_string(), v.to_string()));
        }
        for (name, value) in values.drain(..) {
            let (total, seen, capped) = self.values.entry(name).or_default();
            *total += 1;
            let len = seen.len();
            match seen.get_mut(&value) {
                Some(c) => *c += 1,
                None if len < MAX_VALUES => {
                    seen.insert(value, 1);
                }
                None => *capped = true,
            }
        }
        self.scratch = values;
        let session = match &self.session_cookie {
            Some(name) => r.cookie.and_then(|c| cookie(c, name)),
            None => r.session,
        };
        self.sessions
            .request(r.time_s, session, r.addr, r.agent, id);
    }

    fn finish(mut self, files: Vec<FileSummary>, malformed_examples: Vec<Malformed>) -> Learned {
        let lines = files.iter().map(|f| f.lines).sum();
        let malformed = files.iter().map(|f| f.malformed).sum();
        let sessions = self.sessions.finish(self.tallies.len());
        let median =
            |h: &hdrhistogram::Histogram<u32>| (!h.is_empty()).then(|| h.value_at_quantile(0.5));
        let mut endpoints: Vec<Endpoint> = self
            .tallies
            .drain(..)
            .map(|t| Endpoint {
                bytes_median: median(&t.bytes),
                duration_s: (!t.duration_us.is_empty())
                    .then(|| [0.5, 0.95].map(|q| t.duration_us.value_at_quantile(q) as f64 / 1e6)),
                query: t
                    .query
                    .into_iter()
                    .map(|(name, count, seen)| QueryParam {
                        name,
                        count,
                        distinct: seen.len() as u64,
                    })
                    .collect(),
                method: t.method,
                template: t.template,
                count: t.count,
                status: t.status,
                example: t.example,
            })
            .collect();
        // Most requested first; sessions refer to endpoints by their index in this order.
        let mut order: Vec<usize> = (0..endpoints.len()).collect();
        order.sort_by(|&a, &b| endpoints[b].count.cmp(&endpoints[a].count).then(a.cmp(&b)));
        let mut rank = vec![0; endpoints.len()];
        for (new, &old) in order.iter().enumerate() {
            rank[old] = new;
        }
        let sessions = sessions.renumbered(&rank);
        let mut sorted: Vec<Option<Endpoint>> = endpoints.drain(..).map(Some).collect();
        let endpoints = order
            .iter()
            .map(|&i| sorted[i].take().expect("each once"))
            .collect();
        let feeders = self
            .values
            .into_iter()
            .map(|(name, (total, seen, capped))| {
                let distinct = seen.len() as u64;
                let mut values: Vec<(String, u64)> = seen.into_iter().collect();
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                values.truncate(REPORTED_VALUES);
                Feeder {
                    name,
                    total,
                    distinct,
                    capped,
                    values,
                }
            })
            .collect();
        Learned {
            files,
            lines,
            malformed,
            malformed_examples,
            dropped: self.dropped,
            span_s: self.span,
            endpoints,
            sessions,
            feeders,
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
        ids: HashMap::new(),
        tallies: Vec::new(),
        values: BTreeMap::new(),
        dropped: BTreeMap::new(),
        sessions: Sessions::new(options.session_timeout_s),
        span: [0.0, 0.0],
        scratch: Vec::new(),
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
