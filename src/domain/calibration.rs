//! Contextual calibration (Zhao et al. 2021, "Calibrate Before Use"): divide each label's
//! probability by its content-free probability (what the prompt alone makes the model say, as
//! the probe estimates it), renormalise, take the best. Pure arithmetic over one answer's
//! label probabilities; never reads results files, logprobs or a server.

use std::collections::BTreeMap;

use super::label_probs::LabelProbs;
use super::result::ItemResult;

/// A content-free probability is floored at this fraction of an even share (`1 / labels`)
/// before dividing by it: a label the model never gave to a blank image (probability 0) would
/// otherwise turn any trace of it in an answer into an infinite score.
pub const FLOOR_OF_EVEN_SHARE: f64 = 0.01;

/// The content-free prior over the labels it was estimated for, sorted by label.
#[derive(Debug, Clone, PartialEq)]
pub struct Prior {
    labels: Vec<String>,
    /// Each label's divisor: its content-free probability, floored.
    divisors: Vec<f64>,
}

impl Prior {
    /// The prior of `content_free` (`{label: probability}`, as the probe reports it), each
    /// probability floored at [`FLOOR_OF_EVEN_SHARE`] of an even share. `None` when it names no
    /// label or a probability is not a finite number.
    pub fn new(content_free: &BTreeMap<String, f64>) -> Option<Prior> {
        if content_free.is_empty() || content_free.values().any(|p| !p.is_finite()) {
            return None;
        }
        let floor = FLOOR_OF_EVEN_SHARE / content_free.len() as f64;
        let (labels, divisors) = content_free
            .iter()
            .map(|(l, p)| (l.clone(), p.max(floor)))
            .unzip();
        Some(Prior { labels, divisors })
    }

    /// The labels the prior covers.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Each label's calibrated probability for an answer with `probs`: `p(label) / p_cf(label)`,
    /// renormalised over the prior's labels. `None` when no label of the prior has a
    /// probability above 0 (nothing to calibrate).
    pub fn calibrated(&self, probs: &LabelProbs) -> Option<Vec<f64>> {
        let scores: Vec<f64> = self
            .labels
            .iter()
            .zip(&self.divisors)
            .map(|(l, d)| probs.get(l) / d)
            .collect();
        let total: f64 = scores.iter().sum();
        (total > 0.0 && total.is_finite()).then(|| scores.iter().map(|s| s / total).collect())
    }

    /// The calibrated label for an answer with `probs`: the best calibrated probability (the
    /// first by label name on a tie). `None` when there is nothing to calibrate.
    pub fn best(&self, probs: &LabelProbs) -> Option<&str> {
        // Renormalising changes no order: the best score is the best calibrated probability.
        let mut best: Option<(usize, f64)> = None;
        for (i, (label, divisor)) in self.labels.iter().zip(&self.divisors).enumerate() {
            let score = probs.get(label) / divisor;
            if score > 0.0 && best.is_none_or(|(_, top)| score > top) {
                best = Some((i, score));
            }
        }
        best.map(|(i, _)| self.labels[i].as_str())
    }

    /// The label `result` has in the calibrated view: the calibrated one when it was answered
    /// with label probabilities, else `None` (it keeps its own: failed, or no probabilities).
    pub fn relabel<'a>(&'a self, result: &ItemResult) -> Option<&'a str> {
        if result.is_error() {
            return None;
        }
        self.best(result.label_probs.as_ref()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probs(pairs: &[(&str, f64)]) -> LabelProbs {
        LabelProbs::new(pairs.iter().map(|(l, p)| ((*l).to_owned(), *p)))
    }

    fn prior(pairs: &[(&str, f64)]) -> Prior {
        Prior::new(&pairs.iter().map(|(l, p)| ((*l).to_owned(), *p)).collect()).unwrap()
    }

    #[test]
    fn a_hand_computed_example() {
        // The prompt leans to "3": 0.6 / 0.3 / 0.1 before seeing anything.
        let prior = prior(&[("3", 0.6), ("5", 0.3), ("8", 0.1)]);
        // The answer says 3 (0.5), 5 (0.3), 8 (0.2).
        // Scores: 0.5/0.6 = 0.8333, 0.3/0.3 = 1.0, 0.2/0.1 = 2.0; sum 3.8333.
        let answer = probs(&[("3", 0.5), ("5", 0.3), ("8", 0.2)]);
        let got = prior.calibrated(&answer).unwrap();
        let want = [0.8333333 / 3.8333333, 1.0 / 3.8333333, 2.0 / 3.8333333];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{got:?}");
        }
        assert_eq!(prior.best(&answer), Some("8"));
        // A clear answer survives the prior: 0.9/0.6 = 1.5 against 0.05/0.3 and 0.05/0.1.
        assert_eq!(
            prior.best(&probs(&[("3", 0.9), ("5", 0.05), ("8", 0.05)])),
            Some("3")
        );
    }

    #[test]
    fn a_zero_content_free_probability_is_floored() {
        // Two labels: the floor is 0.01 of an even share (0.5) = 0.005.
        let prior = prior(&[("a", 1.0), ("b", 0.0)]);
        // 0.99/1.0 = 0.99 against 0.01/0.005 = 2.0: b wins, with 2.0/2.99.
        let answer = probs(&[("a", 0.99), ("b", 0.01)]);
        let got = prior.calibrated(&answer).unwrap();
        assert!((got[1] - 2.0 / 2.99).abs() < 1e-12, "{got:?}");
        assert_eq!(prior.best(&answer), Some("b"));
        // A trace below the floor's reach does not flip it: 0.999 against 0.001/0.005 = 0.2.
        assert_eq!(prior.best(&probs(&[("a", 0.999), ("b", 0.001)])), Some("a"));
    }

    #[test]
    fn nothing_to_calibrate_and_results_that_keep_their_label() {
        let prior = prior(&[("3", 0.5), ("5", 0.5)]);
        assert_eq!(prior.calibrated(&probs(&[("x", 0.9)])), None);
        assert_eq!(prior.best(&LabelProbs::default()), None);
        let mut r = ItemResult::answered("a.png", "5", "3");
        assert_eq!(prior.relabel(&r), None, "no probabilities");
        r.label_probs = Some(probs(&[("3", 0.4), ("5", 0.6)]));
        assert_eq!(prior.relabel(&r), Some("5"));
        r.error = Some("timed out".into());
        assert_eq!(prior.relabel(&r), None, "a failed item is no prediction");
        assert!(Prior::new(&BTreeMap::new()).is_none());
        assert!(Prior::new(&[("a".to_owned(), f64::NAN)].into()).is_none());
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        fn distribution() -> impl Strategy<Value = Vec<f64>> {
            proptest::collection::vec(0.0f64..=1.0, 4)
        }

        proptest! {
            /// Calibrated probabilities are a distribution over the prior's labels.
            #[test]
            fn calibrated_probabilities_sum_to_one(p in distribution(), cf in distribution()) {
                let labels = ["a", "b", "c", "d"];
                let prior = prior(&labels.iter().copied().zip(cf).collect::<Vec<_>>());
                let answer = probs(&labels.iter().copied().zip(p.clone()).collect::<Vec<_>>());
                match prior.calibrated(&answer) {
                    Some(c) => {
                        prop_assert!((c.iter().sum::<f64>() - 1.0).abs() < 1e-9);
                        prop_assert!(c.iter().all(|x| (0.0..=1.0).contains(x)));
                    }
                    None => prop_assert!(p.iter().all(|x| *x == 0.0)),
                }
            }

            /// The best label is the one with the highest calibrated probability.
            #[test]
            fn the_best_label_has_the_highest_calibrated_probability(
                p in distribution(),
                cf in distribution(),
            ) {
                let labels = ["a", "b", "c", "d"];
                let prior = prior(&labels.iter().copied().zip(cf).collect::<Vec<_>>());
                let answer = probs(&labels.iter().copied().zip(p).collect::<Vec<_>>());
                match (prior.best(&answer), prior.calibrated(&answer)) {
                    (Some(best), Some(c)) => {
                        let i = prior.labels().iter().position(|l| l == best).unwrap();
                        prop_assert!(c.iter().all(|x| *x <= c[i] + 1e-12), "{best} {c:?}");
                    }
                    (None, None) => {}
                    (best, c) => prop_assert!(false, "{best:?} but {c:?}"),
                }
            }

            /// With an even prior, calibration changes nothing: the best label is the
            /// answer's most probable one.
            #[test]
            fn an_even_prior_keeps_the_most_probable_label(p in distribution()) {
                let labels = ["a", "b", "c", "d"];
                let prior = prior(&labels.iter().map(|l| (*l, 0.25)).collect::<Vec<_>>());
                let answer = probs(&labels.iter().copied().zip(p.clone()).collect::<Vec<_>>());
                let top = p.iter().cloned().fold(0.0f64, f64::max);
                if let Some(best) = prior.best(&answer) {
                    prop_assert_eq!(answer.get(best), top);
                }
            }
        }
    }
}
