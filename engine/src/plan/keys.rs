//! The names a compiled plan interns into dense ids (request keys, checks, journeys, user
//! metrics), and its resolved targets and test data.

use socket2::SockAddr;

use super::{Feeder, MetricKind};

/// A (scenario, request name, method) triple: one row of per-request results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// Scenario name.
    pub scenario: String,
    /// Request name tag (with group prefix).
    pub name: String,
    /// Method.
    pub method: String,
}

/// A named check of one request in one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckKey {
    /// Scenario name.
    pub scenario: String,
    /// Request name.
    pub request: String,
    /// Check name.
    pub name: String,
}

/// A journey as run by one scenario (its funnel and iteration durations are kept apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JourneyKey {
    /// Scenario name.
    pub scenario: String,
    /// Journey name.
    pub journey: String,
    /// Funnel steps (request names in journey order).
    pub steps: Vec<String>,
}

/// A user-defined metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricKey {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: MetricKind,
}

/// An origin (scheme, host, port) and where it resolved to.
#[derive(Debug, Clone)]
pub struct Target {
    /// `https`.
    pub tls: bool,
    /// Host name or IP, without brackets.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The URL's authority (`Host` header), e.g. `shop.test:8443`.
    pub authority: String,
    /// The addresses it resolved to, in the order of the DNS policy (never empty once compiled).
    pub addrs: Vec<SockAddr>,
    /// The TLS server name (SNI and certificate check), for `https`.
    pub server_name: Option<rustls::pki_types::ServerName<'static>>,
    /// Resolved again every DNS TTL (a name, not an IP or a `hosts` entry).
    pub dynamic: bool,
}

impl Target {
    /// `scheme://authority`.
    pub fn origin(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.authority
        )
    }
}

/// Test data ready for VUs: values by column slot.
#[derive(Debug, Clone)]
pub struct CompiledFeeder {
    /// The plan's feeder (policy and name).
    pub spec: Feeder,
    /// Variable slot of each column.
    pub slots: Vec<u16>,
}
