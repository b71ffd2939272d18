//! Crash-safe session folders, the append-only results journal, and the answer cache.
//!
//! A session folder (by default `paths::sessions_dir()/YYYYMMDD-HHMMSS-<template>`; the
//! folder name is the session id) holds two data files and `squint.lock` (an OS file lock
//! held by the one process running the session, see [`SessionLock`]), plus any
//! `report.<format>` the workbench exported:
//!
//! - `session.json`: one pretty-printed [`SessionMeta`] (what was run, how it ended). It is
//!   only ever replaced atomically (temp file in the same folder, fsync, rename), so it is
//!   always either the old or the new version, never half of one.
//! - `results.jsonl`: one [`ItemResult`](crate::domain::result::ItemResult) JSON object per
//!   line, `\n`-terminated, append-only. Each line is written with a single `write_all`, so a
//!   `kill -9` loses at most the items in flight. Readers ([`read_results`]) ignore a torn last
//!   line (`torn_tail`), skip and report invalid lines in the middle (`bad_lines`), and let a
//!   later line for the same image replace an earlier one (re-runs append). When a journal is
//!   reopened after a crash left it without a final `\n`, the next append starts with `\n`.
//!
//! The answer cache ([`AnswerCache`], under `paths::cache_dir()`) stores answers by
//! [`CacheKey::digest`] in one SQLite database (`answers.sqlite3`, WAL mode, batched commits
//! from one writer thread); a missing or unreadable entry is a miss.
//!
//! All of this is blocking `std::fs`; async callers use `spawn_blocking`. This module never
//! deletes sessions or results, never stores API keys (only the variable's name), and never
//! talks to the network.

mod atomic;
pub(crate) use atomic::write_atomic;
mod cache;
mod clock;
mod compare;
mod corrections;
mod error;
mod folder;
mod journal;
mod list;
mod lock;
mod meta;
mod priors;
mod prompts;
mod version_runs;

pub use cache::{AnswerCache, CacheKey, CacheStats, CachedAnswer, ImageKeys};
pub use clock::{UtcTime, now_rfc3339, unix_from_rfc3339};
pub use compare::{CompareError, SessionComparison, compare_sessions};
pub use corrections::{CORRECTIONS_FILE, CorrectionsLog, append_correction, read_corrections};
pub use error::SessionError;
pub use folder::{META_FILE, RESULTS_FILE, Session, default_session_dir, record_end, session_id};
pub use journal::{Journal, PartlyWritten, ResultsLog, parse_results, read_results};
pub use list::{SUMMARY_COLUMNS, SessionSummary, list_sessions, summarize};
pub use lock::{LOCK_FILE, SessionLock};
#[cfg(test)]
pub(crate) use meta::tests::sample_meta;
pub use meta::{BackendInfo, DatasetInfo, ParentLink, SessionMeta, SessionStatus, TemplateInfo};
pub use priors::{ModelId, SavedPrior, load_prior, prior_path, save_prior};
pub use prompts::{PromptVersion, list_versions, prompt_versions_dir, save_version};
pub use version_runs::{VersionRuns, version_runs};
