//! Which runs each saved prompt version had on its dataset, for the workbench's versions list:
//! a session belongs to a version when it ran over the same dataset with a template of the
//! same content hash. Pure joining of listings already read; never reads or writes files.

use std::path::{Path, PathBuf};

use super::list::SessionSummary;
use super::prompts::PromptVersion;

/// A saved version and the runs made with it.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRuns {
    /// The saved version.
    pub version: PromptVersion,
    /// Sessions over this dataset with this template, newest first.
    pub runs: Vec<SessionSummary>,
}

impl VersionRuns {
    /// The newest run that has figures (an answered image), if any.
    pub fn latest_scored(&self) -> Option<&SessionSummary> {
        self.runs.iter().find(|r| r.accuracy.is_some())
    }
}

/// Pairs each version with the sessions (newest first, as `list_sessions` gives them) that
/// ran over one of `datasets` (the dataset's folder or manifest, compared as absolute paths)
/// with that version's template.
pub fn version_runs(
    versions: Vec<PromptVersion>,
    sessions: &[SessionSummary],
    datasets: &[PathBuf],
) -> Vec<VersionRuns> {
    let datasets: Vec<PathBuf> = datasets.iter().map(|d| absolute(d)).collect();
    versions
        .into_iter()
        .map(|version| {
            let runs = sessions
                .iter()
                .filter(|s| {
                    !s.template_version.is_empty()
                        && version.fingerprint.starts_with(&s.template_version)
                        && datasets.contains(&absolute(&s.dataset))
                })
                .cloned()
                .collect();
            VersionRuns { version, runs }
        })
        .collect()
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionStatus;

    fn session(id: &str, dataset: &str, hash: &str, accuracy: Option<f64>) -> SessionSummary {
        SessionSummary {
            dir: PathBuf::from(format!("/s/{id}")),
            id: id.into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            dataset: PathBuf::from(dataset),
            template: "digits".into(),
            template_version: hash.into(),
            model: "llava".into(),
            done: 10,
            total: 10,
            errors: 0,
            unparsed: 0,
            accuracy,
            macro_f1: accuracy,
            status: SessionStatus::Finished,
            imported: false,
        }
    }

    fn version(number: u32, fingerprint: &str) -> PromptVersion {
        PromptVersion {
            number,
            path: PathBuf::from(format!("/p/v{number}-{fingerprint}.toml")),
            fingerprint: fingerprint.into(),
        }
    }

    #[test]
    fn runs_are_matched_by_template_hash_and_dataset() {
        let sessions = [
            session("new", "/data/digits", "bbbbbbbb", None),
            session("mid", "/data/digits", "aaaaaaaa", Some(0.9)),
            session("other-data", "/data/chess", "aaaaaaaa", Some(0.5)),
            session("old", "/data/digits", "aaaaaaaa", Some(0.7)),
        ];
        let got = version_runs(
            vec![
                version(1, "aaaaaaaa1111"),
                version(2, "bbbbbbbb2222"),
                version(3, "cccccccc3333"),
            ],
            &sessions,
            &[PathBuf::from("/data/digits")],
        );
        let ids: Vec<Vec<&str>> = got
            .iter()
            .map(|v| v.runs.iter().map(|r| r.id.as_str()).collect())
            .collect();
        assert_eq!(ids, [vec!["mid", "old"], vec!["new"], vec![]]);
        assert_eq!(got[0].latest_scored().map(|r| r.id.as_str()), Some("mid"));
        assert_eq!(got[1].latest_scored(), None, "no answered image yet");
    }
}
