//! Redirects: a `Location` turned into the next hop's request, twice.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| horde_engine::fuzz::redirect(data));
