//! InfluxDB 1.x: each second as line protocol, POSTed to `/write?db=…&precision=ms`.
//!
//! Measurements: `http_reqs`, `http_req_failed`, `data_sent`, `data_received` (field `value`, the
//! count in that second), `http_req_duration` (fields `mean`, `p50` … `max`, ms), tagged with
//! scenario, name and method; `vus` tagged with scenario.

use std::fmt::Write as _;
use std::time::Duration;

use super::{key_tags, stats_ms, Second, Sink, STAT_NAMES};

/// An InfluxDB database.
pub struct Influx {
    agent: ureq::Agent,
    write_url: String,
}

impl Influx {
    /// Prepares writes to `database` on the server at `url`.
    pub fn new(url: &str, database: &str) -> Result<Self, String> {
        let base = url.trim_end_matches('/');
        if !base.starts_with("http://") {
            return Err(format!(
                "the InfluxDB URL must start with http://, got {url:?}"
            ));
        }
        Ok(Self {
            agent: agent(),
            write_url: format!("{base}/write?db={database}&precision=ms"),
        })
    }
}

/// An HTTP agent that gives up quickly: a slow or absent server must not hold the output back.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(2)))
        .timeout_connect(Some(Duration::from_millis(500)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Escapes a tag key or value (line protocol: commas, spaces and equals signs).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, ',' | ' ' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The line protocol of one second; returns (body, points).
pub fn lines(s: &Second) -> (String, usize) {
    let ts = (s.unix_s * 1000.0).round() as i64;
    let mut body = String::new();
    let mut points = 0;
    for p in &s.series {
        let tags: String = key_tags(&s.keys[p.key as usize])
            .iter()
            .map(|(k, v)| format!(",{k}={}", escape(v)))
            .collect();
        for (m, v) in [
            ("http_reqs", p.requests),
            ("http_req_failed", p.failed),
            ("data_sent", p.bytes_sent),
            ("data_received", p.bytes_received),
        ] {
            let _ = writeln!(body, "{m}{tags} value={v}i {ts}");
            points += 1;
        }
        if p.requests > p.errors {
            let r = &p.response_time;
            let _ = write!(body, "http_req_duration{tags} ");
            for (i, (k, v)) in STAT_NAMES.iter().zip(stats_ms(r)).enumerate() {
                let sep = if i == 0 { "" } else { "," };
                let _ = write!(body, "{sep}{k}={v}");
            }
            let _ = writeln!(body, " {ts}");
            points += 1;
        }
    }
    for sc in &s.scenarios {
        let _ = writeln!(
            body,
            "vus,scenario={} value={}i {ts}",
            escape(&sc.scenario),
            sc.vus
        );
        points += 1;
    }
    (body, points)
}

impl Sink for Influx {
    fn write(&mut self, s: &Second) -> Result<usize, (usize, String)> {
        let (body, points) = lines(s);
        match self.agent.post(&self.write_url).send(body.as_bytes()) {
            Ok(r) if r.status().is_success() => Ok(points),
            Ok(r) => Err((points, format!("InfluxDB answered {}", r.status()))),
            Err(e) => Err((points, e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping() {
        assert_eq!(super::escape("GET /a b,c=d"), "GET\\ /a\\ b\\,c\\=d");
    }
}
