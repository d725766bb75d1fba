//! JSON access logs, one object per line: each record field is found by the user's dotted path
//! or by the names the usual JSON loggers give it. JSON strings may be escaped, so a record owns
//! its text ([`JsonRecord`]) and lends it out as a [`Record`].

use std::collections::BTreeMap;

use super::record::{split_request, strip_origin, Record};
use super::time::{parse_clf_time, parse_iso8601};

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
    fn json_lines_read_as_records() {
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
