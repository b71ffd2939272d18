//! What a report is built from: the facts of a run as recorded in its session, and what was
//! found while reading its results. Plain data, filled in by the IO layer that read the files;
//! never reads anything itself.

/// The recorded facts of one session (everything but its results).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RunFacts {
    /// The session folder, as given.
    pub(crate) session_dir: String,
    /// The session id (its folder name).
    pub(crate) id: String,
    /// `finished`, `interrupted` or `running` (running also when a run died without recording
    /// its end).
    pub(crate) status: String,
    /// Version of squint that wrote the session.
    pub(crate) squint_version: String,
    /// Start time, RFC 3339 UTC.
    pub(crate) started_at: String,
    /// End time, RFC 3339 UTC, when recorded.
    pub(crate) ended_at: Option<String>,
    /// Seconds from start to end, when both are known.
    pub(crate) elapsed_s: Option<u64>,
    /// Model name as requested.
    pub(crate) model: String,
    /// Model digest, when the server reported one.
    pub(crate) model_digest: Option<String>,
    /// `ollama` or `openai`.
    pub(crate) backend: String,
    /// Server base URL (stored without credentials).
    pub(crate) host: String,
    /// Requests in flight at once.
    pub(crate) concurrency: usize,
    /// Template name.
    pub(crate) template_name: String,
    /// Where the template came from (a path, `bundled:NAME`, `modelfile:PATH`...).
    pub(crate) template_source: String,
    /// Hash of the template text: its version.
    pub(crate) template_hash: String,
    /// The full template TOML (empty when not recorded, as for an import without a template).
    pub(crate) template_text: String,
    /// The effective generation options.
    pub(crate) options: serde_json::Value,
    /// The dataset folder or manifest.
    pub(crate) dataset_path: String,
    /// `folders`, `prefix` or `manifest`.
    pub(crate) dataset_layout: String,
    /// Items selected for the run.
    pub(crate) dataset_total: usize,
    /// The labels, in report order.
    pub(crate) labels: Vec<String>,
    /// `--limit-per-class`, when given.
    pub(crate) limit_per_class: Option<usize>,
    /// `--sample`, when given.
    pub(crate) sample: Option<usize>,
    /// Seed for sampling.
    pub(crate) seed: u64,
    /// Warnings recorded before and during the run (lint, dataset, server).
    pub(crate) warnings: Vec<String>,
    /// The results file a session was imported from (`squint import`), if it was.
    pub(crate) imported_from: Option<String>,
}

/// Damage found while reading `results.jsonl`: reported in the report, never fatal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ReadNotes {
    /// The last line was torn (a crash mid-write) and was skipped.
    pub(crate) torn_tail: bool,
    /// 1-based numbers of invalid lines that were skipped.
    pub(crate) bad_lines: Vec<usize>,
}
