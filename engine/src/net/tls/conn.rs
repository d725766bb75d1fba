//! One connection's TLS session as a byte pump between the ring's buffers and the HTTP parser.

use std::io::{self, BufRead};
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

use super::classify;
use crate::metrics::{ErrorClass, Failure};

/// One connection's TLS session and its buffers.
pub struct TlsConn {
    session: ClientConnection,
    plain: Vec<u8>,
    plain_start: usize,
    out: Vec<u8>,
    received_any: bool,
    /// The server sent close_notify: no more data will come.
    pub peer_closed: bool,
}

impl TlsConn {
    /// Starts a client session (the ClientHello is queued; `flush` writes it out).
    pub fn new(config: Arc<ClientConfig>, name: ServerName<'static>) -> Result<TlsConn, Failure> {
        let session = ClientConnection::new(config, name).map_err(|e| classify(&e, true))?;
        Ok(TlsConn {
            session,
            plain: Vec::new(),
            plain_start: 0,
            out: Vec::new(),
            received_any: false,
            peer_closed: false,
        })
    }

    /// Whether the handshake is still going on.
    pub fn is_handshaking(&self) -> bool {
        self.session.is_handshaking()
    }

    /// Whether the session has bytes to send.
    pub fn wants_write(&self) -> bool {
        self.session.wants_write()
    }

    /// Whether the handshake resumed an earlier session.
    pub fn resumed(&self) -> bool {
        self.session.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    /// Encrypts a request for sending (call `flush` next).
    pub fn write(&mut self, plaintext: &[u8]) {
        // The session buffers plaintext without limit by default, so this cannot fail.
        let _ = io::Write::write_all(&mut self.session.writer(), plaintext);
    }

    /// Moves everything the session wants to send into the send buffer and returns it. The buffer
    /// is only touched again by the next `flush`, after the ring's send has completed.
    pub fn flush(&mut self) -> &[u8] {
        self.out.clear();
        while self.session.wants_write() {
            // Writing into a Vec cannot fail.
            if self.session.write_tls(&mut self.out).is_err() {
                break;
            }
        }
        &self.out
    }

    /// Feeds received ciphertext (all of it is consumed) and collects the plaintext it carried.
    pub fn feed(&mut self, mut ciphertext: &[u8]) -> Result<(), Failure> {
        if !self.received_any && !ciphertext.is_empty() {
            self.received_any = true;
            // A TLS record starts with a content type 20..=24; "HTTP/1.1 400" does not.
            if !(20..=24).contains(&ciphertext[0]) {
                return Err(Failure::new(
                    ErrorClass::TlsNotTls,
                    "the server answered without TLS (a plain HTTP port?)",
                ));
            }
        }
        let handshaking = self.session.is_handshaking();
        while !ciphertext.is_empty() {
            // read_tls refuses more when the session's buffers are full: process what it has,
            // drain the plaintext, and it takes more. Twice in a row means it never will.
            if self.session.read_tls(&mut ciphertext).is_err() {
                self.process(handshaking)?;
                if self.session.read_tls(&mut ciphertext).is_err() {
                    return Err(Failure::new(
                        ErrorClass::TlsProtocolError,
                        "the TLS session would not take more data",
                    ));
                }
            }
            self.process(handshaking)?;
        }
        Ok(())
    }

    fn process(&mut self, handshaking: bool) -> Result<(), Failure> {
        let state = self
            .session
            .process_new_packets()
            .map_err(|e| classify(&e, handshaking))?;
        if state.peer_has_closed() {
            self.peer_closed = true;
        }
        self.drain_plaintext()
    }

    /// Moves the session's decrypted bytes to `plain`, chunk by chunk, without zero-filling.
    fn drain_plaintext(&mut self) -> Result<(), Failure> {
        let mut reader = self.session.reader();
        loop {
            match reader.fill_buf() {
                // A clean close_notify, after the last byte.
                Ok([]) => {
                    self.peer_closed = true;
                    return Ok(());
                }
                Ok(chunk) => {
                    let n = chunk.len();
                    self.plain.extend_from_slice(chunk);
                    reader.consume(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(_) => {
                    return Err(Failure::new(
                        ErrorClass::TlsProtocolError,
                        "the TLS stream ended without close_notify",
                    ))
                }
            }
        }
    }

    /// Decrypted bytes not yet consumed.
    pub fn plaintext(&self) -> &[u8] {
        &self.plain[self.plain_start..]
    }

    /// Marks `n` decrypted bytes consumed.
    pub fn consume(&mut self, n: usize) {
        self.plain_start += n;
        if self.plain_start == self.plain.len() {
            self.plain.clear();
            self.plain_start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::tls::TlsSetup;
    use crate::plan::{server_name, TlsSettings};

    #[test]
    fn plain_http_answer_is_not_tls() {
        let mut problems = crate::error::Problems::default();
        let settings = TlsSettings::compile(&Default::default(), &mut problems);
        let setup = TlsSetup::build(&settings).unwrap();
        let mut t = TlsConn::new(setup.for_worker(), server_name("localhost").unwrap()).unwrap();
        assert!(!t.flush().is_empty(), "a ClientHello to send");
        let e = t.feed(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap_err();
        assert_eq!(e.class, ErrorClass::TlsNotTls);
    }
}
