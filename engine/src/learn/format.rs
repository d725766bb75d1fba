//! Access-log formats: one line in, one [`Record`] out, without allocating.
//!
//! Text formats are nginx `log_format` patterns — literals and `$variables` — read left to right:
//! a variable ends where the next literal starts (found with memchr), so a pattern copied from
//! nginx.conf reads its own log. `combined` and `common` are such patterns; Apache's
//! `%h %l %u %t \"%r\" %>s %b` logs are the same bytes. AWS ALB logs are space-separated with
//! quoted fields; JSON lines map fields by (dotted) name.

use std::collections::BTreeMap;

use super::time::{parse_clf_time, parse_iso8601};

/// One request read from a log line. Text fields borrow from the line.
#[derive(Debug, Default, Clone)]
pub struct Record<'a> {
    /// Seconds since the Unix epoch.
    pub time_s: f64,
    /// Client address.
    pub addr: &'a str,
    /// User agent.
    pub agent: &'a str,
    /// Method.
    pub method: &'a str,
    /// Path and query, as sent (an absolute URL's origin removed).
    pub target: &'a str,
    /// Response status.
    pub status: u16,
    /// Response body size, bytes.
    pub bytes: Option<u64>,
    /// Response time, seconds.
    pub duration_s: Option<f64>,
    /// The session field's value, when the log has one.
    pub session: Option<&'a str>,
    /// The `Cookie` header, when logged.
    pub cookie: Option<&'a str>,
}

/// nginx's `combined` format (also Apache's).
pub const COMBINED: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#;
/// nginx's and Apache's `common` format.
pub const COMMON: &str =
    r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent"#;

/// The formats `horde model` reads, by name.
pub const NAMES: [&str; 6] = ["combined", "common", "json", "alb", "pattern", "auto"];

/// A piece of a pattern.
#[derive(Debug, Clone)]
pub enum Piece {
    /// Literal text, with its searcher.
    Lit(Vec<u8>, Box<memchr::memmem::Finder<'static>>),
    /// A `$variable`.
    Var(String),
}

/// How to read lines.
#[derive(Debug, Clone)]
pub enum Format {
    /// An nginx `log_format` pattern.
    Pattern(Vec<Piece>),
    /// AWS Application Load Balancer access logs.
    Alb,
    /// JSON objects, one per line; field (record field → dotted JSON path).
    Json(BTreeMap<String, String>),
}

/// JSON field names for the shapes most JSON access logs take: nginx `escape=json` formats,
/// Caddy, Traefik and ECS-style loggers. Each record field tries these paths in order.
const JSON_FIELDS: [(&str, &[&str]); 10] = [
    (
        "time",
        &[
            "time",
            "ts",
            "timestamp",
            "@timestamp",
            "time_iso8601",
            "msec",
            "time_local",
            "StartUTC",
        ],
    ),
    (
        "addr",
        &[
            "remote_addr",
            "client_ip",
            "request.remote_ip",
            "ClientHost",
            "client.ip",
            "ip",
        ],
    ),
    (
        "agent",
        &[
            "http_user_agent",
            "user_agent",
            "request.headers.User-Agent",
            "request_User-Agent",
            "user_agent.original",
        ],
    ),
    (
        "method",
        &[
            "request_method",
            "method",
            "request.method",
            "RequestMethod",
            "http.request.method",
        ],
    ),
    (
        "target",
        &[
            "request_uri",
            "uri",
            "request.uri",
            "path",
            "RequestPath",
            "url.original",
            "url",
        ],
    ),
    ("request", &["request"]),
    (
        "status",
        &[
            "status",
            "status_code",
            "DownstreamStatus",
            "http.response.status_code",
        ],
    ),
    (
        "bytes",
        &[
            "body_bytes_sent",
            "bytes",
            "size",
            "bytes_sent",
            "DownstreamContentSize",
            "http.response.body.bytes",
        ],
    ),
    (
        "duration",
        &[
            "request_time",
            "duration",
            "response_time",
            "Duration",
            "event.duration",
        ],
    ),
    (
        "cookie",
        &["http_cookie", "cookie", "request.headers.Cookie"],
    ),
];

impl Format {
    /// The format called `name` (`pattern` needs `pattern`); `auto` is decided per file.
    pub fn named(
        name: &str,
        pattern: Option<&str>,
        fields: &BTreeMap<String, String>,
    ) -> Result<Format, String> {
        Ok(match name {
            "combined" => Format::pattern(COMBINED)?,
            "common" => Format::pattern(COMMON)?,
            "alb" => Format::Alb,
            "json" => Format::Json(fields.clone()),
            "pattern" => Format::pattern(pattern.ok_or("format \"pattern\" needs a pattern")?)?,
            other => {
                return Err(format!(
                    "unknown log format {other:?}; horde reads {}",
                    NAMES.join(", ")
                ))
            }
        })
    }

    /// An nginx `log_format` pattern: `$name` variables between literal text.
    pub fn pattern(text: &str) -> Result<Format, String> {
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
                    pieces.push(literal(std::mem::take(&mut lit)));
                } else if matches!(pieces.last(), Some(Piece::Var(_))) {
                    return Err(format!(
                        "pattern {text:?}: two variables with nothing between them"
                    ));
                }
                pieces.push(Piece::Var(text[start..end].to_string()));
                i = end + usize::from(braced && bytes.get(end) == Some(&b'}'));
            } else {
                lit.push(bytes[i]);
                i += 1;
            }
        }
        if !lit.is_empty() {
            pieces.push(literal(lit));
        }
        let vars: Vec<&str> = pieces
            .iter()
            .filter_map(|p| {
                if let Piece::Var(v) = p {
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
        Ok(Format::Pattern(pieces))
    }

    /// Reads one line; `None` when it does not have this format.
    pub fn read<'a>(&self, line: &'a str, session: Option<&str>) -> Option<Record<'a>> {
        match self {
            Format::Pattern(pieces) => read_pattern(pieces, line, session),
            Format::Alb => read_alb(line),
            Format::Json(_) => None, // JSON records own their text: see `read_json`.
        }
    }
}

fn literal(bytes: Vec<u8>) -> Piece {
    let finder = memchr::memmem::Finder::new(&bytes).into_owned();
    Piece::Lit(bytes, Box::new(finder))
}

/// Reads a line with an nginx pattern.
fn read_pattern<'a>(pieces: &[Piece], line: &'a str, session: Option<&str>) -> Option<Record<'a>> {
    let mut r = Record::default();
    let (mut method, mut uri) = (None, None);
    let mut rest = line;
    let mut have_time = false;
    for (k, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Lit(lit, _) => {
                if !rest.as_bytes().starts_with(lit) {
                    return None;
                }
                // A literal is whole bytes of the pattern's text, so this is a char boundary.
                rest = &rest[lit.len()..];
            }
            Piece::Var(name) => {
                let value = match pieces.get(k + 1) {
                    Some(Piece::Lit(_, next)) => {
                        let at = next.find(rest.as_bytes())?;
                        let v = &rest[..at];
                        rest = &rest[at..];
                        v
                    }
                    _ => std::mem::take(&mut rest),
                };
                match name.as_str() {
                    "remote_addr" | "http_x_forwarded_for" | "realip_remote_addr" => r.addr = value,
                    "http_user_agent" => r.agent = value,
                    "time_local" => {
                        r.time_s = parse_clf_time(value)?;
                        have_time = true;
                    }
                    "time_iso8601" => {
                        r.time_s = parse_iso8601(value)?;
                        have_time = true;
                    }
                    "msec" => {
                        r.time_s = value.parse().ok()?;
                        have_time = true;
                    }
                    "request" => {
                        let (m, t) = split_request(value)?;
                        r.method = m;
                        r.target = t;
                    }
                    "request_method" => method = Some(value),
                    "request_uri" => uri = Some(value),
                    "uri" => uri = uri.or(Some(value)),
                    "status" => r.status = value.parse().ok()?,
                    "body_bytes_sent" | "bytes_sent" => r.bytes = value.parse().ok(),
                    "request_time" | "upstream_response_time" => {
                        r.duration_s = r.duration_s.or(value.parse().ok())
                    }
                    "http_cookie" => r.cookie = Some(value),
                    _ => {}
                }
                if session == Some(name.as_str()) && value != "-" && !value.is_empty() {
                    r.session = Some(value);
                }
            }
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

/// `GET /path?q HTTP/1.1` → (method, target); an absolute URL loses its origin.
pub fn split_request(request: &str) -> Option<(&str, &str)> {
    let mut parts = request.splitn(3, ' ');
    let method = parts.next()?;
    let target = parts.next()?;
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Some((method, strip_origin(target)))
}

/// The path and query of `target` (which may be an absolute URL).
pub fn strip_origin(target: &str) -> &str {
    match target.find("://") {
        Some(at) if !target[..at].contains('/') => {
            let after = &target[at + 3..];
            after.find('/').map_or("/", |p| &after[p..])
        }
        _ => target,
    }
}

/// Reads an ALB line: `type time elb client:port target:port t1 t2 t3 elb_status
/// target_status received sent "request" "user_agent" …`.
fn read_alb(line: &str) -> Option<Record<'_>> {
    let mut fields = AlbFields { rest: line };
    let _kind = fields.next()?;
    let time = fields.next()?;
    let _elb = fields.next()?;
    let client = fields.next()?;
    let _target = fields.next()?;
    let t: Vec<f64> = (0..3)
        .map(|_| fields.next().and_then(|v| v.parse().ok()).unwrap_or(-1.0))
        .collect();
    let status = fields.next()?.parse().ok()?;
    let _target_status = fields.next()?;
    let _received = fields.next()?;
    let sent = fields.next()?.parse().ok();
    let (method, target) = split_request(fields.next()?)?;
    let agent = fields.next().unwrap_or("");
    let duration_s = (t.iter().all(|v| *v >= 0.0)).then(|| t.iter().sum());
    Some(Record {
        time_s: parse_iso8601(time)?,
        addr: client.rsplit_once(':').map_or(client, |(a, _)| a),
        agent,
        method,
        target,
        status,
        bytes: sent,
        duration_s,
        session: None,
        cookie: None,
    })
}

/// Space-separated fields, some in double quotes.
struct AlbFields<'a> {
    rest: &'a str,
}

impl<'a> AlbFields<'a> {
    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest.trim_start_matches(' ');
        if s.is_empty() {
            return None;
        }
        if let Some(q) = s.strip_prefix('"') {
            let end = q.find('"')?;
            self.rest = &q[end + 1..];
            Some(&q[..end])
        } else {
            let end = s.find(' ').unwrap_or(s.len());
            self.rest = &s[end..];
            Some(&s[..end])
        }
    }
}

/// A JSON line's record fields, owned (JSON strings may be escaped).
#[derive(Debug, Default)]
pub struct JsonRecord {
    /// Seconds since the epoch.
    pub time_s: f64,
    /// Owned text fields: addr, agent, method, target, session, cookie.
    pub text: [String; 6],
    /// Status.
    pub status: u16,
    /// Body bytes.
    pub bytes: Option<u64>,
    /// Response time, seconds.
    pub duration_s: Option<f64>,
}

impl JsonRecord {
    /// The record, borrowing this one's text.
    pub fn record(&self) -> Record<'_> {
        fn opt(s: &str) -> Option<&str> {
            (!s.is_empty()).then_some(s)
        }
        Record {
            time_s: self.time_s,
            addr: &self.text[0],
            agent: &self.text[1],
            method: &self.text[2],
            target: &self.text[3],
            status: self.status,
            bytes: self.bytes,
            duration_s: self.duration_s,
            session: opt(&self.text[4]),
            cookie: opt(&self.text[5]),
        }
    }
}

/// Reads a JSON line with the user's field names (`fields`: record field → dotted path) or the
/// presets; `session` is a dotted path too.
pub fn read_json(
    line: &str,
    fields: &BTreeMap<String, String>,
    session: Option<&str>,
) -> Option<JsonRecord> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    if !v.is_object() {
        return None;
    }
    let find = |field: &str| -> Option<&serde_json::Value> {
        if let Some(path) = fields.get(field) {
            return lookup(&v, path);
        }
        let (_, presets) = JSON_FIELDS.iter().find(|(f, _)| *f == field)?;
        presets.iter().find_map(|p| lookup(&v, p))
    };
    let text = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a
            .first()
            .map(|f| f.as_str().unwrap_or_default().to_string())
            .unwrap_or_default(),
        other => other.to_string(),
    };
    let num = |x: &serde_json::Value| match x {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    };
    let mut out = JsonRecord::default();
    let time = find("time")?;
    out.time_s = match time {
        serde_json::Value::Number(n) => {
            let t = n.as_f64()?;
            // Milliseconds or nanoseconds since the epoch, else seconds.
            if t > 1e17 {
                t / 1e9
            } else if t > 1e11 {
                t / 1e3
            } else {
                t
            }
        }
        serde_json::Value::String(s) => parse_iso8601(s)
            .or_else(|| parse_clf_time(s))
            .or_else(|| s.parse().ok())?,
        _ => return None,
    };
    let (mut method, mut target) = (find("method").map(text), find("target").map(text));
    if let (None, Some(request)) = (&method, find("request").map(text)) {
        if let Some((m, t)) = split_request(&request) {
            method = Some(m.to_string());
            target = Some(t.to_string());
        }
    }
    out.text[2] = method?;
    out.text[3] = strip_origin(&target?).to_string();
    out.text[0] = find("addr").map(text).unwrap_or_default();
    out.text[1] = find("agent").map(text).unwrap_or_default();
    if let Some(s) = session.and_then(|p| lookup(&v, p)) {
        out.text[4] = text(s);
    }
    out.text[5] = find("cookie").map(text).unwrap_or_default();
    out.status = find("status")
        .and_then(num)
        .filter(|s| (100.0..1000.0).contains(s))? as u16;
    out.bytes = find("bytes").and_then(num).map(|b| b as u64);
    out.duration_s = find("duration").and_then(num).map(|d| {
        // Traefik and ECS log nanoseconds.
        if d > 1e6 {
            d / 1e9
        } else {
            d
        }
    });
    Some(out)
}

/// `a.b.c` in a JSON object; a key containing dots is tried whole first.
fn lookup<'v>(v: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    if let Some(x) = v.get(path) {
        return Some(x);
    }
    let (head, rest) = path.split_once('.')?;
    lookup(v.get(head)?, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_lines_read_with_and_without_a_trailing_response_time() {
        let f = Format::pattern(COMBINED).unwrap();
        let line = r#"10.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /a?b=1 HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X)""#;
        let r = f.read(line, None).unwrap();
        assert_eq!(
            (r.addr, r.method, r.target, r.status, r.bytes),
            ("10.0.0.1", "GET", "/a?b=1", 200, Some(512))
        );
        assert_eq!(r.agent, "Mozilla/5.0 (X)");
        assert_eq!(r.duration_s, None);
        let timed = format!("{line} 0.250");
        assert_eq!(f.read(&timed, None).unwrap().duration_s, Some(0.25));
        assert!(f.read("garbage", None).is_none());
        assert!(f.read(&line.replace("200", "ok"), None).is_none());
    }

    #[test]
    fn a_custom_pattern_reads_its_own_log_and_names_what_it_lacks() {
        let f =
            Format::pattern("$msec $request_method $request_uri $status sid=$cookie_sid").unwrap();
        let r = f
            .read("1791640536.5 POST /cart 201 sid=abc", Some("cookie_sid"))
            .unwrap();
        assert_eq!(
            (r.time_s, r.method, r.target, r.status, r.session),
            (1_791_640_536.5, "POST", "/cart", 201, Some("abc"))
        );
        assert!(Format::pattern("$status $body_bytes_sent")
            .unwrap_err()
            .contains("no request"));
        assert!(Format::pattern("$request $status")
            .unwrap_err()
            .contains("no time"));
        assert!(Format::pattern("$msec$request")
            .unwrap_err()
            .contains("nothing between"));
        assert!(Format::named("apache2", None, &BTreeMap::new())
            .unwrap_err()
            .contains("combined, common, json"));
    }

    #[test]
    fn alb_and_json_lines_read_as_records() {
        let alb = r#"https 2026-10-10T13:55:36.123456Z app/shop/50dc6c 192.168.1.9:2817 10.0.0.1:80 0.000 0.048 0.000 200 200 34 366 "GET https://shop.example.com:443/products/7?x=1 HTTP/1.1" "curl/8.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:1:targetgroup/t/1 "Root=1-58337262" "-" "-" 0 2026-10-10T13:55:36.075000Z "forward" "-" "-""#;
        let r = Format::Alb.read(alb, None).unwrap();
        assert_eq!(
            (r.addr, r.method, r.target, r.status, r.bytes),
            ("192.168.1.9", "GET", "/products/7?x=1", 200, Some(366))
        );
        assert!((r.duration_s.unwrap() - 0.048).abs() < 1e-9);
        let none = BTreeMap::new();
        let caddy = r#"{"ts": 1791640536.25, "request": {"remote_ip": "10.1.1.1", "method": "GET", "uri": "/x", "headers": {"User-Agent": ["ua"]}}, "status": 404, "size": 9, "duration": 0.002}"#;
        let j = read_json(caddy, &none, None).unwrap();
        let r = j.record();
        assert_eq!(
            (r.time_s, r.addr, r.agent, r.method, r.target, r.status),
            (1_791_640_536.25, "10.1.1.1", "ua", "GET", "/x", 404)
        );
        let nginx = r#"{"time_iso8601": "2026-10-10T13:55:36+00:00", "remote_addr": "1.2.3.4", "request": "POST /c HTTP/1.1", "status": "201", "sid": "s1"}"#;
        let j = read_json(nginx, &none, Some("sid")).unwrap();
        assert_eq!(
            (
                j.record().method,
                j.record().target,
                j.record().status,
                j.record().session
            ),
            ("POST", "/c", 201, Some("s1"))
        );
        let mine: BTreeMap<String, String> =
            [("target".to_string(), "req.path".to_string())].into();
        let own = r#"{"time": "2026-10-10T13:55:36Z", "method": "GET", "req": {"path": "/own"}, "status": 200}"#;
        assert_eq!(read_json(own, &mine, None).unwrap().record().target, "/own");
        assert!(read_json("[1, 2]", &none, None).is_none());
    }
}
