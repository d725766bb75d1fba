//! `${…}` templates in URLs, headers and bodies: parsed once when the plan is compiled, rendered
//! for every request into a reused buffer without allocating.
//!
//! Syntax: `${name}` inserts a variable (data, an earlier extraction, or a built-in such as
//! `__vu`); `${uuid()}`, `${random_int(1, 100)}`, `${random_string(8)}` and `${timestamp_ms()}`
//! call a helper; `$${` is a literal `${`. Inside JSON bodies inserted values are JSON-escaped, in
//! form bodies form-encoded, elsewhere inserted as they are.

use std::fmt;

/// How inserted values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// As is (URLs, headers, text bodies).
    None,
    /// Escaped for the inside of a JSON string.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// A helper called from a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// A random (version 4) UUID.
    Uuid,
    /// A random integer in `min..=max`.
    RandomInt {
        /// Lower bound.
        min: i64,
        /// Upper bound (inclusive).
        max: i64,
    },
    /// `len` random alphanumeric characters.
    RandomString {
        /// Length.
        len: usize,
    },
    /// Milliseconds since the Unix epoch.
    TimestampMs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(Box<[u8]>),
    Var(u16),
    Func(Func),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    escape: Escape,
}

/// Why a template does not parse, with the byte position of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset in the template text.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at position {})", self.message, self.position)
    }
}

/// Where rendering finds variable values.
pub trait Lookup {
    /// The value of variable `slot`, if it is set.
    fn get(&self, slot: u16) -> Option<&[u8]>;
}

/// A variable that was not set when a template needed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unset(pub u16);

impl Template {
    /// Parses `text`; `resolve` maps a variable name to its slot (None: unknown variable).
    pub fn parse(
        text: &str,
        escape: Escape,
        resolve: &mut dyn FnMut(&str) -> Option<u16>,
    ) -> Result<Template, TemplateError> {
        let bytes = text.as_bytes();
        let mut parts = Vec::new();
        let mut literal: Vec<u8> = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i..].starts_with(b"$${") {
                literal.extend_from_slice(b"${");
                i += 3;
                continue;
            }
            if !bytes[i..].starts_with(b"${") {
                literal.push(bytes[i]);
                i += 1;
                continue;
            }
            let start = i;
            let Some(len) = text[i + 2..].find('}') else {
                return Err(TemplateError {
                    position: start,
                    message: "unclosed `${`".into(),
                });
            };
            let inner = text[i + 2..i + 2 + len].trim();
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal).into()));
            }
            parts.push(parse_inner(inner, start, resolve)?);
            i += 2 + len + 1;
        }
        if !literal.is_empty() || parts.is_empty() {
            parts.push(Part::Literal(literal.into()));
        }
        Ok(Template { parts, escape })
    }

    /// A template of exactly these bytes (a binary body): nothing is parsed, so a `${` or `$${`
    /// in them is sent as it is, and bytes that are not UTF-8 stay as they are.
    pub fn fixed(bytes: &[u8]) -> Template {
        Template {
            parts: vec![Part::Literal(bytes.into())],
            escape: Escape::None,
        }
    }

    /// The text, when the template inserts nothing.
    pub fn as_literal(&self) -> Option<&[u8]> {
        match self.parts.as_slice() {
            [Part::Literal(bytes)] => Some(bytes),
            _ => None,
        }
    }

    /// The variable slots the template reads.
    pub fn variables(&self) -> impl Iterator<Item = u16> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(slot) => Some(*slot),
            _ => None,
        })
    }

    /// Appends the rendered text to `out`.
    pub fn render(
        &self,
        vars: &dyn Lookup,
        rng: &mut fastrand::Rng,
        out: &mut Vec<u8>,
    ) -> Result<(), Unset> {
        for part in &self.parts {
            match part {
                Part::Literal(bytes) => out.extend_from_slice(bytes),
                Part::Var(slot) => escape(vars.get(*slot).ok_or(Unset(*slot))?, self.escape, out),
                Part::Func(f) => {
                    let mut buf = [0u8; 64];
                    let value = call(*f, rng, &mut buf);
                    escape(value, self.escape, out);
                }
            }
        }
        Ok(())
    }
}

fn parse_inner(
    inner: &str,
    position: usize,
    resolve: &mut dyn FnMut(&str) -> Option<u16>,
) -> Result<Part, TemplateError> {
    let err = |message: String| TemplateError { position, message };
    if inner.is_empty() {
        return Err(err("empty `${}`".into()));
    }
    if let Some(open) = inner.find('(') {
        let Some(args) = inner[open + 1..].strip_suffix(')') else {
            return Err(err(format!("`{inner}`: a helper call needs a closing `)`")));
        };
        let name = inner[..open].trim();
        let args: Vec<&str> = args
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        let int = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| err(format!("`{inner}`: {s:?} is not an integer")))
        };
        let func = match (name, args.as_slice()) {
            ("uuid", []) => Func::Uuid,
            ("timestamp_ms", []) => Func::TimestampMs,
            ("random_int", [a, b]) => {
                let (min, max) = (int(a)?, int(b)?);
                if min > max {
                    return Err(err(format!("`{inner}`: min {min} is above max {max}")));
                }
                Func::RandomInt { min, max }
            }
            ("random_string", [n]) => match int(n)? {
                len @ 1..=64 => Func::RandomString { len: len as usize },
                len => return Err(err(format!("`{inner}`: length must be 1..64, got {len}"))),
            },
            _ => {
                return Err(err(format!(
                    "unknown helper `{inner}`; helpers are uuid(), random_int(min, max), random_string(len), timestamp_ms()"
                )))
            }
        };
        return Ok(Part::Func(func));
    }
    let valid = inner.bytes().enumerate().all(|(i, b)| {
        b == b'_' || b.is_ascii_alphabetic() || (i > 0 && (b.is_ascii_digit() || b == b'.'))
    });
    if !valid {
        return Err(err(format!("`{inner}` is not a variable name (letters, digits, `_` and `.`, not starting with a digit)")));
    }
    resolve(inner)
        .map(Part::Var)
        .ok_or_else(|| err(format!("undefined variable `${{{inner}}}`")))
}

fn call<'b>(f: Func, rng: &mut fastrand::Rng, buf: &'b mut [u8; 64]) -> &'b [u8] {
    match f {
        Func::Uuid => {
            let bytes = rng.u128(..).to_le_bytes();
            let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
            id.hyphenated().encode_lower(buf).as_bytes()
        }
        Func::RandomInt { min, max } => {
            let n = rng.i64(min..=max);
            let mut fmt = itoa::Buffer::new();
            let s = fmt.format(n).as_bytes();
            buf[..s.len()].copy_from_slice(s);
            &buf[..s.len()]
        }
        Func::RandomString { len } => {
            for b in &mut buf[..len] {
                *b = rng.alphanumeric() as u8;
            }
            &buf[..len]
        }
        Func::TimestampMs => {
            let ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            let mut fmt = itoa::Buffer::new();
            let s = fmt.format(ms).as_bytes();
            buf[..s.len()].copy_from_slice(s);
            &buf[..s.len()]
        }
    }
}

fn escape(value: &[u8], mode: Escape, out: &mut Vec<u8>) {
    match mode {
        Escape::None => out.extend_from_slice(value),
        Escape::Json => {
            for &b in value {
                match b {
                    b'"' => out.extend_from_slice(b"\\\""),
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    0..=0x1f => {
                        const HEX: &[u8; 16] = b"0123456789abcdef";
                        out.extend_from_slice(&[
                            b'\\',
                            b'u',
                            b'0',
                            b'0',
                            HEX[(b >> 4) as usize],
                            HEX[(b & 15) as usize],
                        ]);
                    }
                    _ => out.push(b),
                }
            }
        }
        Escape::Form => {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            for &b in value {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                        out.push(b)
                    }
                    b' ' => out.push(b'+'),
                    _ => out.extend_from_slice(&[
                        b'%',
                        HEX[(b >> 4) as usize],
                        HEX[(b & 15) as usize],
                    ]),
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
