//! The live A/B of a linked run (`--from`, or a re-run scope in the workbench): each answer
//! of the new run (B) is paired with the parent's result for that image (A) as it arrives, so
//! the verdict on a prompt change forms while it runs: fixed and broken so far, the accuracy
//! each has on the images re-asked so far and would have on the whole merged dataset, and the
//! delta confusion matrix. O(1) per answer; pure (the parent's results are handed in, never
//! read here).

use std::collections::HashMap;
use std::sync::Arc;

use super::Pairing;
use crate::domain::result::ItemResult;

/// Answered and right results (failed requests are not answers, as in every squint figure).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    answered: u64,
    correct: u64,
}

impl Counts {
    fn add(&mut self, r: &ItemResult) {
        if !r.is_error() {
            self.answered += 1;
            self.correct += u64::from(r.is_correct());
        }
    }

    fn accuracy(self) -> Option<f64> {
        (self.answered > 0).then(|| self.correct as f64 / self.answered as f64)
    }
}

/// A linked run against its parent, answer by answer.
#[derive(Debug, Clone)]
pub struct LiveAb {
    /// The parent's results for the images of this run's plan, by image.
    parent: Arc<HashMap<String, ItemResult>>,
    /// Re-asked images with a parent result: A = the parent, B = this run.
    pairing: Pairing,
    /// The parent over every image of the plan.
    parent_whole: Counts,
    /// Re-asked images the parent has no result for (new in the dataset, never reached).
    unpaired: Counts,
    /// How many of those.
    unpaired_images: u64,
    /// Images this run asks in all.
    to_ask: u64,
}

/// Accuracy of A and B over the same images; `None` where nothing was answered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccuracyPair {
    /// The parent's.
    pub a: Option<f64>,
    /// This run's.
    pub b: Option<f64>,
}

impl AccuracyPair {
    /// B minus A, when both are known.
    pub fn delta(self) -> Option<f64> {
        Some(self.b? - self.a?)
    }
}

impl LiveAb {
    /// Nothing re-asked yet. `parent` holds the parent's result for each image of the plan;
    /// the delta matrix shows `classes` from the start; the run asks `to_ask` images.
    pub fn new(
        parent: Arc<HashMap<String, ItemResult>>,
        classes: &[String],
        to_ask: u64,
    ) -> LiveAb {
        let mut parent_whole = Counts::default();
        for r in parent.values() {
            parent_whole.add(r);
        }
        LiveAb {
            parent,
            pairing: Pairing::new(classes),
            parent_whole,
            unpaired: Counts::default(),
            unpaired_images: 0,
            to_ask,
        }
    }

    /// Images this run asks in all (the rest keep the parent's results).
    pub fn to_ask(&self) -> u64 {
        self.to_ask
    }

    /// Counts one answer this run got (an image asked again, not a result kept from the
    /// parent).
    pub fn record(&mut self, result: &ItemResult) {
        match self.parent.get(&result.image) {
            Some(parent) => self.pairing.add(parent, result),
            None => {
                self.unpaired_images += 1;
                self.unpaired.add(result);
            }
        }
    }

    /// Images asked again so far (with or without a parent result).
    pub fn asked(&self) -> u64 {
        self.pairing.common() + self.unpaired_images
    }

    /// Re-asked images the parent had no result for (they count in B's whole figure only).
    pub fn unpaired(&self) -> u64 {
        self.unpaired_images
    }

    /// Images the parent got wrong (or failed) and this run got right, so far.
    pub fn fixed(&self) -> u64 {
        self.pairing.fixed_count()
    }

    /// Images the parent got right and this run did not, so far.
    pub fn broken(&self) -> u64 {
        self.pairing.broken_count()
    }

    /// Accuracy of each on the re-asked images that have a parent result.
    pub fn asked_accuracy(&self) -> AccuracyPair {
        let of = |m: &crate::domain::metrics::Metrics| {
            (m.total() > 0).then(|| m.correct() as f64 / m.total() as f64)
        };
        AccuracyPair {
            a: of(self.pairing.metrics_a()),
            b: of(self.pairing.metrics_b()),
        }
    }

    /// Accuracy over the whole plan: the parent's, and the merged run's if it stopped now
    /// (this run's answers where it has them, the parent's everywhere else).
    pub fn whole_accuracy(&self) -> AccuracyPair {
        let (a, b) = (self.pairing.metrics_a(), self.pairing.metrics_b());
        let merged = Counts {
            answered: self.parent_whole.answered - a.total() + b.total() + self.unpaired.answered,
            correct: self.parent_whole.correct - a.correct() + b.correct() + self.unpaired.correct,
        };
        AccuracyPair {
            a: self.parent_whole.accuracy(),
            b: merged.accuracy(),
        }
    }

    /// B's count minus A's in a cell of the delta matrix (re-asked images with a parent
    /// result).
    pub fn delta(&self, truth: &str, predicted: &str) -> i64 {
        self.pairing.delta(truth, predicted)
    }

    /// B's row total minus A's (differs from 0 only where a request failed in one of them).
    pub fn delta_true(&self, truth: &str) -> i64 {
        let (a, b) = (self.pairing.metrics_a(), self.pairing.metrics_b());
        b.true_count(truth) as i64 - a.true_count(truth) as i64
    }

    /// B's counted images minus A's: the delta matrix's corner (differs from 0 only where a
    /// request failed in one of them).
    pub fn delta_total(&self) -> i64 {
        let (a, b) = (self.pairing.metrics_a(), self.pairing.metrics_b());
        b.total() as i64 - a.total() as i64
    }

    /// How much more often B predicted `predicted` than A did.
    pub fn delta_predicted(&self, predicted: &str) -> i64 {
        let (a, b) = (self.pairing.metrics_a(), self.pairing.metrics_b());
        b.predicted_count(predicted) as i64 - a.predicted_count(predicted) as i64
    }

    /// The paired figures so far (for a full comparison).
    pub fn pairing(&self) -> &Pairing {
        &self.pairing
    }
}

#[cfg(test)]
mod tests;
