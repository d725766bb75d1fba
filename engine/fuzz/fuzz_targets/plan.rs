//! Plan JSON: deserialisation, its round trip, validation and compilation.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| horde_engine::fuzz::plan(data));
