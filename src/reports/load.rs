//! Reads what a report needs from a session folder: its facts and its results. Offline and
//! read-only; a torn or damaged journal is reported in the facts, never fatal.

use std::path::{Path, PathBuf};

use super::ReportError;
use crate::domain::export::{ReadNotes, RunFacts};
use crate::domain::result::ItemResult;
use crate::session::{Session, SessionMeta, unix_from_rfc3339};

/// A session as read for a report.
#[derive(Debug, Clone)]
pub(crate) struct SessionData {
    /// The recorded facts.
    pub(crate) facts: RunFacts,
    /// One result per image (a later line for an image replaces an earlier one).
    pub(crate) results: Vec<ItemResult>,
    /// Damage found in `results.jsonl`.
    pub(crate) read: ReadNotes,
    /// The folder the results' image paths start from.
    pub(crate) dataset_root: PathBuf,
}

/// Reads the session in `dir`. Fails only when `dir` is not a readable session.
pub(crate) fn load_session(dir: &Path) -> Result<SessionData, ReportError> {
    let session = Session::open(dir)?;
    let log = session.read_results()?;
    Ok(SessionData {
        facts: facts(dir, &session.meta),
        results: log.results,
        read: ReadNotes {
            torn_tail: log.torn_tail,
            bad_lines: log.bad_lines,
        },
        dataset_root: session.meta.dataset.root(),
    })
}

fn facts(dir: &Path, meta: &SessionMeta) -> RunFacts {
    let elapsed_s = meta.ended_at.as_deref().and_then(|end| {
        let (start, end) = (
            unix_from_rfc3339(&meta.started_at)?,
            unix_from_rfc3339(end)?,
        );
        end.checked_sub(start)
    });
    RunFacts {
        session_dir: dir.display().to_string(),
        id: meta.id.clone(),
        status: meta.status.name().to_owned(),
        squint_version: meta.squint_version.clone(),
        started_at: meta.started_at.clone(),
        ended_at: meta.ended_at.clone(),
        elapsed_s,
        model: meta.backend.model.clone(),
        model_digest: meta.backend.model_digest.clone(),
        backend: serde_json::to_value(meta.backend.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        host: meta.backend.host.clone(),
        concurrency: meta.backend.concurrency,
        template_name: meta.template.name.clone(),
        template_source: meta.template.source.clone(),
        template_hash: meta.template.hash.clone(),
        template_text: meta.template.text.clone(),
        options: meta.options.clone(),
        dataset_path: meta.dataset.path.display().to_string(),
        dataset_layout: meta.dataset.layout.to_string(),
        dataset_total: meta.dataset.total,
        labels: meta.dataset.labels.clone(),
        limit_per_class: meta.dataset.limit_per_class,
        sample: meta.dataset.sample,
        seed: meta.dataset.seed,
        warnings: meta.warnings.clone(),
        imported_from: meta.imported_from.clone(),
    }
}
