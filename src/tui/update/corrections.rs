//! Label corrections in drill-down lists (`a` accept the model's label, `L` relabel through
//! the picker, `d` doubtful, `u` undo) and the matrix's `T` toggle. The model changes only
//! when the runtime says the line is in `corrections.jsonl`; never does IO itself.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::corrections::{CorrectionEntry, Verdict, check_verdict};
use crate::domain::parse::UNPARSED;
use crate::domain::result::ItemResult;
use crate::tui::keymap::Action;
use crate::tui::model::{Level, Model, Overlay, PickerState};
use crate::tui::msg::Effect;

/// The result selected in the open drill-down list.
fn selected(model: &Model) -> Option<&ItemResult> {
    let index = model.drill.as_ref()?.current()?;
    model.run.results.get(index)?.as_ref()
}

/// The classes a correction may name: the matrix's rows (the session's labels).
fn classes(model: &Model) -> Vec<String> {
    model
        .run
        .axis
        .rows
        .iter()
        .filter(|l| l.as_str() != UNPARSED)
        .cloned()
        .collect()
}

/// Asks the runtime to record `verdict` for the selected image.
pub(super) fn correct(model: &mut Model, verdict: Verdict) -> Vec<Effect> {
    let Some(dir) = model.run.session_dir.clone() else {
        model.notify(Level::Warn, "no session on screen to record corrections in");
        return Vec::new();
    };
    let Some(r) = selected(model) else {
        return Vec::new();
    };
    if let Err(e) = check_verdict(&verdict, &classes(model)) {
        model.notify(Level::Error, format!("not corrected: {e}"));
        return Vec::new();
    }
    let now = model.run.corrections.verdict(&r.image);
    if now.as_ref() == Some(&verdict) {
        model.notify(Level::Info, "already corrected so");
        return Vec::new();
    }
    let old = match now {
        Some(Verdict::Label(label)) => label,
        _ => r.truth.clone(),
    };
    let entry = CorrectionEntry::correct(&r.image, &old, &verdict, String::new());
    vec![Effect::SaveCorrection { dir, entry }]
}

/// `a`: the model was right; its label becomes the true label.
pub(super) fn accept(model: &mut Model) -> Vec<Effect> {
    let label = selected(model).and_then(|r| if r.is_error() { None } else { r.label.clone() });
    match label {
        Some(label) => correct(model, Verdict::Label(label)),
        None => {
            model.notify(
                Level::Info,
                "no label from the model to accept here (unparsed or failed); L picks one",
            );
            Vec::new()
        }
    }
}

/// `d`: neither label is trusted.
pub(super) fn doubtful(model: &mut Model) -> Vec<Effect> {
    correct(model, Verdict::Doubtful)
}

/// `u`: undo the latest correction still in effect.
pub(super) fn undo(model: &mut Model) -> Vec<Effect> {
    let Some(dir) = model.run.session_dir.clone() else {
        return Vec::new();
    };
    match model.run.corrections.last() {
        Some(last) => {
            let entry = CorrectionEntry::undo_of(last, String::new());
            vec![Effect::SaveCorrection { dir, entry }]
        }
        None => {
            model.notify(Level::Info, "no correction to undo");
            Vec::new()
        }
    }
}

/// `L`: open the picker over the classes.
pub(super) fn open_picker(model: &mut Model) -> Vec<Effect> {
    if selected(model).is_some() {
        model.picker = PickerState::default();
        model.overlay = Some(Overlay::Relabel);
    }
    Vec::new()
}

/// A key in the picker: printable keys type the filter, the picker's bindings choose.
pub(super) fn picker_key(model: &mut Model, key: &KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let matching = model.picker.matching(&model.run.axis.rows).len();
    match action {
        Some(Action::Close) => model.overlay = None,
        Some(Action::Down) => {
            model.picker.selected = (model.picker.selected + 1).min(matching.saturating_sub(1));
        }
        Some(Action::Up) => model.picker.selected = model.picker.selected.saturating_sub(1),
        Some(Action::Select) => {
            let rows = model.run.axis.rows.clone();
            let chosen = model
                .picker
                .matching(&rows)
                .get(model.picker.selected)
                .map(|l| (*l).clone());
            model.overlay = None;
            return match chosen {
                Some(label) if super::review::active(model) => {
                    let effects = correct(model, Verdict::Label(label));
                    super::review::decided(model, effects)
                }
                Some(label) => correct(model, Verdict::Label(label)),
                None => Vec::new(),
            };
        }
        _ => match key.code {
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                model.picker.query.push(c);
                model.picker.selected = 0;
            }
            KeyCode::Backspace => {
                model.picker.query.pop();
                model.picker.selected = 0;
            }
            _ => {}
        },
    }
    Vec::new()
}

/// The runtime wrote a correction (or could not).
pub(super) fn saved(model: &mut Model, result: Result<CorrectionEntry, String>) -> Vec<Effect> {
    let entry = match result {
        Ok(entry) => entry,
        Err(e) => {
            model.notify(Level::Error, e);
            return Vec::new();
        }
    };
    let what = match (entry.undo, &entry.new, entry.doubtful) {
        (true, _, _) => format!("undone: the correction of {}", entry.image),
        (false, _, true) => format!("{} marked doubtful", entry.image),
        (false, Some(new), false) => format!("{}: true label {} → {new}", entry.image, entry.old),
        (false, None, false) => entry.image.clone(),
    };
    model.run.corrections.push(entry);
    if model.run.corrections_on {
        model.run.recount();
    }
    if super::review::active(model) {
        // The queue's title counts the decisions; a notice per image would pile up.
        model.dirty = true;
        return Vec::new();
    }
    let n = model.run.corrections.len();
    let state = if model.run.corrections_on {
        "on"
    } else {
        "off; T on the matrix turns them on"
    };
    model.notify(Level::Info, format!("{what} ({n} corrections, {state})"));
    Vec::new()
}

/// `T`: metrics, matrix and lists with or without the corrections.
pub(super) fn toggle(model: &mut Model) -> Vec<Effect> {
    model.run.corrections_on = !model.run.corrections_on;
    model.run.recount();
    let n = model.run.corrections.len();
    let text = if model.run.corrections_on {
        format!(
            "label corrections on: {n} in effect, {} doubtful left out",
            model.run.doubtful_left_out
        )
    } else {
        "label corrections off: the dataset's own labels".to_owned()
    };
    model.notify(Level::Info, text);
    Vec::new()
}
