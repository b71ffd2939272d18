//! Opening, paging and leaving drill-down lists, and matrix cursor moves. The list is built
//! once here (one pass over the results); the preview follows the selection. Never does IO:
//! previews are requested as effects.

use crate::tui::model::{DrillFilter, DrillState, Level, MatrixMode, Model, Screen};
use crate::tui::msg::Effect;

/// The (true, predicted) labels of the selected cell, in the full matrix or the pairs list.
pub fn selected_cell(model: &Model) -> Option<(String, String)> {
    match open_filter(model)? {
        DrillFilter::Cell { truth, predicted } => Some((truth, predicted)),
        _ => None,
    }
}

/// Enter on the matrix: open the cell, row header, column header or (corner) the error list.
pub(super) fn open_at_cursor(model: &mut Model) -> Vec<Effect> {
    match open_filter(model) {
        Some(filter) => open(model, filter),
        None => Vec::new(),
    }
}

/// What Enter at the cursor opens; `None` on an empty pairs list.
fn open_filter(model: &Model) -> Option<DrillFilter> {
    let axis = &model.run.axis;
    let filter = if model.matrix.mode == MatrixMode::Pairs {
        let &(r, c, _) = model.run.pairs.get(model.matrix.pair_selected)?;
        DrillFilter::Cell {
            truth: axis.rows.get(r)?.clone(),
            predicted: axis.cols.get(c)?.clone(),
        }
    } else {
        let cur = model.matrix.cursor;
        let row = cur.row.checked_sub(1).and_then(|r| axis.rows.get(r));
        let col = cur.col.checked_sub(1).and_then(|c| axis.cols.get(c));
        match (row, col) {
            (Some(t), Some(p)) => DrillFilter::Cell {
                truth: t.clone(),
                predicted: p.clone(),
            },
            (Some(t), None) => DrillFilter::Truth(t.clone()),
            (None, Some(p)) => DrillFilter::Predicted(p.clone()),
            (None, None) => DrillFilter::Errors,
        }
    };
    Some(filter)
}

/// Opens the list for `filter` (the error list when it is `Errors`).
pub(super) fn open(model: &mut Model, filter: DrillFilter) -> Vec<Effect> {
    let run = &model.run;
    let mut drill = DrillState::open_with(
        filter,
        &run.results,
        model.matrix.cursor,
        |r| run.shown_truth(r),
        |r| run.shown_label(r),
    );
    // The order and the grid the last list was left with.
    if drill.sort != model.drill_view.sort {
        drill.sort = model.drill_view.sort;
        drill.sort_entries(&run.results);
        drill.selected = 0;
    }
    drill.grid = model.drill_view.grid;
    if drill.entries.is_empty() {
        let what = drill.filter.title();
        model.notify(Level::Info, format!("nothing in {what} yet"));
        return Vec::new();
    }
    model.drill = Some(drill);
    model.screen = Screen::Drill;
    model.dirty = true;
    preview_current(model)
}

/// j/k/n/p: move through the list; the preview follows.
pub(super) fn move_by(model: &mut Model, delta: isize) -> Vec<Effect> {
    if let Some(drill) = &mut model.drill {
        drill.move_by(delta);
        model.dirty = true;
    }
    preview_current(model)
}

/// Scrolls the raw answer.
pub(super) fn scroll_answer(model: &mut Model, delta: i16) -> Vec<Effect> {
    if let Some(drill) = &mut model.drill {
        drill.answer_scroll = drill.answer_scroll.saturating_add_signed(delta);
        model.dirty = true;
    }
    Vec::new()
}

/// `t`: the list as a grid of thumbnails, or as a list again (same item under the cursor).
pub(super) fn toggle_grid(model: &mut Model) -> Vec<Effect> {
    if let Some(drill) = &mut model.drill {
        drill.grid = !drill.grid;
        drill.back_to_grid = false;
        model.drill_view.grid = drill.grid;
        model.dirty = true;
    }
    preview_current(model)
}

/// A move in the grid: `rows` rows of tiles down (up when negative) and `cols` tiles right;
/// in the list, j/k move by one item and h/l do nothing.
pub(super) fn grid_move(model: &mut Model, rows: isize, cols: isize) -> Vec<Effect> {
    if !model.drill.as_ref().is_some_and(|d| d.grid) {
        return if cols == 0 {
            move_by(model, rows)
        } else {
            Vec::new()
        };
    }
    let (across, _) = crate::tui::view::grid_shape(model);
    move_by(
        model,
        rows.saturating_mul(across as isize).saturating_add(cols),
    )
}

/// Items in a page: a screenful of tiles in the grid, about half the screen's rows in the list.
pub(super) fn page(model: &Model) -> isize {
    if model.drill.as_ref().is_some_and(|d| d.grid) {
        let (across, down) = crate::tui::view::grid_shape(model);
        (across * down).max(1) as isize
    } else {
        (model.size.1 / 2).max(1) as isize
    }
}

/// Enter in the grid: the item under the cursor as the list shows it; Esc comes back.
pub(super) fn open_from_grid(model: &mut Model) -> Vec<Effect> {
    if let Some(drill) = model.drill.as_mut().filter(|d| d.grid) {
        drill.grid = false;
        drill.back_to_grid = true;
        model.dirty = true;
    }
    preview_current(model)
}

/// Esc: back to the grid the item was opened from, else to the matrix with the cursor where
/// it was (a comparison's flipped images: back to the comparison).
pub(super) fn close(model: &mut Model) -> Vec<Effect> {
    if let Some(drill) = model.drill.as_mut().filter(|d| d.back_to_grid && !d.grid) {
        drill.grid = true;
        drill.back_to_grid = false;
        model.dirty = true;
        return Vec::new();
    }
    if let Some(drill) = model.drill.take() {
        model.matrix.cursor = drill.return_cursor;
        if matches!(drill.filter, DrillFilter::Flipped { .. }) && model.compare.result.is_some() {
            model.overlay = Some(crate::tui::model::Overlay::Compare);
        }
    }
    model.screen = Screen::Run;
    model.dirty = true;
    Vec::new()
}

/// The preview request for the selected entry.
pub(super) fn preview_current(model: &mut Model) -> Vec<Effect> {
    let path = model
        .drill
        .as_ref()
        .and_then(DrillState::current)
        .and_then(|i| model.run.results.get(i).and_then(Option::as_ref))
        .map(|r| model.run.dataset_root.join(&r.image));
    match path {
        Some(path) => super::request_preview(model, path),
        None => Vec::new(),
    }
}

/// Arrow/hjkl on the matrix (or the pairs list).
pub(super) fn move_cursor(model: &mut Model, drow: isize, dcol: isize) -> Vec<Effect> {
    if model.matrix.mode == MatrixMode::Pairs {
        let last = model.run.pairs.len().saturating_sub(1);
        model.matrix.pair_selected = model
            .matrix
            .pair_selected
            .saturating_add_signed(drow + dcol)
            .min(last);
    } else {
        model.matrix.move_by(drow, dcol, &model.run.axis);
    }
    model.dirty = true;
    Vec::new()
}

/// Switches between the full matrix and the confused-pairs list.
pub(super) fn toggle_mode(model: &mut Model) -> Vec<Effect> {
    // The delta against the parent is offered while a linked run is on screen.
    model.matrix.mode = match model.matrix.mode {
        MatrixMode::Full => MatrixMode::Pairs,
        MatrixMode::Pairs if model.run.ab.is_some() => MatrixMode::Delta,
        MatrixMode::Pairs | MatrixMode::Delta => MatrixMode::Full,
    };
    model.matrix.mode_chosen = true;
    if model.matrix.mode == MatrixMode::Pairs {
        model.run.refresh_pairs();
    }
    model.dirty = true;
    Vec::new()
}
