//! Data sources. Each one is thin: fetch, parse into the core's domain types,
//! and send a [`SourceUpdate`](crate::core::SourceUpdate) per poll cycle.

pub mod demo;
