//! Run-wide options: workers, the HTTP client (limits, timeouts, TLS, DNS, cookies, redirects,
//! connections, compression), scheduling and honesty bounds.

use serde::{Deserialize, Serialize};

/// Run-wide options. Every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Worker threads, one per CPU (default: every CPU this process may run on).
    pub workers: Option<u64>,
    /// HTTP client settings.
    pub http: HttpOptions,
    /// How far ahead of its intended time a request may be sent so that sends due close together
    /// share one wake-up, microseconds. Early sends are timed from when they were actually sent.
    pub send_window_us: u64,
    /// Send-lag p99 above this marks the generator as saturated, microseconds.
    pub lag_bound_us: u64,
    /// Seed for think times, branches and random helpers (default: from the clock). The same
    /// seed gives every VU the same random choices again.
    pub seed: Option<u64>,
    /// Where to send results while the run goes on.
    pub outputs: Vec<OutputSpec>,
    /// Refuse to start when the plan may hold more connections than the host's open-file limit
    /// or ephemeral port range allow (by default the run starts, with a warning).
    pub strict: bool,
    /// Header fields whose values saved artifacts (results, reports, `horde inspect`) show as
    /// `<redacted>`, case-insensitive. Empty keeps them all.
    pub redact_headers: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            workers: None,
            http: HttpOptions::default(),
            send_window_us: 1_000,
            lag_bound_us: 1_000,
            seed: None,
            outputs: Vec::new(),
            strict: false,
            redact_headers: crate::plan::redact::SENSITIVE_HEADERS
                .iter()
                .map(|h| h.to_string())
                .collect(),
        }
    }
}

/// HTTP client settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpOptions {
    /// Request timeout (send to last byte of the response), seconds.
    pub timeout_s: f64,
    /// TCP connect timeout, seconds.
    pub connect_timeout_s: f64,
    /// Largest response body accepted, bytes.
    pub max_body_bytes: u64,
    /// Largest response head accepted, bytes.
    pub max_head_bytes: u64,
    /// Statuses outside this inclusive range count as failed requests.
    pub expected_status: (u16, u16),
    /// HTTPS settings.
    pub tls: TlsOptions,
    /// Name resolution.
    pub dns: DnsOptions,
    /// Host name → addresses to use instead of DNS (`"127.0.0.1"`, `"[::1]:8443"`, …): test a new
    /// backend under its production name. The URL's host still goes in `Host` and in TLS SNI.
    pub hosts: std::collections::BTreeMap<String, Vec<String>>,
    /// Local addresses new connections are spread over, in turn (IPs, or IPv4 ranges such as
    /// `127.0.0.2-127.0.0.9`); empty: the kernel picks. One local address holds at most the
    /// ephemeral port range's connections to one address and port.
    pub source_addresses: Vec<String>,
    /// The VU's cookie jar.
    pub cookies: CookiePolicy,
    /// Redirects followed per request (0: return the 3xx response).
    pub max_redirects: u32,
    /// When a VU opens a new connection.
    pub connections: ConnectionPolicy,
    /// At most this many connections per host (scheme, host and port) at once, across the run;
    /// VUs then share the open ones (a pool) and wait for a free one in arrival order. A cap
    /// below the number of workers runs on that many workers (each holds at least one).
    pub max_connections_per_host: Option<u64>,
    /// Content codings offered in `Accept-Encoding` (`gzip`, `deflate`, `br`) and decoded where a
    /// check or extraction needs the body. Empty: no `Accept-Encoding` is sent.
    pub compression: Vec<String>,
    /// How long a request with `Expect: 100-continue` waits for the interim response before
    /// sending its body anyway, seconds.
    pub expect_continue_timeout_s: f64,
}

/// HTTPS settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsOptions {
    /// Verify the server's certificate chain and name (default). Off only by explicit opt-in;
    /// results then carry a warning.
    pub verify: bool,
    /// PEM file of extra CA certificates to trust, always (besides the sources in `trust`).
    pub ca_file: Option<String>,
    /// Where else trusted CA certificates come from, any of: "bundled" (Mozilla's roots, built
    /// in) and "system" (`SSL_CERT_FILE` and `SSL_CERT_DIR` when either is set, as OpenSSL,
    /// curl and Go read them; else the operating system's store). Both by default.
    pub trust: Vec<String>,
    /// PEM file with the client certificate chain (mutual TLS).
    pub client_cert: Option<String>,
    /// PEM file with the client certificate's private key.
    pub client_key: Option<String>,
    /// Lowest TLS version offered: "1.2" or "1.3".
    pub min_version: String,
    /// Highest TLS version offered: "1.2" or "1.3".
    pub max_version: String,
    /// Session resumption: "per_vu" (each VU resumes its own sessions, as returning users do),
    /// "shared" (any VU resumes any session of its worker: fewest full handshakes), "off".
    pub resumption: String,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self {
            verify: true,
            ca_file: None,
            trust: vec!["bundled".into(), "system".into()],
            client_cert: None,
            client_key: None,
            min_version: "1.2".into(),
            max_version: "1.3".into(),
            resumption: "per_vu".into(),
        }
    }
}

/// Name resolution settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DnsOptions {
    /// Names are resolved before the run starts and again every `ttl_s` seconds while it runs.
    pub ttl_s: f64,
    /// Which resolved address a new connection uses.
    pub select: AddressSelect,
    /// Which address families to use, and which first.
    pub policy: AddressPolicy,
}

impl Default for DnsOptions {
    fn default() -> Self {
        Self {
            ttl_s: 300.0,
            select: AddressSelect::First,
            policy: AddressPolicy::PreferIpv4,
        }
    }
}

/// Which resolved address a new connection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressSelect {
    /// The first (after the family policy): every connection to one address.
    First,
    /// Each new connection takes the next address in turn: the load spreads evenly.
    RoundRobin,
    /// Each new connection picks an address at random (seeded).
    Random,
}

/// Which address families to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressPolicy {
    /// IPv4 addresses first, then IPv6.
    PreferIpv4,
    /// IPv6 addresses first, then IPv4.
    PreferIpv6,
    /// IPv4 only.
    OnlyIpv4,
    /// IPv6 only.
    OnlyIpv6,
    /// In the resolver's order.
    Any,
}

/// The lifetime of a VU's cookie jar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CookiePolicy {
    /// Emptied at the start of every iteration: each session starts as a new visitor (k6's rule).
    PerIteration,
    /// Kept for the VU's whole life: a returning visitor.
    PerVu,
    /// No jar: `Set-Cookie` is ignored (cookies can still be extracted and sent by hand).
    Off,
}

/// When a VU opens a new connection.
// The variants are the plan's words (`per_vu`, …).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionPolicy {
    /// Keep-alive: a VU keeps its connection across requests and iterations.
    PerVu,
    /// Each iteration starts on a new connection (users who arrive fresh), kept alive within it.
    PerIteration,
    /// Every request on a new connection.
    PerRequest,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout_s: 60.0,
            connect_timeout_s: 10.0,
            max_body_bytes: 64 * 1024 * 1024,
            max_head_bytes: 64 * 1024,
            expected_status: (200, 399),
            tls: TlsOptions::default(),
            dns: DnsOptions::default(),
            hosts: std::collections::BTreeMap::new(),
            source_addresses: Vec::new(),
            cookies: CookiePolicy::PerIteration,
            max_redirects: 10,
            connections: ConnectionPolicy::PerVu,
            max_connections_per_host: None,
            compression: Vec::new(),
            expect_continue_timeout_s: 1.0,
        }
    }
}

/// Where to send live results (plan `options.outputs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OutputSpec {
    /// JSON lines, one metric point per line.
    Json {
        /// File to write.
        path: String,
    },
    /// CSV, one row per request key per second.
    Csv {
        /// File to write.
        path: String,
    },
    /// HdrHistogram interval log of response times, one histogram per second.
    HdrLog {
        /// File to write.
        path: String,
    },
    /// InfluxDB 1.x line protocol over HTTP.
    Influxdb {
        /// Server, e.g. `http://127.0.0.1:8086`.
        url: String,
        /// Database.
        database: String,
    },
    /// Prometheus remote write.
    Prometheus {
        /// Remote-write endpoint, e.g. `http://127.0.0.1:9090/api/v1/write`.
        url: String,
    },
}

impl OutputSpec {
    /// A short name and where it goes, for reports.
    pub fn describe(&self) -> (String, String) {
        match self {
            OutputSpec::Json { path } => ("json".into(), path.clone()),
            OutputSpec::Csv { path } => ("csv".into(), path.clone()),
            OutputSpec::HdrLog { path } => ("hdr_log".into(), path.clone()),
            OutputSpec::Influxdb { url, database } => {
                ("influxdb".into(), format!("{url} (database {database})"))
            }
            OutputSpec::Prometheus { url } => ("prometheus".into(), url.clone()),
        }
    }
}
