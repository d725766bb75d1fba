//! The bytes of an exchange: opening a connection (an address, a socket, a TLS session), the TLS
//! handshake, sending a request, asking for more of the response.
//!
//! Buffers handed to the ring live in the session's boxed connection, its TLS session, its `tx`
//! or the plan, and are not touched until the operation using them has completed (a linked
//! receive completes only after its send).

use std::sync::Arc;

use super::ops::{user_data, Op};
use super::session::State;
use super::{Client, Session, Turn};
use crate::metrics::Failure;
use crate::net::socket;
use crate::net::tls::TlsConn;

impl Client {
    /// Opens a new connection to origin `target` for the exchange in flight.
    pub(super) fn connect(
        &mut self,
        s: &mut Session,
        target: usize,
        turn: &mut Turn<'_>,
    ) -> Result<(), Failure> {
        s.conn.close();
        s.exchange.send_failure = None;
        let addr = self.origins.pick(target, &mut s.rng);
        let opened = turn.frame.generator.connections_opened;
        let source = socket::source_for(&self.settings.source_addresses, addr, opened);
        let fd = socket::open(addr, source)
            .map_err(|e| socket::connect_failure(e.raw_os_error().unwrap_or(0)))?;
        let (addr, len) = s.conn.set_peer(addr);
        s.conn.fd = fd;
        s.conn_target = target;
        s.generation = s.generation.wrapping_add(1);
        s.state = State::Connecting;
        s.exchange.connect_start_ns = turn.now_ns;
        turn.frame.generator.connections_opened += 1;
        // SAFETY: the address lives in the connection's boxed slot until the connect completes.
        unsafe {
            turn.ring
                .connect(fd, addr, len, user_data(s.slot, s.generation, Op::Connect))
        };
        self.inflight
            .arm(s.slot, turn.now_ns + self.settings.connect_timeout_ns, true);
        Ok(())
    }

    /// The TCP connection is up. For HTTPS, starts the TLS handshake and returns `true`; the
    /// caller sends the request otherwise.
    pub(super) fn start_tls(
        &mut self,
        s: &mut Session,
        turn: &mut Turn<'_>,
    ) -> Result<bool, Failure> {
        let origin = self.origins.get(s.conn_target);
        let Some(name) = origin.server_name.clone() else {
            return Ok(false);
        };
        let config = match &s.tls_config {
            Some(c) => c.clone(),
            None => match self.tls.for_vu() {
                Some(c) => s.tls_config.insert(c).clone(),
                None => Arc::clone(&self.worker_tls),
            },
        };
        s.conn.tls = Some(Box::new(TlsConn::new(config, name)?));
        s.state = State::Handshaking;
        s.exchange.tls_start_ns = turn.now_ns;
        self.flush_and_read(s, turn);
        Ok(true)
    }

    /// A handshake flight arrived (already fed to the session). Returns `true` once the
    /// handshake is done (the caller sends the request), or asks for the next flight.
    pub(super) fn continue_handshake(
        &mut self,
        s: &mut Session,
        stamp: u64,
        turn: &mut Turn<'_>,
    ) -> bool {
        let Some(tls) = s.conn.tls.as_deref() else {
            return true;
        };
        if !tls.is_handshaking() {
            s.exchange.tls_ns = Some(stamp.saturating_sub(s.exchange.tls_start_ns));
            let g = &mut turn.frame.generator;
            g.tls_handshakes += 1;
            if tls.resumed() {
                g.tls_resumed += 1;
            }
            return true;
        }
        if tls.wants_write() {
            self.flush_and_read(s, turn);
        } else {
            self.read_more(s, turn);
        }
        false
    }

    /// Sends what the TLS session has queued, then reads.
    fn flush_and_read(&mut self, s: &mut Session, turn: &mut Turn<'_>) {
        let msg = s.conn.prepare_recv(self.settings.limits.max_head_bytes);
        let Some(tls) = s.conn.tls.as_deref_mut() else {
            return;
        };
        let out = tls.flush();
        // SAFETY: the send buffer lives in the boxed TLS session and is not flushed again before
        // the linked receive completes; the msghdr lives in the boxed connection.
        unsafe {
            send_then_read(
                s.slot,
                s.generation,
                s.conn.fd,
                out,
                msg,
                s.exchange.key,
                turn,
            )
        };
    }

    /// Sends `bytes` (the request) and reads the response; arms the request's deadline.
    pub(super) fn transmit(
        &mut self,
        s: &mut Session,
        bytes: &[u8],
        timeout_ns: u64,
        turn: &mut Turn<'_>,
    ) {
        s.state = State::Exchanging;
        // Bytes of a TLS handshake are not the response: its first byte is still to come.
        s.exchange.received = 0;
        s.exchange.send_failure = None;
        let msg = s.conn.prepare_recv(self.settings.limits.max_head_bytes);
        let wire = on_the_wire(s.conn.tls.as_deref_mut(), bytes);
        self.queued_sends.push((s.slot, turn.ring.mark()));
        // SAFETY: `wire` is the plan's fixed bytes, the session's `tx` (not touched until the
        // exchange ends) or the TLS session's send buffer (not flushed again before the linked
        // receive completes); the msghdr and receive buffer live in the boxed connection, neither
        // moved nor resized until the receive completes.
        unsafe {
            send_then_read(
                s.slot,
                s.generation,
                s.conn.fd,
                wire,
                msg,
                s.exchange.key,
                turn,
            )
        };
        self.inflight
            .arm(s.slot, turn.now_ns + timeout_ns, s.exchange.urgent);
    }

    /// Sends a request body held back for `Expect: 100-continue`, while the receive goes on.
    pub(super) fn transmit_body(&mut self, s: &mut Session, body: &[u8], turn: &mut Turn<'_>) {
        let wire = on_the_wire(s.conn.tls.as_deref_mut(), body);
        // SAFETY: as in `transmit` (the head's send has completed: its linked receive did).
        unsafe {
            turn.ring.send(
                s.conn.fd,
                wire.as_ptr(),
                wire.len() as u32,
                user_data(s.slot, s.generation, Op::SendBody),
            )
        };
        turn.frame.keys[s.exchange.key].bytes_sent += wire.len() as u64;
    }

    /// Asks for more response bytes, promptly (the socket buffer must not fill). On HTTPS, first
    /// sends anything the session must answer (a key update).
    pub(super) fn read_more(&mut self, s: &mut Session, turn: &mut Turn<'_>) {
        if s.conn.tls.as_deref().is_some_and(TlsConn::wants_write) {
            self.flush_and_read(s, turn);
        } else {
            let msg = s.conn.prepare_recv(self.settings.limits.max_head_bytes);
            // SAFETY: as in `transmit`.
            unsafe {
                turn.ring
                    .recv(s.conn.fd, msg, user_data(s.slot, s.generation, Op::Recv))
            };
        }
        self.inflight.set_urgent(s.slot, true);
    }

    /// Accounts for `n` received bytes and decrypts them on HTTPS. Returns the kernel's receive
    /// timestamp of the bytes.
    pub(super) fn received(
        &mut self,
        s: &mut Session,
        n: usize,
        turn: &mut Turn<'_>,
    ) -> Result<u64, Failure> {
        let stamp = s.conn.received(n, &turn.offset).unwrap_or(turn.now_ns);
        if s.exchange.received == 0 {
            s.exchange.first_rx_ns = stamp;
        }
        s.exchange.last_rx_ns = stamp;
        s.exchange.received += n as u64;
        turn.frame.keys[s.exchange.key].bytes_received += n as u64;
        s.conn.decrypt()?;
        Ok(stamp)
    }
}

/// Queues `bytes` on the wire for connection `fd`, then a read into `msg`, and counts the bytes
/// sent under request key `key`.
///
/// # Safety
/// `bytes` and `msg` (and what it points to) must stay valid and unmoved until the read completes.
#[allow(clippy::too_many_arguments)]
unsafe fn send_then_read(
    slot: u32,
    generation: u32,
    fd: i32,
    bytes: &[u8],
    msg: *mut libc::msghdr,
    key: usize,
    turn: &mut Turn<'_>,
) {
    turn.ring.send_then_recv(
        fd,
        bytes.as_ptr(),
        bytes.len() as u32,
        msg,
        user_data(slot, generation, Op::Send),
        user_data(slot, generation, Op::Recv),
    );
    turn.frame.keys[key].bytes_sent += bytes.len() as u64;
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
