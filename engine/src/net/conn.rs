//! `Conn`: one TCP connection's kernel-facing state — its fd, its receive buffer and the msghdr
//! the ring writes into — kept at a stable address while operations are in flight.
//!
//! The receive buffer holds unconsumed received bytes at `[start, end)`; the ring writes after
//! `end`. It is only resized or compacted when no receive is in flight. On an HTTPS connection
//! those bytes are ciphertext: `decrypt` moves them through the TLS session, and `data` is the
//! plaintext either way.

use super::tls::TlsConn;
use crate::clock::RealtimeOffset;
use crate::metrics::Failure;

/// Space for one SCM_TIMESTAMPNS control message (and some slack for others).
const CONTROL_BYTES: usize = 64;

/// Initial receive buffer size; it grows for larger heads and shrinks back never (per connection).
pub const RX_INITIAL: usize = 16 * 1024;

struct RecvSlot {
    msg: libc::msghdr,
    iov: libc::iovec,
    control: [u8; CONTROL_BYTES],
    /// The address being connected to: the ring reads it while the connect is in flight.
    peer: socket2::SockAddr,
}

/// A connection's socket and buffers.
pub struct Conn {
    /// The socket, or -1 when closed.
    pub fd: i32,
    rx: Vec<u8>,
    start: usize,
    end: usize,
    slot: Box<RecvSlot>,
    /// The TLS session, on an HTTPS connection.
    pub tls: Option<Box<TlsConn>>,
    /// Exchanges completed on this connection. It travels with the connection (a pooled one is
    /// lent from VU to VU): a failure before any byte on a connection that has served before is
    /// a keep-alive the server closed while it was idle.
    pub exchanges: u64,
}

impl Default for Conn {
    fn default() -> Self {
        Self::new()
    }
}

impl Conn {
    /// A closed connection with no buffer yet.
    pub fn new() -> Self {
        // SAFETY: msghdr and iovec are plain C structs for which all-zero is a valid value.
        let slot = Box::new(RecvSlot {
            msg: unsafe { std::mem::zeroed() },
            iov: unsafe { std::mem::zeroed() },
            control: [0; CONTROL_BYTES],
            peer: socket2::SockAddr::from(std::net::SocketAddr::from(([0, 0, 0, 0], 0))),
        });
        Self {
            fd: -1,
            rx: Vec::new(),
            start: 0,
            end: 0,
            slot,
            tls: None,
            exchanges: 0,
        }
    }

    /// Keeps a copy of the address to connect to where it cannot move, and returns the pointer
    /// and length to hand to the ring.
    pub fn set_peer(&mut self, addr: &socket2::SockAddr) -> (*const libc::sockaddr, u32) {
        self.slot.peer = addr.clone();
        (self.slot.peer.as_ptr().cast(), self.slot.peer.len())
    }

    /// Whether a socket is open.
    pub fn is_open(&self) -> bool {
        self.fd >= 0
    }

    /// Unconsumed received bytes.
    pub fn pending(&self) -> &[u8] {
        &self.rx[self.start..self.end]
    }

    /// Marks `n` pending bytes consumed.
    pub fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Received application bytes not yet consumed: the plaintext on an HTTPS connection.
    pub fn data(&self) -> &[u8] {
        match &self.tls {
            Some(tls) => tls.plaintext(),
            None => self.pending(),
        }
    }

    /// Marks `n` bytes of `data` consumed.
    pub fn consume_data(&mut self, n: usize) {
        match &mut self.tls {
            Some(tls) => tls.consume(n),
            None => self.consume(n),
        }
    }

    /// On an HTTPS connection, feeds the received ciphertext to the TLS session (all of it), so
    /// that `data` holds what it decrypted. Does nothing on a plain connection.
    pub fn decrypt(&mut self) -> Result<(), Failure> {
        let Some(tls) = &mut self.tls else {
            return Ok(());
        };
        let result = tls.feed(&self.rx[self.start..self.end]);
        self.start = 0;
        self.end = 0;
        result
    }

    /// Drops any pending bytes.
    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Prepares the msghdr for a receive into the free tail of the buffer, compacting or growing
    /// first when the tail is small, and returns the pointer to hand to the ring. `max` bounds
    /// growth (the largest head allowed).
    pub fn prepare_recv(&mut self, max: usize) -> *mut libc::msghdr {
        if self.rx.is_empty() {
            self.rx = vec![0; RX_INITIAL];
        }
        if self.start > 0 && (self.end == self.rx.len() || self.start >= self.rx.len() / 2) {
            self.rx.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.rx.len() {
            let grown = (self.rx.len() * 2).min(max.max(RX_INITIAL) + RX_INITIAL);
            if grown > self.rx.len() {
                self.rx.resize(grown, 0);
            }
        }
        let slot = &mut *self.slot;
        // SAFETY: `end <= len`, so the pointer stays inside (or one past) the allocation.
        slot.iov.iov_base = unsafe { self.rx.as_mut_ptr().add(self.end) }.cast();
        slot.iov.iov_len = self.rx.len() - self.end;
        slot.msg.msg_iov = &mut slot.iov;
        slot.msg.msg_iovlen = 1;
        slot.msg.msg_control = slot.control.as_mut_ptr().cast();
        slot.msg.msg_controllen = CONTROL_BYTES as _;
        slot.msg.msg_flags = 0;
        &mut slot.msg
    }

    /// Accounts for `n` bytes the ring wrote, and returns the kernel's receive timestamp of the
    /// last segment read, on the monotonic clock, if the kernel gave one.
    pub fn received(&mut self, n: usize, offset: &RealtimeOffset) -> Option<u64> {
        self.end = (self.end + n).min(self.rx.len());
        let msg = &self.slot.msg;
        // SAFETY: the kernel filled `msg_control`/`msg_controllen` for this receive; the CMSG
        // macros walk only within `msg_controllen`.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(msg);
            while !cmsg.is_null() {
                let header = &*cmsg;
                if header.cmsg_level == libc::SOL_SOCKET && header.cmsg_type == libc::SO_TIMESTAMPNS
                {
                    let ts =
                        std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::timespec>());
                    return Some(offset.to_monotonic(&ts));
                }
                cmsg = libc::CMSG_NXTHDR(msg, cmsg);
            }
        }
        None
    }

    /// Closes the socket (if open), ends its TLS session and forgets pending bytes; the buffer is
    /// kept for reuse.
    pub fn close(&mut self) {
        if self.fd >= 0 {
            super::socket::close(self.fd);
            self.fd = -1;
        }
        self.tls = None;
        self.exchanges = 0;
        self.clear();
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_compacts_and_grows() {
        let mut c = Conn::new();
        c.prepare_recv(64 * 1024);
        c.end = RX_INITIAL; // pretend the kernel filled it
        c.consume(RX_INITIAL - 10);
        c.prepare_recv(64 * 1024);
        assert_eq!(c.pending().len(), 10);
        assert_eq!(c.start, 0);
        c.end = c.rx.len();
        c.prepare_recv(64 * 1024);
        assert!(c.rx.len() > RX_INITIAL);
    }
}
