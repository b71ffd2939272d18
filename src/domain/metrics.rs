//! Incremental confusion matrix and per-class counts, updated in O(1) per result.
//! Computes scikit-learn's `precision_recall_fscore_support` rules; never formats text.
//!
//! Averages are summed the way NumPy sums (pairwise, 8-way unrolled), so that they round to
//! exactly the digits scikit-learn prints.

use std::collections::HashMap;

use super::parse::UNPARSED;

mod interval;

pub use interval::{Interval, wilson_interval};

/// Running counts for one run. Failed requests are not recorded here (they are not predictions).
///
/// Unparsed answers are recorded as predictions of [`UNPARSED`]; truths must not be that name.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    /// Every label ever seen or registered, in order of first appearance.
    names: Vec<String>,
    /// Label -> index into `names`.
    index: HashMap<String, usize>,
    /// Indices into `names`, sorted by name (code point order); kept sorted on insertion.
    sorted: Vec<usize>,
    /// True for classes registered with [`Metrics::with_classes`].
    registered: Vec<bool>,
    /// `cells[truth][predicted]`; rows grow lazily.
    cells: Vec<Vec<u64>>,
    /// Results per true label (support).
    true_sums: Vec<u64>,
    /// Results per predicted label.
    pred_sums: Vec<u64>,
    total: u64,
    correct: u64,
    unparsed: u64,
}

/// Precision, recall, F1 and support for one row of the report.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct ClassScores {
    /// True positives over predictions of the label; 0 when it was never predicted.
    pub precision: f64,
    /// True positives over true occurrences of the label; 0 when it never occurred.
    pub recall: f64,
    /// `2tp / (true + predicted)`; 0 when both are 0.
    pub f1: f64,
    /// True occurrences of the label (for averages: the sum over the rows).
    pub support: u64,
}

impl ClassScores {
    /// Scores from counts, with scikit-learn's `zero_division=0`.
    pub fn from_counts(tp: u64, true_count: u64, predicted_count: u64) -> Self {
        let div = |n: f64, d: u64| if d == 0 { 0.0 } else { n / d as f64 };
        ClassScores {
            precision: div(tp as f64, predicted_count),
            recall: div(tp as f64, true_count),
            f1: div(2.0 * tp as f64, true_count + predicted_count),
            support: true_count,
        }
    }
}

impl Metrics {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty tally whose matrix shows `classes` even before any result names them. They
    /// become report rows only once they occur (scikit-learn's rows are the labels that occur).
    pub fn with_classes(classes: &[String]) -> Self {
        let mut m = Self::default();
        for class in classes {
            let i = m.intern(class);
            m.registered[i] = true;
        }
        m
    }

    /// Records one answered item; `predicted` is `None` when the answer was unparsed. An item
    /// whose truth is unknown (empty: an unlabeled folder) is no part of a confusion matrix and
    /// is ignored (see `proposals`).
    pub fn record(&mut self, truth: &str, predicted: Option<&str>) {
        if truth.is_empty() {
            return;
        }
        let t = self.intern(truth);
        let p = self.intern(predicted.unwrap_or(UNPARSED));
        let row = &mut self.cells[t];
        if row.len() <= p {
            row.resize(p + 1, 0);
        }
        row[p] += 1;
        self.true_sums[t] += 1;
        self.pred_sums[p] += 1;
        self.total += 1;
        match predicted {
            None => self.unparsed += 1,
            Some(label) if label == truth => self.correct += 1,
            Some(_) => {}
        }
    }

    /// Results recorded (unparsed included).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Results whose predicted label equals the truth.
    pub fn correct(&self) -> u64 {
        self.correct
    }

    /// Results whose answer could not be parsed.
    pub fn unparsed(&self) -> u64 {
        self.unparsed
    }

    /// `correct / total`; 0 when nothing is recorded.
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }

    /// The report's rows: the sorted union of labels occurring as truth or prediction, with
    /// [`UNPARSED`] sorted like any other name when some answer was unparsed.
    pub fn report_labels(&self) -> Vec<String> {
        self.report_indices()
            .map(|i| self.names[i].clone())
            .collect()
    }

    /// The 95% Wilson interval on [`Metrics::accuracy`]; `None` before the first result.
    pub fn accuracy_ci95(&self) -> Option<Interval> {
        wilson_interval(self.correct, self.total)
    }

    /// The 95% Wilson interval on one label's recall; `None` while the label never occurred
    /// as a truth.
    pub fn recall_ci95(&self, label: &str) -> Option<Interval> {
        let &i = self.index.get(label)?;
        wilson_interval(self.cell(i, i), self.true_sums[i])
    }

    /// Scores of one label; all zero for a label never seen.
    pub fn scores(&self, label: &str) -> ClassScores {
        self.index
            .get(label)
            .map_or_else(ClassScores::default, |&i| self.scores_at(i))
    }

    /// Unweighted mean over the report rows; support is the sum of their supports.
    pub fn macro_avg(&self) -> ClassScores {
        let rows = self.report_scores();
        let n = rows.len() as f64;
        let mean = |f: fn(&ClassScores) -> f64| {
            if rows.is_empty() {
                0.0
            } else {
                numpy_sum(rows.iter().map(f)) / n
            }
        };
        ClassScores {
            precision: mean(|s| s.precision),
            recall: mean(|s| s.recall),
            f1: mean(|s| s.f1),
            support: rows.iter().map(|s| s.support).sum(),
        }
    }

    /// Mean over the report rows weighted by support (plain mean when all supports are 0).
    pub fn weighted_avg(&self) -> ClassScores {
        let rows = self.report_scores();
        let support: u64 = rows.iter().map(|s| s.support).sum();
        if support == 0 {
            return ClassScores {
                support,
                ..self.macro_avg()
            };
        }
        let mean = |f: fn(&ClassScores) -> f64| {
            numpy_sum(rows.iter().map(|s| f(s) * s.support as f64)) / support as f64
        };
        ClassScores {
            precision: mean(|s| s.precision),
            recall: mean(|s| s.recall),
            f1: mean(|s| s.f1),
            support,
        }
    }

    /// Confusion-matrix axis labels: sorted registered classes, truths and predictions without
    /// [`UNPARSED`], then [`UNPARSED`] last (always present).
    pub fn matrix_labels(&self) -> Vec<String> {
        self.matrix_indices()
            .map(|i| self.names[i].clone())
            .chain(std::iter::once(UNPARSED.to_owned()))
            .collect()
    }

    /// Results with this truth and prediction; `predicted` may be [`UNPARSED`].
    pub fn count(&self, truth: &str, predicted: &str) -> u64 {
        match (self.index.get(truth), self.index.get(predicted)) {
            (Some(&t), Some(&p)) => self.cell(t, p),
            _ => 0,
        }
    }

    /// Results whose truth is `label`.
    pub fn true_count(&self, label: &str) -> u64 {
        self.index.get(label).map_or(0, |&i| self.true_sums[i])
    }

    /// Results predicted as `label` (use [`UNPARSED`] for unparsed answers).
    pub fn predicted_count(&self, label: &str) -> u64 {
        self.index.get(label).map_or(0, |&i| self.pred_sums[i])
    }

    /// Square matrix over [`Metrics::matrix_labels`]: row = truth, column = prediction.
    pub fn matrix(&self) -> Vec<Vec<u64>> {
        let axis: Vec<Option<usize>> = self
            .matrix_indices()
            .map(Some)
            .chain(std::iter::once(self.index.get(UNPARSED).copied()))
            .collect();
        let last = axis.len() - 1;
        axis.iter()
            .enumerate()
            .map(|(r, &t)| {
                axis.iter()
                    .map(|&p| match (t, p) {
                        (Some(t), Some(p)) if r != last => self.cell(t, p),
                        _ => 0,
                    })
                    .collect()
            })
            .collect()
    }

    fn intern(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len();
        let pos = self
            .sorted
            .partition_point(|&j| self.names[j].as_str() < name);
        self.sorted.insert(pos, i);
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        self.registered.push(false);
        self.cells.push(Vec::new());
        self.true_sums.push(0);
        self.pred_sums.push(0);
        i
    }

    fn cell(&self, t: usize, p: usize) -> u64 {
        self.cells[t].get(p).copied().unwrap_or(0)
    }

    fn occurs(&self, i: usize) -> bool {
        self.true_sums[i] > 0 || self.pred_sums[i] > 0
    }

    fn report_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.sorted.iter().copied().filter(|&i| self.occurs(i))
    }

    fn matrix_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.sorted
            .iter()
            .copied()
            .filter(|&i| self.names[i] != UNPARSED && (self.registered[i] || self.occurs(i)))
    }

    fn scores_at(&self, i: usize) -> ClassScores {
        ClassScores::from_counts(self.cell(i, i), self.true_sums[i], self.pred_sums[i])
    }

    fn report_scores(&self) -> Vec<ClassScores> {
        self.report_indices().map(|i| self.scores_at(i)).collect()
    }
}

/// Sums like NumPy's `add.reduce` on a contiguous float64 array (its identity 0.0 plus the
/// pairwise sum: 8 accumulators for blocks up to 128, halves beyond). The values summed here
/// are never negative, so the identity changes nothing and is left out.
fn numpy_sum(values: impl Iterator<Item = f64>) -> f64 {
    let values: Vec<f64> = values.collect();
    pairwise_sum(&values)
}

fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        return a.iter().sum();
    }
    if n <= 128 {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let whole = n - n % 8;
        for chunk in a[8..whole].chunks_exact(8) {
            for (acc, x) in r.iter_mut().zip(chunk) {
                *acc += x;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for x in &a[whole..] {
            res += x;
        }
        return res;
    }
    let mut half = n / 2;
    half -= half % 8;
    pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
}

#[cfg(test)]
mod tests;
