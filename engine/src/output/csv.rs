//! CSV: one row per request key per second, the same columns as `Result.timeseries()`.

use std::fs::File;
use std::io::{BufWriter, Write};

use super::{stats_ms, Second, Sink};
use crate::result::SecondStats;

const HEADER: &str = "time,second,scenario,name,method,requests,failed,errors,bytes_sent,bytes_received,\
response_time_mean_ms,response_time_p50_ms,response_time_p90_ms,response_time_p95_ms,response_time_p99_ms,response_time_max_ms,\
service_time_mean_ms,service_time_p50_ms,service_time_p90_ms,service_time_p95_ms,service_time_p99_ms,service_time_max_ms";

/// A CSV file.
pub struct Csv {
    out: BufWriter<File>,
}

impl Csv {
    /// Creates (truncates) the file and writes the header.
    pub fn create(path: &str) -> Result<Self, String> {
        let file = File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
        let mut out = BufWriter::new(file);
        writeln!(out, "{HEADER}").map_err(|e| e.to_string())?;
        Ok(Self { out })
    }
}

/// Quotes a field when it holds a comma, a quote or a line break (RFC 4180).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn stats(s: &SecondStats) -> String {
    let v = stats_ms(s);
    format!(
        "{:.3},{:.3},{:.3},{:.3},{:.3},{:.3}",
        v[0], v[1], v[2], v[3], v[4], v[5]
    )
}

impl Sink for Csv {
    fn write(&mut self, s: &Second) -> Result<usize, (usize, String)> {
        let n = s.series.len();
        let mut write = || -> std::io::Result<()> {
            for p in &s.series {
                let k = &s.keys[p.key as usize];
                writeln!(
                    self.out,
                    "{:.3},{},{},{},{},{},{},{},{},{},{},{}",
                    s.unix_s,
                    s.index,
                    field(&k.scenario),
                    field(&k.name),
                    field(&k.method),
                    p.requests,
                    p.failed,
                    p.errors,
                    p.bytes_sent,
                    p.bytes_received,
                    stats(&p.response_time),
                    stats(&p.service_time)
                )?;
            }
            self.out.flush()
        };
        write().map(|()| n).map_err(|e| (n, e.to_string()))
    }

    fn finish(&mut self) -> Result<(), String> {
        self.out.flush().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoting() {
        assert_eq!(super::field("GET /a"), "GET /a");
        assert_eq!(super::field("a,b"), "\"a,b\"");
        assert_eq!(super::field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
