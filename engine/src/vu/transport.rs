//! The bytes of an exchange: opening a connection (an address, a socket, a TLS session), the TLS
//! handshake, sending a request, asking for more of the response.
//!
//! Buffers handed to the ring live in the VU's boxed connection, its TLS session or the plan, and
//! are not touched until the operation using them has completed (a linked receive completes only
//! after its send).

use std::sync::Arc;

use super::exchange::Io;
use super::{user_data, Op, Phase, Vu};
use crate::metrics::{ErrorClass, Failure};
use crate::net::socket;
use crate::net::tls::TlsConn;

/// Opens a new connection to origin `target` for the exchange in flight.
pub fn connect(vu: &mut Vu, target: usize, io: &mut Io<'_>) -> Result<(), Failure> {
    vu.conn.close();
    let addr = io.origins.pick(target, &mut vu.rng);
    let fd =
        socket::open(addr).map_err(|e| socket::connect_failure(e.raw_os_error().unwrap_or(0)))?;
    let (addr, len) = vu.conn.set_peer(addr);
    vu.conn.fd = fd;
    vu.conn_target = target;
    vu.conn_requests = 0;
    vu.generation = vu.generation.wrapping_add(1);
    vu.phase = Phase::Connecting;
    vu.x.connect_start_ns = io.now_ns;
    io.frame.generator.connections_opened += 1;
    // SAFETY: the address lives in the connection's boxed slot until the connect completes.
    unsafe {
        io.ring.connect(
            fd,
            addr,
            len,
            user_data(vu.slot, vu.generation, Op::Connect),
        )
    };
    io.inflight
        .arm(vu.slot, io.now_ns + io.plan.connect_timeout_ns, true);
    Ok(())
}

/// The TCP connection is up. For HTTPS, starts the TLS handshake and returns `true`; the caller
/// sends the request otherwise.
pub fn start_tls(vu: &mut Vu, io: &mut Io<'_>) -> Result<bool, Failure> {
    let origin = io.origins.get(vu.conn_target);
    let Some(name) = origin.server_name.clone() else {
        return Ok(false);
    };
    let config = match &vu.tls_config {
        Some(c) => c.clone(),
        None => match io.plan.tls.for_vu() {
            Some(c) => vu.tls_config.insert(c).clone(),
            None => Arc::clone(io.tls),
        },
    };
    vu.conn.tls = Some(Box::new(TlsConn::new(config, name)?));
    vu.phase = Phase::Handshaking;
    vu.x.tls_start_ns = io.now_ns;
    flush_and_read(vu, io);
    Ok(true)
}

/// A handshake flight arrived (already fed to the session). Returns `true` once the handshake is
/// done (the caller sends the request), or asks for the next flight.
pub fn continue_handshake(vu: &mut Vu, stamp: u64, io: &mut Io<'_>) -> bool {
    let Some(tls) = vu.conn.tls.as_deref() else {
        return true;
    };
    if !tls.is_handshaking() {
        vu.x.tls_ns = Some(stamp.saturating_sub(vu.x.tls_start_ns));
        let g = &mut io.frame.generator;
        g.tls_handshakes += 1;
        if tls.resumed() {
            g.tls_resumed += 1;
        }
        return true;
    }
    if tls.wants_write() {
        flush_and_read(vu, io);
    } else {
        read_more(vu, io);
    }
    false
}

/// Sends what the TLS session has queued, then reads.
fn flush_and_read(vu: &mut Vu, io: &mut Io<'_>) {
    let msg = vu.conn.prepare_recv(io.plan.limits.max_head_bytes);
    let Some(tls) = vu.conn.tls.as_deref_mut() else {
        return;
    };
    let out = tls.flush();
    io.frame.keys[vu.x.key].bytes_sent += out.len() as u64;
    // SAFETY: the send buffer lives in the boxed TLS session and is not flushed again before the
    // linked receive completes; the msghdr lives in the boxed connection.
    unsafe {
        io.ring.send_then_recv(
            vu.conn.fd,
            out.as_ptr(),
            out.len() as u32,
            msg,
            user_data(vu.slot, vu.generation, Op::Send),
            user_data(vu.slot, vu.generation, Op::Recv),
        );
    }
}

/// What goes on the wire for `bytes`: themselves, or their TLS records.
fn on_the_wire<'a>(tls: Option<&'a mut TlsConn>, bytes: &'a [u8]) -> &'a [u8] {
    match tls {
        Some(tls) => {
            tls.write(bytes);
            tls.flush()
        }
        None => bytes,
    }
}

/// Sends `bytes` (the request) and reads the response; arms the request's deadline.
pub fn send(vu: &mut Vu, bytes: &[u8], timeout_ns: u64, io: &mut Io<'_>) {
    vu.phase = Phase::Exchanging;
    // Bytes of a TLS handshake are not the response: its first byte is still to come.
    vu.x.received = 0;
    let msg = vu.conn.prepare_recv(io.plan.limits.max_head_bytes);
    let wire = on_the_wire(vu.conn.tls.as_deref_mut(), bytes);
    // SAFETY: `wire` is the plan's static bytes, the VU's `tx` (not touched until the exchange
    // ends) or the TLS session's send buffer (not flushed again before the linked receive
    // completes); the msghdr and receive buffer live in the boxed connection, neither moved nor
    // resized until the receive completes.
    unsafe {
        io.ring.send_then_recv(
            vu.conn.fd,
            wire.as_ptr(),
            wire.len() as u32,
            msg,
            user_data(vu.slot, vu.generation, Op::Send),
            user_data(vu.slot, vu.generation, Op::Recv),
        );
    }
    io.frame.keys[vu.x.key].bytes_sent += wire.len() as u64;
    io.to_stamp.push(vu.slot);
    io.inflight
        .arm(vu.slot, io.now_ns + timeout_ns, vu.x.urgent);
}

/// Sends a request body held back for `Expect: 100-continue`, while the receive goes on.
pub fn send_body(vu: &mut Vu, body: &[u8], io: &mut Io<'_>) {
    let wire = on_the_wire(vu.conn.tls.as_deref_mut(), body);
    // SAFETY: as in `send` (the head's send has completed: its linked receive did).
    unsafe {
        io.ring.send(
            vu.conn.fd,
            wire.as_ptr(),
            wire.len() as u32,
            user_data(vu.slot, vu.generation, Op::Send),
        )
    };
    io.frame.keys[vu.x.key].bytes_sent += wire.len() as u64;
}

/// Asks for more response bytes, promptly (the socket buffer must not fill). On HTTPS, first
/// sends anything the session must answer (a key update).
pub fn read_more(vu: &mut Vu, io: &mut Io<'_>) {
    if vu.conn.tls.as_deref().is_some_and(TlsConn::wants_write) {
        flush_and_read(vu, io);
    } else {
        let msg = vu.conn.prepare_recv(io.plan.limits.max_head_bytes);
        // SAFETY: as in `send`.
        unsafe {
            io.ring
                .recv(vu.conn.fd, msg, user_data(vu.slot, vu.generation, Op::Recv))
        };
    }
    io.inflight.set_urgent(vu.slot, true);
}

/// Accounts for `n` received bytes and decrypts them on HTTPS. Returns the kernel's receive
/// timestamp of the bytes.
pub fn received(vu: &mut Vu, n: usize, io: &mut Io<'_>) -> Result<u64, Failure> {
    let stamp = vu.conn.received(n, &io.offset).unwrap_or(io.now_ns);
    if vu.x.received == 0 {
        vu.x.first_rx_ns = stamp;
    }
    vu.x.last_rx_ns = stamp;
    vu.x.received += n as u64;
    io.frame.keys[vu.x.key].bytes_received += n as u64;
    vu.conn.decrypt()?;
    Ok(stamp)
}

/// Why a connection closed during the TLS handshake, or timed out in it.
pub fn handshake_cut(timed_out: bool) -> Failure {
    if timed_out {
        Failure::new(
            ErrorClass::ConnectTimeout,
            "TLS handshake not done within the connect timeout",
        )
    } else {
        Failure::new(
            ErrorClass::TlsHandshakeFailed,
            "the server closed the connection during the TLS handshake",
        )
    }
}
