//! The fault matrix: each fault the server injects lands in its error class, every request is
//! accounted for, and the run completes.

use std::time::Duration;

use crate::support::{plans, Behaviour, FaultServer};

const N: u64 = 12;

fn run_against(behaviour: Behaviour, options: &str) -> horde_engine::RunResult {
    let server = FaultServer::start(behaviour);
    plans::run(&plans::count(&server.url("/"), 3, N, options))
}

fn assert_only(r: &horde_engine::RunResult, class: &str, count: u64) {
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
fn connect_timeout_is_connect_timeout() {
    // A listener with a full accept backlog never completes new handshakes.
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
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let fillers: Vec<_> = (0..4)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()
        })
        .collect();
    let r = plans::run(&plans::count(
        &format!("http://{addr}/"),
        3,
        3,
        r#"{"http": {"connect_timeout_s": 0.3}}"#,
    ));
    drop(fillers);
    assert_eq!(r.total.requests, 3);
    assert_eq!(
        r.total.errors.get("connect_timeout"),
        Some(&3),
        "{:?}",
        r.total.errors
    );
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
