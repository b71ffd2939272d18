//! The calibrated view (`K`): the content-free priors the probe estimated, each keyed to the
//! model and prompt it was measured for (a prior of another prompt or model never calibrates a
//! run), and, while the view is on, its counts and the raw tally shown beside it.
//! Pure data; the arithmetic is `domain::calibration`'s, the counting `RunState`'s.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::domain::calibration::Prior;
use crate::domain::tally::Tally;
use crate::session::ModelId;
use crate::tui::msg::PreparedInfo;

/// How many estimates the workbench keeps (one per model and prompt, the latest first).
pub const PRIORS_KEPT: usize = 8;

/// What a content-free estimate was measured for: the model (its content digest when the
/// server reports one, else its name: two keys of the same name with different digests, or
/// one with a digest and one without, differ) and the prompt (the template's full text and
/// the labels it is parsed into), digested.
#[derive(Debug, Clone)]
pub struct PriorKey {
    /// The model asked, by name (for messages; the key when there is no digest).
    pub model: String,
    /// The model's content digest, once a server reported it (a run that has not started,
    /// or a server that reports none, has no digest).
    pub digest: Option<String>,
    /// SHA-256 over the template text and the labels.
    pub prompt_digest: String,
}

impl PriorKey {
    /// The key of `model` asked with the template `template_text` (its TOML, as sessions
    /// store it) parsed into `labels`.
    pub fn new(model: &str, template_text: &str, labels: &[String]) -> PriorKey {
        let mut h = Sha256::new();
        for piece in std::iter::once(template_text).chain(labels.iter().map(String::as_str)) {
            h.update((piece.len() as u64).to_le_bytes());
            h.update(piece.as_bytes());
        }
        PriorKey {
            model: model.to_owned(),
            digest: None,
            prompt_digest: hex::encode(h.finalize()),
        }
    }

    /// The same key for the model whose content digest is `digest` (as the server reported it).
    pub fn with_digest(self, digest: Option<String>) -> PriorKey {
        PriorKey { digest, ..self }
    }

    /// The model, as the saved estimates are keyed.
    pub fn model_id(&self) -> ModelId<'_> {
        ModelId {
            name: &self.model,
            digest: self.digest.as_deref(),
        }
    }

    /// The key of a prepared run.
    pub fn of(prepared: &PreparedInfo) -> PriorKey {
        PriorKey::new(&prepared.model, &prepared.template_text, &prepared.labels)
            .with_digest(prepared.model_digest.clone())
    }
}

impl PartialEq for PriorKey {
    fn eq(&self, other: &PriorKey) -> bool {
        self.digest.is_some() == other.digest.is_some()
            && self.model_id().key() == other.model_id().key()
            && self.prompt_digest == other.prompt_digest
    }
}

impl Eq for PriorKey {}

/// A content-free estimate the probe made.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorEstimate {
    /// What it was measured for.
    pub key: PriorKey,
    /// The prompt as the probe named it (template and version), for messages.
    pub prompt: String,
    /// Each label's content-free probability, as the probe reported it.
    pub content_free: BTreeMap<String, f64>,
    /// The same, floored, ready to divide by.
    pub prior: Arc<Prior>,
}

/// The calibrated view while it is on.
#[derive(Debug, Clone)]
pub struct CalibratedView {
    /// The prior the labels are calibrated with.
    pub prior: Arc<Prior>,
    /// Items given a calibrated label (they had label probabilities).
    pub calibrated: u64,
    /// Items that keep their own label (failed, or no probabilities).
    pub kept: u64,
    /// The same results with their own labels (corrections applied alike): the raw side of
    /// the side-by-side metrics.
    pub raw: Tally,
}

impl CalibratedView {
    /// The view with `prior`, nothing counted yet.
    pub fn new(prior: Arc<Prior>, labels: &[String], total: u64) -> CalibratedView {
        CalibratedView {
            prior,
            calibrated: 0,
            kept: 0,
            raw: Tally::new(labels, total),
        }
    }

    /// `calibrated 480 of 500; 20 without probabilities keep their label`.
    pub fn summary(&self) -> String {
        let all = self.calibrated + self.kept;
        match self.kept {
            0 => format!("calibrated {} of {all}", self.calibrated),
            kept => format!(
                "calibrated {} of {all}; {kept} without probabilities keep their label",
                self.calibrated
            ),
        }
    }

    /// Forgets the counts (before a recount).
    pub fn clear(&mut self, labels: &[String], total: u64) {
        self.calibrated = 0;
        self.kept = 0;
        self.raw = Tally::new(labels, total);
    }
}
