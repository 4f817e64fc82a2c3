//! The piboard binary: parse the arguments, hand over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    piboard::app::run(piboard::cli::Cli::parse())
}
