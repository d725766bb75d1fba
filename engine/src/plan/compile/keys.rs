//! Interning a plan's names into dense ids while it compiles (request keys, checks, user metrics),
//! and its targets and test data.

pub use crate::metrics::keys::{CheckKey, JourneyKey, MetricKey, RequestKey};
use crate::metrics::MetricKind;
use crate::plan::Feeder;

/// The tables a plan's names are interned into while it compiles: each distinct key gets the next
/// dense id.
#[derive(Debug, Default)]
pub struct KeyTables {
    /// Request keys.
    pub requests: Vec<RequestKey>,
    /// Checks.
    pub checks: Vec<CheckKey>,
    /// User metrics.
    pub metrics: Vec<MetricKey>,
}

impl KeyTables {
    /// The id of a (name, method) request of `scenario`.
    pub fn request(&mut self, scenario: &str, name: &str, method: &str) -> usize {
        intern(
            &mut self.requests,
            RequestKey {
                scenario: scenario.into(),
                name: name.into(),
                method: method.into(),
            },
        )
    }

    /// The id of check `name` of request `request` of `scenario`.
    pub fn check(&mut self, scenario: &str, request: &str, name: &str) -> usize {
        intern(
            &mut self.checks,
            CheckKey {
                scenario: scenario.into(),
                request: request.into(),
                name: name.into(),
            },
        )
    }

    /// The id of user metric `name`; Err when the name is already used with another kind.
    pub fn metric(&mut self, name: &str, kind: MetricKind) -> Result<usize, String> {
        match self.metrics.iter().position(|m| m.name == name) {
            Some(i) if self.metrics[i].kind == kind => Ok(i),
            Some(i) => Err(format!(
                "metric {name:?} is a {:?} elsewhere, here a {kind:?}",
                self.metrics[i].kind
            )
            .to_lowercase()),
            None => {
                self.metrics.push(MetricKey {
                    name: name.into(),
                    kind,
                });
                Ok(self.metrics.len() - 1)
            }
        }
    }
}

/// The index of `item` in `table`, appended if new.
pub fn intern<T: PartialEq>(table: &mut Vec<T>, item: T) -> usize {
    match table.iter().position(|k| *k == item) {
        Some(i) => i,
        None => {
            table.push(item);
            table.len() - 1
        }
    }
}

/// An origin (scheme, host, port) the plan sends requests to. Where it resolves is found when the
/// run starts (`net::dns`), not here.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `https`.
    pub tls: bool,
    /// Host name or IP, without brackets.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The URL's authority (`Host` header), e.g. `shop.test:8443`.
    pub authority: String,
    /// The TLS server name (SNI and certificate check), for `https`.
    pub server_name: Option<rustls::pki_types::ServerName<'static>>,
    /// Resolved again every DNS TTL (a name, not an IP or a `hosts` entry).
    pub dynamic: bool,
}

impl Origin {
    /// `scheme://authority`.
    pub fn url(&self) -> String {
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
