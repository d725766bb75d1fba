//! Response heads: httparse on the status line and fields, then the framing decision of
//! RFC 9112 §6.3 (how the body ends) and whether the connection can be reused (§9.3).

use super::error::ParseError;

/// How many header fields a response may carry.
pub const MAX_HEADERS: usize = 128;

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body: HEAD responses, 1xx, 204, 304 (§6.3 rule 1).
    None,
    /// Exactly this many bytes (§6.3 rule 6).
    Length(u64),
    /// Chunked transfer coding is the final coding (§6.3 rule 4).
    Chunked,
    /// Read until the server closes the connection (§6.3 rules 4 and 8).
    UntilClose,
}

/// What the engine needs from a parsed head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Status code.
    pub status: u16,
    /// Bytes of the head, including the final blank line.
    pub len: usize,
    /// How the body ends.
    pub framing: Framing,
    /// Whether the connection may carry another request afterwards.
    pub keep_alive: bool,
    /// The body's content coding (`Content-Encoding`).
    pub coding: Coding,
    /// The response sets cookies (`Set-Cookie`).
    pub set_cookie: bool,
    /// The response has a `Location`.
    pub location: bool,
}

/// A response body's content coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Coding {
    /// None (or `identity`).
    #[default]
    Identity,
    /// `gzip` (or `x-gzip`).
    Gzip,
    /// `deflate` (zlib-wrapped, or raw as some servers send it).
    Deflate,
    /// `br` (Brotli).
    Brotli,
    /// Something horde does not decode (several codings, or an unknown one).
    Other,
}

impl Coding {
    fn parse(value: &[u8]) -> Coding {
        let v = trim(value);
        if v.is_empty() || v.eq_ignore_ascii_case(b"identity") {
            Coding::Identity
        } else if v.eq_ignore_ascii_case(b"gzip") || v.eq_ignore_ascii_case(b"x-gzip") {
            Coding::Gzip
        } else if v.eq_ignore_ascii_case(b"deflate") {
            Coding::Deflate
        } else if v.eq_ignore_ascii_case(b"br") {
            Coding::Brotli
        } else {
            Coding::Other
        }
    }
}

/// Parses a head at the start of `buf`. `Ok(None)` means more bytes are needed.
pub fn parse_head(
    buf: &[u8],
    head_request: bool,
    max_len: usize,
) -> Result<Option<Head>, ParseError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut fields);
    let parsed = httparse::ParserConfig::default()
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .parse_response(&mut response, buf);
    let len = match parsed {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() >= max_len => {
            return Err(ParseError::HeadTooLarge)
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(ParseError::TooManyHeaders),
        Err(httparse::Error::Status | httparse::Error::Version | httparse::Error::Token) => {
            return Err(ParseError::InvalidStatusLine)
        }
        Err(_) => return Err(ParseError::InvalidHeader),
    };
    if len > max_len {
        return Err(ParseError::HeadTooLarge);
    }
    let status = response.code.ok_or(ParseError::InvalidStatusLine)?;
    let http11 = response.version == Some(1);
    let fields = Fields::scan(response.headers)?;
    let mut keep_alive = if http11 {
        !fields.close
    } else {
        fields.keep_alive && !fields.close
    };
    let framing = if head_request || (100..200).contains(&status) || status == 204 || status == 304
    {
        Framing::None
    } else if fields.transfer_encoding {
        // §6.1: a sender must not send both; a recipient ought to close afterwards.
        if fields.content_length.is_some() {
            keep_alive = false;
        }
        if fields.chunked_last {
            Framing::Chunked
        } else {
            keep_alive = false;
            Framing::UntilClose
        }
    } else if let Some(n) = fields.content_length {
        Framing::Length(n)
    } else {
        keep_alive = false;
        Framing::UntilClose
    };
    if status == 101 {
        keep_alive = false;
    }
    Ok(Some(Head {
        status,
        len,
        framing,
        keep_alive,
        coding: fields.coding,
        set_cookie: fields.set_cookie,
        location: fields.location,
    }))
}

/// The header fields that decide framing and connection reuse.
#[derive(Default)]
struct Fields {
    content_length: Option<u64>,
    transfer_encoding: bool,
    chunked_last: bool,
    close: bool,
    keep_alive: bool,
    coding: Coding,
    set_cookie: bool,
    location: bool,
}

impl Fields {
    fn scan(headers: &[httparse::Header<'_>]) -> Result<Fields, ParseError> {
        let mut f = Fields::default();
        for h in headers {
            if h.name.eq_ignore_ascii_case("content-length") {
                // A list like "5, 5" is allowed when every member agrees (RFC 9110 §8.6).
                for part in h.value.split(|&b| b == b',') {
                    let n = parse_length(part)?;
                    match f.content_length {
                        Some(prev) if prev != n => {
                            return Err(ParseError::ConflictingContentLength)
                        }
                        _ => f.content_length = Some(n),
                    }
                }
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                f.transfer_encoding = true;
                let last = h.value.rsplit(|&b| b == b',').next().unwrap_or_default();
                f.chunked_last = trim(last).eq_ignore_ascii_case(b"chunked");
            } else if h.name.eq_ignore_ascii_case("set-cookie") {
                f.set_cookie = true;
            } else if h.name.eq_ignore_ascii_case("location") {
                f.location = true;
            } else if h.name.eq_ignore_ascii_case("content-encoding") {
                f.coding = if f.coding == Coding::Identity {
                    Coding::parse(h.value)
                } else {
                    Coding::Other
                };
            } else if h.name.eq_ignore_ascii_case("connection") {
                for token in h.value.split(|&b| b == b',') {
                    let token = trim(token);
                    f.close |= token.eq_ignore_ascii_case(b"close");
                    f.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
                }
            }
        }
        Ok(f)
    }
}

fn parse_length(raw: &[u8]) -> Result<u64, ParseError> {
    let digits = trim(raw);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::InvalidContentLength);
    }
    Ok(digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// `s` without leading and trailing spaces and tabs (optional whitespace around a header value).
pub(crate) fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The value of the first header `name` in a response head.
pub fn header<'h>(head: &'h [u8], name: &str) -> Option<&'h [u8]> {
    each_header(head)
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Iterates (name, value) over a head's header fields (after the status line). A field folded
/// over several lines (obs-fold: a line starting with a space or tab continues the one before,
/// RFC 9112 §5.2) is one field whose value spans its lines, as httparse reports it.
pub fn each_header(head: &[u8]) -> impl Iterator<Item = (&str, &[u8])> {
    let line_end =
        |s: &[u8], from: usize| memchr::memchr(b'\n', &s[from..]).map_or(s.len(), |i| from + i + 1);
    // httparse skips empty lines before the status line; so does this.
    let mut rest = head;
    while let [b'\r', b'\n', r @ ..] | [b'\n', r @ ..] = rest {
        rest = r;
    }
    rest = &rest[line_end(rest, 0)..];
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let mut end = line_end(rest, 0);
        while matches!(rest.get(end), Some(b' ' | b'\t')) {
            end = line_end(rest, end);
        }
        let (field, tail) = rest.split_at(end);
        rest = tail;
        let Some(colon) = field.iter().position(|&b| b == b':') else {
            continue;
        };
        let Ok(name) = std::str::from_utf8(&field[..colon]) else {
            continue;
        };
        let mut value = &field[colon + 1..];
        while let [b' ' | b'\t' | b'\r' | b'\n', v @ ..] = value {
            value = v;
        }
        while let [v @ .., b' ' | b'\t' | b'\r' | b'\n'] = value {
            value = v;
        }
        return Some((name.trim(), value));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str) -> Result<Option<Head>, ParseError> {
        parse_head(raw.as_bytes(), false, 8192)
    }

    #[test]
    fn framing_rules() {
        let h = head("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(
            (h.framing, h.keep_alive, h.status),
            (Framing::Length(12), true, 200)
        );
        let h = head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(h.framing, Framing::Chunked);
        let h = head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!((h.framing, h.keep_alive), (Framing::UntilClose, false));
        let h = head("HTTP/1.1 200 OK\r\n\r\n").unwrap().unwrap();
        assert_eq!((h.framing, h.keep_alive), (Framing::UntilClose, false));
        let h = head("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(h.framing, Framing::None);
        let h = head("HTTP/1.1 304 Not Modified\r\n\r\n").unwrap().unwrap();
        assert_eq!((h.framing, h.keep_alive), (Framing::None, true));
        let h = parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", true, 8192)
            .unwrap()
            .unwrap();
        assert_eq!(h.framing, Framing::None);
        let h = head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!((h.framing, h.keep_alive), (Framing::Chunked, false));
    }

    #[test]
    fn connection_reuse_rules() {
        let h = head("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!h.keep_alive);
        let h = head("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!h.keep_alive);
        let h = head("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(h.keep_alive);
        let h = head("HTTP/1.1 101 Switching Protocols\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!h.keep_alive);
    }

    #[test]
    fn content_length_validation() {
        assert_eq!(
            head("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n")
                .unwrap()
                .unwrap()
                .framing,
            Framing::Length(5)
        );
        assert_eq!(
            head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            Err(ParseError::ConflictingContentLength)
        );
        assert_eq!(
            head("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
            Err(ParseError::InvalidContentLength)
        );
        assert_eq!(
            head("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n"),
            Err(ParseError::InvalidContentLength)
        );
        assert_eq!(
            head("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"),
            Err(ParseError::InvalidContentLength)
        );
    }

    #[test]
    fn malformed_heads() {
        assert_eq!(
            head("HTXP/1.1 200 OK\r\n\r\n"),
            Err(ParseError::InvalidStatusLine)
        );
        assert_eq!(
            head("HTTP/1.1 2x0 OK\r\n\r\n"),
            Err(ParseError::InvalidStatusLine)
        );
        assert_eq!(
            head("HTTP/1.1 200 OK\r\nbad header\r\n\r\n"),
            Err(ParseError::InvalidHeader)
        );
        assert_eq!(head("HTTP/1.1 200 OK\r\nContent-Le"), Ok(None));
        let many: String = (0..MAX_HEADERS + 1)
            .map(|i| format!("X-{i}: v\r\n"))
            .collect();
        assert_eq!(
            head(&format!("HTTP/1.1 200 OK\r\n{many}\r\n")),
            Err(ParseError::TooManyHeaders)
        );
    }

    #[test]
    fn a_folded_field_is_one_field_spanning_its_lines() {
        // Found by the `response` fuzz target: a continuation line was read as a field of its
        // own (here a `Location` the server never sent), and a value that starts on the next
        // line as empty.
        let raw = b"HTTP/1.1 302 Found\r\nX-A: a\r\n Location: /evil\r\nX-B:\r\n b\r\nLocation: /good\r\n\r\n";
        let fields: Vec<(&str, &[u8])> = each_header(raw).collect();
        assert_eq!(
            fields,
            [
                ("X-A", &b"a\r\n Location: /evil"[..]),
                ("X-B", b"b"),
                ("Location", b"/good")
            ]
        );
        assert_eq!(header(raw, "location"), Some(&b"/good"[..]));
        // Nor is the status line a field when empty lines come before it.
        let raw = b"\r\n\nHTTP/1.1 200 X-Not: a field\r\nX-A: a\r\n\r\n";
        assert_eq!(each_header(raw).collect::<Vec<_>>(), [("X-A", &b"a"[..])]);
    }

    #[test]
    fn head_over_limit() {
        let big = format!("HTTP/1.1 200 OK\r\nX-Big: {}\r\n", "a".repeat(200));
        assert_eq!(
            parse_head(big.as_bytes(), false, 100),
            Err(ParseError::HeadTooLarge)
        );
        let complete = format!("{big}\r\n");
        assert_eq!(
            parse_head(complete.as_bytes(), false, 100),
            Err(ParseError::HeadTooLarge)
        );
    }
}
