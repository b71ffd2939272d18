//! The CI bounds of `squint run`: `--max-errors N|P%` and `--fail-under ACC`. Parsing and
//! checking only; the run command decides what to do. Pure.

/// `--max-errors`: failed items allowed before the run stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorBound {
    /// At most this many failed items.
    Count(u64),
    /// At most this percentage of the run's items.
    Percent(f64),
}

impl ErrorBound {
    /// True once `errors` failed items out of a run of `total` pass the bound.
    pub fn exceeded(self, errors: u64, total: u64) -> bool {
        match self {
            ErrorBound::Count(n) => errors > n,
            ErrorBound::Percent(p) => errors as f64 > p / 100.0 * total as f64,
        }
    }
}

impl std::fmt::Display for ErrorBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorBound::Count(n) => write!(f, "{n}"),
            ErrorBound::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Parses `10` or `5%` (clap value parser).
pub(super) fn parse_error_bound(text: &str) -> Result<ErrorBound, String> {
    let text = text.trim();
    if let Some(p) = text.strip_suffix('%') {
        return match p.trim().parse::<f64>() {
            Ok(p) if (0.0..=100.0).contains(&p) => Ok(ErrorBound::Percent(p)),
            _ => Err(format!("'{text}' is not a percentage from 0% to 100%")),
        };
    }
    text.parse::<u64>()
        .map(ErrorBound::Count)
        .map_err(|_| format!("'{text}' is neither a number of items (10) nor a percentage (5%)"))
}

/// Parses an accuracy from 0 to 1 (clap value parser).
pub(super) fn parse_accuracy(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(a) if (0.0..=1.0).contains(&a) => Ok(a),
        _ => Err(format!(
            "'{text}' is not an accuracy from 0 to 1 (e.g. 0.85)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counts_and_percentages() {
        assert_eq!(parse_error_bound("10"), Ok(ErrorBound::Count(10)));
        assert_eq!(parse_error_bound(" 5% "), Ok(ErrorBound::Percent(5.0)));
        assert_eq!(parse_error_bound("0.5%"), Ok(ErrorBound::Percent(0.5)));
        for bad in ["", "-1", "ten", "150%", "%", "NaN%"] {
            assert!(parse_error_bound(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_accuracy("0.85"), Ok(0.85));
        for bad in ["1.5", "-0.1", "85%", "x", "NaN"] {
            assert!(parse_accuracy(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bounds_are_passed_only_when_exceeded() {
        let cases = [
            (ErrorBound::Count(2), 2, 100, false),
            (ErrorBound::Count(2), 3, 100, true),
            (ErrorBound::Count(0), 1, 100, true),
            (ErrorBound::Percent(5.0), 5, 100, false),
            (ErrorBound::Percent(5.0), 6, 100, true),
            (ErrorBound::Percent(0.0), 1, 10, true),
            (ErrorBound::Percent(100.0), 10, 10, false),
        ];
        for (bound, errors, total, want) in cases {
            assert_eq!(
                bound.exceeded(errors, total),
                want,
                "{bound} {errors}/{total}"
            );
        }
    }
}
