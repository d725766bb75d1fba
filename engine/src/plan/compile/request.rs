//! Compiling one request step: its URL split into a fixed origin and a templated target, headers
//! and body as templates (or pre-encoded bytes when nothing varies), checks and extractions.
//!
//! Text that varies nowhere is still read as a template, so that what is sent does not depend on
//! whether something else in the request varies: an escaped `$${` goes out as `${` either way,
//! and a binary body goes out as its exact bytes either way.

use std::sync::Arc;

use base64::Engine as _;

use crate::error::Problems;
use crate::http::{encode, RequestParts};
use crate::plan::journey::{Body, RequestSpec};
use crate::plan::program::RequestTemplate;
use crate::plan::scope::Scope;
use crate::template::{Escape, Template};

/// How the request's bytes are produced.
#[derive(Debug, Clone)]
pub enum Encoding {
    /// Nothing varies: encoded once, sent as is.
    Static(Arc<[u8]>),
    /// Rendered per request from templates.
    Dynamic(Box<RequestTemplate>),
}

/// Parts of a URL: the fixed origin and the (possibly templated) target.
pub struct SplitUrl<'a> {
    /// `https://`.
    pub tls: bool,
    /// `host[:port]` as written.
    pub authority: &'a str,
    /// Host without brackets or port.
    pub host: &'a str,
    /// Port (80 or 443 by default).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub target: String,
}

/// Splits an `http://` or `https://` URL whose path may contain templates.
pub fn split_url(url: &str) -> Result<SplitUrl<'_>, String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(format!(
            "invalid URL {url:?}: expected http://host/path (a path alone needs the test's base_url)"
        ));
    };
    let tls = if scheme.eq_ignore_ascii_case("http") {
        false
    } else if scheme.eq_ignore_ascii_case("https") {
        true
    } else {
        return Err(format!(
            "unsupported scheme {scheme:?} in {url:?}: horde speaks http:// and https://"
        ));
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains("${") {
        return Err(format!(
            "{url:?}: templates are not allowed in the host; put them in the path or query"
        ));
    }
    let parsed = url::Url::parse(&format!(
        "{}://{authority}/",
        if tls { "https" } else { "http" }
    ))
    .map_err(|e| format!("invalid URL {url:?}: {e}"))?;
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else {
        return Err(format!("URL {url:?} has no host"));
    };
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let bare = authority[host_start..].trim_start_matches('[');
    let host_len = host.trim_start_matches('[').trim_end_matches(']').len();
    let host = &bare[..host_len.min(bare.len())];
    let mut target = rest[end..].to_string();
    if let Some(hash) = target.find('#') {
        target.truncate(hash);
    }
    if !target.starts_with('/') {
        target.insert(0, '/');
    }
    if target.bytes().any(|b| b == b' ' || b.is_ascii_control()) {
        return Err(format!(
            "URL {url:?} has spaces or control characters in its path; percent-encode them"
        ));
    }
    Ok(SplitUrl {
        tls,
        authority,
        host,
        port: parsed
            .port_or_known_default()
            .unwrap_or(if tls { 443 } else { 80 }),
        target,
    })
}

/// Compiles the bytes of a request, its checks and extractions. Problems are reported under `path`.
pub fn compile_encoding(
    spec: &RequestSpec,
    url: &SplitUrl<'_>,
    accept_encoding: Option<&str>,
    scope: &Scope<'_>,
    path: &str,
    problems: &mut Problems,
) -> Encoding {
    let mut tpl = |text: &str, escape: Escape, field: &str| -> Template {
        Template::parse(text, escape, &mut |name| scope.slot(name)).unwrap_or_else(|e| {
            problems.push(format!("{path}.{field}"), e.to_string());
            Template::parse("", Escape::None, &mut |_| None).expect("empty template parses")
        })
    };
    let target = tpl(&url.target, Escape::None, "url");
    let mut headers = Vec::new();
    let mut static_headers: Vec<(String, String)> = Vec::new();
    for (i, (name, value)) in spec.headers.iter().enumerate() {
        let t = tpl(value, Escape::None, &format!("headers[{i}]"));
        match literal_text(&t) {
            Some(text) => static_headers.push((name.clone(), text)),
            None => headers.push((format!("{name}: ").into_bytes(), t)),
        }
    }
    let (body, content_type) = match &spec.body {
        None => (None, None),
        Some(Body::Text(text)) => (Some(tpl(text, Escape::None, "body.text")), None),
        Some(Body::Json(text)) => (
            Some(tpl(text, Escape::Json, "body.json")),
            Some("application/json"),
        ),
        Some(Body::Form(fields)) => {
            let mut text = String::new();
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    text.push('&');
                }
                text.push_str(&form_encode(k));
                text.push('=');
                text.push_str(v);
            }
            (
                Some(tpl(&text, Escape::Form, "body.form")),
                Some("application/x-www-form-urlencoded"),
            )
        }
        Some(Body::Base64(b64)) => {
            // Binary bodies are never templated: the exact bytes, never read as text. (Invalid
            // base64 is reported by the journey's compiler.)
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap_or_default();
            (Some(Template::fixed(&bytes)), None)
        }
    };
    let has = |name: &str| {
        spec.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    if let (Some(codings), false) = (accept_encoding, has("accept-encoding")) {
        static_headers.push(("Accept-Encoding".into(), codings.into()));
    }
    let has_user_type = spec
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    if let (Some(ct), false) = (content_type, has_user_type) {
        static_headers.push(("Content-Type".into(), ct.into()));
    }
    let static_body = match &body {
        None => Some(&[][..]),
        Some(b) => b.as_literal(),
    };
    if let (Some(target), Some(body), true) =
        (literal_text(&target), static_body, headers.is_empty())
    {
        // Nothing varies: encoded once.
        return finish_static(spec, url.authority, &target, &static_headers, body);
    }
    let mut fixed = Vec::new();
    // Encode the fixed part with an empty target and body, then cut off what we render per request.
    encode(
        &RequestParts {
            method: "",
            target: "",
            host: url.authority,
            headers: &static_headers,
            body: b"",
        },
        &mut fixed,
    );
    let fixed = fixed[1..fixed.len() - 2].to_vec(); // drop the leading space and the final CRLF
    let content_length = body.is_some() || matches!(spec.method.as_str(), "POST" | "PUT" | "PATCH");
    Encoding::Dynamic(Box::new(RequestTemplate {
        method: format!("{} ", spec.method).into_bytes(),
        target,
        fixed_headers: fixed,
        headers,
        body,
        content_length,
    }))
}

/// The text of a template that inserts nothing, unescaped as the template parser reads it (`$${`
/// is `${`): what a static target or header value sends.
fn literal_text(template: &Template) -> Option<String> {
    template.as_literal().map(|bytes| {
        String::from_utf8(bytes.to_vec())
            .expect("a template parsed from a str, less the `$` of each `$${`, is UTF-8")
    })
}

/// `target`, `headers` and `body` are unescaped already.
fn finish_static(
    spec: &RequestSpec,
    host: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Encoding {
    let mut bytes = Vec::new();
    encode(
        &RequestParts {
            method: &spec.method,
            target,
            host,
            headers,
            body,
        },
        &mut bytes,
    );
    Encoding::Static(bytes.into())
}

fn form_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                encoded.push(b as char)
            }
            b' ' => encoded.push('+'),
            _ => encoded.push_str(&format!("%{b:02X}")),
        }
    }
    encoded
}
