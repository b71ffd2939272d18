//! Small text helpers for views: fitting text to a width (by display width, with `…`),
//! durations, percentages. Pure functions; never allocate more than the text shown.

use std::time::Duration;

use crate::domain::metrics::Interval;
use crate::domain::parse::ParseStep;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` cut to at most `width` display columns, ending in `…` when cut. File names, labels and
/// server text are untrusted: anything with control characters is sanitised to one line first.
pub fn fit(s: &str, width: usize) -> String {
    let cleaned;
    let s = if s.chars().any(char::is_control) {
        cleaned = crate::domain::sanitize::one_line(s);
        cleaned.as_str()
    } else {
        s
    };
    if s.width() <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` fitted and right-aligned in `width` columns.
pub(super) fn right(s: &str, width: usize) -> String {
    let s = fit(s, width);
    format!("{}{s}", " ".repeat(width.saturating_sub(s.width())))
}

/// `s` fitted and padded to exactly `width` columns.
pub(super) fn left(s: &str, width: usize) -> String {
    let s = fit(s, width);
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}

/// The last `width` columns of `s`, starting with `…` when cut (streams
/// show their newest text; a file name its distinguishing end).
pub(super) fn tail(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let mut used = 0;
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > width {
            break;
        }
        used += cw;
        start = i;
    }
    format!("…{}", &s[start..])
}

/// `1h02m`, `3m05s`, `12.3s` or `450ms`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else if d.as_millis() >= 1000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// An item's latency as [`duration`], or `–` where squint measured none (an imported result).
pub(super) fn latency(r: &crate::domain::result::ItemResult) -> String {
    r.latency().map_or_else(|| "–".to_owned(), duration)
}

/// `87.5%` (one decimal), or `–` for `None`/NaN.
pub(super) fn pct(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{:.1}%", v * 100.0),
        _ => "–".to_owned(),
    }
}

/// A percentage with its 95% interval as `79% ± 4` (whole points while the interval is a point
/// or wider, else `97.2% ± 0.6`); just the percentage without an interval, `–` for `None`.
pub(super) fn pct_ci(x: Option<f64>, ci: Option<Interval>) -> String {
    match (x, ci) {
        (Some(v), Some(ci)) if v.is_finite() => {
            let half = ci.half_width() * 100.0;
            if half >= 0.95 {
                format!("{:.0}% ± {half:.0}", v * 100.0)
            } else {
                format!("{:.1}% ± {half:.1}", v * 100.0)
            }
        }
        _ => pct(x),
    }
}

/// An interval's half width as a two-decimal score, `±0.06`, or `–`.
pub(super) fn plus_minus(ci: Option<Interval>) -> String {
    ci.map_or_else(|| "–".to_owned(), |ci| format!("±{:.2}", ci.half_width()))
}

/// Two-decimal score such as `0.87`, or `–`.
pub(super) fn score(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}")
    } else {
        "–".to_owned()
    }
}

/// An image's truth as every view shows it: on one line, or `?` when it is unknown (an
/// unlabeled folder's images, whose truth is empty).
pub(super) fn truth_text(truth: &str) -> String {
    if truth.is_empty() {
        "?".to_owned()
    } else {
        crate::domain::sanitize::one_line(truth)
    }
}

/// The parse step as written in results files (`whole_word`...).
pub(super) fn step_name(step: ParseStep) -> &'static str {
    step.name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_strips_escape_sequences_from_untrusted_text() {
        assert_eq!(fit("cat\x1b[2J\x1b]52;c;ZXZpbA==\x07.png", 20), "cat.png");
        assert_eq!(fit("a\nb", 10), "a⏎ b");
    }

    #[test]
    fn fit_cuts_by_display_width() {
        for (s, w, want) in [
            ("hello", 10, "hello"),
            ("hello", 5, "hello"),
            ("hello", 4, "hel…"),
            ("hello", 1, "…"),
            ("hello", 0, ""),
            ("日本語", 4, "日…"),
        ] {
            assert_eq!(fit(s, w), want, "{s} {w}");
        }
    }

    #[test]
    fn padding_helpers_give_exact_widths() {
        assert_eq!(right("7", 3), "  7");
        assert_eq!(left("ab", 4), "ab  ");
        assert_eq!(left("abcdef", 3), "ab…");
    }

    #[test]
    fn durations_and_percentages() {
        for (ms, want) in [
            (450, "450ms"),
            (12_340, "12.3s"),
            (185_000, "3m05s"),
            (3_720_000, "1h02m"),
        ] {
            assert_eq!(duration(Duration::from_millis(ms)), want);
        }
        assert_eq!(pct(Some(0.875)), "87.5%");
        assert_eq!(pct(None), "–");
        assert_eq!(pct(Some(f64::NAN)), "–");
        assert_eq!(score(0.5), "0.50");
    }

    #[test]
    fn an_unknown_truth_is_a_question_mark() {
        assert_eq!(truth_text(""), "?");
        assert_eq!(truth_text("cat\nkitten"), "cat⏎ kitten");
    }

    #[test]
    fn percentages_with_intervals() {
        use crate::domain::metrics::wilson_interval;
        assert_eq!(pct_ci(Some(0.792), wilson_interval(396, 500)), "79% ± 4");
        assert_eq!(pct_ci(Some(0.75), wilson_interval(3, 4)), "75% ± 33");
        assert_eq!(
            pct_ci(Some(0.97), wilson_interval(9700, 10000)),
            "97.0% ± 0.3"
        );
        assert_eq!(pct_ci(None, None), "–");
        assert_eq!(pct_ci(Some(0.5), None), "50.0%");
        assert_eq!(plus_minus(wilson_interval(396, 500)), "±0.04");
        assert_eq!(plus_minus(None), "–");
    }
}
