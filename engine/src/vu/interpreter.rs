//! The journey interpreter: walks a VU through its journey's steps, one exchange at a time.
//!
//! Timing rule for coordinated omission inside a journey: the first request of an iteration is
//! intended at the iteration's intended start; each later one at the moment the user would have
//! sent it — when the previous response arrived.

use super::exchange::{self, Io, Outcome};
use super::Vu;
use crate::plan::{CompiledJourney, CompiledStep};

/// Where the walk stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// An exchange is in flight; the worker will call `resume` when it ends.
    InFlight,
    /// The iteration is over.
    IterationDone,
    /// The run stopped the iteration.
    Interrupted,
}

/// Starts an iteration intended at `intended_ns`. `closed_model`: the VU loops without pause, so
/// every completion needs prompt handling.
pub fn start_iteration(
    vu: &mut Vu,
    journey: &CompiledJourney,
    intended_ns: u64,
    closed_model: bool,
    io: &mut Io<'_>,
) -> Walk {
    vu.iteration_start_ns = intended_ns;
    io.frame.generator.iterations += 1;
    walk(vu, journey, 0, intended_ns, closed_model, io)
}

/// Continues after the exchange in flight ended with `outcome`.
pub fn resume(
    vu: &mut Vu,
    journey: &CompiledJourney,
    outcome: Outcome,
    closed_model: bool,
    io: &mut Io<'_>,
) -> Walk {
    match outcome {
        Outcome::Pending => Walk::InFlight,
        Outcome::Interrupted => Walk::Interrupted,
        Outcome::Response => {
            let next_intended = vu.x.last_rx_ns.max(vu.x.sent_ns);
            walk(vu, journey, vu.x.step + 1, next_intended, closed_model, io)
        }
        Outcome::Failed => walk(vu, journey, vu.x.step + 1, io.now_ns, closed_model, io),
    }
}

fn walk(
    vu: &mut Vu,
    journey: &CompiledJourney,
    from: usize,
    intended_ns: u64,
    closed_model: bool,
    io: &mut Io<'_>,
) -> Walk {
    let mut intended = intended_ns;
    for (i, step) in journey.steps.iter().enumerate().skip(from) {
        match step {
            CompiledStep::Request(request) => {
                let urgent = closed_model || i + 1 < journey.steps.len();
                match exchange::begin(vu, request, i, intended, urgent, io) {
                    Outcome::Pending => return Walk::InFlight,
                    Outcome::Interrupted => return Walk::Interrupted,
                    Outcome::Response | Outcome::Failed => intended = io.now_ns,
                }
            }
        }
    }
    Walk::IterationDone
}

/// The request of the step in flight (for completions).
pub fn current_request<'j>(
    vu: &Vu,
    journey: &'j CompiledJourney,
) -> &'j crate::plan::CompiledRequest {
    match &journey.steps[vu.x.step] {
        CompiledStep::Request(r) => r,
    }
}
