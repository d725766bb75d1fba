//! JSON lines: one metric point per line, per request key and second.
//!
//! `{"metric":"http_req_duration","time":1764396000.0,"second":3,"tags":{...},"value":1.2,"stats":{...}}`
//! — counters carry the count of the second in `value`; durations carry the mean in ms in `value`
//! and the percentiles in `stats`.

use std::fs::File;
use std::io::{BufWriter, Write};

use serde_json::json;

use super::{key_tags, stats_ms, Second, Sink, STAT_NAMES};
use crate::result::SecondStats;

/// A JSON-lines file.
pub struct JsonLines {
    out: BufWriter<File>,
}

impl JsonLines {
    /// Creates (truncates) the file.
    pub fn create(path: &str) -> Result<Self, String> {
        let file = File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
        Ok(Self {
            out: BufWriter::new(file),
        })
    }
}

fn stats(s: &SecondStats) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = STAT_NAMES
        .iter()
        .zip(stats_ms(s))
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    serde_json::Value::Object(map)
}

impl Sink for JsonLines {
    fn write(&mut self, s: &Second) -> Result<usize, (usize, String)> {
        let mut lines = Vec::new();
        for p in &s.series {
            let key = &s.keys[p.key as usize];
            let tags: serde_json::Map<String, serde_json::Value> = key_tags(key)
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            let point = |metric: &str, value: serde_json::Value| json!({"metric": metric, "time": s.unix_s, "second": s.index, "tags": tags, "value": value});
            lines.push(point("http_reqs", json!(p.requests)));
            lines.push(point("http_req_failed", json!(p.failed)));
            lines.push(point("data_sent", json!(p.bytes_sent)));
            lines.push(point("data_received", json!(p.bytes_received)));
            if p.requests > p.errors {
                let mut d = point("http_req_duration", json!(p.response_time.mean / 1e3));
                d["stats"] = stats(&p.response_time);
                lines.push(d);
            }
        }
        for sc in &s.scenarios {
            lines.push(json!({"metric": "vus", "time": s.unix_s, "second": s.index,
                              "tags": {"scenario": sc.scenario}, "value": sc.vus}));
        }
        let n = lines.len();
        let mut write = || -> std::io::Result<()> {
            for l in &lines {
                serde_json::to_writer(&mut self.out, l)?;
                self.out.write_all(b"\n")?;
            }
            self.out.flush()
        };
        write().map(|()| n).map_err(|e| (n, e.to_string()))
    }

    fn finish(&mut self) -> Result<(), String> {
        self.out.flush().map_err(|e| e.to_string())
    }
}
