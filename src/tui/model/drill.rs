//! The drill-down list: which results a matrix cell, row, column or the error list holds.
//! Built once when opened (one pass over the results), sorted most-confidently-wrong first,
//! then by file name; never rebuilt per frame.

use std::cmp::Ordering;

use crate::domain::parse::UNPARSED;
use crate::domain::result::ItemResult;

use super::matrix::MatrixCursor;

/// Which results a drill-down list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrillFilter {
    /// True label `truth` predicted as `predicted` (`(unparsed)` for unparsed answers).
    Cell {
        /// The true label.
        truth: String,
        /// The predicted label or `(unparsed)`.
        predicted: String,
    },
    /// Every item of one true class (errors included).
    Truth(String),
    /// Every item predicted as one label (or `(unparsed)`).
    Predicted(String),
    /// Every failed request.
    Errors,
}

impl DrillFilter {
    /// True when `r` belongs in the list.
    pub fn matches(&self, r: &ItemResult) -> bool {
        self.matches_with_truth(r, &r.truth)
    }

    /// True when `r`, taken to have the true label `truth` (its correction's, say), belongs
    /// in the list.
    pub fn matches_with_truth(&self, r: &ItemResult, truth_of_r: &str) -> bool {
        let predicted = || -> Option<&str> {
            if r.is_error() {
                None
            } else {
                Some(r.label.as_deref().unwrap_or(UNPARSED))
            }
        };
        match self {
            DrillFilter::Cell {
                truth,
                predicted: p,
            } => truth_of_r == truth && predicted() == Some(p.as_str()),
            DrillFilter::Truth(truth) => truth_of_r == truth,
            DrillFilter::Predicted(p) => predicted() == Some(p.as_str()),
            DrillFilter::Errors => r.is_error(),
        }
    }

    /// A title such as `true 3 → predicted 5`.
    pub fn title(&self) -> String {
        match self {
            DrillFilter::Cell { truth, predicted } => {
                format!("true {truth} → predicted {predicted}")
            }
            DrillFilter::Truth(t) => format!("true {t}"),
            DrillFilter::Predicted(p) => format!("predicted {p}"),
            DrillFilter::Errors => "failed requests".to_owned(),
        }
    }
}

/// An open drill-down list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillState {
    /// What the list holds.
    pub filter: DrillFilter,
    /// Plan indexes of the matching results, in display order.
    pub entries: Vec<usize>,
    /// Selected entry.
    pub selected: usize,
    /// Scroll of the raw answer pane, in lines.
    pub answer_scroll: u16,
    /// Where the matrix cursor was, restored on Esc.
    pub return_cursor: MatrixCursor,
}

impl DrillState {
    /// Builds the list for `filter` from `results` (one pass plus a sort).
    pub fn open(filter: DrillFilter, results: &[Option<ItemResult>], cursor: MatrixCursor) -> Self {
        Self::open_with(filter, results, cursor, |r| {
            Some(std::borrow::Cow::Borrowed(&r.truth))
        })
    }

    /// Like [`DrillState::open`], with each result's true label given by `truth_of` (`None`
    /// leaves the result out: a doubtful image while corrections are on).
    pub fn open_with<'r>(
        filter: DrillFilter,
        results: &'r [Option<ItemResult>],
        cursor: MatrixCursor,
        truth_of: impl Fn(&'r ItemResult) -> Option<std::borrow::Cow<'r, str>>,
    ) -> Self {
        let mut entries: Vec<usize> = results
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let r = r.as_ref()?;
                let truth = truth_of(r)?;
                filter.matches_with_truth(r, &truth).then_some(i)
            })
            .collect();
        entries.sort_by(|&a, &b| match (&results[a], &results[b]) {
            (Some(ra), Some(rb)) => order(ra, rb),
            _ => Ordering::Equal,
        });
        DrillState {
            filter,
            entries,
            selected: 0,
            answer_scroll: 0,
            return_cursor: cursor,
        }
    }

    /// The selected plan index.
    pub fn current(&self) -> Option<usize> {
        self.entries.get(self.selected).copied()
    }

    /// Moves the selection by `delta`, clamped; resets the answer scroll when it moves.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.entries.len().saturating_sub(1);
        let next = self.selected.saturating_add_signed(delta).min(last);
        if next != self.selected {
            self.selected = next;
            self.answer_scroll = 0;
        }
    }
}

/// Wrong before right; among wrong ones the most confident first (unknown confidence last);
/// then by file name.
fn order(a: &ItemResult, b: &ItemResult) -> Ordering {
    let conf = |r: &ItemResult| r.confidence.filter(|c| c.is_finite());
    a.is_correct()
        .cmp(&b.is_correct())
        .then_with(|| match (conf(a), conf(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| a.image.cmp(&b.image))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn result(
        image: &str,
        truth: &str,
        label: Option<&str>,
        conf: Option<f64>,
    ) -> ItemResult {
        ItemResult {
            image: image.into(),
            sha256: String::new(),
            truth: truth.into(),
            answer: label.unwrap_or("no idea").into(),
            label: label.map(Into::into),
            parse: None,
            confidence: conf,
            latency_ms: 10,
            eval_count: None,
            prompt_eval_count: None,
            eval_duration_ns: None,
            total_duration_ns: None,
            attempts: 1,
            cached: false,
            error: None,
            error_kind: None,
        }
    }

    #[test]
    fn cell_list_is_most_confident_first_then_by_name() {
        let results = vec![
            Some(result("b.png", "3", Some("5"), None)),
            Some(result("a.png", "3", Some("5"), Some(0.4))),
            Some(result("c.png", "3", Some("5"), Some(0.9))),
            Some(result("d.png", "3", Some("3"), Some(0.99))),
            None,
            Some(result("e.png", "3", Some("5"), None)),
        ];
        let filter = DrillFilter::Cell {
            truth: "3".into(),
            predicted: "5".into(),
        };
        let drill = DrillState::open(filter, &results, MatrixCursor::default());
        assert_eq!(drill.entries, [2, 1, 0, 5]);
    }

    #[test]
    fn filters_select_the_right_items() {
        let mut failed = result("f.png", "1", None, None);
        failed.error = Some("timeout".into());
        let results = vec![
            Some(result("a.png", "1", Some("1"), None)),
            Some(result("b.png", "1", None, None)),
            Some(failed),
            Some(result("c.png", "2", Some("1"), None)),
        ];
        let cases: [(DrillFilter, &[usize]); 5] = [
            (DrillFilter::Truth("1".into()), &[1, 2, 0]),
            (DrillFilter::Predicted("1".into()), &[3, 0]),
            (DrillFilter::Predicted(UNPARSED.into()), &[1]),
            (
                DrillFilter::Cell {
                    truth: "1".into(),
                    predicted: UNPARSED.into(),
                },
                &[1],
            ),
            (DrillFilter::Errors, &[2]),
        ];
        for (filter, want) in cases {
            let drill = DrillState::open(filter.clone(), &results, MatrixCursor::default());
            assert_eq!(drill.entries, want, "{filter:?}");
        }
    }

    #[test]
    fn moving_clamps_and_resets_scroll() {
        let results = vec![Some(result("a", "1", Some("2"), None)); 3];
        let mut drill = DrillState::open(
            DrillFilter::Truth("1".into()),
            &results,
            MatrixCursor::default(),
        );
        drill.answer_scroll = 4;
        drill.move_by(-1);
        assert_eq!((drill.selected, drill.answer_scroll), (0, 4));
        drill.move_by(10);
        assert_eq!((drill.selected, drill.answer_scroll), (2, 0));
    }
}
