//! Request encoding: method, target, headers and body into bytes, once.
//!
//! Static requests are encoded when the plan is compiled and the same bytes are sent for every
//! request; templated ones (later) are rendered into a reused buffer. Header names and values are
//! validated by the plan before they reach this module.

/// The parts of one HTTP/1.1 request.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// Method token, e.g. `GET`.
    pub method: &'a str,
    /// Request target in origin form: path and query, e.g. `/v1/items?page=2`.
    pub target: &'a str,
    /// Value of the Host header (authority), e.g. `127.0.0.1:8080`.
    pub host: &'a str,
    /// User headers, in order. A user `Host`, `User-Agent` or `Content-Length` replaces horde's.
    pub headers: &'a [(String, String)],
    /// Body bytes (may be empty).
    pub body: &'a [u8],
}

/// The User-Agent sent unless the user sets one.
pub const USER_AGENT: &str = concat!("horde/", env!("CARGO_PKG_VERSION"));

/// Appends the encoded request to `out`.
pub fn encode(parts: &RequestParts<'_>, out: &mut Vec<u8>) {
    let has = |name: &str| {
        parts
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    out.extend_from_slice(parts.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(parts.target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    if !has("host") {
        header(out, "Host", parts.host);
    }
    if !has("user-agent") {
        header(out, "User-Agent", USER_AGENT);
    }
    // RFC 9110 §8.6: a user agent should send Content-Length when the method defines a meaning for
    // enclosed content, even if it is zero.
    let wants_length = !parts.body.is_empty() || matches!(parts.method, "POST" | "PUT" | "PATCH");
    if wants_length && !has("content-length") && !has("transfer-encoding") {
        header(
            out,
            "Content-Length",
            itoa::Buffer::new().format(parts.body.len()),
        );
    }
    for (name, value) in parts.headers {
        header(out, name, value);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(parts.body);
}

fn header(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(method: &str, headers: &[(String, String)], body: &[u8]) -> String {
        let mut out = Vec::new();
        encode(
            &RequestParts {
                method,
                target: "/a?b=1",
                host: "h:1",
                headers,
                body,
            },
            &mut out,
        );
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn get_has_host_and_agent_and_no_length() {
        let s = enc("GET", &[], b"");
        assert_eq!(
            s,
            format!("GET /a?b=1 HTTP/1.1\r\nHost: h:1\r\nUser-Agent: {USER_AGENT}\r\n\r\n")
        );
    }

    #[test]
    fn post_gets_content_length_even_when_empty() {
        assert!(enc("POST", &[], b"").contains("Content-Length: 0\r\n"));
        let s = enc("PUT", &[], b"hello");
        assert!(s.ends_with("Content-Length: 5\r\n\r\nhello"), "{s}");
    }

    #[test]
    fn user_headers_replace_defaults() {
        let headers = vec![
            ("host".to_string(), "x".to_string()),
            ("User-Agent".into(), "me".into()),
        ];
        let s = enc("GET", &headers, b"");
        assert!(!s.contains("Host: h:1"));
        assert!(s.contains("host: x\r\n") && s.contains("User-Agent: me\r\n"));
    }

    #[test]
    fn encoded_request_parses_back() {
        let headers = vec![("X-Trace".to_string(), "abc".to_string())];
        let s = enc("PATCH", &headers, b"{}");
        let mut h = [httparse::EMPTY_HEADER; 8];
        let mut req = httparse::Request::new(&mut h);
        let n = match req.parse(s.as_bytes()).unwrap() {
            httparse::Status::Complete(n) => n,
            httparse::Status::Partial => panic!("partial"),
        };
        assert_eq!(req.method, Some("PATCH"));
        assert_eq!(&s.as_bytes()[n..], b"{}");
    }
}
