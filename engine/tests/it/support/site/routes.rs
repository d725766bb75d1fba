//! What the site answers, by path. Any method is accepted on any route.
//!
//! - `/echo` (any query) → `200`, the request as the site saw it, one item a line:
//!   `{METHOD} {target}`, `cookie: {Cookie}`, `content-type: {Content-Type}`,
//!   `content-length: {Content-Length}`, `body: {body}` (an absent header is an empty value)
//! - `/set?NAME=VALUE` → `200` `set`, with `Set-Cookie: NAME=VALUE; Path=/`
//! - `/login` → `303` to `/account`, with `Set-Cookie: sid=abc; Path=/; HttpOnly`
//! - `/account` → `200` `welcome` with the `sid=abc` cookie, else `403` `who are you?`
//! - `/redirect/{301|302|303|307|308}` → that status, `Location: /echo`
//! - `/to?{URL}` → `302`, `Location: {URL}` (the whole query, as sent)
//! - `/chain/{n}` → `302` to `/chain/{n-1}`; `/chain/0` → `200` `chain done`
//! - `/loop/a` → `302` to `/loop/b`, and `/loop/b` → `302` to `/loop/a`
//! - `/gate` → `200` `passed` with the `visited=1` cookie, else `302` to `/gate-check` setting
//!   it; `/gate-check` → `302` back to `/gate` (a cookie bounce: a loop only by its URLs)
//! - `/slow` → `200` `slow`, after [`SLOW`]
//! - `/last` → `200` `last`, then the site closes the connection (after a TLS `close_notify`)
//!   without having said so in the response, as a server whose idle timeout runs out does
//! - anything else → `404`

use std::fmt::Write as _;
use std::thread;
use std::time::Duration;

use super::Seen;

/// How long `/slow` takes to answer: long enough for requests to overlap.
pub const SLOW: Duration = Duration::from_millis(20);

/// What the site does with a request.
pub(super) struct Answer {
    /// The complete response, head and body.
    pub bytes: Vec<u8>,
    /// Close the connection once the response is sent.
    pub then_close: bool,
}

/// The answer to `request`.
pub(super) fn answer(request: &Seen) -> Answer {
    let then_close = request.path() == "/last";
    Answer {
        bytes: response(request),
        then_close,
    }
}

/// The complete response (head and body) to `request`.
fn response(request: &Seen) -> Vec<u8> {
    let cookie = request.header("cookie").unwrap_or_default();
    let has_cookie = |pair: &str| cookie.split(';').any(|c| c.trim() == pair);
    let path = request.path();
    let query = request.target.split_once('?').map(|(_, q)| q);
    match path.split('/').collect::<Vec<_>>()[1..] {
        ["echo"] => ok(&echo(request)),
        ["set"] => match query {
            Some(pair) if pair.contains('=') => respond(
                200,
                &[("Set-Cookie", format!("{pair}; Path=/").as_str())],
                "set\n",
            ),
            _ => respond(400, &[], "/set needs ?NAME=VALUE\n"),
        },
        ["login"] => respond(
            303,
            &[
                ("Set-Cookie", "sid=abc; Path=/; HttpOnly"),
                ("Location", "/account"),
            ],
            "",
        ),
        ["account"] if has_cookie("sid=abc") => ok("welcome\n"),
        ["account"] => respond(403, &[], "who are you?\n"),
        ["redirect", status] => match status.parse::<u16>() {
            Ok(code @ (301 | 302 | 303 | 307 | 308)) => redirect(code, "/echo"),
            _ => respond(404, &[], "not a redirect status\n"),
        },
        ["to"] => match query {
            Some(location) => redirect(302, location),
            None => respond(400, &[], "/to needs ?URL\n"),
        },
        ["chain", "0"] => ok("chain done\n"),
        ["chain", n] => match n.parse::<u32>() {
            Ok(n) => redirect(302, &format!("/chain/{}", n - 1)),
            Err(_) => respond(404, &[], "not a chain length\n"),
        },
        ["loop", "a"] => redirect(302, "/loop/b"),
        ["loop", "b"] => redirect(302, "/loop/a"),
        ["gate"] if has_cookie("visited=1") => ok("passed\n"),
        ["gate"] => respond(
            302,
            &[
                ("Set-Cookie", "visited=1; Path=/"),
                ("Location", "/gate-check"),
            ],
            "",
        ),
        ["gate-check"] => redirect(302, "/gate"),
        ["last"] => ok("last\n"),
        ["slow"] => {
            thread::sleep(SLOW);
            ok("slow\n")
        }
        _ => respond(404, &[], "not found\n"),
    }
}

/// The `/echo` body.
fn echo(request: &Seen) -> String {
    let header = |name| request.header(name).unwrap_or_default();
    let mut text = format!("{} {}\n", request.method, request.target);
    for name in ["cookie", "content-type", "content-length"] {
        let _ = writeln!(text, "{name}: {}", header(name));
    }
    let _ = writeln!(text, "body: {}", String::from_utf8_lossy(&request.body));
    text
}

fn ok(body: &str) -> Vec<u8> {
    respond(200, &[], body)
}

fn redirect(status: u16, location: &str) -> Vec<u8> {
    respond(status, &[("Location", location)], "")
}

fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let _ = write!(head, "Content-Length: {}\r\n\r\n", body.len());
    head.push_str(body);
    head.into_bytes()
}

/// Reason phrases are informative only (RFC 9112 §4).
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Status",
    }
}
