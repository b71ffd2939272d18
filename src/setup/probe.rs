//! The prompt-prior probe (`squint probe`): asks the model about content-free images made in
//! memory (white, black, grey, noise; each N times) with a run's prompt, and tallies which
//! labels it answers. Same template, model and server rules as a run (with several servers,
//! the first that checks out is asked); never writes a session, never uses the answer cache
//! (the point is to ask), never prints.

use super::start::public_url;
use super::{RunSpec, SetupError, choose_model, template_source};
use crate::backend::{
    self, Backend, BackendConfig, BackendError, ClassifyRequest, ModelInfo, TokenEvent,
};
use crate::dataset;
use crate::domain::lint::bias_lint;
use crate::domain::parse::{LabelSet, parse_answer};
use crate::domain::probe::{Blank, ProbeTally};
use crate::domain::template::{OutputMode, RenderedPrompt, Template};
use crate::imaging::blank_png;

/// Side of the probe images when no dataset gives a size (LLaVA-style encoders take 224-336).
pub(super) const DEFAULT_SIDE: u32 = 224;

/// Everything a probe needs, resolved from the flags.
#[derive(Debug, Clone)]
pub struct ProbePlan {
    /// The prompt template.
    pub template: Template,
    /// Where it came from.
    pub template_source: String,
    /// The labels.
    pub labels: Vec<String>,
    /// The prompt with placeholders filled.
    pub rendered: RenderedPrompt,
    /// Labels and aliases for parsing.
    pub label_set: LabelSet,
    /// The model to ask.
    pub model: String,
    /// Width and height of the probe images (the dataset's first image, else 224 x 224).
    pub size: (u32, u32),
    /// Images of each kind.
    pub n: usize,
    /// Bias-lint warnings.
    pub warnings: Vec<String>,
}

impl ProbePlan {
    /// Requests the probe sends.
    pub fn total(&self) -> usize {
        self.n * Blank::ALL.len()
    }
}

/// Resolves template, labels and model. A dataset is optional: it gives the labels when the
/// template lists none, its own `template.toml`, and the image size. Blocking file IO.
pub fn prepare_probe(spec: &RunSpec, n: usize) -> Result<ProbePlan, SetupError> {
    let dataset = match &spec.dataset {
        Some(path) => Some(dataset::scan(path, spec.layout)?),
        None => None,
    };
    let (template, template_source) = template_source::resolve(spec, dataset.as_ref())?;
    let classes = match &dataset {
        Some(d) => d.classes(),
        None => template.labels.clone().unwrap_or_default(),
    };
    if classes.is_empty() {
        return Err(SetupError::TemplateNotFound(format!(
            "template {} lists no labels: pass --dataset PATH so the probe knows them",
            template_source
        )));
    }
    let labels = template.resolve_labels(&classes)?;
    let rendered = template.render(&labels)?;
    let warnings = bias_lint(&rendered, &labels)
        .iter()
        .map(|w| w.message())
        .collect();
    let size = dataset
        .as_ref()
        .and_then(|d| d.items.first().map(|item| d.path(item)))
        .and_then(|path| image::image_dimensions(path).ok())
        .unwrap_or((DEFAULT_SIDE, DEFAULT_SIDE));
    Ok(ProbePlan {
        model: choose_model(spec, &template)?,
        label_set: template.label_set(&labels),
        template,
        template_source,
        labels,
        rendered,
        size,
        n,
        warnings,
    })
}

/// Asks every probe image in turn; `progress` sees the tally after each answer. A server or
/// model that becomes unusable ends the probe with its error; other failures are counted.
pub async fn run_probe(
    plan: &ProbePlan,
    backend: &Backend,
    logprobs: bool,
    mut progress: impl FnMut(&ProbeTally),
) -> Result<ProbeTally, BackendError> {
    let mut tally = ProbeTally::new(&plan.labels);
    let base_seed = plan.template.options.seed.unwrap_or(0);
    for kind in Blank::ALL {
        for i in 0..plan.n {
            let (width, height) = plan.size;
            let image = match blank_png(kind, width, height, i as u64) {
                Ok(image) => image,
                Err(e) => {
                    tracing::warn!("probe image {}: {e}", kind.name());
                    tally.record_error();
                    continue;
                }
            };
            let mut options = plan.template.options.clone();
            // Repeats differ by seed, so a sampling model shows its spread.
            options.seed = Some(base_seed.wrapping_add(i as i64));
            let request = ClassifyRequest {
                model: plan.model.clone(),
                system: plan.rendered.system.clone(),
                prompt: plan.rendered.prompt.clone(),
                image,
                options,
                constrained_labels: (plan.template.output == OutputMode::Constrained)
                    .then(|| plan.labels.clone()),
                logprobs,
            };
            let mut ignore = |_: TokenEvent<'_>| {};
            let attempted = backend.classify_with_retry(&request, &mut ignore).await;
            match attempted.result {
                Ok(completion) => {
                    let parsed = parse_answer(
                        &completion.text,
                        &plan.label_set,
                        plan.template.output == OutputMode::Constrained,
                    );
                    tally.record(kind, parsed.label.as_deref());
                    if let Some(probs) =
                        backend::label_distribution(&completion.logprobs, &plan.labels)
                    {
                        tally.record_distribution(&probs);
                    }
                }
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => {
                    tracing::warn!("probe request failed: {e}");
                    tally.record_error();
                }
            }
            progress(&tally);
        }
    }
    Ok(tally)
}

/// The server a probe asks: the first configured one whose model checks out.
pub struct ProbeServer {
    /// The server.
    pub backend: Backend,
    /// Its address without credentials, for messages.
    pub host: String,
    /// The model as that server reported it.
    pub info: ModelInfo,
    /// Why each server before it was passed over (several servers only).
    pub skipped: Vec<String>,
}

/// Checks the server and the model exactly as a run does (reachable, present, takes images).
/// With several servers (`--host` more than once, or `hosts = [...]`) the probe needs only
/// one: the first in the run's rotation order that checks out, the ones before it said in
/// `skipped`; none checking out is an error naming each.
pub async fn connect_probe(spec: &RunSpec, plan: &ProbePlan) -> Result<ProbeServer, SetupError> {
    if spec.hosts.len() < 2 {
        let backend = Backend::new(spec.backend.clone())?;
        let info = backend.preflight(&plan.model).await?;
        let host = public_url(backend.host());
        return Ok(ProbeServer {
            backend,
            host,
            info,
            skipped: Vec::new(),
        });
    }
    let mut skipped = Vec::new();
    for server in &spec.hosts {
        let config = BackendConfig {
            host: Some(server.url.clone()),
            ..spec.backend.clone()
        };
        let backend = Backend::new(config)?;
        match backend.preflight(&plan.model).await {
            Ok(info) => {
                let host = public_url(backend.host());
                return Ok(ProbeServer {
                    backend,
                    host,
                    info,
                    skipped,
                });
            }
            Err(e) => skipped.push(e.to_string()),
        }
    }
    Err(SetupError::Servers(format!(
        "none of the {} servers could be probed: {}",
        spec.hosts.len(),
        skipped.join("; ")
    )))
}
