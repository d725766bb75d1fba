//! Following redirects: where the `Location` leads, with which method and headers, and when a
//! chain has gone wrong (a loop, too many hops, a Location that leads nowhere).
//!
//! Browser rules: 303 turns any method but HEAD into GET, and 301/302 turn POST into GET, dropping
//! the body; 307/308 repeat the request as it was. Credentials (`Authorization`) are not sent to
//! another origin. Cookies are attached again from the jar for the new URL.

use super::cookies;
use crate::http::{encode, header, RequestParts};
use crate::metrics::{ErrorClass, Failure};
use crate::net::origins::Origins;
use crate::plan::DnsSettings;

/// Whether `status` is a redirect horde follows.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The next hop of a redirect chain.
pub struct Hop {
    /// Its origin.
    pub target: usize,
    /// Its request bytes.
    pub bytes: Vec<u8>,
}

/// Works out the request that follows a redirect response (`head`, `status`) to `request`, sent
/// to origin `from`. `chain` holds the URLs visited so far; `state_changed` says the response set
/// cookies, so coming back to an earlier URL is not (yet) a loop.
#[allow(clippy::too_many_arguments)]
pub fn next(
    status: u16,
    head: &[u8],
    request: &[u8],
    from: usize,
    chain: &mut Vec<String>,
    state_changed: bool,
    origins: &mut Origins,
    dns: &DnsSettings,
) -> Result<Hop, Failure> {
    let bad = |detail| Failure::new(ErrorClass::BadRedirect, detail);
    let here = cookies::request_url(origins.get(from), request)
        .ok_or(bad("the redirected request has no usable URL"))?;
    let location = header(head, "location").ok_or(bad("a redirect without a Location"))?;
    let location = std::str::from_utf8(location).map_err(|_| bad("a Location that is not text"))?;
    let mut next = here
        .join(location.trim())
        .map_err(|_| bad("a Location that is not a URL"))?;
    next.set_fragment(None);
    let tls = match next.scheme() {
        "http" => false,
        "https" => true,
        _ => return Err(bad("a redirect to a scheme other than http or https")),
    };
    let host = next
        .host_str()
        .ok_or(bad("a redirect to a URL without a host"))?
        .to_string();
    // A hop that set cookies changed what the server will answer: the chain may come back to a
    // URL it has seen (a cookie check that bounces back), so only what follows counts for loops.
    if state_changed {
        chain.clear();
    } else if chain.is_empty() {
        chain.push(here.to_string());
    }
    if chain.iter().any(|u| *u == next.as_str()) {
        return Err(Failure::new(
            ErrorClass::RedirectLoop,
            "the redirect chain came back to a URL it had visited",
        ));
    }
    chain.push(next.to_string());
    let port = next.port_or_known_default().unwrap_or(80);
    let authority = match next.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let target = origins.find_or_add(tls, &authority, bare, port, dns)?;
    let same_origin = target == from;
    let mut target_path = next.path().to_string();
    if let Some(q) = next.query() {
        target_path.push('?');
        target_path.push_str(q);
    }
    Ok(Hop {
        target,
        bytes: rewrite(request, status, &target_path, &authority, same_origin)
            .ok_or(bad("the redirected request could not be rebuilt"))?,
    })
}

/// The request `request` as sent again to `target` on `authority` after a `status` redirect.
fn rewrite(
    request: &[u8],
    status: u16,
    target: &str,
    authority: &str,
    same_origin: bool,
) -> Option<Vec<u8>> {
    let mut fields = [httparse::EMPTY_HEADER; crate::http::head::MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut fields);
    let head_len = match parsed.parse(request).ok()? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return None,
    };
    let method = parsed.method?;
    let to_get =
        (status == 303 && method != "HEAD") || (matches!(status, 301 | 302) && method == "POST");
    let dropped = |name: &str| {
        let n = name.to_ascii_lowercase();
        matches!(
            n.as_str(),
            "host" | "content-length" | "transfer-encoding" | "cookie"
        ) || (to_get && n == "content-type")
            || (!same_origin && matches!(n.as_str(), "authorization" | "proxy-authorization"))
    };
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .filter(|h| !dropped(h.name))
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let body: &[u8] = if to_get { b"" } else { &request[head_len..] };
    let mut out = Vec::with_capacity(request.len() + target.len());
    encode(
        &RequestParts {
            method: if to_get { "GET" } else { method },
            target,
            host: authority,
            headers: &headers,
            body,
        },
        &mut out,
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::origins::tests::target;
    use crate::plan::AddressSelect;

    fn origins() -> Origins {
        Origins::new(
            &[target("127.0.0.1:8080", &["127.0.0.1:8080"])],
            AddressSelect::First,
        )
    }

    fn dns() -> DnsSettings {
        let mut problems = crate::error::Problems::default();
        crate::plan::ClientSettings::compile(&Default::default(), &mut problems).dns
    }

    const POST: &[u8] = b"POST /login HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

    fn follow(
        status: u16,
        location: &str,
        chain: &mut Vec<String>,
        o: &mut Origins,
    ) -> Result<Hop, Failure> {
        let head = format!("HTTP/1.1 {status} X\r\nLocation: {location}\r\n\r\n");
        next(status, head.as_bytes(), POST, 0, chain, false, o, &dns())
    }

    #[test]
    fn see_other_turns_post_into_get_and_drops_the_body() {
        let mut o = origins();
        let hop = follow(303, "/account?x=1", &mut Vec::new(), &mut o).unwrap();
        let text = String::from_utf8(hop.bytes).unwrap();
        assert!(
            text.starts_with("GET /account?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Authorization: Bearer t")
                && !text.contains("Content-Type")
                && text.ends_with("\r\n\r\n")
        );
        assert_eq!(hop.target, 0);
    }

    #[test]
    fn temporary_redirect_keeps_method_and_body_and_cross_origin_drops_credentials() {
        let mut o = origins();
        let hop = follow(307, "http://127.0.0.1:9090/again", &mut Vec::new(), &mut o).unwrap();
        let text = String::from_utf8(hop.bytes).unwrap();
        assert!(
            text.starts_with("POST /again HTTP/1.1\r\nHost: 127.0.0.1:9090\r\n"),
            "{text}"
        );
        assert!(
            text.ends_with("Content-Length: 2\r\n\r\n{}") || text.contains("Content-Length: 2")
        );
        assert!(!text.contains("Authorization"));
        assert_eq!(hop.target, 1);
    }

    #[test]
    fn loops_and_bad_locations_are_classified() {
        let mut o = origins();
        let mut chain = Vec::new();
        let e = follow(302, "/login", &mut chain, &mut o).err().unwrap();
        assert_eq!(e.class, ErrorClass::RedirectLoop);
        let e = follow(302, "ftp://x/", &mut Vec::new(), &mut o)
            .err()
            .unwrap();
        assert_eq!(e.class, ErrorClass::BadRedirect);
    }
}
