//! The export menu (`x` on the run screen): pick a report format, ask the runtime to write it
//! off the UI thread, and say where it went. Never writes anything itself.

use std::path::PathBuf;

use crate::domain::export::ExportFormat;
use crate::tui::keymap::Action;
use crate::tui::model::{Level, Model, Overlay};
use crate::tui::msg::Effect;

/// `x`: opens the format menu, or says why there is nothing to export yet.
pub(super) fn open_menu(model: &mut Model) -> Vec<Effect> {
    if model.run.session_dir.is_none() {
        model.notify(
            Level::Info,
            "nothing to export yet: run the dataset (or open a past session) first",
        );
    } else {
        model.overlay = Some(Overlay::Export);
    }
    Vec::new()
}

/// A key in the menu: move, choose (writes the report) or close.
pub(super) fn menu_key(model: &mut Model, action: Option<Action>) -> Vec<Effect> {
    let n = ExportFormat::ALL.len();
    match action {
        Some(Action::Down) => model.export_selected = (model.export_selected + 1) % n,
        Some(Action::Up) => model.export_selected = (model.export_selected + n - 1) % n,
        Some(Action::Select) => {
            model.overlay = None;
            let format = ExportFormat::ALL[model.export_selected.min(n - 1)];
            return match model.run.session_dir.clone() {
                Some(dir) => {
                    model.notify(
                        Level::Info,
                        format!("writing the {} report…", format.name()),
                    );
                    vec![Effect::ExportReport {
                        dir,
                        format,
                        with_corrections: model.run.corrections_on,
                    }]
                }
                None => Vec::new(),
            };
        }
        Some(Action::Close | Action::Quit) => model.overlay = None,
        _ => {}
    }
    Vec::new()
}

/// The runtime wrote the report (or could not).
pub(super) fn exported(model: &mut Model, result: Result<PathBuf, String>) -> Vec<Effect> {
    model
        .notices
        .retain(|n| !n.text.starts_with("writing the "));
    match result {
        Ok(path) => model.notify(Level::Info, format!("report written to {}", path.display())),
        Err(why) => model.notify(Level::Error, format!("export failed: {why}")),
    }
    Vec::new()
}
