//! The prompt editor: opening it on the active template (or the kept draft), typing (every
//! change re-checked: parse errors say where, the bias lint runs), saving a version, and the
//! re-run scope that follows. Pure: saving is an effect; nothing typed is ever dropped.

use ratatui::crossterm::event::KeyEvent;

use super::{drill, run};
use crate::domain::scope::RerunScope;
use crate::tui::external_editor::Edited;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{
    Level, Model, Overlay, PromptEditor, SAMPLE_PER_CLASS, SavedPrompt, ScopeQuestion, Screen,
};
use crate::tui::msg::Effect;

/// `p`: open the editor on the draft, else the prepared run's template.
pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    let Some(prepared) = &model.run.prepared else {
        let how = match model.keymap.hint_key(Context::Matrix, Action::Run) {
            Some(key) => format!(" (press {key} to prepare it)"),
            None => String::new(),
        };
        model.notify(
            Level::Warn,
            format!("no prompt to edit yet: the run is not prepared{how}"),
        );
        return Vec::new();
    };
    let original = prepared.template_text.clone();
    let text = model
        .prompt
        .draft
        .clone()
        .unwrap_or_else(|| original.clone());
    model.prompt.editor = Some(PromptEditor::new(&text, &original, &prepared.labels));
    model.screen = Screen::Prompt;
    model.dirty = true;
    Vec::new()
}

/// `E` on the run screen: the editor opens (on the draft or the template) and its text goes
/// to `$VISUAL`/`$EDITOR` at once.
pub(super) fn open_external(model: &mut Model) -> Vec<Effect> {
    open(model);
    external(model)
}

/// Hands the editor's text to the external editor (the runtime suspends the workbench).
fn external(model: &mut Model) -> Vec<Effect> {
    match &model.prompt.editor {
        Some(editor) => vec![Effect::EditExternally {
            text: editor.text(),
        }],
        None => Vec::new(),
    }
}

/// The external editor exited: its text replaces the editor's (unsaved: `Ctrl-S` saves it as
/// usual). A failed editor or a text that does not parse changes nothing that is active, and
/// whatever the editor left stays in the prompt editor for another try.
pub(super) fn externally_edited(model: &mut Model, edited: Edited) -> Vec<Effect> {
    if model.prompt.editor.is_none() {
        open(model);
    }
    let Some(editor) = &mut model.prompt.editor else {
        if let Some(error) = edited.error {
            model.notify(Level::Error, error);
        }
        return Vec::new();
    };
    model.screen = Screen::Prompt;
    if let Some(text) = &edited.text
        && text.trim_end() != editor.text().trim_end()
    {
        *editor = PromptEditor::new(text, &editor.original, &editor.labels);
    }
    let parse_error = editor.check.as_ref().err().cloned();
    let save = model.keymap.hint_key(Context::Editor, Action::Save);
    let again = model
        .keymap
        .hint_key(Context::Editor, Action::ExternalEditor);
    match (edited.error, parse_error) {
        (Some(error), _) => model.notify(
            Level::Error,
            format!(
                "{error}: nothing was saved, the previous version stays active; the text is in the editor for another try"
            ),
        ),
        (None, Some(e)) => {
            let how = again.map(|k| format!(" (or {k} again)")).unwrap_or_default();
            model.notify(
                Level::Warn,
                format!("the edited template does not parse ({e}): fix it here{how}; nothing is saved"),
            );
        }
        (None, None) => {
            let how = save
                .map(|k| format!(": {k} saves it as a version"))
                .unwrap_or_default();
            model.notify(
                Level::Info,
                format!("text from the external editor loaded{how}"),
            );
        }
    }
    model.dirty = true;
    Vec::new()
}

/// A key while the editor is open: save, close, hand over to the external editor, or edit the
/// text.
pub(super) fn key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let action = model.keymap.action(Context::Editor, &key);
    match action {
        Some(Action::Save) => save(model),
        Some(Action::ExternalEditor) => external(model),
        Some(Action::Back) => close(model),
        _ => {
            if let Some(editor) = &mut model.prompt.editor
                && editor.area.input(key)
            {
                editor.recheck();
            }
            Vec::new()
        }
    }
}

/// Bracketed paste: the text goes in at the cursor as typed.
pub(super) fn paste(model: &mut Model, text: &str) -> Vec<Effect> {
    if let Some(editor) = &mut model.prompt.editor {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if editor.area.insert_str(text) {
            editor.recheck();
        }
        model.dirty = true;
    }
    Vec::new()
}

/// Esc: back to the run screen; an unsaved edit is kept as the draft.
fn close(model: &mut Model) -> Vec<Effect> {
    forget_save_errors(model);
    if let Some(editor) = model.prompt.editor.take() {
        if editor.modified() {
            model.prompt.draft = Some(editor.text());
            model.notify(Level::Info, "edit kept as a draft: p reopens it");
        } else {
            model.prompt.draft = None;
        }
    }
    model.screen = Screen::Run;
    Vec::new()
}

/// Ctrl-S: a text that checks out is saved as a version; otherwise the error is shown and the
/// text stays where it is.
fn save(model: &mut Model) -> Vec<Effect> {
    let dir = model
        .run
        .prepared
        .as_ref()
        .and_then(|p| p.prompt_versions.clone());
    let Some(editor) = &mut model.prompt.editor else {
        return Vec::new();
    };
    let check = match &editor.check {
        Ok(check) => check,
        Err(e) => {
            let e = format!("not saved: {e}");
            model.notify(Level::Error, e);
            return Vec::new();
        }
    };
    let Some(dir) = dir else {
        model.notify(
            Level::Error,
            "not saved: no data folder for prompt versions",
        );
        return Vec::new();
    };
    editor.saving = true;
    vec![Effect::SavePrompt {
        dir,
        text: editor.text(),
        fingerprint: check.fingerprint.clone(),
    }]
}

/// The version was written: close the editor and ask which images to re-run.
pub(super) fn saved(model: &mut Model, result: Result<SavedPrompt, String>) -> Vec<Effect> {
    match result {
        Ok(saved) => {
            let what = if saved.new {
                format!("saved as prompt version v{}", saved.number)
            } else {
                format!("unchanged: the same template is saved as v{}", saved.number)
            };
            forget_save_errors(model);
            model.notify(Level::Info, what);
            model.prompt.editor = None;
            model.prompt.draft = None;
            model.prompt.asking_scope = Some(ScopeQuestion::Saved(saved));
            model.screen = Screen::Run;
            model.overlay = Some(Overlay::RerunScope);
        }
        Err(e) => {
            if let Some(editor) = &mut model.prompt.editor {
                editor.saving = false;
            }
            model.notify(Level::Error, format!("not saved: {e}"));
        }
    }
    model.dirty = true;
    Vec::new()
}

/// `r` on a finished run: ask which images to ask again (the rest keep this run's answers).
pub(super) fn ask_rerun_scope(model: &mut Model) -> Vec<Effect> {
    model.prompt.asking_scope = Some(ScopeQuestion::Rerun);
    model.overlay = Some(Overlay::RerunScope);
    model.dirty = true;
    Vec::new()
}

/// A key in the "re-run which images?" question.
pub(super) fn scope_key(model: &mut Model, action: Option<Action>) -> Vec<Effect> {
    let scope = match action {
        Some(Action::RerunAll) => RerunScope::All,
        Some(Action::RerunWrong) => RerunScope::Wrong,
        Some(Action::RerunUnparsed) => RerunScope::Unparsed,
        Some(Action::RerunFailed) => RerunScope::Errors,
        Some(Action::RerunSample) => RerunScope::Sample(SAMPLE_PER_CLASS),
        Some(Action::RerunCell) => match drill::selected_cell(model) {
            Some((truth, predicted)) => RerunScope::cell(&truth, &predicted),
            None => {
                model.notify(
                    Level::Warn,
                    "the cursor is not on a cell: pick another scope",
                );
                return Vec::new();
            }
        },
        Some(Action::No | Action::Back) => {
            model.overlay = None;
            return match model.prompt.asking_scope.take() {
                // The version becomes active; `r` runs it on everything.
                Some(ScopeQuestion::Saved(saved)) => {
                    activate(model, &saved);
                    run::prepare(model)
                }
                Some(ScopeQuestion::Rerun) | None => Vec::new(),
            };
        }
        _ => return Vec::new(),
    };
    let Some(question) = model.prompt.asking_scope.take() else {
        model.overlay = None;
        return Vec::new();
    };
    model.overlay = None;
    match question {
        ScopeQuestion::Saved(saved) => rerun_saved(model, &saved, scope),
        ScopeQuestion::Rerun => rerun_same(model, scope),
    }
}

/// A version was saved and a scope chosen: run the version, linked to the run on screen.
fn rerun_saved(model: &mut Model, saved: &SavedPrompt, scope: RerunScope) -> Vec<Effect> {
    if model.run.phase.is_active() {
        let keys = [
            model.keymap.hint_key(Context::Matrix, Action::EditPrompt),
            model.keymap.hint_key(Context::Editor, Action::Save),
        ];
        let how = match keys {
            [Some(edit), Some(save)] => format!(" ({edit}, then {save})"),
            _ => String::new(),
        };
        model.notify(
            Level::Warn,
            format!(
                "v{} saved; a run is active: re-run it when this one has finished{how}",
                saved.number
            ),
        );
        return Vec::new();
    }
    activate(model, saved);
    // Linked to the run on screen when it has a session; else a plain run of everything.
    model.spec.from = model.run.session_dir.clone();
    model.spec.only = if model.spec.from.is_some() {
        scope
    } else {
        RerunScope::All
    };
    model.run.auto_start = true;
    run::prepare(model)
}

/// `r` on a finished run and a scope chosen: the same settings ask the chosen images again,
/// as a new session linked to the finished one.
fn rerun_same(model: &mut Model, scope: RerunScope) -> Vec<Effect> {
    let Some(parent) = model.run.session_dir.clone() else {
        return Vec::new();
    };
    if model.run.phase.is_active() {
        return Vec::new();
    }
    let mut spec = model.run.spec.clone().unwrap_or_else(|| model.spec.clone());
    spec.resume = None;
    spec.out = None;
    spec.from = Some(parent);
    spec.only = scope;
    model.run.auto_start = true;
    run::prepare_spec(model, spec)
}

/// Drops earlier "not saved" errors once they no longer apply.
fn forget_save_errors(model: &mut Model) {
    model.notices.retain(|n| !n.text.starts_with(SAVE_ERROR));
}

/// How every save error starts.
const SAVE_ERROR: &str = "not saved:";

/// Makes a saved version the run's template.
pub(super) fn activate(model: &mut Model, saved: &SavedPrompt) {
    model.spec.template = Some(saved.path.to_string_lossy().into_owned());
    model.spec.modelfile = None;
    model.spec.template_text = None;
    model.spec.resume = None;
    model.spec.out = None;
    model.spec.from = None;
    model.spec.only = RerunScope::All;
}

#[cfg(test)]
mod tests;
