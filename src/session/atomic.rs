//! Atomic file replacement: write a temp file in the same folder, sync it, rename it over.
//!
//! Readers see either the old file or the new one, never a half-written one, even with
//! concurrent writers or a crash. Never writes outside the target's own folder.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::SessionError;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `bytes` atomically. The parent folder must exist.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SessionError> {
    let tmp = temp_path(path);
    let result = write_then_rename(&tmp, path, bytes);
    if result.is_err() {
        // Best effort: a leftover temp file is harmless but untidy.
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_then_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> Result<(), SessionError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(|e| SessionError::io("create temporary file", tmp, e))?;
    file.write_all(bytes)
        .map_err(|e| SessionError::io("write", tmp, e))?;
    file.sync_all()
        .map_err(|e| SessionError::io("sync", tmp, e))?;
    drop(file);
    fs::rename(tmp, path).map_err(|e| SessionError::io("replace", path, e))
}

/// A name unique to this process and call: `.NAME.PID.N.tmp` beside `path`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        for content in ["first", "second, longer content", "3"] {
            write_atomic(&path, content.as_bytes()).unwrap();
            assert_eq!(fs::read_to_string(&path).unwrap(), content);
        }
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn temp_names_are_unique_and_hidden_beside_the_target() {
        let a = temp_path(Path::new("/x/session.json"));
        let b = temp_path(Path::new("/x/session.json"));
        assert_ne!(a, b);
        assert_eq!(a.parent(), Some(Path::new("/x")));
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(".session.json.") && name.ends_with(".tmp"),
            "{name}"
        );
    }

    #[test]
    fn missing_folder_is_an_error_naming_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("nope/f.json"), b"x").unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
