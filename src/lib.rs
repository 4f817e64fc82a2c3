//! piboard: a homelab wall dashboard for a Raspberry Pi 3B and a 5" display.
//!
//! Data flows one way: [`sources`] (async, fetch and parse) send updates to
//! the [`hub`], which keeps the pure [`core`] state and builds the plain
//! [`view`] model; sinks (the Slint UI through [`bridge`], screenshots through
//! [`platform`]) only read view models. See ARCHITECTURE.md.

pub mod app;
pub mod bridge;
pub mod charts;
pub mod cli;
pub mod config;
pub mod core;
pub mod demo;
pub mod hub;
pub mod platform;
pub mod server;
pub mod sources;
pub mod telemetry;
pub mod view;
