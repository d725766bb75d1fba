//! Reading requests off a fault-server connection: the head (parsed with httparse), then a
//! Content-Length body, leaving pipelined bytes in the buffer for the next request. It never
//! writes; what to answer is the caller's business.

use std::io::{ErrorKind, Read};
use std::net::TcpStream;

use super::Shared;

/// Largest request head accepted; a longer one is refused with [`HEAD_TOO_LARGE`].
const MAX_HEAD: usize = 64 * 1024;

/// The answer to a head httparse rejects or a `Content-Length` that is not a number.
const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// The answer to a request body framed with Transfer-Encoding, which this server does not read.
const NOT_IMPLEMENTED: &[u8] =
    b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// The answer to a head longer than [`MAX_HEAD`].
const HEAD_TOO_LARGE: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\n\
    Content-Length: 0\r\nConnection: close\r\n\r\n";

/// What arrived on the connection.
pub(super) enum Incoming {
    /// A complete head, already removed from the buffer; `body_len` bytes of body follow.
    Head { body_len: usize },
    /// The client closed or failed, or the server was dropped.
    Gone,
    /// A request this server will not serve: write these bytes, then close.
    Refuse(&'static [u8]),
}

/// Reads until `buffer` starts with a complete request head, then removes the head.
pub(super) fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>, shared: &Shared) -> Incoming {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(buffer) {
            Ok(httparse::Status::Complete(head_len)) => {
                let body_len = match body_length(request.headers) {
                    Ok(body_len) => body_len,
                    Err(refusal) => return Incoming::Refuse(refusal),
                };
                buffer.drain(..head_len);
                return Incoming::Head { body_len };
            }
            Ok(httparse::Status::Partial) if buffer.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) => return Incoming::Refuse(HEAD_TOO_LARGE),
            Err(_) => return Incoming::Refuse(BAD_REQUEST),
        }
        if !fill(stream, buffer, shared) {
            return Incoming::Gone;
        }
    }
}

/// Discards `remaining` body bytes, from the buffer first; false if the client went away.
pub(super) fn skip_body(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    mut remaining: usize,
    shared: &Shared,
) -> bool {
    loop {
        let buffered = remaining.min(buffer.len());
        buffer.drain(..buffered);
        remaining -= buffered;
        if remaining == 0 {
            return true;
        }
        if !fill(stream, buffer, shared) {
            return false;
        }
    }
}

/// The request body length: Content-Length, or zero without one (RFC 9112 §6.3).
fn body_length(headers: &[httparse::Header]) -> Result<usize, &'static [u8]> {
    let mut length = 0;
    for header in headers {
        if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(NOT_IMPLEMENTED);
        }
        if header.name.eq_ignore_ascii_case("content-length") {
            length = std::str::from_utf8(header.value)
                .ok()
                .and_then(|value| value.trim().parse().ok())
                .ok_or(BAD_REQUEST)?;
        }
    }
    Ok(length)
}

/// Appends whatever the client sends next; false on EOF, an I/O error, or the server stopping.
/// The socket has a short read timeout so that a silent client cannot keep this thread past the
/// server's drop.
fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>, shared: &Shared) -> bool {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return false,
            Ok(read) => {
                buffer.extend_from_slice(&chunk[..read]);
                return true;
            }
            Err(error) if is_timeout(error.kind()) => {
                if shared.stopped() {
                    return false;
                }
            }
            Err(_) => return false,
        }
    }
}

/// A read that only timed out (or was interrupted) and may be retried.
pub(super) fn is_timeout(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}
