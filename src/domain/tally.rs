//! The running tally of a run: items planned, finished and failed, and the confusion-matrix
//! metrics of the answered ones. One type for every consumer (the headless progress bar and
//! the workbench), so no count is kept twice: correct, unparsed and accuracy come from
//! `Metrics`. Pure: no IO, no clock.

use super::metrics::Metrics;
use super::proposals::Proposals;
use super::report::Counts;
use super::result::ItemResult;

/// Counts plus metrics of a run so far.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Confusion matrix and scores over answered items (failed requests are not predictions).
    pub metrics: Metrics,
    /// The model's proposals for answered items whose truth is unknown (not in `metrics`).
    pub proposals: Proposals,
    total: u64,
    done: u64,
    errors: u64,
}

impl Tally {
    /// An empty tally for `total` items over `labels` (the matrix's first rows and columns).
    pub fn new(labels: &[String], total: u64) -> Tally {
        Tally {
            metrics: Metrics::with_classes(labels),
            proposals: Proposals::default(),
            total,
            done: 0,
            errors: 0,
        }
    }

    /// Sets the number of items planned.
    pub fn set_total(&mut self, total: u64) {
        self.total = total;
    }

    /// Counts one finished item: a failure, or a prediction (parsed or not).
    pub fn record(&mut self, result: &ItemResult) {
        self.done += 1;
        if result.is_error() {
            self.errors += 1;
        } else if !self.proposals.record(result) {
            self.metrics.record(&result.truth, result.label.as_deref());
        }
    }

    /// Items planned.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Items finished (answered, unparsed or failed).
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Items whose request failed.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Answers no label could be read from.
    pub fn unparsed(&self) -> u64 {
        self.metrics.unparsed() + self.proposals.unparsed()
    }

    /// Correct predictions.
    pub fn correct(&self) -> u64 {
        self.metrics.correct()
    }

    /// Accuracy over predictions (failures excluded), or `None` before the first one.
    pub fn accuracy(&self) -> Option<f64> {
        (self.metrics.total() > 0).then(|| self.metrics.accuracy())
    }

    /// The counts the reports print.
    pub fn counts(&self) -> Counts {
        Counts {
            total: self.total,
            done: self.done,
            errors: self.errors,
            unparsed: self.unparsed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse::ParseStep;

    fn result(truth: &str, label: Option<&str>, error: Option<&str>) -> ItemResult {
        ItemResult {
            label: label.map(Into::into),
            parse: error.is_none().then_some(ParseStep::WholeWord),
            error: error.map(Into::into),
            ..ItemResult::blank(&format!("{truth}/x.png"), truth)
        }
    }

    #[test]
    fn counts_and_accuracy_come_from_one_place() {
        let labels = vec!["0".to_string(), "1".to_string()];
        let mut t = Tally::new(&labels, 5);
        assert_eq!(t.accuracy(), None);
        t.record(&result("0", Some("0"), None));
        t.record(&result("1", Some("0"), None));
        t.record(&result("1", None, None));
        t.record(&result("0", None, Some("HTTP 500")));
        let c = t.counts();
        assert_eq!((c.total, c.done, c.errors, c.unparsed), (5, 4, 1, 1));
        assert_eq!(t.correct(), 1);
        assert_eq!(t.metrics.total(), 3, "a failure is not a prediction");
        assert_eq!(t.accuracy(), Some(1.0 / 3.0));
    }
}
