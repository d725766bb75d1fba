//! Real servers on 127.0.0.1 for the integration tests: a fault-injecting HTTP/1.1 server of our
//! own ([`FaultServer`], answering as a [`Behaviour`] says), a web site with routes, over HTTP or
//! HTTPS ([`Site`], answering by path and remembering what it was sent), the certificates for it
//! ([`Pki`]), and a throwaway nginx ([`Nginx`]).
//! Nothing here uses the engine, so these servers can be trusted to judge it;
//! `support_selftest` proves they behave as documented.

pub mod fault_server;
pub mod nginx;
pub mod pki;
pub mod plans;
pub mod site;

pub use fault_server::{Behaviour, FaultServer};
pub use nginx::Nginx;
pub use pki::{Identity, Pki};
pub use site::Site;
