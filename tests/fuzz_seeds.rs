//! Every seed and kept regression of the fuzz targets (tests/fuzz/corpus/)
//! through the same harness the fuzzer runs, on the stable toolchain: a
//! finding, once fixed, stays fixed without cargo-fuzz. See tests/fuzz/README.md.

#[path = "fuzz/harness.rs"]
mod harness;

use std::path::Path;

#[test]
fn every_kept_input_runs_through_its_target_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus");
    for (name, target) in harness::TARGETS {
        let dir = root.join(name);
        let mut inputs = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // Name the input if it panics.
            eprintln!("{name}: {}", path.display());
            target(&data);
            inputs += 1;
        }
        assert!(inputs > 0, "{name} has no seeds in {}", dir.display());
    }
}

#[test]
fn the_seeds_reach_past_the_parsers() {
    // Seeds that fail to parse would leave the fuzzer to rediscover the
    // format: the fixtures must parse.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus");
    let read = |p: &str| std::fs::read(fixtures.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    use piboard::sources::{moonraker, prometheus, proxmox};
    assert!(prometheus::parse::parse_reply(&read("prometheus_response/vector.json")).is_ok());
    assert!(prometheus::parse::parse_reply(&read("prometheus_response/matrix.json")).is_ok());
    assert!(proxmox::parse::resources(&read("proxmox_resources/resources-healthy.json")).is_ok());
    assert!(
        proxmox::parse::cluster_status(&read("proxmox_cluster_status/status-healthy.json")).is_ok()
    );
    assert!(moonraker::parse::objects(&read("moonraker_objects/objects_printing.json")).is_ok());
    assert!(
        moonraker::parse::server_info(&read("moonraker_server/server_info_ready.json")).is_ok()
    );
    let toml = String::from_utf8(read("config_loader/prometheus_only.toml")).expect("utf-8");
    assert!(piboard::config::parse(&toml, Path::new("seed.toml")).is_ok());
}
