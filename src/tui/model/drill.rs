//! The drill-down list: which results a matrix cell, row, column or the error list holds.
//! Built once when opened (one pass over the results), sorted most-confidently-wrong first,
//! then by file name, or in the order `s` chose; re-sorted only when asked, never per frame.

use std::cmp::Ordering;

use crate::domain::parse::UNPARSED;
use crate::domain::result::ItemResult;

use super::matrix::MatrixCursor;
use super::search::ListSearch;

/// The order of a drill-down list (`s` cycles through them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DrillSort {
    /// Wrong before right, most confident first, then by file name.
    #[default]
    Suspicious,
    /// Most confident first (unknown confidence last).
    Confidence,
    /// Slowest first.
    Latency,
    /// By file name.
    FileName,
    /// By answer text.
    Answer,
    /// The review queue's order: unparsed answers, then least confident first (logprobs),
    /// then by parse step (the loosest first), then by file name.
    LeastConfident,
}

impl DrillSort {
    /// The next order in the cycle.
    pub fn next(self) -> DrillSort {
        match self {
            DrillSort::Suspicious => DrillSort::Confidence,
            DrillSort::Confidence => DrillSort::Latency,
            DrillSort::Latency => DrillSort::FileName,
            DrillSort::FileName => DrillSort::Answer,
            DrillSort::Answer | DrillSort::LeastConfident => DrillSort::Suspicious,
        }
    }

    /// How the title names the order.
    pub fn name(self) -> &'static str {
        match self {
            DrillSort::Suspicious => "wrong first",
            DrillSort::Confidence => "by confidence",
            DrillSort::Latency => "slowest first",
            DrillSort::FileName => "by name",
            DrillSort::Answer => "by answer",
            DrillSort::LeastConfident => "least confident first",
        }
    }

    /// Compares two results in this order (ties by file name).
    fn compare(self, a: &ItemResult, b: &ItemResult) -> Ordering {
        let by_name = || a.image.cmp(&b.image);
        match self {
            DrillSort::Suspicious => order(a, b),
            DrillSort::Confidence => by_confidence(a, b).then_with(by_name),
            // Slowest first; an unknown latency (an imported result) after every measured one.
            DrillSort::Latency => b.latency().cmp(&a.latency()).then_with(by_name),
            DrillSort::FileName => by_name(),
            DrillSort::Answer => a.answer.cmp(&b.answer).then_with(by_name),
            DrillSort::LeastConfident => least_confident(a, b).then_with(by_name),
        }
    }
}

/// How drill-down lists are shown, kept from one list to the next (leaving a list, opening
/// another or toggling corrections with `T` never resets them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrillView {
    /// The order `s` chose last.
    pub sort: DrillSort,
    /// Thumbnails (`t`) rather than a list.
    pub grid: bool,
}

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
    /// The images a comparison found flipped: right in this run and not in the other session
    /// (`fixed`), or the reverse.
    Flipped {
        /// True for the images this run fixed, false for those it broke.
        fixed: bool,
        /// The images.
        images: std::sync::Arc<std::collections::BTreeSet<String>>,
    },
    /// The review queue (`R`): the model's proposals for images whose truth is unknown.
    Review,
}

impl DrillFilter {
    /// True when `r` belongs in the list.
    pub fn matches(&self, r: &ItemResult) -> bool {
        self.matches_with_truth(r, &r.truth)
    }

    /// True when `r`, taken to have the true label `truth` (its correction's, say), belongs
    /// in the list.
    pub fn matches_with_truth(&self, r: &ItemResult, truth_of_r: &str) -> bool {
        self.matches_shown(r, truth_of_r, r.label.as_deref())
    }

    /// True when `r`, taken to have the true label `truth_of_r` (its correction's, say) and
    /// the predicted label `label_of_r` (its calibrated one, say), belongs in the list.
    pub fn matches_shown(
        &self,
        r: &ItemResult,
        truth_of_r: &str,
        label_of_r: Option<&str>,
    ) -> bool {
        let predicted = || -> Option<&str> {
            if r.is_error() {
                None
            } else {
                Some(label_of_r.unwrap_or(UNPARSED))
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
            DrillFilter::Flipped { images, .. } => images.contains(&r.image),
            // By the recorded truth: a reviewed image stays in the queue.
            DrillFilter::Review => r.truth.is_empty() && !r.is_error(),
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
            DrillFilter::Flipped { fixed: true, .. } => "fixed by B (A wrong)".to_owned(),
            DrillFilter::Flipped { fixed: false, .. } => "broken by B (A right)".to_owned(),
            DrillFilter::Review => "review".to_owned(),
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
    /// The list's order.
    pub sort: DrillSort,
    /// The `/` search over file names and answers.
    pub search: ListSearch,
    /// Shown as a grid of thumbnails (`t`) rather than a list.
    pub grid: bool,
    /// Opened from the grid with Enter: Esc goes back to the grid.
    pub back_to_grid: bool,
}

impl DrillState {
    /// Builds the list for `filter` from `results` (one pass plus a sort).
    pub fn open(filter: DrillFilter, results: &[Option<ItemResult>], cursor: MatrixCursor) -> Self {
        Self::open_with(
            filter,
            results,
            cursor,
            |r| Some(std::borrow::Cow::Borrowed(&r.truth)),
            |r| r.label.as_deref(),
        )
    }

    /// Like [`DrillState::open`], with each result's true label given by `truth_of` (`None`
    /// leaves the result out: a doubtful image while corrections are on) and its predicted
    /// label by `label_of` (`None`: unparsed; the calibrated one in the calibrated view).
    pub fn open_with<'r>(
        filter: DrillFilter,
        results: &'r [Option<ItemResult>],
        cursor: MatrixCursor,
        truth_of: impl Fn(&'r ItemResult) -> Option<std::borrow::Cow<'r, str>>,
        label_of: impl Fn(&'r ItemResult) -> Option<&'r str>,
    ) -> Self {
        let entries: Vec<usize> = results
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let r = r.as_ref()?;
                let truth = truth_of(r)?;
                filter.matches_shown(r, &truth, label_of(r)).then_some(i)
            })
            .collect();
        let mut drill = DrillState {
            filter,
            entries,
            selected: 0,
            answer_scroll: 0,
            return_cursor: cursor,
            sort: DrillSort::default(),
            search: ListSearch::default(),
            grid: false,
            back_to_grid: false,
        };
        drill.sort_entries(results);
        drill.selected = 0; // a new list starts at its top
        drill
    }

    /// Sorts the entries in `self.sort`'s order, keeping the selected item selected.
    pub fn sort_entries(&mut self, results: &[Option<ItemResult>]) {
        let current = self.current();
        let sort = self.sort;
        self.entries
            .sort_by(|&a, &b| match (&results[a], &results[b]) {
                (Some(ra), Some(rb)) => sort.compare(ra, rb),
                _ => Ordering::Equal,
            });
        if let Some(i) = current {
            self.selected = self.entries.iter().position(|&e| e == i).unwrap_or(0);
        }
    }

    /// Whether the entry at list position `pos` matches the search (file name or answer).
    pub fn is_hit(&self, pos: usize, results: &[Option<ItemResult>]) -> bool {
        self.entries
            .get(pos)
            .and_then(|&i| results.get(i))
            .and_then(Option::as_ref)
            .is_some_and(|r| self.search.hit([r.image.as_str(), r.answer.as_str()]))
    }

    /// Counts the matches of the current query (once per query change).
    pub fn count_matches(&mut self, results: &[Option<ItemResult>]) {
        self.search.matches = (0..self.entries.len())
            .filter(|&pos| self.is_hit(pos, results))
            .count();
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
    a.is_correct()
        .cmp(&b.is_correct())
        .then_with(|| by_confidence(a, b))
        .then_with(|| a.image.cmp(&b.image))
}

/// The review order: unparsed answers first; then a known confidence (logprobs), lowest
/// first; then by parse step, the loosest match first.
fn least_confident(a: &ItemResult, b: &ItemResult) -> Ordering {
    use crate::domain::parse::ParseStep;
    let conf = |r: &ItemResult| r.confidence.filter(|c| c.is_finite());
    let rank = |r: &ItemResult| match r.parse {
        None | Some(ParseStep::Unparsed) => 0,
        Some(ParseStep::WholeWord) => 1,
        Some(ParseStep::Alias) => 2,
        Some(ParseStep::Normalized) => 3,
        Some(ParseStep::Imported) => 4,
        Some(ParseStep::Exact) => 5,
        Some(ParseStep::Constrained) => 6,
    };
    let unparsed = |r: &ItemResult| rank(r) == 0;
    unparsed(b)
        .cmp(&unparsed(a))
        .then_with(|| match (conf(a), conf(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| rank(a).cmp(&rank(b)))
}

/// Most confident first; unknown (or not finite) confidence last.
fn by_confidence(a: &ItemResult, b: &ItemResult) -> Ordering {
    let conf = |r: &ItemResult| r.confidence.filter(|c| c.is_finite());
    match (conf(a), conf(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
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
            answer: label.unwrap_or("no idea").into(),
            label: label.map(Into::into),
            confidence: conf,
            latency_ms: 10,
            ..ItemResult::blank(image, truth)
        }
    }

    #[test]
    fn the_review_queue_is_least_confident_first() {
        use crate::domain::parse::ParseStep;
        let step = |mut r: ItemResult, step: ParseStep| {
            r.parse = Some(step);
            r
        };
        let results: Vec<Option<ItemResult>> = vec![
            Some(step(
                result("sure.png", "", Some("a"), Some(0.99)),
                ParseStep::Exact,
            )),
            Some(step(
                result("loose.png", "", Some("a"), None),
                ParseStep::WholeWord,
            )),
            Some(step(
                result("plain.png", "", Some("a"), None),
                ParseStep::Exact,
            )),
            Some(step(
                result("none.png", "", None, None),
                ParseStep::Unparsed,
            )),
            Some(step(
                result("unsure.png", "", Some("b"), Some(0.41)),
                ParseStep::Exact,
            )),
            Some(result("known.png", "a", Some("a"), Some(0.1))),
        ];
        let mut queue = DrillState::open(DrillFilter::Review, &results, MatrixCursor::default());
        queue.sort = DrillSort::LeastConfident;
        queue.sort_entries(&results);
        let names: Vec<&str> = queue
            .entries
            .iter()
            .map(|&i| results[i].as_ref().unwrap().image.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "none.png",
                "unsure.png",
                "sure.png",
                "loose.png",
                "plain.png"
            ],
            "unparsed, then by confidence, then by parse step; known truths are not proposals"
        );
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
    fn sort_cycles_and_keeps_the_selection() {
        let mut slow = result("z.png", "3", Some("5"), Some(0.2));
        slow.latency_ms = 900;
        let mut right = result("m.png", "3", Some("3"), Some(0.99));
        right.answer = "A three".into();
        let results = vec![
            Some(result("b.png", "3", Some("5"), Some(0.9))),
            Some(slow),
            Some(right),
            Some(result("a.png", "3", Some("8"), None)),
        ];
        let mut drill = DrillState::open(
            DrillFilter::Truth("3".into()),
            &results,
            MatrixCursor::default(),
        );
        assert_eq!(drill.entries, [0, 1, 3, 2], "wrong first, confident first");
        drill.selected = 1; // z.png
        let mut seen = Vec::new();
        for _ in 0..5 {
            drill.sort = drill.sort.next();
            drill.sort_entries(&results);
            assert_eq!(
                drill.current(),
                Some(1),
                "{:?} keeps z.png selected",
                drill.sort
            );
            seen.push((drill.sort, drill.entries.clone()));
        }
        assert_eq!(
            seen,
            [
                (DrillSort::Confidence, vec![2, 0, 1, 3]),
                (DrillSort::Latency, vec![1, 3, 0, 2]),
                (DrillSort::FileName, vec![3, 0, 2, 1]),
                (DrillSort::Answer, vec![0, 1, 3, 2]),
                (DrillSort::Suspicious, vec![0, 1, 3, 2]),
            ]
        );
    }

    #[test]
    fn search_looks_at_file_names_and_answers() {
        let mut answered = result("q.png", "1", Some("1"), None);
        answered.answer = "Clearly a ROOK".into();
        let results = vec![
            Some(result("rook_1.png", "1", Some("2"), None)),
            Some(answered),
        ];
        let mut drill = DrillState::open(
            DrillFilter::Truth("1".into()),
            &results,
            MatrixCursor::default(),
        );
        drill.search.query = "rook".into();
        drill.count_matches(&results);
        assert_eq!(drill.search.matches, 2);
        drill.search.query = "clearly".into();
        drill.count_matches(&results);
        assert_eq!(drill.search.matches, 1);
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
