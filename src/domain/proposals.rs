//! The model's proposals for images whose truth is unknown (an unlabeled folder, before a
//! person reviews them): how many of each label, with the mean confidence where logprobs were
//! served, and how many came from each parse step. No confusion matrix can be made of them.
//!
//! Pure: counts results it is given, O(1) each; never reads files or formats text.

use std::collections::BTreeMap;

use serde::Serialize;

use super::parse::{ParseStep, UNPARSED};
use super::result::ItemResult;

/// Proposals of one label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LabelProposals {
    /// Images the model gave this label (or left unparsed, for `(unparsed)`).
    pub count: u64,
    /// Mean confidence over those with one (logprobs), `None` when none had one.
    pub mean_confidence: Option<f64>,
    #[serde(skip)]
    confidence_sum: f64,
    #[serde(skip)]
    confidence_n: u64,
}

/// Counts of proposals for truth-unknown images.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Proposals {
    /// Per proposed label (`(unparsed)` for answers no label was read from), sorted.
    #[serde(rename = "labels")]
    pub by_label: BTreeMap<String, LabelProposals>,
    /// Per parse step name (`exact`, `whole_word`, `unparsed`...).
    #[serde(rename = "parse_steps")]
    pub by_step: BTreeMap<&'static str, u64>,
    /// Answered truth-unknown images.
    pub total: u64,
}

impl Proposals {
    /// Counts `result` when its truth is unknown and it was answered; returns whether it did.
    pub fn record(&mut self, result: &ItemResult) -> bool {
        if !result.truth.is_empty() || result.is_error() {
            return false;
        }
        let label = result.label.as_deref().unwrap_or(UNPARSED);
        let entry = self.by_label.entry(label.to_owned()).or_default();
        entry.count += 1;
        if let Some(c) = result.confidence {
            entry.confidence_sum += c;
            entry.confidence_n += 1;
            entry.mean_confidence = Some(entry.confidence_sum / entry.confidence_n as f64);
        }
        let step = result.parse.unwrap_or(ParseStep::Unparsed).name();
        *self.by_step.entry(step).or_default() += 1;
        self.total += 1;
        true
    }

    /// Answers no label could be read from.
    pub fn unparsed(&self) -> u64 {
        self.by_label.get(UNPARSED).map_or(0, |l| l.count)
    }

    /// Share of the answered truth-unknown images given `label`.
    pub fn share(&self, label: &str) -> f64 {
        match (self.by_label.get(label), self.total) {
            (Some(l), total) if total > 0 => l.count as f64 / total as f64,
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(truth: &str, label: Option<&str>, confidence: Option<f64>) -> ItemResult {
        ItemResult {
            label: label.map(Into::into),
            parse: Some(if label.is_some() {
                ParseStep::Exact
            } else {
                ParseStep::Unparsed
            }),
            confidence,
            ..ItemResult::blank("x.png", truth)
        }
    }

    #[test]
    fn counts_labels_steps_and_mean_confidence_of_unknown_truths_only() {
        let mut p = Proposals::default();
        assert!(p.record(&result("", Some("cat"), Some(0.9))));
        assert!(p.record(&result("", Some("cat"), Some(0.5))));
        assert!(p.record(&result("", Some("dog"), None)));
        assert!(p.record(&result("", None, None)));
        assert!(
            !p.record(&result("cat", Some("cat"), None)),
            "a known truth"
        );
        assert_eq!(p.total, 4);
        assert_eq!(p.by_label["cat"].count, 2);
        assert!((p.by_label["cat"].mean_confidence.unwrap() - 0.7).abs() < 1e-12);
        assert_eq!(p.by_label["dog"].mean_confidence, None);
        assert_eq!(p.unparsed(), 1);
        assert_eq!((p.by_step["exact"], p.by_step["unparsed"]), (3, 1));
        assert!((p.share("cat") - 0.5).abs() < 1e-12);
    }
}
