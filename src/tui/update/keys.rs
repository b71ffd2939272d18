//! Key routing: overlays first, then text editing on the start form (printable keys are typed,
//! Tab completes the path) or in a list's `/` search, then the keymap's action for the current
//! screen. Deterministic:
//! the same keys always give the same state. Never does IO or reads the clock.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::tui::keymap::{Action, Context};
use crate::tui::model::{DrillFilter, Level, Model, Overlay, Screen};
use crate::tui::msg::Effect;

use super::{
    calibration, carry, compare, corrections, drill, export, live, probe, prompt, prompt_view,
    review, run, search, start, text_field, versions,
};

/// Handles one key press.
pub(super) fn key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if let Some(esc) = two_escapes(model, &key) {
        let mut effects = self::key(model, esc);
        if !model.quitting {
            effects.extend(self::key(model, esc));
        }
        return effects;
    }
    model.dirty = true;
    let context = context(model);
    let action = model.keymap.action(context, &key);
    if action == Some(Action::ForceQuit) {
        return interrupt(model);
    }
    match model.overlay {
        Some(Overlay::FullImage) => {
            model.overlay = None;
            return Vec::new();
        }
        Some(Overlay::ConfirmQuit) => {
            model.overlay = None;
            return if action == Some(Action::Yes) {
                quit_now(model)
            } else {
                Vec::new()
            };
        }
        Some(Overlay::Help) => return help(model, action),
        Some(Overlay::RerunScope) => return prompt::scope_key(model, action),
        Some(Overlay::Export) => return export::menu_key(model, action),
        Some(Overlay::Versions) => return versions::key(model, action),
        Some(Overlay::ComparePick | Overlay::Compare) => return compare::key(model, action),
        Some(Overlay::Relabel) => return corrections::picker_key(model, &key, action),
        Some(Overlay::PromptView) => return prompt_view::key(model, action),
        Some(Overlay::Probe) => return probe::key(model, action),
        Some(Overlay::CarryCorrections) => return carry::answer(model, action),
        None => {}
    }
    if model.screen == Screen::Prompt {
        // Only the editor's own bindings: q, ? and the rest are typed.
        if model.keymap.matches(Context::Editor, &key, Action::Help) {
            model.overlay = Some(Overlay::Help);
            model.help_scroll = 0;
            return Vec::new();
        }
        return prompt::key(model, key);
    }
    if model.screen == Screen::Start
        && let Some(effects) = text_input(model, &key)
    {
        return effects;
    }
    if search::editing(model) {
        return search::key(model, &key);
    }
    if action.is_none()
        && context == Context::Review
        && let Some(effects) = review::class_key(model, &key)
    {
        return effects;
    }
    match action {
        Some(action) => act(model, action),
        None => Vec::new(),
    }
}

/// The plain Esc that an unbound Alt-Esc stands for, pressed twice: a fast Esc Esc read in one
/// go reaches the workbench as one Alt-Esc where the start-up type-ahead decodes it, and a
/// person meant two Escapes. (Crossterm's own reader makes one plain Esc of it, which cannot
/// be told from a single press.) `None` for any other key, or where alt-esc is bound.
fn two_escapes(model: &Model, key: &KeyEvent) -> Option<KeyEvent> {
    let alt_esc = key.code == KeyCode::Esc && key.modifiers == KeyModifiers::ALT;
    if !alt_esc || model.keymap.binds(context(model), key) {
        return None;
    }
    let mut esc = *key;
    esc.modifiers = KeyModifiers::NONE;
    Some(esc)
}

/// The keymap context of the current screen and overlay.
pub(super) fn context(model: &Model) -> Context {
    match (model.overlay, model.screen) {
        (Some(Overlay::Help), _) => Context::Help,
        (Some(Overlay::ConfirmQuit | Overlay::CarryCorrections), _) => Context::Confirm,
        (Some(Overlay::FullImage), _) => Context::Image,
        (Some(Overlay::RerunScope), _) => Context::Rerun,
        (None, Screen::Prompt) => Context::Editor,
        (Some(Overlay::Export), _) => Context::Export,
        (Some(Overlay::Versions), _) => Context::Versions,
        (Some(Overlay::ComparePick | Overlay::Compare), _) => Context::Compare,
        (Some(Overlay::Relabel), _) => Context::Picker,
        (Some(Overlay::PromptView), _) => Context::PromptView,
        (Some(Overlay::Probe), _) => Context::Probe,
        (None, Screen::Start) => Context::Start,
        (None, Screen::Browse) => Context::Browse,
        (None, Screen::Run) => Context::Matrix,
        (None, Screen::Drill) if review::active(model) => Context::Review,
        (None, Screen::Drill) => Context::Drill,
    }
}

/// Editing the focused text field (readline keys, see `text_field`; Tab completes a path);
/// `None` when the key is not text editing.
fn text_input(model: &mut Model, key: &KeyEvent) -> Option<Vec<Effect>> {
    let field = model.start.field();
    if field.is_path() && model.keymap.matches(Context::Start, key, Action::Complete) {
        return Some(start::complete(model));
    }
    if !field.is_text() {
        return None;
    }
    let request = text_field::request(key, text_field::is_typed(model))?;
    if text_field::apply(model, &[request]) {
        start::after_edit(model, field);
    }
    Some(Vec::new())
}

/// Pasted text goes into the prompt editor, or the focused text field of the start screen.
pub(super) fn pasted(model: &mut Model, text: &str) -> Vec<Effect> {
    if model.screen == Screen::Prompt && model.overlay.is_none() {
        return prompt::paste(model, text);
    }
    let field = model.start.field();
    if model.screen == Screen::Start
        && model.overlay.is_none()
        && field.is_text()
        && text_field::apply(model, &text_field::paste_requests(text))
    {
        start::after_edit(model, field);
    }
    Vec::new()
}

fn act(model: &mut Model, action: Action) -> Vec<Effect> {
    match (model.screen, action) {
        (_, Action::Quit) => request_quit(model),
        (_, Action::ForceQuit) => interrupt(model),
        (_, Action::Help) => {
            model.overlay = Some(Overlay::Help);
            model.help_scroll = 0;
            Vec::new()
        }
        (_, Action::Back) if model.notices_shown() => {
            model.notices.clear();
            Vec::new()
        }
        // ─── Start ───
        (Screen::Start, Action::NextField) => start::move_focus(model, 1),
        (Screen::Start, Action::PrevField) => start::move_focus(model, -1),
        (Screen::Start, Action::ChoiceNext) => start::cycle(model, 1),
        (Screen::Start, Action::ChoicePrev) => start::cycle(model, -1),
        (Screen::Start, Action::Complete) => start::complete(model),
        (Screen::Start, Action::Select | Action::Browse) => start::submit(model),
        (Screen::Start, Action::Run) => {
            if let Some(problem) = model.start.number_problem() {
                model.notify(Level::Warn, problem);
                return Vec::new();
            }
            model.start.apply_to(&mut model.spec);
            model.run.auto_start = true;
            model.screen = Screen::Run;
            run::prepare(model)
        }
        // ─── Browse ───
        (Screen::Browse, Action::Next) => start::browse_move(model, 1),
        (Screen::Browse, Action::Prev) => start::browse_move(model, -1),
        (Screen::Browse, Action::PageDown) => start::browse_move(model, page(model)),
        (Screen::Browse, Action::PageUp) => start::browse_move(model, -page(model)),
        (Screen::Browse, Action::Top) => start::browse_move(model, isize::MIN / 2),
        (Screen::Browse, Action::Bottom) => start::browse_move(model, isize::MAX / 2),
        (Screen::Browse | Screen::Drill, Action::FullImage) => {
            if model.preview.wanted.is_some() {
                model.overlay = Some(Overlay::FullImage);
            }
            Vec::new()
        }
        (Screen::Browse | Screen::Drill, Action::Search) => search::begin(model),
        (Screen::Browse | Screen::Drill, Action::SearchNext) => search::step(model, 1),
        (Screen::Browse | Screen::Drill, Action::SearchPrev) => search::step(model, -1),
        (Screen::Drill, Action::Sort) => search::sort(model),
        (Screen::Browse | Screen::Drill, Action::CopyPath) => copy_path(model),
        (Screen::Browse | Screen::Drill, Action::OpenExternal) => open_external(model),
        (Screen::Browse, Action::Back) => start::leave_browse(model),
        (Screen::Browse | Screen::Run, Action::Run) => run::start(model),
        // ─── Run ───
        (Screen::Run, Action::Up) if model.live.focused => live::move_selection(model, -1),
        (Screen::Run, Action::Down) if model.live.focused => live::move_selection(model, 1),
        (Screen::Run, Action::Back) if model.live.focused && !model.notices_shown() => {
            live::toggle_focus(model)
        }
        (Screen::Run, Action::Up) => drill::move_cursor(model, -1, 0),
        (Screen::Run, Action::Down) => drill::move_cursor(model, 1, 0),
        (Screen::Run, Action::Left) => drill::move_cursor(model, 0, -1),
        (Screen::Run, Action::Right) => drill::move_cursor(model, 0, 1),
        (Screen::Run, Action::Open) => drill::open_at_cursor(model),
        (Screen::Run, Action::Errors) => drill::open(model, DrillFilter::Errors),
        (Screen::Run, Action::Pause) => run::toggle_pause(model),
        (Screen::Run, Action::EditPrompt) => prompt::open(model),
        (Screen::Run, Action::ShowPrompt) => prompt_view::open(model),
        (Screen::Run, Action::Probe) => probe::open(model),
        (Screen::Run, Action::ExternalEditor) => prompt::open_external(model),
        (Screen::Run, Action::Versions) => versions::open(model),
        (Screen::Run, Action::Compare) => compare::open(model),
        (Screen::Run, Action::FocusNext | Action::FocusPrev) => live::toggle_focus(model),
        (Screen::Run, Action::MatrixMode) => drill::toggle_mode(model),
        (Screen::Run, Action::UntilCi) => live::cycle_until_ci(model),
        (Screen::Run, Action::RetryFailed) => run::retry_failed(model),
        (Screen::Run, Action::Export) => export::open_menu(model),
        (Screen::Run, Action::ToggleCorrections) => corrections::toggle(model),
        (Screen::Run, Action::ToggleCalibration) => calibration::toggle(model),
        // Back to the start screen to pick another dataset, template or model (not mid-run).
        (Screen::Run, Action::Back) if !model.run.phase.is_active() => {
            // Leaving the run screen drops a start asked for while it was being prepared.
            model.run.auto_start = false;
            model.screen = Screen::Start;
            start::list_models(model)
        }
        // ─── Drill ───
        (Screen::Drill, Action::Next) => drill::grid_move(model, 1, 0),
        (Screen::Drill, Action::Prev) => drill::grid_move(model, -1, 0),
        (Screen::Drill, Action::Left) => drill::grid_move(model, 0, -1),
        (Screen::Drill, Action::Right) => drill::grid_move(model, 0, 1),
        (Screen::Drill, Action::ToggleGrid) => drill::toggle_grid(model),
        (Screen::Drill, Action::OpenItem) => drill::open_from_grid(model),
        (Screen::Drill, Action::PageDown) => drill::move_by(model, drill::page(model)),
        (Screen::Drill, Action::PageUp) => drill::move_by(model, -drill::page(model)),
        (Screen::Drill, Action::Top) => drill::move_by(model, isize::MIN / 2),
        (Screen::Drill, Action::Bottom) => drill::move_by(model, isize::MAX / 2),
        (Screen::Drill, Action::ScrollAnswerDown) => drill::scroll_answer(model, 1),
        (Screen::Drill, Action::ScrollAnswerUp) => drill::scroll_answer(model, -1),
        (Screen::Drill, Action::Back) => drill::close(model),
        (Screen::Drill, Action::AcceptLabel) if review::active(model) => {
            let effects = corrections::accept(model);
            review::decided(model, effects)
        }
        (Screen::Drill, Action::Doubtful) if review::active(model) => {
            let effects = corrections::doubtful(model);
            review::decided(model, effects)
        }
        (Screen::Drill, Action::Skip) => review::skip(model),
        (Screen::Run, Action::Review) => review::open(model),
        (Screen::Drill, Action::AcceptLabel) => corrections::accept(model),
        (Screen::Drill, Action::Relabel) => corrections::open_picker(model),
        (Screen::Drill, Action::Doubtful) => corrections::doubtful(model),
        (Screen::Drill, Action::UndoCorrection) => corrections::undo(model),
        _ => Vec::new(),
    }
}

/// Rows in a page of a list: about half the screen.
fn page(model: &Model) -> isize {
    (model.size.1 / 2).max(1) as isize
}

/// `q`: quit now, or ask first while a run is active.
fn request_quit(model: &mut Model) -> Vec<Effect> {
    if model.run.phase.is_active() {
        model.overlay = Some(Overlay::ConfirmQuit);
        Vec::new()
    } else {
        quit_now(model)
    }
}

/// `Ctrl-C`: quit now with exit code 130, as `squint run` and a SIGINT do.
fn interrupt(model: &mut Model) -> Vec<Effect> {
    model.exit_code = 130;
    quit_now(model)
}

/// Quit without asking; an active run is stopped (its finished items are journaled).
fn quit_now(model: &mut Model) -> Vec<Effect> {
    model.quitting = true;
    model.overlay = None;
    if model.run.phase.is_active() {
        vec![Effect::StopRun, Effect::Quit]
    } else {
        vec![Effect::Quit]
    }
}

fn help(model: &mut Model, action: Option<Action>) -> Vec<Effect> {
    match action {
        Some(Action::Down) => scroll_help(model, 1),
        Some(Action::Up) => scroll_help(model, -1),
        Some(Action::PageDown) => scroll_help(model, help_page(model)),
        Some(Action::PageUp) => scroll_help(model, -help_page(model)),
        Some(Action::Top) => scroll_help(model, i32::MIN / 2),
        Some(Action::Bottom) => scroll_help(model, i32::MAX / 2),
        Some(Action::Close | Action::Help | Action::Quit) | None => model.overlay = None,
        Some(_) => {}
    }
    Vec::new()
}

/// Moves the help by `by` rows, within what it has to show at the terminal's size.
pub(super) fn scroll_help(model: &mut Model, by: i32) {
    let max = i32::from(crate::tui::view::help_max_scroll(model));
    let to = (i32::from(model.help_scroll) + by).clamp(0, max);
    model.help_scroll = u16::try_from(to).unwrap_or(0);
}

/// A page of the help: the terminal's height less the border and a line of context.
fn help_page(model: &Model) -> i32 {
    i32::from(model.size.1.saturating_sub(3)).max(1)
}

/// `y`: the selected image's path onto the clipboard (OSC 52, written by the runtime).
fn copy_path(model: &mut Model) -> Vec<Effect> {
    let Some(path) = model.preview.wanted.clone() else {
        return Vec::new();
    };
    let text = path.display().to_string();
    model.notify(
        Level::Info,
        format!("copied {text} (OSC 52; inside tmux: set -g set-clipboard on)"),
    );
    vec![Effect::CopyToClipboard { text }]
}

/// `O`: the selected image in the system's viewer (detached; failures come back as notices).
fn open_external(model: &mut Model) -> Vec<Effect> {
    match model.preview.wanted.clone() {
        Some(path) => vec![Effect::OpenExternally { path }],
        None => Vec::new(),
    }
}
