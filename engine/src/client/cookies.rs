//! A session's cookie jar: what responses set is kept (RFC 6265 rules — domain, path, expiry, Secure
//! — by the `cookie_store` crate) and sent back with the requests it matches.
//!
//! A session has no jar until a response sets a cookie, and a request costs nothing extra while the jar
//! is empty. Cookies are added to the request's bytes just before it is sent: merged into a
//! `Cookie` header the user wrote, or as a new one.

use cookie_store::CookieStore;
use memchr::memmem;

use crate::http::each_header;
use crate::plan::Origin;

/// The URL of a request: its origin and the target of its request line.
pub fn request_url(origin: &Origin, request: &[u8]) -> Option<url::Url> {
    let line_end = memchr::memchr(b'\r', request)?;
    let line = std::str::from_utf8(&request[..line_end]).ok()?;
    let mut parts = line.split(' ');
    let _method = parts.next()?;
    let target = parts.next()?;
    url::Url::parse(&format!("{}{target}", origin.url())).ok()
}

/// The `Cookie` value the jar holds for `url` (`a=1; b=2`), if any.
pub fn header_value(jar: &CookieStore, url: &url::Url) -> Option<String> {
    let mut value = String::new();
    for (name, v) in jar.get_request_values(url) {
        if !value.is_empty() {
            value.push_str("; ");
        }
        value.push_str(name);
        value.push('=');
        value.push_str(v);
    }
    (!value.is_empty()).then_some(value)
}

/// Whether the jar holds anything at all (so that requests need looking at).
pub fn any(jar: Option<&CookieStore>) -> bool {
    jar.is_some_and(|j| j.iter_unexpired().next().is_some())
}

/// Copies `request` into `out` with `cookies` added: appended to an existing `Cookie` header, or
/// as a new header at the end of the head.
pub fn with_cookies(request: &[u8], cookies: &str, out: &mut Vec<u8>) {
    let head_end = memmem::find(request, b"\r\n\r\n").map_or(request.len(), |i| i + 2);
    let head = &request[..head_end];
    let existing = head
        .windows(9)
        .position(|w| w.eq_ignore_ascii_case(b"\r\ncookie:"))
        .map(|i| i + 2);
    out.clear();
    match existing.and_then(|start| memmem::find(&head[start..], b"\r\n").map(|end| start + end)) {
        Some(line_end) => {
            out.extend_from_slice(&request[..line_end]);
            out.extend_from_slice(b"; ");
            out.extend_from_slice(cookies.as_bytes());
            out.extend_from_slice(&request[line_end..]);
        }
        None => {
            out.extend_from_slice(head);
            out.extend_from_slice(b"Cookie: ");
            out.extend_from_slice(cookies.as_bytes());
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&request[head_end..]);
        }
    }
}

/// Stores every cookie a response `head` sets, as received for `url`. Invalid cookies (a domain
/// the URL cannot set, say) are ignored, as browsers do. Returns whether any was stored.
pub fn store(jar: &mut CookieStore, head: &[u8], url: &url::Url) -> bool {
    let mut stored = false;
    for (name, value) in each_header(head) {
        if name.eq_ignore_ascii_case("set-cookie") {
            if let Ok(text) = std::str::from_utf8(value) {
                stored |= jar.parse(text, url).is_ok();
            }
        }
    }
    stored
}

/// The value of cookie `name` in the jar (for extraction), if it holds one.
pub fn value(jar: Option<&CookieStore>, name: &str) -> Option<Vec<u8>> {
    jar?.iter_unexpired()
        .find(|c| c.name() == name)
        .map(|c| c.value().as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            tls: false,
            host: "shop.test".into(),
            port: 8080,
            authority: "shop.test:8080".into(),
            server_name: None,
            dynamic: false,
        }
    }

    #[test]
    fn cookies_round_trip_by_domain_and_path() {
        let mut jar = CookieStore::default();
        let url = request_url(&origin(), b"GET /cart/add?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(url.as_str(), "http://shop.test:8080/cart/add?x=1");
        let head = b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=abc; Path=/\r\nSet-Cookie: pref=1; Path=/cart\r\nSet-Cookie: s=1; Secure\r\n\r\n";
        assert!(store(&mut jar, head, &url));
        let root = url::Url::parse("http://shop.test:8080/").unwrap();
        assert_eq!(header_value(&jar, &root).as_deref(), Some("sid=abc"));
        let cart = url::Url::parse("http://shop.test:8080/cart/x").unwrap();
        let v = header_value(&jar, &cart).unwrap();
        assert!(
            v.contains("sid=abc") && v.contains("pref=1") && !v.contains("s=1"),
            "{v}"
        );
        assert_eq!(value(Some(&jar), "pref"), Some(b"1".to_vec()));
        let other = url::Url::parse("http://other.test/").unwrap();
        assert_eq!(header_value(&jar, &other), None);
    }

    #[test]
    fn cookies_go_into_a_new_header_or_an_existing_one() {
        let mut out = Vec::new();
        with_cookies(b"GET / HTTP/1.1\r\nHost: h\r\n\r\nbody", "a=1", &mut out);
        assert_eq!(out, b"GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\n\r\nbody");
        with_cookies(
            b"GET / HTTP/1.1\r\ncookie: mine=2\r\nHost: h\r\n\r\n",
            "a=1",
            &mut out,
        );
        assert_eq!(
            out,
            b"GET / HTTP/1.1\r\ncookie: mine=2; a=1\r\nHost: h\r\n\r\n"
        );
    }
}
