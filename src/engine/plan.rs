//! Everything a run needs to know up front: the items, the rendered prompt, the model and its
//! options, and the answers already journaled. Built by `setup`; read-only during a run.

use std::collections::HashMap;
use std::time::Duration;

use crate::backend::{BackendKind, LabelTokens};
use crate::dataset::{DatasetItem, RunItems};
use crate::domain::parse::LabelSet;
use crate::domain::result::ItemResult;
use crate::domain::template::{GenOptions, OutputMode};
use crate::session::AnswerCache;

/// The fixed inputs of one run.
pub struct RunPlan {
    /// Items in run order: the dataset's one list, shared (never copied) with setup and the
    /// workbench.
    pub items: RunItems,
    /// Results already in the session's journal, by item `rel` path (resume).
    pub done: HashMap<String, ItemResult>,
    /// Rendered system prompt.
    pub system: Option<String>,
    /// Rendered user prompt.
    pub prompt: String,
    /// Model name sent to the server.
    pub model: String,
    /// The model's identity for the cache: its digest when the server gives one, else its name.
    pub model_key: String,
    /// The model's digest as the servers reported it, when they do (a server out of rotation
    /// rejoins only with this one).
    pub model_digest: Option<String>,
    /// The server's protocol, for the cache key.
    pub backend_kind: BackendKind,
    /// Generation options.
    pub options: GenOptions,
    /// Free text or constrained JSON output.
    pub output: OutputMode,
    /// The labels the model may answer, in report order.
    pub labels: Vec<String>,
    /// Labels with aliases, for parsing.
    pub label_set: LabelSet,
    /// The labels as answer tokens are compared with them (confidence, label probabilities).
    pub label_tokens: LabelTokens,
    /// Ask the server for logprobs.
    pub logprobs: bool,
    /// Downscale images whose longer side exceeds this.
    pub max_side: Option<u32>,
    /// Send WebP as is (Ollama) instead of re-encoding.
    pub allow_webp: bool,
    /// Stop once the 95% Wilson interval on accuracy is narrower than ± this (`--until-ci`).
    pub until_ci: Option<f64>,
    /// The answer cache, when enabled and the options are deterministic.
    pub cache: Option<AnswerCache>,
    /// Send each streamed piece of an answer as a `Token` event (a screen shows them; a
    /// headless run does not need them).
    pub tokens: bool,
    /// How long the journal writer gathers results before writing them in one go, and only
    /// then reporting them finished: a frame for a screen, longer headless (fewer writes and
    /// wake-ups; a crash loses at most this much of answers, which a resume asks again).
    pub journal_window: Duration,
}

/// The journal window of a run someone watches: results show within a frame.
pub const WATCHED_JOURNAL_WINDOW: Duration = Duration::from_millis(10);
/// The journal window of a headless run.
pub const HEADLESS_JOURNAL_WINDOW: Duration = Duration::from_millis(100);

impl RunPlan {
    /// The item at `index`.
    pub fn item(&self, index: usize) -> Option<&DatasetItem> {
        self.items.get(index)
    }
}
