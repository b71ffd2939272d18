//! The run screen's layout: matrix and classes pane on top, live stream below, status line at
//! the bottom. Panes collapse as the terminal shrinks (the classes pane first, then the live
//! stream), down to just the status line; nothing here panics at any size.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::tui::model::Model;

use super::{live, matrix, scores, status};

/// The areas of the run screen at a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLayout {
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
    /// Splits `area`.
    pub fn new(area: Rect) -> RunLayout {
        let [body, status] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        let live_h = if body.height >= 18 {
            (body.height / 3).clamp(6, 14)
        } else {
            0
        };
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
pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let l = RunLayout::new(area);
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
        let at = |w, h| RunLayout::new(Rect::new(0, 0, w, h));
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
}
