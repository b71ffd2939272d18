//! Listing the sessions under a folder, newest first, for `squint sessions` and the TUI.
//!
//! Read-only and forgiving: a folder that is not a readable session is skipped, never an error.

use std::fs;
use std::path::{Path, PathBuf};

use super::folder::Session;
use super::journal::count_lines;
use super::meta::SessionStatus;

/// One line of a session listing.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSummary {
    /// The session folder.
    pub dir: PathBuf,
    /// The session id.
    pub id: String,
    /// The dataset folder or manifest.
    pub dataset: PathBuf,
    /// The template name.
    pub template: String,
    /// The model name.
    pub model: String,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Where the run stands.
    pub status: SessionStatus,
    /// Complete lines in `results.jsonl` (re-runs of an item count twice).
    pub done: usize,
}

/// Sessions directly under `root`, newest first (by start time, then id). A missing `root`
/// gives an empty list.
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

fn summarize(s: &Session) -> SessionSummary {
    let meta = &s.meta;
    SessionSummary {
        dir: s.dir.clone(),
        id: meta.id.clone(),
        dataset: meta.dataset.path.clone(),
        template: meta.template.name.clone(),
        model: meta.backend.model.clone(),
        started_at: meta.started_at.clone(),
        status: meta.status,
        done: count_lines(&s.results_path()),
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
        let want = [("new", 3), ("mid-b", 0), ("mid-a", 2), ("old", 1)];
        let want: Vec<_> = want.iter().map(|(id, n)| (id.to_string(), *n)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn summary_copies_the_meta() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        Session::create(&dir, sample_meta("s", "2026-11-29T14:30:12Z")).unwrap();
        let got = list_sessions(root.path());
        assert_eq!(
            got,
            [SessionSummary {
                dir,
                id: "s".into(),
                dataset: PathBuf::from("/data/digits"),
                template: "digits".into(),
                model: "llava:7b".into(),
                started_at: "2026-11-29T14:30:12Z".into(),
                status: SessionStatus::Running,
                done: 0,
            }]
        );
    }

    #[test]
    fn missing_root_is_empty() {
        let root = tempfile::tempdir().unwrap();
        assert!(list_sessions(&root.path().join("none")).is_empty());
    }
}
