//! The HTTP client's options compiled into what the client uses while running: durations in
//! nanoseconds, policies as values, `hosts` entries parsed into addresses, TLS files read. After
//! this, nothing reads `options.http` again.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use rustls::pki_types::ServerName;

use super::tls::TlsSettings;
use crate::clock::seconds_to_ns;
use crate::error::Problems;
use crate::http::Limits;
use crate::plan::{AddressPolicy, AddressSelect, ConnectionPolicy, CookiePolicy, HttpOptions};

/// The HTTP client's settings for a run.
#[derive(Debug)]
pub struct ClientSettings {
    /// Response size limits.
    pub limits: Limits,
    /// TCP connect (and TLS handshake) timeout, ns.
    pub connect_timeout_ns: u64,
    /// Statuses counted as success (inclusive).
    pub expected_status: (u16, u16),
    /// The lifetime of a VU's cookie jar.
    pub cookies: CookiePolicy,
    /// When a VU opens a new connection.
    pub connections: ConnectionPolicy,
    /// Bodies a check or extraction reads are decoded (`Accept-Encoding` was offered).
    pub decode_bodies: bool,
    /// How long a body held back for `Expect: 100-continue` waits for the go-ahead, ns.
    pub expect_continue_timeout_ns: u64,
    /// At most this many connections per origin across the run, shared by VUs (a pool).
    pub max_connections_per_host: Option<u64>,
    /// Name resolution.
    pub dns: DnsSettings,
    /// HTTPS.
    pub tls: TlsSettings,
    /// Local addresses new connections take in turn (empty: the kernel picks).
    pub source_addresses: Vec<IpAddr>,
}

/// Local addresses as `source_addresses` gives them: IPs, or IPv4 ranges `a.b.c.d-a.b.c.e`.
pub fn source_addresses(entries: &[String]) -> Result<Vec<IpAddr>, (usize, String)> {
    const MOST: u32 = 4096;
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let entry = entry.trim();
        let bad = || {
            (
                i,
                format!("{entry:?} is not an IP address or an IPv4 range like 127.0.0.2-127.0.0.9"),
            )
        };
        match entry.split_once('-') {
            None => out.push(entry.parse::<IpAddr>().map_err(|_| bad())?),
            Some((a, b)) => {
                let (a, b) = (
                    a.trim().parse::<std::net::Ipv4Addr>().map_err(|_| bad())?,
                    b.trim().parse::<std::net::Ipv4Addr>().map_err(|_| bad())?,
                );
                let (lo, hi) = (u32::from(a), u32::from(b));
                if lo > hi || hi - lo >= MOST {
                    return Err((
                        i,
                        format!("{entry:?}: a range runs upwards over at most {MOST} addresses"),
                    ));
                }
                out.extend((lo..=hi).map(|n| IpAddr::from(std::net::Ipv4Addr::from(n))));
            }
        }
    }
    Ok(out)
}

/// Name resolution settings.
#[derive(Debug, Clone)]
pub struct DnsSettings {
    /// How often names are resolved again while the run goes on, ns.
    pub ttl_ns: u64,
    /// Which resolved address a new connection uses.
    pub select: AddressSelect,
    /// Which address families, in which order.
    pub policy: AddressPolicy,
    /// Host names (lower case) answered from the plan instead of DNS.
    pub hosts: BTreeMap<String, Vec<HostAddress>>,
}

/// One `hosts` entry: an IP, with a port of its own or the URL's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostAddress {
    /// The address.
    pub ip: IpAddr,
    /// Its port, when the entry names one.
    pub port: Option<u16>,
}

impl HostAddress {
    /// Parses `127.0.0.1`, `::1`, `[::1]`, `127.0.0.1:8443` or `[::1]:8443`.
    pub fn parse(entry: &str) -> Result<HostAddress, String> {
        let entry = entry.trim();
        let bare = entry.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(HostAddress { ip, port: None });
        }
        entry
            .parse::<SocketAddr>()
            .map(|a| HostAddress {
                ip: a.ip(),
                port: Some(a.port()),
            })
            .map_err(|_| {
                format!("{entry:?} is not an IP address or IP:port (like 127.0.0.1, [::1]:8443)")
            })
    }

    /// The socket address for a URL whose port is `port`.
    pub fn with_default_port(self, port: u16) -> SocketAddr {
        SocketAddr::new(self.ip, self.port.unwrap_or(port))
    }
}

impl DnsSettings {
    /// The `hosts` entries for `host` (any case, brackets allowed), if the plan names it.
    pub fn overrides(&self, host: &str) -> Option<&[HostAddress]> {
        self.hosts
            .get(&bare_host(host).to_ascii_lowercase())
            .map(Vec::as_slice)
    }

    /// Whether `host` must be resolved again while the run goes on (a name, not an IP nor a
    /// `hosts` entry).
    pub fn is_dynamic(&self, host: &str) -> bool {
        bare_host(host).parse::<IpAddr>().is_err() && self.overrides(host).is_none()
    }
}

/// A host without the brackets of an IPv6 literal.
pub fn bare_host(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

/// The TLS server name for a URL host: a DNS name, or an IP address (verified against the
/// certificate's IP addresses; no SNI is sent for it).
pub fn server_name(host: &str) -> Result<ServerName<'static>, String> {
    ServerName::try_from(bare_host(host).to_string())
        .map_err(|e| format!("{host:?} is not a valid TLS server name: {e}"))
}

impl ClientSettings {
    /// Compiles `http`; problems are reported under `options.http`.
    pub fn compile(http: &HttpOptions, problems: &mut Problems) -> ClientSettings {
        let mut hosts = BTreeMap::new();
        for (name, entries) in &http.hosts {
            let at = format!("options.http.hosts.{name}");
            if name.is_empty() || name.contains(['/', ':', ' ']) {
                problems.push(at.clone(), format!("{name:?} is not a host name"));
            }
            if entries.is_empty() {
                problems.push(at.clone(), "needs at least one address".into());
            }
            let mut parsed = Vec::with_capacity(entries.len());
            for (i, e) in entries.iter().enumerate() {
                match HostAddress::parse(e) {
                    Ok(a) => parsed.push(a),
                    Err(message) => problems.push(format!("{at}[{i}]"), message),
                }
            }
            hosts.insert(name.to_ascii_lowercase(), parsed);
        }
        for (i, coding) in http.compression.iter().enumerate() {
            if !matches!(coding.as_str(), "gzip" | "deflate" | "br") {
                problems.push(
                    format!("options.http.compression[{i}]"),
                    format!("horde decodes gzip, deflate and br, got {coding:?}"),
                );
            }
        }
        ClientSettings {
            limits: Limits {
                max_head_bytes: http.max_head_bytes as usize,
                max_body_bytes: http.max_body_bytes,
            },
            connect_timeout_ns: seconds_to_ns(http.connect_timeout_s),
            expected_status: http.expected_status,
            cookies: http.cookies,
            connections: http.connections,
            decode_bodies: !http.compression.is_empty(),
            expect_continue_timeout_ns: seconds_to_ns(http.expect_continue_timeout_s),
            max_connections_per_host: http.max_connections_per_host,
            dns: DnsSettings {
                ttl_ns: seconds_to_ns(http.dns.ttl_s),
                select: http.dns.select,
                policy: http.dns.policy,
                hosts,
            },
            tls: TlsSettings::compile(&http.tls, problems),
            source_addresses: source_addresses(&http.source_addresses).unwrap_or_else(|(i, e)| {
                problems.push(format!("options.http.source_addresses[{i}]"), e);
                Vec::new()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_entries_parse_with_or_without_a_port() {
        let a = HostAddress::parse("127.0.0.2").unwrap();
        assert_eq!(a.with_default_port(443).to_string(), "127.0.0.2:443");
        let b = HostAddress::parse("[::1]:9443").unwrap();
        assert_eq!(b.with_default_port(443).to_string(), "[::1]:9443");
        assert_eq!(
            HostAddress::parse("[::1]")
                .unwrap()
                .with_default_port(80)
                .to_string(),
            "[::1]:80"
        );
        let e = HostAddress::parse("not-an-ip").unwrap_err();
        assert!(e.contains("not-an-ip"), "{e}");
    }

    #[test]
    fn overrides_are_found_in_any_case_and_are_not_dynamic() {
        let http = HttpOptions {
            hosts: BTreeMap::from([("Shop.Test".to_string(), vec!["127.0.0.2".to_string()])]),
            ..HttpOptions::default()
        };
        let mut problems = Problems::default();
        let s = ClientSettings::compile(&http, &mut problems);
        assert!(problems.0.is_empty());
        assert_eq!(s.dns.overrides("shop.test").map(<[_]>::len), Some(1));
        assert!(!s.dns.is_dynamic("SHOP.test"));
        assert!(!s.dns.is_dynamic("[::1]"));
        assert!(s.dns.is_dynamic("localhost"));
    }
}
