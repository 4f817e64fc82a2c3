//! See `harness.rs`: `moonraker_server`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| piboard_fuzz::moonraker_server(data));
