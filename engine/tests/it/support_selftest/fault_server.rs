//! Each `Behaviour` of the fault server, and its shutdown, checked byte for byte.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use super::client::{Client, TIMEOUT};
use crate::support::fault_server::{
    CONNECTION_CLOSE, GARBAGE_STATUS_LINE, OK_RESPONSE, RESET_MID_BODY_HEAD,
    RESET_MID_BODY_PARTIAL, TRUNCATED_CHUNKED,
};
use crate::support::{Behaviour, FaultServer};

fn ok(body: &[u8]) -> Behaviour {
    Behaviour::Ok {
        status: 200,
        body: body.to_vec(),
    }
}

#[test]
fn ok_serves_many_requests_on_one_connection() {
    let server = FaultServer::start(Behaviour::Ok {
        status: 201,
        body: b"hello".to_vec(),
    });
    let mut client = Client::connect(server.addr());
    let expected = b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello";
    for _ in 0..3 {
        client.get("/");
        assert_eq!(client.read_bytes(expected.len()), expected);
    }
    client.assert_idle();
    assert_eq!((server.requests(), server.connections()), (3, 1));
}

#[test]
fn ok_reads_bodies_and_pipelined_requests() {
    let server = FaultServer::start(ok(b"ok"));
    let mut client = Client::connect(server.addr());
    client.send(b"POST /upload HTTP/1.1\r\nHost: selftest\r\nContent-Length: 10\r\n\r\n01234");
    thread::sleep(Duration::from_millis(50));
    client.send(b"56789GET /next HTTP/1.1\r\nHost: selftest\r\n\r\n");
    assert_eq!(
        client.read_bytes(2 * OK_RESPONSE.len()),
        [OK_RESPONSE, OK_RESPONSE].concat()
    );
    client.assert_idle();
    assert_eq!(server.requests(), 2);
}

#[test]
fn ok_without_a_body_status_sends_no_content_length() {
    let server = FaultServer::start(Behaviour::Ok {
        status: 204,
        body: Vec::new(),
    });
    let mut client = Client::connect(server.addr());
    client.get("/");
    assert_eq!(client.read_bytes(27), b"HTTP/1.1 204 No Content\r\n\r\n");
    client.assert_idle();
}

#[test]
#[should_panic(expected = "status 204 cannot carry a body")]
fn ok_rejects_a_body_on_204() {
    FaultServer::start(Behaviour::Ok {
        status: 204,
        body: b"x".to_vec(),
    });
}

#[test]
fn raw_repeats_its_bytes_and_keeps_the_connection() {
    let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        2\r\nok\r\n0\r\nX-Trailer: 1\r\n\r\n";
    let server = FaultServer::start(Behaviour::Raw(raw.to_vec()));
    let mut client = Client::connect(server.addr());
    for _ in 0..2 {
        client.get("/");
        assert_eq!(client.read_bytes(raw.len()), raw);
    }
    client.assert_idle();
}

#[test]
fn raw_then_close_closes_after_its_bytes() {
    let raw = b"HTTP/1.1 200 OK\r\n\r\nthe body ends at the close";
    let server = FaultServer::start(Behaviour::RawThenClose(raw.to_vec()));
    let mut client = Client::connect(server.addr());
    client.get("/");
    assert_eq!(client.read_until_fin(), raw);
}

#[test]
fn reset_mid_body_resets_after_a_partial_body() {
    let server = FaultServer::start(Behaviour::ResetMidBody);
    let mut client = Client::connect(server.addr());
    client.get("/");
    let (bytes, ending) = client.read_to_close();
    let error = ending.expect_err("a reset, not a clean close");
    assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{error}");
    // The client normally reads the head and all 100 bytes first; a prefix is all that is sure.
    let sent = [RESET_MID_BODY_HEAD, &RESET_MID_BODY_PARTIAL].concat();
    assert!(
        sent.starts_with(&bytes),
        "received {:?}",
        String::from_utf8_lossy(&bytes)
    );
}

#[test]
fn close_without_response_closes_without_a_byte() {
    let server = FaultServer::start(Behaviour::CloseWithoutResponse);
    let mut client = Client::connect(server.addr());
    client.get("/");
    assert_eq!(client.read_until_fin(), b"");
    assert_eq!(server.requests(), 1);
}

#[test]
fn stall_delays_without_holding_up_other_connections() {
    let stall = Duration::from_millis(500);
    let server = FaultServer::start(Behaviour::Stall(stall));
    let started = Instant::now();
    thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                let mut client = Client::connect(server.addr());
                client.get("/");
                assert_eq!(client.read_bytes(OK_RESPONSE.len()), OK_RESPONSE);
                assert!(started.elapsed() >= stall);
            });
        }
    });
    // One after the other, eight stalls would take 4 s.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn garbage_status_line_is_sent_as_is() {
    let server = FaultServer::start(Behaviour::GarbageStatusLine);
    let mut client = Client::connect(server.addr());
    client.get("/");
    assert_eq!(
        client.read_bytes(GARBAGE_STATUS_LINE.len()),
        GARBAGE_STATUS_LINE
    );
    assert!(GARBAGE_STATUS_LINE.starts_with(b"HTXP/1.1 200 OK\r\n"));
    client.assert_idle();
}

#[test]
fn truncated_chunked_closes_inside_the_second_chunk() {
    let server = FaultServer::start(Behaviour::TruncatedChunked);
    let mut client = Client::connect(server.addr());
    client.get("/");
    assert_eq!(client.read_until_fin(), TRUNCATED_CHUNKED);
}

#[test]
fn connection_close_closes_after_each_response() {
    let server = FaultServer::start(Behaviour::ConnectionClose);
    for _ in 0..2 {
        let mut client = Client::connect(server.addr());
        client.get("/");
        assert_eq!(client.read_until_fin(), CONNECTION_CLOSE);
    }
    assert_eq!((server.requests(), server.connections()), (2, 2));
}

#[test]
fn cycle_stall_holds_only_requests_in_the_stalled_tail() {
    let (period, stall) = (Duration::from_millis(300), Duration::from_millis(150));
    let server = FaultServer::start(Behaviour::CycleStall { period, stall });
    let mut client = Client::connect(server.addr());
    let (mut fast, mut slow) = (0, 0);
    let started = Instant::now();
    while started.elapsed() < 3 * period {
        let sent = Instant::now();
        client.get("/");
        assert_eq!(client.read_bytes(OK_RESPONSE.len()), OK_RESPONSE);
        let latency = sent.elapsed();
        assert!(latency < stall + Duration::from_secs(1), "held {latency:?}");
        if latency > stall / 2 {
            slow += 1;
        } else {
            fast += 1;
        }
    }
    // One request after another: the first in each stalled tail waits out the tail, the rest of
    // each cycle is answered at once.
    assert!((1..=6).contains(&slow), "{slow} slow requests");
    assert!(fast >= 3, "{fast} fast requests");
}

#[test]
fn cycle_stall_serves_200_connections_at_once() {
    let (period, stall) = (Duration::from_millis(200), Duration::from_millis(100));
    let server = FaultServer::start(Behaviour::CycleStall { period, stall });
    let mut clients: Vec<Client> = (0..200).map(|_| Client::connect(server.addr())).collect();
    for _ in 0..2 {
        clients.iter_mut().for_each(|client| client.get("/"));
        for client in &mut clients {
            assert_eq!(client.read_bytes(OK_RESPONSE.len()), OK_RESPONSE);
        }
    }
    assert_eq!((server.requests(), server.connections()), (400, 200));
}

#[test]
fn every_nth_request_gets_the_fault() {
    let server = FaultServer::start(Behaviour::Every {
        n: 3,
        fault: Box::new(Behaviour::CloseWithoutResponse),
        otherwise: Box::new(ok(b"ok")),
    });
    for _ in 0..2 {
        let mut client = Client::connect(server.addr());
        for _ in 0..2 {
            client.get("/");
            assert_eq!(client.read_bytes(OK_RESPONSE.len()), OK_RESPONSE);
        }
        client.get("/");
        assert_eq!(
            client.read_until_fin(),
            b"",
            "request 3 and 6 are closed unanswered"
        );
    }
    assert_eq!((server.requests(), server.connections()), (6, 2));
}

#[test]
fn trickle_sends_one_byte_at_a_time_and_keeps_the_connection() {
    let interval = Duration::from_millis(20);
    let server = FaultServer::start(Behaviour::Trickle {
        bytes: OK_RESPONSE.to_vec(),
        interval,
    });
    let mut client = Client::connect(server.addr());
    let started = Instant::now();
    client.get("/");
    assert_eq!(client.read_bytes(OK_RESPONSE.len()), OK_RESPONSE);
    // The last byte leaves after all the others' intervals.
    assert!(started.elapsed() >= interval * (OK_RESPONSE.len() as u32 - 1));
    client.assert_idle();
}

#[test]
fn raw_then_reset_resets_after_its_bytes() {
    let server = FaultServer::start(Behaviour::RawThenReset(OK_RESPONSE.to_vec()));
    let mut client = Client::connect(server.addr());
    client.get("/");
    let (bytes, ending) = client.read_to_close();
    let error = ending.expect_err("a reset, not a clean close");
    assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{error}");
    assert!(OK_RESPONSE.starts_with(&bytes));
}

#[test]
fn answer_before_body_answers_the_head_alone_then_lingers_or_resets() {
    let head = b"POST / HTTP/1.1\r\nHost: selftest\r\nContent-Length: 100000\r\n\r\n";
    for linger in [true, false] {
        let server = FaultServer::start(Behaviour::AnswerBeforeBody {
            bytes: CONNECTION_CLOSE.to_vec(),
            linger,
        });
        let mut client = Client::connect(server.addr());
        client.send(head);
        assert_eq!(client.read_bytes(CONNECTION_CLOSE.len()), CONNECTION_CLOSE);
        // Lingering, it takes the body and closes cleanly; otherwise it resets.
        client.send(&[b'x'; 1000]);
        let (bytes, ending) = client.read_to_close();
        assert_eq!(bytes, b"");
        match ending {
            Ok(()) => assert!(linger, "a clean close without linger"),
            Err(error) => {
                assert!(!linger, "{error}");
                assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{error}");
            }
        }
        assert_eq!(server.requests(), 1);
    }
}

#[test]
fn deaf_reads_and_answers_nothing() {
    let server = FaultServer::start(Behaviour::Deaf);
    let mut client = Client::connect(server.addr());
    client.get("/");
    client.assert_idle();
    assert_eq!((server.requests(), server.connections()), (0, 1));
}

#[test]
fn reset_on_first_bytes_resets_once_the_client_speaks() {
    let server = FaultServer::start(Behaviour::ResetOnFirstBytes);
    let mut client = Client::connect(server.addr());
    client.assert_idle();
    client.send(b"\x16\x03\x01");
    let (bytes, ending) = client.read_to_close();
    assert_eq!(bytes, b"");
    let error = ending.expect_err("a reset, not a clean close");
    assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{error}");
}

#[test]
#[should_panic(expected = "not inside Every")]
fn every_rejects_behaviours_of_whole_connections() {
    FaultServer::start(Behaviour::Every {
        n: 2,
        fault: Box::new(Behaviour::Deaf),
        otherwise: Box::new(ok(b"ok")),
    });
}

#[test]
fn unreadable_requests_are_refused_and_not_counted() {
    let server = FaultServer::start(ok(b"ok"));
    let huge_head = format!(
        "GET / HTTP/1.1\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(70_000)
    );
    let refusals: [(&[u8], &[u8]); 3] = [
        (b"NOT HTTP AT ALL\r\n\r\n", b"HTTP/1.1 400 Bad Request\r\n"),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"HTTP/1.1 501 Not Implemented\r\n",
        ),
        (
            huge_head.as_bytes(),
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        ),
    ];
    for (request, status_line) in refusals {
        let mut client = Client::connect(server.addr());
        client.send(request);
        let response = client.read_until_fin();
        assert!(
            response.starts_with(status_line),
            "{}",
            String::from_utf8_lossy(&response)
        );
    }
    assert_eq!(server.requests(), 0);
}

#[test]
fn drop_stops_accepting_and_hangs_up_stalled_connections() {
    let server = FaultServer::start(Behaviour::Stall(Duration::from_secs(60)));
    let addr = server.addr();
    let mut client = Client::connect(addr);
    client.get("/");
    let waiting = Instant::now();
    while server.requests() == 0 && waiting.elapsed() < TIMEOUT {
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.requests(), 1, "the request reached the stall");
    let dropping = Instant::now();
    drop(server);
    assert!(
        dropping.elapsed() < TIMEOUT,
        "drop took {:?}",
        dropping.elapsed()
    );
    assert_eq!(
        client.read_to_close().0,
        b"",
        "the stalled request is never answered"
    );
    let refused = TcpStream::connect_timeout(&addr, TIMEOUT).expect_err("no longer listening");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn url_and_addr_name_the_listener() {
    let server = FaultServer::start(ok(b""));
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    assert_eq!(
        server.url("/a?b=c"),
        format!("http://127.0.0.1:{}/a?b=c", addr.port())
    );
    assert_eq!(
        server.url("a"),
        format!("http://127.0.0.1:{}/a", addr.port())
    );
}
