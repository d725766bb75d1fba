//! Real servers on 127.0.0.1 for the integration tests: a fault-injecting HTTP/1.1 server of our
//! own ([`FaultServer`], answering as a [`Behaviour`] says) and a throwaway nginx ([`Nginx`]).
//! Nothing here uses the engine, so these servers can be trusted to judge it;
//! `support_selftest` proves they behave as documented.

pub mod fault_server;
pub mod nginx;
pub mod plans;

pub use fault_server::{Behaviour, FaultServer};
pub use nginx::Nginx;
