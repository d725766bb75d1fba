//! Time, read the cheap way: CLOCK_MONOTONIC nanoseconds as plain `u64`s.
//!
//! Every timestamp in the engine is nanoseconds on the monotonic clock, so that intended send times
//! (computed), actual send times (read once per loop turn) and completion times (from the kernel's
//! receive timestamps, which are CLOCK_REALTIME) can be compared by subtraction. This module owns
//! the one conversion between the two clocks.

/// Seconds (validated finite and ≥ 0) to nanoseconds: the one place plan durations change unit.
pub fn seconds_to_ns(seconds: f64) -> u64 {
    (seconds * 1e9).round().clamp(0.0, u64::MAX as f64) as u64
}

/// Nanoseconds on CLOCK_MONOTONIC.
pub fn now_ns() -> u64 {
    read(libc::CLOCK_MONOTONIC)
}

/// CPU time consumed by the calling thread (user + system), ns. A syscall: call it rarely.
pub fn thread_cpu_ns() -> u64 {
    read(libc::CLOCK_THREAD_CPUTIME_ID)
}

fn read(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; clock_gettime cannot fail for these clock ids on Linux.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    timespec_ns(&ts)
}

fn timespec_ns(ts: &libc::timespec) -> u64 {
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

/// The offset between CLOCK_REALTIME and CLOCK_MONOTONIC, sampled once per loop turn, used to place
/// kernel receive timestamps (SO_TIMESTAMPNS, realtime) on the monotonic time line.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealtimeOffset {
    realtime_minus_mono: i128,
}

/// A realtime reading bracketed by two monotonic ones further apart than this was interrupted
/// (a preempted vCPU): its offset could be off by the interruption, so it is taken again.
const SAMPLE_GAP_NS: i128 = 10_000;

impl RealtimeOffset {
    /// Samples both clocks: the realtime clock read between two monotonic readings, against
    /// their midpoint. A sample whose bracket is wide (the thread was preempted between the
    /// reads, which on a shared VM can last milliseconds and would misplace every kernel
    /// timestamp of the turn by as much) is taken again; the tightest of a few is kept.
    pub fn sample() -> Self {
        let mut best = (i128::MAX, 0);
        for _ in 0..4 {
            let before = read(libc::CLOCK_MONOTONIC) as i128;
            let real = read(libc::CLOCK_REALTIME) as i128;
            let after = read(libc::CLOCK_MONOTONIC) as i128;
            let gap = after - before;
            if gap < best.0 {
                best = (gap, real - (before + after) / 2);
            }
            if gap <= SAMPLE_GAP_NS {
                break;
            }
        }
        Self {
            realtime_minus_mono: best.1,
        }
    }

    /// Converts a realtime timestamp to monotonic nanoseconds (saturating at zero).
    pub fn to_monotonic(self, realtime: &libc::timespec) -> u64 {
        let mono = timespec_ns(realtime) as i128 - self.realtime_minus_mono;
        mono.clamp(0, u64::MAX as i128) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_never_goes_back() {
        let a = now_ns();
        let b = now_ns();
        assert!(b >= a);
    }

    #[test]
    fn realtime_now_maps_to_monotonic_now() {
        let offset = RealtimeOffset::sample();
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
        let mono = offset.to_monotonic(&ts);
        let now = now_ns();
        assert!(now.abs_diff(mono) < 50_000_000, "{now} vs {mono}");
    }
}
