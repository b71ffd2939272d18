//! Label corrections: what a person said about an image's true label while exploring a session
//! (the model was right and the dataset wrong, another class, or "doubtful": neither trusted),
//! as an append-only log, and the effective corrections that log adds up to.
//!
//! Pure: the log's lines are `session::corrections`'s to read and write. Never touches the
//! user's dataset or a session's results; applying corrections makes new values.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::metrics::Metrics;
use super::result::ItemResult;

/// What a correction says about an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The true label is this class.
    Label(String),
    /// Neither the recorded label nor the model's is trusted: left out of metrics.
    Doubtful,
}

/// One line of `corrections.jsonl`. Field names are a file-format contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionEntry {
    /// Image path relative to the dataset root (as in `results.jsonl`).
    #[serde(default)]
    pub image: String,
    /// The true label before this correction (the dataset's, or an earlier correction's).
    #[serde(default)]
    pub old: String,
    /// The new label; `None` with `doubtful` or `undo`.
    #[serde(default)]
    pub new: Option<String>,
    /// True when the image was marked doubtful.
    #[serde(default)]
    pub doubtful: bool,
    /// True when this line undoes the latest correction still in effect (then `image` names it).
    #[serde(default)]
    pub undo: bool,
    /// When, RFC 3339 UTC.
    pub time: String,
}

impl CorrectionEntry {
    /// A correction of `image` from `old` to `verdict`, made at `time`.
    pub fn correct(image: &str, old: &str, verdict: &Verdict, time: String) -> CorrectionEntry {
        let (new, doubtful) = match verdict {
            Verdict::Label(label) => (Some(label.clone()), false),
            Verdict::Doubtful => (None, true),
        };
        CorrectionEntry {
            image: image.to_owned(),
            old: old.to_owned(),
            new,
            doubtful,
            undo: false,
            time,
        }
    }

    /// The line that undoes `undone` (the latest correction in effect), made at `time`.
    pub fn undo_of(undone: &CorrectionEntry, time: String) -> CorrectionEntry {
        CorrectionEntry {
            image: undone.image.clone(),
            old: undone.old.clone(),
            new: undone.new.clone(),
            doubtful: undone.doubtful,
            undo: true,
            time,
        }
    }

    fn verdict(&self) -> Option<Verdict> {
        match (&self.new, self.doubtful) {
            (_, true) => Some(Verdict::Doubtful),
            (Some(label), false) => Some(Verdict::Label(label.clone())),
            (None, false) => None,
        }
    }
}

/// The corrections a log adds up to: for each image its latest correction still in effect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corrections {
    /// Corrections in effect, in the order made (an undo removes the last one).
    stack: Vec<CorrectionEntry>,
}

impl Corrections {
    /// Replays a log: each correction is pushed, each undo pops the latest one in effect.
    pub fn from_log(entries: &[CorrectionEntry]) -> Corrections {
        let mut c = Corrections::default();
        for e in entries {
            c.push(e.clone());
        }
        c
    }

    /// Adds one log line (a correction or an undo) as `from_log` does.
    pub fn push(&mut self, entry: CorrectionEntry) {
        if entry.undo {
            self.stack.pop();
        } else if entry.verdict().is_some() {
            self.stack.push(entry);
        }
    }

    /// The correction an undo would take back now, if any.
    pub fn last(&self) -> Option<&CorrectionEntry> {
        self.stack.last()
    }

    /// The verdict in effect for each corrected image (a later correction wins).
    pub fn by_image(&self) -> BTreeMap<&str, Verdict> {
        self.stack
            .iter()
            .filter_map(|e| Some((e.image.as_str(), e.verdict()?)))
            .collect()
    }

    /// The verdict in effect for `image`.
    pub fn verdict(&self, image: &str) -> Option<Verdict> {
        self.stack
            .iter()
            .rev()
            .find(|e| e.image == image)
            .and_then(CorrectionEntry::verdict)
    }

    /// How many images have a correction in effect.
    pub fn len(&self) -> usize {
        self.by_image().len()
    }

    /// True when no correction is in effect.
    pub fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }
}

/// Results with corrections applied, and what that left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Corrected {
    /// The results, each relabelled image with its new truth; doubtful images left out.
    pub results: Vec<ItemResult>,
    /// Images whose truth a correction changed.
    pub relabelled: usize,
    /// Doubtful images, left out.
    pub doubtful: usize,
}

/// `results` with `corrections` in effect: a corrected image's truth is the new label, a
/// doubtful image is left out. Corrections naming no result are ignored.
pub fn apply(results: &[ItemResult], corrections: &Corrections) -> Corrected {
    let by_image = corrections.by_image();
    let mut out = Corrected::default();
    for r in results {
        match by_image.get(r.image.as_str()) {
            None => out.results.push(r.clone()),
            Some(Verdict::Doubtful) => out.doubtful += 1,
            Some(Verdict::Label(label)) => {
                let mut fixed = r.clone();
                if fixed.truth != *label {
                    out.relabelled += 1;
                }
                fixed.truth = label.clone();
                out.results.push(fixed);
            }
        }
    }
    out
}

/// Metrics over results as they arrive with corrections in effect (a headless run whose truth
/// is another session's corrections): a relabelled image counts under its new label, a
/// doubtful one is left out and counted; failed requests are no predictions.
#[derive(Debug, Clone, Default)]
pub struct CorrectedMetrics {
    /// The confusion matrix and scores with the corrections.
    pub metrics: Metrics,
    verdicts: BTreeMap<String, Verdict>,
    /// Answered images whose truth a correction changed.
    pub relabelled: usize,
    /// Answered images marked doubtful, left out.
    pub doubtful: usize,
}

impl CorrectedMetrics {
    /// Empty metrics over `labels` with `corrections`.
    pub fn new(labels: &[String], corrections: &Corrections) -> CorrectedMetrics {
        CorrectedMetrics {
            metrics: Metrics::with_classes(labels),
            verdicts: corrections
                .by_image()
                .into_iter()
                .map(|(image, v)| (image.to_owned(), v))
                .collect(),
            relabelled: 0,
            doubtful: 0,
        }
    }

    /// Counts one finished item.
    pub fn record(&mut self, result: &ItemResult) {
        if result.is_error() {
            return;
        }
        let truth = match self.verdicts.get(&result.image) {
            None => result.truth.as_str(),
            Some(Verdict::Doubtful) => {
                self.doubtful += 1;
                return;
            }
            Some(Verdict::Label(label)) => {
                self.relabelled += usize::from(*label != result.truth);
                label.as_str()
            }
        };
        self.metrics.record(truth, result.label.as_deref());
    }
}

/// Why a correction was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    /// The new label is not one of the session's classes.
    #[error("{label:?} is not a class of this session; the classes are: {}", classes.join(", "))]
    UnknownLabel {
        /// The label asked for.
        label: String,
        /// The session's classes.
        classes: Vec<String>,
    },
}

/// Checks that `verdict` names one of `classes` (doubtful always passes).
pub fn check_verdict(verdict: &Verdict, classes: &[String]) -> Result<(), CorrectionError> {
    match verdict {
        Verdict::Label(label) if !classes.iter().any(|c| c == label) => {
            let sorted: BTreeSet<&String> = classes.iter().collect();
            Err(CorrectionError::UnknownLabel {
                label: label.clone(),
                classes: sorted.into_iter().cloned().collect(),
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(image: &str, truth: &str, label: &str) -> ItemResult {
        ItemResult::answered(image, truth, label)
    }

    fn t(n: u32) -> String {
        format!("2026-11-29T10:00:{n:02}Z")
    }

    #[test]
    fn log_replays_corrections_and_undos() {
        let log = vec![
            CorrectionEntry::correct("a.png", "3", &Verdict::Label("5".into()), t(1)),
            CorrectionEntry::correct("b.png", "1", &Verdict::Doubtful, t(2)),
            CorrectionEntry::correct("a.png", "5", &Verdict::Label("8".into()), t(3)),
        ];
        let mut c = Corrections::from_log(&log);
        assert_eq!(c.verdict("a.png"), Some(Verdict::Label("8".into())));
        assert_eq!(c.verdict("b.png"), Some(Verdict::Doubtful));
        assert_eq!(c.len(), 2);
        let undo = CorrectionEntry::undo_of(c.last().unwrap(), t(4));
        c.push(undo.clone());
        assert_eq!(c.verdict("a.png"), Some(Verdict::Label("5".into())));
        let mut replayed = log.clone();
        replayed.push(undo);
        assert_eq!(Corrections::from_log(&replayed), c);
        for _ in 0..5 {
            c.push(CorrectionEntry::undo_of(
                &CorrectionEntry::correct("x", "", &Verdict::Doubtful, t(5)),
                t(5),
            ));
        }
        assert!(c.is_empty() && c.verdict("a.png").is_none());
    }

    #[test]
    fn applying_relabels_and_leaves_doubtful_out() {
        let results = vec![
            result("a.png", "3", "5"),
            result("b.png", "1", "7"),
            result("c.png", "2", "2"),
        ];
        let c = Corrections::from_log(&[
            CorrectionEntry::correct("a.png", "3", &Verdict::Label("5".into()), t(1)),
            CorrectionEntry::correct("b.png", "1", &Verdict::Doubtful, t(2)),
            CorrectionEntry::correct("gone.png", "1", &Verdict::Doubtful, t(3)),
        ]);
        let out = apply(&results, &c);
        assert_eq!((out.relabelled, out.doubtful), (1, 1));
        let truths: Vec<(&str, &str)> = out
            .results
            .iter()
            .map(|r| (r.image.as_str(), r.truth.as_str()))
            .collect();
        assert_eq!(truths, [("a.png", "5"), ("c.png", "2")]);
    }

    #[test]
    fn corrected_metrics_count_as_results_arrive() {
        let c = Corrections::from_log(&[
            CorrectionEntry::correct("a.png", "3", &Verdict::Label("5".into()), t(1)),
            CorrectionEntry::correct("b.png", "1", &Verdict::Doubtful, t(2)),
        ]);
        let labels: Vec<String> = ["1", "2", "3", "5", "7"].map(String::from).to_vec();
        let mut m = CorrectedMetrics::new(&labels, &c);
        for r in [
            result("a.png", "3", "5"),
            result("b.png", "1", "7"),
            result("c.png", "2", "2"),
        ] {
            m.record(&r);
        }
        assert_eq!((m.relabelled, m.doubtful), (1, 1));
        assert_eq!(m.metrics.total(), 2);
        assert!((m.metrics.accuracy() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn unknown_labels_are_refused_with_the_set() {
        let classes = vec!["dog".to_owned(), "cat".to_owned()];
        assert!(check_verdict(&Verdict::Label("cat".into()), &classes).is_ok());
        assert!(check_verdict(&Verdict::Doubtful, &classes).is_ok());
        let err = check_verdict(&Verdict::Label("cow".into()), &classes).unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"cow\" is not a class of this session; the classes are: cat, dog"
        );
    }

    #[test]
    fn log_lines_round_trip_as_json() {
        let e = CorrectionEntry::correct("a b.png", "3", &Verdict::Label("5".into()), t(1));
        let line = serde_json::to_string(&e).unwrap();
        assert_eq!(
            line,
            r#"{"image":"a b.png","old":"3","new":"5","doubtful":false,"undo":false,"time":"2026-11-29T10:00:01Z"}"#
        );
        assert_eq!(serde_json::from_str::<CorrectionEntry>(&line).unwrap(), e);
    }
}
