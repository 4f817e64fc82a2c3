//! See `harness.rs`: `config_loader`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| piboard_fuzz::config_loader(data));
