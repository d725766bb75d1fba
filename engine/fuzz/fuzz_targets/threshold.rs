//! The threshold grammar (`p(95)<500`, `http_req_duration{name:x}`) and threshold compilation.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        horde_engine::fuzz::threshold(text);
    }
});
