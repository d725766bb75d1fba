//! Proves that the test servers in `support` behave as their docs say, using nothing but a
//! blocking `std::net::TcpStream` as the client, so that a failing engine test can be blamed on
//! the engine rather than on its test servers.

mod client;
mod fault_server;
mod nginx;
mod site;
