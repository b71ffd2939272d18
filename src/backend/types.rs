//! Plain data exchanged with the backends: requests, completions, model facts, token events.
//! No IO here; `label_schema` builds the JSON schema both protocols use to force a label.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::BackendError;
use super::logprobs::WireLogprob;
use crate::domain::template::GenOptions;
use crate::imaging::ImagePayload;

/// One classification request: a prompt and one image.
#[derive(Debug, Clone)]
pub struct ClassifyRequest {
    /// Model name as the server knows it.
    pub model: String,
    /// Optional system prompt.
    pub system: Option<String>,
    /// The user prompt.
    pub prompt: String,
    /// The image to classify.
    pub image: ImagePayload,
    /// Generation options; only `Some` fields are sent.
    pub options: GenOptions,
    /// When set, the answer is constrained to `{"label": <one of these>}`.
    pub constrained_labels: Option<Vec<String>>,
    /// Ask for per-token log-probabilities (Ollama only does so when the server is new enough).
    pub logprobs: bool,
}

/// The assembled answer of one request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    /// The full answer text.
    pub text: String,
    /// Generated tokens, when the server reports them.
    pub eval_count: Option<u64>,
    /// Prompt tokens evaluated, when reported (absent when the prompt was cached).
    pub prompt_eval_count: Option<u64>,
    /// Time spent generating, in nanoseconds (Ollama only).
    pub eval_duration_ns: Option<u64>,
    /// Whole request time on the server, in nanoseconds (Ollama only).
    pub total_duration_ns: Option<u64>,
    /// Why generation stopped (`stop`, `length`, ...).
    pub done_reason: Option<String>,
    /// Per-token log-probabilities, in answer order (empty when not requested or unsupported).
    pub logprobs: Vec<TokenLogprob>,
}

/// Tokens whose log-probabilities are kept; confidence only looks at the label's tokens near
/// the start, and a hostile stream must not grow this without bound.
pub(crate) const MAX_LOGPROB_TOKENS: usize = 4096;

impl Completion {
    /// Appends one streamed piece and hands it to `on_token`; `Err` (nothing appended) when
    /// the text would pass `max_bytes`, so the caller stops reading.
    pub(crate) fn push_piece(
        &mut self,
        piece: &str,
        max_bytes: usize,
        on_token: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(), ()> {
        if self.text.len().saturating_add(piece.len()) > max_bytes {
            return Err(());
        }
        on_token(piece);
        self.text.push_str(piece);
        Ok(())
    }

    /// Keeps the log-probabilities of up to [`MAX_LOGPROB_TOKENS`] tokens.
    pub(crate) fn push_logprobs(&mut self, wire: Vec<WireLogprob>) {
        let room = MAX_LOGPROB_TOKENS.saturating_sub(self.logprobs.len());
        self.logprobs
            .extend(wire.into_iter().take(room).map(Into::into));
    }
}

/// Log-probability of one generated token and its best alternatives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenLogprob {
    /// The token text.
    pub token: String,
    /// Natural-log probability of the token.
    pub logprob: f64,
    /// The most likely alternatives with their log-probabilities (may be empty).
    pub top: Vec<(String, f64)>,
}

/// What preflight learned about the model and server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The model name as asked for.
    pub name: String,
    /// Content digest, when the server lists one.
    pub digest: Option<String>,
    /// Whether the model takes images (`None`: the server cannot tell).
    pub vision: Option<bool>,
    /// Server version (Ollama only).
    pub server_version: Option<String>,
    /// Whether log-probabilities will be requested.
    pub logprobs: bool,
    /// Non-fatal findings to show the user.
    pub warnings: Vec<String>,
}

/// One model offered by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// Model name to pass as `--model`.
    pub name: String,
    /// Whether it takes images (`None`: unknown).
    pub vision: Option<bool>,
    /// Size on disk in bytes (Ollama only).
    pub size: Option<u64>,
    /// Content digest (Ollama only).
    pub digest: Option<String>,
}

/// Something the streaming UI should know about while a request runs.
#[derive(Debug, Clone, Copy)]
pub enum TokenEvent<'a> {
    /// A piece of answer text arrived.
    Token(&'a str),
    /// The previous attempt failed; attempt number `attempt` starts now, so discard the text
    /// streamed so far.
    Retrying {
        /// Number (1-based) of the attempt about to start.
        attempt: u32,
        /// Why the previous attempt failed.
        error: &'a BackendError,
        /// How long squint waits before that attempt (backoff, or the server's Retry-After).
        wait: std::time::Duration,
    },
}

/// The outcome of a request with retries.
#[derive(Debug, Clone)]
pub struct Attempted {
    /// The last attempt's result.
    pub result: Result<Completion, BackendError>,
    /// How many attempts were made (at least 1).
    pub attempts: u32,
}

/// The JSON schema `{"label": <one of labels>}` used for constrained output. OpenAI's strict
/// mode also needs `additionalProperties: false`.
pub(crate) fn label_schema(labels: &[String], strict: bool) -> Value {
    let mut schema = json!({
        "type": "object",
        "properties": {"label": {"type": "string", "enum": labels}},
        "required": ["label"],
    });
    if strict {
        schema["additionalProperties"] = Value::Bool(false);
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_schema_shapes() {
        let labels = vec!["cat".to_owned(), "dog".to_owned()];
        assert_eq!(
            label_schema(&labels, false),
            json!({"type":"object","properties":{"label":{"type":"string","enum":["cat","dog"]}},"required":["label"]})
        );
        assert_eq!(
            label_schema(&labels, true)["additionalProperties"],
            json!(false)
        );
    }
}
