//! Where frames go: a real display ([`window`]: the winit simulator or KMS
//! on the Pi), memory for the live `--headless` mode ([`headless`]), or
//! memory on demand for screenshots, goldens and benchmarks ([`offscreen`]).
//! [`ui_loop`] is what every live mode shares: view models into the event
//! loop, touch out of it ([`input`]), the heartbeat, systemd's notifications;
//! [`power`] darkens the glass while the display sleeps; [`net`] reads the
//! Pi's own addresses for the setup screen.

pub mod gpio;
pub mod hardware;
pub mod headless;
pub mod input;
pub mod kms;
pub mod net;
pub mod offscreen;
pub mod power;
pub mod pwm;
pub mod screen;
pub mod test_taps;
pub mod ui_loop;
pub mod window;

pub use input::Inputs;
pub use offscreen::{Offscreen, RenderStats, encode_png};
pub use power::{
    Backlight, FakeBacklight, FakeMotion, Glass, HardwareError, MotionSensor, MotionTrigger,
    watch_motion,
};
pub use screen::{Screen, ScreenError};
