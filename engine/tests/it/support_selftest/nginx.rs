//! Each nginx location the integration tests rely on, checked with a plain client.

use std::path::Path;

use super::client::Client;
use crate::support::nginx::BIG_LEN;
use crate::support::Nginx;

#[test]
fn root_answers_ok_keeps_the_connection_and_has_a_url() {
    let nginx = Nginx::start();
    let mut client = Client::connect(nginx.addr());
    for _ in 0..2 {
        client.get("/");
        let response = client.read_response();
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-length"), Some("3"));
        assert_eq!(response.body, b"ok\n");
    }
    client.assert_idle();
    let port = nginx.addr().port();
    assert!(nginx.addr().ip().is_loopback());
    assert_eq!(nginx.url("/big"), format!("http://127.0.0.1:{port}/big"));
    assert_eq!(nginx.url("big"), format!("http://127.0.0.1:{port}/big"));
}

#[test]
fn big_is_one_mebibyte_with_content_length() {
    let nginx = Nginx::start();
    let mut client = Client::connect(nginx.addr());
    client.get("/big");
    let response = client.read_response();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-length"), Some("1048576"));
    assert_eq!(response.body.len(), BIG_LEN);
    assert!(response.body.iter().all(|&byte| byte == b'x'));
}

#[test]
fn chunked_is_sent_chunked() {
    let nginx = Nginx::start();
    let mut client = Client::connect(nginx.addr());
    client.get("/chunked");
    let response = client.read_response();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert_eq!(response.header("content-length"), None);
    assert_eq!(response.body, b"chunked\n");
    client.assert_idle();
}

#[test]
fn no_content_has_no_body_and_keeps_the_connection() {
    let nginx = Nginx::start();
    let mut client = Client::connect(nginx.addr());
    client.get("/204");
    assert_eq!(client.read_response().status, 204);
    client.get("/");
    assert_eq!(
        client.read_response().body,
        b"ok\n",
        "no stray body bytes after the 204"
    );
}

#[test]
fn close_answers_then_closes() {
    let nginx = Nginx::start();
    let mut client = Client::connect(nginx.addr());
    client.get("/close");
    let response = client.read_response();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("connection"), Some("close"));
    assert_eq!(response.body, b"ok\n");
    assert_eq!(client.read_until_fin(), b"");
}

#[test]
fn redirect_points_at_root() {
    let nginx = Nginx::start();
    let mut client = Client::connect(nginx.addr());
    client.get("/redirect");
    let response = client.read_response();
    assert_eq!(response.status, 302);
    assert_eq!(response.header("location"), Some("/"));
}

#[test]
fn other_paths_are_not_found() {
    let nginx = Nginx::start();
    let mut client = Client::connect(nginx.addr());
    client.get("/missing");
    assert_eq!(client.read_response().status, 404);
}

#[test]
#[should_panic(
    expected = "nginx not found at /nonexistent/nginx (install Debian's nginx-light or set HORDE_NGINX)"
)]
fn a_missing_binary_says_how_to_install_it() {
    Nginx::start_with(Path::new("/nonexistent/nginx"));
}
