//! Where a mouse position lands: the same geometry the views draw with (run layout, matrix
//! geometry, list panes), asked for one cell. A pure function of `&Model` and a position, so
//! `update` can react to clicks and the wheel without drawing; never mutates anything.

use ratatui::layout::{Margin, Position, Rect};

use crate::tui::model::{MatrixCursor, MatrixMode, Model, Screen, scroll_offset};

use super::drill::{DrillLayout, list_rows};
use super::grid::GridLayout;
use super::matrix::Geometry;
use super::run::RunLayout;

/// What is under the mouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// A matrix cell or header (as the matrix cursor would name it).
    MatrixCell(MatrixCursor),
    /// Row `pos` of the most-confused-pairs list.
    PairRow(usize),
    /// Somewhere over the matrix pane, not on a cell.
    MatrixPane,
    /// Entry `pos` of the screen's image list (drill-down or browser).
    ListRow(usize),
    /// Over the image list, not on an entry.
    ListPane,
    /// Over the drill-down's answer pane.
    Answer,
}

/// What the screen shows at column `x`, row `y` (the help and other overlays are not asked:
/// the caller handles them first).
pub fn hit(model: &Model, x: u16, y: u16) -> Option<Hit> {
    let area = Rect::new(0, 0, model.size.0, model.size.1);
    let at = Position::new(x, y);
    if !area.contains(at) {
        return None;
    }
    match model.screen {
        Screen::Run => run_hit(model, area, at),
        Screen::Drill => {
            let drill = model.drill.as_ref()?;
            if drill.grid {
                return grid_hit(drill, area, at);
            }
            let layout = DrillLayout::of(area);
            if layout.details.contains(at) {
                return Some(Hit::Answer);
            }
            list_hit(
                layout.list,
                &drill.search,
                drill.selected,
                drill.entries.len(),
                at,
            )
        }
        Screen::Browse => {
            let [_, images, _, _] = super::browse::areas(area);
            let b = &model.browse;
            list_hit(images, &b.search, b.selected, b.order.len(), at)
        }
        _ => None,
    }
}

fn grid_hit(drill: &crate::tui::model::DrillState, area: Rect, at: Position) -> Option<Hit> {
    let grid = GridLayout::of(area, drill);
    if !grid.pane.contains(at) {
        return None;
    }
    Some(match grid.pos_at(at) {
        Some(pos) if pos < drill.entries.len() => Hit::ListRow(pos),
        _ => Hit::ListPane,
    })
}

fn run_hit(model: &Model, area: Rect, at: Position) -> Option<Hit> {
    let matrix = RunLayout::fitted(
        area,
        Some(model.run.axis.rows.len()),
        Some(super::matrix::wanted_width(model)),
    )
    .matrix;
    if !matrix.contains(at) {
        return None;
    }
    let inner = matrix.inner(Margin::new(1, 1));
    if !inner.contains(at) {
        return Some(Hit::MatrixPane);
    }
    let dy = (at.y - inner.y) as usize;
    if model.matrix.mode == MatrixMode::Pairs {
        // The pairs list: one pair per row.
        let len = model.run.pairs.len();
        let off = scroll_offset(model.matrix.pair_selected, inner.height as usize, len);
        let pos = off + dy;
        return Some(if pos < len {
            Hit::PairRow(pos)
        } else {
            Hit::MatrixPane
        });
    }
    let axis = &model.run.axis;
    let g = Geometry::new(inner, model);
    let row = match dy {
        0 => 0,
        d if d <= g.rows && g.row_off + d <= axis.rows.len() => g.row_off + d,
        _ => return Some(Hit::MatrixPane),
    };
    let dx = at.x - inner.x;
    let col = if dx < g.label_w {
        0
    } else {
        let c = ((dx - g.label_w) / g.cell_w) as usize;
        if c >= g.cols || g.col_off + c >= axis.cols.len() {
            return Some(Hit::MatrixPane);
        }
        g.col_off + c + 1
    };
    Some(Hit::MatrixCell(MatrixCursor { row, col }))
}

fn list_hit(
    pane: Rect,
    search: &crate::tui::model::ListSearch,
    selected: usize,
    len: usize,
    at: Position,
) -> Option<Hit> {
    if !pane.contains(at) {
        return None;
    }
    let rows = list_rows(pane, search);
    if !rows.contains(at) {
        return Some(Hit::ListPane);
    }
    let off = scroll_offset(selected, rows.height as usize, len);
    let pos = off + (at.y - rows.y) as usize;
    Some(if pos < len {
        Hit::ListRow(pos)
    } else {
        Hit::ListPane
    })
}
