//! Entry points for the coverage-guided fuzz targets in `engine/fuzz` (cargo feature `fuzzing`,
//! never part of a normal build). Each function takes the fuzzer's bytes, drives the engine's own
//! code path the way the engine does, and asserts invariants that are cheap to check: a panic here
//! is a bug the fuzzer found.
//!
//! | target      | code path                                                                       |
//! |-------------|---------------------------------------------------------------------------------|
//! | `response`  | `ResponseReader` fed whole and in random pieces (heads, lengths, chunks, close) |
//! | `threshold` | the threshold grammar (`condition`, `selector`) and threshold compilation       |
//! | `template`  | `${…}` template parsing and rendering in each escape mode                       |
//! | `plan`      | `Plan::from_json`, its JSON round trip, `CompiledPlan::compile`                 |
//! | `cookies`   | `Set-Cookie` heads into a VU's jar, and the jar's cookies onto the next request |
//! | `redirect`  | a redirect's `Location` turned into the next hop, twice (loop detection)        |
//!
//! Several targets read control bytes at the start of the input (flags, a seed); the rest is
//! the text under test. See `engine/fuzz/README.md`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::client::{cookies, redirect};
use crate::error::Problems;
use crate::http::error::ParseError;
use crate::http::head::{parse_head, MAX_HEADERS};
use crate::http::{each_header, encode, header, Event, Head, Limits, RequestParts, ResponseReader};
use crate::net::origins::{Origins, Target};
use crate::plan::compile::client::HostAddress;
use crate::plan::{AddressSelect, ClientSettings, CompiledPlan, HttpOptions, Origin, Plan};
use crate::template::{Escape, Lookup, Template};
use crate::thresholds::{self, parse, ThresholdSpec};

// ── response ─────────────────────────────────────────────────────────────────────────────────

/// Input: a flags byte (bit 0: a HEAD request; bit 1: the body-discarding read takes the random
/// pieces too; bits 2–3: the head size limit; bits 4–5: the body size limit), a seed byte for the
/// split points, then the bytes the server sends.
///
/// The response is read three times as a connection would read it — whole, in random pieces,
/// and with the body discarded (whole, or in the same pieces when flag bit 1 is set: reading in
/// small pieces costs most of an execution, so only one read in two pays it twice) — and all
/// three must agree: an incremental
/// parser may not depend on where the reads happen to split. A successful read must respect the
/// limits and the framing, and `header`/`each_header` (what checks, the cookie jar and redirects
/// read) must see the fields that httparse saw.
pub fn response(data: &[u8]) {
    let [flags, seed, input @ ..] = data else {
        return;
    };
    let limits = Limits {
        max_head_bytes: [64 * 1024, 40, 128, 1024][usize::from(flags >> 2 & 3)],
        max_body_bytes: [64 << 20, 0, 8, 256][usize::from(flags >> 4 & 3)],
    };
    let head_request = flags & 1 != 0;
    let whole = read(input, &[input.len()], head_request, limits, true);
    let pieces = split_points(input.len(), *seed);
    let split = read(input, &pieces, head_request, limits, true);
    let discard_cuts = if flags & 2 != 0 {
        &pieces[..]
    } else {
        &[input.len()][..]
    };
    let discarded = read(input, discard_cuts, head_request, limits, false);
    match (&whole, &split, &discarded) {
        (Ok(a), Ok(b), Ok(c)) => {
            assert_eq!(a, b, "split at {pieces:?}");
            assert_eq!((&a.head, &a.head_bytes), (&c.head, &c.head_bytes));
            assert!(c.body.is_empty());
            check_read(a, input.len(), limits);
        }
        (Err(_), Err(_), Err(_)) => {}
        _ => panic!("whole {whole:?}, split at {pieces:?} {split:?}, discarded {discarded:?}"),
    }
}

/// What reading one response produced.
#[derive(Debug, PartialEq)]
struct Read {
    head: Head,
    /// The head's bytes as the client keeps them (for checks, cookies and redirects).
    head_bytes: Vec<u8>,
    body: Vec<u8>,
    continued: bool,
}

/// Reads `input` arriving in pieces that end at `cuts` (ascending, the last is `input.len()`),
/// the way `client::exchange` does: unconsumed bytes stay for the next read, the head's bytes are
/// copied out on the read that completes it, and the end of input is the peer closing.
fn read(
    input: &[u8],
    cuts: &[usize],
    head_request: bool,
    limits: Limits,
    keep_body: bool,
) -> Result<Read, ParseError> {
    let mut reader = ResponseReader::new(limits);
    reader.begin(head_request);
    let (mut pending, mut body, mut head_bytes) = (Vec::new(), Vec::new(), Vec::new());
    let (mut start, mut done) = (0, false);
    for &cut in cuts {
        pending.extend_from_slice(&input[start..cut]);
        start = cut;
        loop {
            let had_head = reader.head().is_some();
            let sink = if keep_body { Some(&mut body) } else { None };
            let (used, event) = reader.feed(&pending, sink)?;
            assert!(used <= pending.len());
            if let (false, Some(h)) = (had_head, reader.head()) {
                // The slice `client::exchange::keep_head` takes.
                assert!(used >= h.len, "head of {} bytes in a read of {used}", h.len);
                head_bytes = pending[used - h.len..used].to_vec();
            }
            pending.drain(..used);
            match event {
                Event::Head => continue,
                Event::Done => done = true,
                Event::NeedMore => assert!(!done),
            }
            break;
        }
    }
    if !done {
        reader.finish_on_eof()?;
    }
    Ok(Read {
        head: *reader.head().expect("a complete response has a head"),
        head_bytes,
        body,
        continued: reader.continued(),
    })
}

/// Ascending cut points splitting `len` bytes into pieces; `seed` below 32 makes tiny pieces
/// (1 to 4 bytes: every CRLF split), below 128 small ones (up to 64 bytes), above up to
/// whole-input ones. The head is parsed again on each read, as a connection does, so tiny pieces
/// cost an execution most of its time: one seed in eight pays it.
fn split_points(len: usize, seed: u8) -> Vec<usize> {
    let mut rng = fastrand::Rng::with_seed(u64::from(seed));
    let largest = if seed < 32 {
        1 + usize::from(seed % 4)
    } else if seed < 128 {
        1 + usize::from(seed)
    } else {
        1 + len * usize::from(seed - 127) / 128
    };
    let mut cuts = Vec::new();
    let mut at = 0;
    while at < len {
        at = (at + rng.usize(1..=largest)).min(len);
        cuts.push(at);
    }
    if cuts.is_empty() {
        cuts.push(0);
    }
    cuts
}

/// The invariants of a response read successfully.
fn check_read(r: &Read, input_len: usize, limits: Limits) {
    let Read {
        head,
        head_bytes,
        body,
        ..
    } = r;
    assert!(body.len() <= input_len && body.len() as u64 <= limits.max_body_bytes);
    assert_eq!(head_bytes.len(), head.len);
    assert!(head.len <= limits.max_head_bytes && head.len <= input_len);
    match head.framing {
        crate::http::head::Framing::None => assert!(body.is_empty()),
        crate::http::head::Framing::Length(n) => assert_eq!(body.len() as u64, n),
        _ => {}
    }
    // The fields httparse saw are the fields `each_header` gives checks, jar and redirects.
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut fields);
    let status = httparse::ParserConfig::default()
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .parse_response(&mut parsed, head_bytes);
    assert!(matches!(status, Ok(httparse::Status::Complete(n)) if n == head.len));
    let seen: Vec<&str> = parsed.headers.iter().map(|h| h.name).collect();
    let found: Vec<&str> = each_header(head_bytes).map(|(name, _)| name).collect();
    assert_eq!(
        seen,
        found,
        "header names of {:?}",
        String::from_utf8_lossy(head_bytes)
    );
    for (h, (_, value)) in parsed.headers.iter().zip(each_header(head_bytes)) {
        if !h.value.contains(&b'\n') {
            assert_eq!(crate::http::head::trim(h.value), value);
        }
    }
    assert_eq!(head.location, header(head_bytes, "location").is_some());
    assert_eq!(head.set_cookie, header(head_bytes, "set-cookie").is_some());
}

// ── threshold ────────────────────────────────────────────────────────────────────────────────

/// Input: text. The whole text is parsed as a condition and as a selector; whatever parses must
/// parse again, to the same thing, from its rendering. Then the first line is compiled as a
/// selector with the other lines as its conditions, against the built-in metrics.
pub fn threshold(text: &str) {
    if let Ok(c) = parse::condition(text) {
        let rendered = format!("{}{}{}", c.agg, op_text(c.op), c.value);
        assert_eq!(parse::condition(&rendered), Ok(c), "{rendered:?}");
    }
    if let Ok(s) = parse::selector(text) {
        let mut rendered = s.metric.clone();
        if !s.tags.is_empty() {
            let tags: Vec<String> = s.tags.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            rendered = format!("{rendered}{{{}}}", tags.join(","));
        }
        assert_eq!(parse::selector(&rendered), Ok(s), "{rendered:?}");
    }
    let mut lines = text.lines();
    let selector = lines.next().unwrap_or_default().to_string();
    let conditions = lines
        .map(|expression| ThresholdSpec {
            expression: expression.to_string(),
            abort_on_fail: expression.len() % 2 == 1,
            delay_abort_eval_s: expression.len() as f64 - 3.0,
        })
        .collect();
    let specs = BTreeMap::from([(selector, conditions)]);
    let tags = BTreeMap::from([(
        "s".to_string(),
        BTreeMap::from([("team".to_string(), "a".to_string())]),
    )]);
    let names = thresholds::Names {
        keys: &[],
        checks: &[],
        journeys: &[],
        metrics: &[],
        scenario_tags: &tags,
    };
    let _ = thresholds::compile(&specs, &names, &mut Problems::default());
}

fn op_text(op: parse::Op) -> &'static str {
    match op {
        parse::Op::Lt => "<",
        parse::Op::Le => "<=",
        parse::Op::Gt => ">",
        parse::Op::Ge => ">=",
        parse::Op::Eq => "==",
        parse::Op::Ne => "!=",
    }
}

// ── template ─────────────────────────────────────────────────────────────────────────────────

/// Input: a mode byte (the escape: none, JSON, form), then the template text. Variable names
/// that start with an upper-case letter are undefined; the others are defined, and those at even
/// slots have a value when rendering. A template without `${` is its own text; a parsed one
/// renders, and fails to render exactly when it reads a variable without a value.
pub fn template(data: &[u8]) {
    let [mode, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let escape = [Escape::None, Escape::Json, Escape::Form][usize::from(mode % 3)];
    let mut names: Vec<String> = Vec::new();
    let mut resolve = |name: &str| {
        if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return None;
        }
        let slot = names.iter().position(|n| n == name).unwrap_or_else(|| {
            names.push(name.to_string());
            names.len() - 1
        });
        u16::try_from(slot).ok()
    };
    let parsed = Template::parse(text, escape, &mut resolve);
    if !text.contains("${") {
        let t = parsed.as_ref().expect("plain text is a template");
        assert_eq!(t.as_literal(), Some(text.as_bytes()));
    }
    let Ok(t) = parsed else {
        return;
    };
    let mut rng = fastrand::Rng::with_seed(u64::from(*mode));
    let mut out = Vec::new();
    let rendered = t.render(&EvenSlots, &mut rng, &mut out);
    assert_eq!(rendered.is_err(), t.variables().any(|slot| slot % 2 == 1));
    if let Some(literal) = t.as_literal() {
        assert_eq!(out, literal);
    }
}

/// Variables at even slots have a value that needs escaping in every mode.
struct EvenSlots;

impl Lookup for EvenSlots {
    fn get(&self, slot: u16) -> Option<&[u8]> {
        (slot % 2 == 0).then_some("a \"q\"\\\n\r\t\u{1}&=+é/".as_bytes())
    }
}

// ── plan ─────────────────────────────────────────────────────────────────────────────────────

/// Input: plan JSON. A plan that parses serialises to JSON that parses back to the same JSON;
/// then it compiles or is rejected with errors, never a panic. Files the plan names (TLS
/// certificates) are replaced by one that does not exist: the fuzzer must not read arbitrary
/// paths.
pub fn plan(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut plan) = Plan::from_json(text) else {
        return;
    };
    // A plan's JSON (what results keep and `horde inspect` prints) reads back as the same plan.
    // Secrets are written without their values, so it is the JSON that is compared.
    let json = plan.to_json();
    let again = Plan::from_json(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(again.to_json(), json);
    let tls = &mut plan.options.http.tls;
    for path in [&mut tls.ca_file, &mut tls.client_cert, &mut tls.client_key] {
        if path.is_some() {
            *path = Some("/nonexistent/horde-fuzz.pem".into());
        }
    }
    let _ = CompiledPlan::compile(plan);
}

// ── cookies ──────────────────────────────────────────────────────────────────────────────────

/// Input: a flags byte (the origin), then lines: the request target of a response, the target
/// of the next request, then `Set-Cookie` values. The response's head goes into a jar (as
/// `client::outcome` does, when the head parses and sets cookies); the next request gets the
/// jar's cookies for its URL added, in a new `Cookie` header or the one it has.
pub fn cookies(data: &[u8]) {
    let [flags, rest @ ..] = data else {
        return;
    };
    let origin = origin(*flags);
    let mut lines = rest.split(|&b| b == b'\n');
    let (first, second) = (lines.next().unwrap_or(b"/"), lines.next().unwrap_or(b"/"));
    // A request line ends at the first CR (`cookies::request_url`); encoded targets have none.
    if first.contains(&b'\r') || second.contains(&b'\r') {
        return;
    }
    let request = request_bytes(b"GET", first, &origin.authority, b"");
    let Some(url) = cookies::request_url(&origin, &request) else {
        return;
    };
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    for line in lines {
        head.extend_from_slice(b"Set-Cookie: ");
        head.extend_from_slice(line);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let Ok(Some(h)) = parse_head(&head, false, 64 * 1024) else {
        return;
    };
    let mut jar = cookie_store::CookieStore::default();
    let stored = h.set_cookie && cookies::store(&mut jar, &head[..h.len], &url);
    assert!(stored || !cookies::any(Some(&jar)));
    let own = if flags & 0x80 != 0 {
        &b"Cookie: mine=1\r\n"[..]
    } else {
        b""
    };
    let next = request_bytes(b"POST", second, &origin.authority, own);
    let Some(next_url) = cookies::request_url(&origin, &next) else {
        return;
    };
    let Some(value) = cookies::header_value(&jar, &next_url) else {
        return;
    };
    let mut out = Vec::new();
    cookies::with_cookies(&next, &value, &mut out);
    let added = if own.is_empty() { 10 } else { 2 };
    assert_eq!(out.len(), next.len() + value.len() + added);
    assert!(out.ends_with(b"\r\n\r\nbody"));
    let name = value.split('=').next().unwrap_or_default();
    assert!(cookies::value(Some(&jar), name).is_some(), "{value}");
}

/// One of a few origins: plain or TLS, a name, a subdomain or an IP, a default port or not.
fn origin(flags: u8) -> Origin {
    let tls = flags & 1 != 0;
    let host = ["shop.test", "a.b.shop.test", "127.0.0.1", "::1"][usize::from(flags >> 1 & 3)];
    let port = [if tls { 443 } else { 80 }, 8080][usize::from(flags >> 3 & 1)];
    let shown = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let authority = if port == 80 || port == 443 {
        shown
    } else {
        format!("{shown}:{port}")
    };
    Origin {
        tls,
        host: host.into(),
        port,
        authority,
        server_name: tls.then(|| crate::plan::server_name(host).expect("a valid name")),
        dynamic: false,
    }
}

/// A request as horde encodes it, except that the target is taken as it is.
fn request_bytes(method: &[u8], target: &[u8], authority: &str, headers: &[u8]) -> Vec<u8> {
    let mut out = method.to_vec();
    out.push(b' ');
    out.extend_from_slice(target);
    out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    out.extend_from_slice(authority.as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(headers);
    out.extend_from_slice(b"Content-Length: 4\r\n\r\nbody");
    out
}

// ── redirect ─────────────────────────────────────────────────────────────────────────────────

/// Input: a flags byte (bits 0–2: the status; bit 3: the response set cookies; bit 4: the
/// request is raw bytes from the input; bits 5–6: the method; bit 7: TLS), then lines: the first
/// `Location`, the second `Location`, and (with bit 4) the request. The redirect is followed
/// twice, as `client::outcome` does; a hop is a complete request for its origin, with the method
/// the redirect rules give. Names a `Location` leads to are answered by a stub resolver (a
/// `hosts` entry made for them), never by DNS.
pub fn redirect(data: &[u8]) {
    let [flags, rest @ ..] = data else {
        return;
    };
    let status = [301, 302, 303, 307, 308][usize::from(flags & 7) % 5];
    let mut lines = rest.splitn(3, |&b| b == b'\n');
    let (first, second) = (lines.next().unwrap_or(b"/"), lines.next().unwrap_or(b"/"));
    let from = origin(flags >> 7 | 0b1000);
    let method = ["GET", "POST", "HEAD", "PUT"][usize::from(flags >> 5 & 3)];
    let request = if flags & 0x10 != 0 {
        lines.next().unwrap_or_default().to_vec()
    } else {
        let headers = [
            ("Authorization", "Bearer t"),
            ("Content-Type", "application/json"),
            ("Cookie", "a=1"),
        ]
        .map(|(n, v)| (n.to_string(), v.to_string()));
        let mut out = Vec::new();
        let body = if method == "POST" { &b"{}"[..] } else { b"" };
        let parts = RequestParts {
            method,
            target: "/start?x=1",
            host: &from.authority,
            headers: &headers,
            body,
        };
        encode(&parts, &mut out);
        out
    };
    let mut problems = Problems::default();
    let mut dns = ClientSettings::compile(&HttpOptions::default(), &mut problems).dns;
    let port = from.port;
    let mut origins = Origins::new(
        &[Target {
            origin: from,
            addrs: vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port).into()],
        }],
        AddressSelect::First,
    );
    let mut chain = Vec::new();
    let Some(hop) = follow(
        status,
        first,
        &request,
        0,
        flags & 8 != 0,
        &mut chain,
        &mut origins,
        &mut dns,
    ) else {
        return;
    };
    let _ = follow(
        status,
        second,
        &hop.bytes,
        hop.target,
        false,
        &mut chain,
        &mut origins,
        &mut dns,
    );
}

/// The number of lines in `bytes`: an upper bound on the header fields in it.
fn lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count() + 1
}

/// Follows one redirect to `location` of `request` (sent to origin `at`) and checks the hop.
#[allow(clippy::too_many_arguments)]
fn follow(
    status: u16,
    location: &[u8],
    request: &[u8],
    at: usize,
    state_changed: bool,
    chain: &mut Vec<String>,
    origins: &mut Origins,
    dns: &mut crate::plan::DnsSettings,
) -> Option<redirect::Hop> {
    let mut head = format!("HTTP/1.1 {status} Moved\r\nLocation: ").into_bytes();
    head.extend_from_slice(location);
    head.extend_from_slice(b"\r\n\r\n");
    // Followed only when the reader accepts the head and sees its Location.
    let h = parse_head(&head, false, 64 * 1024).ok()??;
    if !h.location {
        return None;
    }
    stub_resolver(&head, request, origins.get(at), dns);
    let hop = redirect::next(
        status,
        &head,
        request,
        at,
        chain,
        state_changed,
        origins,
        dns,
    )
    .ok()?;
    let to = origins.get(hop.target);
    // As many slots as the hop has lines: a raw request from the input may carry any number of
    // fields, and the hop keeps them.
    let mut fields = vec![httparse::EMPTY_HEADER; lines(&hop.bytes)];
    let mut parsed = httparse::Request::new(&mut fields);
    let complete = parsed.parse(&hop.bytes);
    assert!(
        matches!(complete, Ok(httparse::Status::Complete(_))),
        "{complete:?}: {:?}",
        String::from_utf8_lossy(&hop.bytes)
    );
    let host = parsed.headers.iter().find(|h| h.name == "Host");
    assert_eq!(host.map(|h| h.value), Some(to.authority.as_bytes()));
    let mut was = vec![httparse::EMPTY_HEADER; lines(request)];
    let mut original = httparse::Request::new(&mut was);
    if original.parse(request).is_ok() {
        let method = original.method.unwrap_or_default();
        let to_get = (status == 303 && method != "HEAD")
            || (matches!(status, 301 | 302) && method == "POST");
        let expected = if to_get { "GET" } else { method };
        assert_eq!(parsed.method, Some(expected));
    }
    Some(hop)
}

/// Adds a `hosts` entry for the host the redirect's `Location` leads to (computed as
/// `redirect::next` computes it), so that following it never asks DNS.
fn stub_resolver(head: &[u8], request: &[u8], from: &Origin, dns: &mut crate::plan::DnsSettings) {
    let Some(here) = cookies::request_url(from, request) else {
        return;
    };
    let Some(Ok(location)) = header(head, "location").map(std::str::from_utf8) else {
        return;
    };
    let Ok(next) = here.join(location.trim()) else {
        return;
    };
    let Some(host) = next.host_str() else {
        return;
    };
    let bare = crate::plan::bare_host(host);
    if bare.parse::<IpAddr>().is_err() {
        let entry = HostAddress {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: None,
        };
        dns.hosts.insert(bare.to_ascii_lowercase(), vec![entry]);
    }
}
