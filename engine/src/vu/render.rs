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
