//! The shared test harness checked on its own (tests/common/): the golden
//! comparison sees a single changed pixel unless a frame comes from another
//! machine, the /proc reader fails instead of reading 0, the wait loop gives
//! back what it last saw, and only `PIBOARD_REQUIRE_REAL_SERVERS=1` makes a
//! missing tool a failure.

mod common;

use std::ffi::OsStr;
use std::time::Duration;

use common::golden::{self, OTHER_MACHINE_CHANNEL, Tolerance};
use common::piboard::ProcFigures;
use common::wait;
use image::{Rgb, RgbImage};

#[test]
fn the_exact_comparison_sees_one_pixel_off_by_one() {
    let golden = RgbImage::from_pixel(800, 480, Rgb([20, 30, 40]));
    let same = golden.clone();
    assert_eq!(
        golden::compare(&golden, &same, Tolerance::Exact).differing,
        0
    );
    let mut one = golden.clone();
    one.put_pixel(400, 240, Rgb([20, 31, 40]));
    let exact = golden::compare(&golden, &one, Tolerance::Exact);
    assert_eq!((exact.differing, exact.allowed), (1, 0));
    assert!(!exact.matches());
    assert_eq!(exact.diff.get_pixel(400, 240), &Rgb([255, 0, 0]));
    assert!(golden::compare(&golden, &one, Tolerance::OtherMachine("test")).matches());
}

#[test]
fn another_machine_may_differ_on_a_few_edges_only() {
    let golden = RgbImage::from_pixel(800, 480, Rgb([0, 0, 0]));
    let tolerance = Tolerance::OtherMachine("test");
    let allowed = tolerance.allowed(800 * 480);
    assert_eq!(allowed, 768, "0.2 % of 800x480");
    // `n` pixels off by just more than the channel tolerance.
    let off = |n: u32| {
        let mut img = golden.clone();
        for i in 0..n {
            img.put_pixel(i % 800, i / 800, Rgb([OTHER_MACHINE_CHANNEL + 1, 0, 0]));
        }
        golden::compare(&golden, &img, tolerance)
    };
    assert!(off(768).matches());
    assert!(!off(769).matches());
    // Within the channel tolerance a pixel does not count at all.
    let mut faint = golden.clone();
    faint
        .pixels_mut()
        .for_each(|p| *p = Rgb([OTHER_MACHINE_CHANNEL, 0, 0]));
    assert_eq!(golden::compare(&golden, &faint, tolerance).differing, 0);
}

#[test]
fn process_figures_are_measured_or_an_error_naming_the_file() {
    let own = ProcFigures::read(std::process::id()).expect("this process's figures");
    assert!(own.rss > 0 && own.hwm >= own.rss, "{own:?}");
    assert!(own.threads >= 1 && own.fds >= 3, "{own:?}");
    // A process that is gone has no /proc entry: an error, never zeros.
    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("run true");
    let pid = child.id();
    child.wait().expect("true exits");
    let gone = ProcFigures::read(pid).expect_err("no figures for a reaped process");
    assert!(gone.contains(&format!("/proc/{pid}/status")), "{gone}");
    // A field that is missing or not a number is an error too.
    let status = "Name:\tpiboard\nVmHWM:\t 2048 kB\nVmRSS:\t 1024 kB\nThreads:\t5\n";
    let parsed = ProcFigures::parse(status, 7).expect("a complete status");
    assert_eq!(
        (parsed.rss, parsed.hwm, parsed.threads, parsed.fds),
        (1024 * 1024, 2048 * 1024, 5, 7)
    );
    let no_rss = ProcFigures::parse("VmHWM:\t 2048 kB\nThreads:\t5\n", 7);
    assert!(no_rss.is_err_and(|e| e.contains("VmRSS")));
    let garbled = ProcFigures::parse(&status.replace("\t5", "\tmany"), 7);
    assert!(garbled.is_err_and(|e| e.contains("Threads")));
}

#[tokio::test(start_paused = true)]
async fn the_wait_returns_the_first_success_or_the_last_answer() {
    let mut asked = 0;
    let done = wait::until(
        Duration::from_secs(5),
        Duration::from_millis(100),
        async || {
            asked += 1;
            if asked == 3 { Ok(asked) } else { Err(asked) }
        },
    )
    .await;
    assert_eq!(done, Ok(3));
    let mut asked = 0;
    let started = tokio::time::Instant::now();
    let never: Result<(), u32> = wait::until(
        Duration::from_secs(1),
        Duration::from_millis(300),
        async || {
            asked += 1;
            Err(asked)
        },
    )
    .await;
    // At 0, 0.3, 0.6, 0.9 and at the deadline: the last answer comes back.
    assert_eq!(never, Err(5));
    assert_eq!(started.elapsed(), Duration::from_secs(1));
}

#[test]
fn only_exactly_1_requires_the_real_servers() {
    assert!(common::required(Some(OsStr::new("1"))));
    for other in [
        None,
        Some(""),
        Some("0"),
        Some("yes"),
        Some("true"),
        Some(" 1"),
    ] {
        assert!(!common::required(other.map(OsStr::new)), "{other:?}");
    }
}
