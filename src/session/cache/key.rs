//! The cache key: everything that shaped a request, digested. The digest is a contract with
//! every cache on disk (golden values below): changing the encoding turns every cached answer
//! into a silent miss. Never reads or writes the cache itself.

use sha2::{Digest, Sha256};

use crate::backend::BackendKind;
use crate::domain::template::OutputMode;

/// Everything that determines a model's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    /// The server's protocol.
    pub backend: BackendKind,
    /// Model digest when known, else the model name.
    pub model: String,
    /// System prompt, if any.
    pub system: Option<String>,
    /// Rendered user prompt.
    pub prompt: String,
    /// Generation options as JSON.
    pub options_json: String,
    /// Free text or constrained output.
    pub output: OutputMode,
    /// Labels allowed by constrained output (empty otherwise).
    pub constrained_labels: Vec<String>,
    /// Hex SHA-256 of the image file's bytes.
    pub image_sha256: String,
    /// Longest image side sent, when images are downscaled.
    pub max_side: Option<u32>,
}

impl CacheKey {
    /// Lowercase hex SHA-256 over a length-prefixed encoding of every field, so no two
    /// different keys can encode to the same bytes.
    pub fn digest(&self) -> String {
        self.for_images().digest(&self.image_sha256)
    }

    /// The digest of every field but the image, made once for a run whose requests differ
    /// only in their image; [`ImageKeys::digest`] then gives each image's key as
    /// [`CacheKey::digest`] would (`image_sha256` here is not read).
    pub fn for_images(&self) -> ImageKeys {
        let mut h = Sha256::new();
        h.update(b"squint-answer-cache-v1");
        put(&mut h, backend_spelling(self.backend));
        put(&mut h, &self.model);
        match &self.system {
            None => put(&mut h, "\0none"),
            Some(s) => {
                put(&mut h, "\0some");
                put(&mut h, s);
            }
        }
        put(&mut h, &self.prompt);
        put(&mut h, &self.options_json);
        put(&mut h, output_spelling(self.output));
        put(&mut h, &self.constrained_labels.len().to_string());
        for label in &self.constrained_labels {
            put(&mut h, label);
        }
        ImageKeys {
            before_image: h,
            max_side: self
                .max_side
                .map_or_else(|| "\0none".to_string(), |m| m.to_string()),
        }
    }
}

/// A run's cache keys with only the image left to add (see [`CacheKey::for_images`]).
#[derive(Debug, Clone)]
pub struct ImageKeys {
    /// The hash of every field before the image.
    before_image: Sha256,
    /// The field after the image, spelled.
    max_side: String,
}

impl ImageKeys {
    /// The key of the image with hex digest `image_sha256`.
    pub fn digest(&self, image_sha256: &str) -> String {
        let mut h = self.before_image.clone();
        put(&mut h, image_sha256);
        put(&mut h, &self.max_side);
        hex::encode(h.finalize())
    }
}

/// Adds `s` length-prefixed.
fn put(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// How a protocol is spelled inside the digest. Fixed here, apart from any serde or Debug
/// name, so renaming a variant can never silently invalidate every cached answer.
fn backend_spelling(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Ollama => "ollama",
        BackendKind::Openai => "openai",
    }
}

/// How an output mode is spelled inside the digest (capitalised: version 1 keys were built
/// from the Debug name, and existing caches must keep matching).
fn output_spelling(output: OutputMode) -> &'static str {
    match output {
        OutputMode::Free => "Free",
        OutputMode::Constrained => "Constrained",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> CacheKey {
        CacheKey {
            backend: BackendKind::Ollama,
            model: "sha256:abc".into(),
            system: Some("You classify digits.".into()),
            prompt: "Which digit?".into(),
            options_json: json!({"temperature": 0, "seed": 1}).to_string(),
            output: OutputMode::Free,
            constrained_labels: vec!["0".into(), "1".into()],
            image_sha256: "ff".repeat(32),
            max_side: Some(512),
        }
    }

    #[test]
    fn digest_changes_with_every_field() {
        let base = key().digest();
        assert_eq!(base.len(), 64);
        assert_eq!(base, key().digest(), "digest must be deterministic");
        let edits: Vec<(&str, fn(&mut CacheKey))> = vec![
            ("backend", |k| k.backend = BackendKind::Openai),
            ("model", |k| k.model = "llava".into()),
            ("system none", |k| k.system = None),
            ("system empty", |k| k.system = Some(String::new())),
            ("prompt", |k| k.prompt.push('?')),
            ("options", |k| k.options_json = "{}".into()),
            ("output", |k| k.output = OutputMode::Constrained),
            ("labels order", |k| k.constrained_labels.reverse()),
            ("labels merged", |k| {
                k.constrained_labels = vec!["01".into()]
            }),
            ("labels empty", |k| k.constrained_labels.clear()),
            ("image", |k| k.image_sha256 = "ee".repeat(32)),
            ("max side", |k| k.max_side = Some(256)),
            ("max side none", |k| k.max_side = None),
            // Moving text between adjacent fields must change the digest too.
            ("shifted", |k| {
                k.system = Some("You classify digits.Which digit?".into());
                k.prompt = String::new();
            }),
        ];
        let mut seen = std::collections::HashSet::from([base]);
        for (name, edit) in edits {
            let mut k = key();
            edit(&mut k);
            assert!(seen.insert(k.digest()), "{name} did not change the digest");
        }
    }

    /// The digest is a contract with every cache on disk: these values were computed by the
    /// version-1 encoding and must never change (a change would turn every cached answer into
    /// a miss without a word). Renaming an enum variant must not move them either.
    #[test]
    fn keys_made_once_per_run_equal_the_whole_digest() {
        let run = key().for_images();
        for image in ["ff".repeat(32), "00".repeat(32), String::new()] {
            let mut k = key();
            k.image_sha256 = image.clone();
            assert_eq!(run.digest(&image), k.digest());
        }
    }

    #[test]
    fn digest_is_pinned_to_golden_values() {
        assert_eq!(
            key().digest(),
            "59ee14ea9e9c037cdf2393aed7c0ff9a4a34715336d78af6540ae7042af5e0f4"
        );
        let other = CacheKey {
            backend: BackendKind::Openai,
            model: "llava".into(),
            system: None,
            prompt: "Which digit?".into(),
            options_json: "{}".into(),
            output: OutputMode::Constrained,
            constrained_labels: vec!["0".into(), "1".into()],
            image_sha256: "ff".repeat(32),
            max_side: None,
        };
        assert_eq!(
            other.digest(),
            "2c08d13cc4e598a7ceef292963271ae6d752c269470a0dc7765a5d5c9629f4f8"
        );
    }
}
