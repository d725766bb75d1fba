//! Framing and malformed-input tests for `ResponseReader`, plus the split-point property: a
//! response fed in any two pieces reads exactly as when fed whole.

use super::*;
use proptest::prelude::*;

/// Feeds `input` in pieces as a connection would, keeping unconsumed bytes; returns
/// (status, body, consumed everything, done) or the error.
fn read(
    input: &[u8],
    pieces: &[usize],
    head_request: bool,
    limits: Limits,
) -> Result<(u16, Vec<u8>, bool), ParseError> {
    let mut reader = ResponseReader::new(limits);
    reader.begin(head_request);
    let mut pending: Vec<u8> = Vec::new();
    let mut body = Vec::new();
    let mut cuts: Vec<usize> = pieces
        .iter()
        .copied()
        .filter(|&c| c > 0 && c < input.len())
        .collect();
    cuts.sort_unstable();
    cuts.push(input.len());
    let mut start = 0;
    for cut in cuts {
        pending.extend_from_slice(&input[start..cut]);
        start = cut;
        loop {
            let (n, event) = reader.feed(&pending, Some(&mut body))?;
            pending.drain(..n);
            match event {
                Event::Head => continue,
                Event::Done => {
                    return Ok((reader.head().unwrap().status, body, pending.is_empty()))
                }
                Event::NeedMore => break,
            }
        }
    }
    reader.finish_on_eof()?;
    Ok((
        reader.head().map_or(0, |h| h.status),
        body,
        pending.is_empty(),
    ))
}

fn whole(input: &str) -> Result<(u16, Vec<u8>, bool), ParseError> {
    read(input.as_bytes(), &[], false, Limits::default())
}

#[test]
fn content_length_body() {
    let (status, body, _) =
        whole("HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello").unwrap();
    assert_eq!((status, body.as_slice()), (201, &b"hello"[..]));
}

#[test]
fn chunked_body_with_extensions_and_trailers() {
    let raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n";
    let (status, body, _) = whole(raw).unwrap();
    assert_eq!((status, body.as_slice()), (200, &b"hello world"[..]));
}

#[test]
fn chunked_without_trailers_and_bare_lf() {
    let (_, body, _) =
        whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n").unwrap();
    assert_eq!(body, b"abc");
}

#[test]
fn close_delimited_body_ends_at_eof() {
    let (status, body, _) = whole("HTTP/1.1 200 OK\r\n\r\nuntil the end").unwrap();
    assert_eq!((status, body.as_slice()), (200, &b"until the end"[..]));
}

#[test]
fn no_body_statuses_and_head() {
    for raw in [
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    ] {
        let (_, body, all) = whole(raw).unwrap();
        assert!(body.is_empty() && all);
    }
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    let (status, body, _) = read(raw, &[], true, Limits::default()).unwrap();
    assert_eq!((status, body.len()), (200, 0));
}

#[test]
fn interim_1xx_responses_are_skipped() {
    let raw = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let (status, body, _) = whole(raw).unwrap();
    assert_eq!((status, body.as_slice()), (200, &b"ok"[..]));
}

#[test]
fn malformed_inputs() {
    assert_eq!(
        whole("HTXP/1.1 200 OK\r\n\r\n"),
        Err(ParseError::InvalidStatusLine)
    );
    assert_eq!(whole("garbage\r\n\r\n"), Err(ParseError::InvalidStatusLine));
    assert_eq!(
        whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"),
        Err(ParseError::InvalidChunkSize)
    );
    assert_eq!(
        whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n0\r\n\r\n"),
        Err(ParseError::InvalidChunkEnd)
    );
    assert_eq!(
        whole("HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n"),
        Err(ParseError::InvalidContentLength)
    );
}

#[test]
fn truncated_and_closed() {
    assert_eq!(whole(""), Err(ParseError::ClosedBeforeResponse));
    assert_eq!(
        whole("HTTP/1.1 200 OK\r\nContent-"),
        Err(ParseError::Truncated)
    );
    assert_eq!(
        whole("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
        Err(ParseError::Truncated)
    );
    assert_eq!(
        whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nwo"),
        Err(ParseError::Truncated)
    );
    assert_eq!(
        whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
        Err(ParseError::Truncated)
    );
}

#[test]
fn wrong_content_length_leaves_unexpected_bytes() {
    // The server said 2 but sent 7: the tail would be read as the next response.
    assert_eq!(
        whole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokextra"),
        Err(ParseError::UnexpectedBytes)
    );
    assert_eq!(
        whole("HTTP/1.1 204 No Content\r\n\r\nbody"),
        Err(ParseError::UnexpectedBytes)
    );
}

#[test]
fn limits() {
    let small = Limits {
        max_head_bytes: 64,
        max_body_bytes: 4,
    };
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    assert_eq!(read(raw, &[], false, small), Err(ParseError::BodyTooLarge));
    let raw =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
    assert_eq!(read(raw, &[], false, small), Err(ParseError::BodyTooLarge));
    let raw = b"HTTP/1.1 200 OK\r\n\r\nabcdef";
    assert_eq!(read(raw, &[], false, small), Err(ParseError::BodyTooLarge));
    let long = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "v".repeat(100));
    assert_eq!(
        read(long.as_bytes(), &[10], false, small),
        Err(ParseError::HeadTooLarge)
    );
    let trailers = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: {}",
        "v".repeat(100)
    );
    assert_eq!(
        read(trailers.as_bytes(), &[], false, small),
        Err(ParseError::InvalidTrailers)
    );
    let endless_size = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{}",
        "1".repeat(5000)
    );
    assert_eq!(whole(&endless_size), Err(ParseError::InvalidChunkSize));
}

#[test]
fn a_chunk_over_the_body_limit_fails_at_its_size_line() {
    let small = Limits {
        max_head_bytes: 64,
        max_body_bytes: 8,
    };
    // 3 bytes in, 6 announced: over the 8 allowed before any of the 6 arrives.
    let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n6\r\n";
    assert_eq!(read(raw, &[], false, small), Err(ParseError::BodyTooLarge));
    // Exactly up to the limit is fine.
    let raw =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n";
    assert_eq!(
        read(raw, &[], false, small).map(|(_, body, _)| body),
        Ok(b"abcdefgh".to_vec())
    );
    // The largest size 64 bits hold, with the default limits.
    let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nhello";
    assert_eq!(
        read(raw, &[], false, Limits::default()),
        Err(ParseError::BodyTooLarge)
    );
}

#[test]
fn limits_hold_in_one_read_as_in_many() {
    // Found by the `response` fuzz target: a trailer section or chunk-size line over its limit
    // was refused when it arrived in pieces but accepted when it arrived in one read.
    let small = Limits {
        max_head_bytes: 64,
        max_body_bytes: 1024,
    };
    let trailers = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: {}\r\n\r\n",
        "v".repeat(100)
    );
    for cuts in [&[][..], &[60], &[60, 100]] {
        assert_eq!(
            read(trailers.as_bytes(), cuts, false, small),
            Err(ParseError::InvalidTrailers)
        );
    }
    let long_line = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;x={}\r\na\r\n0\r\n\r\n",
        "e".repeat(MAX_CHUNK_LINE)
    );
    for cuts in [&[][..], &[50], &[50, 3000]] {
        assert_eq!(
            read(long_line.as_bytes(), cuts, false, Limits::default()),
            Err(ParseError::InvalidChunkSize)
        );
    }
}

#[test]
fn keep_alive_reader_is_reusable() {
    let mut reader = ResponseReader::new(Limits::default());
    for _ in 0..3 {
        reader.begin(false);
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        let (n, ev) = reader.feed(raw, None).unwrap();
        assert_eq!(ev, Event::Head);
        let (m, ev) = reader.feed(&raw[n..], None).unwrap();
        assert_eq!((n + m, ev, reader.body_len()), (raw.len(), Event::Done, 2));
    }
}

fn sample_responses() -> Vec<&'static str> {
    vec![
        "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nServer: x\r\n\r\nhello world",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;a=b\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: 1\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop",
        "HTTP/1.0 200 OK\r\n\r\nclose delimited body",
        "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n",
    ]
}

proptest! {
    #[test]
    fn any_split_reads_the_same(which in 0usize..5, cuts in proptest::collection::vec(0usize..200, 0..6)) {
        let raw = sample_responses()[which].as_bytes();
        let expected = read(raw, &[], false, Limits::default());
        prop_assert!(expected.is_ok());
        prop_assert_eq!(read(raw, &cuts, false, Limits::default()), expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), cuts in proptest::collection::vec(0usize..300, 0..4)) {
        let _ = read(&bytes, &cuts, false, Limits { max_head_bytes: 128, max_body_bytes: 64 });
    }
}
