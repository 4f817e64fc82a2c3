//! See `harness.rs`: `proxmox_resources`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| piboard_fuzz::proxmox_resources(data));
