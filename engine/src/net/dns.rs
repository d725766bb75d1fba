//! Name resolution: the plan's `hosts` entries, the system resolver, and the address-family
//! policy.
//!
//! Resolution never happens on a worker's hot path: names are resolved before the run, and again
//! by the run's resolver thread every TTL (see `run`); workers only pick among the addresses they
//! were given.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use crate::plan::AddressPolicy;
use crate::plan::{bare_host, DnsSettings};

/// Every address for `host:port`, ordered by the family policy: from the plan's `hosts` entries
/// when they name the host, the IP itself when the host is one, else the system resolver.
pub fn resolve(host: &str, port: u16, dns: &DnsSettings) -> Result<Vec<SocketAddr>, String> {
    let bare = bare_host(host);
    let found: Vec<SocketAddr> = if let Some(entries) = dns.overrides(host) {
        entries.iter().map(|e| e.with_default_port(port)).collect()
    } else if let Ok(ip) = bare.parse::<IpAddr>() {
        vec![SocketAddr::new(ip, port)]
    } else {
        (bare, port)
            .to_socket_addrs()
            .map_err(|e| e.to_string())?
            .collect()
    };
    let ordered = order(found, dns.policy);
    if ordered.is_empty() {
        return Err(match dns.policy {
            AddressPolicy::OnlyIpv4 => "no IPv4 address (dns.policy is only_ipv4)".into(),
            AddressPolicy::OnlyIpv6 => "no IPv6 address (dns.policy is only_ipv6)".into(),
            _ => "no addresses".into(),
        });
    }
    Ok(ordered)
}

/// New addresses for a target: its index and what its name resolves to now.
pub type Refresh = (usize, Vec<socket2::SockAddr>);

/// Resolves the plan's names again every `ttl_s` until `stop` says the run is over, and sends
/// what changed to every worker. Runs on its own thread: a slow resolver never delays a request.
pub fn refresh_loop(
    targets: Vec<(usize, String, u16)>,
    dns: DnsSettings,
    workers: Vec<crossbeam_channel::Sender<Refresh>>,
    stop: crossbeam_channel::Receiver<()>,
) {
    let ttl = std::time::Duration::from_nanos(dns.ttl_ns.max(1_000_000));
    let mut last: Vec<Vec<SocketAddr>> = vec![Vec::new(); targets.len()];
    loop {
        match stop.recv_timeout(ttl) {
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        for (i, (target, host, port)) in targets.iter().enumerate() {
            // A failed lookup keeps the addresses the run has: better stale than none.
            let Ok(addrs) = resolve(host, *port, &dns) else {
                continue;
            };
            if addrs == last[i] {
                continue;
            }
            let sock: Vec<socket2::SockAddr> =
                addrs.iter().map(|a| socket2::SockAddr::from(*a)).collect();
            last[i] = addrs;
            for w in &workers {
                let _ = w.send((*target, sock.clone()));
            }
        }
    }
}

/// Filters and orders addresses by family policy; otherwise keeps the resolver's order.
pub fn order(addrs: Vec<SocketAddr>, policy: AddressPolicy) -> Vec<SocketAddr> {
    let mut out: Vec<SocketAddr> = Vec::with_capacity(addrs.len());
    for a in addrs {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    match policy {
        AddressPolicy::Any => out,
        AddressPolicy::OnlyIpv4 => out.into_iter().filter(SocketAddr::is_ipv4).collect(),
        AddressPolicy::OnlyIpv6 => out.into_iter().filter(SocketAddr::is_ipv6).collect(),
        AddressPolicy::PreferIpv4 => {
            out.sort_by_key(|a| a.is_ipv6());
            out
        }
        AddressPolicy::PreferIpv6 => {
            out.sort_by_key(|a| a.is_ipv4());
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ClientSettings;
    use crate::plan::HttpOptions;

    fn dns(hosts: &[(&str, &[&str])], policy: AddressPolicy) -> DnsSettings {
        let http = HttpOptions {
            hosts: hosts
                .iter()
                .map(|(n, e)| (n.to_string(), e.iter().map(|s| s.to_string()).collect()))
                .collect(),
            ..HttpOptions::default()
        };
        let mut problems = crate::error::Problems::default();
        let mut s = ClientSettings::compile(&http, &mut problems).dns;
        s.policy = policy;
        s
    }

    #[test]
    fn overrides_win_and_take_the_url_port_unless_they_name_one() {
        let d = dns(
            &[("Shop.Test", &["127.0.0.2", "[::1]:9443", "127.0.0.3:81"])],
            AddressPolicy::PreferIpv4,
        );
        let got = resolve("shop.test", 443, &d).unwrap();
        let want: Vec<SocketAddr> = vec![
            "127.0.0.2:443".parse().unwrap(),
            "127.0.0.3:81".parse().unwrap(),
            "[::1]:9443".parse().unwrap(),
        ];
        assert_eq!(got, want, "IPv4 first by default");
    }

    #[test]
    fn family_policies() {
        let addrs: Vec<SocketAddr> =
            vec!["[::1]:80".parse().unwrap(), "127.0.0.1:80".parse().unwrap()];
        assert!(order(addrs.clone(), AddressPolicy::PreferIpv4)[0].is_ipv4());
        assert!(order(addrs.clone(), AddressPolicy::PreferIpv6)[0].is_ipv6());
        assert_eq!(order(addrs.clone(), AddressPolicy::OnlyIpv6).len(), 1);
        assert_eq!(order(addrs.clone(), AddressPolicy::Any), addrs);
        let e = resolve("127.0.0.1", 80, &dns(&[], AddressPolicy::OnlyIpv6)).unwrap_err();
        assert!(e.contains("only_ipv6"), "{e}");
    }
}
