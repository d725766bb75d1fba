//! Rendering a templated request into the VU's send buffer: request line, fixed headers, templated
//! headers, Content-Length and body. Buffers are reused; nothing is allocated once warm.

use crate::plan::RequestTemplate;
use crate::template::{Lookup, Unset};

/// Renders `t` into `out` (cleared first), using `scratch` for the body.
pub fn render(
    t: &RequestTemplate,
    vars: &dyn Lookup,
    rng: &mut fastrand::Rng,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Result<(), Unset> {
    out.clear();
    out.extend_from_slice(&t.method);
    t.target.render(vars, rng, out)?;
    out.extend_from_slice(&t.fixed_headers);
    for (name, value) in &t.headers {
        out.extend_from_slice(name);
        value.render(vars, rng, out)?;
        out.extend_from_slice(b"\r\n");
    }
    scratch.clear();
    if let Some(body) = &t.body {
        body.render(vars, rng, scratch)?;
    }
    if t.content_length {
        out.extend_from_slice(b"Content-Length: ");
        out.extend_from_slice(itoa::Buffer::new().format(scratch.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(scratch);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::scope::VU_SLOT;
    use crate::plan::{CompiledPlan, Plan};
    use crate::vu::vars::Vars;

    /// Not UTF-8, with a `$${` and a CR LF CR LF: bytes a lossy text conversion would change.
    const BINARY: &[u8] = b"\x00\xff\xfe\x80 $${x} \r\n\r\n\xc3(";
    const BINARY_BASE64: &str = "AP/+gCAkJHt4fSANCg0Kwyg=";

    /// Each request of a one-journey plan with these `steps` (a JSON array), rendered for VU 7.
    fn rendered(steps: &str) -> Vec<Vec<u8>> {
        let text = format!(
            r#"{{"version": 1, "journeys": {{"j": {{"steps": {steps}}}}},
                "scenarios": {{"s": {{"journey": "j", "executor": {{"type": "constant_vus", "vus": 1, "duration_s": 1}}}}}}}}"#
        );
        let plan = Plan::from_json(&text).unwrap_or_else(|e| panic!("{e}"));
        let p = CompiledPlan::compile(plan).unwrap_or_else(|e| panic!("{e}"));
        let mut vars = Vars::new(p.vars.len());
        vars.set(VU_SLOT, b"7");
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        p.scenarios[0].journeys[0]
            .0
            .requests
            .iter()
            .map(|r| {
                let t = r.template.as_ref().expect("the request is templated");
                let mut rng = fastrand::Rng::with_seed(1);
                render(t, &vars, &mut rng, &mut out, &mut scratch).expect("__vu is set");
                out.clone()
            })
            .collect()
    }

    fn ends_with_body(request: &[u8], body: &[u8]) -> bool {
        let mut tail = format!("\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        tail.extend_from_slice(body);
        request.ends_with(&tail)
    }

    #[test]
    fn a_binary_body_keeps_its_bytes_when_the_url_or_a_header_is_templated() {
        let got = rendered(&format!(
            r#"[{{"request": {{"method": "POST", "url": "http://127.0.0.1:1/u/${{__vu}}",
                               "body": {{"base64": "{BINARY_BASE64}"}}}}}},
                {{"request": {{"method": "PUT", "url": "http://127.0.0.1:1/h",
                               "headers": [["X-Vu", "${{__vu}}"]], "body": {{"base64": "{BINARY_BASE64}"}}}}}}]"#
        ));
        assert!(got[0].starts_with(b"POST /u/7 HTTP/1.1\r\n"));
        assert!(got[1].starts_with(b"PUT /h HTTP/1.1\r\n"));
        assert!(got[1].windows(11).any(|w| w == b"\r\nX-Vu: 7\r\n"));
        for request in &got {
            assert!(
                ends_with_body(request, BINARY),
                "{}",
                String::from_utf8_lossy(request)
            );
        }
    }

    #[test]
    fn an_escaped_dollar_brace_in_a_fixed_header_is_sent_as_a_literal() {
        let got = rendered(
            r#"[{"request": {"method": "GET", "url": "http://127.0.0.1:1/u/${__vu}?q=$${a}",
                             "headers": [["X-Literal", "$${b}"], ["X-Vu", "${__vu} $${c}"]]}}]"#,
        );
        let text = String::from_utf8_lossy(&got[0]);
        assert!(
            text.starts_with("GET /u/7?q=${a} HTTP/1.1\r\n")
                && text.contains("\r\nX-Literal: ${b}\r\n")
                && text.contains("\r\nX-Vu: 7 ${c}\r\n"),
            "{text}"
        );
    }
}
