//! HdrHistogram interval log: the response times of all requests, one V2-compressed histogram per
//! second, in the text format HdrHistogram's log tools read (`HistogramLogProcessor`, the Python
//! `hdrh` package, ...). Values are microseconds.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::{Duration, UNIX_EPOCH};

use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};
use hdrhistogram::serialization::V2DeflateSerializer;

use super::{Second, Sink};

/// An interval log file.
pub struct HdrLog {
    out: BufWriter<File>,
    serializer: V2DeflateSerializer,
}

impl HdrLog {
    /// Creates (truncates) the file and writes the header.
    pub fn create(path: &str, start_unix_s: f64) -> Result<Self, String> {
        let file = File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
        let mut out = BufWriter::new(file);
        let mut serializer = V2DeflateSerializer::new();
        let start = UNIX_EPOCH + Duration::from_secs_f64(start_unix_s.max(0.0));
        IntervalLogWriterBuilder::new()
            .add_comment("horde: http_req_duration of all requests, one histogram per second, values in microseconds")
            .with_start_time(start)
            .with_base_time(start)
            .with_max_value_divisor(1000.0)
            .begin_log_with(&mut out, &mut serializer)
            .map_err(|e| e.to_string())?;
        out.write_all(b"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n")
            .map_err(|e| e.to_string())?;
        Ok(Self { out, serializer })
    }
}

impl Sink for HdrLog {
    fn write(&mut self, s: &Second) -> Result<usize, (usize, String)> {
        let mut write = || -> Result<(), String> {
            // A builder with nothing set writes no header: it only gives a writer for this line.
            let mut log = IntervalLogWriterBuilder::new()
                .begin_log_with(&mut self.out, &mut self.serializer)
                .map_err(|e| e.to_string())?;
            log.write_histogram(
                s.response_time.inner(),
                Duration::from_secs(u64::from(s.index)),
                Duration::from_secs(1),
                Tag::new("http_req_duration"),
            )
            .map_err(|e| format!("{e:?}"))?;
            self.out.flush().map_err(|e| e.to_string())
        };
        write().map(|()| 1).map_err(|e| (1, e))
    }

    fn finish(&mut self) -> Result<(), String> {
        self.out.flush().map_err(|e| e.to_string())
    }
}
