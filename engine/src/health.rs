//! The generator's honesty verdict: when to tell users that a number describes horde rather than
//! the target, and how to read a closed-model run that hides a stall.

use crate::result::{GeneratorPoint, GeneratorResult, RequestResult, SeriesPoint};

/// The banner every saturation warning starts with.
pub const SATURATED: &str = "generator saturated — results describe horde, not the target";

/// Inputs to the verdict.
pub struct Evidence<'a> {
    /// Whether any scenario is open-model (arrival rate).
    pub open_model: bool,
    /// Generator totals.
    pub generator: &'a GeneratorResult,
    /// All keys merged.
    pub total: &'a RequestResult,
    /// Per-second generator rows.
    pub generator_series: &'a [GeneratorPoint],
    /// Per-second rows per key.
    pub series: &'a [SeriesPoint],
    /// Send-lag bound, µs.
    pub lag_bound_us: u64,
    /// VUs (connections) available, for advice.
    pub max_vus: u64,
}

/// Returns (saturated, warnings), most important first.
pub fn verdict(e: &Evidence<'_>) -> (bool, Vec<String>) {
    let g = e.generator;
    let mut saturated = false;
    let mut warnings = Vec::new();
    if e.open_model && g.send_lag.count > 0 && g.send_lag.p99_us > e.lag_bound_us {
        saturated = true;
        warnings.push(format!(
            "{SATURATED}: send lag p99 was {} (bound {}); requests left later than scheduled because horde could not keep up",
            fmt_us(g.send_lag.p99_us),
            fmt_us(e.lag_bound_us)
        ));
    }
    if g.delayed > 0 {
        saturated = true;
        let share = 100.0 * g.delayed as f64 / g.iterations.max(1) as f64;
        warnings.push(format!(
            "{SATURATED}: {} requests ({share:.1}%) waited for a free connection because all {} were busy (in-flight bound hit); \
             they are timed from their intended send time, so the wait is in their response time — raise the connection count to keep the arrival rate open",
            g.delayed, e.max_vus
        ));
    }
    if g.dropped_iterations > 0 {
        saturated = true;
        warnings.push(format!(
            "{SATURATED}: {} iterations were dropped because no VU was free at their intended start; raise max_vus",
            g.dropped_iterations
        ));
    }
    if !e.open_model && g.busy_ratio > 0.95 {
        saturated = true;
        warnings.push(format!(
            "{SATURATED}: the load generator was busy {:.0}% of the time, so throughput and latency are limited by horde's CPU",
            g.busy_ratio * 100.0
        ));
    }
    if !e.open_model {
        if let Some(w) = closed_model_stalls(e) {
            warnings.push(w);
        }
    }
    if g.interrupted > 0 {
        warnings.push(format!(
            "{} requests were still in flight when the run stopped and are not counted",
            g.interrupted
        ));
    }
    (saturated, warnings)
}

/// In a closed model every connection waits for its response before sending again, so a server
/// stall produces few slow samples instead of many: percentiles hide it (coordinated omission).
/// What does show is throughput collapsing. Throughput per active VU is compared with its median,
/// so that ramps (fewer VUs, fewer requests) are not mistaken for stalls.
fn closed_model_stalls(e: &Evidence<'_>) -> Option<String> {
    let mut per_second: Vec<u64> = Vec::new();
    for p in e.series {
        let s = p.second as usize;
        if per_second.len() <= s {
            per_second.resize(s + 1, 0);
        }
        per_second[s] += p.requests;
    }
    let vus = |s: usize| e.generator_series.get(s).map_or(0, |g| g.active_vus);
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
        fmt_us(e.total.response_time.max_us)
    ))
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

    #[test]
    fn formats() {
        assert_eq!(fmt_us(999), "999µs");
        assert_eq!(fmt_us(1_500), "1.50ms");
        assert_eq!(fmt_us(2_000_000), "2.00s");
    }
}
