//! nginx `log_format` patterns — literals and `$variables` — compiled once and read left to
//! right: a variable ends where the next literal starts, so a pattern copied from nginx.conf
//! reads its own log. Each variable knows the record field it fills before the first line is
//! read, and each literal is found and skipped once.

use super::record::{split_request, Record};
use super::time::{parse_clf_time, parse_iso8601};

/// A compiled pattern: the literal it starts with, then each variable with the literal that
/// ends it (none for a variable at the end).
#[derive(Debug, Clone)]
pub struct Pattern {
    lead: Option<Literal>,
    steps: Vec<Step>,
}

/// A variable of a pattern and the literal after it.
#[derive(Debug, Clone)]
struct Step {
    name: String,
    field: Field,
    until: Option<Literal>,
}

impl Pattern {
    /// Compiles `text`: `$name` variables between literal text.
    pub fn new(text: &str) -> Result<Pattern, String> {
        let mut pieces = Vec::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut lit = Vec::new();
        while i < bytes.len() {
            if bytes[i] == b'$' {
                let braced = bytes.get(i + 1) == Some(&b'{');
                let start = i + 1 + usize::from(braced);
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                if end == start {
                    return Err(format!(
                        "pattern {text:?}: `$` at byte {i} names no variable"
                    ));
                }
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(Literal::new(std::mem::take(&mut lit))));
                } else if matches!(pieces.last(), Some(Piece::Var(..))) {
                    return Err(format!(
                        "pattern {text:?}: two variables with nothing between them"
                    ));
                }
                let name = &text[start..end];
                pieces.push(Piece::Var(name.to_string(), Field::of(name)));
                i = end + usize::from(braced && bytes.get(end) == Some(&b'}'));
            } else {
                lit.push(bytes[i]);
                i += 1;
            }
        }
        if !lit.is_empty() {
            pieces.push(Piece::Lit(Literal::new(lit)));
        }
        let vars: Vec<&str> = pieces
            .iter()
            .filter_map(|p| {
                if let Piece::Var(v, _) = p {
                    Some(v.as_str())
                } else {
                    None
                }
            })
            .collect();
        let has = |names: &[&str]| names.iter().any(|n| vars.contains(n));
        if !has(&["request", "request_uri", "uri"]) {
            return Err(format!(
                "pattern {text:?} logs no request ($request, $request_uri or $uri)"
            ));
        }
        if !has(&["time_local", "time_iso8601", "msec"]) {
            return Err(format!(
                "pattern {text:?} logs no time ($time_local, $time_iso8601 or $msec)"
            ));
        }
        let mut pieces = pieces.into_iter().peekable();
        let lead = match pieces.next_if(|p| matches!(p, Piece::Lit(_))) {
            Some(Piece::Lit(lit)) => Some(lit),
            _ => None,
        };
        let mut steps = Vec::new();
        // Variables and literals alternate: two variables in a row were refused above, and
        // adjacent literal text is one literal.
        while let Some(Piece::Var(name, field)) = pieces.next() {
            let until = match pieces.next() {
                Some(Piece::Lit(lit)) => Some(lit),
                _ => None,
            };
            steps.push(Step { name, field, until });
        }
        Ok(Pattern { lead, steps })
    }

    /// Reads a line; `None` when it does not have this pattern.
    pub fn read<'a>(&self, line: &'a str, session: Option<&str>) -> Option<Record<'a>> {
        let mut r = Record::default();
        let (mut method, mut uri) = (None, None);
        let mut rest = line;
        let mut have_time = false;
        if let Some(lead) = &self.lead {
            if !lead.starts(rest.as_bytes()) {
                return None;
            }
            // A literal is whole bytes of the pattern's text, so this is a char boundary.
            rest = &rest[lead.bytes.len()..];
        }
        for Step { name, field, until } in &self.steps {
            let value = match until {
                Some(lit) => {
                    let at = lit.find(rest.as_bytes())?;
                    let v = &rest[..at];
                    rest = &rest[at + lit.bytes.len()..];
                    v
                }
                None => std::mem::take(&mut rest),
            };
            match field {
                Field::Addr => r.addr = value,
                Field::Agent => r.agent = value,
                Field::TimeLocal => {
                    r.time_s = parse_clf_time(value)?;
                    have_time = true;
                }
                Field::TimeIso8601 => {
                    r.time_s = parse_iso8601(value)?;
                    have_time = true;
                }
                Field::Msec => {
                    r.time_s = value.parse().ok()?;
                    have_time = true;
                }
                Field::Request => {
                    let (m, t) = split_request(value)?;
                    r.method = m;
                    r.target = t;
                }
                Field::Method => method = Some(value),
                Field::RequestUri => uri = Some(value),
                Field::Uri => uri = uri.or(Some(value)),
                Field::Status => r.status = value.parse().ok()?,
                Field::Bytes => r.bytes = value.parse().ok(),
                Field::Duration => r.duration_s = r.duration_s.or(value.parse().ok()),
                Field::Cookie => r.cookie = Some(value),
                Field::Other => {}
            }
            if session == Some(name.as_str()) && value != "-" && !value.is_empty() {
                r.session = Some(value);
            }
        }
        // Fields logged after the pattern's are ignored, but a lone number there is read as the
        // response time: `combined` + ` $request_time` is the most common extension.
        if let (None, Ok(d)) = (r.duration_s, rest.trim().parse::<f64>()) {
            r.duration_s = Some(d);
        }
        if let Some(m) = method {
            r.method = m;
        }
        if r.target.is_empty() {
            r.target = uri?;
        }
        (have_time && !r.method.is_empty() && r.status > 0).then_some(r)
    }
}

/// A piece of a pattern's text.
enum Piece {
    Lit(Literal),
    Var(String, Field),
}

/// Literal text of a pattern, and how to find it in a line.
#[derive(Debug, Clone)]
struct Literal {
    bytes: Vec<u8>,
    finder: Box<memchr::memmem::Finder<'static>>,
}

impl Literal {
    fn new(bytes: Vec<u8>) -> Literal {
        let finder = memchr::memmem::Finder::new(&bytes).into_owned();
        Literal {
            bytes,
            finder: Box::new(finder),
        }
    }

    /// Whether `text` starts with it (compared in line: literals are a few bytes).
    fn starts(&self, text: &[u8]) -> bool {
        text.len() >= self.bytes.len() && self.bytes.iter().zip(text).all(|(a, b)| a == b)
    }

    /// Where it first occurs in `text`. The separators of log formats (`" "`, ` [`, a space)
    /// are found faster by their first byte than by a general substring search.
    fn find(&self, text: &[u8]) -> Option<usize> {
        if self.bytes.len() > 4 {
            return self.finder.find(text);
        }
        let mut from = 0;
        loop {
            let at = from + memchr::memchr(self.bytes[0], &text[from..])?;
            if self.starts(&text[at..]) {
                return Some(at);
            }
            from = at + 1;
        }
    }
}

/// The record field an nginx variable fills (decided once, not by its name on every line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// `$remote_addr`, `$http_x_forwarded_for`, `$realip_remote_addr`.
    Addr,
    /// `$http_user_agent`.
    Agent,
    /// `$time_local`.
    TimeLocal,
    /// `$time_iso8601`.
    TimeIso8601,
    /// `$msec`.
    Msec,
    /// `$request`: method, target and protocol.
    Request,
    /// `$request_method`.
    Method,
    /// `$request_uri`.
    RequestUri,
    /// `$uri` (used when there is no `$request_uri`).
    Uri,
    /// `$status`.
    Status,
    /// `$body_bytes_sent`, `$bytes_sent`.
    Bytes,
    /// `$request_time`, `$upstream_response_time` (the first one logged).
    Duration,
    /// `$http_cookie`.
    Cookie,
    /// Any other variable: read past (it may still be the session field).
    Other,
}

impl Field {
    fn of(variable: &str) -> Field {
        match variable {
            "remote_addr" | "http_x_forwarded_for" | "realip_remote_addr" => Field::Addr,
            "http_user_agent" => Field::Agent,
            "time_local" => Field::TimeLocal,
            "time_iso8601" => Field::TimeIso8601,
            "msec" => Field::Msec,
            "request" => Field::Request,
            "request_method" => Field::Method,
            "request_uri" => Field::RequestUri,
            "uri" => Field::Uri,
            "status" => Field::Status,
            "body_bytes_sent" | "bytes_sent" => Field::Bytes,
            "request_time" | "upstream_response_time" => Field::Duration,
            "http_cookie" => Field::Cookie,
            _ => Field::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_and_trailing_literals_and_variables_read() {
        let p = Pattern::new(r#"[$time_local] "$request" $status rt=$request_time"#).unwrap();
        let r = p
            .read(
                r#"[10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 200 rt=0.5"#,
                None,
            )
            .unwrap();
        assert_eq!(
            (r.time_s, r.method, r.target, r.status, r.duration_s),
            (1_791_640_536.0, "GET", "/a", 200, Some(0.5))
        );
        assert!(p
            .read(
                r#"10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 200 rt=0.5"#,
                None
            )
            .is_none());
        assert!(p
            .read(
                r#"[10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 200"#,
                None
            )
            .is_none());
        // A long literal is searched for whole; a short one by its first byte, past false starts.
        let p = Pattern::new("$msec <<sep>> $request ## $status").unwrap();
        let r = p
            .read("1791640536 <<sep>> GET /x#y HTTP/1.1 ## 204", None)
            .unwrap();
        assert_eq!((r.target, r.status), ("/x#y", 204));
    }
}
