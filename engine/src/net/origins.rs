//! A worker's origins: the plan's targets (scheme, host, port and their addresses) plus any found
//! while running (a redirect to another host), and which address each new connection takes.

use socket2::SockAddr;

use crate::metrics::{ErrorClass, Failure};
use crate::plan::options::{AddressSelect, HttpOptions};
use crate::plan::Target;

struct Origin {
    target: Target,
    next: usize,
}

/// The origins one worker connects to; indexes match the plan's target ids, then run-time ones.
pub struct Origins {
    list: Vec<Origin>,
    select: AddressSelect,
}

impl Origins {
    /// The plan's targets.
    pub fn new(targets: &[Target], select: AddressSelect) -> Origins {
        Origins {
            list: targets
                .iter()
                .map(|t| Origin {
                    target: t.clone(),
                    next: 0,
                })
                .collect(),
            select,
        }
    }

    /// Origin `i`.
    pub fn get(&self, i: usize) -> &Target {
        &self.list[i].target
    }

    /// Number of origins.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
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
        http: &HttpOptions,
    ) -> Result<usize, Failure> {
        if let Some(i) = self
            .list
            .iter()
            .position(|o| o.target.tls == tls && o.target.authority == authority)
        {
            return Ok(i);
        }
        let addrs = super::dns::resolve(host, port, &http.dns, &http.hosts).map_err(|_| {
            Failure::new(
                ErrorClass::DnsFailed,
                "a redirect named a host that does not resolve",
            )
        })?;
        let server_name = if tls {
            Some(super::tls::server_name(host).map_err(|_| {
                Failure::new(
                    ErrorClass::BadRedirect,
                    "a redirect named a host that is not a valid TLS server name",
                )
            })?)
        } else {
            None
        };
        self.list.push(Origin {
            target: Target {
                tls,
                host: host.to_string(),
                port,
                authority: authority.to_string(),
                addrs: addrs.into_iter().map(SockAddr::from).collect(),
                server_name,
                dynamic: super::dns::is_dynamic(host, &http.hosts),
            },
            next: 0,
        });
        Ok(self.list.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(addrs: &[&str]) -> Target {
        Target {
            tls: false,
            host: "shop.test".into(),
            port: 80,
            authority: "shop.test".into(),
            addrs: addrs
                .iter()
                .map(|a| SockAddr::from(a.parse::<std::net::SocketAddr>().unwrap()))
                .collect(),
            server_name: None,
            dynamic: false,
        }
    }

    #[test]
    fn round_robin_spreads_evenly_and_first_sticks() {
        let t = [target(&["127.0.0.1:80", "127.0.0.2:80", "127.0.0.3:80"])];
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
        let mut o = Origins::new(&[target(&["127.0.0.1:80"])], AddressSelect::First);
        let http = HttpOptions::default();
        let a = o
            .find_or_add(false, "127.0.0.1:81", "127.0.0.1", 81, &http)
            .unwrap();
        let b = o
            .find_or_add(false, "127.0.0.1:81", "127.0.0.1", 81, &http)
            .unwrap();
        assert_eq!((a, b, o.len()), (1, 1, 2));
    }
}
