//! Looking at a response: checks (counted, never errors) and extractions into the VU's variables.
//! Only requests that need it keep their head and body; JSON is parsed at most once per response.

use crate::http::{each_header, header};
use crate::plan::{CompiledCheck, CompiledExtract, Condition, Source};
use crate::vu::vars::Vars;

/// What inspecting a response found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Findings {
    /// Every check passed.
    pub checks_ok: bool,
    /// A required extraction found nothing.
    pub extract_failed: bool,
}

/// A response as seen by checks and extractions.
pub struct Response<'a> {
    /// Status code.
    pub status: u16,
    /// The head bytes (empty when not kept).
    pub head: &'a [u8],
    /// The body (empty when not kept).
    pub body: &'a [u8],
}

/// Runs `checks` (calling `count(check_id, passed)`) and `extracts` (into `vars`); `jar` gives
/// the value of a cookie the VU's jar holds.
pub fn inspect(
    r: &Response<'_>,
    checks: &[CompiledCheck],
    extracts: &[CompiledExtract],
    vars: &mut Vars,
    jar: &dyn Fn(&str) -> Option<Vec<u8>>,
    count: &mut dyn FnMut(usize, bool),
) -> Findings {
    let json: std::cell::OnceCell<Option<serde_json::Value>> = std::cell::OnceCell::new();
    let parse_json = || {
        json.get_or_init(|| serde_json::from_slice(r.body).ok())
            .as_ref()
    };
    let mut checks_ok = true;
    for c in checks {
        let passed = match &c.condition {
            Condition::Status(any) => any.contains(&r.status),
            Condition::Header { name, equals } => match header(r.head, name) {
                Some(v) => equals.as_ref().is_none_or(|e| e == v),
                None => false,
            },
            Condition::BodyContains(needle) => memchr::memmem::find(r.body, needle).is_some(),
            Condition::JsonPath { path, equals } => match parse_json() {
                Some(doc) => {
                    let nodes = path.query(doc);
                    match (nodes.first(), equals) {
                        (Some(node), Some(expected)) => *node == *expected,
                        (Some(_), None) => true,
                        (None, _) => false,
                    }
                }
                None => false,
            },
        };
        checks_ok &= passed;
        count(c.id, passed);
    }
    let mut extract_failed = false;
    for e in extracts {
        let found: Option<Vec<u8>> = match &e.source {
            Source::JsonPath(path) => parse_json().and_then(|doc| {
                path.query(doc).first().map(|v| match v {
                    serde_json::Value::String(s) => s.as_bytes().to_vec(),
                    other => other.to_string().into_bytes(),
                })
            }),
            Source::Header(name) => header(r.head, name).map(<[u8]>::to_vec),
            Source::Regex(re, group) => re
                .captures(r.body)
                .and_then(|c| c.get(*group))
                .map(|m| m.as_bytes().to_vec()),
            // A cookie this response set, else the one the jar holds.
            Source::Cookie(name) => cookie(r.head, name).or_else(|| jar(name)),
        };
        match found {
            Some(v) => vars.set(e.slot, &v),
            None if e.optional => vars.unset(e.slot),
            None => {
                vars.unset(e.slot);
                extract_failed = true;
            }
        }
    }
    Findings {
        checks_ok,
        extract_failed,
    }
}

fn cookie(head: &[u8], name: &str) -> Option<Vec<u8>> {
    each_header(head)
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| {
            let text = std::str::from_utf8(v).ok()?;
            let c = cookie::Cookie::parse(text).ok()?;
            (c.name() == name).then(|| c.value().as_bytes().to_vec())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &[u8] = b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nSet-Cookie: sid=abc123; Path=/; HttpOnly\r\nX-Trace:  t-1 \r\n\r\n";
    const BODY: &[u8] = br#"{"cart_id": "c-9", "items": [{"id": 7, "qty": 2}], "ok": true}"#;

    fn path(p: &str) -> serde_json_path::JsonPath {
        serde_json_path::JsonPath::parse(p).unwrap()
    }

    #[test]
    fn checks_and_extractions() {
        let r = Response {
            status: 201,
            head: HEAD,
            body: BODY,
        };
        let checks = vec![
            CompiledCheck {
                id: 0,
                condition: Condition::Status(vec![200, 201]),
            },
            CompiledCheck {
                id: 1,
                condition: Condition::Header {
                    name: "x-trace".into(),
                    equals: Some(b"t-1".to_vec()),
                },
            },
            CompiledCheck {
                id: 2,
                condition: Condition::BodyContains(b"\"ok\": true".to_vec()),
            },
            CompiledCheck {
                id: 3,
                condition: Condition::JsonPath {
                    path: path("$.items[0].qty"),
                    equals: Some(serde_json::json!(2)),
                },
            },
            CompiledCheck {
                id: 4,
                condition: Condition::JsonPath {
                    path: path("$.missing"),
                    equals: None,
                },
            },
        ];
        let extracts = vec![
            CompiledExtract {
                slot: 0,
                optional: false,
                source: Source::JsonPath(path("$.cart_id")),
            },
            CompiledExtract {
                slot: 1,
                optional: false,
                source: Source::JsonPath(path("$.items[0]")),
            },
            CompiledExtract {
                slot: 2,
                optional: false,
                source: Source::Cookie("sid".into()),
            },
            CompiledExtract {
                slot: 3,
                optional: false,
                source: Source::Regex(regex::bytes::Regex::new(r#""id": (\d+)"#).unwrap(), 1),
            },
            CompiledExtract {
                slot: 4,
                optional: false,
                source: Source::Header("content-type".into()),
            },
        ];
        let mut vars = Vars::new(5);
        let mut seen = Vec::new();
        let f = inspect(
            &r,
            &checks,
            &extracts,
            &mut vars,
            &|_| None,
            &mut |id, ok| seen.push((id, ok)),
        );
        assert_eq!(
            seen,
            vec![(0, true), (1, true), (2, true), (3, true), (4, false)]
        );
        assert_eq!(
            f,
            Findings {
                checks_ok: false,
                extract_failed: false
            }
        );
        use crate::template::Lookup;
        assert_eq!(vars.get(0), Some(&b"c-9"[..]));
        assert_eq!(vars.get(1), Some(&br#"{"id":7,"qty":2}"#[..]));
        assert_eq!(vars.get(2), Some(&b"abc123"[..]));
        assert_eq!(vars.get(3), Some(&b"7"[..]));
        assert_eq!(vars.get(4), Some(&b"application/json"[..]));
    }

    #[test]
    fn missing_values_fail_unless_optional() {
        let r = Response {
            status: 500,
            head: b"HTTP/1.1 500 Oops\r\n\r\n",
            body: b"not json",
        };
        let required = vec![CompiledExtract {
            slot: 0,
            optional: false,
            source: Source::JsonPath(path("$.id")),
        }];
        let mut vars = Vars::new(1);
        assert!(inspect(&r, &[], &required, &mut vars, &|_| None, &mut |_, _| {}).extract_failed);
        let optional = vec![CompiledExtract {
            slot: 0,
            optional: true,
            source: Source::Header("Location".into()),
        }];
        assert!(!inspect(&r, &[], &optional, &mut vars, &|_| None, &mut |_, _| {}).extract_failed);
    }
}
