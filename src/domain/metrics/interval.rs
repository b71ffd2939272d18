//! The Wilson score interval for a proportion (accuracy with its uncertainty).
//! Pure arithmetic: never formats text.

/// The normal quantile for a two-sided 95% interval (`scipy.stats.norm.ppf(0.975)`).
const Z95: f64 = 1.959_963_984_540_054;

/// A confidence interval on a proportion, both ends within `0..=1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// The 95% Wilson score interval (no continuity correction) for `successes` out of `trials`.
/// `None` when there are no trials or `successes > trials`. Unlike the normal approximation it
/// stays inside `[0, 1]` and is sensible at 0 and at `trials`.
pub fn wilson_interval(successes: u64, trials: u64) -> Option<Interval> {
    if trials == 0 || successes > trials {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    // At 0 and at `trials` the bounds are exactly 0 and 1: keep rounding from moving them.
    let low = if successes == 0 { 0.0 } else { centre - half };
    let high = if successes == trials {
        1.0
    } else {
        centre + half
    };
    Some(Interval {
        low: low.clamp(0.0, 1.0),
        high: high.clamp(0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounded(k: u64, n: u64) -> Option<(String, String)> {
        wilson_interval(k, n).map(|i| (format!("{:.4}", i.low), format!("{:.4}", i.high)))
    }

    #[test]
    fn matches_reference_values() {
        // The closed form evaluated independently in Python; 0/10 and 10/10 are the textbook
        // bounds 0.2775 and 0.7225.
        let cases = [
            (0, 10, "0.0000", "0.2775"),
            (10, 10, "0.7225", "1.0000"),
            (5, 10, "0.2366", "0.7634"),
            (1, 2, "0.0945", "0.9055"),
            (396, 500, "0.7543", "0.8253"),
        ];
        for (k, n, lo, hi) in cases {
            assert_eq!(
                rounded(k, n),
                Some((lo.to_owned(), hi.to_owned())),
                "{k}/{n}"
            );
        }
    }

    #[test]
    fn no_trials_has_no_interval_and_bounds_hold() {
        assert_eq!(wilson_interval(0, 0), None);
        assert_eq!(wilson_interval(3, 2), None);
        for n in 1..60u64 {
            for k in 0..=n {
                let i = wilson_interval(k, n).unwrap_or(Interval {
                    low: 2.0,
                    high: -1.0,
                });
                let p = k as f64 / n as f64;
                assert!(i.low <= p && p <= i.high, "{k}/{n}");
                assert!(i.low >= 0.0 && i.high <= 1.0, "{k}/{n}");
            }
        }
    }
}
