//! The printer's last jobs from Moonraker's job history,
//! `GET /server/history/list?limit=5&order=desc` (the `[history]`
//! component): file, result, start and end, duration and filament.
//!
//! Asked at the first ready poll and again whenever a job ends (a poll sees
//! the state leave printing or paused); a failure is logged and asked again
//! at the next poll, except a 404 (the history component is not enabled),
//! which waits for the next job's end. The jobs are sent with every poll as
//! `PrinterData::jobs`. Every field is optional; numbers that are not
//! numbers are missing.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{API, MoonrakerSource, expect_success, parse};
use crate::core::{Failure, Job, JobStatus, PrintState};

/// The jobs asked for and kept: a server that ignores `limit` (or a
/// proxy that drops the query) is cut to these, newest first, since they
/// are copied into every update.
pub const LIMIT: usize = 5;
/// The query string of the request (asks for [`LIMIT`]).
pub const QUERY: &str = "limit=5&order=desc";

#[derive(Deserialize)]
struct RawList {
    #[serde(default)]
    jobs: Vec<RawJob>,
}

#[derive(Deserialize)]
struct RawJob {
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    start_time: Value,
    #[serde(default)]
    end_time: Value,
    #[serde(default)]
    total_duration: Value,
    #[serde(default)]
    filament_used: Value,
}

/// Parses `/server/history/list`, newest first as asked, at most
/// [`LIMIT`] jobs.
pub fn jobs(bytes: &[u8]) -> Result<Vec<Job>, Failure> {
    let list: RawList = parse::result(bytes, "/server/history/list")?;
    Ok(list.jobs.into_iter().take(LIMIT).map(job).collect())
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64().filter(|n| n.is_finite() && *n >= 0.0)
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    let s = number(v).filter(|s| *s > 0.0)?;
    DateTime::from_timestamp(s.floor() as i64, 0)
}

fn job(raw: RawJob) -> Job {
    Job {
        filename: raw.filename.unwrap_or_default(),
        status: match raw.status.as_deref() {
            Some("in_progress") => JobStatus::InProgress,
            Some("completed") => JobStatus::Completed,
            Some("cancelled") => JobStatus::Cancelled,
            Some("error") => JobStatus::Error,
            Some("klippy_shutdown") => JobStatus::KlippyShutdown,
            Some("klippy_disconnect") => JobStatus::KlippyDisconnect,
            Some("interrupted") => JobStatus::Interrupted,
            Some("server_exit") => JobStatus::ServerExit,
            _ => JobStatus::Other,
        },
        start: time(&raw.start_time),
        end: time(&raw.end_time),
        total_duration_s: number(&raw.total_duration),
        filament_used_mm: number(&raw.filament_used),
    }
}

/// Whether a job ended between two polls' print states.
pub fn ended(before: Option<PrintState>, now: PrintState) -> bool {
    let active = |s: PrintState| matches!(s, PrintState::Printing | PrintState::Paused);
    before.is_some_and(active) && !active(now)
}

impl MoonrakerSource {
    /// Fetches the job history when it is due; keeps the last good one.
    pub(super) async fn refresh_jobs(&mut self) {
        if !self.jobs_due {
            return;
        }
        let answer = self.get(&["server", "history", "list"], Some(QUERY)).await;
        let outcome = match answer {
            Ok(body) if body.status.as_u16() == 404 => {
                tracing::info!("no job history (is [history] in moonraker.conf?)");
                self.jobs_due = false;
                return;
            }
            Ok(body) => expect_success(body, &API).and_then(|b| jobs(&b.bytes)),
            Err(f) => Err(f),
        };
        match outcome {
            Ok(jobs) => {
                self.jobs = jobs;
                self.jobs_due = false;
            }
            Err(f) => {
                tracing::info!(reason = %f.message, "no job history; asking again at the next poll")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../tests/fixtures/moonraker/history_list.json");

    #[test]
    fn the_documented_answer_newest_first_with_odd_fields_missing() {
        let j = jobs(FIXTURE.as_bytes()).expect("the fixture parses");
        let got: Vec<_> = j
            .iter()
            .map(|j| {
                (
                    j.filename.as_str(),
                    j.status,
                    j.start.map(|t| t.timestamp()),
                    j.end.map(|t| t.timestamp()),
                    j.total_duration_s,
                    j.filament_used_mm,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "parts/enclosure-hinge_0.2mm_PETG_2h10m.gcode",
                    JobStatus::Completed,
                    Some(1_795_236_800),
                    Some(1_795_245_120),
                    Some(8320.39),
                    Some(11842.7)
                ),
                (
                    "calibration-cube.gcode",
                    JobStatus::Cancelled,
                    Some(1_795_230_700),
                    Some(1_795_231_000),
                    Some(300.0),
                    Some(412.0)
                ),
                (
                    "old/benchy.gcode",
                    JobStatus::KlippyShutdown,
                    Some(1_795_200_000),
                    None,
                    None,
                    Some(0.0)
                ),
            ]
        );
        assert!(jobs(br#"{"result":{"count":0,"jobs":[]}}"#).is_ok_and(|j| j.is_empty()));
        assert!(jobs(br#"{"result":{"jobs":"x"}}"#).is_err());
    }

    #[test]
    fn at_most_the_asked_jobs_are_kept_when_the_server_sends_more() {
        assert_eq!(QUERY, format!("limit={LIMIT}&order=desc"));
        let many: Vec<String> = (0..1000)
            .map(|i| format!(r#"{{"filename":"{i}.gcode","status":"completed"}}"#))
            .collect();
        let body = format!(
            r#"{{"result":{{"count":1000,"jobs":[{}]}}}}"#,
            many.join(",")
        );
        let j = jobs(body.as_bytes()).expect("a documented answer");
        assert_eq!(j.len(), LIMIT);
        assert_eq!(
            (j[0].filename.as_str(), j[4].filename.as_str()),
            ("0.gcode", "4.gcode")
        );
    }

    #[test]
    fn a_job_ends_when_the_state_leaves_printing_or_paused() {
        use PrintState::*;
        assert!(ended(Some(Printing), Complete));
        assert!(ended(Some(Paused), Cancelled));
        assert!(ended(Some(Printing), Standby));
        assert!(!ended(Some(Printing), Paused));
        assert!(!ended(Some(Complete), Standby));
        assert!(!ended(None, Complete));
    }
}
