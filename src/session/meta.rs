//! `session.json`: what a run was (dataset, template, backend, options) and how it ended.
//!
//! Plain serde data; field names are a file-format contract. Never stores secrets: the API
//! key is recorded only as the NAME of the environment variable holding it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::backend::BackendKind;
use crate::dataset::{Layout, RunOrder};

/// The contents of a session folder's `session.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    /// Version of squint that started the session.
    pub squint_version: String,
    /// Session id, e.g. `20261129-143012-mnist-digits` (UTC start time + template slug).
    pub id: String,
    /// The dataset classified.
    pub dataset: DatasetInfo,
    /// The prompt template used.
    pub template: TemplateInfo,
    /// The model server and request settings.
    pub backend: BackendInfo,
    /// The effective generation options as JSON.
    #[serde(default)]
    pub options: serde_json::Value,
    /// Warnings raised before the run (e.g. bias-lint warnings).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// End time, RFC 3339 UTC: when the last run of this session ended (finished or interrupted);
    /// `None` while running, or after a crash.
    #[serde(default)]
    pub ended_at: Option<String>,
    /// Where the run stands.
    pub status: SessionStatus,
    /// The session this one was re-run from (`squint run --from`), when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentLink>,
    /// The results file this session was made from by `squint import`; `None` for a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
}

/// A linked re-run's tie to the session it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParentLink {
    /// The parent session folder (absolute).
    pub session: PathBuf,
    /// The re-run scope (`--only`): `all`, `wrong`, `unparsed`, `errors`, `cell:T:P`, `sample:N`.
    pub only: String,
    /// Results copied from the parent (not asked again).
    pub kept: usize,
}

/// The dataset a session classified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// Absolute path of the dataset folder or manifest given.
    pub path: PathBuf,
    /// Layout detected or chosen: "folders", "prefix" or "manifest" on disk.
    pub layout: Layout,
    /// Number of items selected for the run.
    pub total: usize,
    /// The labels, in report order.
    pub labels: Vec<String>,
    /// `--limit-per-class`, when given.
    #[serde(default)]
    pub limit_per_class: Option<usize>,
    /// `--sample`, when given.
    #[serde(default)]
    pub sample: Option<usize>,
    /// Seed for sampling and shuffling.
    pub seed: u64,
    /// The order items are asked in; a resume keeps it. Sessions written before the order
    /// was recorded ran in dataset order.
    #[serde(default = "order_of_older_sessions")]
    pub order: RunOrder,
}

fn order_of_older_sessions() -> RunOrder {
    RunOrder::Dataset
}

impl DatasetInfo {
    /// The folder results' relative image paths start from: the dataset folder, or the
    /// folder holding a manifest file.
    pub fn root(&self) -> PathBuf {
        if self.path.is_file() {
            self.path
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default()
        } else {
            self.path.clone()
        }
    }
}

/// The prompt template a session used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateInfo {
    /// Template name.
    pub name: String,
    /// Where it came from: a path, `bundled:NAME` or `modelfile:PATH`.
    pub source: String,
    /// The full TOML text, so the session can be reproduced.
    pub text: String,
    /// Hash of `text`.
    pub hash: String,
}

/// The model server and request settings of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendInfo {
    /// The protocol: `"ollama"` or `"openai"` on disk.
    pub kind: BackendKind,
    /// Base URL of the server (the first one, when the run went over several).
    pub host: String,
    /// Every server of a run over several, as `URL#N` (N requests at once on it), without
    /// credentials; absent for a run over one server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Model name as requested.
    pub model: String,
    /// Model digest, when the server reports one.
    #[serde(default)]
    pub model_digest: Option<String>,
    /// NAME of the environment variable holding the API key; never the key itself.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Whether logprobs were requested.
    pub logprobs: bool,
    /// Longest image side sent, when images are downscaled.
    #[serde(default)]
    pub max_side: Option<u32>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Per-request timeout, in seconds.
    pub timeout_s: u64,
    /// Retries per item after the first attempt.
    pub retries: u32,
}

/// Where a session's run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    /// Started and not known to have ended (also what a killed run leaves behind).
    Running,
    /// Every selected item was processed.
    Finished,
    /// Stopped early (Ctrl-C, quit); can be resumed.
    Interrupted,
    /// Stopped on purpose once the accuracy was known well enough (`--until-ci`); can be
    /// continued with `--resume`.
    #[serde(rename = "stopped_early")]
    StoppedEarly,
}

impl SessionStatus {
    /// The status as written in `session.json` (`running`, `finished`, `interrupted`,
    /// `stopped_early`).
    pub fn name(self) -> &'static str {
        match self {
            SessionStatus::Running => "running",
            SessionStatus::Finished => "finished",
            SessionStatus::Interrupted => "interrupted",
            SessionStatus::StoppedEarly => "stopped_early",
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A complete example used by the other session tests.
    pub(crate) fn sample_meta(id: &str, started_at: &str) -> SessionMeta {
        SessionMeta {
            squint_version: "0.1.0".into(),
            id: id.into(),
            dataset: DatasetInfo {
                path: PathBuf::from("/data/digits"),
                layout: Layout::Folders,
                total: 20,
                labels: vec!["0".into(), "1".into()],
                limit_per_class: Some(10),
                sample: None,
                seed: 42,
                order: RunOrder::Interleaved,
            },
            template: TemplateInfo {
                name: "digits".into(),
                source: "bundled:digits".into(),
                text: "system = \"x\"\n".into(),
                hash: "abc".into(),
            },
            backend: BackendInfo {
                kind: BackendKind::Ollama,
                host: "http://127.0.0.1:11434".into(),
                hosts: Vec::new(),
                model: "llava:7b".into(),
                model_digest: None,
                api_key_env: Some("OPENAI_API_KEY".into()),
                logprobs: false,
                max_side: Some(512),
                concurrency: 2,
                timeout_s: 120,
                retries: 2,
            },
            options: serde_json::json!({"temperature": 0, "seed": 42}),
            warnings: vec!["label order bias".into()],
            started_at: started_at.into(),
            ended_at: None,
            status: SessionStatus::Running,
            parent: None,
            imported_from: None,
        }
    }

    #[test]
    fn round_trips_through_json() {
        let meta = sample_meta("20261129-143012-digits", "2026-11-29T14:30:12Z");
        let text = serde_json::to_string(&meta).unwrap();
        assert_eq!(serde_json::from_str::<SessionMeta>(&text).unwrap(), meta);
    }

    #[test]
    fn status_is_lowercase_on_disk() {
        let cases = [
            (SessionStatus::Running, "\"running\""),
            (SessionStatus::Finished, "\"finished\""),
            (SessionStatus::Interrupted, "\"interrupted\""),
            (SessionStatus::StoppedEarly, "\"stopped_early\""),
        ];
        for (status, want) in cases {
            assert_eq!(serde_json::to_string(&status).unwrap(), want);
            assert_eq!(format!("\"{}\"", status.name()), want);
        }
    }

    #[test]
    fn optional_fields_may_be_absent() {
        let mut value = serde_json::to_value(sample_meta("a", "b")).unwrap();
        let obj = value.as_object_mut().unwrap();
        for key in ["options", "warnings", "ended_at"] {
            obj.remove(key);
        }
        if let Some(dataset) = obj.get_mut("dataset").and_then(|d| d.as_object_mut()) {
            dataset.remove("order");
        }
        let meta: SessionMeta = serde_json::from_value(value).unwrap();
        assert!(meta.warnings.is_empty());
        assert_eq!(
            meta.dataset.order,
            RunOrder::Dataset,
            "older sessions ran in file order"
        );
        assert_eq!(meta.options, serde_json::Value::Null);
    }
}
