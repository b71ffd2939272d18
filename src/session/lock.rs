//! The exclusive lock on a session folder, held for the life of a run so that two runs (two
//! `--resume`s, or a resume while the workbench runs the same session) never append to one
//! journal. An OS file lock on `squint.lock` (released by the kernel when the process dies,
//! so a `kill -9` never leaves a stale lock); the file holds the owner's process id for the
//! message the second run prints. Never deletes the lock file and never waits for a lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::SessionError;

/// File name of the lock inside a session folder.
pub const LOCK_FILE: &str = "squint.lock";

/// A held session lock; dropping it releases the lock.
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
}

impl SessionLock {
    /// Takes the lock on `dir` without waiting; [`SessionError::InUse`] names the process
    /// holding it.
    pub fn acquire(dir: &Path) -> Result<SessionLock, SessionError> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| SessionError::io("open the session lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(SessionError::InUse {
                    dir: dir.to_path_buf(),
                    pid: text.trim().parse().ok(),
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(SessionError::io("lock", &path, e));
            }
        }
        let written = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()));
        if let Err(e) = written {
            tracing::warn!("cannot record the process id in {}: {e}", path.display());
        }
        Ok(SessionLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_naming_the_process_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = SessionLock::acquire(dir.path()).unwrap();
        let err = SessionLock::acquire(dir.path()).unwrap_err();
        match &err {
            SessionError::InUse { pid, .. } => assert_eq!(*pid, Some(std::process::id())),
            other => panic!("{other}"),
        }
        let text = err.to_string();
        assert!(
            text.contains("in use by process") && text.contains(&std::process::id().to_string()),
            "{text}"
        );
        drop(first);
        assert!(SessionLock::acquire(dir.path()).is_ok());
    }
}
