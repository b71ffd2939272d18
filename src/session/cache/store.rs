//! The answer cache's SQLite file: schema, pragmas, lookups, batched inserts, stats, pruning.
//! WAL mode with `synchronous = NORMAL`: a commit is one append to the write-ahead log (no
//! fsync per answer); a crash of squint loses nothing committed, a power cut at most the last
//! batches (the sessions' journals hold every result anyway). Readers never wait for the
//! writer. Never decides what is cacheable and never touches session folders.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::CachedAnswer;
use crate::session::SessionError;

/// The database file inside the cache folder.
pub(super) const DB_FILE: &str = "answers.sqlite3";

/// How long a statement waits for another process's write lock before giving up.
const BUSY_WAIT: Duration = Duration::from_millis(250);

/// Most memory the lookup connection's page cache may take, in KiB (SQLite's default is
/// 2 MiB): a cached re-run looks up answers all over the file, and with the default each
/// lookup in a large cache read its pages from the file again. Grows only as pages are read.
const LOOKUP_PAGE_CACHE_KIB: i64 = 32 * 1024;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS answers (
    key BLOB PRIMARY KEY NOT NULL,
    answer TEXT NOT NULL,
    eval_count INTEGER,
    prompt_eval_count INTEGER,
    eval_duration_ns INTEGER,
    confidence REAL,
    logprobs TEXT,
    stored_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS answers_stored_at ON answers (stored_at);
";

const SELECT_ANSWER: &str =
    "SELECT answer, eval_count, prompt_eval_count, eval_duration_ns, confidence, logprobs
     FROM answers WHERE key = ?1";

/// A row of [`SELECT_ANSWER`] as an answer.
fn answer_of_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CachedAnswer> {
    let logprobs: Option<String> = r.get(5)?;
    Ok(CachedAnswer {
        answer: r.get(0)?,
        eval_count: r.get::<_, Option<i64>>(1)?.map(from_sql_u64),
        prompt_eval_count: r.get::<_, Option<i64>>(2)?.map(from_sql_u64),
        eval_duration_ns: r.get::<_, Option<i64>>(3)?.map(from_sql_u64),
        confidence: r.get(4)?,
        logprobs: logprobs.and_then(|text| serde_json::from_str(&text).ok()),
    })
}

/// One connection to the cache database.
pub(super) struct Store {
    conn: Connection,
}

/// A digest as stored: the 32 bytes of a lowercase hex SHA-256; `None` for anything else.
pub(super) fn key_bytes(key: &str) -> Option<[u8; 32]> {
    if key.len() != 64 || !key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(key, &mut out).ok()?;
    Some(out)
}

fn db_error(path: &Path, source: rusqlite::Error) -> SessionError {
    SessionError::Cache {
        path: path.to_path_buf(),
        source,
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` in WAL mode and makes sure the table
    /// exists. A file that is not a database, or one locked past [`BUSY_WAIT`], is an error.
    pub(super) fn open(path: &Path) -> Result<Store, SessionError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| db_error(path, e))?;
        let setup = || -> rusqlite::Result<()> {
            conn.busy_timeout(BUSY_WAIT)?;
            let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!("answer cache: journal mode is {mode}, not wal");
            }
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.execute_batch(SCHEMA)
        };
        setup().map_err(|e| db_error(path, e))?;
        Ok(Store { conn })
    }

    /// Lets this connection keep up to 32 MiB of pages (for the one that looks answers up);
    /// a refusal only costs speed.
    pub(super) fn for_lookups(self) -> Store {
        // A negative size is in KiB.
        if let Err(e) = self
            .conn
            .pragma_update(None, "cache_size", -LOOKUP_PAGE_CACHE_KIB)
        {
            tracing::warn!("answer cache: page cache size not set: {e}");
        }
        self
    }

    /// The answer stored under `key`, if any.
    pub(super) fn get(&self, key: &[u8; 32]) -> rusqlite::Result<Option<CachedAnswer>> {
        let mut stmt = self.conn.prepare_cached(SELECT_ANSWER)?;
        stmt.query_row([key.as_slice()], answer_of_row).optional()
    }

    /// The answers stored under `keys`, in order, read in one transaction: one read lock of
    /// the log for the whole batch instead of one per key.
    pub(super) fn get_many(
        &mut self,
        keys: &[[u8; 32]],
    ) -> rusqlite::Result<Vec<Option<CachedAnswer>>> {
        let tx = self.conn.transaction()?;
        let mut found = Vec::with_capacity(keys.len());
        {
            let mut stmt = tx.prepare_cached(SELECT_ANSWER)?;
            for key in keys {
                found.push(stmt.query_row([key.as_slice()], answer_of_row).optional()?);
            }
        }
        tx.commit()?;
        Ok(found)
    }

    /// Stores every `(key, answer, stored_at)` in one transaction, replacing older answers.
    pub(super) fn put_batch(
        &mut self,
        batch: &[([u8; 32], CachedAnswer, i64)],
    ) -> rusqlite::Result<()> {
        self.insert(batch, OnConflict::Replace).map(|_| ())
    }

    /// Inserts answers converted from elsewhere, keeping any answer already stored.
    pub(super) fn import(
        &mut self,
        batch: &[([u8; 32], CachedAnswer, i64)],
    ) -> rusqlite::Result<usize> {
        self.insert(batch, OnConflict::Keep)
    }

    /// Inserts `batch` in one transaction; returns how many rows were written.
    fn insert(
        &mut self,
        batch: &[([u8; 32], CachedAnswer, i64)],
        on_conflict: OnConflict,
    ) -> rusqlite::Result<usize> {
        let verb = match on_conflict {
            OnConflict::Replace => "INSERT OR REPLACE",
            OnConflict::Keep => "INSERT OR IGNORE",
        };
        let tx = self.conn.transaction()?;
        let mut written = 0;
        {
            let mut stmt = tx.prepare_cached(&format!(
                "{verb} INTO answers
                 (key, answer, eval_count, prompt_eval_count, eval_duration_ns, confidence, logprobs, stored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ))?;
            for (key, a, stored_at) in batch {
                let logprobs = a.logprobs.as_ref().map(ToString::to_string);
                written += stmt.execute(params![
                    key.as_slice(),
                    a.answer,
                    a.eval_count.map(to_sql_u64),
                    a.prompt_eval_count.map(to_sql_u64),
                    a.eval_duration_ns.map(to_sql_u64),
                    a.confidence,
                    logprobs,
                    stored_at,
                ])?;
            }
        }
        tx.commit()?;
        Ok(written)
    }

    /// Entry count and the oldest and newest store times (Unix seconds).
    pub(super) fn counts(&self) -> rusqlite::Result<(u64, Option<i64>, Option<i64>)> {
        self.conn.query_row(
            "SELECT count(*), min(stored_at), max(stored_at) FROM answers",
            [],
            |r| Ok((from_sql_u64(r.get(0)?), r.get(1)?, r.get(2)?)),
        )
    }

    /// Deletes the answers stored before `cutoff` (Unix seconds; `None`: all of them), then
    /// gives the freed pages back to the file system. Returns how many were deleted.
    pub(super) fn prune(&mut self, cutoff: Option<i64>) -> rusqlite::Result<usize> {
        let deleted = match cutoff {
            Some(cutoff) => self
                .conn
                .execute("DELETE FROM answers WHERE stored_at < ?1", [cutoff])?,
            None => self.conn.execute("DELETE FROM answers", [])?,
        };
        if deleted > 0 {
            self.conn.execute_batch("VACUUM")?;
        }
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(deleted)
    }
}

/// The files the database occupies: the main file and its write-ahead log and index.
pub(super) fn files(db: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

/// SQLite integers are signed 64-bit: a u64 is stored by its bits, so every value comes back
/// exactly.
fn to_sql_u64(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

fn from_sql_u64(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

/// What an insert does with a key the cache already holds.
#[derive(Clone, Copy)]
enum OnConflict {
    /// The new answer replaces it (a fresh answer from the server).
    Replace,
    /// The stored answer stays (answers converted from an older cache).
    Keep,
}
