//! The read-only prompt overlay (`v` on the run screen): checks the run's template against its
//! labels once when opened (rendered prompts, options, output mode, the bias lint), scrolls,
//! and hands over to the editor. Pure: the template text is already in the model.

use crate::domain::prompt_check::check_prompt;
use crate::domain::sanitize::one_line;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{Level, Model, Overlay, PromptView, RunPhase};
use crate::tui::msg::Effect;

use super::prompt;

/// `v`: the prompt of the prepared run, or of the past session on screen.
pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    let Some((title, text, labels)) = source(model) else {
        let how = match model.keymap.hint_key(Context::Matrix, Action::Run) {
            Some(key) => format!(" (press {key} to prepare it)"),
            None => String::new(),
        };
        model.notify(
            Level::Warn,
            format!("no prompt to show yet: the run is not prepared{how}"),
        );
        return Vec::new();
    };
    model.prompt.view = Some(PromptView {
        title,
        check: check_prompt(&text, "the run's template", &labels),
        scroll: 0,
    });
    model.overlay = Some(Overlay::PromptView);
    Vec::new()
}

/// The template's title, text and the labels it must fit: the prepared run's, else the
/// viewed session's own (`session.json` keeps the full text).
fn source(model: &Model) -> Option<(String, String, Vec<String>)> {
    if let Some(p) = &model.run.prepared {
        let title = match p.template_version {
            Some(n) => format!("{} v{n}", one_line(&p.template)),
            None => one_line(&p.template),
        };
        return Some((title, p.template_text.clone(), p.labels.clone()));
    }
    if model.run.phase != RunPhase::Viewing {
        return None;
    }
    let (name, text) = model.run.spec.as_ref()?.template_text.clone()?;
    let name = name.strip_prefix("session:").unwrap_or(&name).to_owned();
    Some((one_line(&name), text, model.run.axis.rows.clone()))
}

/// A key in the overlay: scroll, edit, close.
pub(super) fn key(model: &mut Model, action: Option<Action>) -> Vec<Effect> {
    let Some(view) = &mut model.prompt.view else {
        model.overlay = None;
        return Vec::new();
    };
    match action {
        Some(Action::Down) => view.scroll = view.scroll.saturating_add(1),
        Some(Action::Up) => view.scroll = view.scroll.saturating_sub(1),
        Some(Action::EditPrompt) => {
            close(model);
            return prompt::open(model);
        }
        Some(Action::Close | Action::Quit) => close(model),
        _ => {}
    }
    Vec::new()
}

fn close(model: &mut Model) {
    model.overlay = None;
    model.prompt.view = None;
}
