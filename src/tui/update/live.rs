//! The run screen's "latest finished" list and the next run's options: focus (Tab), the
//! selected item (shown large), and the `--until-ci` target (`i`). Pure: no IO, no clock.

use crate::tui::model::{Level, Model};
use crate::tui::msg::Effect;

/// The `--until-ci` targets `i` cycles through (half widths), then off.
const UNTIL_CI_STEPS: [f64; 4] = [0.05, 0.03, 0.02, 0.01];

/// Tab / Shift-Tab: the focus goes between the matrix and the latest finished list. Leaving
/// the list follows the newest item again.
pub(super) fn toggle_focus(model: &mut Model) -> Vec<Effect> {
    model.live.focused = !model.live.focused;
    if !model.live.focused {
        model.live.selected = None;
    }
    model.dirty = true;
    Vec::new()
}

/// Up/Down in the focused list: select an older or newer finished item.
pub(super) fn move_selection(model: &mut Model, delta: isize) -> Vec<Effect> {
    model.live.move_by(delta, &model.run);
    model.dirty = true;
    Vec::new()
}

/// `i`: the next run stops once the accuracy's 95% interval is narrower than the next target
/// (off → ±5 → ±3 → ±2 → ±1 points → off). Applies to the next `r` (and to `f`).
pub(super) fn cycle_until_ci(model: &mut Model) -> Vec<Effect> {
    let current = model
        .run
        .spec
        .as_ref()
        .map_or(model.spec.until_ci, |s| s.until_ci);
    let next = match current {
        None => Some(UNTIL_CI_STEPS[0]),
        Some(w) => UNTIL_CI_STEPS.iter().copied().find(|&s| s < w - 1e-9),
    };
    model.spec.until_ci = next;
    if let Some(spec) = model.run.spec.as_mut() {
        spec.until_ci = next;
    }
    let text = match next {
        Some(w) => format!(
            "the next run stops once the accuracy is known to ±{:.0} points (95% interval); i changes it",
            w * 100.0
        ),
        None => "the next run asks every image (no --until-ci); i sets a target".to_owned(),
    };
    model.notify(Level::Info, text);
    model.dirty = true;
    Vec::new()
}
