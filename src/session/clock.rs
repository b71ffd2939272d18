//! UTC wall-clock formatting for session files, without a date crate.
//!
//! Converts seconds since the Unix epoch to a civil date with Howard Hinnant's
//! `civil_from_days` algorithm. Never reads a time zone: everything is UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC date and time, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// Calendar year, e.g. 2026.
    pub year: i64,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
    /// Hour, 0 to 23.
    pub hour: u32,
    /// Minute, 0 to 59.
    pub minute: u32,
    /// Second, 0 to 59.
    pub second: u32,
}

impl UtcTime {
    /// The current time; a clock set before 1970 reads as the epoch.
    pub fn now() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        Self::from_unix(secs)
    }

    /// The UTC time `secs` seconds after 1970-01-01T00:00:00Z.
    pub fn from_unix(secs: u64) -> Self {
        let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
        let rem = secs % 86_400;
        let (year, month, day) = civil_from_days(days);
        // `rem` < 86 400, so these fit in u32.
        Self {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// RFC 3339 form, e.g. `2026-11-29T14:30:12Z`.
    pub fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// Compact form for folder names, e.g. `20261129-143012`.
    pub fn compact(&self) -> String {
        format!(
            "{:04}{:02}{:02}-{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Seconds since the Unix epoch of an RFC 3339 UTC time as squint writes it
/// (`2026-11-29T14:30:12Z`); `None` for anything else.
pub fn unix_from_rfc3339(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month as u32, day as u32);
    u64::try_from(days * 86_400 + hour * 3600 + minute * 60 + second).ok()
}

/// The current UTC time in RFC 3339 form, e.g. `2026-11-29T14:30:12Z`.
pub fn now_rfc3339() -> String {
    UtcTime::now().rfc3339()
}

/// (year, month, day) to days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((month + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // month is in 1..=12 and day in 1..=31.
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_timestamps() {
        // Expected values from `date -u -d @SECS +%Y-%m-%dT%H:%M:%SZ`.
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"),
            (1_234_567_890, "2009-02-13T23:31:30Z"),
            (1_800_000_000, "2027-01-15T08:00:00Z"),
            (1_795_962_612, "2026-11-29T14:30:12Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
        ];
        for (secs, want) in cases {
            assert_eq!(UtcTime::from_unix(secs).rfc3339(), want, "secs {secs}");
        }
    }

    #[test]
    fn parses_what_it_formats() {
        for secs in [0, 951_782_400, 1_709_164_800, 1_795_962_612, 4_102_444_799] {
            let text = UtcTime::from_unix(secs).rfc3339();
            assert_eq!(unix_from_rfc3339(&text), Some(secs), "{text}");
        }
        for bad in [
            "",
            "2026-11-29",
            "2026-11-29T14:30:12+01:00",
            "2026-13-01T00:00:00Z",
            "2026-1x-01T00:00:00Z",
        ] {
            assert_eq!(unix_from_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn compact_form_for_folder_names() {
        assert_eq!(
            UtcTime::from_unix(1_795_962_612).compact(),
            "20261129-143012"
        );
    }

    #[test]
    fn now_has_rfc3339_shape() {
        let s = now_rfc3339();
        assert_eq!(s.len(), 20, "{s}");
        for (i, c) in s.char_indices() {
            match i {
                4 | 7 => assert_eq!(c, '-', "{s}"),
                10 => assert_eq!(c, 'T', "{s}"),
                13 | 16 => assert_eq!(c, ':', "{s}"),
                19 => assert_eq!(c, 'Z', "{s}"),
                _ => assert!(c.is_ascii_digit(), "{s}"),
            }
        }
        assert!(s.as_str() > "2024-01-01T00:00:00Z", "{s}");
    }

    #[test]
    fn every_day_boundary_is_consistent_for_a_few_years() {
        // Walking day by day, the date must advance by exactly one calendar day.
        let mut prev = civil_from_days(0);
        for d in 1..(366 * 5) {
            let cur = civil_from_days(d);
            let next_day = (prev.0, prev.1, prev.2 + 1);
            let next_month = (prev.0, prev.1 + 1, 1);
            let next_year = (prev.0 + 1, 1, 1);
            assert!(
                cur == next_day || cur == next_month || cur == next_year,
                "{prev:?} -> {cur:?}"
            );
            prev = cur;
        }
    }
}
