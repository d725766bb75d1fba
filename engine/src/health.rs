//! The generator's honesty verdict: what limited a run, said so that it can be believed both ways.
//! When it says "generator saturated", the numbers describe horde; when it says "test-limited",
//! the test's own caps (VUs, connections) shaped the load; otherwise they describe the target.
//!
//! Each cause fires only when the results are materially affected, for a stated reason:
//! - send lag p99 above its bound and above a tenth of the response-time p99: response times
//!   count from the schedule, so the lag is in them; past a tenth of the tail it is a material
//!   part of what the tail reports (a 2 ms lag under a 500 ms p99 is not, under a 1 ms p99 it is);
//! - requests that waited for a free VU or connection, or arrivals dropped for want of one: at
//!   least 0.1 % of them — one in a thousand can move the p99.9 the summary reports, and a share
//!   that small of a run's load is within what a user would call "delivered";
//! - workers busy above 95 % of their time: throughput (closed model) or the timing of sends and
//!   reads (open model) is then horde's.
//!
//! Below those, the counts are reported as plain notes. Waiting caused by the generator (it was
//! also late or busy) is the generator's. Waiting although the cap carried the load on average
//! (Little's law: offered rate × mean service time ≤ the cap) came in bursts, when the target or
//! the host stalled: a note. Waiting while the target's own service time grew (its median above
//! four times its fastest response: the target was queueing) is the target's — more connections
//! would only lengthen its queue. Otherwise it is the test's, with a Little's-law estimate of what
//! the test would have needed. Waits for `max_connections_per_host` are the test's design
//! (a browser's six connections per host) and only ever a note.

use crate::executor::Shape;
use crate::metrics::{Frame, Hist};
use crate::plan::{CompiledPlan, PlanKind};
pub use crate::result::LimitedBy;
use crate::result::{GeneratorPoint, SeriesPoint};

/// Share of requests or arrivals whose wait is material (see the module comment).
const MATERIAL_SHARE: f64 = 0.001;
/// Worker CPU busy share above which a closed model is generator-bound.
const BUSY_BOUND: f64 = 0.95;

/// The banner a generator-saturated warning starts with.
pub const SATURATED: &str = "generator saturated — results describe horde, not the target";
/// The banner a test-limited warning starts with.
pub const TEST_LIMITED: &str =
    "test-limited — the test's own limits shaped the load, not the target alone";

/// What the verdict is drawn from: the run's totals, live or final.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Any scenario is open-model (arrival rate).
    pub open_model: bool,
    /// The plan is `horde attack`'s: VUs are connections.
    pub attack: bool,
    /// Requests finished.
    pub requests: u64,
    /// Iterations started.
    pub iterations: u64,
    /// Open-model arrivals that fell due.
    pub scheduled: u64,
    /// Iterations that waited for a free VU (queue policy).
    pub delayed: u64,
    /// Arrivals dropped because no VU was free (drop policy).
    pub dropped: u64,
    /// Requests that waited for a pooled connection (`max_connections_per_host`).
    pub pool_waits: u64,
    /// Send lag samples and their p99, µs.
    pub send_lag_count: u64,
    /// Send lag p99, µs.
    pub send_lag_p99_us: u64,
    /// The send-lag bound, µs.
    pub lag_bound_us: u64,
    /// Response-time p99 of all requests, µs.
    pub response_p99_us: u64,
    /// Worker CPU over wall time, 0..1.
    pub busy_ratio: f64,
    /// Mean service time of the requests, µs.
    pub mean_service_us: f64,
    /// Fastest service time, µs: the target unloaded.
    pub service_min_us: u64,
    /// Median service time, µs.
    pub service_p50_us: u64,
    /// Iterations per second the open-model scenarios ask for, on average over their plan.
    pub offered_per_s: f64,
    /// VUs (connections) the open-model scenarios may use at most.
    pub max_vus: u64,
    /// Responses whose kernel timestamp came before their request was sent.
    pub clock_anomalies: u64,
    /// The largest such gap, µs.
    pub clock_anomaly_max_us: u64,
    /// Requests still in flight when the run stopped.
    pub interrupted: u64,
}

impl Evidence {
    /// The evidence in `totals` of a run of `plan`.
    pub fn of(totals: &Frame, plan: &CompiledPlan) -> Evidence {
        let g = &totals.generator;
        let (sum, count) = totals.keys.iter().fold((0.0, 0u64), |(sum, n), k| {
            let c = k.service_time.count();
            (sum + k.service_time.summary().mean_us * c as f64, n + c)
        });
        let (mut response, mut service) = (Hist::new(), Hist::new());
        for k in &totals.keys {
            response.merge(&k.response_time);
            service.merge(&k.service_time);
        }
        let open: Vec<_> = plan
            .scenarios
            .iter()
            .filter(|s| s.executor.is_open_model())
            .collect();
        Evidence {
            open_model: !open.is_empty(),
            attack: plan.source.kind == PlanKind::Attack,
            requests: totals.keys.iter().map(|k| k.requests).sum(),
            iterations: g.iterations,
            scheduled: totals.scenarios.iter().map(|s| s.scheduled).sum(),
            delayed: g.delayed,
            dropped: g.dropped_iterations,
            pool_waits: g.pool_waits,
            send_lag_count: g.send_lag.count(),
            send_lag_p99_us: g.send_lag.quantile_us(0.99),
            lag_bound_us: plan.run.lag_bound_us,
            response_p99_us: response.quantile_us(0.99),
            busy_ratio: if g.wall_ns > 0 {
                g.busy_ns as f64 / g.wall_ns as f64
            } else {
                0.0
            },
            mean_service_us: if count > 0 { sum / count as f64 } else { 0.0 },
            service_min_us: service.summary().min_us,
            service_p50_us: service.quantile_us(0.50),
            offered_per_s: open
                .iter()
                .map(|s| Shape::of(&s.executor, 0.0).mean_target())
                .sum(),
            max_vus: open.iter().map(|s| s.executor.max_vus()).sum(),
            clock_anomalies: g.clock_anomalies,
            clock_anomaly_max_us: g.clock_anomaly_max_ns / 1_000,
            interrupted: g.interrupted,
        }
    }
}

/// The verdict.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    /// What limited the run.
    pub limited_by: LimitedBy,
    /// Material findings, most important first.
    pub warnings: Vec<String>,
    /// Counts below the material threshold, said plainly.
    pub notes: Vec<String>,
}

/// Judges `e`.
pub fn verdict(e: &Evidence) -> Health {
    let mut h = Health::default();
    let lagging = e.open_model
        && e.send_lag_count > 0
        && e.send_lag_p99_us > e.lag_bound_us
        && e.send_lag_p99_us * 10 > e.response_p99_us;
    let busy = e.busy_ratio > BUSY_BOUND;
    if lagging {
        h.limited_by = LimitedBy::Generator;
        let why = if e.busy_ratio < 0.5 {
            format!(
                "horde was mostly idle (busy {:.0}%), so the host woke it late (a shared VM's \
                 timers and scheduler do this); a wider --send-window absorbs it",
                e.busy_ratio * 100.0
            )
        } else {
            "horde could not keep up".to_string()
        };
        h.warnings.push(format!(
            "{SATURATED}: send lag p99 was {} (bound {}) against a response-time p99 of {}: \
             requests left later than scheduled, and their lag is in their response times; {why}",
            fmt_us(e.send_lag_p99_us),
            fmt_us(e.lag_bound_us),
            fmt_us(e.response_p99_us)
        ));
    }
    if busy {
        h.limited_by = LimitedBy::Generator;
        h.warnings.push(format!(
            "{SATURATED}: the load generator was busy {:.0}% of the time, so throughput and \
             latency are limited by horde's CPU",
            e.busy_ratio * 100.0
        ));
    }
    let generator_bound = lagging || busy;
    let target_queueing = e.service_p50_us > e.service_min_us.saturating_mul(4);
    let in_flight = e.in_flight();
    // On average the cap carried the load: the waits came in bursts, when the target (or the
    // host) stalled for a moment and every connection was taken.
    let bursts = in_flight.is_some_and(|n| n <= e.max_vus as f64);
    let unit = if e.attack { "connections" } else { "VUs" };
    let waits = [
        (
            e.delayed,
            e.iterations.max(1),
            "waited for a free VU before they could start (they are timed from their intended \
             start, so the wait is in their response time)",
            "requests",
        ),
        (
            e.dropped,
            e.scheduled.max(1),
            "were dropped because no VU was free at their intended start",
            "iterations",
        ),
    ];
    for (count, of, what, noun) in waits {
        if count == 0 {
            continue;
        }
        let share = count as f64 / of as f64;
        let noun = if e.attack { "requests" } else { noun };
        let counted = format!("{count} {noun} ({})", pct(share));
        let what = if e.attack {
            what.replace("VU", "connection")
        } else {
            what.to_string()
        };
        if share < MATERIAL_SHARE {
            h.notes.push(format!("{counted} {what}"));
        } else if generator_bound {
            h.warnings.push(format!("{SATURATED}: {counted} {what}"));
        } else if bursts {
            h.notes.push(format!(
                "{counted} {what}, in bursts: on average about {:.0} of the {} {unit} were busy \
                 (Little's law), so the waits came when the target or the host stalled for a \
                 moment",
                in_flight.unwrap_or(0.0).ceil(),
                e.max_vus
            ));
        } else if target_queueing {
            h.notes.push(format!(
                "target-limited: {counted} {what}, while the target's service time rose from {} \
                 (fastest) to {} (median) as it queued: its capacity is below the offered load, \
                 and more {unit} would only lengthen its queue",
                fmt_us(e.service_min_us),
                fmt_us(e.service_p50_us)
            ));
        } else {
            if h.limited_by == LimitedBy::Target {
                h.limited_by = LimitedBy::Test;
            }
            h.warnings.push(format!(
                "{TEST_LIMITED}: {counted} {what}; {}",
                needed(e, unit)
            ));
        }
    }
    if e.pool_waits > 0 {
        h.notes.push(format!(
            "{} requests waited for a pooled connection (max_connections_per_host); the wait is \
             in their response time",
            e.pool_waits
        ));
    }
    if e.clock_anomalies > 0 {
        h.warnings.push(format!(
            "{} responses carried a kernel receive time before their request was sent, by up to \
             {} (a clock anomaly); they are timed to when horde saw them instead",
            e.clock_anomalies,
            fmt_us(e.clock_anomaly_max_us)
        ));
    }
    if e.interrupted > 0 {
        h.notes.push(format!(
            "{} requests were still in flight when the run stopped and are not counted",
            e.interrupted
        ));
    }
    h
}

/// In a closed model every connection waits for its response before sending again, so a server
/// stall produces few slow samples instead of many: percentiles hide it (coordinated omission).
/// What does show is throughput collapsing. Throughput per active VU is compared with its median,
/// so that ramps (fewer VUs, fewer requests) are not mistaken for stalls.
pub fn closed_model_stalls(
    series: &[SeriesPoint],
    generator_series: &[GeneratorPoint],
    max_response_us: u64,
) -> Option<String> {
    let mut per_second: Vec<u64> = Vec::new();
    for p in series {
        let s = p.second as usize;
        if per_second.len() <= s {
            per_second.resize(s + 1, 0);
        }
        per_second[s] += p.requests;
    }
    let vus = |s: usize| generator_series.get(s).map_or(0, |g| g.active_vus);
    // Per-VU throughput of every full second with VUs running (the last second is partial).
    let rates: Vec<(usize, f64)> = per_second
        .iter()
        .enumerate()
        .take(per_second.len().saturating_sub(1))
        .filter(|&(s, _)| vus(s) > 0)
        .map(|(s, &n)| (s, n as f64 / vus(s) as f64))
        .collect();
    if rates.len() < 3 {
        return None;
    }
    let mut sorted: Vec<f64> = rates.iter().map(|&(_, r)| r).collect();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let median_total = {
        let mut t: Vec<u64> = rates.iter().map(|&(s, _)| per_second[s]).collect();
        t.sort_unstable();
        t[t.len() / 2]
    };
    // Too little traffic to tell a stall from chance.
    if median_total < 10 || median <= 0.0 {
        return None;
    }
    let stalled = rates.iter().filter(|&&(_, r)| r * 10.0 < median).count();
    if stalled == 0 {
        return None;
    }
    Some(format!(
        "closed model: in {stalled} of {} seconds throughput fell below 10% of its median ({median_total}/s) while the slowest response took {} — \
         the target stalled, and since each connection waits for its response before sending again, the percentiles under-count the stall \
         (coordinated omission); run with a rate (open model) to measure what users would see",
        rates.len(),
        fmt_us(max_response_us)
    ))
}

impl Evidence {
    /// The request rate the test asked for: its arrivals times the requests each brings.
    fn offered_requests_per_s(&self) -> f64 {
        self.offered_per_s * self.requests as f64 / self.iterations.max(1) as f64
    }

    /// Requests in flight on average, by Little's law (offered rate × mean service time), when
    /// there is an offered rate to go by.
    fn in_flight(&self) -> Option<f64> {
        (self.offered_per_s > 0.0 && self.mean_service_us > 0.0)
            .then(|| self.offered_requests_per_s() * self.mean_service_us / 1e6)
    }
}

/// What the test would have needed, by Little's law: requests in flight = request rate × mean
/// time each is in flight.
fn needed(e: &Evidence, unit: &str) -> String {
    let Some(in_flight) = e.in_flight() else {
        return format!("allow more than {} {unit}", e.max_vus);
    };
    let offered = e.offered_requests_per_s();
    let at_least = if e.attack { "about" } else { "at least" };
    format!(
        "by Little's law {offered:.0} req/s × {} mean service time keeps {at_least} {:.0} \
         requests in flight, and the test allowed {} {unit}: allow about {:.0} (half again, for \
         variation)",
        fmt_us(e.mean_service_us.round() as u64),
        in_flight.ceil(),
        e.max_vus,
        (in_flight * 1.5).ceil()
    )
}

fn pct(share: f64) -> String {
    if share < 0.0001 {
        format!("{:.4}%", share * 100.0)
    } else {
        format!("{:.2}%", share * 100.0)
    }
}

/// Formats microseconds for humans.
pub fn fmt_us(us: u64) -> String {
    if us >= 1_000_000 {
        format!("{:.2}s", us as f64 / 1e6)
    } else if us >= 1_000 {
        format!("{:.2}ms", us as f64 / 1e3)
    } else {
        format!("{us}µs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn healthy() -> Evidence {
        Evidence {
            open_model: true,
            attack: true,
            requests: 1_500_000,
            iterations: 1_500_000,
            scheduled: 1_500_000,
            send_lag_count: 1_500_000,
            send_lag_p99_us: 250,
            lag_bound_us: 1_000,
            response_p99_us: 1_200,
            busy_ratio: 0.3,
            mean_service_us: 400.0,
            service_min_us: 250,
            service_p50_us: 400,
            offered_per_s: 5_000.0,
            max_vus: 64,
            ..Evidence::default()
        }
    }

    #[test]
    fn a_few_waits_in_a_long_healthy_run_are_a_note_not_a_verdict() {
        let h = verdict(&Evidence {
            delayed: 23,
            ..healthy()
        });
        assert_eq!(h.limited_by, LimitedBy::Target);
        assert!(h.warnings.is_empty(), "{:?}", h.warnings);
        assert_eq!(h.notes.len(), 1);
        assert!(h.notes[0].starts_with("23 requests (0.0015%) waited for a free connection"));
        assert!(verdict(&healthy()).notes.is_empty());
    }

    #[test]
    fn too_few_connections_for_the_latency_is_test_limited_with_the_estimate() {
        // 5,000 req/s at 2 ms needs about 10 connections; the test allowed 4.
        let h = verdict(&Evidence {
            delayed: 400_000,
            max_vus: 4,
            mean_service_us: 2_000.0,
            service_min_us: 2_000,
            service_p50_us: 2_050,
            ..healthy()
        });
        assert_eq!(h.limited_by, LimitedBy::Test);
        assert!(h.warnings[0].starts_with(TEST_LIMITED), "{}", h.warnings[0]);
        assert!(
            h.warnings[0].contains("5000 req/s × 2.00ms")
                && h.warnings[0].contains("about 10 requests in flight")
                && h.warnings[0].contains("allowed 4 connections"),
            "{}",
            h.warnings[0]
        );
    }

    #[test]
    fn lag_or_a_busy_closed_model_is_the_generator_and_takes_the_waits_with_it() {
        let h = verdict(&Evidence {
            send_lag_p99_us: 5_000,
            delayed: 400_000,
            ..healthy()
        });
        assert_eq!(h.limited_by, LimitedBy::Generator);
        assert!(h.warnings.iter().all(|w| w.starts_with(SATURATED)), "{h:?}");
        let closed = verdict(&Evidence {
            open_model: false,
            busy_ratio: 0.99,
            ..healthy()
        });
        assert_eq!(closed.limited_by, LimitedBy::Generator);
    }

    #[test]
    fn waits_in_bursts_while_the_cap_carries_the_load_on_average_are_a_note() {
        // 20,000 req/s × 200 µs keeps 4 requests in flight; 64 connections were allowed.
        let h = verdict(&Evidence {
            delayed: 10_000,
            offered_per_s: 20_000.0,
            mean_service_us: 200.0,
            ..healthy()
        });
        assert_eq!(h.limited_by, LimitedBy::Target);
        assert!(h.warnings.is_empty(), "{:?}", h.warnings);
        assert!(
            h.notes[0].contains("in bursts: on average about 4 of the 64"),
            "{:?}",
            h.notes
        );
    }

    #[test]
    fn waits_while_the_target_queues_are_the_targets() {
        let h = verdict(&Evidence {
            delayed: 400_000,
            mean_service_us: 90_000.0,
            service_min_us: 200,
            service_p50_us: 90_000,
            ..healthy()
        });
        assert_eq!(h.limited_by, LimitedBy::Target);
        assert!(h.warnings.is_empty(), "{:?}", h.warnings);
        assert!(h.notes[0].starts_with("target-limited"), "{:?}", h.notes);
    }

    #[test]
    fn lag_well_inside_a_slow_targets_tail_is_not_material() {
        let slow = Evidence {
            send_lag_p99_us: 2_000,
            response_p99_us: 500_000,
            ..healthy()
        };
        assert_eq!(verdict(&slow).limited_by, LimitedBy::Target);
        let fast = Evidence {
            send_lag_p99_us: 2_000,
            ..healthy()
        };
        assert_eq!(verdict(&fast).limited_by, LimitedBy::Generator);
    }

    #[test]
    fn pool_waits_are_the_tests_design_and_anomalies_are_flagged() {
        let h = verdict(&Evidence {
            pool_waits: 1_000_000,
            clock_anomalies: 2,
            ..healthy()
        });
        assert_eq!(h.limited_by, LimitedBy::Target);
        assert!(h.notes[0].contains("pooled connection"));
        assert!(h.warnings[0].contains("clock anomaly"));
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_us(999), "999µs");
        assert_eq!(fmt_us(1_500), "1.50ms");
        assert_eq!(fmt_us(2_000_000), "2.00s");
    }
}
