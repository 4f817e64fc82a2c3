//! See `harness.rs`: `proxmox_cluster_status`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| piboard_fuzz::proxmox_cluster_status(data));
