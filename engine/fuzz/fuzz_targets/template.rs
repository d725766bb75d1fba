//! `${…}` templates: parsing, and rendering in each escape mode.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| horde_engine::fuzz::template(data));
