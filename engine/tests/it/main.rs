//! The engine's one integration-test binary: every integration test is a module of it, so the
//! test servers in `support` are compiled once and the tests link the engine once.

mod cookies;
mod coordinated_omission;
mod faults;
mod faults_framing;
mod framing;
mod layering;
mod nginx;
mod pool;
mod redirects;
mod request_bytes;
mod stop;
mod support;
mod support_selftest;
mod tls;
