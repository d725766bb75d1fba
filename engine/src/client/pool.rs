//! Shared connections per host (`max_connections_per_host`): VUs borrow a connection for one
//! exchange and give it back; when every connection to a host is busy, a VU waits its turn, in
//! arrival order, and the wait counts in its response time (the request was due when it started
//! waiting). This is how a browser's six connections per host, or a service's client pool, behave.
//!
//! Without a cap the pool is off and every VU keeps its own connection.

use std::collections::VecDeque;

use crate::net::Conn;

#[derive(Default)]
struct HostPool {
    /// Connections open to this origin, idle or lent (or promised to a waiter).
    open: u64,
    /// Idle connections, most recently used last.
    idle: Vec<Conn>,
    /// VUs waiting for a connection, in arrival order.
    waiters: VecDeque<u32>,
    /// Waiters whose turn has come, and what they were given: an idle connection (true) or room
    /// to open one (false). Nobody else may take what was promised to them.
    granted: Vec<(u32, bool)>,
}

impl HostPool {
    fn promised_idle(&self) -> usize {
        self.granted.iter().filter(|(_, idle)| *idle).count()
    }

    /// Hands what just came free (an idle connection, or room for one) to the first waiter.
    fn pass_on(&mut self, idle: bool, ready: &mut Vec<u32>) -> bool {
        match self.waiters.pop_front() {
            Some(next) => {
                self.granted.push((next, idle));
                ready.push(next);
                true
            }
            None => false,
        }
    }
}

/// What a VU gets when it asks for a connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Lease {
    /// An idle open connection (swapped into the VU).
    Idle,
    /// Room to open a new one.
    Open,
    /// None: the VU is queued.
    Wait,
}

/// One worker's pools, by origin index.
pub struct Pools {
    cap: Option<u64>,
    hosts: Vec<HostPool>,
    spares: Vec<Conn>,
    /// VUs whose turn has come, for the worker to resume.
    pub ready: Vec<u32>,
}

impl Pools {
    /// Pools holding at most `cap` connections per origin (this worker's share), or none.
    pub fn new(cap: Option<u64>) -> Pools {
        Pools {
            cap,
            hosts: Vec::new(),
            spares: Vec::new(),
            ready: Vec::new(),
        }
    }

    /// Whether connections are pooled.
    pub fn enabled(&self) -> bool {
        self.cap.is_some()
    }

    /// Whether any VU waits for a connection (a completion may hand one over: act on it at once).
    pub fn has_waiters(&self) -> bool {
        self.cap.is_some() && self.hosts.iter().any(|h| !h.waiters.is_empty())
    }

    fn host(&mut self, origin: usize) -> &mut HostPool {
        if self.hosts.len() <= origin {
            self.hosts.resize_with(origin + 1, HostPool::default);
        }
        &mut self.hosts[origin]
    }

    /// Asks for a connection to `origin` for VU `slot`, whose (closed) connection is `conn`: an
    /// idle one is swapped into `conn`. Nobody jumps the queue.
    pub fn acquire(&mut self, origin: usize, slot: u32, conn: &mut Conn) -> Lease {
        let cap = self.cap.unwrap_or(u64::MAX);
        self.host(origin);
        let host = &mut self.hosts[origin];
        let lease = if let Some(i) = host.granted.iter().position(|&(s, _)| s == slot) {
            let (_, idle) = host.granted.swap_remove(i);
            if idle {
                Lease::Idle
            } else {
                Lease::Open
            }
        } else if !host.waiters.is_empty() {
            Lease::Wait
        } else if host.idle.len() > host.promised_idle() {
            Lease::Idle
        } else if host.open < cap {
            host.open += 1;
            Lease::Open
        } else {
            Lease::Wait
        };
        match lease {
            Lease::Idle => {
                let mut idle = host.idle.pop().expect("an idle connection was counted");
                std::mem::swap(conn, &mut idle);
                self.spares.push(idle);
            }
            Lease::Wait => host.waiters.push_back(slot),
            Lease::Open => {}
        }
        lease
    }

    /// Takes back the connection `conn` lent for `origin` (open: kept idle for the next VU; closed:
    /// its place is free), and lets the first waiter go.
    pub fn release(&mut self, origin: usize, conn: &mut Conn) {
        let spare = self.spares.pop().unwrap_or_default();
        self.host(origin);
        let host = &mut self.hosts[origin];
        if conn.is_open() {
            host.idle.push(std::mem::replace(conn, spare));
            host.pass_on(true, &mut self.ready);
        } else {
            self.spares.push(spare);
            if !host.pass_on(false, &mut self.ready) {
                host.open = host.open.saturating_sub(1);
            }
        }
    }

    /// Forgets a waiting VU (the run cut its iteration), passing on anything promised to it.
    pub fn forget(&mut self, origin: usize, slot: u32) {
        let Some(host) = self.hosts.get_mut(origin) else {
            return;
        };
        host.waiters.retain(|&s| s != slot);
        if let Some(i) = host.granted.iter().position(|&(s, _)| s == slot) {
            let (_, idle) = host.granted.swap_remove(i);
            if !host.pass_on(idle, &mut self.ready) && !idle {
                host.open = host.open.saturating_sub(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_get_connections_in_turn_and_nobody_jumps_the_queue() {
        let mut pools = Pools::new(Some(1));
        let (mut a, mut b, mut c) = (Conn::new(), Conn::new(), Conn::new());
        assert_eq!(pools.acquire(0, 1, &mut a), Lease::Open);
        assert_eq!(pools.acquire(0, 2, &mut b), Lease::Wait);
        // A's connection closed: its place goes to B, not to C who asks later.
        pools.release(0, &mut a);
        assert_eq!(pools.ready, [2]);
        assert_eq!(pools.acquire(0, 3, &mut c), Lease::Wait);
        assert_eq!(pools.acquire(0, 2, &mut b), Lease::Open);
        // B is cut before it gives its place back: C gets it.
        pools.ready.clear();
        pools.release(0, &mut b);
        assert_eq!(pools.ready, [3]);
        pools.forget(0, 3);
        assert_eq!(pools.acquire(0, 4, &mut c), Lease::Open, "room came back");
        assert!(pools.enabled() && !Pools::new(None).enabled());
    }
}
