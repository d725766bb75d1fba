//! The fault matrix: each fault the server injects lands in its error class (or, where a careful
//! client copes with it, in the right success), every request is accounted for, and the run
//! completes. Faults of the connection and of timing are here; broken framing is in
//! `faults_framing`.

use std::time::Duration;

use horde_engine::RunResult;
use serde_json::{json, Value};

use crate::support::plans::{self, assert_all_ok};
use crate::support::{Behaviour, FaultServer};

/// Requests per run, over 3 VUs unless a test says otherwise.
pub const N: u64 = 12;

pub fn run_against(behaviour: Behaviour, options: &str) -> RunResult {
    let server = FaultServer::start(behaviour);
    plans::run(&plans::count(&server.url("/"), 3, N, options))
}

/// Of the N requests, exactly `count` failed, all in `class`, whose detail is recorded.
pub fn assert_only(r: &RunResult, class: &str, count: u64) {
    assert_eq!(r.total.requests, N, "every request is accounted for");
    assert_eq!(
        r.total.errors.get(class),
        Some(&count),
        "{:?} {:?}",
        r.total.errors,
        r.total.error_details
    );
    assert_eq!(
        r.total.errors.values().sum::<u64>(),
        count,
        "only {class}: {:?}",
        r.total.errors
    );
    assert!(r.total.error_details.contains_key(class));
}

#[test]
fn reset_mid_body_is_connection_reset() {
    assert_only(
        &run_against(Behaviour::ResetMidBody, "{}"),
        "connection_reset",
        N,
    );
}

#[test]
fn close_without_response_is_connection_closed() {
    assert_only(
        &run_against(Behaviour::CloseWithoutResponse, "{}"),
        "connection_closed",
        N,
    );
}

#[test]
fn stall_past_the_timeout_is_request_timeout() {
    let r = run_against(
        Behaviour::Stall(Duration::from_secs(3)),
        r#"{"http": {"timeout_s": 0.3}}"#,
    );
    assert_only(&r, "request_timeout", N);
}

#[test]
fn garbage_status_line_is_malformed_response() {
    assert_only(
        &run_against(Behaviour::GarbageStatusLine, "{}"),
        "malformed_response",
        N,
    );
}

#[test]
fn truncated_chunked_body_is_truncated_response() {
    assert_only(
        &run_against(Behaviour::TruncatedChunked, "{}"),
        "truncated_response",
        N,
    );
}

#[test]
fn bad_chunk_size_is_malformed_response() {
    let raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n";
    assert_only(
        &run_against(Behaviour::Raw(raw.into()), "{}"),
        "malformed_response",
        N,
    );
}

#[test]
fn wrong_content_length_is_malformed_response() {
    let raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokay, more than two";
    assert_only(
        &run_against(Behaviour::Raw(raw.into()), "{}"),
        "malformed_response",
        N,
    );
}

#[test]
fn body_over_the_limit_is_body_too_large() {
    let ok = Behaviour::Ok {
        status: 200,
        body: vec![b'x'; 10_000],
    };
    assert_only(
        &run_against(ok, r#"{"http": {"max_body_bytes": 4096}}"#),
        "body_too_large",
        N,
    );
}

#[test]
fn head_over_the_limit_is_malformed_response() {
    let raw = format!(
        "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 0\r\n\r\n",
        "v".repeat(5000)
    );
    let r = run_against(
        Behaviour::Raw(raw.into()),
        r#"{"http": {"max_head_bytes": 1024}}"#,
    );
    assert_only(&r, "malformed_response", N);
}

#[test]
fn refused_connections_are_connect_refused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let r = plans::run(&plans::count(
        &format!("http://127.0.0.1:{port}/"),
        3,
        N,
        "{}",
    ));
    assert_only(&r, "connect_refused", N);
}

#[test]
fn a_full_accept_backlog_is_connect_timeout() {
    // A listener with a backlog of 1 that never accepts: once the connections below fill its
    // queue, the kernel drops new SYNs and no handshake completes.
    let listener =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener
        .bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
    listener.listen(1).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let fillers: Vec<_> = (0..8)
        .map_while(|_| std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok())
        .collect();
    assert!(
        !fillers.is_empty() && fillers.len() < 8,
        "{}",
        fillers.len()
    );
    let r = plans::run(&plans::count(
        &format!("http://{addr}/"),
        3,
        N,
        r#"{"http": {"connect_timeout_s": 0.2}}"#,
    ));
    drop(fillers);
    assert_only(&r, "connect_timeout", N);
    assert_eq!(r.generator.connections_opened, N);
}

#[test]
fn sporadic_faults_do_not_stop_the_run() {
    let mixed = Behaviour::Every {
        n: 4,
        fault: Box::new(Behaviour::ResetMidBody),
        otherwise: Box::new(Behaviour::Ok {
            status: 200,
            body: b"fine".to_vec(),
        }),
    };
    let server = FaultServer::start(mixed);
    let r = plans::run(&plans::count(&server.url("/"), 2, 40, "{}"));
    assert_eq!(r.total.requests, 40);
    assert_eq!(
        r.total.errors.get("connection_reset"),
        Some(&10),
        "{:?}",
        r.total.errors
    );
    assert_eq!(r.total.status.get("200"), Some(&30));
}

#[test]
fn unexpected_statuses_count_as_failed_not_as_errors() {
    let r = run_against(
        Behaviour::Ok {
            status: 503,
            body: b"busy".to_vec(),
        },
        "{}",
    );
    assert_eq!(r.total.failed, N);
    assert!(r.total.errors.is_empty());
    assert_eq!(r.total.status.get("503"), Some(&N));
}

/// 40 bytes: trickled 5 ms apart they take 0.2 s, 50 ms apart 2 s.
const TRICKLED: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

#[test]
fn a_response_trickled_byte_by_byte_within_the_timeout_succeeds() {
    let server = FaultServer::start(Behaviour::Trickle {
        bytes: TRICKLED.to_vec(),
        interval: Duration::from_millis(5),
    });
    let r = plans::run(&plans::count(
        &server.url("/"),
        3,
        N,
        r#"{"http": {"timeout_s": 10}}"#,
    ));
    assert_all_ok(&r, N);
    assert_eq!(r.total.bytes_received, N * TRICKLED.len() as u64);
    // Keep-alive survives a slow response.
    assert_eq!(server.connections(), 3);
}

#[test]
fn a_response_trickled_past_the_timeout_is_request_timeout() {
    // The timeout bounds the whole exchange: bytes arriving now and then do not extend it.
    let r = run_against(
        Behaviour::Trickle {
            bytes: TRICKLED.to_vec(),
            interval: Duration::from_millis(50),
        },
        r#"{"http": {"timeout_s": 0.3}}"#,
    );
    assert_only(&r, "request_timeout", N);
}

/// A 100 kB close-delimited HTTP/1.0 body (no Content-Length, not chunked): several reads long,
/// and its end is only in its last read.
fn close_delimited() -> Vec<u8> {
    let mut raw = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n".to_vec();
    raw.extend(std::iter::repeat_n(b'x', 100_000));
    raw.extend_from_slice(b"the end");
    raw
}

/// N GETs over 3 VUs, each checking that the body reached its end.
fn get_checking_the_end(server: &FaultServer) -> RunResult {
    let mut step = plans::request("GET", &server.url("/"), "r");
    step["request"]["checks"] =
        json!([{"kind": "body_contains", "name": "whole body", "text": "the end"}]);
    plans::run(&plans::journey(
        json!([step]),
        plans::shared_iterations(3, N),
        json!({}),
    ))
}

#[test]
fn an_http_1_0_close_delimited_body_is_read_whole_up_to_the_close() {
    let raw = close_delimited();
    let server = FaultServer::start(Behaviour::RawThenClose(raw.clone()));
    let r = get_checking_the_end(&server);
    assert_all_ok(&r, N);
    assert_eq!(plans::check(&r, "r", "whole body"), (N, 0));
    assert_eq!(r.total.bytes_received, N * raw.len() as u64);
    // The close ends the body, so no connection serves twice.
    assert_eq!(r.generator.connections_opened, N);
    assert_eq!(r.generator.reconnects, 0);
}

#[test]
fn a_close_delimited_body_cut_by_a_reset_is_connection_reset() {
    // A reset is not the close that ends the body: what arrived is not the whole response.
    let mut raw = close_delimited();
    raw.truncate(raw.len() - 50_000);
    let server = FaultServer::start(Behaviour::RawThenReset(raw));
    let r = get_checking_the_end(&server);
    assert_only(&r, "connection_reset", N);
    assert_eq!(
        plans::check(&r, "r", "whole body"),
        (0, 0),
        "no response to check"
    );
}

/// A POST of 8 MiB on loopback: more than the client's largest send buffer (4 MiB) and the
/// receive buffer of a server that never reads (128 KiB) together, so its send stalls.
fn upload(url: &str, vus: u64, options: Value) -> RunResult {
    let mut step = plans::request("POST", url, "upload");
    step["request"]["body"] = json!({"text": "x".repeat(8 << 20)});
    plans::run(&plans::journey(
        json!([step]),
        plans::shared_iterations(vus, N),
        options,
    ))
}

#[test]
fn a_request_body_the_server_never_reads_is_request_timeout() {
    // The timeout bounds a stalled send too, not only the wait for the response.
    let server = FaultServer::start(Behaviour::Deaf);
    let r = upload(&server.url("/"), 3, json!({"http": {"timeout_s": 0.3}}));
    assert_only(&r, "request_timeout", N);
}

#[test]
fn a_run_ends_on_time_with_sends_stalled() {
    // The run's end cuts a stalled send like any other operation: interrupted, not recorded.
    let server = FaultServer::start(Behaviour::Deaf);
    let mut step = plans::request("POST", &server.url("/"), "upload");
    step["request"]["body"] = json!({"text": "x".repeat(8 << 20)});
    let mut plan: Value = serde_json::from_str(&plans::journey(
        json!([step]),
        json!({"type": "constant_vus", "vus": 2, "duration_s": 0.5}),
        json!({"http": {"timeout_s": 60}}),
    ))
    .unwrap();
    plan["scenarios"]["s"]["graceful_stop_s"] = json!(0);
    let r = plans::run(&plan.to_string());
    assert_eq!(r.total.requests, 0, "{:?}", r.total.errors);
    assert_eq!(r.generator.interrupted, 2);
}

/// What a server that refuses an upload answers as soon as it has the request's head.
const TOO_LARGE: &[u8] =
    b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

#[test]
fn an_answer_before_the_body_then_a_lingering_close_is_the_servers_answer() {
    let server = FaultServer::start(Behaviour::AnswerBeforeBody {
        bytes: TOO_LARGE.to_vec(),
        linger: true,
    });
    let r = upload(&server.url("/"), 3, json!({"http": {"timeout_s": 10}}));
    assert_eq!(r.total.requests, N);
    assert!(r.total.errors.is_empty(), "{:?}", r.total.error_details);
    assert_eq!(r.total.status.get("413"), Some(&N), "{:?}", r.total.status);
    assert_eq!(r.total.failed, N, "413 is not an expected status");
}

#[test]
fn an_answer_before_the_body_then_a_reset_is_the_servers_answer() {
    // The reset makes the stalled send fail, but the answer had arrived before it: as curl and
    // browsers do, the client reads it and records the server's status, not a send error.
    let server = FaultServer::start(Behaviour::AnswerBeforeBody {
        bytes: TOO_LARGE.to_vec(),
        linger: false,
    });
    let r = upload(&server.url("/"), 3, json!({"http": {"timeout_s": 10}}));
    assert_eq!(r.total.requests, N);
    assert!(r.total.errors.is_empty(), "{:?}", r.total.error_details);
    assert_eq!(r.total.status.get("413"), Some(&N), "{:?}", r.total.status);
}

#[test]
fn a_connection_half_closed_after_the_response_is_reopened_for_the_next_request() {
    // The response allows keep-alive, but the server then shuts its write side (keeping its
    // read side open): the next request on that connection meets the end of the stream before
    // any byte, and is retried once on a fresh connection, as for a stale keep-alive.
    let server = FaultServer::start(Behaviour::RawThenClose(TRICKLED.to_vec()));
    let r = plans::run(&plans::journey(
        json!([plans::request("GET", &server.url("/"), "r")]),
        plans::per_vu_iterations(2, N / 2),
        json!({}),
    ));
    assert_all_ok(&r, N);
    // Every request but each VU's first found its connection half-closed.
    assert_eq!(r.generator.reconnects, N - 2);
    assert_eq!(r.generator.connections_opened, N);
    assert_eq!(server.requests(), N, "the server saw each request once");
}

#[test]
fn a_reused_connection_half_closed_before_the_answer_is_retried_once() {
    // Every second request the server reads and half-closes without answering. On a fresh
    // connection that would be connection_closed; on a reused one it is a stale keep-alive:
    // retried once, on a fresh connection, where it is answered.
    let server = FaultServer::start(Behaviour::Every {
        n: 2,
        fault: Box::new(Behaviour::CloseWithoutResponse),
        otherwise: Box::new(Behaviour::Raw(TRICKLED.to_vec())),
    });
    let r = plans::run(&plans::journey(
        json!([plans::request("GET", &server.url("/"), "r")]),
        plans::per_vu_iterations(1, 6),
        json!({}),
    ));
    assert_all_ok(&r, 6);
    assert_eq!(r.generator.reconnects, 5);
    assert_eq!(
        server.requests(),
        11,
        "each retried request reached the server twice"
    );
}

#[test]
fn a_reset_during_the_tls_handshake_is_tls_handshake_failed() {
    // The server takes the ClientHello and resets. Like a close in the handshake, it is a
    // handshake that failed (its detail says it was a reset): no request was in flight yet.
    let server = FaultServer::start(Behaviour::ResetOnFirstBytes);
    let r = plans::run(&plans::count(
        &format!("https://{}/", server.addr()),
        3,
        N,
        "{}",
    ));
    assert_only(&r, "tls_handshake_failed", N);
    assert!(
        r.total.error_details["tls_handshake_failed"].contains("reset"),
        "{:?}",
        r.total.error_details
    );
    assert_eq!(r.generator.tls_handshakes, 0);
}
