//! How run messages change the model: preparation, start, engine events, past sessions.
//! Pure: no IO, no clock reads (the instant comes from the last tick).

use crate::domain::compare::LiveAb;
use crate::domain::sanitize::one_line;
use crate::engine::events::RunEvent;
use crate::setup::RunSpec;
use crate::tui::model::{
    InFlight, Level, MatrixMode, Model, PAIRS_THRESHOLD, PriorKey, RunPhase, Screen,
};
use crate::tui::msg::{Effect, LoadedSession, PreparedInfo, StartedInfo};

/// The effects that (re)prepare the run from the current spec (the command line's, then the
/// start form's).
pub(super) fn prepare(model: &mut Model) -> Vec<Effect> {
    let spec = model.spec.clone();
    prepare_spec(model, spec)
}

/// The effects that prepare a run with `spec`; `r` then starts exactly that.
pub(super) fn prepare_spec(model: &mut Model, spec: RunSpec) -> Vec<Effect> {
    model.run.generation += 1;
    model.run.phase = RunPhase::Preparing;
    model.run.spec = Some(spec.clone());
    model.dirty = true;
    vec![Effect::PrepareRun {
        generation: model.run.generation,
        spec: Box::new(spec),
    }]
}

/// `r`: start (or re-start) the prepared run.
pub(super) fn start(model: &mut Model) -> Vec<Effect> {
    match model.run.phase {
        // A finished run: ask which images to ask again (a new session linked to this one).
        // (A run stopped early by `--until-ci` is continued instead, below.)
        RunPhase::Finished { interrupted: false }
            if model.run.prepared.is_some()
                && model.run.session_dir.is_some()
                && model.run.stopped_early.is_none() =>
        {
            super::prompt::ask_rerun_scope(model)
        }
        RunPhase::Ready | RunPhase::Finished { .. } if model.run.prepared.is_some() => {
            let mut spec = model.run.spec.clone().unwrap_or_else(|| model.spec.clone());
            spec.corrections_from = model.run.carry_accepted.clone().or(spec.corrections_from);
            if let RunPhase::Finished { interrupted } = model.run.phase {
                // A stopped run continues its own session; a finished one runs again anew.
                // A run stopped early (`--until-ci`) is continued too, asking the rest: with
                // a target it already reached it would stop at once, so that one is dropped.
                let stopped_early = model.run.stopped_early;
                spec.resume = model
                    .run
                    .session_dir
                    .clone()
                    .filter(|_| interrupted || stopped_early.is_some());
                if let (Some(reached), Some(target)) = (stopped_early, spec.until_ci)
                    && reached < target
                {
                    spec.until_ci = None;
                }
                spec.retry_failed = false;
                spec.out = None;
                spec.from = None;
            }
            model.run.phase = RunPhase::Connecting;
            model.screen = Screen::Run;
            live_ab(model, &spec);
            let effect = Effect::StartRun {
                generation: model.run.generation,
                spec: Box::new(spec),
            };
            // A later `r` re-runs into a fresh session rather than resuming this one again.
            model.spec.resume = None;
            model.spec.out = None;
            model.spec.from = None;
            model.spec.corrections_from = None;
            model.spec.only = crate::domain::scope::RerunScope::All;
            model.drill = None;
            model.dirty = true;
            vec![effect]
        }
        RunPhase::Viewing => {
            // A past session: prepare it with its own settings, the user presses r again.
            match model.run.spec.clone() {
                Some(spec) => prepare_spec(model, spec),
                None => prepare(model),
            }
        }
        RunPhase::NotReady => prepare(model),
        RunPhase::Preparing => {
            // Typed before the scan ended (even before the first frame): the run starts once
            // it is prepared, as after Ctrl-R on the start screen.
            model.run.auto_start = true;
            Vec::new()
        }
        RunPhase::Connecting | RunPhase::Running | RunPhase::Paused => Vec::new(),
        RunPhase::Ready | RunPhase::Finished { .. } => prepare(model),
    }
}

/// Space: pause or resume.
pub(super) fn toggle_pause(model: &mut Model) -> Vec<Effect> {
    match model.run.phase {
        RunPhase::Running => vec![Effect::PauseRun],
        RunPhase::Paused => vec![Effect::ResumeRun],
        _ => Vec::new(),
    }
}

/// The dataset was scanned.
pub(super) fn prepared(
    model: &mut Model,
    generation: u64,
    result: Result<PreparedInfo, String>,
) -> Vec<Effect> {
    if generation != model.run.generation {
        return Vec::new();
    }
    match result {
        Ok(mut info) => {
            model.run.phase = RunPhase::Ready;
            drop_live_ab(model);
            model.run.reset(info.items.len(), &info.labels);
            model.run.model.clone_from(&info.model);
            model.run.dataset_root.clone_from(&info.dataset_root);
            model.run.session_dir = None;
            model.live = Default::default();
            // A session to continue shows what it already holds before anything is asked.
            let resume = model.run.spec.as_ref().and_then(|s| s.resume.clone());
            if let Some(dir) = resume {
                for (index, result) in std::mem::take(&mut info.journaled) {
                    model.run.record(index, result, true);
                }
                model.run.corrections = std::mem::take(&mut info.corrections);
                model.run.session_dir = Some(dir);
            }
            auto_mode(model, info.labels.len());
            for w in &info.warnings {
                model.notify(Level::Warn, w);
            }
            model.run.carry_accepted = None;
            model.run.carry_offer = None;
            match info.carried.clone() {
                Some(c) if c.applied => model.notify(
                    Level::Info,
                    format!(
                        "{} from {}: the truth of this run",
                        c.describe(),
                        c.from.display()
                    ),
                ),
                Some(c) => {
                    // Asked before anything starts (Ctrl-R waits for the answer).
                    model.run.carry_offer = Some(c);
                    model.overlay = Some(crate::tui::model::Overlay::CarryCorrections);
                }
                None => {}
            }
            model.run.prompt_key = Some(PriorKey::of(&info));
            model.run.prepared = Some(info);
            model.browse = Default::default();
            if model.run.carry_offer.is_none() && std::mem::take(&mut model.run.auto_start) {
                return start(model);
            }
            if model.screen == Screen::Start {
                return super::start::open_browse(model);
            }
            Vec::new()
        }
        Err(e) => {
            model.run.phase = RunPhase::NotReady;
            model.run.auto_start = false;
            // A session opened with `--resume` that cannot be continued (an imported one has
            // no prompt; its dataset moved) is still shown, read-only, with the reason.
            let resume = model.run.spec.as_ref().and_then(|s| s.resume.clone());
            if let Some(dir) = resume.filter(|_| model.run.prepared.is_none()) {
                model.notify(Level::Info, format!("opened read-only: {e}"));
                return vec![Effect::OpenSession { dir }];
            }
            model.notify(Level::Error, e);
            // Opened straight on the run screen with something unusable: go where it can be fixed.
            if model.screen == Screen::Run && model.run.prepared.is_none() {
                model.screen = Screen::Start;
                return super::start::list_models(model);
            }
            Vec::new()
        }
    }
}

/// The engine started, or connecting failed.
pub(super) fn started(model: &mut Model, result: Result<StartedInfo, String>) -> Vec<Effect> {
    match result {
        Ok(info) => {
            model.run.session_dir = Some(info.session_dir);
            model.run.host = info.host;
            model.run.model = info.model;
            // The server now named the weights: estimates are looked up by their digest, and
            // one chosen before (by name only, or for other weights) no longer applies.
            let before = model.run.prompt_key.take();
            model.run.prompt_key = before.clone().map(|k| k.with_digest(info.model_digest));
            if model.run.prompt_key != before && model.run.calibrated.take().is_some() {
                model.run.recount();
                model.notify(
                    Level::Info,
                    "calibrated view off: the server named the model's weights; K calibrates \
                     with an estimate of these weights",
                );
            }
            model.run.phase = RunPhase::Running;
            if let Some(corrections) = info.corrections {
                model.run.corrections = corrections;
                model.run.corrections_on = true;
                model.run.recount();
            }
        }
        Err(e) => {
            model.run.phase = RunPhase::Ready;
            model.notify(Level::Error, e);
        }
    }
    model.dirty = true;
    Vec::new()
}

/// One engine event.
pub(super) fn event(model: &mut Model, event: RunEvent) -> Vec<Effect> {
    let run = &mut model.run;
    match event {
        RunEvent::Started { total, .. } => {
            let labels = run
                .prepared
                .as_ref()
                .map(|p| p.labels.clone())
                .unwrap_or_default();
            // A continued session keeps its corrections (and whether `T` shows them).
            let corrections = std::mem::take(&mut run.corrections);
            let on = run.corrections_on;
            run.reset(total, &labels);
            run.corrections = corrections;
            run.corrections_on = on;
            run.timing.started = model.now;
            run.phase = RunPhase::Running;
            model.live.selected = None;
        }
        RunEvent::ItemStarted {
            index,
            image,
            truth,
        } => {
            run.in_flight.insert(
                index,
                InFlight {
                    image,
                    truth,
                    text: String::new(),
                    attempt: 1,
                    retry_error: None,
                },
            );
        }
        RunEvent::Token { index, text } => run.stream(index, &text),
        RunEvent::Retrying {
            index,
            attempt,
            error,
        } => {
            if let Some(item) = run.in_flight.get_mut(&index) {
                item.text.clear();
                item.attempt = attempt;
                item.retry_error = Some(error.message);
            }
        }
        RunEvent::ItemFinished {
            index,
            result,
            replayed,
        } => run.record(index, result, replayed),
        // Only the engine reports pause and resume; a repeat changes nothing.
        RunEvent::Paused if run.phase == RunPhase::Running => {
            run.phase = RunPhase::Paused;
            run.timing.paused_since = model.now;
        }
        RunEvent::Resumed if run.phase == RunPhase::Paused => {
            run.phase = RunPhase::Running;
            if let (Some(since), Some(now)) = (run.timing.paused_since.take(), model.now) {
                run.timing.paused_total += now.saturating_duration_since(since);
            }
        }
        RunEvent::Paused | RunEvent::Resumed => {}
        RunEvent::Warning(w) => model.notify(Level::Warn, w),
        RunEvent::Hosts(shares) => run.hosts = shares,
        RunEvent::Aborted { error } => {
            run.abort_error = Some(one_line(&error.message));
            model.notify(Level::Error, error.message);
        }
        RunEvent::StoppedEarly {
            answered,
            half_width,
        } => {
            run.stopped_early = Some(half_width);
            model.notify(
                Level::Info,
                format!(
                    "Stopped early: the accuracy is known to ±{:.1} points after {answered} answers; the rest can be asked later with squint run --resume",
                    half_width * 100.0
                ),
            );
        }
        RunEvent::Finished { interrupted } => {
            run.phase = RunPhase::Finished { interrupted };
            run.in_flight.clear();
            if let Some(since) = run.timing.paused_since.take() {
                let now = model.now.unwrap_or(since);
                run.timing.paused_total += now.saturating_duration_since(since);
            }
            run.timing.ended = model.now.or(run.timing.started);
            model.dirty = true;
            // The recent-sessions list shows this run's figures from now on.
            return vec![Effect::LoadChoices];
        }
    }
    model.dirty = true;
    Vec::new()
}

/// A past session was read: show it on the run screen, read-only.
pub(super) fn session_loaded(
    model: &mut Model,
    result: Result<Box<LoadedSession>, String>,
) -> Vec<Effect> {
    let session = match result {
        Ok(s) => s,
        Err(e) => {
            model.notify(Level::Error, e);
            return Vec::new();
        }
    };
    let run = &mut model.run;
    // A preparation still under way is for what was on screen before: it neither replaces
    // this session nor starts anything.
    if run.phase == RunPhase::Preparing {
        run.generation += 1;
    }
    run.auto_start = false;
    run.reset(session.total.max(session.results.len()), &session.labels);
    for (i, r) in session.results.into_iter().enumerate() {
        run.record(i, r, true);
    }
    run.corrections = session.corrections;
    run.phase = RunPhase::Viewing;
    run.ab = None;
    run.prepared = None;
    run.prompt_key = Some(
        PriorKey::new(&session.model, &session.template_text, &session.labels)
            .with_digest(session.model_digest),
    );
    run.session_dir = Some(session.dir);
    run.dataset_root = session.dataset_root;
    run.host = session.host;
    run.model = session.model;
    let labels = run.axis.rows.len();
    // `r` continues an unfinished session and re-runs a finished one as a new session, with
    // the session's own dataset, template, backend, host and model.
    let mut spec = session.spec;
    if session.finished {
        spec.resume = None;
    }
    run.spec = Some(spec);
    model.screen = Screen::Run;
    model.drill = None;
    model.matrix = Default::default();
    model.live = Default::default();
    auto_mode(model, labels);
    model.dirty = true;
    Vec::new()
}

/// `f`: ask the failed items of the session on screen again. The session is continued with
/// its own settings and `--retry-failed`, started as soon as it is prepared.
pub(super) fn retry_failed(model: &mut Model) -> Vec<Effect> {
    if model.run.phase.is_active() || model.run.phase == RunPhase::Preparing {
        model.notify(
            Level::Info,
            "a run is active: f retries failed items once it is over",
        );
        return Vec::new();
    }
    let Some(dir) = model.run.session_dir.clone() else {
        model.notify(
            Level::Info,
            "no session yet: run first (r), then f retries its failed items",
        );
        return Vec::new();
    };
    if model.run.tally.errors() == 0 {
        model.notify(Level::Info, "this session has no failed items to retry");
        return Vec::new();
    }
    let mut spec = model.run.spec.clone().unwrap_or_else(|| model.spec.clone());
    spec.resume = Some(dir);
    spec.retry_failed = true;
    spec.out = None;
    spec.from = None;
    spec.only = crate::domain::scope::RerunScope::All;
    model.run.auto_start = true;
    prepare_spec(model, spec)
}

/// A new session linked to a parent (`--from`, a re-run scope) is shown against it as answers
/// arrive: the delta matrix in the matrix pane and the A/B line above the status line. A
/// continued session (`--resume`) is not: its earlier answers arrive as replayed results.
fn live_ab(model: &mut Model, spec: &RunSpec) {
    let parent = model
        .run
        .prepared
        .as_ref()
        .and_then(|p| Some((p.parent_results.clone()?, p.to_ask)));
    model.run.ab = match (&spec.from, &spec.resume, parent) {
        (Some(_), None, Some((parent, to_ask))) => {
            Some(LiveAb::new(parent, &model.run.axis.rows, to_ask as u64))
        }
        _ => None,
    };
    if model.run.ab.is_some() {
        model.matrix.mode = MatrixMode::Delta;
    }
}

/// Forgets the live A/B (another run was prepared, or a session opened).
fn drop_live_ab(model: &mut Model) {
    model.run.ab = None;
    if model.matrix.mode == MatrixMode::Delta {
        model.matrix.mode = MatrixMode::Full;
    }
}

/// Picks the pairs list for many classes unless the user chose a mode.
fn auto_mode(model: &mut Model, labels: usize) {
    if !model.matrix.mode_chosen {
        model.matrix.mode = if labels > PAIRS_THRESHOLD {
            MatrixMode::Pairs
        } else {
            MatrixMode::Full
        };
    }
}
