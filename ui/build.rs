//! The build script: compiles `ui/main.slint` into Rust, and names the
//! backend the target picked.
//!
//! The fonts `ui/main.slint` imports from `assets/` are embedded into the
//! binary, so every frame renders the same everywhere.
//!
//! The backend (ARCHITECTURE.md, "One build per target"): Cargo.toml links
//! Slint's linuxkms backend and the Pi's hardware crates into every Linux/ARM
//! build and the winit window into every other one. The code does not test
//! a feature for this (a feature cannot follow the target) but the
//! `piboard_kms` cfg this script sets: on Linux, when the `kms` feature is on,
//! or when the target is ARM (aarch64, armv7) and the `simulator` feature is
//! off.

fn main() {
    backend_cfg();
    let config = slint_build::CompilerConfiguration::new().with_style("fluent-dark".into());
    if let Err(err) = slint_build::compile_with_config("ui/main.slint", config) {
        eprintln!("failed to compile ui/main.slint: {err}");
        std::process::exit(1);
    }
}

/// Sets `piboard_kms` when this build draws through DRM/KMS.
fn backend_cfg() {
    println!("cargo::rustc-check-cfg=cfg(piboard_kms)");
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    let feature = |name: &str| std::env::var_os(format!("CARGO_FEATURE_{name}")).is_some();
    let linux = target("CARGO_CFG_TARGET_OS") == "linux";
    let arm = matches!(target("CARGO_CFG_TARGET_ARCH").as_str(), "aarch64" | "arm");
    if linux && (feature("KMS") || (arm && !feature("SIMULATOR"))) {
        println!("cargo::rustc-cfg=piboard_kms");
    }
}
