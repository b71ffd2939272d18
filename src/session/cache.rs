//! The answer cache: model answers stored by a digest of everything that shaped the request
//! ([`CacheKey`]), in one SQLite database (`answers.sqlite3` in the cache folder, WAL mode).
//!
//! Lookups read through a shared connection (a few microseconds, no thread hop); stores are
//! handed to one writer thread that commits them in batches, so storing never waits on disk.
//! [`AnswerCache::flush`] waits until everything handed over is committed (the engine calls
//! it when a run ends). Several squint processes can share the cache: SQLite's WAL lets
//! readers and a writer work at once. A cache that cannot be opened (locked past the wait,
//! not a database) is an error for the caller, who runs without it; a store that fails later
//! is dropped with a warning. The old per-file cache is converted on first open.
//! Never decides what is cacheable (only deterministic requests should be; the caller
//! decides) and never evicts on its own (`squint cache prune` does).

mod key;
mod legacy;
mod store;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::SessionError;
use store::{Store, key_bytes};
use writer::{Hurry, Write};

pub use key::{CacheKey, ImageKeys};
use store::DB_FILE;

/// A cached model answer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CachedAnswer {
    /// The raw answer text.
    pub answer: String,
    /// Generated tokens, as the server counted them.
    pub eval_count: Option<u64>,
    /// Prompt tokens, as the server counted them.
    pub prompt_eval_count: Option<u64>,
    /// Generation time in nanoseconds, as the server measured it.
    pub eval_duration_ns: Option<u64>,
    /// Confidence from logprobs, when known.
    pub confidence: Option<f64>,
    /// The answer's logprobs up to the token carrying the label (a JSON list of
    /// `backend::TokenLogprob`), when the server gave them; older rows may hold another shape,
    /// read as none.
    pub logprobs: Option<serde_json::Value>,
}

/// The answer cache of one data folder. Cheap to clone; the writer thread ends (after
/// committing what is left) when the last clone is dropped.
#[derive(Clone)]
pub struct AnswerCache {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    reader: Mutex<Store>,
    writer: Sender<Write>,
    /// Ends the writer's gathering window early (a flush, the last clone gone).
    hurry: Arc<Hurry>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // What is left is committed at once, not at the end of the window.
        self.hurry.now();
    }
}

impl std::fmt::Debug for AnswerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerCache")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// What `squint cache stats` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// The database file.
    pub path: PathBuf,
    /// Answers stored.
    pub answers: u64,
    /// Bytes on disk (the database, its write-ahead log and index).
    pub bytes: u64,
    /// When the oldest answer was stored (RFC 3339 UTC), if any.
    pub oldest: Option<String>,
    /// When the newest answer was stored (RFC 3339 UTC), if any.
    pub newest: Option<String>,
}

impl AnswerCache {
    /// Opens (creating if needed) the cache in folder `dir`, converting an old per-file cache
    /// found there. Returns the cache and, when something was converted or ignored, a sentence
    /// for the user.
    pub fn open(dir: &Path) -> Result<(AnswerCache, Option<String>), SessionError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| SessionError::io("create cache folder", dir, e))?;
        let path = Self::database_in(dir);
        let mut write_store = Store::open(&path)?;
        let note = legacy::convert(dir, &mut write_store);
        let reader = Store::open(&path)?.for_lookups();
        let (tx, rx) = channel();
        let thread_path = path.clone();
        let hurry = Arc::new(Hurry::default());
        let writer_hurry = Arc::clone(&hurry);
        std::thread::Builder::new()
            .name("squint-cache".into())
            .spawn(move || writer::run(write_store, &rx, &writer_hurry, &thread_path))
            .map_err(|e| SessionError::io("start the cache writer for", &path, e))?;
        Ok((
            AnswerCache {
                inner: Arc::new(Inner {
                    path,
                    reader: Mutex::new(reader),
                    writer: tx,
                    hurry,
                }),
            },
            note,
        ))
    }

    /// The database file of the cache in folder `dir`: where it is, or would be created.
    pub fn database_in(dir: &Path) -> PathBuf {
        dir.join(DB_FILE)
    }

    /// Whether folder `dir` holds a cache: the database, or an old per-file cache that
    /// [`AnswerCache::open`] converts. A database whose presence cannot be checked (the folder
    /// unreadable, or a file) counts as one, so opening it says what is wrong.
    pub fn exists_in(dir: &Path) -> bool {
        !matches!(Self::database_in(dir).try_exists(), Ok(false)) || legacy::present(dir)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The answer stored under `key` (a [`CacheKey::digest`]); a missing entry, a malformed
    /// key or a database error is `None` (a miss).
    pub fn get(&self, key: &str) -> Option<CachedAnswer> {
        let key = key_bytes(key)?;
        let store = self
            .inner
            .reader
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match store.get(&key) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(
                    "answer cache {}: lookup failed: {e}",
                    self.inner.path.display()
                );
                None
            }
        }
    }

    /// The answers stored under `keys` (each a [`CacheKey::digest`]), in order, looked up in
    /// one read transaction. A missing entry or a malformed key is `None` at its place; a
    /// database error makes every one `None` (misses), with a warning.
    pub fn get_many(&self, keys: &[&str]) -> Vec<Option<CachedAnswer>> {
        let parsed: Vec<Option<[u8; 32]>> = keys.iter().map(|k| key_bytes(k)).collect();
        let valid: Vec<[u8; 32]> = parsed.iter().flatten().copied().collect();
        let mut found = if valid.is_empty() {
            Vec::new()
        } else {
            let mut store = self
                .inner
                .reader
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match store.get_many(&valid) {
                Ok(found) => found,
                Err(e) => {
                    tracing::warn!(
                        "answer cache {}: lookup failed: {e}",
                        self.inner.path.display()
                    );
                    vec![None; valid.len()]
                }
            }
        }
        .into_iter();
        parsed
            .iter()
            .map(|key| key.and_then(|_| found.next().flatten()))
            .collect()
    }

    /// Hands `answer` to the writer under `key` (a [`CacheKey::digest`]); returns at once.
    /// It is committed with the next batch, replacing any older answer.
    pub fn put(&self, key: &str, answer: &CachedAnswer) -> Result<(), SessionError> {
        let bytes = key_bytes(key).ok_or_else(|| SessionError::BadCacheKey { key: key.into() })?;
        let write = Write::Put(bytes, Box::new(answer.clone()), unix_now());
        self.sender()
            .send(write)
            .map_err(|_| SessionError::CacheClosed {
                path: self.inner.path.clone(),
            })
    }

    /// Waits until every answer handed over so far is committed (or dropped with a warning).
    /// Blocking: async callers use `spawn_blocking`.
    pub fn flush(&self) {
        let (ack, done) = channel();
        if self.sender().send(Write::Flush(ack)).is_ok() {
            self.inner.hurry.now();
            let _ = done.recv();
        }
    }

    /// Counts and sizes for `squint cache stats`.
    pub fn stats(&self) -> Result<CacheStats, SessionError> {
        self.flush();
        let store = self
            .inner
            .reader
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (answers, oldest, newest) = store.counts().map_err(|source| SessionError::Cache {
            path: self.inner.path.clone(),
            source,
        })?;
        let time = |t: Option<i64>| {
            t.and_then(|t| u64::try_from(t).ok())
                .map(|t| crate::session::UtcTime::from_unix(t).rfc3339())
        };
        Ok(CacheStats {
            path: self.inner.path.clone(),
            answers,
            bytes: disk_bytes(&self.inner.path),
            oldest: time(oldest),
            newest: time(newest),
        })
    }

    /// Deletes the answers stored more than `older_than` ago (every answer when `None`) and
    /// shrinks the file; returns how many were deleted.
    pub fn prune(&self, older_than: Option<std::time::Duration>) -> Result<usize, SessionError> {
        self.flush();
        let cutoff = older_than
            .map(|age| unix_now().saturating_sub(i64::try_from(age.as_secs()).unwrap_or(i64::MAX)));
        let mut store = self
            .inner
            .reader
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        store.prune(cutoff).map_err(|source| SessionError::Cache {
            path: self.inner.path.clone(),
            source,
        })
    }

    fn sender(&self) -> &Sender<Write> {
        &self.inner.writer
    }
}

/// Bytes the database at `db` occupies with its log and index.
fn disk_bytes(db: &Path) -> u64 {
    store::files(db)
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
