//! A request's bytes on their way out: the jar's cookies attached, and the head sent alone when
//! the body waits for `Expect: 100-continue`.

use super::{cookies, Client, Session, Turn};
use crate::plan::HttpCall;

/// The bytes of the current hop's request: the call's, or the session's own (`tx`) once
/// rendered, given cookies or redirected.
fn bytes_of<'a>(call: &'a HttpCall, own_bytes: bool, tx: &'a [u8]) -> &'a [u8] {
    if own_bytes {
        tx
    } else {
        &call.bytes
    }
}

impl Client {
    /// The bytes of the current hop's request.
    pub(super) fn request_bytes<'a>(&self, s: &'a Session, call: &'a HttpCall) -> &'a [u8] {
        bytes_of(call, s.exchange.own_bytes, &s.tx)
    }

    /// Sends the current hop's request (only its head when the body waits for a 100 Continue).
    pub(super) fn send_request(&mut self, s: &mut Session, call: &HttpCall, turn: &mut Turn<'_>) {
        // `tx` is moved out and back so the bytes can be borrowed meanwhile; its heap buffer
        // (what the ring reads) does not move.
        let tx = std::mem::take(&mut s.tx);
        let bytes = bytes_of(call, s.exchange.own_bytes, &tx);
        let head = head_len(bytes);
        if call.expect_continue && head < bytes.len() {
            // The head goes alone; the body follows on `100 Continue` or after the expect timeout.
            s.exchange.body_held = true;
            let wait = self.settings.expect_continue_timeout_ns;
            self.transmit(s, &bytes[..head], wait.min(call.timeout_ns), turn);
        } else {
            self.transmit(s, bytes, call.timeout_ns, turn);
        }
        s.tx = tx;
    }

    /// Sends the body held back for `Expect: 100-continue` and gives the exchange its full
    /// timeout.
    pub(super) fn release_body(&mut self, s: &mut Session, call: &HttpCall, turn: &mut Turn<'_>) {
        s.exchange.body_held = false;
        let tx = std::mem::take(&mut s.tx);
        let bytes = bytes_of(call, s.exchange.own_bytes, &tx);
        self.transmit_body(s, &bytes[head_len(bytes)..], turn);
        s.tx = tx;
        let sent = if s.exchange.sent_ns > 0 {
            s.exchange.sent_ns
        } else {
            turn.now_ns
        };
        self.inflight
            .arm(s.slot, sent + call.timeout_ns, s.exchange.urgent);
    }

    /// Adds the jar's cookies for the current hop's URL to its request, if the jar has any.
    pub(super) fn attach_cookies(&self, s: &mut Session, call: &HttpCall) {
        if !cookies::any(s.jar.as_deref()) {
            return;
        }
        let origin = self.origins.get(s.exchange.target);
        let Some(value) = cookies::request_url(origin, self.request_bytes(s, call))
            .and_then(|url| cookies::header_value(s.jar.as_deref()?, &url))
        else {
            return;
        };
        let mut out = std::mem::take(&mut s.scratch);
        cookies::with_cookies(self.request_bytes(s, call), &value, &mut out);
        s.scratch = std::mem::replace(&mut s.tx, out);
        s.exchange.own_bytes = true;
    }
}

fn head_len(request: &[u8]) -> usize {
    memchr::memmem::find(request, b"\r\n\r\n").map_or(request.len(), |i| i + 4)
}
