//! `update(model, msg) -> effects`: the only place the workbench's state changes.
//! Pure and synchronous: no IO, no tokio, no terminal, no clock reads. The runtime executes the
//! returned effects and feeds their results back as messages.

mod calibration;
mod carry;
mod compare;
mod corrections;
mod drill;
mod export;
mod keys;
mod live;
mod mouse;
mod probe;
mod prompt;
mod prompt_view;
mod review;
mod run;
mod search;
mod start;
mod text_field;
mod versions;

use std::path::PathBuf;

use crate::tui::model::{Level, Model, RunPhase, Screen};
use crate::tui::msg::{Effect, Msg};

pub use drill::selected_cell;
pub use start::common_prefix;

/// The keymap context of a screen (without overlays), for the help overlay.
pub fn key_context(screen: crate::tui::model::Screen) -> crate::tui::keymap::Context {
    use crate::tui::keymap::Context;
    use crate::tui::model::Screen;
    match screen {
        Screen::Start => Context::Start,
        Screen::Browse => Context::Browse,
        Screen::Run => Context::Matrix,
        Screen::Drill => Context::Drill,
        Screen::Prompt => Context::Editor,
    }
}

pub use crate::tui::model::NOTICE_SECS;

/// The first effects: with a dataset (its own `template.toml`, or one given) or a session to
/// resume, open on the run screen and prepare, so `r` starts; otherwise the start screen with
/// the lists loading.
pub fn init(model: &mut Model) -> Vec<Effect> {
    let spec = &model.spec;
    let mut effects = vec![Effect::LoadChoices];
    if spec.dataset.is_some() || spec.resume.is_some() {
        model.screen = crate::tui::model::Screen::Run;
        effects.extend(run::prepare(model));
    } else {
        model.screen = crate::tui::model::Screen::Start;
        effects.extend(start::list_models(model));
    }
    effects
}

/// Applies one message to the model and returns the work it asks for.
/// Anything but a tick or a drawn frame may change what is on screen, so it marks the model
/// dirty; the runtime draws dirty models (`tui::pacing`: at once after a key, else at most
/// about 30 times a second).
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let changes_screen = match &msg {
        Msg::Ticked(_) | Msg::FrameDrawn => false,
        Msg::Mouse(event) => mouse::matters(event),
        _ => true,
    };
    let effects = apply(model, msg);
    if changes_screen {
        model.dirty = true;
    }
    effects
}

fn apply(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::KeyPressed(key) => keys::key(model, key),
        Msg::Pasted(text) => keys::pasted(model, &text),
        Msg::Mouse(event) => mouse::mouse(model, event),
        Msg::Resized { width, height } => {
            model.size = (width, height);
            model.dirty = true;
            Vec::new()
        }
        Msg::Ticked(now) => {
            tick(model, now);
            Vec::new()
        }
        Msg::FrameDrawn => {
            model.dirty = false;
            Vec::new()
        }
        Msg::Configured {
            image_protocol,
            warnings,
        } => {
            model.image_protocol = image_protocol;
            for w in warnings {
                model.notify(Level::Warn, w);
            }
            Vec::new()
        }
        Msg::SignalReceived => {
            model.quitting = true;
            model.exit_code = 130;
            let mut effects = Vec::new();
            if model.run.phase.is_active() {
                effects.push(Effect::StopRun);
            }
            effects.push(Effect::Quit);
            effects
        }
        Msg::ChoicesLoaded(choices) => start::choices_loaded(model, choices),
        Msg::PathCompleted { input, candidates } => {
            start::path_completed(model, &input, candidates)
        }
        Msg::ModelsListed { host, result } => start::models_listed(model, &host, result),
        Msg::RunChecked { key, result } => start::run_checked(model, key, result),
        Msg::SessionLoaded(result) => run::session_loaded(model, result),
        Msg::ReportExported(result) => export::exported(model, result),
        Msg::CorrectionSaved(result) => corrections::saved(model, result),
        Msg::PriorLoaded { key, result } => calibration::loaded(model, key, result),
        Msg::PriorSaved(result) => calibration::saved(model, result),
        Msg::Prepared { generation, result } => run::prepared(model, generation, result),
        Msg::RunStarted(result) => run::started(model, result),
        Msg::StartRefused(why) => {
            use crate::tui::keymap::{Action, Context};
            let again = match model.keymap.hint_key(Context::Matrix, Action::Run) {
                Some(key) => format!("{why}; press {key} again"),
                None => why,
            };
            run::started(model, Err(again))
        }
        Msg::Run(event) => run::event(model, event),
        Msg::PromptSaved(result) => prompt::saved(model, result),
        Msg::Compared(result) => compare::compared(model, result),
        Msg::VersionsListed(result) => versions::listed(model, result),
        Msg::ExternallyEdited(edited) => prompt::externally_edited(model, edited),
        Msg::ProbeProgressed { id, update } => probe::progressed(model, id, update),
        Msg::ViewerFailed(why) => {
            model.notify(Level::Error, why);
            Vec::new()
        }
        Msg::PreviewReady { path, error } => {
            if model.preview.wanted.as_ref() == Some(&path) {
                model.preview.ready = error.is_none().then_some(path);
                model.preview.error = error;
                model.dirty = true;
            }
            Vec::new()
        }
        Msg::ThumbnailsReady => {
            model.dirty |= model.screen == Screen::Run;
            Vec::new()
        }
    }
}

/// The frame tick: advance the clock, expire notices, refresh the confused-pairs list.
fn tick(model: &mut Model, now: std::time::Instant) {
    model.now = Some(now);
    for n in model.notices.iter_mut().filter(|n| n.at.is_none()) {
        n.at = Some(now); // posted before the clock was known: expire from now
    }
    let before = model.notices.len();
    model.notices.retain(|n| n.is_up(Some(now)));
    if model.notices.len() != before {
        model.dirty = true;
    }
    if model.run.pairs_stale && model.matrix.mode == crate::tui::model::MatrixMode::Pairs {
        model.run.refresh_pairs();
        model.dirty = true;
    }
    // Rate, ETA and elapsed time move while a run is active.
    if matches!(
        model.run.phase,
        RunPhase::Running | RunPhase::Paused | RunPhase::Connecting
    ) {
        model.dirty = true;
    }
}

/// Asks for a preview of `path` unless it is already wanted.
pub(crate) fn request_preview(model: &mut Model, path: PathBuf) -> Vec<Effect> {
    if model.preview.wanted.as_ref() == Some(&path) {
        return Vec::new();
    }
    model.preview.wanted = Some(path.clone());
    model.preview.ready = None;
    model.preview.error = None;
    model.dirty = true;
    vec![Effect::RequestPreview { path }]
}

#[cfg(test)]
mod tests;
