//! See `harness.rs`: `prometheus_response`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| piboard_fuzz::prometheus_response(data));
