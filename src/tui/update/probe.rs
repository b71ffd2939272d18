//! The prompt-prior probe in the workbench (`P` on the run screen): starts `squint probe`'s
//! code with the run's template, model and server (an effect, off the UI thread), follows its
//! reports into the overlay, scrolls it, and stops it when the overlay closes. Pure.

use std::sync::Arc;

use crate::domain::calibration::Prior;
use crate::domain::probe::ProbeReport;
use crate::domain::sanitize::one_line;
use crate::session::SavedPrior;
use crate::tui::keymap::Action;
use crate::tui::model::{Level, Model, Overlay, PriorEstimate, ProbeOutcome, ProbeState};
use crate::tui::msg::{Effect, ProbeUpdate};

/// Images of each kind (white, black, grey, noise), as `squint probe`'s default `--n`.
const PROBE_N: usize = 10;

/// `P`: probe the prompt of the run on screen (a running probe is shown, not restarted).
pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    model.overlay = Some(Overlay::Probe);
    if model
        .probe
        .as_ref()
        .is_some_and(|p| p.outcome == ProbeOutcome::Running)
    {
        return Vec::new();
    }
    let mut spec = model.run.spec.clone().unwrap_or_else(|| model.spec.clone());
    // The probe reads the template, dataset and server settings only.
    spec.resume = None;
    spec.from = None;
    spec.out = None;
    model.probes_started += 1;
    let id = model.probes_started;
    model.probe = Some(ProbeState {
        id,
        prompt: prompt_name(model),
        model: spec.model.clone(),
        host: None,
        total: 0,
        images: None,
        report: None,
        outcome: ProbeOutcome::Running,
        scroll: 0,
        key: model.run.prompt_key.clone(),
    });
    vec![Effect::Probe {
        id,
        spec: Box::new(spec),
        n: PROBE_N,
    }]
}

/// The prompt probed, as the run screen names it.
fn prompt_name(model: &Model) -> String {
    match &model.run.prepared {
        Some(p) => match p.template_version {
            Some(n) => format!("{} v{n}", one_line(&p.template)),
            None => one_line(&p.template),
        },
        None => "the run's template".to_owned(),
    }
}

/// A key in the overlay: scroll, or close (which stops a running probe).
pub(super) fn key(model: &mut Model, action: Option<Action>) -> Vec<Effect> {
    let Some(probe) = &mut model.probe else {
        model.overlay = None;
        return Vec::new();
    };
    match action {
        Some(Action::Down) => probe.scroll = probe.scroll.saturating_add(1),
        Some(Action::Up) => probe.scroll = probe.scroll.saturating_sub(1),
        Some(Action::Close | Action::Quit) => {
            model.overlay = None;
            let running = probe.outcome == ProbeOutcome::Running;
            model.probe = None;
            if running {
                return vec![Effect::StopProbe];
            }
        }
        _ => {}
    }
    Vec::new()
}

/// The probe `id` reported a step (reports of a probe no longer shown are ignored).
pub(super) fn progressed(model: &mut Model, id: u64, update: ProbeUpdate) -> Vec<Effect> {
    let Some(probe) = model.probe.as_mut().filter(|p| p.id == id) else {
        return Vec::new();
    };
    match update {
        ProbeUpdate::Connected {
            model: name,
            digest,
            host,
            skipped,
            total,
            images,
        } => {
            probe.model = Some(name);
            // The estimate is of the weights this server has.
            probe.key = probe.key.take().map(|k| k.with_digest(digest));
            let passed_over = (!skipped.is_empty())
                .then(|| format!("probing on {host}; passed over: {}", skipped.join("; ")));
            probe.host = Some(host);
            probe.total = total;
            probe.images = Some(images);
            if let Some(text) = passed_over {
                model.notify(Level::Warn, text);
            }
        }
        ProbeUpdate::Answered(report) => probe.report = Some(report),
        ProbeUpdate::Finished(report) => {
            let estimate = estimate(probe, &report);
            probe.report = Some(report);
            probe.outcome = ProbeOutcome::Done;
            if let Some(estimate) = estimate {
                let prior = SavedPrior {
                    model: estimate.key.model.clone(),
                    model_digest: estimate.key.digest.clone(),
                    prompt_digest: estimate.key.prompt_digest.clone(),
                    prompt: estimate.prompt.clone(),
                    content_free: estimate.content_free.clone(),
                    time: String::new(),
                };
                super::calibration::keep(model, estimate);
                model.dirty = true;
                return vec![Effect::SavePrior { prior }];
            }
        }
        ProbeUpdate::Failed(why) => probe.outcome = ProbeOutcome::Failed(why),
    }
    model.dirty = true;
    Vec::new()
}

/// The content-free estimate of a finished probe: `None` when the server gave no logprobs or
/// no run was prepared (nothing it could calibrate).
fn estimate(probe: &ProbeState, report: &ProbeReport) -> Option<PriorEstimate> {
    let content_free = report.content_free.clone()?;
    let prior = Prior::new(&content_free)?;
    Some(PriorEstimate {
        key: probe.key.clone()?,
        prompt: probe.prompt.clone(),
        content_free,
        prior: Arc::new(prior),
    })
}
