//! Paths into endpoint templates: `/products/8812/reviews` → `/products/{product_id}/reviews`,
//! with the values the placeholders took (they become data feeders). Numeric ids, UUIDs and hex
//! hashes are found by shape; the user's rules (`regex=replacement`) go first. Static assets and
//! health checks are told apart so they can be dropped.

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
        let last = path.rsplit('/').next().unwrap_or("");
        let ext = last.rsplit_once('.').map(|(_, e)| e);
        if !self.keep_static
            && ext.is_some_and(|e| STATIC.iter().any(|s| s.eq_ignore_ascii_case(e)))
        {
            return Kind::Static;
        }
        let bare = path.trim_end_matches('/');
        if !self.keep_health
            && (HEALTH.contains(&bare) || HEALTH_AGENTS.iter().any(|a| agent.starts_with(a)))
        {
            return Kind::Health;
        }
        Kind::Page
    }

    /// The template of `path` (no query); placeholder values go to `values` as (name, value).
    pub fn template(&self, path: &str, values: &mut Vec<(String, String)>) -> String {
        values.clear();
        let mut rewritten = None;
        for (re, replacement) in &self.rewrite {
            if re.is_match(path) {
                rewritten = Some(re.replace(path, replacement.as_str()).into_owned());
                break;
            }
        }
        let source: Vec<&str> = path.split('/').collect();
        let mut out = String::with_capacity(path.len() + 8);
        let segments: Vec<&str> = match &rewritten {
            Some(r) => r.split('/').collect(),
            None => source.clone(),
        };
        let aligned = segments.len() == source.len();
        let mut previous = "";
        for (i, seg) in segments.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            let named = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
            let name = match named {
                Some(n) if rewritten.is_some() => Some(n.to_string()),
                _ if rewritten.is_none() && is_id(seg) => Some(id_name(previous)),
                _ => None,
            };
            match name {
                Some(n) => {
                    let n = unique(n, values);
                    out.push('{');
                    out.push_str(&n);
                    out.push('}');
                    if aligned {
                        values.push((n, source[i].to_string()));
                    }
                }
                None => {
                    out.push_str(seg);
                    previous = seg;
                }
            }
        }
        out
    }
}

/// A placeholder name not yet used in this template.
fn unique(name: String, values: &[(String, String)]) -> String {
    if !values.iter().any(|(n, _)| *n == name) {
        return name;
    }
    (2..)
        .map(|k| format!("{name}{k}"))
        .find(|c| !values.iter().any(|(n, _)| n == c))
        .unwrap_or(name)
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
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if b.len() >= 16 && digits > 0 && b.iter().all(u8::is_ascii_hexdigit) {
        return true;
    }
    b.len() >= 20
        && digits > 0
        && digits < b.len()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

/// `products` → `product_id`, `categories` → `category_id`; `id` after a version or nothing.
fn id_name(previous: &str) -> String {
    let p: String = previous
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let versioned =
        p.len() <= 3 && p.starts_with('v') && p[1..].bytes().all(|b| b.is_ascii_digit());
    if p.is_empty() || versioned || p.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return "id".into();
    }
    let singular = if let Some(s) = p.strip_suffix("ies") {
        format!("{s}y")
    } else if p.ends_with("ss") || p.ends_with("us") {
        p.clone()
    } else if let Some(s) = p.strip_suffix("ses").filter(|_| p.len() > 4) {
        format!("{s}s")
    } else {
        p.strip_suffix('s').map_or(p.clone(), str::to_string)
    };
    format!("{singular}_id")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(rules: &Rules, path: &str) -> (String, Vec<(String, String)>) {
        let mut values = Vec::new();
        (rules.template(path, &mut values), values)
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
