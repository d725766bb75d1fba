//! Name resolution: the `hosts` override map, the system resolver, and the address-family policy.
//!
//! Resolution never happens on a worker's hot path: names are resolved before the run, and again
//! by the run's resolver thread every TTL (see `run`); workers only pick among the addresses they
//! were given.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use crate::plan::options::{AddressPolicy, DnsOptions};

/// Every address for `host:port`, ordered by `policy`: from the `hosts` map when it names the
/// host, the IP itself when the host is one, else the system resolver.
pub fn resolve(
    host: &str,
    port: u16,
    dns: &DnsOptions,
    hosts: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<SocketAddr>, String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let found: Vec<SocketAddr> = if let Some(entries) = lookup_override(hosts, bare) {
        entries
            .iter()
            .map(|e| parse_override(e, port))
            .collect::<Result<_, _>>()?
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
    http: crate::plan::HttpOptions,
    workers: Vec<crossbeam_channel::Sender<Refresh>>,
    stop: crossbeam_channel::Receiver<()>,
) {
    let ttl = std::time::Duration::from_secs_f64(http.dns.ttl_s.max(0.001));
    let mut last: Vec<Vec<SocketAddr>> = vec![Vec::new(); targets.len()];
    loop {
        match stop.recv_timeout(ttl) {
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        for (i, (target, host, port)) in targets.iter().enumerate() {
            // A failed lookup keeps the addresses the run has: better stale than none.
            let Ok(addrs) = resolve(host, *port, &http.dns, &http.hosts) else {
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

/// Whether names need resolving again while the run goes on (not IPs, not overridden names).
pub fn is_dynamic(host: &str, hosts: &BTreeMap<String, Vec<String>>) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_err() && lookup_override(hosts, bare).is_none()
}

fn lookup_override<'a>(
    hosts: &'a BTreeMap<String, Vec<String>>,
    host: &str,
) -> Option<&'a Vec<String>> {
    hosts
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(host))
        .map(|(_, v)| v)
}

/// Parses one `hosts` entry: an IP (`127.0.0.1`, `::1`) taking the URL's port, or an IP and a port
/// (`127.0.0.1:8443`, `[::1]:8443`).
pub fn parse_override(entry: &str, port: u16) -> Result<SocketAddr, String> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    if let Ok(ip) = entry
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Ok(SocketAddr::new(ip, port));
    }
    entry.parse::<SocketAddr>().map_err(|_| {
        format!("{entry:?} is not an IP address or IP:port (like 127.0.0.1, [::1]:8443)")
    })
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

    fn hosts(name: &str, entries: &[&str]) -> BTreeMap<String, Vec<String>> {
        BTreeMap::from([(
            name.to_string(),
            entries.iter().map(|e| e.to_string()).collect(),
        )])
    }

    #[test]
    fn overrides_win_and_take_the_url_port_unless_they_name_one() {
        let h = hosts("Shop.Test", &["127.0.0.2", "[::1]:9443", "127.0.0.3:81"]);
        let got = resolve("shop.test", 443, &DnsOptions::default(), &h).unwrap();
        let want: Vec<SocketAddr> = vec![
            "127.0.0.2:443".parse().unwrap(),
            "127.0.0.3:81".parse().unwrap(),
            "[::1]:9443".parse().unwrap(),
        ];
        assert_eq!(got, want, "IPv4 first by default");
        assert!(!is_dynamic("shop.test", &h));
        assert!(!is_dynamic("[::1]", &h));
        assert!(is_dynamic("localhost", &h));
    }

    #[test]
    fn family_policies() {
        let addrs: Vec<SocketAddr> =
            vec!["[::1]:80".parse().unwrap(), "127.0.0.1:80".parse().unwrap()];
        assert!(order(addrs.clone(), AddressPolicy::PreferIpv4)[0].is_ipv4());
        assert!(order(addrs.clone(), AddressPolicy::PreferIpv6)[0].is_ipv6());
        assert_eq!(order(addrs.clone(), AddressPolicy::OnlyIpv6).len(), 1);
        assert_eq!(order(addrs.clone(), AddressPolicy::Any), addrs);
        let dns = DnsOptions {
            policy: AddressPolicy::OnlyIpv6,
            ..DnsOptions::default()
        };
        let e = resolve("127.0.0.1", 80, &dns, &BTreeMap::new()).unwrap_err();
        assert!(e.contains("only_ipv6"), "{e}");
    }

    #[test]
    fn bad_override_entries_are_named() {
        let e = parse_override("not-an-ip", 80).unwrap_err();
        assert!(e.contains("not-an-ip"), "{e}");
    }
}
