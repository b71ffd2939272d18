//! The answer cache: model answers stored by a digest of everything that shaped the request.
//!
//! One JSON file per key at `dir/<first 2 hex chars>/<digest>.json`, written atomically (temp
//! file + rename), so concurrent writers and crashes never leave a half file; an unreadable or
//! corrupt entry is a miss. Blocking std::fs calls: async callers use `spawn_blocking`.
//! Never decides what is cacheable (only deterministic requests should be; the caller decides)
//! and never evicts.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::SessionError;
use super::atomic::write_atomic;
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
        let mut h = Sha256::new();
        h.update(b"squint-answer-cache-v1");
        let mut put = |s: &str| {
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        put(backend_spelling(self.backend));
        put(&self.model);
        match &self.system {
            None => put("\0none"),
            Some(s) => {
                put("\0some");
                put(s);
            }
        }
        put(&self.prompt);
        put(&self.options_json);
        put(output_spelling(self.output));
        put(&self.constrained_labels.len().to_string());
        for label in &self.constrained_labels {
            put(label);
        }
        put(&self.image_sha256);
        put(&self
            .max_side
            .map_or_else(|| "\0none".to_string(), |m| m.to_string()));
        hex::encode(h.finalize())
    }
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
    /// Raw logprobs, when requested.
    pub logprobs: Option<serde_json::Value>,
}

/// An on-disk answer cache rooted at one folder.
#[derive(Debug, Clone)]
pub struct AnswerCache {
    dir: PathBuf,
}

impl AnswerCache {
    /// Opens (creating if needed) the cache folder `dir`.
    pub fn open(dir: &Path) -> Result<AnswerCache, SessionError> {
        fs::create_dir_all(dir).map_err(|e| SessionError::io("create cache folder", dir, e))?;
        Ok(AnswerCache {
            dir: dir.to_path_buf(),
        })
    }

    /// The answer stored under `key` (a [`CacheKey::digest`]); a missing, unreadable or
    /// corrupt entry, or a malformed key, is `None`.
    pub fn get(&self, key: &str) -> Option<CachedAnswer> {
        let path = self.entry_path(key)?;
        let bytes = fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores `a` under `key` (a [`CacheKey::digest`]), replacing any previous entry atomically.
    pub fn put(&self, key: &str, a: &CachedAnswer) -> Result<(), SessionError> {
        let path = self
            .entry_path(key)
            .ok_or_else(|| SessionError::BadCacheKey { key: key.into() })?;
        if let Some(shard) = path.parent() {
            fs::create_dir_all(shard)
                .map_err(|e| SessionError::io("create cache folder", shard, e))?;
        }
        let json = serde_json::to_vec(a).map_err(|source| SessionError::Encode {
            what: "a cached answer",
            source,
        })?;
        write_atomic(&path, &json)
    }

    /// `dir/ab/abcdef....json`, or `None` unless `key` is lowercase hex of length >= 2.
    fn entry_path(&self, key: &str) -> Option<PathBuf> {
        let valid = key.len() >= 2 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| self.dir.join(&key[..2]).join(format!("{key}.json")))
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

    fn answer() -> CachedAnswer {
        CachedAnswer {
            answer: "It is 1.".into(),
            eval_count: Some(4),
            prompt_eval_count: Some(100),
            eval_duration_ns: Some(1_000_000),
            confidence: Some(0.93),
            logprobs: Some(json!([{"token": "1", "logprob": -0.07}])),
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

    #[test]
    fn round_trip_and_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AnswerCache::open(&dir.path().join("cache")).unwrap();
        let k = key().digest();
        assert_eq!(cache.get(&k), None);
        cache.put(&k, &answer()).unwrap();
        assert_eq!(cache.get(&k), Some(answer()));
        assert!(
            dir.path()
                .join("cache")
                .join(&k[..2])
                .join(format!("{k}.json"))
                .is_file()
        );

        let mut newer = answer();
        newer.answer = "1".into();
        newer.logprobs = None;
        cache.put(&k, &newer).unwrap();
        assert_eq!(cache.get(&k), Some(newer));
        let shard: Vec<_> = fs::read_dir(dir.path().join("cache").join(&k[..2]))
            .unwrap()
            .collect();
        assert_eq!(shard.len(), 1, "temp files left behind");
    }

    #[test]
    fn corrupt_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AnswerCache::open(dir.path()).unwrap();
        let k = key().digest();
        cache.put(&k, &answer()).unwrap();
        let path = dir.path().join(&k[..2]).join(format!("{k}.json"));
        for garbage in ["", "{\"answer\": \"x\"", "null", "\u{0}\u{0}"] {
            fs::write(&path, garbage).unwrap();
            assert_eq!(cache.get(&k), None, "{garbage:?}");
        }
    }

    #[test]
    fn malformed_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AnswerCache::open(dir.path()).unwrap();
        for bad in ["", "a", "../etc/passwd", "ABCD", "ab/cd", "zz"] {
            assert_eq!(cache.get(bad), None, "{bad:?}");
            let err = cache.put(bad, &answer()).unwrap_err();
            assert!(matches!(err, SessionError::BadCacheKey { .. }), "{bad:?}");
        }
    }

    #[test]
    fn concurrent_writers_never_leave_half_files() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AnswerCache::open(dir.path()).unwrap();
        let k = key().digest();
        let long = CachedAnswer {
            answer: "x".repeat(200_000),
            ..answer()
        };
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10 {
                        cache.put(&k, &long).unwrap();
                    }
                });
            }
            s.spawn(|| {
                for _ in 0..50 {
                    if let Some(a) = cache.get(&k) {
                        assert_eq!(a, long);
                    }
                }
            });
        });
        assert_eq!(cache.get(&k), Some(long));
    }
}
