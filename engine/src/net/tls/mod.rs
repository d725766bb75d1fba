//! HTTPS over the ring: rustls as a byte pump.
//!
//! rustls never touches a socket here. Ciphertext the ring received is fed to the session, which
//! hands back plaintext for the HTTP parser; what the session wants to send (handshake flights,
//! encrypted requests) is written into a buffer that stays put until the ring's send completes.
//! The worker's event loop does the I/O exactly as for plain HTTP.
//!
//! `config` builds the client configuration once per run from the compiled plan, `conn` is one
//! connection's session and buffers, `classify` turns each TLS failure into its error class.

mod classify;
mod config;
mod conn;

pub use classify::classify;
pub use config::TlsSetup;
pub use conn::TlsConn;
