//! `[display.sleep]`, `[display.backlight]`, `[display.motion]`: what parses,
//! what the core gets, and each error naming its key.

use std::path::Path;
use std::time::Duration;

use crate::config::parse;
use crate::core::night::QuietWakes;
use crate::core::{Power, SleepSettings};

const SOURCE: &str = "[moonraker]\nurl = \"http://127.0.0.1:7125\"\n";

fn settings(display: &str) -> Result<SleepSettings, String> {
    let text = format!("{SOURCE}{display}");
    parse(&text, Path::new("t.toml"))
        .map(|l| l.config.display.sleep_settings())
        .map_err(|e| e.to_string())
}

#[test]
fn a_full_sleep_section_reaches_the_core() {
    let s = settings(
        "[display.sleep]\nfrom = \"23:00\"\nuntil = \"07:00\"\nafter_mins = 10\nmode = \"dim\"\n\
         dim_level = 20\nwake_on = [\"trouble\"]\nwake_for_mins = 3\nquiet_wakes = \"all\"\n\
         [display.backlight]\npwm = 0\n[display.motion]\ngpio = 17\n",
    )
    .expect("valid");
    let quiet = s.quiet.map(|q| (q.from.to_string(), q.until.to_string()));
    assert_eq!(quiet, Some(("23:00:00".into(), "07:00:00".into())));
    assert_eq!(s.idle_after, Some(Duration::from_secs(600)));
    assert_eq!(s.asleep, Power::Dim(20));
    assert!(s.wake_on_trouble && !s.wake_on_print);
    assert_eq!(s.wake_for, Duration::from_secs(180));
    assert_eq!(s.quiet_wakes, QuietWakes::All);
}

#[test]
fn without_a_sleep_section_the_display_never_sleeps() {
    assert_eq!(settings(""), Ok(SleepSettings::default()));
    let idle = settings("[display.sleep]\nafter_mins = 5\n").expect("valid");
    assert_eq!(idle.quiet, None);
    assert_eq!(idle.asleep, Power::Off);
    assert_eq!(idle.quiet_wakes, QuietWakes::Critical);
}

#[test]
fn each_mistake_names_its_key_and_problem() {
    let cases = [
        (
            "[display.sleep]\nfrom = \"23:00\"\n",
            "`display.sleep.until`",
            "`from` needs `until`",
        ),
        (
            "[display.sleep]\nuntil = \"07:00\"\n",
            "`display.sleep.from`",
            "`until` needs `from`",
        ),
        (
            "[display.sleep]\nfrom = \"7:00\"\nuntil = \"08:00\"\n",
            "display.sleep.from",
            "\"7:00\" is not a time like 23:00",
        ),
        (
            "[display.sleep]\nfrom = \"25:00\"\nuntil = \"08:00\"\n",
            "display.sleep.from",
            "is not a time",
        ),
        (
            "[display.sleep]\nfrom = \"07:00\"\nuntil = \"07:00\"\n",
            "`display.sleep.until`",
            "same time as `from`",
        ),
        (
            "[display.sleep]\nmode = \"off\"\n",
            "`display.sleep`",
            "would never sleep",
        ),
        (
            "[display.sleep]\nafter_mins = 0\n",
            "`display.sleep.after_mins`",
            "0 is out of range",
        ),
        (
            "[display.sleep]\nafter_mins = 5\nwake_for_mins = 0\n",
            "`display.sleep.wake_for_mins`",
            "out of range",
        ),
        (
            "[display.sleep]\nafter_mins = 5\nmode = \"dim\"\n",
            "`display.sleep.mode`",
            "needs a PWM backlight",
        ),
        (
            "[display.sleep]\nafter_mins = 5\ndim_level = 5\n",
            "`display.sleep.dim_level`",
            "only with mode = \"dim\"",
        ),
        (
            "[display.sleep]\nafter_mins = 5\nmode = \"dim\"\ndim_level = 101\n[display.backlight]\npwm = 1\n",
            "`display.sleep.dim_level`",
            "101 is out of range",
        ),
        (
            "[display.sleep]\nafter_mins = 5\nmode = \"dark\"\n",
            "display.sleep.mode",
            "unknown variant",
        ),
        (
            "[display.sleep]\nafter_mins = 5\nwake_on = [\"fire\"]\n",
            "display.sleep.wake_on",
            "unknown variant",
        ),
        (
            "[display.backlight]\ngpio = 18\npwm = 0\n",
            "`display.backlight.pwm`",
            "not both",
        ),
        (
            "[display.backlight]\n",
            "`display.backlight`",
            "needs gpio = N",
        ),
        (
            "[display.backlight]\npwm = 2\n",
            "`display.backlight.pwm`",
            "2 is not a PWM channel",
        ),
        (
            "[display.backlight]\ngpio = 40\n",
            "`display.backlight.gpio`",
            "40 is not a GPIO",
        ),
        (
            "[display.motion]\ngpio = 99\n",
            "`display.motion.gpio`",
            "99 is not a GPIO",
        ),
        (
            "[display.backlight]\ngpio = 17\n[display.motion]\ngpio = 17\n",
            "`display.motion.gpio`",
            "already the backlight's line",
        ),
    ];
    for (display, key, message) in cases {
        let e = settings(display).expect_err(display);
        assert!(e.contains(key) && e.contains(message), "{display}\n=> {e}");
    }
}

#[test]
fn each_line_may_name_its_gpio_chip() {
    let text = format!(
        "{SOURCE}[display.backlight]\ngpio = 5\nchip = \"/dev/gpiochip4\"\n\
         [display.motion]\ngpio = 17\n"
    );
    let display = parse(&text, Path::new("t.toml"))
        .expect("valid")
        .config
        .display;
    let backlight = display.backlight.expect("a backlight");
    assert_eq!(backlight.chip.as_deref(), Some("/dev/gpiochip4"));
    assert_eq!(
        display.motion.expect("a sensor").chip,
        None,
        "the Pi's header by default"
    );
}
