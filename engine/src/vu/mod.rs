//! One virtual user and the journey interpreter that walks it through its journey: where it is,
//! its variables, its own clock and random numbers, and its HTTP client session. A VU knows
//! nothing about executors or other VUs; the worker calls the interpreter with what happened (an
//! exchange that ended, a think time that ran out) and it says what the VU needs next. HTTP itself
//! is the client's (`crate::client`): the interpreter renders a request, hands it over with the
//! VU's session, and reads back the outcome.

pub mod inspect;
pub mod interpreter;
pub mod render;
pub mod vars;

use crate::client::{Client, Session, Turn};
use crate::http::Limits;
use crate::plan::program::MAX_REPEAT_DEPTH;
use crate::plan::CompiledPlan;
use vars::Vars;

/// What a VU is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not in an iteration.
    Idle,
    /// Its request is with the client (connecting, waiting for a connection, exchanging).
    Requesting,
    /// Thinking, until a timer wakes it.
    Thinking,
}

/// What a VU works with during one turn of its worker's loop: the worker's HTTP client, the
/// turn itself (ring, recorder frame, time), and the compiled plan.
pub struct WorkerTurn<'a> {
    /// The worker's HTTP client.
    pub client: &'a mut Client,
    /// The ring, the recorder frame and the time of this turn.
    pub turn: Turn<'a>,
    /// The plan.
    pub plan: &'a CompiledPlan,
}

/// A virtual user.
pub struct Vu {
    /// Worker-local slot index.
    pub slot: u32,
    /// Scenario index.
    pub scenario: usize,
    /// 1-based VU number, unique across workers (`__vu`).
    pub id: u64,
    /// What the VU is doing.
    pub phase: Phase,
    /// Its HTTP client state: connection, exchange in flight, cookies.
    pub session: Session,
    /// Index of the current journey in the scenario's mix.
    pub journey: usize,
    /// Index (in its journey) of the request in flight.
    pub request: usize,
    /// Next instruction.
    pub ip: usize,
    /// Repeat counters by nesting depth.
    pub loops: [u32; MAX_REPEAT_DEPTH],
    /// The user's own clock: when they act next if nothing is late (ns).
    pub clock_ns: u64,
    /// Intended start of the current iteration (ns).
    pub iteration_start_ns: u64,
    /// Iterations started (`__iteration` is this minus one during an iteration).
    pub iterations: u64,
    /// Funnel step of the last request this iteration began, if any.
    pub last_step: Option<usize>,
    /// Variables.
    pub vars: Vars,
    /// This VU's random numbers (think times, branches, helpers).
    pub rng: fastrand::Rng,
    /// Scratch space for rendering bodies and metric values.
    pub scratch: Vec<u8>,
    /// Bumped whenever a think timer is armed or abandoned, so stale timer entries are ignored.
    pub wake_stamp: u32,
    /// Asked to stop after its current iteration (ramp-down).
    pub retiring: bool,
    /// Set up for its scenario (per-VU data taken).
    pub initialised: bool,
}

impl Vu {
    /// An idle VU with no connection.
    pub fn new(
        slot: u32,
        scenario: usize,
        id: u64,
        vars: usize,
        seed: u64,
        limits: Limits,
    ) -> Self {
        let own_seed = seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Self {
            slot,
            scenario,
            id,
            phase: Phase::Idle,
            // The client's choices draw from a sequence of their own, so that connection events
            // never shift the VU's think times and branches.
            session: Session::new(
                slot,
                own_seed.rotate_left(17) ^ 0xD6E8_FEB8_6659_FD93,
                limits,
            ),
            journey: 0,
            request: 0,
            ip: 0,
            loops: [0; MAX_REPEAT_DEPTH],
            clock_ns: 0,
            iteration_start_ns: 0,
            iterations: 0,
            last_step: None,
            vars: Vars::new(vars),
            rng: fastrand::Rng::with_seed(own_seed),
            scratch: Vec::new(),
            wake_stamp: 0,
            retiring: false,
            initialised: false,
        }
    }

    /// Whether the VU is inside an iteration.
    pub fn busy(&self) -> bool {
        self.phase != Phase::Idle
    }
}
