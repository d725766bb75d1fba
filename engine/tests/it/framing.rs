//! Every body framing, read by the engine from a real socket: keep-alive reuse where the framing
//! allows it, a fresh connection where it does not, and no error in either case.

use crate::support::{plans, Behaviour, FaultServer};

const N: u64 = 20;

/// Runs N requests over 2 connections against a server answering `raw` (then closing if
/// `close`), and returns the result.
fn against(raw: &str, close: bool, method: &str) -> (horde_engine::RunResult, FaultServer) {
    let behaviour = if close {
        Behaviour::RawThenClose(raw.into())
    } else {
        Behaviour::Raw(raw.into())
    };
    let server = FaultServer::start(behaviour);
    let plan =
        plans::count(&server.url("/"), 2, N, "{}").replace("\"GET\"", &format!("\"{method}\""));
    (plans::run(&plan), server)
}

fn assert_clean(r: &horde_engine::RunResult, status: &str) {
    assert_eq!(r.total.requests, N, "{:?}", r.total.errors);
    assert!(
        r.total.errors.is_empty(),
        "{:?} {:?}",
        r.total.errors,
        r.total.error_details
    );
    assert_eq!(r.total.status.get(status), Some(&N), "{:?}", r.total.status);
}

#[test]
fn content_length_keeps_the_connection() {
    let (r, server) = against(
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        false,
        "GET",
    );
    assert_clean(&r, "200");
    assert_eq!(server.connections(), 2);
    assert_eq!(r.total.bytes_received, N * 43);
}

#[test]
fn chunked_with_trailers_keeps_the_connection() {
    let raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\n";
    let (r, server) = against(raw, false, "GET");
    assert_clean(&r, "200");
    assert_eq!(server.connections(), 2);
}

#[test]
fn close_delimited_body_ends_at_close_and_reconnects() {
    let (r, server) = against(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
        true,
        "GET",
    );
    assert_clean(&r, "200");
    assert_eq!(server.connections(), N);
    assert_eq!(r.generator.connections_opened, N);
}

#[test]
fn connection_close_is_honoured_with_a_reconnect() {
    let server = FaultServer::start(Behaviour::ConnectionClose);
    let r = plans::run(&plans::count(&server.url("/"), 2, N, "{}"));
    assert_clean(&r, "200");
    assert_eq!(server.connections(), N);
}

#[test]
fn no_body_statuses_keep_the_connection() {
    for raw in [
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
    ] {
        let (r, server) = against(raw, false, "GET");
        assert_clean(&r, &raw[9..12]);
        assert_eq!(server.connections(), 2, "{raw}");
    }
}

#[test]
fn head_responses_carry_no_body_even_with_a_length() {
    let (r, server) = against(
        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
        false,
        "HEAD",
    );
    assert_clean(&r, "200");
    assert_eq!(server.connections(), 2);
}

#[test]
fn interim_1xx_responses_are_skipped() {
    let raw = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    let (r, _server) = against(raw, false, "POST");
    assert_clean(&r, "201");
}

#[test]
fn large_heads_grow_the_buffer_within_the_limit() {
    let raw = format!(
        "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 2\r\n\r\nok",
        "v".repeat(40_000)
    );
    let (r, _server) = against(&raw, false, "GET");
    assert_clean(&r, "200");
}
