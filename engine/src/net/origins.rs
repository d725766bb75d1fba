//! A worker's origins: the plan's targets (scheme, host, port and their addresses) plus any found
//! while running (a redirect to another host), and which address each new connection takes.

use socket2::SockAddr;

use crate::error::RunError;
use crate::metrics::{ErrorClass, Failure};
use crate::plan::AddressSelect;
use crate::plan::{server_name, DnsSettings, Origin};

/// An origin and the addresses it resolved to.
#[derive(Debug, Clone)]
pub struct Target {
    /// The origin.
    pub origin: Origin,
    /// Its addresses, in the order of the DNS policy (never empty).
    pub addrs: Vec<SockAddr>,
}

/// Resolves every origin of the plan when the run starts; the first name that does not resolve
/// stops the run before any load.
pub fn resolve_origins(origins: &[Origin], dns: &DnsSettings) -> Result<Vec<Target>, RunError> {
    origins
        .iter()
        .map(|o| {
            let addrs =
                super::dns::resolve(&o.host, o.port, dns).map_err(|reason| RunError::Resolve {
                    host: o.host.clone(),
                    reason,
                })?;
            Ok(Target {
                origin: o.clone(),
                addrs: addrs.into_iter().map(SockAddr::from).collect(),
            })
        })
        .collect()
}

struct Entry {
    target: Target,
    next: usize,
}

/// The origins one worker connects to; indexes match the plan's target ids, then run-time ones.
pub struct Origins {
    list: Vec<Entry>,
    select: AddressSelect,
}

impl Origins {
    /// The plan's targets.
    pub fn new(targets: &[Target], select: AddressSelect) -> Origins {
        Origins {
            list: targets
                .iter()
                .map(|t| Entry {
                    target: t.clone(),
                    next: 0,
                })
                .collect(),
            select,
        }
    }

    /// Origin `i`.
    pub fn get(&self, i: usize) -> &Origin {
        &self.list[i].target.origin
    }

    /// Number of origins.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The address a new connection to origin `i` uses.
    pub fn pick(&mut self, i: usize, rng: &mut fastrand::Rng) -> &SockAddr {
        let o = &mut self.list[i];
        let n = o.target.addrs.len().max(1);
        let at = match self.select {
            AddressSelect::First => 0,
            AddressSelect::RoundRobin => {
                o.next = (o.next + 1) % n;
                (o.next + n - 1) % n
            }
            AddressSelect::Random => rng.usize(..n),
        };
        &o.target.addrs[at.min(o.target.addrs.len() - 1)]
    }

    /// New addresses for origin `i` (the resolver's periodic refresh); ignored when empty.
    pub fn update(&mut self, i: usize, addrs: Vec<SockAddr>) {
        if let Some(o) = self.list.get_mut(i) {
            if !addrs.is_empty() {
                o.target.addrs = addrs;
            }
        }
    }

    /// The origin for `scheme://authority`, resolving and adding it when it is new. Resolving
    /// blocks this worker, once per new host: only redirects to hosts the plan never named get
    /// here.
    pub fn find_or_add(
        &mut self,
        tls: bool,
        authority: &str,
        host: &str,
        port: u16,
        dns: &DnsSettings,
    ) -> Result<usize, Failure> {
        if let Some(i) = self
            .list
            .iter()
            .position(|o| o.target.origin.tls == tls && o.target.origin.authority == authority)
        {
            return Ok(i);
        }
        let addrs = super::dns::resolve(host, port, dns).map_err(|_| {
            Failure::new(
                ErrorClass::DnsFailed,
                "a redirect named a host that does not resolve",
            )
        })?;
        let server_name = if tls {
            Some(server_name(host).map_err(|_| {
                Failure::new(
                    ErrorClass::BadRedirect,
                    "a redirect named a host that is not a valid TLS server name",
                )
            })?)
        } else {
            None
        };
        self.list.push(Entry {
            target: Target {
                origin: Origin {
                    tls,
                    host: host.to_string(),
                    port,
                    authority: authority.to_string(),
                    server_name,
                    dynamic: dns.is_dynamic(host),
                },
                addrs: addrs.into_iter().map(SockAddr::from).collect(),
            },
            next: 0,
        });
        Ok(self.list.len() - 1)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn target(authority: &str, addrs: &[&str]) -> Target {
        let (host, port) = authority.rsplit_once(':').unwrap_or((authority, "80"));
        Target {
            origin: Origin {
                tls: false,
                host: host.into(),
                port: port.parse().unwrap(),
                authority: authority.into(),
                server_name: None,
                dynamic: false,
            },
            addrs: addrs
                .iter()
                .map(|a| SockAddr::from(a.parse::<std::net::SocketAddr>().unwrap()))
                .collect(),
        }
    }

    #[test]
    fn round_robin_spreads_evenly_and_first_sticks() {
        let t = [target(
            "shop.test",
            &["127.0.0.1:80", "127.0.0.2:80", "127.0.0.3:80"],
        )];
        let mut rng = fastrand::Rng::with_seed(1);
        let mut o = Origins::new(&t, AddressSelect::RoundRobin);
        let picks: Vec<String> = (0..6)
            .map(|_| format!("{:?}", o.pick(0, &mut rng).as_socket().unwrap()))
            .collect();
        assert_eq!(picks[0], "127.0.0.1:80");
        assert_eq!(picks[1], "127.0.0.2:80");
        assert_eq!(picks[3], "127.0.0.1:80");
        let mut o = Origins::new(&t, AddressSelect::First);
        assert!((0..5)
            .all(|_| format!("{:?}", o.pick(0, &mut rng).as_socket().unwrap()) == "127.0.0.1:80"));
    }

    #[test]
    fn new_origins_are_added_once() {
        let mut o = Origins::new(
            &[target("shop.test", &["127.0.0.1:80"])],
            AddressSelect::First,
        );
        let mut problems = crate::error::Problems::default();
        let dns = crate::plan::ClientSettings::compile(&Default::default(), &mut problems).dns;
        let a = o
            .find_or_add(false, "127.0.0.1:81", "127.0.0.1", 81, &dns)
            .unwrap();
        let b = o
            .find_or_add(false, "127.0.0.1:81", "127.0.0.1", 81, &dns)
            .unwrap();
        assert_eq!((a, b, o.len()), (1, 1, 2));
    }
}
