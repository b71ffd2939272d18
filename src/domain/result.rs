//! The record of one classified (or failed) item: one line of a session's `results.jsonl`.
//! Plain data only; writing and reading it is `session::journal`'s job.

use serde::{Deserialize, Serialize};

use super::label_probs::LabelProbs;
use super::parse::ParseStep;

/// One finished item. Field names are a file-format contract (`results.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    /// Path of the image relative to the dataset root, with `/` separators.
    pub image: String,
    /// Hex SHA-256 of the image file's bytes.
    pub sha256: String,
    /// The true label.
    pub truth: String,
    /// The model's raw answer text (empty when the request failed).
    pub answer: String,
    /// The parsed label, or `None` when unparsed or failed.
    pub label: Option<String>,
    /// Which parsing step matched; `None` when the request failed.
    pub parse: Option<ParseStep>,
    /// Confidence of the parsed label from logprobs, when known.
    pub confidence: Option<f64>,
    /// Wall-clock time of the request, including retries; 0 where squint measured none (an
    /// imported result: see [`ItemResult::latency`]).
    pub latency_ms: u64,
    /// Generated tokens as the server counted them.
    pub eval_count: Option<u64>,
    /// Prompt tokens as the server counted them.
    #[serde(default)]
    pub prompt_eval_count: Option<u64>,
    /// Generation time as the server measured it, in nanoseconds.
    #[serde(default)]
    pub eval_duration_ns: Option<u64>,
    /// Whole request time as the server measured it (load, prompt and generation), in ns.
    #[serde(default)]
    pub total_duration_ns: Option<u64>,
    /// Requests sent for this item (0 when answered from the cache).
    pub attempts: u32,
    /// True when the answer came from the cache.
    #[serde(default)]
    pub cached: bool,
    /// Why the item failed, or `None`.
    pub error: Option<String>,
    /// What kind of failure `error` is (`timeout`, `server`, `image`...). Absent on success
    /// and in journals written before squint recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    /// Each label's probability at the token carrying the answer, read from the server's
    /// logprobs (`{label: probability}`; a label absent was not among the server's top
    /// alternatives: below them, taken as 0). Absent when the server gave no logprobs, a label
    /// takes more than one token, or the item failed; written by squint since the calibrated
    /// view, so older files have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_probs: Option<LabelProbs>,
}

impl ItemResult {
    /// Records a failure: its message in `error`, its kind in `error_kind`.
    pub fn set_error(&mut self, error: ItemError) {
        self.error = Some(error.message);
        self.error_kind = Some(error.kind);
    }

    /// True when the request failed: not a prediction at all.
    pub fn is_error(&self) -> bool {
        self.error.is_some()
    }

    /// True when the model answered but no label could be read from it.
    pub fn is_unparsed(&self) -> bool {
        self.error.is_none() && self.label.is_none()
    }

    /// True when the parsed label equals the truth.
    pub fn is_correct(&self) -> bool {
        self.label.as_deref() == Some(self.truth.as_str())
    }

    /// The time squint took for this item (the request with its retries, the cache lookup, or
    /// the failure), or `None` when it measured none: a result that was neither asked (no
    /// attempt), answered from the cache nor failed here came from another tool's file
    /// (`squint import`), whose `latency_ms` of 0 means unknown.
    pub fn latency(&self) -> Option<std::time::Duration> {
        let measured = self.attempts > 0 || self.cached || self.is_error();
        measured.then(|| std::time::Duration::from_millis(self.latency_ms))
    }
}

/// What kind of failure an item or a run met, so consumers (the TUI, exit codes) can tell an
/// API key problem from a server that went away from an answer that made no sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ErrorKind {
    /// The server rejected the credentials.
    Auth,
    /// Nothing answered at the host.
    Unreachable,
    /// The model is missing or cannot see images.
    Model,
    /// The backend could not be set up (bad host, TLS, key).
    Config,
    /// The connection broke mid-request.
    Network,
    /// The request took longer than the timeout.
    Timeout,
    /// The server answered with an error status or an error inside the stream.
    Server,
    /// The answer stream was cut or did not follow the protocol.
    BadAnswer,
    /// The image could not be read or decoded.
    Image,
    /// The results journal could not be written.
    Journal,
    /// The disk holding the session is full (or over quota).
    DiskFull,
    /// A bug: a task of squint itself failed.
    Internal,
}

impl ErrorKind {
    /// The kind as `results.jsonl` writes it (`bad_answer`, `disk_full`...).
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A failure with its kind and the message for people (what happened and what to do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// Which kind of failure.
    pub kind: ErrorKind,
    /// What happened and what to do.
    pub message: String,
}

impl ItemError {
    /// A failure of `kind` explained by `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ItemError {
        ItemError {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
impl ItemResult {
    /// A test result for `image` of true `truth`: no answer, label or error; one attempt of
    /// 1 ms, not cached. A test sets the fields it checks with `..ItemResult::blank(..)`.
    pub(crate) fn blank(image: &str, truth: &str) -> ItemResult {
        ItemResult {
            image: image.into(),
            sha256: String::new(),
            truth: truth.into(),
            answer: String::new(),
            label: None,
            parse: None,
            confidence: None,
            latency_ms: 1,
            eval_count: None,
            prompt_eval_count: None,
            eval_duration_ns: None,
            total_duration_ns: None,
            attempts: 1,
            cached: false,
            error: None,
            error_kind: None,
            label_probs: None,
        }
    }

    /// `blank`, answered exactly `label`.
    pub(crate) fn answered(image: &str, truth: &str, label: &str) -> ItemResult {
        ItemResult {
            answer: label.into(),
            label: Some(label.into()),
            parse: Some(ParseStep::Exact),
            ..ItemResult::blank(image, truth)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_result_squint_never_asked_cached_or_failed_has_no_latency() {
        use std::time::Duration;
        let asked = ItemResult {
            latency_ms: 850,
            ..ItemResult::answered("a.png", "1", "1")
        };
        assert_eq!(asked.latency(), Some(Duration::from_millis(850)));
        let cached = ItemResult {
            attempts: 0,
            cached: true,
            latency_ms: 0,
            ..asked.clone()
        };
        assert_eq!(cached.latency(), Some(Duration::ZERO));
        let mut unreadable = ItemResult {
            attempts: 0,
            latency_ms: 3,
            ..ItemResult::blank("b.png", "1")
        };
        unreadable.set_error(ItemError::new(ErrorKind::Image, "not a readable image (x)"));
        assert_eq!(unreadable.latency(), Some(Duration::from_millis(3)));
        // What `squint import` writes: parse `imported`, no attempt, not cached, latency 0.
        let imported = ItemResult {
            attempts: 0,
            latency_ms: 0,
            parse: Some(ParseStep::Imported),
            ..asked
        };
        assert_eq!(imported.latency(), None);
    }

    #[test]
    fn the_error_kind_is_written_with_the_error_and_old_lines_still_read() {
        let old = r#"{"image":"a.png","sha256":"","truth":"1","answer":"","label":null,"parse":null,"confidence":null,"latency_ms":5,"eval_count":null,"attempts":3,"error":"timed out"}"#;
        let mut r: ItemResult = serde_json::from_str(old).unwrap();
        assert_eq!(r.error_kind, None);
        assert_eq!(r.label_probs, None);
        assert!(r.is_error());
        r.set_error(ItemError::new(ErrorKind::Timeout, "took too long"));
        let line = serde_json::to_string(&r).unwrap();
        assert!(line.contains(r#""error_kind":"timeout""#), "{line}");
        let back: ItemResult = serde_json::from_str(&line).unwrap();
        assert_eq!(back, r);
        assert_eq!(ErrorKind::BadAnswer.name(), "bad_answer");
        assert_eq!(ErrorKind::DiskFull.name(), "disk_full");
        r.error = None;
        r.error_kind = None;
        let line = serde_json::to_string(&r).unwrap();
        assert!(!line.contains("error_kind"), "{line}");
        assert!(!line.contains("label_probs"), "{line}");
        r.label_probs = Some(LabelProbs::new([("3".to_owned(), 0.8)]));
        let line = serde_json::to_string(&r).unwrap();
        assert!(line.contains(r#""label_probs":{"3":0.8}"#), "{line}");
    }
}
