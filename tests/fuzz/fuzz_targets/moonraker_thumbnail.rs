//! See `harness.rs`: `moonraker_thumbnail`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| piboard_fuzz::moonraker_thumbnail(data));
