//! What every log format reads a line into, and the request-line helpers they share.

/// One request read from a log line. Text fields borrow from the line.
#[derive(Debug, Default, Clone)]
pub struct Record<'a> {
    /// Seconds since the Unix epoch.
    pub time_s: f64,
    /// Client address.
    pub addr: &'a str,
    /// User agent.
    pub agent: &'a str,
    /// Method.
    pub method: &'a str,
    /// Path and query, as sent (an absolute URL's origin removed).
    pub target: &'a str,
    /// Response status.
    pub status: u16,
    /// Response body size, bytes.
    pub bytes: Option<u64>,
    /// Response time, seconds.
    pub duration_s: Option<f64>,
    /// The session field's value, when the log has one.
    pub session: Option<&'a str>,
    /// The `Cookie` header, when logged.
    pub cookie: Option<&'a str>,
}

/// `GET /path?q HTTP/1.1` → (method, target); an absolute URL loses its origin.
pub fn split_request(request: &str) -> Option<(&str, &str)> {
    let space = memchr::memchr(b' ', request.as_bytes())?;
    let (method, rest) = (&request[..space], &request[space + 1..]);
    let target = match memchr::memchr(b' ', rest.as_bytes()) {
        Some(end) => &rest[..end],
        None => rest,
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Some((method, strip_origin(target)))
}

/// The path and query of `target` (which may be an absolute URL).
pub fn strip_origin(target: &str) -> &str {
    // The usual case, a path: any `://` in it comes after a `/`, so it is not an origin.
    if target.starts_with('/') {
        return target;
    }
    match target.find("://") {
        Some(at) if !target[..at].contains('/') => {
            let after = &target[at + 3..];
            after.find('/').map_or("/", |p| &after[p..])
        }
        _ => target,
    }
}
