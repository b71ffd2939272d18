//! Content-free estimates (the probe's prior, for the calibrated view) kept under the data
//! folder, one small JSON file per model and prompt: `<data dir>/priors/<digest>.json`, the
//! digest naming the model (its content digest when the server reports one, so new weights
//! pulled under the same name never find the old estimate; else its name) and the prompt's
//! digest. Kept apart from sessions, so a past session
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
    /// The model probed, by name.
    pub model: String,
    /// The model's content digest as the server reported it; absent when it reports none (the
    /// estimate is then keyed by the name) and in estimates saved before squint keyed by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_digest: Option<String>,
    /// SHA-256 over the template text and the labels it was probed with.
    pub prompt_digest: String,
    /// The prompt as the workbench named it (template and version), for people.
    pub prompt: String,
    /// Each label's content-free probability.
    pub content_free: BTreeMap<String, f64>,
    /// When it was estimated, RFC 3339 UTC.
    pub time: String,
}

/// The model an estimate is for: its name, and its content digest when the server reports one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelId<'a> {
    /// The name asked for.
    pub name: &'a str,
    /// The content digest, when known.
    pub digest: Option<&'a str>,
}

impl ModelId<'_> {
    /// What the estimate is keyed by: the digest when known, else the name.
    pub fn key(&self) -> &str {
        self.digest.unwrap_or(self.name)
    }
}

/// The file of the estimate for the model keyed `model` (its digest, else its name) and
/// `prompt_digest` under `root` (the priors folder).
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
    let id = ModelId {
        name: &prior.model,
        digest: prior.model_digest.as_deref(),
    };
    let path = prior_path(root, id.key(), &prior.prompt_digest);
    let json = serde_json::to_vec_pretty(prior).unwrap_or_default();
    write_atomic(&path, &json)?;
    Ok(path)
}

/// The estimate saved for `model` and `prompt_digest`, if any. A file that cannot be read or
/// does not parse, or one whose model or prompt differ (never trusted), is an error naming it.
/// For a model with a digest, an estimate saved under its name only (before squint keyed by
/// the digest, or while the server reported none) is never used: it may be of other weights,
/// and the error says so. Errors say what is wrong, not what to do (the caller knows).
pub fn load_prior(
    root: &Path,
    model: ModelId<'_>,
    prompt_digest: &str,
) -> Result<Option<SavedPrior>, String> {
    let path = prior_path(root, model.key(), prompt_digest);
    let Some(prior) = read_prior(&path)? else {
        let by_name = prior_path(root, model.name, prompt_digest);
        if model.digest.is_some() && by_name.is_file() {
            return Err(format!(
                "not using the content-free estimate saved for '{}' by name only ({}): it may be \
                 of other weights than the ones the server now has",
                model.name,
                by_name.display(),
            ));
        }
        return Ok(None);
    };
    let same_model = match model.digest {
        Some(digest) => prior.model_digest.as_deref() == Some(digest),
        None => prior.model == model.name && prior.model_digest.is_none(),
    };
    if !same_model || prior.prompt_digest != prompt_digest {
        return Err(format!(
            "{} holds the estimate of another model or prompt; delete it",
            path.display()
        ));
    }
    Ok(Some(prior))
}

/// The estimate in `path`, `None` when there is no such file.
fn read_prior(path: &Path) -> Result<Option<SavedPrior>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!("cannot read {}: {e}", path.display()));
        }
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        format!(
            "{} is not a saved content-free estimate ({e}); delete it",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "sha256:0123456789abcdef";
    const NEW: &str = "sha256:fedcba9876543210";

    fn prior(model: &str, digest: Option<&str>) -> SavedPrior {
        SavedPrior {
            model: model.into(),
            model_digest: digest.map(str::to_owned),
            prompt_digest: "ab".repeat(32),
            prompt: "digits v2".into(),
            content_free: [("3".to_owned(), 0.6), ("5".to_owned(), 0.4)].into(),
            time: "2026-11-30T03:00:00Z".into(),
        }
    }

    fn id<'a>(name: &'a str, digest: Option<&'a str>) -> ModelId<'a> {
        ModelId { name, digest }
    }

    #[test]
    fn saved_priors_load_by_model_and_prompt_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("priors");
        let digest = "ab".repeat(32);
        let llava = id("llava", None);
        assert_eq!(load_prior(&root, llava, &digest), Ok(None));
        let path = save_prior(&root, &prior("llava", None)).unwrap();
        assert_eq!(
            load_prior(&root, llava, &digest),
            Ok(Some(prior("llava", None)))
        );
        assert_eq!(load_prior(&root, id("qwen", None), &digest), Ok(None));
        assert_eq!(load_prior(&root, llava, &"cd".repeat(32)), Ok(None));
        // A file that is not an estimate, or one of another model, is said, not used.
        std::fs::write(&path, "{").unwrap();
        let err = load_prior(&root, llava, &digest).unwrap_err();
        assert!(
            err.contains("is not a saved content-free estimate"),
            "{err}"
        );
        let other = serde_json::to_vec(&prior("qwen", None)).unwrap();
        std::fs::write(&path, other).unwrap();
        let err = load_prior(&root, llava, &digest).unwrap_err();
        assert!(err.contains("another model or prompt"), "{err}");
    }

    #[test]
    fn saved_priors_of_a_model_with_a_digest_follow_its_weights_not_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("priors");
        let digest = "ab".repeat(32);
        save_prior(&root, &prior("llava", Some(OLD))).unwrap();
        assert_eq!(
            load_prior(&root, id("llava", Some(OLD)), &digest),
            Ok(Some(prior("llava", Some(OLD))))
        );
        // The same weights under another name are the same model.
        assert!(matches!(
            load_prior(&root, id("llava:latest", Some(OLD)), &digest),
            Ok(Some(_))
        ));
        // New weights pulled under the same name find nothing.
        assert_eq!(load_prior(&root, id("llava", Some(NEW)), &digest), Ok(None));
        // Nor does a server that reports no digest.
        assert_eq!(load_prior(&root, id("llava", None), &digest), Ok(None));
    }

    #[test]
    fn an_estimate_saved_by_name_only_never_calibrates_a_model_with_a_digest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("priors");
        let digest = "ab".repeat(32);
        // As squint saved estimates before keying them by digest (no model_digest field).
        let mut legacy = serde_json::to_value(prior("llava", None)).unwrap();
        legacy.as_object_mut().unwrap().remove("model_digest");
        std::fs::create_dir_all(&root).unwrap();
        let path = prior_path(&root, "llava", &digest);
        std::fs::write(&path, legacy.to_string()).unwrap();
        let err = load_prior(&root, id("llava", Some(NEW)), &digest).unwrap_err();
        assert!(
            err.starts_with("not using the content-free estimate saved for 'llava' by name only"),
            "{err}"
        );
        assert!(err.contains("other weights"), "{err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
        // A server without digests still finds it.
        assert!(matches!(
            load_prior(&root, id("llava", None), &digest),
            Ok(Some(_))
        ));
        // Once estimated for the weights, that estimate is used.
        save_prior(&root, &prior("llava", Some(NEW))).unwrap();
        assert_eq!(
            load_prior(&root, id("llava", Some(NEW)), &digest),
            Ok(Some(prior("llava", Some(NEW))))
        );
    }
}
