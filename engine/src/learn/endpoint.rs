//! Paths into endpoint templates: `/products/8812/reviews` → `/products/{product_id}/reviews`,
//! with the values the placeholders took (they become data feeders). Numeric ids, UUIDs and hex
//! hashes are found by shape; the user's rules (`regex=replacement`) go first. Static assets and
//! health checks are told apart so they can be dropped.

use std::fmt::Write;
use std::ops::Range;

use regex::Regex;

/// File extensions of static assets.
const STATIC: [&str; 20] = [
    "js", "mjs", "css", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "avif", "woff",
    "woff2", "ttf", "otf", "eot", "mp4", "webm", "txt",
];

/// Paths of health checks and monitoring.
const HEALTH: [&str; 16] = [
    "/health",
    "/healthz",
    "/healthcheck",
    "/health-check",
    "/_health",
    "/ready",
    "/readyz",
    "/live",
    "/livez",
    "/ping",
    "/status",
    "/server-status",
    "/nginx_status",
    "/metrics",
    "/actuator/health",
    "/api/health",
];

/// User agents of health checkers.
const HEALTH_AGENTS: [&str; 5] = [
    "ELB-HealthChecker",
    "kube-probe",
    "GoogleHC",
    "Consul Health",
    "Pingdom",
];

/// What a request is, for the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A page or API call: part of the model.
    Page,
    /// A static asset.
    Static,
    /// A health check.
    Health,
    /// Dropped by a user's rule.
    Dropped,
}

/// How paths become templates.
#[derive(Debug, Default)]
pub struct Rules {
    /// `(pattern, replacement)`: a path that the pattern matches (anywhere) has the match
    /// replaced, `{name}` in the replacement becoming a placeholder.
    pub rewrite: Vec<(Regex, String)>,
    /// Paths matching any of these are dropped.
    pub drop: Vec<Regex>,
    /// Keep static assets in the model.
    pub keep_static: bool,
    /// Keep health checks in the model.
    pub keep_health: bool,
}

impl Rules {
    /// Parses `PATTERN=REPLACEMENT` rules and drop patterns, naming a bad one.
    pub fn new(
        rewrite: &[String],
        drop: &[String],
        keep_static: bool,
        keep_health: bool,
    ) -> Result<Rules, String> {
        let mut rules = Rules {
            keep_static,
            keep_health,
            ..Rules::default()
        };
        for r in rewrite {
            let (pattern, replacement) = r
                .rsplit_once('=')
                .ok_or_else(|| format!("rule {r:?} is not PATTERN=REPLACEMENT"))?;
            let re = Regex::new(pattern).map_err(|e| format!("rule {r:?}: {e}"))?;
            rules.rewrite.push((re, replacement.to_string()));
        }
        for d in drop {
            rules
                .drop
                .push(Regex::new(d).map_err(|e| format!("drop pattern {d:?}: {e}"))?);
        }
        Ok(rules)
    }

    /// What the request for `path` (no query) from `agent` is.
    pub fn kind(&self, path: &str, agent: &str) -> Kind {
        if self.drop.iter().any(|re| re.is_match(path)) {
            return Kind::Dropped;
        }
        if !self.keep_static
            && extension(path).is_some_and(|e| STATIC.iter().any(|s| s.eq_ignore_ascii_case(e)))
        {
            return Kind::Static;
        }
        if !self.keep_health && (is_health_path(path) || is_health_agent(agent)) {
            return Kind::Health;
        }
        Kind::Page
    }

    /// Appends the template of `path` (no query) to `out`. Each placeholder whose value the path
    /// shows goes to `values`: its name as a range of `out`, its value as a range of `path` —
    /// ranges, not strings, so that a line allocates nothing.
    pub fn template(&self, path: &str, out: &mut String, values: &mut Vec<Placeholder>) {
        values.clear();
        for (re, replacement) in &self.rewrite {
            if re.is_match(path) {
                let rewritten = re.replace(path, replacement.as_str());
                return rewritten_template(path, &rewritten, out, values);
            }
        }
        let mut previous = "";
        for (i, seg) in segments(path).enumerate() {
            if i > 0 {
                out.push('/');
            }
            let text = &path[seg.clone()];
            if is_id(text) {
                out.push('{');
                let start = out.len();
                push_id_name(previous, out);
                let name = unique(start, out, values);
                out.push('}');
                values.push(Placeholder { name, value: seg });
            } else {
                out.push_str(text);
                previous = text;
            }
        }
    }
}

/// A placeholder of a template and the value a path gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// Its name: a range of the template.
    pub name: Range<usize>,
    /// Its value: a range of the path.
    pub value: Range<usize>,
}

/// The template of `path` after a user's rule made it `rewritten`: its `{name}` segments are the
/// placeholders, valued from the same segment of `path` when both have as many segments.
fn rewritten_template(
    path: &str,
    rewritten: &str,
    out: &mut String,
    values: &mut Vec<Placeholder>,
) {
    let source: Vec<Range<usize>> = segments(path).collect();
    let aligned = segments(rewritten).count() == source.len();
    for (i, seg) in segments(rewritten).enumerate() {
        if i > 0 {
            out.push('/');
        }
        let text = &rewritten[seg];
        match text.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                out.push('{');
                let start = out.len();
                out.push_str(name);
                let name = unique(start, out, values);
                out.push('}');
                if aligned {
                    values.push(Placeholder {
                        name,
                        value: source[i].clone(),
                    });
                }
            }
            None => out.push_str(text),
        }
    }
}

/// The byte ranges of the `/`-separated segments of `text`.
fn segments(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut start = Some(0);
    std::iter::from_fn(move || {
        let from = start?;
        match bytes[from..].iter().position(|&b| b == b'/') {
            Some(at) => {
                start = Some(from + at + 1);
                Some(from..from + at)
            }
            None => {
                start = None;
                Some(from..bytes.len())
            }
        }
    })
}

/// The extension of the last segment of `path`, found in one backward scan.
fn extension(path: &str) -> Option<&str> {
    let at = path.bytes().rposition(|b| b == b'.' || b == b'/')?;
    (path.as_bytes()[at] == b'.').then(|| &path[at + 1..])
}

/// The longest of [`HEALTH`]: a longer path is not one of them.
const LONGEST_HEALTH: usize = {
    let (mut i, mut longest) = (0, 0);
    while i < HEALTH.len() {
        if HEALTH[i].len() > longest {
            longest = HEALTH[i].len();
        }
        i += 1;
    }
    longest
};

/// Whether `path` (a trailing `/` or not) is a health check's.
fn is_health_path(path: &str) -> bool {
    let bare = path.trim_end_matches('/');
    bare.len() <= LONGEST_HEALTH && HEALTH.contains(&bare)
}

/// Whether `agent` is a health checker's (its first byte tried before the whole prefix).
fn is_health_agent(agent: &str) -> bool {
    let first = agent.as_bytes().first();
    HEALTH_AGENTS
        .iter()
        .any(|a| a.as_bytes().first() == first && agent.starts_with(a))
}

/// Makes the placeholder name `out[start..]` one not yet used in this template (as `id`,
/// `id2`, `id3`, …); its range.
fn unique(start: usize, out: &mut String, values: &[Placeholder]) -> Range<usize> {
    let used = |out: &str| values.iter().any(|p| out[p.name.clone()] == out[start..]);
    if used(out) {
        let base = out.len();
        for k in 2u32.. {
            out.truncate(base);
            write!(out, "{k}").expect("writing to a String cannot fail");
            if !used(out) {
                break;
            }
        }
    }
    start..out.len()
}

/// Whether a path segment is an identifier: a number, a UUID, a hex hash (≥ 16 digits, at
/// least one of them 0–9), or a long token of letters and digits (≥ 20, with both).
pub fn is_id(seg: &str) -> bool {
    let b = seg.as_bytes();
    if b.is_empty() {
        return false;
    }
    if b.len() <= 20 && b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    if b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
    {
        return true;
    }
    if b.len() < 16 {
        return false;
    }
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if digits > 0 && b.iter().all(u8::is_ascii_hexdigit) {
        return true;
    }
    b.len() >= 20
        && digits > 0
        && digits < b.len()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

/// Appends the placeholder name for an id after segment `previous`: `products` → `product_id`,
/// `categories` → `category_id`; `id` after a version or nothing.
fn push_id_name(previous: &str, out: &mut String) {
    let start = out.len();
    out.extend(previous.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        }
    }));
    let p = &out[start..];
    let versioned =
        p.len() <= 3 && p.starts_with('v') && p[1..].bytes().all(|b| b.is_ascii_digit());
    if p.is_empty() || versioned || p.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        out.truncate(start);
        out.push_str("id");
        return;
    }
    // The singular: `ies` → `y`, `ses` → `s` (not `ss`, `us`), else a final `s` dropped.
    let cut = if p.ends_with("ies") {
        3
    } else if p.ends_with("ss") || p.ends_with("us") {
        0
    } else if p.ends_with("ses") && p.len() > 4 {
        2
    } else {
        usize::from(p.ends_with('s'))
    };
    out.truncate(out.len() - cut);
    if cut == 3 {
        out.push('y');
    }
    out.push_str("_id");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(rules: &Rules, path: &str) -> (String, Vec<(String, String)>) {
        let (mut out, mut values) = (String::new(), Vec::new());
        rules.template(path, &mut out, &mut values);
        let values = values
            .iter()
            .map(|p| {
                (
                    out[p.name.clone()].to_string(),
                    path[p.value.clone()].to_string(),
                )
            })
            .collect();
        (out, values)
    }

    #[test]
    fn ids_uuids_and_hashes_become_named_placeholders() {
        let r = Rules::default();
        let (t, v) = template(&r, "/v1/products/8812/reviews/3");
        assert_eq!(t, "/v1/products/{product_id}/reviews/{review_id}");
        assert_eq!(
            v,
            [
                ("product_id".into(), "8812".into()),
                ("review_id".into(), "3".into())
            ]
        );
        let (t, _) = template(&r, "/cart/6f1c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b");
        assert_eq!(t, "/cart/{cart_id}");
        let (t, _) = template(&r, "/orders/9f86d081884c7d659a2feaa0c55ad015");
        assert_eq!(t, "/orders/{order_id}");
        assert_eq!(
            template(&r, "/categories/12").0,
            "/categories/{category_id}"
        );
        assert_eq!(template(&r, "/v2/17").0, "/v2/{id}");
        assert_eq!(template(&r, "/12/34").0, "/{id}/{id2}");
        assert_eq!(template(&r, "/about/team").0, "/about/team");
        assert_eq!(template(&r, "/").0, "/");
    }

    #[test]
    fn user_rules_go_first_and_keep_their_values() {
        let r = Rules::new(
            &["/v1/users/[^/]+=/v1/users/{user}".into()],
            &[],
            false,
            false,
        )
        .unwrap();
        let (t, v) = template(&r, "/v1/users/alice/orders");
        assert_eq!(t, "/v1/users/{user}/orders");
        assert_eq!(v, [("user".into(), "alice".into())]);
        let r = Rules::new(
            &["^/a/[^/]+/b/[^/]+$=/a/{x}/b/{x}".into()],
            &[],
            false,
            false,
        )
        .unwrap();
        let (t, v) = template(&r, "/a/1/b/2");
        assert_eq!(t, "/a/{x}/b/{x2}");
        assert_eq!(v, [("x".into(), "1".into()), ("x2".into(), "2".into())]);
        // A rule that changes the number of segments names placeholders it cannot value.
        let r = Rules::new(&["^/files/.*=/files/{path}".into()], &[], false, false).unwrap();
        assert_eq!(
            template(&r, "/files/a/b.pdf"),
            ("/files/{path}".into(), vec![])
        );
        assert!(Rules::new(&["([=x".into()], &[], false, false)
            .unwrap_err()
            .contains("([=x"));
    }

    #[test]
    fn assets_and_health_checks_are_told_apart() {
        let r = Rules::default();
        assert_eq!(r.kind("/static/app.js", "Mozilla"), Kind::Static);
        assert_eq!(r.kind("/img/p/1.JPG", "Mozilla"), Kind::Static);
        assert_eq!(r.kind("/healthz", "curl"), Kind::Health);
        assert_eq!(r.kind("/", "ELB-HealthChecker/2.0"), Kind::Health);
        assert_eq!(r.kind("/products/1", "Mozilla"), Kind::Page);
        let keep = Rules::new(&[], &["^/admin".into()], true, false).unwrap();
        assert_eq!(keep.kind("/static/app.js", "Mozilla"), Kind::Page);
        assert_eq!(keep.kind("/admin/x", "Mozilla"), Kind::Dropped);
    }
}
