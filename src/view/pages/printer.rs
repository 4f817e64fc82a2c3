//! The printer page's own words: the filament used against the slicer's
//! total, the targets the page's chart draws as dashed lines (and its
//! caption saying so), and the last few jobs of Moonraker's history, one
//! line each with a tone by result. The rest of the page is the printer
//! panel's view model, larger.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::super::chart::caption;
use super::super::{Tone, format};
use crate::core::{Job, JobStatus, KlippyState, PrinterData, SourceData, SourceState};

/// How many of the history's jobs the page lists.
pub const JOBS_SHOWN: usize = 4;

/// The printer page beyond the panel's words.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PrinterPageVm {
    /// "Filament 3.21 m of 5.10 m", "Filament 3.21 m" without the slicer's
    /// total; empty before Moonraker answers or when nothing was extruded.
    pub filament: String,
    /// How much of the slicer's total is used, 0..1, for a bar; `null`
    /// without a total.
    pub filament_fraction: Option<f64>,
    /// The nozzle's and the bed's targets, °C, drawn as dashed lines on the
    /// page's chart; `null` when the heater is off or Klipper not ready.
    pub extruder_target: Option<f32>,
    pub bed_target: Option<f32>,
    /// The caption above the page's chart: the panel's, and what the
    /// dashed lines are when there are any.
    pub chart_caption: String,
    /// "LAST JOBS"; empty without a job.
    pub jobs_title: String,
    /// The last [`JOBS_SHOWN`] jobs, newest first.
    pub jobs: Vec<JobRowVm>,
}

/// One job of the printer's history, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobRowVm {
    /// The file's name without folders or `.gcode`.
    pub file: String,
    /// How it ended, then how long it took and when it ended:
    /// "completed · 2 h 20 min · yesterday 21:40".
    pub detail: String,
    /// The whole line: "benchy · failed · 20 min · Wed 18 Nov".
    pub text: String,
    /// Ok when completed, warn when stopped by a person or a restart, bad
    /// when it failed, info while it runs.
    pub tone: Tone,
}

/// The page for the Moonraker source's record (its last good data, as the
/// panel shows), with times in `offset`.
pub(super) fn page(
    s: Option<&SourceState>,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> PrinterPageVm {
    match s.and_then(|s| s.data.as_ref()) {
        Some(SourceData::Moonraker(p)) => of(p, now, offset),
        _ => PrinterPageVm::default(),
    }
}

/// The page for Moonraker's answer `p`.
fn of(p: &PrinterData, now: DateTime<Utc>, offset: FixedOffset) -> PrinterPageVm {
    let (filament, filament_fraction) = filament(p);
    let ready = p.klippy == KlippyState::Ready;
    let target = |t: f64| Some(t as f32).filter(|t| ready && t.is_finite() && *t > 0.0);
    let (extruder_target, bed_target) = (target(p.extruder.target), target(p.bed.target));
    let jobs: Vec<JobRowVm> = p
        .jobs
        .iter()
        .take(JOBS_SHOWN)
        .map(|j| job_row(j, now, offset))
        .collect();
    PrinterPageVm {
        filament,
        filament_fraction,
        extruder_target,
        bed_target,
        chart_caption: if extruder_target.or(bed_target).is_some() {
            format!("{} · DASHED: TARGETS", caption())
        } else {
            caption()
        },
        jobs_title: if jobs.is_empty() { "" } else { "LAST JOBS" }.to_owned(),
        jobs,
    }
}

/// "Filament 3.21 m of 5.10 m" and the fraction used, or nothing.
fn filament(p: &PrinterData) -> (String, Option<f64>) {
    let used = p.filament_used_mm;
    if !used.is_finite() || used <= 0.0 {
        return (String::new(), None);
    }
    let metres = |mm: f64| format!("{:.2} m", mm / 1000.0);
    match p.filament_total_mm.filter(|t| t.is_finite() && *t > 0.0) {
        Some(total) => (
            format!("Filament {} of {}", metres(used), metres(total)),
            Some((used / total).clamp(0.0, 1.0)),
        ),
        None => (format!("Filament {}", metres(used)), None),
    }
}

/// A job's result in words and its tone.
fn result(status: JobStatus) -> (&'static str, Tone) {
    use JobStatus as S;
    match status {
        S::InProgress => ("printing", Tone::Info),
        S::Completed => ("completed", Tone::Ok),
        S::Cancelled => ("cancelled", Tone::Warn),
        S::Error => ("failed", Tone::Bad),
        S::KlippyShutdown => ("Klipper shut down", Tone::Bad),
        S::KlippyDisconnect => ("Klipper lost", Tone::Bad),
        S::Interrupted => ("interrupted", Tone::Warn),
        S::ServerExit => ("Moonraker stopped", Tone::Warn),
        S::Other => ("unknown", Tone::Unknown),
    }
}

/// One job's line: file, result, duration and when it ended (started, if
/// it has not), each part left out when unknown.
fn job_row(j: &Job, now: DateTime<Utc>, offset: FixedOffset) -> JobRowVm {
    let base = j.filename.rsplit('/').next().unwrap_or(&j.filename);
    let file = base.strip_suffix(".gcode").unwrap_or(base).to_owned();
    let (words, tone) = result(j.status);
    let duration = j.total_duration_s.map(format::duration);
    let when = j.end.or(j.start).map(|t| format::when(t, now, offset));
    let detail = [Some(words.to_owned()), duration, when]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    JobRowVm {
        text: format!("{file} · {detail}"),
        file,
        detail,
        tone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Heater;
    use chrono::TimeZone;

    #[test]
    fn filament_is_used_against_the_slicers_total_in_metres() {
        let p = |used, total| PrinterData {
            filament_used_mm: used,
            filament_total_mm: total,
            ..PrinterData::default()
        };
        assert_eq!(
            filament(&p(2555.0, Some(5110.0))),
            ("Filament 2.56 m of 5.11 m".to_owned(), Some(0.5))
        );
        assert_eq!(
            filament(&p(1200.0, None)),
            ("Filament 1.20 m".to_owned(), None)
        );
        assert_eq!(filament(&p(0.0, Some(10.0))), (String::new(), None));
        assert_eq!(filament(&p(f64::NAN, None)), (String::new(), None));
    }

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn a_job_reads_file_result_duration_and_when_with_a_tone_by_result() {
        let now = utc(21, 9, 0);
        let job = |status, end: Option<DateTime<Utc>>, duration| Job {
            filename: "parts/benchy.gcode".to_owned(),
            status,
            start: Some(utc(20, 10, 0)),
            end,
            total_duration_s: duration,
            filament_used_mm: None,
        };
        let utc0 = FixedOffset::east_opt(0).expect("valid");
        let done = job_row(
            &job(JobStatus::Completed, Some(utc(20, 21, 40)), Some(4320.0)),
            now,
            utc0,
        );
        assert_eq!(
            done.text,
            "benchy · completed · 1 h 12 min · yesterday 21:40"
        );
        assert_eq!((done.file.as_str(), done.tone), ("benchy", Tone::Ok));
        let failed = job_row(&job(JobStatus::Error, None, None), now, utc0);
        assert_eq!(
            failed.detail, "failed · yesterday 10:00",
            "no end: the start"
        );
        assert_eq!(failed.tone, Tone::Bad);
        let stopped = job_row(&job(JobStatus::Cancelled, None, Some(30.0)), now, utc0);
        assert_eq!(stopped.tone, Tone::Warn);
        assert_eq!(result(JobStatus::InProgress).1, Tone::Info);
    }

    #[test]
    fn the_page_lists_the_last_jobs_and_the_targets_of_a_ready_printer() {
        let job = Job {
            filename: "a.gcode".to_owned(),
            status: JobStatus::Completed,
            start: None,
            end: None,
            total_duration_s: None,
            filament_used_mm: None,
        };
        let data = |klippy| PrinterData {
            klippy,
            extruder: Heater {
                target: 240.0,
                ..Heater::default()
            },
            jobs: vec![job.clone(); 6],
            ..PrinterData::default()
        };
        let now = utc(21, 9, 0);
        let utc0 = FixedOffset::east_opt(0).expect("valid");
        let ready = of(&data(KlippyState::Ready), now, utc0);
        assert_eq!(ready.jobs.len(), JOBS_SHOWN);
        assert_eq!(ready.jobs[0].text, "a · completed");
        assert_eq!(ready.jobs_title, "LAST JOBS");
        assert_eq!(
            (ready.extruder_target, ready.bed_target),
            (Some(240.0), None)
        );
        assert!(ready.chart_caption.ends_with("· DASHED: TARGETS"));
        let halted = of(&data(KlippyState::Shutdown), now, utc0);
        assert_eq!(
            halted.extruder_target, None,
            "a halted printer heats nothing"
        );
        assert_eq!(halted.chart_caption, caption());
        assert_eq!(page(None, now, utc0), PrinterPageVm::default());
    }
}
