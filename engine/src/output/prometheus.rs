//! Prometheus remote write: each second as a snappy-compressed protobuf `WriteRequest` POSTed to
//! the remote-write endpoint (Prometheus with `--web.enable-remote-write-receiver`, Mimir, ...).
//!
//! Series: `horde_http_reqs_total`, `horde_http_req_failed_total`, `horde_data_sent_bytes_total`,
//! `horde_data_received_bytes_total` (cumulative counters) and
//! `horde_http_req_duration_seconds{quantile=…}` (that second's percentiles), labelled with
//! scenario, name and method; `horde_vus` labelled with scenario.

use std::collections::HashMap;

use super::{key_tags, Second, Sink};

/// `prometheus.WriteRequest` (the fields horde sends).
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    /// Series.
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
}

/// `prometheus.TimeSeries`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    /// Labels, sorted by name.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// Samples, oldest first.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Label {
    /// Name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `prometheus.Sample`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    /// Value.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// A remote-write endpoint.
pub struct RemoteWrite {
    agent: ureq::Agent,
    url: String,
    totals: HashMap<(u32, &'static str), f64>,
}

impl RemoteWrite {
    /// Prepares writes to `url`.
    pub fn new(url: &str) -> Result<Self, String> {
        if !url.starts_with("http://") {
            return Err(format!(
                "the remote-write URL must start with http://, got {url:?}"
            ));
        }
        Ok(Self {
            agent: super::influx::agent(),
            url: url.to_string(),
            totals: HashMap::new(),
        })
    }

    /// The `WriteRequest` of one second (counters accumulate across calls).
    pub fn request(&mut self, s: &Second) -> WriteRequest {
        let ts = (s.unix_s * 1000.0).round() as i64;
        let mut out = Vec::new();
        let series = |name: &str, labels: &[(&str, &str)], value: f64| {
            let mut all: Vec<Label> = labels
                .iter()
                .map(|(k, v)| Label {
                    name: (*k).into(),
                    value: (*v).into(),
                })
                .collect();
            all.push(Label {
                name: "__name__".into(),
                value: name.into(),
            });
            all.push(Label {
                name: "job".into(),
                value: "horde".into(),
            });
            all.sort_by(|a, b| a.name.cmp(&b.name));
            TimeSeries {
                labels: all,
                samples: vec![Sample {
                    value,
                    timestamp: ts,
                }],
            }
        };
        for p in &s.series {
            let tags = key_tags(&s.keys[p.key as usize]);
            for (name, delta) in [
                ("horde_http_reqs_total", p.requests),
                ("horde_http_req_failed_total", p.failed),
                ("horde_data_sent_bytes_total", p.bytes_sent),
                ("horde_data_received_bytes_total", p.bytes_received),
            ] {
                let total = self.totals.entry((p.key, name)).or_insert(0.0);
                *total += delta as f64;
                out.push(series(name, &tags, *total));
            }
            if p.requests > p.errors {
                let r = &p.response_time;
                for (q, v) in [
                    ("0.5", r.p50),
                    ("0.9", r.p90),
                    ("0.95", r.p95),
                    ("0.99", r.p99),
                    ("1", r.max),
                ] {
                    let labels = [tags[0], tags[1], tags[2], ("quantile", q)];
                    out.push(series(
                        "horde_http_req_duration_seconds",
                        &labels,
                        v as f64 / 1e6,
                    ));
                }
            }
        }
        for sc in &s.scenarios {
            out.push(series(
                "horde_vus",
                &[("scenario", sc.scenario.as_str())],
                sc.vus as f64,
            ));
        }
        WriteRequest { timeseries: out }
    }
}

impl Sink for RemoteWrite {
    fn write(&mut self, s: &Second) -> Result<usize, (usize, String)> {
        let request = self.request(s);
        let points = request.timeseries.len();
        let body = snap::raw::Encoder::new()
            .compress_vec(&prost::Message::encode_to_vec(&request))
            .map_err(|e| (points, e.to_string()))?;
        let sent = self
            .agent
            .post(&self.url)
            .header("Content-Encoding", "snappy")
            .header("Content-Type", "application/x-protobuf")
            .header("X-Prometheus-Remote-Write-Version", "0.1.0")
            .send(&body[..]);
        match sent {
            Ok(r) if r.status().is_success() => Ok(points),
            Ok(r) => Err((points, format!("remote write answered {}", r.status()))),
            Err(e) => Err((points, e.to_string())),
        }
    }
}
