//! Content-free estimates (the probe's prior, for the calibrated view) kept under the data
//! folder, one small JSON file per model and prompt: `<data dir>/priors/<digest>.json`, the
//! digest naming the model and the prompt's digest. Kept apart from sessions, so a past session
//! opened read-only is calibrated without writing into it, and every run of the same model and
//! prompt finds it. Never decides what an estimate is for (the caller digests that) and never
//! touches session folders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::SessionError;
use super::atomic::write_atomic;

/// One saved estimate. Field names are a file-format contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPrior {
    /// The model probed.
    pub model: String,
    /// SHA-256 over the template text and the labels it was probed with.
    pub prompt_digest: String,
    /// The prompt as the workbench named it (template and version), for people.
    pub prompt: String,
    /// Each label's content-free probability.
    pub content_free: BTreeMap<String, f64>,
    /// When it was estimated, RFC 3339 UTC.
    pub time: String,
}

/// The file of the estimate for `model` and `prompt_digest` under `root` (the priors folder).
pub fn prior_path(root: &Path, model: &str, prompt_digest: &str) -> PathBuf {
    let mut h = Sha256::new();
    for piece in [model, prompt_digest] {
        h.update((piece.len() as u64).to_le_bytes());
        h.update(piece.as_bytes());
    }
    root.join(format!("{}.json", hex::encode(h.finalize())))
}

/// Saves `prior` under `root` (created if needed), replacing an earlier one of the same model
/// and prompt, atomically; returns the file.
pub fn save_prior(root: &Path, prior: &SavedPrior) -> Result<PathBuf, SessionError> {
    std::fs::create_dir_all(root).map_err(|source| SessionError::Io {
        action: "create folder",
        path: root.to_path_buf(),
        source,
    })?;
    let path = prior_path(root, &prior.model, &prior.prompt_digest);
    let json = serde_json::to_vec_pretty(prior).unwrap_or_default();
    write_atomic(&path, &json)?;
    Ok(path)
}

/// The estimate saved for `model` and `prompt_digest`, if any. A file that cannot be read or
/// does not parse, or one whose model or prompt differ (never trusted), is an error naming it.
pub fn load_prior(
    root: &Path,
    model: &str,
    prompt_digest: &str,
) -> Result<Option<SavedPrior>, String> {
    let path = prior_path(root, model, prompt_digest);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let prior: SavedPrior = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{} is not a saved content-free estimate ({e}); delete it and press P again",
            path.display()
        )
    })?;
    if prior.model != model || prior.prompt_digest != prompt_digest {
        return Err(format!(
            "{} holds the estimate of another model or prompt; delete it and press P again",
            path.display()
        ));
    }
    Ok(Some(prior))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prior(model: &str) -> SavedPrior {
        SavedPrior {
            model: model.into(),
            prompt_digest: "ab".repeat(32),
            prompt: "digits v2".into(),
            content_free: [("3".to_owned(), 0.6), ("5".to_owned(), 0.4)].into(),
            time: "2026-11-30T03:00:00Z".into(),
        }
    }

    #[test]
    fn saved_priors_load_by_model_and_prompt_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("priors");
        let digest = "ab".repeat(32);
        assert_eq!(load_prior(&root, "llava", &digest), Ok(None));
        let path = save_prior(&root, &prior("llava")).unwrap();
        assert_eq!(
            load_prior(&root, "llava", &digest),
            Ok(Some(prior("llava")))
        );
        assert_eq!(load_prior(&root, "qwen", &digest), Ok(None));
        assert_eq!(load_prior(&root, "llava", &"cd".repeat(32)), Ok(None));
        // A file that is not an estimate, or one of another model, is said, not used.
        std::fs::write(&path, "{").unwrap();
        let err = load_prior(&root, "llava", &digest).unwrap_err();
        assert!(
            err.contains("is not a saved content-free estimate"),
            "{err}"
        );
        let other = serde_json::to_vec(&prior("qwen")).unwrap();
        std::fs::write(&path, other).unwrap();
        let err = load_prior(&root, "llava", &digest).unwrap_err();
        assert!(err.contains("another model or prompt"), "{err}");
    }
}
