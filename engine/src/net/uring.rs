//! The io_uring ring of one worker: setup flags, submission, waiting, completions.
//!
//! This is the only file that names the io_uring crate, so the io layer can change behind it.
//! Why the raw `io-uring` crate and not a runtime: measured on these machines (benches/README.md),
//! the ring's setup flags decide the cost more than the runtime does, and the raw crate with a
//! small completion loop is the cheapest and the only layer exposing DEFER_TASKRUN, absolute-time
//! waits and cancellation by file descriptor. The ring must be built on the thread that uses it,
//! after pinning (SINGLE_ISSUER).

use std::io;

use io_uring::types::{CancelBuilder, Fd, SubmitArgs, Timespec};
use io_uring::{opcode, squeue, EnterFlags, IoUring};

/// Which setup flags the kernel accepted, for the result (the cost differs ~2x between them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingMode {
    /// SINGLE_ISSUER | DEFER_TASKRUN (kernel ≥ 6.1): completions run only when we wait.
    DeferTaskrun,
    /// COOP_TASKRUN | TASKRUN_FLAG (kernel ≥ 5.19): no IPI per completion.
    CoopTaskrun,
    /// No flags: works everywhere io_uring does, at about twice the CPU cost.
    Plain,
}

impl RingMode {
    /// Name used in results.
    pub fn name(self) -> &'static str {
        match self {
            RingMode::DeferTaskrun => "defer_taskrun",
            RingMode::CoopTaskrun => "coop_taskrun",
            RingMode::Plain => "plain",
        }
    }
}

/// Applies one set of setup flags to a ring builder.
type Configure = fn(&mut io_uring::Builder);

/// The most completion-queue entries the kernel allows (`IORING_MAX_CQ_ENTRIES`).
const MAX_COMPLETIONS: u32 = 65_536;

/// One completion, decoded.
#[derive(Debug, Clone, Copy)]
pub struct Completion {
    /// The user data given at submission.
    pub user_data: u64,
    /// Result: bytes or a negative errno.
    pub result: i32,
}

/// A worker's ring.
pub struct Ring {
    ring: IoUring,
    mode: RingMode,
    absolute_timer: bool,
    no_iowait: bool,
    /// Entries queued since the last `submit_and_wait`.
    pushed: u32,
    /// Submissions forced by a full queue since then: (entries submitted, when).
    early: Vec<(u32, u64)>,
}

impl Ring {
    /// Builds a ring with the best setup flags the kernel accepts.
    pub fn new(entries: u32) -> io::Result<Ring> {
        // The kernel takes at most 32,768 entries and twice that many completions; CLAMP makes it
        // round a larger request down instead of refusing it.
        let cq = entries.saturating_mul(4).min(MAX_COMPLETIONS);
        let attempts: [(RingMode, Configure); 3] = [
            (RingMode::DeferTaskrun, |b| {
                b.setup_single_issuer().setup_defer_taskrun();
            }),
            (RingMode::CoopTaskrun, |b| {
                b.setup_coop_taskrun().setup_taskrun_flag();
            }),
            (RingMode::Plain, |_| {}),
        ];
        let mut last_error = None;
        for (mode, configure) in attempts {
            let mut builder = IoUring::builder();
            builder.setup_cqsize(cq).setup_clamp();
            configure(&mut builder);
            match builder.build(entries) {
                Ok(ring) => {
                    let params = ring.params();
                    let absolute_timer = params.is_feature_min_timeout();
                    let no_iowait = params.is_feature_no_iowait();
                    return Ok(Ring {
                        ring,
                        mode,
                        absolute_timer,
                        no_iowait,
                        pushed: 0,
                        early: Vec::new(),
                    });
                }
                // EINVAL: flags unknown to this kernel; try fewer. Anything else is final.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("io_uring setup failed")))
    }

    /// The setup flags in use.
    pub fn mode(&self) -> RingMode {
        self.mode
    }

    /// Queues an entry, submitting first if the submission queue is full.
    fn push(&mut self, entry: &squeue::Entry) {
        loop {
            // SAFETY: every caller guarantees that the buffers the entry points to stay valid and
            // unmoved until its completion is reaped (they live in boxed, slab-owned connections).
            if unsafe { self.ring.submission().push(entry) }.is_ok() {
                self.pushed += 1;
                return;
            }
            // Queue full: hand what we have to the kernel now (completions stay in the CQ), and
            // remember when, so that the sends in it are stamped with the time they really left.
            self.early.push((self.pushed, crate::clock::now_ns()));
            let _ = self.ring.submit();
        }
    }

    /// A mark for the next entry to be queued (see `submitted_at`).
    pub fn mark(&self) -> u32 {
        self.pushed
    }

    /// When the entry queued at `mark` goes to the kernel: at a submission a full queue forced,
    /// or else at the next `submit_and_wait`, which the caller is about to make at `next_ns`.
    pub fn submitted_at(&self, mark: u32, next_ns: u64) -> u64 {
        self.early
            .iter()
            .find(|&&(submitted, _)| mark < submitted)
            .map_or(next_ns, |&(_, at)| at)
    }

    /// Starts connecting `fd` to `addr`.
    ///
    /// # Safety
    /// `addr` must stay valid until the completion is reaped.
    pub unsafe fn connect(
        &mut self,
        fd: i32,
        addr: *const libc::sockaddr,
        len: u32,
        user_data: u64,
    ) {
        let e = opcode::Connect::new(Fd(fd), addr, len)
            .build()
            .user_data(user_data);
        self.push(&e);
    }

    /// Sends `len` bytes from `buf`, then (linked, only if the whole send succeeded) receives with
    /// `msg`. A successful send posts no completion: the receive's completion implies it.
    ///
    /// # Safety
    /// `buf` and `msg` (and what it points to) must stay valid until the receive's completion.
    pub unsafe fn send_then_recv(
        &mut self,
        fd: i32,
        buf: *const u8,
        len: u32,
        msg: *mut libc::msghdr,
        send_ud: u64,
        recv_ud: u64,
    ) {
        let send = opcode::Send::new(Fd(fd), buf, len)
            .flags(libc::MSG_WAITALL | libc::MSG_NOSIGNAL)
            .build()
            .flags(squeue::Flags::IO_LINK | squeue::Flags::SKIP_SUCCESS)
            .user_data(send_ud);
        let recv = opcode::RecvMsg::new(Fd(fd), msg).build().user_data(recv_ud);
        self.push(&send);
        self.push(&recv);
    }

    /// Sends `len` bytes from `buf` on its own (a request body after `100 Continue`). A successful
    /// send posts no completion.
    ///
    /// # Safety
    /// `buf` must stay valid until the send completes (at the latest, when the exchange's receive
    /// completes and is followed by no other operation on the buffer).
    pub unsafe fn send(&mut self, fd: i32, buf: *const u8, len: u32, user_data: u64) {
        let e = opcode::Send::new(Fd(fd), buf, len)
            .flags(libc::MSG_WAITALL | libc::MSG_NOSIGNAL)
            .build()
            .flags(squeue::Flags::SKIP_SUCCESS)
            .user_data(user_data);
        self.push(&e);
    }

    /// Receives more bytes with `msg`.
    ///
    /// # Safety
    /// `msg` (and what it points to) must stay valid until the completion is reaped.
    pub unsafe fn recv(&mut self, fd: i32, msg: *mut libc::msghdr, user_data: u64) {
        let e = opcode::RecvMsg::new(Fd(fd), msg)
            .build()
            .user_data(user_data);
        self.push(&e);
    }

    /// Reads one 8-byte counter from an eventfd into `buf` (the worker's wake-up channel).
    ///
    /// # Safety
    /// `buf` must stay valid until the completion is reaped.
    pub unsafe fn read_eventfd(&mut self, fd: i32, buf: *mut u64, user_data: u64) {
        let e = opcode::Read::new(Fd(fd), buf.cast(), 8)
            .build()
            .user_data(user_data);
        self.push(&e);
    }

    /// Cancels every operation in flight on `fd` (timeouts, stop). Posts no completion itself on
    /// success; the cancelled operations complete with `-ECANCELED`.
    pub fn cancel_fd(&mut self, fd: i32) {
        let e = opcode::AsyncCancel2::new(CancelBuilder::fd(Fd(fd)).all())
            .build()
            .flags(squeue::Flags::SKIP_SUCCESS)
            .user_data(0);
        self.push(&e);
    }

    /// Submits queued entries and waits until `want` completions are ready or `deadline_ns`
    /// (CLOCK_MONOTONIC) passes. Returns without waiting when `want` is 0.
    pub fn submit_and_wait(
        &mut self,
        want: usize,
        deadline_ns: Option<u64>,
        now_ns: u64,
    ) -> io::Result<()> {
        self.pushed = 0;
        self.early.clear();
        let Some(deadline) = deadline_ns else {
            return self.ring.submit_and_wait(want).map(drop);
        };
        let mut flags = EnterFlags::empty();
        if self.no_iowait {
            flags |= EnterFlags::NO_IOWAIT;
        }
        let ts = if self.absolute_timer {
            flags |= EnterFlags::ABS_TIMER;
            timespec(deadline)
        } else {
            timespec(deadline.saturating_sub(now_ns))
        };
        let args = SubmitArgs::new().timespec(&ts);
        match self
            .ring
            .submitter()
            .submit_with_args_and_flags(want, &args, flags)
        {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ETIME | libc::EINTR | libc::EBUSY)
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Moves all ready completions into `out` (cleared first).
    pub fn drain(&mut self, out: &mut Vec<Completion>) {
        out.clear();
        out.extend(self.ring.completion().map(|c| Completion {
            user_data: c.user_data(),
            result: c.result(),
        }));
    }
}

fn timespec(ns: u64) -> Timespec {
    Timespec::new()
        .sec(ns / 1_000_000_000)
        .nsec((ns % 1_000_000_000) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_builds_and_times_out() {
        let mut ring = Ring::new(8).expect("io_uring available in the test environment");
        let now = crate::clock::now_ns();
        ring.submit_and_wait(1, Some(now + 2_000_000), now).unwrap();
        assert!(crate::clock::now_ns() >= now + 1_000_000);
        let mut out = Vec::new();
        ring.drain(&mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn the_largest_ring_a_worker_asks_for_builds() {
        // 8,192 VUs or more on one worker ask for the kernel's most entries.
        let ring = Ring::new(32_768).expect("the kernel's largest ring");
        assert!(ring.ring.params().sq_entries() >= 32_768);
        assert!(
            Ring::new(1 << 20).is_ok(),
            "larger requests are clamped, not refused"
        );
    }

    #[test]
    fn entries_a_full_queue_forced_out_early_know_when_they_left() {
        let mut ring = Ring::new(4).expect("io_uring available in the test environment");
        let before = crate::clock::now_ns();
        for _ in 0..10 {
            ring.cancel_fd(-1); // cancels nothing; any entry will do
        }
        assert_eq!(ring.early.len(), 2, "4 + 4 forced out, 2 left queued");
        let (first, second) = (ring.early[0], ring.early[1]);
        assert_eq!((first.0, second.0), (4, 8));
        assert!(first.1 >= before && second.1 >= first.1);
        let next = u64::MAX;
        assert_eq!(ring.submitted_at(0, next), first.1);
        assert_eq!(ring.submitted_at(5, next), second.1);
        assert_eq!(ring.submitted_at(9, next), next);
        ring.submit_and_wait(0, None, 0).unwrap();
        assert_eq!((ring.mark(), ring.early.len()), (0, 0), "a new turn");
    }
}
