//! The fault matrix, continued: responses whose framing is broken or hostile — oversized heads,
//! duplicate, conflicting, negative or overflowing lengths and chunk sizes. Each lands in its
//! class (or, where RFC 9110/9112 let a recipient make sense of it, in the right success), never
//! in a panic, a hang or an allocation sized by what the server claims.

use serde_json::json;

use crate::faults::{assert_only, run_against, N};
use crate::support::plans::{self, assert_all_ok};
use crate::support::{Behaviour, FaultServer};

/// A response with these header lines and body, for every request, on a kept connection.
fn raw(fields: &str, body: &str) -> Behaviour {
    Behaviour::Raw(format!("HTTP/1.1 200 OK\r\n{fields}\r\n{body}").into())
}

#[test]
fn a_one_mebibyte_head_is_malformed_response_read_no_further_than_the_limit() {
    let big = raw(
        &format!("X-Big: {}\r\nContent-Length: 0\r\n", "v".repeat(1 << 20)),
        "",
    );
    let r = run_against(big, "{}");
    assert_only(&r, "malformed_response", N);
    assert_eq!(
        r.total.error_details["malformed_response"],
        "response head larger than the limit"
    );
    // The client stops at the head limit (64 KiB by default), plus at most one read: it does
    // not take in the rest of the mebibyte.
    assert!(
        r.total.bytes_received <= N * 128 * 1024,
        "{} bytes",
        r.total.bytes_received
    );
}

#[test]
fn identical_duplicate_content_lengths_count_as_one() {
    // RFC 9110 §8.6: a recipient may treat identical duplicates (as lines or as a list) as one.
    for fields in [
        "Content-Length: 5\r\nContent-Length: 5\r\n",
        "Content-Length: 5, 5\r\n",
    ] {
        let server = FaultServer::start(raw(fields, "hello"));
        let r = plans::run(&plans::count(&server.url("/"), 3, N, "{}"));
        assert_all_ok(&r, N);
        assert_eq!(server.connections(), 3, "the length frames it: kept alive");
    }
}

#[test]
fn conflicting_content_lengths_are_malformed_response() {
    // RFC 9112 §6.3 rule 5: an invalid length is unrecoverable; where the body ends is unknown.
    for fields in [
        "Content-Length: 5\r\nContent-Length: 6\r\n",
        "Content-Length: 5, 6\r\n",
    ] {
        let r = run_against(raw(fields, "hello!"), "{}");
        assert_only(&r, "malformed_response", N);
        assert_eq!(
            r.total.error_details["malformed_response"],
            "conflicting Content-Length fields"
        );
    }
}

#[test]
fn chunked_wins_over_a_content_length_and_the_connection_is_not_reused() {
    // RFC 9112 §6.3 rule 3: Transfer-Encoding overrides Content-Length. Such a message may be an
    // attempt at response splitting, so the connection is closed after it (§6.1) rather than
    // trusting where the next response starts.
    let server = FaultServer::start(raw(
        "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
        "5\r\nhello\r\n0\r\n\r\n",
    ));
    let mut step = plans::request("GET", &server.url("/"), "r");
    step["request"]["checks"] =
        json!([{"kind": "body_contains", "name": "chunked body", "text": "hello"}]);
    let r = plans::run(&plans::journey(
        json!([step]),
        plans::shared_iterations(3, N),
        json!({}),
    ));
    assert_all_ok(&r, N);
    assert_eq!(plans::check(&r, "r", "chunked body"), (N, 0));
    assert_eq!(server.connections(), N);
    assert_eq!(r.generator.connections_opened, N);
}

#[test]
fn negative_and_overflowing_content_lengths_are_malformed_response() {
    for length in [
        "-1",
        "99999999999999999999999",
        "18446744073709551616",
        "+5",
    ] {
        let r = run_against(raw(&format!("Content-Length: {length}\r\n"), "hello"), "{}");
        assert_only(&r, "malformed_response", N);
        assert_eq!(
            r.total.error_details["malformed_response"], "invalid Content-Length",
            "{length}"
        );
    }
}

#[test]
fn a_huge_but_valid_content_length_is_body_too_large_at_once() {
    // 19 digits fit in 64 bits: well formed, but over the body limit before any byte of it.
    let r = run_against(
        raw("Content-Length: 9999999999999999999\r\n", "hello"),
        "{}",
    );
    assert_only(&r, "body_too_large", N);
}

#[test]
fn an_overflowing_chunk_size_is_malformed_response() {
    let r = run_against(
        raw(
            "Transfer-Encoding: chunked\r\n",
            "ffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
        ),
        "{}",
    );
    assert_only(&r, "malformed_response", N);
    assert_eq!(
        r.total.error_details["malformed_response"],
        "invalid chunk size"
    );
}

#[test]
fn a_chunk_larger_than_the_body_limit_is_body_too_large_at_once() {
    // 16 hex digits fit in 64 bits. The chunk announces more than the body may hold: that is
    // known from its size line, without waiting for (or keeping) any of its data.
    let r = run_against(
        raw(
            "Transfer-Encoding: chunked\r\n",
            "ffffffffffffffff\r\nhello",
        ),
        r#"{"http": {"timeout_s": 10}}"#,
    );
    assert_only(&r, "body_too_large", N);
}
