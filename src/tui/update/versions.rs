//! The prompt versions list (`V` on the run screen): asks the runtime to read the dataset's
//! saved versions with the runs made with each, lets the user move through them, and makes the
//! chosen one the active prompt (the next run uses it; cached answers make going back free).
//! Pure: reading is an effect; never starts a run by itself.

use crate::tui::keymap::{Action, Context};
use crate::tui::model::{Level, Model, Overlay, SavedPrompt, VersionsList};
use crate::tui::msg::Effect;

use super::{prompt, run};

/// `V`: list the versions (the overlay opens once they are read).
pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    let Some(prepared) = &model.run.prepared else {
        model.notify(
            Level::Warn,
            "no prompt versions to show yet: the run is not prepared (press r to prepare it)",
        );
        return Vec::new();
    };
    let Some(dir) = prepared.prompt_versions.clone() else {
        model.notify(Level::Error, "no data folder for prompt versions");
        return Vec::new();
    };
    let mut datasets = vec![prepared.dataset_root.clone()];
    if let Some(given) = model.run.spec.as_ref().and_then(|s| s.dataset.clone())
        && !datasets.contains(&given)
    {
        datasets.push(given);
    }
    vec![Effect::ListVersions { dir, datasets }]
}

/// The listing was read: show it with the active version selected.
pub(super) fn listed(
    model: &mut Model,
    result: Result<Vec<crate::session::VersionRuns>, String>,
) -> Vec<Effect> {
    match result {
        Ok(rows) if rows.is_empty() => {
            let keys = [
                model.keymap.hint_key(Context::Matrix, Action::EditPrompt),
                model.keymap.hint_key(Context::Editor, Action::Save),
            ];
            let how = match keys {
                [Some(edit), Some(save)] => format!(": {edit} edits the prompt, {save} saves one"),
                _ => String::new(),
            };
            model.notify(
                Level::Info,
                format!("no saved prompt versions for this dataset yet{how}"),
            );
        }
        Ok(rows) => {
            let active = model.run.prepared.as_ref().and_then(|p| p.template_version);
            let selected = rows
                .iter()
                .position(|r| Some(r.version.number) == active)
                .unwrap_or(rows.len() - 1);
            model.prompt.versions = Some(VersionsList { rows, selected });
            model.overlay = Some(Overlay::Versions);
        }
        Err(e) => model.notify(Level::Error, format!("could not list prompt versions: {e}")),
    }
    model.dirty = true;
    Vec::new()
}

/// A key in the list: move, re-activate the selected version, or close.
pub(super) fn key(model: &mut Model, action: Option<Action>) -> Vec<Effect> {
    let Some(list) = &mut model.prompt.versions else {
        model.overlay = None;
        return Vec::new();
    };
    let n = list.rows.len().max(1);
    match action {
        Some(Action::Down) => list.selected = (list.selected + 1) % n,
        Some(Action::Up) => list.selected = (list.selected + n - 1) % n,
        Some(Action::Select) => {
            let Some(row) = list.rows.get(list.selected) else {
                return Vec::new();
            };
            let saved = SavedPrompt {
                path: row.version.path.clone(),
                number: row.version.number,
                new: false,
            };
            model.overlay = None;
            model.prompt.versions = None;
            if model.run.phase.is_active() {
                model.notify(
                    Level::Warn,
                    format!(
                        "a run is active: activate v{} when it has finished",
                        saved.number
                    ),
                );
                return Vec::new();
            }
            if let Some(spec) = model.run.spec.clone() {
                model.spec = spec;
            }
            prompt::activate(model, &saved);
            let how = model
                .keymap
                .hint_key(Context::Matrix, Action::Run)
                .map(|k| format!(": {k} runs it (answers already cached are not asked again)"))
                .unwrap_or_default();
            model.notify(
                Level::Info,
                format!("v{} is the active prompt{how}", saved.number),
            );
            return run::prepare(model);
        }
        Some(Action::Close | Action::Quit) => {
            model.overlay = None;
            model.prompt.versions = None;
        }
        _ => {}
    }
    Vec::new()
}
