//! The one error type of the session store (folders, journal, cache).
//!
//! Every message names the file or folder involved and says what to do. Never used for
//! per-line problems in `results.jsonl`: those are reported as data in `ResultsLog`.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// Why a session folder, journal or cache operation failed.
#[derive(Debug, Error)]
pub enum SessionError {
    /// The answer cache's database cannot be opened or used.
    #[error(
        "cannot use the answer cache {}: {source}; delete that file to start an empty cache (it only holds copies of answers: every result is in its session)",
        path.display()
    )]
    Cache {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The answer cache's writer thread is gone.
    #[error("the answer cache {} stopped taking answers", path.display())]
    CacheClosed {
        /// The database file.
        path: PathBuf,
    },
    /// A filesystem call failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "create folder".
        action: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// `Session::create` was pointed at a folder that already holds a session.
    #[error(
        "{} already holds a squint session (session.json); choose another folder or resume that session",
        dir.display()
    )]
    AlreadyExists {
        /// The folder given.
        dir: PathBuf,
    },
    /// Another squint process runs this session right now.
    #[error(
        "session {} is in use by {}; wait for that run to end (or stop it), then resume",
        dir.display(),
        pid.map_or_else(|| "another process".to_owned(), |p| format!("process {p}"))
    )]
    InUse {
        /// The session folder.
        dir: PathBuf,
        /// The process holding the lock, when it could be read.
        pid: Option<u32>,
    },
    /// `--out` names a folder that holds other files but no squint session.
    #[error(
        "{} is not empty and is not a squint session (no session.json there); give a new or empty folder to --out",
        dir.display()
    )]
    ForeignFolder {
        /// The folder given.
        dir: PathBuf,
    },
    /// The folder has no `session.json`.
    #[error(
        "{} is not a squint session folder (no session.json there); give a folder created by `squint run`",
        dir.display()
    )]
    NotASession {
        /// The folder given.
        dir: PathBuf,
    },
    /// `session.json` exists but is not valid.
    #[error(
        "session file {} is corrupt ({source}); fix or remove that folder, or start a new session",
        path.display()
    )]
    CorruptMeta {
        /// The `session.json` path.
        path: PathBuf,
        /// The JSON error, with line and column.
        source: serde_json::Error,
    },
    /// A value could not be encoded as JSON (should not happen for squint's own types).
    #[error("cannot encode {what} as JSON: {source}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A cache key that is not a lowercase hex digest.
    #[error("invalid answer-cache key {key:?}: expected the hex digest from CacheKey::digest")]
    BadCacheKey {
        /// The key given.
        key: String,
    },
}

impl SessionError {
    /// True when there is no room to write (disk full, over quota, past a file-size limit):
    /// not a problem with the input.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Self::Io { source, .. } if is_disk_full(source))
    }

    /// Shorthand for building an [`SessionError::Io`].
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// True when there is no room to write: "no space left on device", "disk quota exceeded",
/// or "file too large" (a file-size limit, `ulimit -f`, or the filesystem's largest file).
/// The remedy is the same for all three (make room, then resume), and none is the server's.
pub(super) fn is_disk_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded | io::ErrorKind::FileTooLarge
    )
}
