//! Outputs while running: every completed second goes to each configured output — JSON lines,
//! CSV, an HdrHistogram interval log, InfluxDB (line protocol) or Prometheus (remote write).
//!
//! Each output runs on its own thread behind a small bounded queue. The collector never waits for
//! one: when an output's queue is full (it cannot keep up) the second is dropped and counted, and
//! when its server is down the points it could not send are counted too. Either way the load and
//! the local results are untouched; the result says what each output sent and lost.

pub mod csv;
pub mod hdr_log;
pub mod influx;
pub mod json_lines;
pub mod prometheus;

use std::sync::Arc;
use std::thread::JoinHandle;

use crate::error::RunError;
use crate::metrics::keys::RequestKey;
use crate::metrics::Hist;
use crate::plan::OutputSpec;
use crate::result::{OutputReport, ScenarioPoint, SecondStats, SeriesPoint};
use crossbeam_channel::{bounded, Sender, TrySendError};

/// Seconds an output may fall behind before seconds are dropped.
const QUEUE_SECONDS: usize = 30;

/// One completed second, shared by every output.
#[derive(Debug)]
pub struct Second {
    /// Second index since the start.
    pub index: u32,
    /// Wall-clock time at the end of the second, Unix seconds.
    pub unix_s: f64,
    /// Request keys, by key id.
    pub keys: Arc<[RequestKey]>,
    /// One row per request key.
    pub series: Vec<SeriesPoint>,
    /// One row per scenario.
    pub scenarios: Vec<ScenarioPoint>,
    /// Response times of all requests in this second, µs.
    pub response_time: Hist,
}

/// Something a second can be written to.
pub trait Sink: Send {
    /// Writes one second; returns the points written, or the points lost and why.
    fn write(&mut self, second: &Second) -> Result<usize, (usize, String)>;
    /// Flushes buffered data at the end.
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

struct Running {
    queue: Sender<Arc<Second>>,
    thread: JoinHandle<OutputReport>,
    dropped: u64,
}

/// The outputs of a run.
#[derive(Default)]
pub struct Outputs {
    running: Vec<Running>,
}

impl Outputs {
    /// Opens every output (files are created now, so a bad path fails before any load).
    pub fn start(specs: &[OutputSpec], start_unix_s: f64) -> Result<Outputs, RunError> {
        let mut running = Vec::new();
        for spec in specs {
            let (kind, target) = spec.describe();
            let fail = |reason: String| RunError::Output {
                output: format!("{kind} {target}"),
                reason,
            };
            let sink: Box<dyn Sink> = match spec {
                OutputSpec::Json { path } => {
                    Box::new(json_lines::JsonLines::create(path).map_err(fail)?)
                }
                OutputSpec::Csv { path } => Box::new(csv::Csv::create(path).map_err(fail)?),
                OutputSpec::HdrLog { path } => {
                    Box::new(hdr_log::HdrLog::create(path, start_unix_s).map_err(fail)?)
                }
                OutputSpec::Influxdb { url, database } => {
                    Box::new(influx::Influx::new(url, database).map_err(fail)?)
                }
                OutputSpec::Prometheus { url } => {
                    Box::new(prometheus::RemoteWrite::new(url).map_err(fail)?)
                }
            };
            let (queue, rx) = bounded::<Arc<Second>>(QUEUE_SECONDS);
            let thread = std::thread::Builder::new()
                .name(format!("horde-output-{kind}"))
                .spawn(move || drain(sink, rx, kind, target))
                .map_err(|e| RunError::Output {
                    output: spec.describe().0,
                    reason: e.to_string(),
                })?;
            running.push(Running {
                queue,
                thread,
                dropped: 0,
            });
        }
        Ok(Outputs { running })
    }

    /// Whether any output is configured.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Hands a second to every output, dropping it for those whose queue is full.
    pub fn send(&mut self, second: &Arc<Second>) {
        for r in &mut self.running {
            if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
                r.queue.try_send(second.clone())
            {
                r.dropped += 1;
            }
        }
    }

    /// Waits for every output to write what it has queued, and reports.
    pub fn finish(self) -> Vec<OutputReport> {
        self.running
            .into_iter()
            .map(|r| {
                drop(r.queue);
                let mut report = r.thread.join().unwrap_or_else(|_| OutputReport {
                    last_error: Some("the output thread panicked".into()),
                    ..Default::default()
                });
                report.dropped_seconds += r.dropped;
                report
            })
            .collect()
    }
}

fn drain(
    mut sink: Box<dyn Sink>,
    rx: crossbeam_channel::Receiver<Arc<Second>>,
    kind: String,
    target: String,
) -> OutputReport {
    let mut report = OutputReport {
        kind,
        target,
        ..Default::default()
    };
    for second in rx {
        match sink.write(&second) {
            Ok(n) => report.sent_points += n as u64,
            Err((n, e)) => {
                report.failed_points += n as u64;
                report.last_error = Some(e);
            }
        }
    }
    if let Err(e) = sink.finish() {
        report.last_error = Some(e);
    }
    report
}

/// Tags of a request key as (name, value) pairs.
pub fn key_tags(key: &RequestKey) -> [(&'static str, &str); 3] {
    [
        ("scenario", key.scenario.as_str()),
        ("name", key.name.as_str()),
        ("method", key.method.as_str()),
    ]
}

/// The names of [`stats_ms`]'s values, in order.
pub const STAT_NAMES: [&str; 6] = ["mean", "p50", "p90", "p95", "p99", "max"];

/// One second's latency statistics in milliseconds, in the order of [`STAT_NAMES`].
pub fn stats_ms(s: &SecondStats) -> [f64; 6] {
    let ms = |us: u64| us as f64 / 1e3;
    [
        s.mean / 1e3,
        ms(s.p50),
        ms(s.p90),
        ms(s.p95),
        ms(s.p99),
        ms(s.max),
    ]
}
