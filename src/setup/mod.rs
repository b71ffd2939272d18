//! Turns what the user asked for (flags, or the TUI's start screen) into a ready run: scans the
//! dataset, resolves the template and labels, lints the prompt, checks the server, and opens the
//! session. Both `squint run` and the TUI go through here; this module never draws or prints.

mod bundled;
mod carry;
mod error;
mod import;
mod last_used;
mod probe;
mod rerun;
mod servers;
mod start;
mod template_source;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::backend::{BackendConfig, BackendKind};
use crate::dataset::{self, Dataset, Layout, RunItems, RunOrder};
use crate::domain::lint::bias_lint;
use crate::domain::scope::RerunScope;
use crate::domain::template::{RenderedPrompt, Template};
use crate::session::SessionMeta;

pub use bundled::{bundled_datasets, bundled_templates, user_templates};
pub use carry::CarriedCorrections;
pub use error::SetupError;
pub use import::{ImportSpec, Imported, UNKNOWN_MODEL, import_results};
pub use last_used::LastUsed;
pub use probe::{ProbePlan, ProbeServer, connect_probe, prepare_probe, run_probe};
pub use rerun::Inheritance;
pub use servers::{HostChoice, HostSlots, connect};
pub use start::{Started, start};

/// The model used with Ollama when neither `--model`, a Modelfile nor a session names one.
pub const DEFAULT_OLLAMA_MODEL: &str = "llava";

/// Everything the user chose for a run. `None` means "not given": defaults, or on `--resume`,
/// the session's remembered value.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Dataset folder or manifest file.
    pub dataset: Option<PathBuf>,
    /// Forced dataset layout.
    pub layout: Option<Layout>,
    /// Template path or bundled/user template name.
    pub template: Option<String>,
    /// Ollama Modelfile to import as the template.
    pub modelfile: Option<PathBuf>,
    /// Template TOML text remembered by a resumed session (used when no template flag is given).
    pub template_text: Option<(String, String)>,
    /// Server connection settings.
    pub backend: BackendConfig,
    /// Model name.
    pub model: Option<String>,
    /// Requests in flight at once (per server when there are several).
    pub concurrency: usize,
    /// Several servers (`--host` given more than once, or `hosts = [...]`): each with its own
    /// slots; the first is also `backend.host`. Empty for the classic single server.
    pub hosts: Vec<HostSlots>,
    /// At most this many images per class.
    pub limit_per_class: Option<usize>,
    /// A random sample of this many images.
    pub sample: Option<usize>,
    /// Seed for `limit_per_class`, `sample` and the interleaved order.
    pub seed: u64,
    /// The order items are asked in.
    pub order: RunOrder,
    /// Ask the server even when a cached answer exists.
    pub no_cache: bool,
    /// Downscale images whose longer side exceeds this many pixels.
    pub max_side: Option<u32>,
    /// Session folder to create.
    pub out: Option<PathBuf>,
    /// Session folder to resume.
    pub resume: Option<PathBuf>,
    /// Session folder this run is linked to (`--from`): its results are kept for the images
    /// `only` does not ask again.
    pub from: Option<PathBuf>,
    /// Which of the parent's images to ask again (with `from`).
    pub only: RerunScope,
    /// Stop once the 95% interval on accuracy is narrower than ± this (`--until-ci`).
    pub until_ci: Option<f64>,
    /// On resume, ask again the items whose last attempt failed (`--retry-failed`).
    pub retry_failed: bool,
    /// A session whose label corrections are the truth of this (new) run: copied into the
    /// new session's `corrections.jsonl` at start (`--from S --with-corrections`,
    /// `--corrections-from S`, or the workbench's offer accepted).
    pub corrections_from: Option<PathBuf>,
    /// Nobody watches the answers arrive (`squint run`): no per-token events, and results are
    /// written in longer batches ([`crate::engine::RunPlan::journal_window`]).
    pub headless: bool,
}

impl Default for RunSpec {
    fn default() -> Self {
        RunSpec {
            dataset: None,
            layout: None,
            template: None,
            modelfile: None,
            template_text: None,
            backend: BackendConfig::default(),
            model: None,
            concurrency: 1,
            hosts: Vec::new(),
            limit_per_class: None,
            sample: None,
            seed: 0,
            order: RunOrder::Interleaved,
            no_cache: false,
            max_side: None,
            out: None,
            resume: None,
            from: None,
            only: RerunScope::All,
            until_ci: None,
            retry_failed: false,
            corrections_from: None,
            headless: false,
        }
    }
}

impl RunSpec {
    /// The settings a stored session was run with: its dataset, layout, selection and seed,
    /// its exact template text, its backend, host, model and request settings. `resume` is
    /// `dir`, so the run continues that session; to re-run it as a new session, clear it.
    /// The one place a session becomes run settings (`squint run --resume`/`--from` and the
    /// workbench's `r` on a past or stopped session).
    pub fn from_session(dir: &Path, meta: &SessionMeta) -> RunSpec {
        let defaults = RunSpec::default();
        let backend = &meta.backend;
        RunSpec {
            dataset: Some(meta.dataset.path.clone()),
            layout: Some(meta.dataset.layout),
            template_text: Some((
                format!("session:{}", meta.template.source),
                meta.template.text.clone(),
            )),
            backend: BackendConfig {
                kind: backend.kind,
                // An imported session records no server: the defaults stand in.
                host: Some(backend.host.clone()).filter(|h| !h.is_empty()),
                api_key_env: backend
                    .api_key_env
                    .clone()
                    .unwrap_or(defaults.backend.api_key_env.clone()),
                timeout: match backend.timeout_s {
                    0 => defaults.backend.timeout,
                    secs => Duration::from_secs(secs),
                },
                retries: backend.retries,
                logprobs: backend.logprobs && backend.kind == BackendKind::Openai,
                ..defaults.backend.clone()
            },
            model: Some(backend.model.clone()),
            concurrency: backend.concurrency,
            hosts: backend
                .hosts
                .iter()
                .filter_map(|h| HostSlots::parse(h).ok())
                .collect(),
            limit_per_class: meta.dataset.limit_per_class,
            sample: meta.dataset.sample,
            seed: meta.dataset.seed,
            order: meta.dataset.order,
            max_side: backend.max_side,
            resume: Some(dir.to_path_buf()),
            ..defaults
        }
    }
}

/// A run ready to connect: the scanned dataset, the selected items and the rendered prompt.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The whole scanned dataset.
    pub dataset: Dataset,
    /// The items this run classifies (after `--limit-per-class` / `--sample`), in asking order:
    /// positions in the dataset's list, which they share.
    pub items: RunItems,
    /// The prompt template.
    pub template: Template,
    /// Where the template came from: a path, `bundled:NAME`, `modelfile:PATH` or `session`.
    pub template_source: String,
    /// The labels, spelled as in the dataset.
    pub labels: Vec<String>,
    /// The prompt with placeholders filled.
    pub rendered: RenderedPrompt,
    /// The model to ask.
    pub model: String,
    /// Things the user should know (bias lint, skipped files).
    pub warnings: Vec<String>,
    /// For a run linked to an earlier session: what is kept from it and what is asked.
    pub inheritance: Option<Inheritance>,
    /// Label corrections of another session for these images: applied (`corrections_from`)
    /// or offered (the linked session's, or an earlier session's on the same dataset).
    pub carried: Option<CarriedCorrections>,
}

/// The model to ask: `--model`, else the Modelfile's `FROM`, else Ollama's default.
fn choose_model(spec: &RunSpec, template: &Template) -> Result<String, SetupError> {
    match (&spec.model, &template.model, spec.backend.kind) {
        (Some(model), _, _) | (None, Some(model), _) => Ok(model.clone()),
        (None, None, BackendKind::Ollama) => Ok(DEFAULT_OLLAMA_MODEL.to_string()),
        (None, None, BackendKind::Openai) => Err(SetupError::NoModel),
    }
}

/// Scans the dataset, resolves the template and labels, renders and lints the prompt.
/// Blocking file IO: async callers use `spawn_blocking`.
pub fn prepare(spec: &RunSpec) -> Result<Prepared, SetupError> {
    let dataset_path = spec.dataset.clone().ok_or(SetupError::NoDataset)?;
    let dataset = dataset::scan(&dataset_path, spec.layout)?;
    if dataset.items.is_empty() {
        return Err(SetupError::EmptyDataset { path: dataset_path });
    }
    let selected = dataset::select(&dataset.items, spec.limit_per_class, spec.sample, spec.seed);
    let order = dataset::arrange(&dataset.items, selected, spec.order, spec.seed);
    let items = RunItems::new(&dataset.root, dataset.items.clone(), order);
    let (template, template_source) = template_source::resolve(spec, Some(&dataset))?;
    let classes = dataset.classes();
    let labels = template.resolve_labels(&classes)?;
    let rendered = template.render(&labels)?;
    let mut warnings: Vec<String> = bias_lint(&rendered, &labels)
        .iter()
        .map(|w| w.message())
        .collect();
    warnings.extend(dataset.warnings.iter().cloned());
    let model = choose_model(spec, &template)?;
    let inheritance = match &spec.from {
        Some(parent) => Some(rerun::inherit(
            parent, &spec.only, &items, &labels, spec.seed,
        )?),
        None => None,
    };
    warnings.extend(inheritance.iter().flat_map(Inheritance::warnings));
    let carried = carry::find(spec, &items, &labels, &dataset_path)?;
    let prepared = Prepared {
        dataset,
        items,
        template,
        template_source,
        labels,
        rendered,
        model,
        warnings,
        inheritance,
        carried,
    };
    if let Some(dir) = &spec.resume {
        start::check_resumable(dir, &prepared)?;
    }
    Ok(prepared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::sample_meta;

    #[test]
    fn a_session_becomes_its_own_run_settings() {
        let meta = sample_meta("s", "2026-11-29T14:30:12Z");
        let spec = RunSpec::from_session(Path::new("/sessions/s"), &meta);
        assert_eq!(spec.backend.host.as_deref(), Some("http://127.0.0.1:11434"));
        assert_eq!(spec.backend.timeout, Duration::from_secs(120));
        assert_eq!(spec.resume.as_deref(), Some(Path::new("/sessions/s")));
        assert_eq!(spec.model.as_deref(), Some("llava:7b"));
    }

    #[test]
    fn an_imported_session_leaves_server_and_timeout_to_the_defaults() {
        let mut meta = sample_meta("s", "2026-11-29T14:30:12Z");
        meta.backend.host = String::new();
        meta.backend.timeout_s = 0;
        let spec = RunSpec::from_session(Path::new("/sessions/s"), &meta);
        assert_eq!(spec.backend.host, None);
        assert_eq!(spec.backend.timeout, RunSpec::default().backend.timeout);
    }
}
