//! How the start screen and the dataset browser react: form editing, choices, path completion,
//! the server's model list, class and image selection. Pure: IO is requested as effects.

use crate::tui::model::{Field, Level, Model, ModelsStatus, RunCheck, Screen};
use crate::tui::msg::{Choice, Choices, Effect, ModelChoice};

/// The lists were loaded; preselect the first bundled dataset and template when empty.
pub(super) fn choices_loaded(model: &mut Model, choices: Choices) -> Vec<Effect> {
    let form = &mut model.start;
    form.dataset.choices = choices.datasets;
    // The first template choice is "none given": the dataset's own template.toml, as in
    // `squint run`.
    form.template.choices = std::iter::once(crate::tui::msg::Choice {
        label: "the dataset's template.toml".to_owned(),
        value: String::new(),
    })
    .chain(choices.templates)
    .collect();
    form.sessions = choices.sessions;
    form.session_selected = 0;
    if form.dataset.input.is_empty() {
        form.dataset.cycle(1);
    } else {
        form.dataset.sync_chosen();
    }
    form.template.sync_chosen();
    model.dirty = true;
    check_run(model)
}

/// Asks for the check of the form's dataset and template (lint warnings before a run),
/// unless it is already known for exactly these.
pub(super) fn check_run(model: &mut Model) -> Vec<Effect> {
    let form = &mut model.start;
    let key = (form.dataset.input.clone(), form.template.input.clone());
    if key.0.trim().is_empty() {
        form.check = RunCheck::Unknown;
        form.checked = key;
        return Vec::new();
    }
    if form.checked == key && form.check != RunCheck::Unknown {
        return Vec::new();
    }
    form.check = RunCheck::Checking;
    form.checked.clone_from(&key);
    let mut spec = model.spec.clone();
    model.start.apply_to(&mut spec);
    model.dirty = true;
    vec![Effect::CheckRun {
        key,
        spec: Box::new(spec),
    }]
}

/// The check of the form's dataset and template arrived.
pub(super) fn run_checked(
    model: &mut Model,
    key: (String, String),
    result: Result<Vec<String>, String>,
) -> Vec<Effect> {
    if key != model.start.checked {
        return Vec::new(); // the form changed since
    }
    model.start.check = match result {
        Ok(warnings) => RunCheck::Warnings(warnings),
        Err(e) => RunCheck::Failed(e),
    };
    model.dirty = true;
    Vec::new()
}

/// The server's model list arrived.
pub(super) fn models_listed(
    model: &mut Model,
    host: &str,
    result: Result<Vec<ModelChoice>, String>,
) -> Vec<Effect> {
    let form = &mut model.start;
    match result {
        Ok(models) => {
            form.model.choices = models
                .iter()
                .map(|m| Choice {
                    label: match m.vision {
                        Some(true) => format!("{} [vision]", m.name),
                        Some(false) => format!("{} (text only)", m.name),
                        None => m.name.clone(),
                    },
                    value: m.name.clone(),
                })
                .collect();
            form.model.sync_chosen();
            // Nothing chosen yet: the first vision model, or the only model served (OpenAI-
            // compatible servers rarely say which models see).
            let pick = models
                .iter()
                .position(|m| m.vision == Some(true))
                .or_else(|| (models.len() == 1).then_some(0));
            if form.model.input.is_empty()
                && let Some(i) = pick
            {
                form.model.chosen = Some(i);
                form.model.input.clone_from(&models[i].name);
            }
            form.models = ModelsStatus::Listed(models);
        }
        Err(e) => {
            form.models = ModelsStatus::Unreachable(format!("{host}: {e}"));
        }
    }
    model.dirty = true;
    Vec::new()
}

/// Completion candidates arrived for the focused path field.
pub(super) fn path_completed(
    model: &mut Model,
    input: &str,
    candidates: Vec<String>,
) -> Vec<Effect> {
    let form = &mut model.start;
    let field = form.field();
    let Some(text) = form
        .text_mut(field)
        .filter(|t| t.as_str() == input && field.is_path())
    else {
        return Vec::new(); // stale: the user kept typing or moved on
    };
    match candidates.as_slice() {
        [] => {}
        [only] => {
            text.clone_from(only);
            form.completions.clear();
        }
        many => {
            let prefix = common_prefix(many);
            if prefix.len() > text.len() {
                *text = prefix;
            }
            form.completions = candidates;
        }
    }
    form.cursor = None;
    match field {
        Field::Template => form.template.sync_chosen(),
        _ => form.dataset.sync_chosen(),
    }
    model.dirty = true;
    Vec::new()
}

/// The longest common prefix of `items` (on char boundaries).
pub fn common_prefix(items: &[String]) -> String {
    let Some(first) = items.first() else {
        return String::new();
    };
    let mut len = first.len();
    for s in &items[1..] {
        len = first
            .char_indices()
            .zip(s.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(len);
    }
    first[..len].to_owned()
}

/// Keeps the form consistent after its text changed.
pub(super) fn after_edit(model: &mut Model, field: Field) {
    let form = &mut model.start;
    match field {
        Field::Dataset => {
            form.dataset.sync_chosen();
            form.completions.clear();
        }
        Field::Template => form.template.sync_chosen(),
        Field::Model => form.model.sync_chosen(),
        Field::Host => form.models = ModelsStatus::Unknown,
        Field::Backend
        | Field::Session
        | Field::Concurrency
        | Field::LimitPerClass
        | Field::Sample => {}
    }
    model.dirty = true;
}

/// Tab: complete the focused path field (dataset, template or Modelfile).
pub(super) fn complete(model: &mut Model) -> Vec<Effect> {
    let form = &model.start;
    match form.field() {
        field if field.is_path() => vec![Effect::CompletePath {
            input: form.text(field).unwrap_or_default().to_owned(),
        }],
        _ => Vec::new(),
    }
}

/// Up/Down between fields.
pub(super) fn move_focus(model: &mut Model, delta: isize) -> Vec<Effect> {
    let last = Field::ALL.len() - 1;
    let before = model.start.field();
    model.start.focus = model.start.focus.saturating_add_signed(delta).min(last);
    model.start.cursor = None;
    model.start.completions.clear();
    model.dirty = true;
    if before == model.start.field() {
        return Vec::new();
    }
    match before {
        Field::Host | Field::Backend => list_models(model),
        Field::Dataset | Field::Template => check_run(model),
        _ => Vec::new(),
    }
}

/// Left/Right through the focused field's choices.
pub(super) fn cycle(model: &mut Model, delta: isize) -> Vec<Effect> {
    let form = &mut model.start;
    form.cursor = None;
    match form.field() {
        Field::Dataset => {
            form.dataset.cycle(delta);
            model.dirty = true;
            return check_run(model);
        }
        Field::Template => {
            form.template.cycle(delta);
            model.dirty = true;
            return check_run(model);
        }
        Field::Model => form.model.cycle(delta),
        Field::Backend => {
            form.backend.cycle(delta);
            model.dirty = true;
            return list_models(model);
        }
        Field::Session => {
            let n = form.sessions.len();
            if n > 0 {
                form.session_selected =
                    (form.session_selected as isize + delta).rem_euclid(n as isize) as usize;
            }
        }
        field @ (Field::Concurrency | Field::LimitPerClass | Field::Sample) => {
            form.step_number(field, delta);
        }
        Field::Host => {}
    }
    model.dirty = true;
    Vec::new()
}

/// Ask the server for its models with the form's backend and host.
pub(super) fn list_models(model: &mut Model) -> Vec<Effect> {
    model.start.apply_to(&mut model.spec);
    model.start.models = ModelsStatus::Loading;
    vec![Effect::ListModels {
        spec: Box::new(model.spec.clone()),
    }]
}

/// Enter on the form: open the selected session, or prepare the dataset and browse it.
pub(super) fn submit(model: &mut Model) -> Vec<Effect> {
    // Enter prepares and browses; only Ctrl-R starts.
    model.run.auto_start = false;
    let form = &model.start;
    if form.field() == Field::Session {
        return match form.sessions.get(form.session_selected) {
            Some(s) => vec![Effect::OpenSession { dir: s.dir.clone() }],
            None => {
                model.notify(Level::Info, "no past sessions yet");
                Vec::new()
            }
        };
    }
    if form.dataset.input.trim().is_empty() {
        model.notify(
            Level::Warn,
            "type a dataset folder or pick one with Left/Right",
        );
        return Vec::new();
    }
    if let Some(problem) = model.start.number_problem() {
        model.notify(Level::Warn, problem);
        return Vec::new();
    }
    model.start.apply_to(&mut model.spec);
    model.start.completions.clear();
    super::run::prepare(model)
}

/// Builds the browser's list (all items by class, then path) and previews the first.
pub(super) fn open_browse(model: &mut Model) -> Vec<Effect> {
    let Some(info) = &model.run.prepared else {
        return Vec::new();
    };
    let mut order: Vec<usize> = (0..info.items.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&info.items[a], &info.items[b]);
        x.truth.cmp(&y.truth).then_with(|| x.rel.cmp(&y.rel))
    });
    model.browse = crate::tui::model::BrowseState {
        order,
        ..Default::default()
    };
    model.screen = Screen::Browse;
    model.dirty = true;
    preview_browsed(model)
}

/// Moves the browser's selection by `delta` (clamped).
pub(super) fn browse_move(model: &mut Model, delta: isize) -> Vec<Effect> {
    let last = model.browse.order.len().saturating_sub(1);
    model.browse.selected = model.browse.selected.saturating_add_signed(delta).min(last);
    model.dirty = true;
    preview_browsed(model)
}

/// The preview request for the browser's selected image.
pub(super) fn preview_browsed(model: &mut Model) -> Vec<Effect> {
    let path = model
        .browse
        .order
        .get(model.browse.selected)
        .and_then(|&i| {
            model
                .run
                .prepared
                .as_ref()
                .and_then(|p| p.items.get(i).map(|it| p.items.path(it)))
        });
    match path {
        Some(path) => super::request_preview(model, path),
        None => Vec::new(),
    }
}

/// Esc on the browser: back to the start form.
pub(super) fn leave_browse(model: &mut Model) -> Vec<Effect> {
    model.screen = Screen::Start;
    model.dirty = true;
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::common_prefix;
    use crate::tui::fixtures;
    use crate::tui::msg::{ModelChoice, Msg};
    use crate::tui::update::{init, update};

    fn listed(models: &[(&str, Option<bool>)]) -> Msg {
        Msg::ModelsListed {
            host: "http://h:1/v1".into(),
            result: Ok(models
                .iter()
                .map(|(name, vision)| ModelChoice {
                    name: (*name).into(),
                    vision: *vision,
                })
                .collect()),
        }
    }

    #[test]
    fn the_only_model_served_is_selected() {
        let mut m = fixtures::model(100, 30);
        init(&mut m);
        update(&mut m, listed(&[("my-vlm", None)]));
        assert_eq!(m.start.model.input, "my-vlm");
        assert_eq!(m.start.model.chosen, Some(0));
        // Two models of unknown capability: nothing is guessed.
        let mut m = fixtures::model(100, 30);
        init(&mut m);
        update(&mut m, listed(&[("a", None), ("b", None)]));
        assert_eq!(m.start.model.input, "");
        // A typed model is kept.
        let mut m = fixtures::model(100, 30);
        init(&mut m);
        m.start.model.input = "typed".into();
        update(&mut m, listed(&[("my-vlm", None)]));
        assert_eq!(m.start.model.input, "typed");
    }

    #[test]
    fn common_prefix_cases() {
        let cases: [(&[&str], &str); 4] = [
            (&[], ""),
            (&["data/a"], "data/a"),
            (&["data/digits/", "data/dogs/"], "data/d"),
            (&["é1", "é2", "x"], ""),
        ];
        for (items, want) in cases {
            let items: Vec<String> = items.iter().map(|s| (*s).to_owned()).collect();
            assert_eq!(common_prefix(&items), want, "{items:?}");
        }
    }
}
