//! The journey interpreter: runs a VU through its journey's instructions until it has to wait
//! (a request in flight, a think time) or the iteration ends.
//!
//! Timing rule for coordinated omission inside a journey: each VU keeps its own clock — the time
//! at which the user would act if nothing were late. The first request of an iteration is intended
//! at the iteration's intended start; after a response the clock moves to the response's arrival
//! (kernel timestamp), after a think time by the think time. Requests are timed from that clock,
//! so a late worker or a slow earlier step never shortens what the user would have experienced.

use super::exchange::{self, Io, Outcome};
use super::{Phase, Vu};
use crate::plan::options::{ConnectionPolicy, CookiePolicy};
use crate::plan::program::{self, Instr, ThinkDist, ITERATION_SLOT, JOURNEY_SLOT};
use crate::plan::{CompiledRequest, CompiledScenario, MetricKind};

/// Where the walk stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// An exchange is in flight; call `resume` when it ends.
    InFlight,
    /// Thinking until this time (ns); call `wake` then.
    Sleep(u64),
    /// The iteration reached the end of the journey.
    Done,
    /// The iteration ended early (a value it needed was missing).
    Aborted,
    /// The run stopped the iteration.
    Interrupted,
}

/// Instructions a VU may run in one go without waiting (guards loops of metric steps).
const MAX_STEPS_PER_TURN: usize = 10_000;

/// Starts an iteration intended at `intended_ns`. `closed_model`: the VU loops without pause, so
/// every completion needs prompt handling.
pub fn start_iteration(
    vu: &mut Vu,
    scenario: &CompiledScenario,
    intended_ns: u64,
    closed_model: bool,
    io: &mut Io<'_>,
) -> Walk {
    // One journey draws nothing, so the VU's random sequence is the journey's alone.
    let pick = if scenario.journeys.len() == 1 {
        0
    } else {
        program::pick(&scenario.cumulative, vu.rng.f64())
    };
    vu.journey = pick;
    let (journey, jk) = (&scenario.journeys[pick].0, scenario.journeys[pick].1);
    vu.vars.set_u64(ITERATION_SLOT, vu.iterations);
    vu.vars.set(JOURNEY_SLOT, journey.name.as_bytes());
    for &slot in &io.plan.iteration_slots {
        vu.vars.unset(slot);
    }
    let http = &io.plan.plan.options.http;
    if http.cookies == CookiePolicy::PerIteration {
        if let Some(jar) = vu.jar.as_deref_mut() {
            jar.clear();
        }
    }
    if http.connections == ConnectionPolicy::PerIteration {
        vu.conn.close();
    }
    vu.iterations += 1;
    vu.last_step = None;
    vu.iteration_start_ns = intended_ns;
    vu.clock_ns = intended_ns;
    vu.ip = 0;
    io.frame.generator.iterations += 1;
    io.frame.journeys[jk].started += 1;
    run(vu, scenario, closed_model, io)
}

/// Continues after the exchange in flight ended with `outcome`.
pub fn resume(
    vu: &mut Vu,
    scenario: &CompiledScenario,
    outcome: Outcome,
    closed_model: bool,
    io: &mut Io<'_>,
) -> Walk {
    match outcome {
        Outcome::Pending => Walk::InFlight,
        Outcome::Interrupted => end(vu, scenario, Walk::Interrupted, io),
        Outcome::Abort => end(vu, scenario, Walk::Aborted, io),
        Outcome::Response => {
            vu.clock_ns = vu.clock_ns.max(vu.x.last_rx_ns);
            run(vu, scenario, closed_model, io)
        }
        Outcome::Failed => {
            vu.clock_ns = vu.clock_ns.max(io.now_ns);
            run(vu, scenario, closed_model, io)
        }
    }
}

/// Continues after a think time ended.
pub fn wake(vu: &mut Vu, scenario: &CompiledScenario, closed_model: bool, io: &mut Io<'_>) -> Walk {
    vu.phase = Phase::Idle;
    run(vu, scenario, closed_model, io)
}

/// Ends the iteration of a thinking VU because the run stops.
pub fn interrupt_thinking(vu: &mut Vu, scenario: &CompiledScenario, io: &mut Io<'_>) {
    vu.wake_stamp = vu.wake_stamp.wrapping_add(1);
    vu.phase = Phase::Idle;
    end(vu, scenario, Walk::Interrupted, io);
}

/// The request the VU has in flight.
pub fn current_request<'s>(
    vu: &Vu,
    scenario: &'s CompiledScenario,
) -> (&'s CompiledRequest, usize) {
    let (journey, jk) = &scenario.journeys[vu.journey];
    (&journey.requests[vu.x.request], *jk)
}

fn run(vu: &mut Vu, scenario: &CompiledScenario, closed_model: bool, io: &mut Io<'_>) -> Walk {
    let (journey, jk) = (
        &scenario.journeys[vu.journey].0,
        scenario.journeys[vu.journey].1,
    );
    let instrs = &journey.instrs;
    for _ in 0..MAX_STEPS_PER_TURN {
        let Some(instr) = instrs.get(vu.ip) else {
            return end(vu, scenario, Walk::Done, io);
        };
        vu.ip += 1;
        match instr {
            Instr::Request(i) => {
                vu.last_step = Some(journey.requests[*i].step);
                let urgent = closed_model || vu.ip < instrs.len();
                let intended = vu.clock_ns;
                match exchange::begin(vu, &journey.requests[*i], *i, jk, intended, urgent, io) {
                    Outcome::Pending => return Walk::InFlight,
                    Outcome::Abort => return end(vu, scenario, Walk::Aborted, io),
                    Outcome::Interrupted => return end(vu, scenario, Walk::Interrupted, io),
                    Outcome::Failed | Outcome::Response => vu.clock_ns = vu.clock_ns.max(io.now_ns),
                }
            }
            Instr::Think(dist) => {
                vu.clock_ns = vu.clock_ns.saturating_add(sample(*dist, &mut vu.rng));
                vu.phase = Phase::Thinking;
                vu.wake_stamp = vu.wake_stamp.wrapping_add(1);
                return Walk::Sleep(vu.clock_ns);
            }
            Instr::Maybe {
                probability,
                skip_to,
            } => {
                if vu.rng.f64() >= *probability {
                    vu.ip = *skip_to;
                }
            }
            Instr::Choose {
                cumulative,
                targets,
            } => {
                vu.ip = targets[program::pick(cumulative, vu.rng.f64())];
            }
            Instr::Jump(to) => vu.ip = *to,
            Instr::Repeat { times, depth, end } => {
                if *times == 0 {
                    vu.ip = *end;
                } else {
                    vu.loops[*depth] = *times;
                }
            }
            Instr::Loop { depth, body } => {
                vu.loops[*depth] -= 1;
                if vu.loops[*depth] > 0 {
                    vu.ip = *body;
                }
            }
            Instr::Metric {
                metric,
                kind,
                value,
            } => {
                vu.scratch.clear();
                if value
                    .render(&vu.vars, &mut vu.rng, &mut vu.scratch)
                    .is_err()
                {
                    return end(vu, scenario, Walk::Aborted, io);
                }
                if let Some(v) = parse_sample(&vu.scratch, *kind) {
                    io.frame.metrics[*metric].record(v);
                }
            }
        }
    }
    // A long run of instructions without any wait: yield to the worker, continue next turn.
    vu.phase = Phase::Thinking;
    vu.wake_stamp = vu.wake_stamp.wrapping_add(1);
    Walk::Sleep(io.now_ns)
}

fn end(vu: &mut Vu, scenario: &CompiledScenario, how: Walk, io: &mut Io<'_>) -> Walk {
    let jk = scenario.journeys[vu.journey].1;
    let stats = &mut io.frame.journeys[jk];
    match how {
        Walk::Done => {
            stats.completed += 1;
            stats
                .duration
                .record_ns(vu.clock_ns.saturating_sub(vu.iteration_start_ns));
        }
        Walk::Aborted => stats.aborted += 1,
        Walk::Interrupted => {
            stats.interrupted += 1;
            if let Some(step) = vu.last_step {
                stats.steps[step].cut += 1;
            }
        }
        _ => {}
    }
    vu.phase = Phase::Idle;
    how
}

fn sample(dist: ThinkDist, rng: &mut fastrand::Rng) -> u64 {
    match dist {
        ThinkDist::Fixed(ns) => ns,
        ThinkDist::Uniform(lo, hi) => rng.u64(lo..=hi),
        ThinkDist::Exponential(mean) => (-mean * (1.0 - rng.f64()).ln()).max(0.0) as u64,
        ThinkDist::Normal(mean, sd) => {
            // Box–Muller.
            let (u1, u2) = (1.0 - rng.f64(), rng.f64());
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            (mean + sd * z).max(0.0) as u64
        }
    }
}

fn parse_sample(text: &[u8], kind: MetricKind) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?.trim();
    match (kind, s) {
        (MetricKind::Rate, "true") => Some(1.0),
        (MetricKind::Rate, "false") => Some(0.0),
        _ => s.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn think_samples_stay_in_range() {
        let mut rng = fastrand::Rng::with_seed(1);
        for _ in 0..1000 {
            assert!((5..=9).contains(&sample(ThinkDist::Uniform(5, 9), &mut rng)));
        }
        let mean = (0..20_000)
            .map(|_| sample(ThinkDist::Exponential(1e6), &mut rng))
            .sum::<u64>() as f64
            / 20_000.0;
        assert!((mean - 1e6).abs() < 5e4, "{mean}");
        let normal = (0..20_000)
            .map(|_| sample(ThinkDist::Normal(1e6, 1e5), &mut rng))
            .sum::<u64>() as f64
            / 20_000.0;
        assert!((normal - 1e6).abs() < 1e4, "{normal}");
    }

    #[test]
    fn samples_parse_by_kind() {
        assert_eq!(parse_sample(b"true", MetricKind::Rate), Some(1.0));
        assert_eq!(parse_sample(b" 2.5 ", MetricKind::Trend), Some(2.5));
        assert_eq!(parse_sample(b"x", MetricKind::Counter), None);
    }
}
