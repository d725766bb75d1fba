//! The journey interpreter: runs a VU through its journey's instructions until it has to wait
//! (a request in flight, a think time) or the iteration ends.
//!
//! The timing rule for coordinated omission inside a journey: each VU keeps its own clock — the time
//! at which the user would act if nothing were late. The first request of an iteration is intended
//! at the iteration's intended start; after a response the clock moves to the response's arrival
//! (kernel timestamp), after a think time by the think time. Requests are timed from that clock,
//! so a late worker or a slow earlier step never shortens what the user would have experienced.

use super::inspect::{inspect, Response};
use super::{Phase, Vu, WorkerTurn};
use crate::client::Outcome;
use crate::metrics::{ErrorClass, MetricKind};
use crate::plan::program::{self, Instr, ThinkDist};
use crate::plan::scope::{ITERATION_SLOT, JOURNEY_SLOT};
use crate::plan::{CompiledRequest, CompiledScenario, HttpCall};

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
    w: &mut WorkerTurn<'_>,
) -> Walk {
    // One journey draws nothing, so the VU's random sequence is the journey's alone.
    let pick = if scenario.journeys.len() == 1 {
        0
    } else {
        program::pick(&scenario.cumulative, vu.rng.f64())
    };
    vu.journey = pick;
    let (journey, journey_key) = (&scenario.journeys[pick].0, scenario.journeys[pick].1);
    vu.vars.set_u64(ITERATION_SLOT, vu.iterations);
    vu.vars.set(JOURNEY_SLOT, journey.name.as_bytes());
    for &slot in &w.plan.iteration_slots {
        vu.vars.unset(slot);
    }
    w.client.start_iteration(&mut vu.session);
    vu.iterations += 1;
    vu.last_step = None;
    vu.iteration_start_ns = intended_ns;
    vu.clock_ns = intended_ns;
    vu.ip = 0;
    w.turn.frame.generator.iterations += 1;
    w.turn.frame.journeys[journey_key].started += 1;
    run(vu, scenario, closed_model, w)
}

/// Continues after the client ended the exchange in flight with `outcome`.
pub fn resume(
    vu: &mut Vu,
    scenario: &CompiledScenario,
    outcome: Outcome,
    closed_model: bool,
    w: &mut WorkerTurn<'_>,
) -> Walk {
    match after_exchange(vu, scenario, outcome, w) {
        Some(walk) => walk,
        None => run(vu, scenario, closed_model, w),
    }
}

/// Continues after a think time ended.
pub fn wake(
    vu: &mut Vu,
    scenario: &CompiledScenario,
    closed_model: bool,
    w: &mut WorkerTurn<'_>,
) -> Walk {
    vu.phase = Phase::Idle;
    run(vu, scenario, closed_model, w)
}

/// The run cuts the VU's iteration: a think time ends at once, an exchange is cancelled.
/// Returns how the iteration ended, or None when it ends later (a cancelled exchange reports
/// through its completion).
pub fn cut(vu: &mut Vu, scenario: &CompiledScenario, w: &mut WorkerTurn<'_>) -> Option<Walk> {
    match vu.phase {
        Phase::Idle => None,
        Phase::Thinking => {
            vu.wake_stamp = vu.wake_stamp.wrapping_add(1);
            Some(end(vu, scenario, Walk::Interrupted, w))
        }
        Phase::Requesting => match w.client.cancel(&mut vu.session, &mut w.turn) {
            Outcome::Pending => None,
            outcome => Some(resume(vu, scenario, outcome, false, w)),
        },
    }
}

/// What the client needs for the request the VU has in flight.
pub fn current_call<'s>(vu: &Vu, scenario: &'s CompiledScenario) -> &'s HttpCall {
    &scenario.journeys[vu.journey].0.requests[vu.request].http
}

/// Renders (when something in it varies) and sends `request`, counting the funnel step.
fn send(
    vu: &mut Vu,
    request: &CompiledRequest,
    journey_key: usize,
    urgent: bool,
    w: &mut WorkerTurn<'_>,
) -> Option<Outcome> {
    let step = &mut w.turn.frame.journeys[journey_key].steps[request.step];
    if let Some(t) = &request.template {
        let out = vu.session.request_buffer();
        if super::render::render(t, &vu.vars, &mut vu.rng, out, &mut vu.scratch).is_err() {
            step.aborted += 1;
            return None;
        }
    }
    step.reached += 1;
    let rendered = request.template.is_some();
    let intended = vu.clock_ns;
    Some(w.client.send(
        &mut vu.session,
        &request.http,
        rendered,
        intended,
        urgent,
        &mut w.turn,
    ))
}

/// Counts how the exchange of the current request ended, runs its checks and extractions, and
/// moves the VU's clock. Returns how the iteration ends, or None when it goes on.
fn after_exchange(
    vu: &mut Vu,
    scenario: &CompiledScenario,
    outcome: Outcome,
    w: &mut WorkerTurn<'_>,
) -> Option<Walk> {
    let (journey, journey_key) = (
        &scenario.journeys[vu.journey].0,
        scenario.journeys[vu.journey].1,
    );
    let request = &journey.requests[vu.request];
    vu.phase = Phase::Idle;
    let frame = &mut *w.turn.frame;
    match outcome {
        Outcome::Pending => {
            vu.phase = Phase::Requesting;
            Some(Walk::InFlight)
        }
        Outcome::Interrupted => Some(end(vu, scenario, Walk::Interrupted, w)),
        Outcome::Failed(class) => {
            let step = &mut frame.journeys[journey_key].steps[request.step];
            if matches!(
                class,
                ErrorClass::RequestTimeout | ErrorClass::ConnectTimeout
            ) {
                step.timeout += 1;
            } else {
                step.error += 1;
            }
            // Values this request was to extract are now missing: later steps that need them
            // abort.
            for e in &request.extracts {
                vu.vars.unset(e.slot);
            }
            vu.clock_ns = vu.clock_ns.max(w.turn.now_ns);
            None
        }
        Outcome::Response => {
            let r = vu.session.response();
            let mut checks_ok = true;
            let mut extract_failed = false;
            if !request.checks.is_empty() || !request.extracts.is_empty() {
                let response = Response {
                    status: r.status,
                    head: r.head,
                    body: r.body,
                };
                let checks = &mut frame.checks;
                let session = &vu.session;
                let findings = inspect(
                    &response,
                    &request.checks,
                    &request.extracts,
                    &mut vu.vars,
                    &|name| session.cookie(name),
                    &mut |id, ok| {
                        if ok {
                            checks[id].passes += 1;
                        } else {
                            checks[id].fails += 1;
                        }
                    },
                );
                checks_ok = findings.checks_ok;
                extract_failed = findings.extract_failed;
            }
            let step = &mut frame.journeys[journey_key].steps[request.step];
            match (r.status_ok, checks_ok) {
                (true, true) => step.ok += 1,
                (false, _) => step.bad_status += 1,
                (true, false) => step.check_failed += 1,
            }
            if extract_failed {
                step.aborted += 1;
                return Some(end(vu, scenario, Walk::Aborted, w));
            }
            vu.clock_ns = vu.clock_ns.max(r.done_ns);
            None
        }
    }
}

fn run(
    vu: &mut Vu,
    scenario: &CompiledScenario,
    closed_model: bool,
    w: &mut WorkerTurn<'_>,
) -> Walk {
    let (journey, journey_key) = (
        &scenario.journeys[vu.journey].0,
        scenario.journeys[vu.journey].1,
    );
    let instrs = &journey.instrs;
    for _ in 0..MAX_STEPS_PER_TURN {
        let Some(instr) = instrs.get(vu.ip) else {
            return end(vu, scenario, Walk::Done, w);
        };
        vu.ip += 1;
        match instr {
            Instr::Request(i) => {
                let request = &journey.requests[*i];
                vu.last_step = Some(request.step);
                vu.request = *i;
                let urgent = closed_model || vu.ip < instrs.len();
                let Some(outcome) = send(vu, request, journey_key, urgent, w) else {
                    return end(vu, scenario, Walk::Aborted, w);
                };
                if let Some(walk) = after_exchange(vu, scenario, outcome, w) {
                    return walk;
                }
            }
            Instr::Think(dist) => {
                vu.clock_ns = vu.clock_ns.saturating_add(sample(dist, &mut vu.rng));
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
                    return end(vu, scenario, Walk::Aborted, w);
                }
                if let Some(v) = parse_sample(&vu.scratch, *kind) {
                    w.turn.frame.metrics[*metric].record(v);
                }
            }
        }
    }
    // A long run of instructions without any wait: yield to the worker, continue next turn.
    vu.phase = Phase::Thinking;
    vu.wake_stamp = vu.wake_stamp.wrapping_add(1);
    Walk::Sleep(w.turn.now_ns)
}

fn end(vu: &mut Vu, scenario: &CompiledScenario, how: Walk, w: &mut WorkerTurn<'_>) -> Walk {
    let journey_key = scenario.journeys[vu.journey].1;
    let stats = &mut w.turn.frame.journeys[journey_key];
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

fn sample(dist: &ThinkDist, rng: &mut fastrand::Rng) -> u64 {
    match *dist {
        ThinkDist::Fixed(ns) => ns,
        ThinkDist::Uniform(lo, hi) => rng.u64(lo..=hi),
        ThinkDist::Empirical(ref samples) => samples[rng.usize(..samples.len())],
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
            assert!((5..=9).contains(&sample(&ThinkDist::Uniform(5, 9), &mut rng)));
        }
        let mean = (0..20_000)
            .map(|_| sample(&ThinkDist::Exponential(1e6), &mut rng))
            .sum::<u64>() as f64
            / 20_000.0;
        assert!((mean - 1e6).abs() < 5e4, "{mean}");
        let normal = (0..20_000)
            .map(|_| sample(&ThinkDist::Normal(1e6, 1e5), &mut rng))
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
