//! `K` on the matrix: the calibrated view on or off. It calibrates the run on screen with the
//! probe's content-free estimate for the same model and prompt (never another's), then
//! recounts; without an estimate, or without label probabilities in the run, it says what to
//! do instead. Pure: no IO.

use crate::tui::model::{CalibratedView, Level, Model};
use crate::tui::msg::Effect;

/// What to do for an estimate, said when there is none to use.
const HOW: &str = "press P to estimate the prompt's prior; needs a server that gives logprobs \
                   (--logprobs for OpenAI-compatible servers)";

/// `K`: switches the calibrated view.
pub(super) fn toggle(model: &mut Model) -> Vec<Effect> {
    if model.run.calibrated.take().is_some() {
        model.run.recount();
        model.notify(Level::Info, "calibrated view off: the model's own labels");
        return Vec::new();
    }
    let Some(key) = model.run.prompt_key.clone() else {
        model.notify(Level::Info, "no run on screen to calibrate");
        return Vec::new();
    };
    let Some(estimate) = model.priors.iter().find(|p| p.key == key) else {
        let text = match model.priors.first() {
            Some(other) => format!(
                "the content-free estimate at hand is for another prompt or model ({} · {}): {HOW}",
                other.prompt, other.key.model
            ),
            None => format!("no content-free estimate for this prompt yet: {HOW}"),
        };
        model.notify(Level::Warn, text);
        return Vec::new();
    };
    let answered = model.run.results.iter().flatten().count();
    let with_probs = model
        .run
        .results
        .iter()
        .flatten()
        .filter(|r| r.label_probs.is_some())
        .count();
    if answered > 0 && with_probs == 0 {
        model.notify(
            Level::Warn,
            format!(
                "nothing to calibrate: none of the {answered} results has label probabilities \
                 (the server gave no logprobs, or the labels take more than one token); \
                 re-run with logprobs (--logprobs for OpenAI-compatible servers)"
            ),
        );
        return Vec::new();
    }
    let prior = estimate.prior.clone();
    let run = &mut model.run;
    run.calibrated = Some(CalibratedView::new(prior, &run.axis.rows, run.total as u64));
    run.recount();
    let text = run.calibrated.as_ref().map(CalibratedView::summary);
    let (raw, calibrated) = accuracies(model);
    model.notify(
        Level::Info,
        format!(
            "calibrated view on: {}{}",
            text.unwrap_or_default(),
            match (raw, calibrated) {
                (Some(raw), Some(cal)) =>
                    format!(" · accuracy {:.1}% → {:.1}%", raw * 100.0, cal * 100.0),
                _ => String::new(),
            }
        ),
    );
    Vec::new()
}

/// The raw and the calibrated accuracy while the view is on.
fn accuracies(model: &Model) -> (Option<f64>, Option<f64>) {
    match &model.run.calibrated {
        Some(view) => (view.raw.accuracy(), model.run.tally.accuracy()),
        None => (None, None),
    }
}
