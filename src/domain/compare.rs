//! Comparing two runs over the same images: paired per-image correctness, McNemar's exact test,
//! per-class F1 for each run, the confusion-matrix delta (B minus A) and the images that flipped.
//! Pure: takes results already read from two sessions; never reads files or formats for a
//! terminal (the text form is in `text`).

mod live;
mod mcnemar;
mod text;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

pub use live::{AccuracyPair, LiveAb};
pub use mcnemar::mcnemar_exact_p;
pub use text::{comparison_text, mcnemar_verdict};

use super::metrics::Metrics;
use super::parse::UNPARSED;
use super::result::ItemResult;

/// One run as the comparison sees it.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// How the run is named in the output (the session folder as given).
    pub session: &'a str,
    /// The run's results, one per image.
    pub results: &'a [ItemResult],
    /// The run's classes (from `session.json`), so the matrices share every axis label.
    pub labels: &'a [String],
}

/// Everything `squint compare` reports. Field names are the `--json` contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Run A over the common images.
    pub a: RunSummary,
    /// Run B over the common images.
    pub b: RunSummary,
    /// Images with a result in both runs.
    pub common: u64,
    /// Common images both runs got right.
    pub both_right: u64,
    /// Common images only A got right.
    pub a_only: u64,
    /// Common images only B got right.
    pub b_only: u64,
    /// Common images neither got right (wrong label, unparsed or failed).
    pub both_wrong: u64,
    /// McNemar's exact two-sided p on `a_only` against `b_only` (1.0 when both are 0).
    pub mcnemar_p: f64,
    /// F1 of each class in A and in B, over the common images.
    pub per_class: BTreeMap<String, ClassF1>,
    /// B's confusion matrix minus A's, over the common images.
    pub confusion_delta: ConfusionDelta,
    /// Common images right in exactly one run: fixed by B first, then broken by B, each by name.
    pub flipped: Vec<Flip>,
    /// Common images whose request failed in A or in B: not predictions, so they are in
    /// neither matrix, and count as not right in the paired figures.
    pub failed: Failed,
}

/// Accuracy and macro-F1 of one run over the common images (failed items excluded, as in
/// every squint report).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// The session, as given.
    pub session: String,
    /// Right answers over answered common images.
    pub accuracy: f64,
    /// Unweighted mean F1 over the report rows, as in the session's own report.
    pub macro_f1: f64,
}

/// One class's F1 in each run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassF1 {
    /// F1 in run A.
    pub f1_a: f64,
    /// F1 in run B.
    pub f1_b: f64,
}

/// A signed confusion matrix: rows true, columns predicted, `(unparsed)` last.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfusionDelta {
    /// Axis labels (both runs' classes, sorted, then `(unparsed)`).
    pub labels: Vec<String>,
    /// `matrix[t][p]` = B's count minus A's count.
    pub matrix: Vec<Vec<i64>>,
}

/// An image right in one run and not in the other.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flip {
    /// Image path relative to the dataset root.
    pub image: String,
    /// The true label.
    pub truth: String,
    /// A's label: a class, `(unparsed)`, or `None` when A's request failed.
    pub a: Option<String>,
    /// B's label, likewise.
    pub b: Option<String>,
}

impl Flip {
    /// True when B got it right (and so A did not).
    pub fn fixed_by_b(&self) -> bool {
        self.b.as_deref() == Some(self.truth.as_str())
    }
}

/// Failed requests among the common images.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Failed {
    /// Common images failed in A.
    pub a: u64,
    /// Common images failed in B.
    pub b: u64,
}

impl Comparison {
    /// B's accuracy minus A's.
    pub fn accuracy_delta(&self) -> f64 {
        self.b.accuracy - self.a.accuracy
    }

    /// B's macro-F1 minus A's.
    pub fn macro_f1_delta(&self) -> f64 {
        self.b.macro_f1 - self.a.macro_f1
    }

    /// The flips B fixed (right in B, not in A).
    pub fn fixed(&self) -> impl Iterator<Item = &Flip> {
        self.flipped.iter().filter(|f| f.fixed_by_b())
    }

    /// The flips B broke (right in A, not in B).
    pub fn broken(&self) -> impl Iterator<Item = &Flip> {
        self.flipped.iter().filter(|f| !f.fixed_by_b())
    }
}

/// Compares two runs over the images present in both (matched by image path). `None` when
/// they share no image.
pub fn compare(a: Run<'_>, b: Run<'_>) -> Option<Comparison> {
    let b_by_image: HashMap<&str, &ItemResult> =
        b.results.iter().map(|r| (r.image.as_str(), r)).collect();
    let mut classes: Vec<String> = a.labels.iter().chain(b.labels).cloned().collect();
    classes.sort();
    classes.dedup();
    let mut pairing = Pairing::new(&classes);
    for ra in a.results {
        if let Some(rb) = b_by_image.get(ra.image.as_str()) {
            pairing.add(ra, rb);
        }
    }
    pairing.finish(a.session, b.session)
}

/// The paired figures of two runs, one image at a time: what `compare` builds from two whole
/// sessions, and the live A/B of a linked run builds as answers arrive. O(1) per pair (plus
/// the flipped image's name).
#[derive(Debug, Clone, Default)]
pub struct Pairing {
    metrics_a: Metrics,
    metrics_b: Metrics,
    tally: Paired,
    fixed: Vec<Flip>,
    broken: Vec<Flip>,
}

impl Pairing {
    /// No pair yet; the matrices show `classes` from the start.
    pub fn new(classes: &[String]) -> Pairing {
        Pairing {
            metrics_a: Metrics::with_classes(classes),
            metrics_b: Metrics::with_classes(classes),
            ..Pairing::default()
        }
    }

    /// Adds one image's result in A and in B.
    pub fn add(&mut self, ra: &ItemResult, rb: &ItemResult) {
        let tally = &mut self.tally;
        tally.common += 1;
        record(&mut self.metrics_a, ra, &mut tally.failed.a);
        record(&mut self.metrics_b, rb, &mut tally.failed.b);
        match (ra.is_correct(), rb.is_correct()) {
            (true, true) => tally.both_right += 1,
            (false, false) => tally.both_wrong += 1,
            (true, false) => {
                tally.a_only += 1;
                self.broken.push(flip(ra, rb));
            }
            (false, true) => {
                tally.b_only += 1;
                self.fixed.push(flip(ra, rb));
            }
        }
    }

    /// Images paired so far.
    pub fn common(&self) -> u64 {
        self.tally.common
    }

    /// Images B got right and A did not.
    pub fn fixed_count(&self) -> u64 {
        self.tally.b_only
    }

    /// Images A got right and B did not.
    pub fn broken_count(&self) -> u64 {
        self.tally.a_only
    }

    /// A's answered results over the paired images (failed requests are not in it).
    pub fn metrics_a(&self) -> &Metrics {
        &self.metrics_a
    }

    /// B's, likewise.
    pub fn metrics_b(&self) -> &Metrics {
        &self.metrics_b
    }

    /// B's count minus A's in the cell (`truth`, `predicted`).
    pub fn delta(&self, truth: &str, predicted: &str) -> i64 {
        self.metrics_b.count(truth, predicted) as i64
            - self.metrics_a.count(truth, predicted) as i64
    }

    /// The whole comparison; `None` when nothing was paired.
    pub fn finish(self, a_session: &str, b_session: &str) -> Option<Comparison> {
        let Pairing {
            metrics_a,
            metrics_b,
            tally,
            mut fixed,
            mut broken,
        } = self;
        if tally.common == 0 {
            return None;
        }
        fixed.sort_by(|x, y| x.image.cmp(&y.image));
        broken.sort_by(|x, y| x.image.cmp(&y.image));
        let confusion_delta = delta(&metrics_a, &metrics_b);
        let per_class = confusion_delta
            .labels
            .iter()
            .filter(|c| c.as_str() != UNPARSED)
            .map(|c| {
                let f1 = ClassF1 {
                    f1_a: metrics_a.scores(c).f1,
                    f1_b: metrics_b.scores(c).f1,
                };
                (c.clone(), f1)
            })
            .collect();
        Some(Comparison {
            a: summary(a_session, &metrics_a),
            b: summary(b_session, &metrics_b),
            common: tally.common,
            both_right: tally.both_right,
            a_only: tally.a_only,
            b_only: tally.b_only,
            both_wrong: tally.both_wrong,
            mcnemar_p: mcnemar_exact_p(tally.a_only, tally.b_only),
            per_class,
            confusion_delta,
            flipped: fixed.into_iter().chain(broken).collect(),
            failed: tally.failed,
        })
    }
}

#[derive(Debug, Clone, Default)]
struct Paired {
    common: u64,
    both_right: u64,
    a_only: u64,
    b_only: u64,
    both_wrong: u64,
    failed: Failed,
}

/// Records an answered result in `metrics`; counts a failed one instead.
fn record(metrics: &mut Metrics, r: &ItemResult, failed: &mut u64) {
    if r.is_error() {
        *failed += 1;
    } else {
        metrics.record(&r.truth, r.label.as_deref());
    }
}

/// The label a result shows in a flip: its class, `(unparsed)`, or `None` when it failed.
fn shown_label(r: &ItemResult) -> Option<String> {
    if r.is_error() {
        None
    } else {
        Some(r.label.clone().unwrap_or_else(|| UNPARSED.to_owned()))
    }
}

fn flip(ra: &ItemResult, rb: &ItemResult) -> Flip {
    Flip {
        image: ra.image.clone(),
        truth: ra.truth.clone(),
        a: shown_label(ra),
        b: shown_label(rb),
    }
}

fn summary(session: &str, m: &Metrics) -> RunSummary {
    RunSummary {
        session: session.to_owned(),
        accuracy: m.accuracy(),
        macro_f1: m.macro_avg().f1,
    }
}

/// B minus A over the union of both matrices' axes (the same axis when the classes agree).
fn delta(a: &Metrics, b: &Metrics) -> ConfusionDelta {
    let mut labels: Vec<String> = a
        .matrix_labels()
        .into_iter()
        .chain(b.matrix_labels())
        .filter(|l| l != UNPARSED)
        .collect();
    labels.sort();
    labels.dedup();
    labels.push(UNPARSED.to_owned());
    let matrix = labels
        .iter()
        .map(|t| {
            labels
                .iter()
                .map(|p| b.count(t, p) as i64 - a.count(t, p) as i64)
                .collect()
        })
        .collect();
    ConfusionDelta { labels, matrix }
}

#[cfg(test)]
mod tests;
