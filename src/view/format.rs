//! Numbers into words for a screen read from two metres: short, rounded,
//! and never a misleading 0 for a value that is NaN or missing.

use chrono::{DateTime, FixedOffset, Utc};

use crate::core::Unit;

/// An age in the coarse steps the screen uses, so it changes at most once a
/// minute: "<1 min", "4 min", "3 h", "2 d".
pub fn age(secs: u64) -> String {
    match secs {
        0..60 => "<1 min".to_owned(),
        60..3600 => format!("{} min", secs / 60),
        3600..172_800 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// A duration for time left and elapsed: "42 s", "12 min", "1 h 05 min", "2 d 3 h".
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "–".to_owned();
    }
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// Uptime as the largest whole unit: "12 d", "5 h", "40 min".
pub fn uptime(secs: u64) -> String {
    match secs {
        0..3600 => format!("{} min", secs / 60),
        3600..86_400 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// A wall-clock time "14:05" in the given offset.
pub fn clock(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset).format("%H:%M").to_string()
}

/// A wall-clock time with seconds "14:05:32".
pub fn clock_seconds(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset).format("%H:%M:%S").to_string()
}

/// When something happened, as a person says it: "today 08:58",
/// "yesterday 21:40", else the day: "Thu 19 Nov" (days in `offset`).
pub fn when(t: DateTime<Utc>, now: DateTime<Utc>, offset: FixedOffset) -> String {
    let day = |t: DateTime<Utc>| t.with_timezone(&offset).date_naive();
    let days = (day(now) - day(t)).num_days();
    match days {
        0 => format!("today {}", clock(t, offset)),
        1 => format!("yesterday {}", clock(t, offset)),
        _ => date(t, offset),
    }
}

/// The date line under the clock: "Sat 21 Nov".
pub fn date(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset).format("%a %-d %b").to_string()
}

/// A fraction 0..=1 as a whole percentage: "43%".
pub fn percent(fraction: f64) -> String {
    if fraction.is_nan() {
        return "NaN".to_owned();
    }
    format!("{:.0}%", fraction * 100.0)
}

/// Bytes in binary units with one decimal below 10: "7.8 GiB", "250 GiB".
pub fn bytes(n: f64) -> String {
    if !n.is_finite() {
        return special(n).to_owned();
    }
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n.abs();
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    let sign = if n < 0.0 { "-" } else { "" };
    if v < 10.0 && unit > 0 {
        format!("{sign}{v:.1} {}", UNITS[unit])
    } else {
        format!("{sign}{v:.0} {}", UNITS[unit])
    }
}

/// A response time: "142 ms", "3.4 s".
pub fn response(secs: f64) -> String {
    if !secs.is_finite() {
        return special(secs).to_owned();
    }
    if secs < 1.0 {
        format!("{:.0} ms", secs * 1000.0)
    } else {
        format!("{secs:.1} s")
    }
}

/// How a non-finite value reads: NaN, +Inf, -Inf.
fn special(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

/// A tile value in its unit. NaN and infinities are shown as such, never as 0.
pub fn value(v: f64, unit: &Unit, decimals: u8, percent_is_fraction: bool) -> String {
    if !v.is_finite() {
        return special(v).to_owned();
    }
    let d = usize::from(decimals);
    match unit {
        Unit::Percent => {
            let pct = if percent_is_fraction { v * 100.0 } else { v };
            format!("{pct:.d$}%")
        }
        Unit::Bytes => bytes(v),
        Unit::Seconds => duration(v),
        Unit::Celsius => format!("{v:.d$} °C"),
        Unit::Number => format!("{v:.d$}"),
        Unit::Suffix(s) => format!("{v:.d$} {s}"),
    }
}

/// A temperature against its target: "238 / 240 °C".
pub fn temperature(current: f64, target: f64) -> String {
    if target > 0.0 {
        format!("{current:.0} / {target:.0} °C")
    } else {
        format!("{current:.0} °C")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages_are_coarse() {
        assert_eq!(age(0), "<1 min");
        assert_eq!(age(59), "<1 min");
        assert_eq!(age(61), "1 min");
        assert_eq!(age(7200), "2 h");
        assert_eq!(age(200_000), "2 d");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(42.4), "42 s");
        assert_eq!(duration(720.0), "12 min");
        assert_eq!(duration(3900.0), "1 h 05 min");
        assert_eq!(duration(97_200.0), "1 d 3 h");
        assert_eq!(duration(f64::NAN), "–");
    }

    #[test]
    fn values_never_hide_nan_or_infinity() {
        assert_eq!(value(f64::NAN, &Unit::Number, 1, false), "NaN");
        assert_eq!(value(f64::INFINITY, &Unit::Percent, 0, true), "+Inf");
        assert_eq!(value(f64::NEG_INFINITY, &Unit::Bytes, 0, false), "-Inf");
        assert_eq!(value(0.4567, &Unit::Percent, 1, true), "45.7%");
        assert_eq!(value(45.67, &Unit::Percent, 0, false), "46%");
        assert_eq!(
            value(112.0, &Unit::Suffix("mg/dL".into()), 0, false),
            "112 mg/dL"
        );
        assert_eq!(value(51.25, &Unit::Celsius, 1, false), "51.2 °C");
    }

    #[test]
    fn bytes_and_responses() {
        assert_eq!(bytes(8_375_000_000.0), "7.8 GiB");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(response(0.1424), "142 ms");
        assert_eq!(response(3.42), "3.4 s");
    }

    #[test]
    fn clock_uses_the_offset() {
        let t = Utc
            .with_ymd_and_hms(2026, 11, 21, 9, 5, 7)
            .single()
            .expect("valid");
        let cet = FixedOffset::east_opt(3600).expect("valid");
        assert_eq!(clock(t, cet), "10:05");
        assert_eq!(clock_seconds(t, cet), "10:05:07");
        assert_eq!(date(t, cet), "Sat 21 Nov");
    }

    #[test]
    fn when_says_today_yesterday_or_the_day_in_the_offset() {
        let at = |d, h, m| {
            Utc.with_ymd_and_hms(2026, 11, d, h, m, 0)
                .single()
                .expect("valid")
        };
        let cet = FixedOffset::east_opt(3600).expect("valid");
        let now = at(21, 9, 0);
        assert_eq!(when(at(21, 7, 58), now, cet), "today 08:58");
        assert_eq!(when(at(20, 20, 40), now, cet), "yesterday 21:40");
        assert_eq!(when(at(20, 23, 30), now, cet), "today 00:30", "CET's day");
        assert_eq!(when(at(19, 12, 0), now, cet), "Thu 19 Nov");
    }
}
