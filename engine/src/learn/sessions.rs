//! Sessions rebuilt from requests: by a session id when the log has one, else by client address
//! and user agent, ended by inactivity. Each session adds its entry endpoint, every move from one
//! endpoint to the next (with the pause between them), and where it left. Open sessions are kept
//! only while they may still continue, so memory follows the number of concurrent users, not the
//! log's length.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash, Hasher};

use serde::Serialize;

use super::tally::Map;

/// What tells clients apart: a 64-bit hash of their session id, or of their address and user
/// agent (two clients would be merged only if their hashes collided while both were active).
/// A fixed seed, so that the same log always gives the same model.
const CLIENT_HASH: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0x5e55);

/// Pauses kept per transition (a uniform sample of them, by reservoir sampling).
const THINKS_PER_MOVE: usize = 1_000;
/// Pauses kept over all transitions.
const THINKS_POOLED: usize = 20_000;
/// Most transitions with their own pause samples.
const MAX_MOVES: usize = 100_000;

struct Open {
    start_s: f64,
    last_s: f64,
    last: usize,
    requests: u32,
}

#[derive(Default)]
struct Move {
    count: u64,
    thinks: Vec<f64>,
}

/// A transition between two endpoints (by index), with pauses observed on it.
#[derive(Debug, Serialize)]
pub struct Transition {
    /// From endpoint.
    pub from: usize,
    /// To endpoint.
    pub to: usize,
    /// Times seen.
    pub count: u64,
    /// A uniform sample of the pauses before `to`, seconds.
    pub think_s: Vec<f64>,
}

/// What the sessions showed.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Sessions.
    pub count: u64,
    /// How sessions were told apart.
    pub by: &'static str,
    /// Inactivity that ended a session, seconds.
    pub timeout_s: f64,
    /// Sessions started in each minute: (minute since the epoch, sessions).
    pub per_minute: Vec<(i64, u64)>,
    /// Sessions by entry endpoint.
    pub entry: Vec<u64>,
    /// Sessions by exit endpoint.
    pub exit: Vec<u64>,
    /// Transitions seen.
    pub transitions: Vec<Transition>,
    /// A uniform sample of all pauses, seconds.
    pub think_s: Vec<f64>,
    /// Requests per session: mean, median, 90th percentile, max.
    pub requests: [f64; 4],
    /// Session duration, seconds: mean, median, 90th percentile, max.
    pub duration_s: [f64; 4],
}

impl Summary {
    /// The same, with endpoint `i` renumbered `rank[i]`.
    pub fn renumbered(mut self, rank: &[usize]) -> Summary {
        let move_to = |v: &[u64]| {
            let mut out = vec![0; v.len()];
            for (i, n) in v.iter().enumerate() {
                out[rank[i]] = *n;
            }
            out
        };
        self.entry = move_to(&self.entry);
        self.exit = move_to(&self.exit);
        for t in &mut self.transitions {
            t.from = rank[t.from];
            t.to = rank[t.to];
        }
        self.transitions.sort_by_key(|t| (t.from, t.to));
        self
    }
}

/// Sessions being rebuilt.
pub struct Sessions {
    timeout_s: f64,
    open: Map<u64, Open>,
    next_sweep_s: f64,
    by_id: bool,
    count: u64,
    per_minute: BTreeMap<i64, u64>,
    entry: Vec<u64>,
    exit: Vec<u64>,
    moves: Map<(usize, usize), Move>,
    pooled: Vec<f64>,
    pauses: u64,
    rng: fastrand::Rng,
    requests: hdrhistogram::Histogram<u64>,
    duration_ms: hdrhistogram::Histogram<u64>,
}

impl Sessions {
    /// No sessions yet; `timeout_s` of inactivity ends one.
    pub fn new(timeout_s: f64) -> Sessions {
        Sessions {
            timeout_s,
            open: Map::default(),
            next_sweep_s: f64::NEG_INFINITY,
            by_id: false,
            count: 0,
            per_minute: BTreeMap::new(),
            entry: Vec::new(),
            exit: Vec::new(),
            moves: Map::default(),
            pooled: Vec::new(),
            pauses: 0,
            rng: fastrand::Rng::with_seed(0x5e55),
            requests: hdrhistogram::Histogram::new_with_bounds(1, 1 << 50, 3)
                .expect("valid bounds"),
            duration_ms: hdrhistogram::Histogram::new_with_bounds(1, 1 << 50, 3)
                .expect("valid bounds"),
        }
    }

    /// A request to `endpoint` at `time_s` by the session `id` (or, without one, by the client
    /// at `addr` with `agent`).
    pub fn request(
        &mut self,
        time_s: f64,
        id: Option<&str>,
        addr: &str,
        agent: &str,
        endpoint: usize,
    ) {
        if time_s >= self.next_sweep_s {
            self.sweep(time_s);
        }
        let mut h = CLIENT_HASH.build_hasher();
        match id {
            Some(id) => {
                self.by_id = true;
                (0u8, id).hash(&mut h)
            }
            None => (1u8, addr, agent).hash(&mut h),
        }
        let key = h.finish();
        let grow = endpoint + 1;
        if self.entry.len() < grow {
            self.entry.resize(grow, 0);
            self.exit.resize(grow, 0);
        }
        match self.open.get_mut(&key) {
            Some(s) if time_s - s.last_s <= self.timeout_s => {
                let pause = (time_s - s.last_s).max(0.0);
                let (from, before) = (s.last, s.requests);
                s.last_s = s.last_s.max(time_s);
                s.last = endpoint;
                s.requests = before + 1;
                self.moved(from, endpoint, pause);
            }
            Some(_) => {
                let old = self.open.remove(&key).expect("present");
                self.close(&old);
                self.start(key, time_s, endpoint);
            }
            None => self.start(key, time_s, endpoint),
        }
    }

    fn start(&mut self, key: u64, time_s: f64, endpoint: usize) {
        self.count += 1;
        self.entry[endpoint] += 1;
        *self
            .per_minute
            .entry((time_s / 60.0).floor() as i64)
            .or_default() += 1;
        self.open.insert(
            key,
            Open {
                start_s: time_s,
                last_s: time_s,
                last: endpoint,
                requests: 1,
            },
        );
    }

    fn moved(&mut self, from: usize, to: usize, pause: f64) {
        let full = self.moves.len() >= MAX_MOVES;
        let m = match self.moves.get_mut(&(from, to)) {
            Some(m) => m,
            None if full => return,
            None => self.moves.entry((from, to)).or_default(),
        };
        m.count += 1;
        reservoir(
            &mut m.thinks,
            m.count,
            THINKS_PER_MOVE,
            pause,
            &mut self.rng,
        );
        self.pauses += 1;
        reservoir(
            &mut self.pooled,
            self.pauses,
            THINKS_POOLED,
            pause,
            &mut self.rng,
        );
    }

    fn close(&mut self, s: &Open) {
        self.exit[s.last] += 1;
        self.requests.saturating_record(u64::from(s.requests));
        self.duration_ms
            .saturating_record(((s.last_s - s.start_s).max(0.0) * 1e3) as u64);
    }

    /// Ends the sessions idle for longer than the timeout at `now_s`.
    fn sweep(&mut self, now_s: f64) {
        let timeout = self.timeout_s;
        let ended: Vec<u64> = self
            .open
            .iter()
            .filter(|(_, s)| now_s - s.last_s > timeout)
            .map(|(k, _)| *k)
            .collect();
        for k in ended {
            let s = self.open.remove(&k).expect("present");
            self.close(&s);
        }
        self.next_sweep_s = now_s + 60.0;
    }

    /// Ends every open session and sums up, for `endpoints` endpoints.
    pub fn finish(mut self, endpoints: usize) -> Summary {
        let open: Vec<Open> = self.open.drain().map(|(_, s)| s).collect();
        self.entry.resize(endpoints, 0);
        self.exit.resize(endpoints, 0);
        for s in &open {
            self.close(s);
        }
        let stats = |h: &hdrhistogram::Histogram<u64>, scale: f64| {
            if h.is_empty() {
                return [0.0; 4];
            }
            [
                h.mean() / scale,
                h.value_at_quantile(0.5) as f64 / scale,
                h.value_at_quantile(0.9) as f64 / scale,
                h.max() as f64 / scale,
            ]
        };
        let mut transitions: Vec<Transition> = self
            .moves
            .into_iter()
            .map(|((from, to), m)| Transition {
                from,
                to,
                count: m.count,
                think_s: m.thinks,
            })
            .collect();
        transitions.sort_by_key(|t| (t.from, t.to));
        Summary {
            count: self.count,
            by: if self.by_id {
                "session id"
            } else {
                "client address and user agent"
            },
            timeout_s: self.timeout_s,
            per_minute: self.per_minute.into_iter().collect(),
            entry: self.entry,
            exit: self.exit,
            transitions,
            think_s: self.pooled,
            requests: stats(&self.requests, 1.0),
            duration_s: stats(&self.duration_ms, 1e3),
        }
    }
}

/// Keeps a uniform sample of at most `cap` of the `seen` values offered so far (Algorithm R).
fn reservoir(sample: &mut Vec<f64>, seen: u64, cap: usize, value: f64, rng: &mut fastrand::Rng) {
    if sample.len() < cap {
        sample.push(value);
    } else {
        let j = rng.u64(..seen) as usize;
        if j < cap {
            sample[j] = value;
        }
    }
}
