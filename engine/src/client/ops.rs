//! The client's operations on the ring, and how each is named in the ring's user data so that a
//! completion finds its session: the VU slot, the connection's generation (so completions from a
//! connection already given up are recognised) and the kind of operation.

/// Bits of a connection generation kept in the user data.
pub const GENERATION_MASK: u32 = 0x00FF_FFFF;

/// Operations a session has in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// TCP connect.
    Connect = 1,
    /// Request (or TLS handshake) send, with a receive linked after it. It posts a completion
    /// only on failure, and then the linked receive posts none: the kernel skips the completions
    /// of a link whose head failed when that head was to skip its own success.
    Send = 2,
    /// Response receive.
    Recv = 3,
    /// A request body sent alone (after `100 Continue`) while a receive is in flight; posts a
    /// completion only on failure.
    SendBody = 4,
}

impl Op {
    fn from_byte(b: u8) -> Option<Op> {
        match b {
            1 => Some(Op::Connect),
            2 => Some(Op::Send),
            3 => Some(Op::Recv),
            4 => Some(Op::SendBody),
            _ => None,
        }
    }
}

/// Packs a VU slot, its connection generation and an op into ring user data (never 0, which is
/// kept for operations nobody tracks).
pub fn user_data(slot: u32, generation: u32, op: Op) -> u64 {
    (u64::from(slot) << 32) | (u64::from(generation & GENERATION_MASK) << 8) | op as u64
}

/// A completion of one of the client's operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completed {
    /// The VU slot whose session it is.
    pub slot: u32,
    /// The connection generation it was made on.
    pub generation: u32,
    /// The operation.
    pub op: Op,
    /// Its result (bytes, or a negated errno).
    pub result: i32,
}

impl Completed {
    /// Reads a completion's user data; None when it is not a client operation.
    pub fn read(user_data: u64, result: i32) -> Option<Completed> {
        Some(Completed {
            slot: (user_data >> 32) as u32,
            generation: ((user_data >> 8) as u32) & GENERATION_MASK,
            op: Op::from_byte((user_data & 0xFF) as u8)?,
            result,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_data_round_trips() {
        let ud = user_data(123_456, 0x0123_4567, Op::Recv);
        let c = Completed::read(ud, -4).unwrap();
        assert_eq!(
            (c.slot, c.generation, c.op, c.result),
            (123_456, 0x23_4567, Op::Recv, -4)
        );
        assert_ne!(
            user_data(0, 0, Op::Connect),
            0,
            "user data 0 is reserved for untracked ops"
        );
        assert_eq!(Completed::read(0, 0), None);
    }
}
