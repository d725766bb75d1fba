//! Reading one log file line by line — plain or gzip (by its magic bytes), in a reused buffer —
//! and telling the learner about every request. `auto` decides the format from the first line.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use super::format::{read_json, Format, Record, COMBINED, COMMON};
use super::{FileSummary, LearnError, Malformed, EXAMPLES};

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
    let reader: Box<dyn BufRead> = if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(file),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 20, file))
    };
    read_lines(
        path, reader, format, pattern, fields, session, examples, each,
    )
}

#[allow(clippy::too_many_arguments)]
fn read_lines(
    path: &str,
    mut reader: Box<dyn BufRead>,
    format: &str,
    pattern: Option<&str>,
    fields: &BTreeMap<String, String>,
    session: Option<&str>,
    examples: &mut Vec<Malformed>,
    each: &mut dyn FnMut(&Record<'_>),
) -> Result<FileSummary, LearnError> {
    let mut summary = FileSummary {
        path: path.to_string(),
        format: format.to_string(),
        lines: 0,
        malformed: 0,
    };
    let mut chosen: Option<Format> = if format == "auto" {
        None
    } else {
        Some(Format::named(format, pattern, fields).map_err(LearnError::Input)?)
    };
    let mut buf = Vec::with_capacity(4096);
    let mut number = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| LearnError::Io {
                path: path.to_string(),
                source,
            })?;
        if n == 0 {
            break;
        }
        number += 1;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        summary.lines += 1;
        // Valid UTF-8 is checked fast and borrowed; anything else is read with replacements.
        let line = match std::str::from_utf8(&buf) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&buf),
        };
        if chosen.is_none() {
            let (name, f) = detect(&line, session, fields).ok_or_else(|| {
                LearnError::Input(format!(
                    "{path}:{number}: not a log format horde knows ({:?}); horde reads {} \
                     (give --format, or --format pattern with your nginx log_format)",
                    line.chars().take(200).collect::<String>(),
                    super::FORMATS.join(", ")
                ))
            })?;
            summary.format = name.to_string();
            chosen = Some(f);
        }
        let f = chosen.as_ref().expect("chosen above");
        let read = match f {
            Format::Json(fields) => read_json(&line, fields, session).map(|j| each(&j.record())),
            other => other.read(&line, session).map(|r| each(&r)),
        };
        if read.is_none() {
            summary.malformed += 1;
            if examples.len() < EXAMPLES {
                examples.push(Malformed {
                    file: path.to_string(),
                    line: number,
                    text: line.chars().take(200).collect(),
                });
            }
        }
    }
    Ok(summary)
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
