use super::*;

fn point(at_s: i64, value: f32) -> Point {
    Point { at_s, value }
}

fn times(r: &Ring<Point>) -> Vec<i64> {
    r.samples().map(|s| s.at_s).collect()
}

#[test]
fn readings_in_one_step_replace_each_other() {
    let mut h = TempHistory::default();
    h.record(100, 20.0, 20.0);
    h.record(101, 21.0, 20.0);
    h.record(104, 22.0, 20.0);
    assert_eq!(h.len(), 1);
    assert_eq!(h.last().map(|s| s.extruder), Some(22.0));
    h.record(105, 23.0, 20.0);
    assert_eq!(h.len(), 2);
    // Older than the newest: ignored.
    h.record(90, 99.0, 99.0);
    assert_eq!(h.len(), 2);
    h.record(110, f64::NAN, 20.0);
    assert_eq!(h.len(), 2);
}

#[test]
fn the_ring_is_bounded_by_the_window_and_never_reallocates() {
    let mut h = TempHistory::default();
    h.record(0, 200.0, 60.0);
    let bytes = h.ring().heap_bytes();
    assert_eq!(bytes, CAPACITY * std::mem::size_of::<TempSample>());
    for t in 0..10_000 {
        h.record(t, 200.0, 60.0);
    }
    assert_eq!(h.len(), CAPACITY);
    assert_eq!(h.ring().heap_bytes(), bytes, "the ring grew");
    let first = h.samples().next().map(|s| s.at_s).unwrap_or_default();
    assert!(first > 9_999 - WINDOW_S, "{first}");
}

#[test]
fn one_sample_per_step_and_a_gap_stays_a_gap() {
    let mut r = Ring::new(30, 3600);
    assert_eq!(r.capacity(), 120);
    for t in [0, 10, 29, 30, 95, 200] {
        r.record(point(t, t as f32));
    }
    // 0, 10, 29 share a step: the last wins. Steps 2, 4, 5 have no sample.
    assert_eq!(times(&r), [29, 30, 95, 200]);
    // A jump of more than the window leaves only the new sample.
    r.record(point(200 + 3600, 1.0));
    assert_eq!(times(&r), [3800]);
}

#[test]
fn a_clock_set_back_within_the_window_is_ignored_beyond_it_restarts() {
    let mut r = Ring::new(30, 3600);
    for t in (10_000..11_000).step_by(20) {
        r.record(point(t, 1.0));
    }
    let before = times(&r);
    r.record(point(10_500, 2.0));
    assert_eq!(times(&r), before, "a small step back changed the ring");
    r.record(point(10_980 - 3601, 3.0));
    assert_eq!(times(&r), [10_980 - 3601]);
}

#[test]
fn a_seed_fills_the_gaps_and_live_samples_win() {
    let mut r = Ring::new(30, 3600);
    r.record(point(3570, 9.0));
    r.record(point(3600, 9.5));
    // The seed: one a step over the last hour, ending at the same time.
    r.merge((0..=120).map(|i| point(i * 30, 1.0)));
    assert_eq!(r.len(), 120);
    let last: Vec<f32> = r.samples().rev().take(3).map(|s| s.value).collect();
    assert_eq!(last, [9.5, 9.0, 1.0]);
    assert_eq!(r.samples().next().map(|s| s.at_s), Some(30));
    // Out of order, duplicated and too old seed samples are sorted, one a
    // step, and cut to the window.
    let mut r = Ring::new(30, 3600);
    r.merge([
        point(-9000, 5.0),
        point(95, 2.0),
        point(61, 1.0),
        point(65, 1.5),
    ]);
    assert_eq!(times(&r), [65, 95]);
    assert_eq!(r.samples().next().map(|s| s.value), Some(1.5));
    // A seed into an empty ring and an empty seed.
    r.merge(std::iter::empty());
    assert_eq!(times(&r), [65, 95]);
    // Live samples after the merge still go on.
    r.record(point(130, 3.0));
    assert_eq!(times(&r), [65, 95, 130]);
}

#[test]
fn seeding_the_temperatures_aligns_on_the_newest_value() {
    let mut h = TempHistory::default();
    let extruder: Vec<f64> = (0..1200).map(f64::from).collect();
    let bed = vec![60.0; 1000];
    h.seed(10_000, &extruder, &bed);
    assert_eq!(
        h.last().map(|s| (s.at_s, s.extruder)),
        Some((10_000, 1199.0))
    );
    assert!(
        h.len() <= CAPACITY && h.len() >= CAPACITY - 1,
        "{}",
        h.len()
    );
    h.seed(10_000, &[], &[1.0]);
    assert!(!h.is_empty());
}

#[test]
fn seeding_an_empty_history_equals_recording_the_same_readings() {
    let e: Vec<f64> = (0..700).map(|i| 20.0 + f64::from(i) * 0.3).collect();
    let b: Vec<f64> = (0..700).map(|i| 25.0 + f64::from(i % 7)).collect();
    let mut seeded = TempHistory::default();
    seeded.seed(50_000, &e, &b);
    let mut recorded = TempHistory::default();
    for i in 100..700 {
        recorded.record(50_000 - (699 - i) as i64, e[i], b[i]);
    }
    assert_eq!(
        seeded.samples().collect::<Vec<_>>(),
        recorded.samples().collect::<Vec<_>>()
    );
}

#[test]
fn times_at_the_ends_of_the_range_do_not_overflow() {
    let mut r = Ring::new(1, 60);
    r.record(point(i64::MIN, 1.0));
    r.record(point(i64::MAX, 2.0));
    r.record(point(i64::MIN, 3.0));
    r.merge([point(i64::MAX, 4.0), point(i64::MIN, 5.0)]);
    assert!(r.len() <= 2, "{}", r.len());
}
