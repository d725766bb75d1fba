//! Reading one log file line by line — plain or gzip (by its magic bytes), read ahead in big
//! chunks on a thread of its own (see `chunks`) — and telling the learner about every request.
//! `auto` decides the format from the first line.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;

use super::chunks::for_each_chunk;
use super::format::{Format, COMBINED, COMMON};
use super::json::read_json;
use super::record::Record;
use super::{FileSummary, LearnError, Malformed};

/// Reads `path`, calling `each` for every request; malformed lines are counted and the first
/// few quoted into `examples`.
pub fn read_file(
    path: &str,
    format: &str,
    pattern: Option<&str>,
    fields: &BTreeMap<String, String>,
    session: Option<&str>,
    examples: &mut Vec<Malformed>,
    each: &mut dyn FnMut(&Record<'_>),
) -> Result<FileSummary, LearnError> {
    let io = |source| LearnError::Io {
        path: path.to_string(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(io)?;
    let file = File::open(path).map_err(io)?;
    let source: Box<dyn Read + Send> = if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut lines = Lines {
        path,
        summary: FileSummary {
            path: path.to_string(),
            format: format.to_string(),
            lines: 0,
            malformed: 0,
        },
        chosen: if format == "auto" {
            None
        } else {
            Some(Format::named(format, pattern, fields).map_err(LearnError::Input)?)
        },
        fields,
        session,
        number: 0,
        examples,
        each,
    };
    for_each_chunk(source, io, |chunk| {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', chunk) {
            lines.line(&chunk[start..end])?;
            start = end + 1;
        }
        if start < chunk.len() {
            lines.line(&chunk[start..])?;
        }
        Ok(())
    })?;
    Ok(lines.summary)
}

/// The lines of one file, read one after the other.
struct Lines<'a, 'e> {
    path: &'a str,
    summary: FileSummary,
    /// The format, once known.
    chosen: Option<Format>,
    fields: &'a BTreeMap<String, String>,
    session: Option<&'a str>,
    /// The current line's number, from 1.
    number: u64,
    examples: &'a mut Vec<Malformed>,
    each: &'a mut (dyn FnMut(&Record<'_>) + 'e),
}

impl Lines<'_, '_> {
    /// Reads one line (without its `\n`).
    fn line(&mut self, mut bytes: &[u8]) -> Result<(), LearnError> {
        self.number += 1;
        while let [rest @ .., b'\r' | b'\n'] = bytes {
            bytes = rest;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        self.summary.lines += 1;
        // Valid UTF-8 is checked fast and borrowed; anything else is read with replacements.
        let line = match std::str::from_utf8(bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(bytes),
        };
        if self.chosen.is_none() {
            let (name, f) = detect(&line, self.session, self.fields).ok_or_else(|| {
                LearnError::Input(format!(
                    "{}:{}: not a log format horde knows ({:?}); horde reads {} \
                     (give --format, or --format pattern with your nginx log_format)",
                    self.path,
                    self.number,
                    line.chars().take(200).collect::<String>(),
                    super::FORMATS.join(", ")
                ))
            })?;
            self.summary.format = name.to_string();
            self.chosen = Some(f);
        }
        let each = &mut *self.each;
        let read = match self.chosen.as_ref().expect("chosen above") {
            Format::Json(fields) => {
                read_json(&line, fields, self.session).map(|j| each(&j.record()))
            }
            other => other.read(&line, self.session).map(|r| each(&r)),
        };
        if read.is_none() {
            self.summary.malformed += 1;
            if self.examples.len() < super::EXAMPLES {
                self.examples.push(Malformed {
                    file: self.path.to_string(),
                    line: self.number,
                    text: line.chars().take(200).collect(),
                });
            }
        }
        Ok(())
    }
}

/// The format of a log whose first line is `line`.
fn detect(
    line: &str,
    session: Option<&str>,
    fields: &BTreeMap<String, String>,
) -> Option<(&'static str, Format)> {
    if line.trim_start().starts_with('{') {
        read_json(line, fields, session)?;
        return Some(("json", Format::Json(fields.clone())));
    }
    for (name, pattern) in [("combined", COMBINED), ("common", COMMON)] {
        let f = Format::pattern(pattern).expect("built-in patterns parse");
        if f.read(line, session).is_some() {
            return Some((name, f));
        }
    }
    Format::Alb
        .read(line, session)
        .map(|_| ("alb", Format::Alb))
}
