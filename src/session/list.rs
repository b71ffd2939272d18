//! Listing the sessions under a folder, newest first, with their figures (done/total,
//! accuracy, macro-F1), for `squint sessions` and the workbench's recent-sessions list.
//!
//! Read-only and forgiving: a folder that is not a readable session is skipped, never an error.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::folder::Session;
use super::meta::SessionStatus;
use crate::domain::metrics::Metrics;

/// One line of a session listing: what ran, how far it got and how well it did. Its
/// `Serialize` form is `squint sessions --json`'s (a documented contract).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionSummary {
    /// The session folder.
    #[serde(rename = "path")]
    pub dir: PathBuf,
    /// The session id.
    pub id: String,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// The dataset folder or manifest.
    pub dataset: PathBuf,
    /// The template name.
    pub template: String,
    /// The template's version: the first 8 hex digits of its content hash.
    pub template_version: String,
    /// The model name.
    pub model: String,
    /// Images done (answered or failed; an image re-run counts once).
    pub done: usize,
    /// Images selected for the run.
    pub total: usize,
    /// Images whose request failed.
    pub errors: u64,
    /// Answers no label could be read from.
    pub unparsed: u64,
    /// Correct over answered images; `None` before the first answer.
    pub accuracy: Option<f64>,
    /// Macro-averaged F1 over scikit-learn's rows; `None` before the first answer.
    pub macro_f1: Option<f64>,
    /// Where the run stands.
    pub status: SessionStatus,
    /// Made by `squint import` rather than by a run.
    pub imported: bool,
}

/// Headings of [`SessionSummary::columns`].
pub const SUMMARY_COLUMNS: [&str; 8] = [
    "started", "dataset", "template", "model", "done", "accuracy", "macro-F1", "status",
];

impl SessionSummary {
    /// The figures as columns (see [`SUMMARY_COLUMNS`]): start (UTC, to the minute), dataset
    /// folder name, `template@version`, model, `done/total`, accuracy, macro-F1, status.
    pub fn columns(&self) -> [String; 8] {
        let when = self
            .started_at
            .get(..16)
            .unwrap_or(&self.started_at)
            .replace('T', " ");
        let dataset = self.dataset.file_name().map_or_else(
            || self.dataset.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let score = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.3}"));
        let status = if self.imported {
            "imported"
        } else {
            self.status.name()
        };
        [
            when,
            dataset,
            format!("{}@{}", self.template, self.template_version),
            self.model.clone(),
            format!("{}/{}", self.done, self.total),
            score(self.accuracy),
            score(self.macro_f1),
            status.to_owned(),
        ]
    }

    /// The figures on one line, as the workbench lists them:
    /// `2026-11-29 14:30 · digits · digits@1a2b3c4d · llava:7b · 30/30 · acc 0.900 · F1 0.887 · finished`.
    pub fn figures(&self) -> String {
        let [when, dataset, template, model, done, acc, f1, status] = self.columns();
        format!(
            "{when} · {dataset} · {template} · {model} · {done} · acc {acc} · F1 {f1} · {status}"
        )
    }
}

/// Sessions directly under `root`, newest first (by start time, then id). A missing `root`
/// gives an empty list. Reads every session's results to score it.
pub fn list_sessions(root: &Path) -> Vec<SessionSummary> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<SessionSummary> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| Session::open(&e.path()).ok())
        .map(|s| summarize(&s))
        .collect();
    out.sort_by(|a, b| {
        b.started_at
            .cmp(&a.started_at)
            .then_with(|| b.id.cmp(&a.id))
    });
    out
}

/// The summary of one session; an unreadable journal counts as no results.
pub fn summarize(s: &Session) -> SessionSummary {
    let meta = &s.meta;
    let results = s.read_results().map(|log| log.results).unwrap_or_default();
    let mut metrics = Metrics::with_classes(&meta.dataset.labels);
    let mut errors = 0;
    for r in &results {
        if r.is_error() {
            errors += 1;
        } else {
            metrics.record(&r.truth, r.label.as_deref());
        }
    }
    let answered = metrics.total() > 0;
    SessionSummary {
        dir: s.dir.clone(),
        id: meta.id.clone(),
        started_at: meta.started_at.clone(),
        dataset: meta.dataset.path.clone(),
        template: meta.template.name.clone(),
        template_version: meta.template.hash.chars().take(8).collect(),
        model: meta.backend.model.clone(),
        done: results.len(),
        total: meta.dataset.total,
        errors,
        unparsed: metrics.unparsed(),
        accuracy: answered.then(|| metrics.accuracy()),
        macro_f1: answered.then(|| metrics.macro_avg().f1),
        status: meta.status,
        imported: meta.imported_from.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::journal::tests::item;
    use crate::session::meta::tests::sample_meta;

    #[test]
    fn newest_first_skipping_unreadable() {
        let root = tempfile::tempdir().unwrap();
        let make = |name: &str, started: &str, lines: usize| {
            let s = Session::create(&root.path().join(name), sample_meta(name, started)).unwrap();
            let mut j = s.journal().unwrap();
            for i in 0..lines {
                j.append(&item(&format!("{i}.png"), "1")).unwrap();
            }
        };
        make("old", "2025-01-01T00:00:00Z", 1);
        make("new", "2026-11-29T14:30:12Z", 3);
        make("mid-b", "2026-01-01T00:00:00Z", 0);
        make("mid-a", "2026-01-01T00:00:00Z", 2);
        // Not sessions: an empty folder, a corrupt one, a plain file.
        fs::create_dir(root.path().join("empty")).unwrap();
        fs::create_dir(root.path().join("corrupt")).unwrap();
        fs::write(root.path().join("corrupt/session.json"), "nope").unwrap();
        fs::write(root.path().join("file.txt"), "x").unwrap();

        let got: Vec<_> = list_sessions(root.path())
            .into_iter()
            .map(|s| (s.id, s.done))
            .collect();
        // Items are named apart, so every line is its own image.
        let want = [("new", 3), ("mid-b", 0), ("mid-a", 2), ("old", 1)];
        let want: Vec<_> = want.iter().map(|(id, n)| (id.to_string(), *n)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn summary_copies_the_meta_and_scores_the_results() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        let s = Session::create(&dir, sample_meta("s", "2026-11-29T14:30:12Z")).unwrap();
        let mut j = s.journal().unwrap();
        // Truth "1": two right, one wrong ("0"), one unparsed, one failed, one re-run.
        let mut wrong = item("c.png", "0");
        wrong.label = Some("0".into());
        let mut unparsed = item("d.png", "1");
        unparsed.label = None;
        let mut failed = item("e.png", "1");
        failed.label = None;
        failed.error = Some("timeout".into());
        for r in [
            item("a.png", "1"),
            item("b.png", "1"),
            wrong,
            unparsed,
            failed,
            item("a.png", "1"),
        ] {
            j.append(&r).unwrap();
        }
        let got = list_sessions(root.path());
        let accuracy = 2.0 / 4.0;
        // Rows "0" (p 0, r 0), "1" (p 1, r 2/4), "(unparsed)": F1 0, 2/3, 0.
        let macro_f1 = (2.0 / 3.0) / 3.0;
        assert_eq!(
            got,
            [SessionSummary {
                dir,
                id: "s".into(),
                started_at: "2026-11-29T14:30:12Z".into(),
                dataset: PathBuf::from("/data/digits"),
                template: "digits".into(),
                template_version: "abc".into(),
                model: "llava:7b".into(),
                done: 5,
                total: 20,
                errors: 1,
                unparsed: 1,
                accuracy: Some(accuracy),
                macro_f1: Some(macro_f1),
                status: SessionStatus::Running,
                imported: false,
            }]
        );
        assert_eq!(
            got[0].figures(),
            "2026-11-29 14:30 · digits · digits@abc · llava:7b · 5/20 · acc 0.500 · F1 0.222 · running"
        );
    }

    #[test]
    fn a_session_without_answers_has_no_scores() {
        let root = tempfile::tempdir().unwrap();
        Session::create(
            &root.path().join("s"),
            sample_meta("s", "2026-11-29T14:30:12Z"),
        )
        .unwrap();
        let got = list_sessions(root.path());
        assert_eq!(
            (got[0].done, got[0].accuracy, got[0].macro_f1),
            (0, None, None)
        );
        assert!(
            got[0].figures().contains("0/20 · acc – · F1 – · running"),
            "{}",
            got[0].figures()
        );
    }

    #[test]
    fn missing_root_is_empty() {
        let root = tempfile::tempdir().unwrap();
        assert!(list_sessions(&root.path().join("none")).is_empty());
    }
}
