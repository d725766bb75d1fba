//! HTTP/1.1 responses: status line, fields, Content-Length, chunked framing (extensions,
//! trailers), close-delimited bodies, fed whole and in random pieces.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| horde_engine::fuzz::response(data));
