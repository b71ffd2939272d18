//! One session folder on disk: create it, open it, rewrite its `session.json`, reach its journal.
//!
//! `session.json` is only ever replaced atomically; `results.jsonl` is only ever appended to
//! (through `Journal`). Never deletes anything.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::SessionError;
use super::atomic::write_atomic;
use super::clock::UtcTime;
use super::journal::{Journal, ResultsLog, read_results};
use super::lock::SessionLock;
use super::meta::{SessionMeta, SessionStatus};

/// File name of the session metadata.
pub const META_FILE: &str = "session.json";
/// File name of the results journal.
pub const RESULTS_FILE: &str = "results.jsonl";

/// A session folder and its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The session folder.
    pub dir: PathBuf,
    /// The contents of `session.json` (call [`Session::save_meta`] after changing it).
    pub meta: SessionMeta,
}

impl Session {
    /// Creates `dir` (and parents) and writes `session.json`; fails if one is already there,
    /// and refuses a folder holding anything else (a foreign `results.jsonl` is never
    /// appended to).
    pub fn create(dir: &Path, meta: SessionMeta) -> Result<Session, SessionError> {
        fs::create_dir_all(dir).map_err(|e| SessionError::io("create folder", dir, e))?;
        if dir.join(META_FILE).exists() {
            return Err(SessionError::AlreadyExists {
                dir: dir.to_path_buf(),
            });
        }
        let mut entries = fs::read_dir(dir).map_err(|e| SessionError::io("read folder", dir, e))?;
        if entries.next().is_some() {
            return Err(SessionError::ForeignFolder {
                dir: dir.to_path_buf(),
            });
        }
        let session = Session {
            dir: dir.to_path_buf(),
            meta,
        };
        session.save_meta()?;
        Ok(session)
    }

    /// Opens an existing session folder by reading its `session.json`.
    pub fn open(dir: &Path) -> Result<Session, SessionError> {
        let path = dir.join(META_FILE);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(SessionError::NotASession {
                    dir: dir.to_path_buf(),
                });
            }
            Err(e) => return Err(SessionError::io("read", path, e)),
        };
        let meta = serde_json::from_slice(&bytes)
            .map_err(|source| SessionError::CorruptMeta { path, source })?;
        Ok(Session {
            dir: dir.to_path_buf(),
            meta,
        })
    }

    /// Rewrites `session.json` from `self.meta`, atomically.
    pub fn save_meta(&self) -> Result<(), SessionError> {
        let mut json =
            serde_json::to_vec_pretty(&self.meta).map_err(|source| SessionError::Encode {
                what: "session metadata",
                source,
            })?;
        json.push(b'\n');
        write_atomic(&self.dir.join(META_FILE), &json)
    }

    /// Path of this session's `results.jsonl`.
    pub fn results_path(&self) -> PathBuf {
        self.dir.join(RESULTS_FILE)
    }

    /// Reads the results recorded so far (see [`read_results`]).
    pub fn read_results(&self) -> Result<ResultsLog, SessionError> {
        read_results(&self.results_path())
    }

    /// Takes the session's lock (see [`SessionLock`]), then opens the results journal for
    /// appending; the journal holds the lock until it is dropped.
    pub fn journal(&self) -> Result<Journal, SessionError> {
        let lock = SessionLock::acquire(&self.dir)?;
        Journal::open(&self.results_path()).map(|journal| journal.holding(lock))
    }
}

/// Records how the run of the session in `dir` ended: `status` and the end time, in
/// `session.json` (replaced atomically).
pub fn record_end(dir: &Path, status: SessionStatus) -> Result<(), SessionError> {
    let mut session = Session::open(dir)?;
    session.meta.status = status;
    session.meta.ended_at = Some(super::clock::now_rfc3339());
    session.save_meta()
}

/// A new, not yet existing folder under `root` named `YYYYMMDD-HHMMSS-<template slug>` (UTC
/// now), with `-2`, `-3`... appended on collision. The folder name is the session id.
pub fn default_session_dir(root: &Path, template_name: &str) -> PathBuf {
    unique_dir(root, &session_id(UtcTime::now(), template_name))
}

/// `YYYYMMDD-HHMMSS-<slug>` for a session started at `at` with template `template_name`.
pub fn session_id(at: UtcTime, template_name: &str) -> String {
    format!("{}-{}", at.compact(), slug(template_name))
}

fn unique_dir(root: &Path, id: &str) -> PathBuf {
    let first = root.join(id);
    if !first.exists() {
        return first;
    }
    (2u32..)
        .map(|n| root.join(format!("{id}-{n}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Lowercase ASCII letters and digits, other runs collapsed to one '-', at most 40 chars.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "session".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::meta::SessionStatus;
    use crate::session::meta::tests::sample_meta;

    #[test]
    fn slugs() {
        let cases = [
            ("mnist-digits", "mnist-digits"),
            ("MNIST Digits v2!", "mnist-digits-v2"),
            ("  __weird__  ", "weird"),
            ("", "session"),
            ("日本語", "session"),
            ("café/../x", "caf-x"),
            (&"a".repeat(80), &"a".repeat(40)),
        ];
        for (name, want) in cases {
            assert_eq!(slug(name), want, "{name:?}");
        }
    }

    #[test]
    fn session_id_joins_time_and_slug() {
        let at = UtcTime::from_unix(1_795_962_612);
        assert_eq!(
            session_id(at, "MNIST digits"),
            "20261129-143012-mnist-digits"
        );
    }

    #[test]
    fn default_dir_is_unique() {
        let root = tempfile::tempdir().unwrap();
        let first = default_session_dir(root.path(), "t");
        fs::create_dir_all(&first).unwrap();
        let second = default_session_dir(root.path(), "t");
        assert_ne!(first, second);
        // Within the same second the suffix is -2; a second later it is a fresh name.
        let name = second.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.ends_with("-t-2") || name.ends_with("-t"), "{name}");
        assert_eq!(unique_dir(root.path(), "x"), root.path().join("x"));
        fs::create_dir_all(root.path().join("x")).unwrap();
        fs::create_dir_all(root.path().join("x-2")).unwrap();
        assert_eq!(unique_dir(root.path(), "x"), root.path().join("x-3"));
    }

    #[test]
    fn create_open_save_round_trip() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("deep/s1");
        let meta = sample_meta("s1", "2026-11-29T14:30:12Z");
        let mut session = Session::create(&dir, meta.clone()).unwrap();
        assert_eq!(Session::open(&dir).unwrap().meta, meta);

        session.meta.status = SessionStatus::Finished;
        session.meta.ended_at = Some("2026-11-29T15:00:00Z".into());
        session.save_meta().unwrap();
        let reopened = Session::open(&dir).unwrap();
        assert_eq!(reopened, session);
        // Only session.json is left: no temp files.
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, [META_FILE]);
    }

    #[test]
    fn create_refuses_an_existing_session() {
        let root = tempfile::tempdir().unwrap();
        let meta = sample_meta("s", "t");
        Session::create(root.path(), meta.clone()).unwrap();
        let err = Session::create(root.path(), meta).unwrap_err();
        assert!(matches!(err, SessionError::AlreadyExists { .. }), "{err}");
    }

    #[test]
    fn create_refuses_a_foreign_non_empty_folder() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join(RESULTS_FILE), "{\"mine\": true}\n").unwrap();
        let err = Session::create(root.path(), sample_meta("s", "t")).unwrap_err();
        assert!(matches!(err, SessionError::ForeignFolder { .. }), "{err}");
        assert!(err.to_string().contains("not empty"), "{err}");
        assert_eq!(
            fs::read_to_string(root.path().join(RESULTS_FILE)).unwrap(),
            "{\"mine\": true}\n"
        );
        assert!(!root.path().join(META_FILE).exists());
    }

    #[test]
    fn one_journal_per_session_at_a_time() {
        let root = tempfile::tempdir().unwrap();
        let session = Session::create(root.path(), sample_meta("s", "t")).unwrap();
        let journal = session.journal().unwrap();
        let err = session.journal().unwrap_err();
        assert!(matches!(err, SessionError::InUse { .. }), "{err}");
        drop(journal);
        assert!(session.journal().is_ok());
    }

    #[test]
    fn open_errors_name_the_folder() {
        let root = tempfile::tempdir().unwrap();
        let err = Session::open(root.path()).unwrap_err();
        assert!(matches!(err, SessionError::NotASession { .. }));
        assert!(err.to_string().contains(&root.path().display().to_string()));

        fs::write(root.path().join(META_FILE), "{\"id\": 3").unwrap();
        let err = Session::open(root.path()).unwrap_err();
        assert!(matches!(err, SessionError::CorruptMeta { .. }));
        assert!(err.to_string().contains("session.json"), "{err}");
    }

    #[test]
    fn journal_and_results_go_through_the_folder() {
        let root = tempfile::tempdir().unwrap();
        let session = Session::create(root.path(), sample_meta("s", "t")).unwrap();
        assert!(session.read_results().unwrap().results.is_empty());
        let r = crate::session::journal::tests::item("a.png", "1");
        session.journal().unwrap().append(&r).unwrap();
        assert_eq!(session.read_results().unwrap().results, [r]);
        assert_eq!(session.results_path(), root.path().join(RESULTS_FILE));
    }
}
