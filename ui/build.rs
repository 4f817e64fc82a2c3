//! Compiles `ui/main.slint` into Rust. The fonts it imports from `assets/`
//! are embedded into the binary, so every frame renders the same everywhere.

fn main() {
    let config = slint_build::CompilerConfiguration::new().with_style("fluent-dark".into());
    if let Err(err) = slint_build::compile_with_config("ui/main.slint", config) {
        eprintln!("failed to compile ui/main.slint: {err}");
        std::process::exit(1);
    }
}
