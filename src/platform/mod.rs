//! Where frames go: a window (simulator or KMS) or memory (headless).

pub mod headless;
pub mod kms;
pub mod live;
pub mod screen;
pub mod window;

pub use headless::{Headless, RenderStats, encode_png};
pub use screen::{Screen, ScreenError};
