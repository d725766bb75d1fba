//! `StopSignal`: how the outside (Ctrl-C in Python, an aborting threshold) tells workers to stop.
//!
//! A level in an atomic, plus one eventfd per worker that the worker keeps a read armed on, so a
//! worker sleeping in the kernel wakes at once instead of polling. The engine installs no signal
//! handlers: embedding code decides what a signal means.

use std::sync::atomic::{AtomicU8, Ordering};

/// How hard to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum StopLevel {
    /// Keep going.
    Run = 0,
    /// Start no new iterations; let in-flight requests finish (up to the graceful stop time).
    Graceful = 1,
    /// Cancel everything in flight now.
    Abort = 2,
}

/// Shared between the run handle and the workers.
#[derive(Debug)]
pub struct StopSignal {
    level: AtomicU8,
    wakers: Vec<i32>,
}

impl StopSignal {
    /// A signal with one eventfd per worker.
    pub fn new(workers: usize) -> std::io::Result<StopSignal> {
        let mut wakers = Vec::with_capacity(workers);
        for _ in 0..workers {
            // SAFETY: plain eventfd creation; the fd is owned by this struct.
            let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
            if fd < 0 {
                let e = std::io::Error::last_os_error();
                for fd in wakers {
                    // SAFETY: closing fds created above, once.
                    unsafe { libc::close(fd) };
                }
                return Err(e);
            }
            wakers.push(fd);
        }
        Ok(StopSignal {
            level: AtomicU8::new(StopLevel::Run as u8),
            wakers,
        })
    }

    /// The current level.
    pub fn level(&self) -> StopLevel {
        match self.level.load(Ordering::Acquire) {
            0 => StopLevel::Run,
            1 => StopLevel::Graceful,
            _ => StopLevel::Abort,
        }
    }

    /// Raises the level (never lowers it) and wakes every worker.
    pub fn request(&self, level: StopLevel) {
        self.level.fetch_max(level as u8, Ordering::AcqRel);
        for &fd in &self.wakers {
            let one: u64 = 1;
            // SAFETY: writing 8 bytes to an eventfd we own.
            unsafe { libc::write(fd, (&one as *const u64).cast(), 8) };
        }
    }

    /// Worker `index`'s eventfd.
    pub fn waker(&self, index: usize) -> i32 {
        self.wakers[index]
    }
}

impl Drop for StopSignal {
    fn drop(&mut self) {
        for &fd in &self.wakers {
            // SAFETY: closing fds we own, once.
            unsafe { libc::close(fd) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_only_rises() {
        let s = StopSignal::new(2).unwrap();
        assert_eq!(s.level(), StopLevel::Run);
        s.request(StopLevel::Abort);
        s.request(StopLevel::Graceful);
        assert_eq!(s.level(), StopLevel::Abort);
    }
}
