//! `Set-Cookie` into a VU's jar, and the jar's cookies onto the next request.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| horde_engine::fuzz::cookies(data));
