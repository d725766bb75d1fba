//! A request's bytes on their way out: the jar's cookies attached, and the head sent alone when
//! the body waits for `Expect: 100-continue`.

use super::exchange::Io;
use super::{cookies, transport, Vu};
use crate::plan::compile::ns;
use crate::plan::request::Encoding;
use crate::plan::CompiledRequest;

/// The bytes of the current hop's request: the plan's, or the VU's own (`tx`) once rendered,
/// given cookies or redirected.
fn bytes_of<'a>(request: &'a CompiledRequest, own_bytes: bool, tx: &'a [u8]) -> &'a [u8] {
    match (&request.encoding, own_bytes) {
        (Encoding::Static(b), false) => b,
        _ => tx,
    }
}

/// The bytes of the current hop's request.
pub(super) fn request_bytes<'a>(vu: &'a Vu, request: &'a CompiledRequest) -> &'a [u8] {
    bytes_of(request, vu.x.own_bytes, &vu.tx)
}

/// Lends the VU mutably together with the current hop's request bytes. `tx` is moved out and
/// back so the bytes can be borrowed meanwhile; its heap buffer (what the ring reads) does not
/// move.
fn with_request_bytes<R>(
    vu: &mut Vu,
    request: &CompiledRequest,
    f: impl FnOnce(&mut Vu, &[u8]) -> R,
) -> R {
    let tx = std::mem::take(&mut vu.tx);
    let r = f(vu, bytes_of(request, vu.x.own_bytes, &tx));
    vu.tx = tx;
    r
}

/// Sends the current hop's request (only its head when the body waits for a 100 Continue).
pub(super) fn send_request(vu: &mut Vu, request: &CompiledRequest, io: &mut Io<'_>) {
    with_request_bytes(vu, request, |vu, bytes| {
        let head = head_len(bytes);
        if request.expect_continue && head < bytes.len() {
            // The head goes alone; the body follows on `100 Continue` or after the expect timeout.
            vu.x.body_held = true;
            let wait = ns(io.plan.plan.options.http.expect_continue_timeout_s);
            transport::send(vu, &bytes[..head], wait.min(request.timeout_ns), io);
        } else {
            transport::send(vu, bytes, request.timeout_ns, io);
        }
    });
}

fn head_len(request: &[u8]) -> usize {
    memchr::memmem::find(request, b"\r\n\r\n").map_or(request.len(), |i| i + 4)
}

/// Sends the body held back for `Expect: 100-continue` and gives the exchange its full timeout.
pub(super) fn release_body(vu: &mut Vu, request: &CompiledRequest, io: &mut Io<'_>) {
    vu.x.body_held = false;
    with_request_bytes(vu, request, |vu, bytes| {
        transport::send_body(vu, &bytes[head_len(bytes)..], io);
    });
    let sent = if vu.x.sent_ns > 0 {
        vu.x.sent_ns
    } else {
        io.now_ns
    };
    io.inflight
        .arm(vu.slot, sent + request.timeout_ns, vu.x.urgent);
}

/// Adds the jar's cookies for the current hop's URL to its request, if the jar has any.
pub(super) fn attach_cookies(vu: &mut Vu, request: &CompiledRequest, io: &mut Io<'_>) {
    if !cookies::any(vu.jar.as_deref()) {
        return;
    }
    let origin = io.origins.get(vu.x.target);
    let Some(value) = cookies::request_url(origin, request_bytes(vu, request))
        .and_then(|url| cookies::header_value(vu.jar.as_deref()?, &url))
    else {
        return;
    };
    let mut out = std::mem::take(&mut vu.scratch);
    cookies::with_cookies(request_bytes(vu, request), &value, &mut out);
    vu.scratch = std::mem::replace(&mut vu.tx, out);
    vu.x.own_bytes = true;
}
