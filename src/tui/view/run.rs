//! The run screen's layout: matrix and classes pane on top, live stream below, status line at
//! the bottom. Panes collapse as the terminal shrinks (the classes pane first, then the live
//! stream), down to just the status line; nothing here panics at any size.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::tui::model::Model;

use super::{live, matrix, scores, status};

/// The areas of the run screen at a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RunLayout {
    /// The matrix pane.
    pub matrix: Rect,
    /// The classes pane (empty when collapsed).
    pub classes: Rect,
    /// The live stream pane (empty when collapsed).
    pub live: Rect,
    /// The status line.
    pub status: Rect,
}

impl RunLayout {
    /// Splits `area`. Without `classes` the top panes are as tall as they can be; with it, the matrix and classes panes take only the rows
    /// they need (a header, one row per class, totals and the averages) and the live stream
    /// gets the rest of a tall terminal.
    pub(super) fn fitted(area: Rect, classes: Option<usize>) -> RunLayout {
        let [body, status] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        let live_min = if body.height >= 18 {
            (body.height / 3).clamp(6, 14)
        } else {
            0
        };
        let top_max = body.height - live_min;
        let top_h = match classes {
            Some(n) => u16::try_from(n.saturating_add(8))
                .unwrap_or(u16::MAX)
                .clamp(top_max.min(12), top_max),
            None => top_max,
        };
        let live_h = body.height - top_h;
        let [top, live] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(live_h)]).areas(body);
        let classes_w = match top.width {
            w if w >= 160 => 64,
            w if w >= 120 => 50,
            w if w >= 90 => 40,
            w if w >= 70 => 26,
            _ => 0,
        };
        let [matrix, classes] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(classes_w)]).areas(top);
        RunLayout {
            matrix,
            classes,
            live,
            status,
        }
    }
}

/// Draws the run screen into `area`.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let l = RunLayout::fitted(area, Some(model.run.axis.rows.len()));
    if l.matrix.height >= 3 && l.matrix.width >= 6 {
        matrix::render(frame, l.matrix, model);
    }
    if l.classes.width > 0 && l.classes.height >= 3 {
        scores::render(frame, l.classes, model);
    }
    if l.live.height > 0 {
        live::render(frame, l.live, model);
    }
    if l.status.height > 0 {
        status::render(frame, l.status, model);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_collapse_as_the_terminal_shrinks() {
        let at = |w, h| RunLayout::fitted(Rect::new(0, 0, w, h), None);
        let big = at(250, 70);
        assert!(big.classes.width > 0 && big.live.height > 0);
        let small = at(80, 24);
        assert_eq!(small.classes.width, 26);
        assert!(small.live.height >= 6);
        let tiny = at(40, 10);
        assert_eq!(
            (tiny.classes.width, tiny.live.height, tiny.status.height),
            (0, 0, 1)
        );
        assert_eq!(at(1, 1).status.height, 1);
    }

    #[test]
    fn a_tall_terminal_gives_spare_rows_to_the_live_stream() {
        let area = Rect::new(0, 0, 250, 70);
        let ten = RunLayout::fitted(area, Some(10));
        assert_eq!(
            ten.matrix.height, 18,
            "header, 10 rows, totals, averages, borders"
        );
        assert_eq!(ten.live.height, 69 - 18);
        let hundred = RunLayout::fitted(area, Some(100));
        assert_eq!(
            hundred.live.height, 14,
            "a big matrix keeps the usual split"
        );
        let small = RunLayout::fitted(Rect::new(0, 0, 80, 24), Some(10));
        assert_eq!(small, RunLayout::fitted(Rect::new(0, 0, 80, 24), None));
        for h in 0..40 {
            let l = RunLayout::fitted(Rect::new(0, 0, 100, h), Some(3));
            assert_eq!(l.matrix.height + l.live.height + l.status.height, h);
        }
    }
}
