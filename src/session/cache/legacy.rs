//! Converts the old per-file answer cache (`<dir>/<2 hex>/<64 hex>.json`, one file per answer)
//! into the database once: every readable entry is imported (keeping its file time as its
//! store time), then the old files and their folders are removed. Unreadable entries are
//! skipped and counted. Never fails the caller: anything that goes wrong leaves the old files
//! where they are and says so in the returned note.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::CachedAnswer;
use super::store::{Store, key_bytes};

/// Imports the old cache under `dir` into `store`; `None` when there was none, else a
/// sentence for the user.
pub(super) fn convert(dir: &Path, store: &mut Store) -> Option<String> {
    let shards = old_shards(dir);
    if shards.is_empty() {
        return None;
    }
    let mut entries = Vec::new();
    let mut files = Vec::new();
    let mut skipped = 0usize;
    for shard in &shards {
        let Ok(listing) = fs::read_dir(shard) else {
            continue;
        };
        for entry in listing.flatten() {
            let path = entry.path();
            files.push(path.clone());
            match read_entry(&path) {
                Some(found) => entries.push(found),
                None => skipped += 1,
            }
        }
    }
    let imported = match store.import(&entries) {
        Ok(n) => n,
        Err(e) => {
            return Some(format!(
                "the old per-file answer cache in {} could not be converted ({e}); it is left as it was and not used",
                dir.display()
            ));
        }
    };
    let mut left = 0usize;
    for file in &files {
        if fs::remove_file(file).is_err() {
            left += 1;
        }
    }
    for shard in &shards {
        let _ = fs::remove_dir(shard);
    }
    let mut note = format!(
        "converted the old per-file answer cache in {}: {} answers imported",
        dir.display(),
        entries.len()
    );
    if imported < entries.len() {
        note.push_str(&format!(
            " ({} were already in the database)",
            entries.len() - imported
        ));
    }
    if skipped > 0 {
        note.push_str(&format!(", {skipped} unreadable entries skipped"));
    }
    if left > 0 {
        note.push_str(&format!(", {left} old files could not be removed"));
    }
    Some(note)
}

/// Whether `dir` holds an old per-file cache (at least one shard folder) for [`convert`].
pub(super) fn present(dir: &Path) -> bool {
    !old_shards(dir).is_empty()
}

/// The old cache's shard folders: two lowercase hex characters each.
fn old_shards(dir: &Path) -> Vec<PathBuf> {
    let Ok(listing) = fs::read_dir(dir) else {
        return Vec::new();
    };
    listing
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            e.file_name().to_str().is_some_and(|n| {
                n.len() == 2 && n.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            })
        })
        .map(|e| e.path())
        .collect()
}

/// One old entry: its key from the file name, the answer, and the file's time.
fn read_entry(path: &Path) -> Option<([u8; 32], CachedAnswer, i64)> {
    let stem = path.file_name()?.to_str()?.strip_suffix(".json")?;
    let key = key_bytes(stem)?;
    let bytes = fs::read(path).ok()?;
    let answer: CachedAnswer = serde_json::from_slice(&bytes).ok()?;
    let stored_at = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0);
    Some((key, answer, stored_at))
}
