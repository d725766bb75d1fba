//! Access-log formats: one line in, one [`Record`] out, without allocating.
//!
//! Text formats are nginx `log_format` patterns (see `pattern`); `combined` and `common` are
//! such patterns, and Apache's `%h %l %u %t \"%r\" %>s %b` logs are the same bytes. AWS ALB logs
//! are space-separated with quoted fields (read here); JSON lines map fields by (dotted) name
//! (see `json`).

use std::collections::BTreeMap;

use super::pattern::Pattern;
use super::record::{split_request, Record};
use super::time::parse_iso8601;

/// nginx's `combined` format (also Apache's).
pub const COMBINED: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#;
/// nginx's and Apache's `common` format.
pub const COMMON: &str =
    r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent"#;

/// The formats `horde model` reads, by name.
pub const NAMES: [&str; 6] = ["combined", "common", "json", "alb", "pattern", "auto"];

/// How to read lines.
#[derive(Debug, Clone)]
pub enum Format {
    /// An nginx `log_format` pattern.
    Pattern(Pattern),
    /// AWS Application Load Balancer access logs.
    Alb,
    /// JSON objects, one per line; field (record field → dotted JSON path).
    Json(BTreeMap<String, String>),
}

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
        Pattern::new(text).map(Format::Pattern)
    }

    /// Reads one line; `None` when it does not have this format.
    pub fn read<'a>(&self, line: &'a str, session: Option<&str>) -> Option<Record<'a>> {
        match self {
            Format::Pattern(pattern) => pattern.read(line, session),
            Format::Alb => read_alb(line),
            Format::Json(_) => None, // JSON records own their text: see `read_json`.
        }
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
    fn alb_lines_read_as_records() {
        let alb = r#"https 2026-10-10T13:55:36.123456Z app/shop/50dc6c 192.168.1.9:2817 10.0.0.1:80 0.000 0.048 0.000 200 200 34 366 "GET https://shop.example.com:443/products/7?x=1 HTTP/1.1" "curl/8.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:1:targetgroup/t/1 "Root=1-58337262" "-" "-" 0 2026-10-10T13:55:36.075000Z "forward" "-" "-""#;
        let r = Format::Alb.read(alb, None).unwrap();
        assert_eq!(
            (r.addr, r.method, r.target, r.status, r.bytes),
            ("192.168.1.9", "GET", "/products/7?x=1", 200, Some(366))
        );
        assert!((r.duration_s.unwrap() - 0.048).abs() < 1e-9);
    }
}
