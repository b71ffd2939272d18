//! Wilson score intervals for a proportion (accuracy, per-class recall): how sure a figure is
//! after `n` trials. Pure arithmetic; never formats text.

/// The two-sided 95% normal quantile (`scipy.stats.norm.ppf(0.975)`).
const Z95: f64 = 1.959_963_984_540_054;

/// A confidence interval on a proportion, both ends within `0..=1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Interval {
    /// Half the interval's width: the "± w" shown beside the figure.
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }
}

/// The 95% Wilson score interval for `successes` out of `trials` (without continuity
/// correction, as `statsmodels`' `proportion_confint(method="wilson")`). `None` when there are
/// no trials (nothing is known yet) or `successes > trials`.
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
    // At 0/n and n/n the bounds are exactly 0 and 1; clamp away rounding.
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

    fn rounded(i: Interval) -> (String, String) {
        (format!("{:.4}", i.low), format!("{:.4}", i.high))
    }

    /// Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I,
    /// method 3 (Wilson score without continuity correction).
    #[test]
    fn matches_newcombes_published_values() {
        let cases = [
            (81, 263, "0.2553", "0.3662"),
            (15, 148, "0.0624", "0.1605"),
            (0, 20, "0.0000", "0.1611"),
            (1, 29, "0.0061", "0.1718"),
        ];
        for (k, n, low, high) in cases {
            let got = wilson_interval(k, n).unwrap_or(Interval {
                low: -1.0,
                high: -1.0,
            });
            assert_eq!(rounded(got), (low.to_owned(), high.to_owned()), "{k}/{n}");
        }
    }

    #[test]
    fn edges_are_exact() {
        let none = wilson_interval(0, 10).unwrap();
        assert_eq!(none.low, 0.0);
        assert_eq!(format!("{:.4}", none.high), "0.2775");
        let all = wilson_interval(10, 10).unwrap();
        assert_eq!(all.high, 1.0);
        assert_eq!(format!("{:.4}", all.low), "0.7225");
        let one = wilson_interval(1, 1).unwrap();
        assert_eq!(
            (format!("{:.4}", one.low), one.high),
            ("0.2065".into(), 1.0)
        );
        assert_eq!(wilson_interval(0, 0), None);
        assert_eq!(wilson_interval(3, 2), None);
    }

    #[test]
    fn mnist_run_and_narrowing() {
        // The published MNIST run: 396 of 500 correct.
        let i = wilson_interval(396, 500).unwrap();
        assert_eq!(rounded(i), ("0.7543".into(), "0.8253".into()));
        assert_eq!(format!("{:.4}", i.half_width()), "0.0355");
        // More trials at the same rate give a narrower interval.
        let small = wilson_interval(40, 50).unwrap().half_width();
        assert!(i.half_width() < small);
    }

    #[test]
    fn matches_independent_reference_values() {
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
                wilson_interval(k, n).map(rounded),
                Some((lo.to_owned(), hi.to_owned())),
                "{k}/{n}"
            );
        }
    }
}
