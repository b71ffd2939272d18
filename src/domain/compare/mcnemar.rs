//! McNemar's exact test on paired correctness: a two-sided binomial test of the discordant
//! pairs against p = 1/2. Pure arithmetic in log space, so it stays finite for any count.

/// Two-sided exact p-value for `a_only` images right only in A against `b_only` right only in
/// B: `min(1, 2 * P(X <= min(a_only, b_only)))` with `X ~ Binomial(a_only + b_only, 1/2)`.
/// 1.0 when both are 0 (nothing discordant, no evidence either way).
pub fn mcnemar_exact_p(a_only: u64, b_only: u64) -> f64 {
    let n = a_only + b_only;
    let k = a_only.min(b_only);
    if n == 0 || 2 * k == n {
        return 1.0;
    }
    // ln C(n, i) built up term by term; the tail is summed relative to its largest term.
    let mut ln_terms = Vec::with_capacity(k as usize + 1);
    let mut ln_choose = 0.0_f64;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        ln_terms.push(ln_choose);
    }
    let largest = ln_terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = ln_terms.iter().map(|t| (t - largest).exp()).sum();
    let ln_tail = largest + sum.ln() - n as f64 * std::f64::consts::LN_2;
    (std::f64::consts::LN_2 + ln_tail).exp().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact values from rational arithmetic (Python `fractions`, `math.comb`), which is what
    /// `scipy.stats.binomtest(k, n, 0.5).pvalue` gives for these symmetric cases.
    #[test]
    fn matches_exact_binomial_values() {
        let cases: [(u64, u64, f64); 13] = [
            (0, 0, 1.0),
            (1, 0, 1.0),
            (3, 0, 0.25),
            (0, 5, 0.0625),
            (0, 10, 0.001953125),
            (5, 5, 1.0),
            (4, 6, 0.75390625),
            (1, 9, 0.021484375),
            (10, 30, 0.0022214337732293643),
            (37, 12, 0.0004697573180081349),
            (12, 37, 0.0004697573180081349),
            (100, 130, 0.055613577781392386),
            (0, 1100, 0.0),
        ];
        for (a, b, want) in cases {
            let got = mcnemar_exact_p(a, b);
            let close = if want == 0.0 {
                got < 1e-300
            } else {
                ((got - want) / want).abs() < 1e-9
            };
            assert!(close, "({a}, {b}): got {got}, want {want}");
        }
    }

    #[test]
    fn is_symmetric_and_a_probability() {
        for a in 0..40 {
            for b in 0..40 {
                let p = mcnemar_exact_p(a, b);
                assert_eq!(p, mcnemar_exact_p(b, a));
                assert!((0.0..=1.0).contains(&p), "({a}, {b}) -> {p}");
            }
        }
    }

    #[test]
    fn more_lopsided_is_less_likely() {
        let ps: Vec<f64> = (0..=10).map(|a| mcnemar_exact_p(a, 20 - a)).collect();
        assert!(ps.windows(2).all(|w| w[0] < w[1]), "{ps:?}");
    }
}
