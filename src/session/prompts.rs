//! Saved prompt versions: every template the workbench's editor saves, kept under the data dir
//! per dataset as `<root>/<dataset folder name>-<path hash>/v<N>-<content hash>.toml` (the
//! full text as typed; the content hash is the template's fingerprint, as sessions record it).
//! Never rewrites or deletes a version, and never touches the user's own template files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::SessionError;
use super::atomic::write_atomic;

/// One saved version of a dataset's prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptVersion {
    /// 1, 2, 3... in the order saved.
    pub number: u32,
    /// The template file.
    pub path: PathBuf,
    /// The template's fingerprint (`Template::fingerprint`).
    pub fingerprint: String,
}

/// The folder holding `dataset`'s prompt versions under `root`.
pub fn prompt_versions_dir(root: &Path, dataset: &Path) -> PathBuf {
    let name: String = dataset
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    let digest = hex::encode(Sha256::digest(dataset.to_string_lossy().as_bytes()));
    root.join(format!("{name}-{}", &digest[..12]))
}

/// The versions in `dir`, oldest first. A missing folder has none; stray files are skipped.
pub fn list_versions(dir: &Path) -> Vec<PromptVersion> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PromptVersion> = entries
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let stem = path.file_stem()?.to_str()?.to_owned();
            if path.extension()? != "toml" {
                return None;
            }
            let (number, fingerprint) = stem.strip_prefix('v')?.split_once('-')?;
            Some(PromptVersion {
                number: number.parse().ok()?,
                fingerprint: fingerprint.to_owned(),
                path,
            })
        })
        .collect();
    out.sort_by_key(|v| v.number);
    out
}

/// Saves `text` as the next version unless a version with the same fingerprint exists (then
/// that one is returned and nothing is written). Returns the version and whether it is new.
pub fn save_version(
    dir: &Path,
    text: &str,
    fingerprint: &str,
) -> Result<(PromptVersion, bool), SessionError> {
    let existing = list_versions(dir);
    if let Some(v) = existing.iter().find(|v| v.fingerprint == fingerprint) {
        return Ok((v.clone(), false));
    }
    fs::create_dir_all(dir).map_err(|e| SessionError::io("create folder", dir, e))?;
    let number = existing.last().map_or(1, |v| v.number + 1);
    let path = dir.join(format!("v{number}-{fingerprint}.toml"));
    if path.exists() {
        return Err(SessionError::io(
            "write",
            &path,
            io::Error::new(io::ErrorKind::AlreadyExists, "version file exists"),
        ));
    }
    write_atomic(&path, text.as_bytes())?;
    Ok((
        PromptVersion {
            number,
            path,
            fingerprint: fingerprint.to_owned(),
        },
        true,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_numbers_and_deduplicates() {
        let root = tempfile::tempdir().unwrap();
        let dir = prompt_versions_dir(root.path(), Path::new("/data/my digits"));
        assert!(
            dir.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("my-digits-")
        );
        assert!(list_versions(&dir).is_empty());
        let (v1, new) = save_version(&dir, "prompt = \"a\"\n", "aaa").unwrap();
        assert!(new && v1.number == 1);
        let (v2, new) = save_version(&dir, "prompt = \"b\"\n", "bbb").unwrap();
        assert!(new && v2.number == 2);
        let (again, new) = save_version(&dir, "prompt = \"a\" # same\n", "aaa").unwrap();
        assert!(!new);
        assert_eq!(again, v1);
        assert_eq!(fs::read_to_string(&v2.path).unwrap(), "prompt = \"b\"\n");
        fs::write(dir.join("notes.txt"), "x").unwrap();
        let numbers: Vec<u32> = list_versions(&dir).iter().map(|v| v.number).collect();
        assert_eq!(numbers, [1, 2]);
        assert_ne!(
            prompt_versions_dir(root.path(), Path::new("/other/my digits")),
            dir
        );
    }
}
