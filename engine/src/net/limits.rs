//! The host's limits on connections, checked against a plan before any load: the open-file limit
//! (raised from its soft to its hard value first, as Go programs do) and the ephemeral port range,
//! which bounds the connections one local address can hold to one address and port.
//!
//! A test that needs more than the host allows would fail part-way with `too_many_open_files` or
//! `no_local_ports`; saying so before the run, with the numbers and the fix, is cheaper.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use super::origins::Target;
use crate::plan::{AddressSelect, CompiledPlan};

/// File descriptors a run needs besides its connections: rings, eventfds, outputs, Python's own.
pub const RESERVED_FDS: u64 = 256;

/// The open-file limit, (soft, hard).
pub fn open_file_limit() -> (u64, u64) {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } != 0 {
        return (1024, 1024);
    }
    (r.rlim_cur, r.rlim_max)
}

/// Raises the soft open-file limit to the hard one (what an unprivileged process may do), and
/// returns the limits after.
pub fn raise_open_file_limit() -> (u64, u64) {
    let (soft, hard) = open_file_limit();
    if soft < hard {
        let r = libc::rlimit {
            rlim_cur: hard,
            rlim_max: hard,
        };
        // SAFETY: setrlimit reads the struct we pass; failing leaves the limit as it was.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) };
    }
    open_file_limit()
}

/// The ephemeral port range (`net.ipv4.ip_local_port_range`, which IPv6 shares), inclusive.
pub fn ephemeral_ports() -> (u32, u32) {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().map(|n| n.parse::<u32>().ok());
            Some((it.next()??, it.next()??))
        })
        .filter(|(lo, hi)| lo <= hi)
        .unwrap_or((32768, 60999))
}

/// What the host gives a run.
#[derive(Debug, Clone, Copy)]
pub struct HostLimits {
    /// Open files the process may hold.
    pub open_files: u64,
    /// Ephemeral ports, inclusive.
    pub ports: (u32, u32),
}

impl HostLimits {
    /// The limits now, after raising the soft open-file limit.
    pub fn now() -> HostLimits {
        HostLimits {
            open_files: raise_open_file_limit().0,
            ports: ephemeral_ports(),
        }
    }

    fn port_count(&self) -> u64 {
        u64::from(self.ports.1 - self.ports.0 + 1)
    }
}

/// Most connections the plan may hold at once: in all, and per destination address (with the
/// origin's name for the message).
#[derive(Debug, Default, PartialEq)]
pub struct Needs {
    /// In all: one per VU (a VU holds one connection at a time), or the pools' caps.
    pub total: u64,
    /// Per destination address, with the origin it serves.
    pub per_address: BTreeMap<SocketAddr, (u64, String)>,
}

/// What `plan` may hold at once against `targets` (its origins, resolved).
pub fn needs(plan: &CompiledPlan, targets: &[Target]) -> Needs {
    let mut total_vus = 0u64;
    let mut per_origin = vec![0u64; targets.len()];
    for s in &plan.scenarios {
        let vus = s.executor.max_vus();
        total_vus += vus;
        let mut used = vec![false; targets.len()];
        for (journey, _) in &s.journeys {
            for r in &journey.requests {
                if let Some(u) = used.get_mut(r.http.target) {
                    *u = true;
                }
            }
        }
        for (o, u) in used.iter().enumerate() {
            if *u {
                per_origin[o] += vus;
            }
        }
    }
    if let Some(cap) = plan.client.max_connections_per_host {
        per_origin.iter_mut().for_each(|n| *n = (*n).min(cap));
    }
    let total = total_vus.min(per_origin.iter().sum());
    let mut per_address: BTreeMap<SocketAddr, (u64, String)> = BTreeMap::new();
    for (t, n) in targets.iter().zip(&per_origin) {
        let spread = match plan.client.dns.select {
            AddressSelect::First => 1,
            AddressSelect::RoundRobin | AddressSelect::Random => t.addrs.len().max(1) as u64,
        };
        for a in t.addrs.iter().take(spread as usize) {
            let Some(sa) = a.as_socket() else { continue };
            let e = per_address
                .entry(sa)
                .or_insert((0, t.origin.authority.clone()));
            e.0 += n.div_ceil(spread);
        }
    }
    Needs { total, per_address }
}

/// The warnings for `needs` on a host with `limits`, each with the numbers and the fix.
pub fn check(needs: &Needs, limits: HostLimits, sources: &[IpAddr]) -> Vec<String> {
    let mut out = Vec::new();
    let fds = needs.total + RESERVED_FDS;
    if fds > limits.open_files {
        out.push(format!(
            "this test may hold {} connections at once, and with horde's own files needs about {fds} \
             open files, but the open-file limit is {}: connections past it will fail as \
             too_many_open_files. Raise the limit (`ulimit -n {}` in the shell; as root or in a \
             systemd unit, LimitNOFILE=), or run fewer VUs",
            needs.total,
            limits.open_files,
            fds.next_power_of_two().max(65536),
        ));
    }
    let ports = limits.port_count();
    for (address, (n, origin)) in &needs.per_address {
        let locals = sources
            .iter()
            .filter(|s| s.is_ipv4() == address.is_ipv4())
            .count()
            .max(1) as u64;
        if *n > ports * locals {
            out.push(format!(
                "this test may hold {n} connections at once to {address} ({origin}), but one local \
                 address reaches one address and port over at most {ports} ephemeral ports \
                 (net.ipv4.ip_local_port_range {}-{}){}: connections past it will fail as \
                 no_local_ports. Spread them over {} local addresses or more (source_addresses=[...], \
                 --source-address 127.0.0.2-127.0.0.{} on loopback), or widen the port range",
                limits.ports.0,
                limits.ports.1,
                if locals > 1 {
                    format!(", and this test uses {locals} local addresses")
                } else {
                    String::new()
                },
                n.div_ceil(ports),
                n.div_ceil(ports) + 1,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(total: u64, to: &[(&str, u64)]) -> Needs {
        Needs {
            total,
            per_address: to
                .iter()
                .map(|(a, n)| (a.parse().unwrap(), (*n, "x".to_string())))
                .collect(),
        }
    }

    const HOST: HostLimits = HostLimits {
        open_files: 20_000,
        ports: (32768, 60999),
    };

    #[test]
    fn within_the_limits_nothing_is_said() {
        assert!(check(&needs(1000, &[("127.0.0.1:80", 1000)]), HOST, &[]).is_empty());
    }

    #[test]
    fn too_few_files_names_the_limit_and_the_fix() {
        let w = check(&needs(25_000, &[("127.0.0.1:80", 25_000)]), HOST, &[]);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("25000 connections") && w[0].contains("limit is 20000"));
        assert!(w[0].contains("ulimit -n 65536") && w[0].contains("too_many_open_files"));
    }

    #[test]
    fn too_few_ports_to_one_address_says_how_many_local_addresses() {
        let host = HostLimits {
            open_files: 1 << 20,
            ..HOST
        };
        let w = check(&needs(30_000, &[("127.0.0.1:80", 30_000)]), host, &[]);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("28232 ephemeral ports") && w[0].contains("over 2 local addresses"));
        let four: Vec<IpAddr> = (2..6)
            .map(|i| format!("127.0.0.{i}").parse().unwrap())
            .collect();
        assert!(check(&needs(30_000, &[("127.0.0.1:80", 30_000)]), host, &four).is_empty());
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let (soft, hard) = raise_open_file_limit();
        assert_eq!(soft, hard);
    }
}
