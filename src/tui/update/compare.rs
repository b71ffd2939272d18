//! Comparing the run on screen with another session of the same dataset (`C`): offers the
//! other sessions (the start screen's list, filtered by dataset), asks the runtime to compare
//! the chosen one (A) with this run (B), and scrolls the flipped images. Pure: reading and
//! comparing are effects.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::session::SessionComparison;
use crate::tui::keymap::Action;
use crate::tui::model::{DrillFilter, Level, Model, Overlay, Screen};
use crate::tui::msg::Effect;

use super::drill;

/// `C`: the picker of other sessions over this dataset (newest first).
pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    let Some(this) = model.run.session_dir.clone() else {
        model.notify(
            Level::Info,
            "nothing to compare yet: run the dataset (or open a past session) first",
        );
        return Vec::new();
    };
    let mut datasets: Vec<PathBuf> = vec![absolute(&model.run.dataset_root)];
    if let Some(given) = model.run.spec.as_ref().and_then(|s| s.dataset.as_deref()) {
        datasets.push(absolute(given));
    }
    let this = absolute(&this);
    model.compare.candidates = model
        .start
        .sessions
        .iter()
        .filter(|s| absolute(&s.dir) != this && datasets.contains(&absolute(&s.dataset)))
        .cloned()
        .collect();
    model.compare.selected = 0;
    model.compare.result = None;
    if model.compare.candidates.is_empty() {
        model.notify(
            Level::Info,
            "no other session of this dataset to compare with yet",
        );
        return Vec::new();
    }
    model.overlay = Some(Overlay::ComparePick);
    Vec::new()
}

/// A key in the picker (move, compare the selected session) or in the view (scroll, close).
pub(super) fn key(model: &mut Model, action: Option<Action>) -> Vec<Effect> {
    let state = &mut model.compare;
    let picking = model.overlay == Some(Overlay::ComparePick);
    match action {
        Some(Action::Down) if picking => {
            state.selected = (state.selected + 1) % state.candidates.len().max(1);
        }
        Some(Action::Up) if picking => {
            let n = state.candidates.len().max(1);
            state.selected = (state.selected + n - 1) % n;
        }
        Some(Action::Down) => {
            let flips = state
                .result
                .as_ref()
                .map_or(0, |r| r.comparison.flipped.len());
            state.scroll = (state.scroll + 1).min(flips.saturating_sub(1));
        }
        Some(Action::Up) => state.scroll = state.scroll.saturating_sub(1),
        Some(Action::Select) if picking => {
            let (Some(a), Some(b)) = (
                state.candidates.get(state.selected).map(|s| s.dir.clone()),
                model.run.session_dir.clone(),
            ) else {
                return Vec::new();
            };
            model.notify(Level::Info, "comparing…");
            return vec![Effect::CompareSessions { a, b }];
        }
        Some(Action::Select) => return open_flipped(model),
        Some(Action::Close | Action::Quit) => {
            model.overlay = None;
            model.compare.result = None;
        }
        _ => {}
    }
    Vec::new()
}

/// Enter on a flipped image: the drill-down list of its group (fixed by B, or broken by B)
/// with that image selected: its preview, and A's answer beside B's. Esc comes back here.
fn open_flipped(model: &mut Model) -> Vec<Effect> {
    let Some(result) = &model.compare.result else {
        return Vec::new();
    };
    let flipped = &result.comparison.flipped;
    let Some(flip) = flipped.get(model.compare.scroll) else {
        return Vec::new();
    };
    let fixed = flip.fixed_by_b();
    let image = flip.image.clone();
    let images: BTreeSet<String> = flipped
        .iter()
        .filter(|f| f.fixed_by_b() == fixed)
        .map(|f| f.image.clone())
        .collect();
    model.overlay = None;
    let filter = DrillFilter::Flipped {
        fixed,
        images: Arc::new(images),
    };
    let mut effects = drill::open(model, filter);
    let Some(list) = model
        .drill
        .as_mut()
        .filter(|_| model.screen == Screen::Drill)
    else {
        model.overlay = Some(Overlay::Compare);
        return effects;
    };
    let results = &model.run.results;
    if let Some(pos) = list.entries.iter().position(|&i| {
        results
            .get(i)
            .and_then(Option::as_ref)
            .is_some_and(|r| r.image == image)
    }) {
        list.selected = pos;
    }
    effects.extend(drill::preview_current(model));
    effects
}

/// The comparison was computed: show it (or say why it could not be).
pub(super) fn compared(
    model: &mut Model,
    result: Result<Box<SessionComparison>, String>,
) -> Vec<Effect> {
    model.notices.retain(|n| n.text != "comparing…");
    match result {
        Ok(comparison) => {
            model.compare.result = Some(comparison);
            model.compare.scroll = 0;
            model.overlay = Some(Overlay::Compare);
        }
        Err(e) => {
            model.overlay = None;
            model.notify(Level::Error, format!("cannot compare: {e}"));
        }
    }
    model.dirty = true;
    Vec::new()
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
