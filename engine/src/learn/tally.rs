//! Counting while reading: the endpoint table (`METHOD template` → index, capped, the rest
//! counted as one `(other)` endpoint), each endpoint's statuses, sizes, response times and query
//! parameters, and the values each placeholder and query parameter took (the feeders). Lookups
//! borrow the line's text; a string is copied only when a new key is stored.
//!
//! What is read from the tables is sorted before it is reported, so the maps' order (and their
//! hasher) never shows in the output.

use std::collections::{HashMap, HashSet};

use super::record::Record;
use super::{Endpoint, Feeder, QueryParam};

/// The learner's hash maps: foldhash, which hashes the short strings and integer pairs these
/// maps are keyed by several times faster than the standard SipHash. A log can hold text crafted
/// by whoever sent the requests, so the seed stays random per process.
pub type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Most endpoint templates; requests beyond go to one `(other)` endpoint.
const MAX_ENDPOINTS: usize = 2_000;
/// Most distinct values kept per feeder (placeholder or query parameter).
const MAX_VALUES: usize = 100_000;
/// Values reported per feeder, most frequent first.
const REPORTED_VALUES: usize = 2_000;
/// Most query parameters tracked per endpoint.
const MAX_PARAMS: usize = 50;
/// Most distinct values counted per query parameter of an endpoint.
const MAX_PARAM_VALUES: usize = 1_000;

/// One endpoint's tallies.
pub struct Tally {
    method: String,
    template: String,
    count: u64,
    status: [u64; 5],
    bytes: hdrhistogram::Histogram<u32>,
    duration_us: hdrhistogram::Histogram<u32>,
    /// Query parameters in the order first seen: (name, requests, distinct values up to
    /// [`MAX_PARAM_VALUES`]).
    query: Vec<(String, u64, HashSet<String, foldhash::fast::RandomState>)>,
    example: String,
}

impl Tally {
    fn new(method: String, template: String, target: &str) -> Tally {
        let histogram =
            || hdrhistogram::Histogram::new_with_bounds(1, 1 << 40, 2).expect("valid bounds");
        Tally {
            method,
            template,
            count: 0,
            status: [0; 5],
            bytes: histogram(),
            duration_us: histogram(),
            query: Vec::new(),
            example: target.chars().take(200).collect(),
        }
    }

    /// Counts request `r`.
    pub fn request(&mut self, r: &Record<'_>) {
        self.count += 1;
        if (100..600).contains(&r.status) {
            self.status[usize::from(r.status / 100 - 1)] += 1;
        }
        if let Some(b) = r.bytes {
            self.bytes.saturating_record(b);
        }
        if let Some(d) = r.duration_s.filter(|d| d.is_finite() && *d >= 0.0) {
            self.duration_us.saturating_record((d * 1e6) as u64);
        }
    }

    /// Counts query parameter `name` with `value`; false when this endpoint already tracks
    /// [`MAX_PARAMS`] others (its values are then not fed either).
    pub fn query(&mut self, name: &str, value: &str) -> bool {
        let at = match self.query.iter().position(|(n, ..)| n == name) {
            Some(at) => at,
            None if self.query.len() < MAX_PARAMS => {
                self.query.push((name.to_string(), 0, HashSet::default()));
                self.query.len() - 1
            }
            None => return false,
        };
        let (_, n, seen) = &mut self.query[at];
        *n += 1;
        if seen.len() < MAX_PARAM_VALUES && !seen.contains(value) {
            seen.insert(value.to_string());
        }
        true
    }

    fn finish(self) -> Endpoint {
        let median =
            |h: &hdrhistogram::Histogram<u32>| (!h.is_empty()).then(|| h.value_at_quantile(0.5));
        Endpoint {
            bytes_median: median(&self.bytes),
            duration_s: (!self.duration_us.is_empty())
                .then(|| [0.5, 0.95].map(|q| self.duration_us.value_at_quantile(q) as f64 / 1e6)),
            query: self
                .query
                .into_iter()
                .map(|(name, count, seen)| QueryParam {
                    name,
                    count,
                    distinct: seen.len() as u64,
                })
                .collect(),
            method: self.method,
            template: self.template,
            count: self.count,
            status: self.status,
            example: self.example,
        }
    }
}

/// Endpoints by `METHOD template`, numbered in the order first seen.
#[derive(Default)]
pub struct Endpoints {
    ids: Map<String, usize>,
    tallies: Vec<Tally>,
}

impl Endpoints {
    /// The number of the endpoint keyed `key` (`METHOD template`, the method `method_len` bytes
    /// long), added (with `target` as its example) if new, or `(other)` when the table is full.
    pub fn id(&mut self, key: &str, method_len: usize, target: &str) -> usize {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let (key, method, template) = if self.tallies.len() >= MAX_ENDPOINTS {
            ("(other)", "GET", "(other)")
        } else {
            (key, &key[..method_len], &key[method_len + 1..])
        };
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = self.tallies.len();
        self.ids.insert(key.to_string(), id);
        self.tallies
            .push(Tally::new(method.to_string(), template.to_string(), target));
        id
    }

    /// Endpoint `id`'s tallies.
    pub fn tally(&mut self, id: usize) -> &mut Tally {
        &mut self.tallies[id]
    }

    /// How many endpoints there are.
    pub fn len(&self) -> usize {
        self.tallies.len()
    }

    /// The endpoints, numbered as [`Endpoints::id`] numbered them.
    pub fn finish(self) -> Vec<Endpoint> {
        self.tallies.into_iter().map(Tally::finish).collect()
    }
}

/// One feeder's values: (requests, count per value up to [`MAX_VALUES`], whether more existed).
type Values = (u64, Map<String, u64>, bool);

/// The values each placeholder and query parameter took, by name.
#[derive(Default)]
pub struct Feeders {
    by_name: Map<String, Values>,
}

impl Feeders {
    /// Counts `value` for feeder `name`.
    pub fn add(&mut self, name: &str, value: &str) {
        let (total, seen, capped) = match self.by_name.get_mut(name) {
            Some(values) => values,
            None => self.by_name.entry(name.to_string()).or_default(),
        };
        *total += 1;
        let len = seen.len();
        match seen.get_mut(value) {
            Some(c) => *c += 1,
            None if len < MAX_VALUES => {
                seen.insert(value.to_string(), 1);
            }
            None => *capped = true,
        }
    }

    /// The feeders by name, each with its most frequent values first.
    pub fn finish(self) -> Vec<Feeder> {
        let mut by_name: Vec<(String, Values)> = self.by_name.into_iter().collect();
        by_name.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        by_name
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
            .collect()
    }
}
