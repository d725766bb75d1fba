//! One virtual user: its connection, where it is in its journey, and the exchange in flight.
//! Knows nothing about executors or about other VUs; the worker calls it with what happened
//! (a completion, a timeout) and it says what it needs next.

pub mod exchange;
pub mod inflight;
pub mod interpreter;

use crate::http::{Limits, ResponseReader};
use crate::net::Conn;

/// Operations a VU has in flight, encoded in the ring's user data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// TCP connect.
    Connect = 1,
    /// Request send (posts a completion only on failure).
    Send = 2,
    /// Response receive.
    Recv = 3,
}

/// Packs a VU slot, its connection generation and an op into ring user data.
pub fn user_data(slot: u32, generation: u32, op: Op) -> u64 {
    (u64::from(slot) << 32) | (u64::from(generation & 0x00FF_FFFF) << 8) | op as u64
}

/// Unpacks ring user data: (slot, generation, op byte).
pub fn split_user_data(ud: u64) -> (u32, u32, u8) {
    (
        (ud >> 32) as u32,
        ((ud >> 8) & 0x00FF_FFFF) as u32,
        (ud & 0xFF) as u8,
    )
}

/// What a VU is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not in an iteration.
    Idle,
    /// Waiting for a TCP connect to finish.
    Connecting,
    /// Request sent (or being sent); reading the response.
    Exchanging,
}

/// The request/response in flight.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exchange {
    /// Index of the request step in the journey.
    pub step: usize,
    /// Result key.
    pub key: usize,
    /// When the request should have been sent (ns).
    pub intended_ns: u64,
    /// When it was handed to the kernel (ns); 0 until stamped.
    pub sent_ns: u64,
    /// Kernel receive time of the latest response bytes (ns).
    pub last_rx_ns: u64,
    /// Give up at this time (ns).
    pub deadline_ns: u64,
    /// The deadline passed and the operation was cancelled.
    pub timed_out: bool,
    /// Bytes received for this exchange.
    pub received: u64,
    /// This exchange already retried once on a fresh connection.
    pub retried: bool,
    /// The request waited for a free VU (in-flight bound) before starting.
    pub delayed: bool,
    /// The worker must act on this exchange's completion at once.
    pub urgent: bool,
    /// Why the linked send failed (errno), if it did.
    pub send_errno: i32,
}

/// A virtual user.
pub struct Vu {
    /// Worker-local slot index.
    pub slot: u32,
    /// Scenario index.
    pub scenario: usize,
    /// The VU's connection (keep-alive across iterations).
    pub conn: Conn,
    /// Target index the connection is connected to.
    pub conn_target: usize,
    /// Bumped for every new connection, so completions from an old one are recognised.
    pub generation: u32,
    /// Requests completed on the current connection.
    pub conn_requests: u64,
    /// What the VU is doing.
    pub phase: Phase,
    /// Intended start of the current iteration (ns).
    pub iteration_start_ns: u64,
    /// The exchange in flight.
    pub x: Exchange,
    /// Response reader, reused across requests.
    pub reader: ResponseReader,
}

impl Vu {
    /// An idle VU with no connection.
    pub fn new(slot: u32, scenario: usize, limits: Limits) -> Self {
        Self {
            slot,
            scenario,
            conn: Conn::new(),
            conn_target: usize::MAX,
            generation: 0,
            conn_requests: 0,
            phase: Phase::Idle,
            iteration_start_ns: 0,
            x: Exchange::default(),
            reader: ResponseReader::new(limits),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_data_round_trips() {
        let ud = user_data(123_456, 0x0123_4567, Op::Recv);
        assert_eq!(split_user_data(ud), (123_456, 0x23_4567, Op::Recv as u8));
        assert_ne!(
            user_data(0, 0, Op::Connect),
            0,
            "user data 0 is reserved for untracked ops"
        );
    }
}
