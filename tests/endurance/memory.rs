//! The endurance run's memory figures: one [`Sample`] every few seconds
//! (the live heap from piboard's own counting allocator on /metrics, the
//! resident size, descriptors and threads from /proc), written as CSV, and
//! the least-squares line whose slope says plateau or leak.

#![allow(dead_code, reason = "the fit's tests use part of it")]

use std::io::Write as _;
use std::path::Path;

/// The figures at one moment of the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Seconds since the run began.
    pub t: f64,
    /// `piboard_heap_live_bytes`.
    pub heap: u64,
    /// `piboard_heap_live_blocks`.
    pub blocks: u64,
    /// `piboard_heap_allocations_total`.
    pub allocations: u64,
    /// VmRSS, bytes.
    pub rss: u64,
    /// VmHWM, bytes.
    pub hwm: u64,
    pub fds: u64,
    pub threads: u64,
}

pub const CSV_HEADER: &str = "seconds,heap_live_bytes,heap_live_blocks,heap_allocations,rss_bytes,rss_peak_bytes,fds,threads";

/// The samples as CSV, a header first.
pub fn csv(samples: &[Sample]) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for s in samples {
        out.push_str(&row(s));
    }
    out
}

/// One sample as a CSV line.
pub fn row(s: &Sample) -> String {
    format!(
        "{:.1},{},{},{},{},{},{},{}\n",
        s.t, s.heap, s.blocks, s.allocations, s.rss, s.hwm, s.fds, s.threads
    )
}

/// A CSV file written as the run goes, so a run that dies leaves its
/// samples up to that moment.
pub struct CsvFile(std::fs::File);

impl CsvFile {
    /// Creates `path` (and its directory) with the header.
    pub fn create(path: &Path) -> Self {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        }
        let mut file = std::fs::File::create(path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        writeln!(file, "{CSV_HEADER}")
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        Self(file)
    }

    /// Appends `sample`.
    pub fn push(&mut self, sample: &Sample) {
        self.0
            .write_all(row(sample).as_bytes())
            .unwrap_or_else(|e| panic!("cannot write a sample: {e}"));
    }
}

/// A straight line through points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// Units of y per unit of x.
    pub slope: f64,
    pub intercept: f64,
}

/// The least-squares line through `points` (x, y); `None` for fewer than
/// two distinct x.
pub fn fit(points: &[(f64, f64)]) -> Option<Line> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    if sxx <= f64::EPSILON {
        return None;
    }
    let slope = sxy / sxx;
    Some(Line {
        slope,
        intercept: mean_y - slope * mean_x,
    })
}

/// The samples of the last `share` of the run (by time; 0.8: after the
/// first fifth, the warm-up).
pub fn last_share(samples: &[Sample], share: f64) -> &[Sample] {
    let Some(end) = samples.last().map(|s| s.t) else {
        return samples;
    };
    let from = end * (1.0 - share);
    let first = samples.iter().position(|s| s.t >= from).unwrap_or(0);
    &samples[first..]
}

/// The live heap's slope over `samples`, in bytes per hour.
pub fn heap_slope_per_hour(samples: &[Sample]) -> Option<f64> {
    let points: Vec<(f64, f64)> = samples.iter().map(|s| (s.t, s.heap as f64)).collect();
    fit(&points).map(|l| l.slope * 3600.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: f64, heap: u64) -> Sample {
        Sample {
            t,
            heap,
            blocks: 0,
            allocations: 0,
            rss: 0,
            hwm: 0,
            fds: 0,
            threads: 0,
        }
    }

    #[test]
    fn the_fit_finds_a_line_and_a_plateau() {
        let line = fit(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]).expect("a line");
        assert!((line.slope - 2.0).abs() < 1e-9 && (line.intercept - 1.0).abs() < 1e-9);
        // A sawtooth around a level (allocations come and go) has no slope.
        let saw: Vec<Sample> = (0..720u32)
            .map(|i| {
                sample(
                    f64::from(i) * 5.0,
                    8_000_000 + [0, 300_000, 100_000][i as usize % 3],
                )
            })
            .collect();
        let slope = heap_slope_per_hour(&saw).expect("a slope");
        assert!(slope.abs() < 2_000.0, "{slope}");
        // 1 MB over an hour is 1 MB/h, whatever the level.
        let leak: Vec<Sample> = (0..=720u32)
            .map(|i| {
                sample(
                    f64::from(i) * 5.0,
                    8_000_000 + u64::from(i) * 1_000_000 / 720,
                )
            })
            .collect();
        let slope = heap_slope_per_hour(&leak).expect("a slope");
        assert!((slope - 1_000_000.0).abs() < 1_000.0, "{slope}");
        assert_eq!(fit(&[(1.0, 1.0)]), None);
        assert_eq!(fit(&[(1.0, 1.0), (1.0, 2.0)]), None);
    }

    #[test]
    fn the_warm_up_is_the_first_fifth_by_time() {
        let s: Vec<Sample> = (0..=100u32).map(|i| sample(f64::from(i), 0)).collect();
        let tail = last_share(&s, 0.8);
        assert_eq!(tail.first().map(|s| s.t), Some(20.0));
        assert_eq!(tail.len(), 81);
        assert!(last_share(&[], 0.8).is_empty());
    }

    #[test]
    fn the_csv_has_a_row_per_sample() {
        let text = csv(&[sample(0.0, 10), sample(5.0, 12)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [CSV_HEADER, "0.0,10,0,0,0,0,0,0", "5.0,12,0,0,0,0,0,0"]
        );
    }
}
