//! Quiet hours: a daily window in local time, "23:00" to "07:00" crossing
//! midnight or "13:00" to "15:00" within a day, resolved in any
//! [`chrono::TimeZone`] so daylight saving is the zone's business: a
//! window edge that falls in the spring-forward gap starts at the first
//! minute that exists after it; one that falls in the autumn's repeated
//! hour is its first occurrence.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

/// A daily quiet window, local wall-clock times. `from == until` is never
/// quiet (the config refuses it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub from: NaiveTime,
    pub until: NaiveTime,
}

/// One occurrence of the window, as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl QuietHours {
    /// The occurrence of the window that contains `now`, if any.
    pub fn current<Tz: TimeZone>(&self, tz: &Tz, now: DateTime<Utc>) -> Option<Window> {
        let today = now.with_timezone(tz).date_naive();
        [today.pred_opt(), Some(today)]
            .into_iter()
            .flatten()
            .filter_map(|day| self.on(tz, day))
            .find(|w| w.start <= now && now < w.end)
    }

    /// When the next window after `now` starts (not the one `now` is in).
    pub fn next_start<Tz: TimeZone>(&self, tz: &Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = now.with_timezone(tz).date_naive();
        [Some(today), today.succ_opt()]
            .into_iter()
            .flatten()
            .filter_map(|day| self.on(tz, day))
            .map(|w| w.start)
            .find(|start| *start > now)
    }

    /// The window that starts on local date `day`.
    fn on<Tz: TimeZone>(&self, tz: &Tz, day: NaiveDate) -> Option<Window> {
        if self.from == self.until {
            return None;
        }
        let end_day = if self.until > self.from {
            day
        } else {
            day.succ_opt()?
        };
        let start = resolve(tz, day, self.from)?;
        let end = resolve(tz, end_day, self.until)?;
        Some(Window { start, end })
    }
}

/// The instant of a local wall-clock time: the earlier of a repeated time,
/// and for a time that does not exist (the spring gap) the first minute
/// after it that does.
fn resolve<Tz: TimeZone>(tz: &Tz, day: NaiveDate, at: NaiveTime) -> Option<DateTime<Utc>> {
    let mut local = day.and_time(at);
    for _ in 0..=180 {
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return Some(t.with_timezone(&Utc));
        }
        local += Duration::minutes(1);
    }
    None
}

/// A quiet window that repeats every `period` from `epoch` instead of
/// daily: quiet from `from` to `until` into each period. The demo's night
/// loop (`demo::sleep`) is one; the config only has daily [`QuietHours`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cycle {
    /// Where the first period starts.
    pub epoch: DateTime<Utc>,
    /// How long one period is (more than zero).
    pub period: std::time::Duration,
    /// Quiet from this far into each period...
    pub from: std::time::Duration,
    /// ...to this far (`from < until <= period`, else never quiet).
    pub until: std::time::Duration,
}

impl Cycle {
    /// The occurrence of the window that contains `now`, if any.
    pub fn current(&self, now: DateTime<Utc>) -> Option<Window> {
        let (period_start, into) = self.split(now)?;
        let (from, until) = (delta(self.from), delta(self.until));
        (from <= into && into < until).then(|| Window {
            start: period_start + from,
            end: period_start + until,
        })
    }

    /// When the next window after `now` starts (not the one `now` is in).
    pub fn next_start(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (period_start, into) = self.split(now)?;
        let from = delta(self.from);
        Some(if into < from {
            period_start + from
        } else {
            period_start + delta(self.period) + from
        })
    }

    /// The start of the period `now` is in, and how far into it `now` is;
    /// none for a window that is never quiet.
    fn split(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, Duration)> {
        let period = i64::try_from(self.period.as_millis()).ok()?;
        if period <= 0 || self.from >= self.until || self.until > self.period {
            return None;
        }
        let into = (now - self.epoch).num_milliseconds().rem_euclid(period);
        Some((
            now - Duration::milliseconds(into),
            Duration::milliseconds(into),
        ))
    }
}

fn delta(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}
