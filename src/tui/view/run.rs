//! The run screen's layout: matrix, classes pane and the selected item's image on top, live
//! stream (in flight with thumbnails, latest finished) below, status line at the bottom. The
//! matrix takes the width it needs and the images the rest; panes collapse as the terminal
//! shrinks (the image first, then the classes pane, then the live stream), down to just the
//! status line; nothing here panics at any size.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::tui::model::Model;

use super::{ImageSlots, ab, live, matrix, scores, selected, status};

/// Narrower than this (borders included) the image pane is left out.
const IMAGE_MIN_WIDTH: u16 = 24;
/// Lower than this the image pane is left out.
const IMAGE_MIN_HEIGHT: u16 = 8;

/// The areas of the run screen at a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RunLayout {
    /// The matrix pane.
    pub matrix: Rect,
    /// The classes pane (empty when collapsed).
    pub classes: Rect,
    /// The selected item's image and answer (empty when there is no room).
    pub image: Rect,
    /// The live stream pane (empty when collapsed).
    pub live: Rect,
    /// The status line.
    pub status: Rect,
}

impl RunLayout {
    /// Splits `area`. Without `classes` the top panes are as tall as they can be; with it, the matrix and classes panes take only the rows
    /// they need (a header, one row per class, totals and the averages) and the live stream
    /// gets the rest of a tall terminal.
    /// `matrix_w` is the width the matrix pane needs: when given, the matrix gets only that
    /// and the room left of a wide terminal goes to the image pane.
    pub(super) fn fitted(area: Rect, classes: Option<usize>, matrix_w: Option<u16>) -> RunLayout {
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
        let spare = matrix_w.map_or(0, |w| top.width.saturating_sub(w.saturating_add(classes_w)));
        let image_w = if spare >= IMAGE_MIN_WIDTH && top.height >= IMAGE_MIN_HEIGHT {
            spare
        } else {
            0
        };
        let [matrix, classes, image] = Layout::horizontal([
            Constraint::Fill(1),
            Constraint::Length(classes_w),
            Constraint::Length(image_w),
        ])
        .areas(top);
        RunLayout {
            matrix,
            classes,
            image,
            live,
            status,
        }
    }
}

/// Draws the run screen into `area`; returns where its images go.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) -> ImageSlots {
    let l = RunLayout::fitted(
        area,
        Some(model.run.axis.rows.len()),
        Some(matrix::wanted_width(model)),
    );
    let mut slots = ImageSlots::default();
    // Truth unknown (an unlabeled folder not reviewed yet): proposals, not a matrix.
    let proposals = model.run.truth_unknown();
    if l.matrix.height >= 3 && l.matrix.width >= 6 {
        if proposals {
            super::proposals::render(frame, l.matrix, model);
        } else {
            matrix::render(frame, l.matrix, model);
        }
    }
    if l.classes.width > 0 && l.classes.height >= 3 {
        if proposals {
            super::proposals::render_steps(frame, l.classes, model);
        } else {
            scores::render(frame, l.classes, model);
        }
    }
    if !l.image.is_empty() {
        slots.preview = selected::render(frame, l.image, model);
    }
    // A linked run's A/B line takes the live pane's first row (the pane keeps at least 3);
    // not while the truth is unknown (nothing is right or wrong yet).
    let mut live_area = l.live;
    if model.run.ab.is_some() && !proposals && live_area.height >= 4 {
        let [line, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(live_area);
        ab::render(frame, line, model);
        live_area = rest;
    }
    if live_area.height > 0 {
        slots.thumbnails = live::render(frame, live_area, model);
    }
    if l.status.height > 0 {
        status::render(frame, l.status, model);
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_collapse_as_the_terminal_shrinks() {
        let at = |w, h| RunLayout::fitted(Rect::new(0, 0, w, h), None, None);
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
    fn the_matrix_takes_the_width_it_needs_and_images_the_rest() {
        let wide = RunLayout::fitted(Rect::new(0, 0, 200, 50), Some(10), Some(54));
        assert_eq!(wide.matrix.width, 54);
        assert_eq!(wide.classes.width, 64);
        assert_eq!(wide.image.width, 200 - 54 - 64);
        assert_eq!(wide.image.height, wide.matrix.height);
        // No room: the matrix takes it all, no image pane.
        let narrow = RunLayout::fitted(Rect::new(0, 0, 80, 24), Some(10), Some(54));
        assert!(narrow.image.is_empty());
        assert_eq!(narrow.matrix.width + narrow.classes.width, 80);
        let wide_matrix = RunLayout::fitted(Rect::new(0, 0, 200, 50), Some(10), Some(130));
        assert!(wide_matrix.image.is_empty(), "{wide_matrix:?}");
    }

    #[test]
    fn a_tall_terminal_gives_spare_rows_to_the_live_stream() {
        let area = Rect::new(0, 0, 250, 70);
        let ten = RunLayout::fitted(area, Some(10), None);
        assert_eq!(
            ten.matrix.height, 18,
            "header, 10 rows, totals, averages, borders"
        );
        assert_eq!(ten.live.height, 69 - 18);
        let hundred = RunLayout::fitted(area, Some(100), None);
        assert_eq!(
            hundred.live.height, 14,
            "a big matrix keeps the usual split"
        );
        let small = RunLayout::fitted(Rect::new(0, 0, 80, 24), Some(10), None);
        assert_eq!(
            small,
            RunLayout::fitted(Rect::new(0, 0, 80, 24), None, None)
        );
        for h in 0..40 {
            let l = RunLayout::fitted(Rect::new(0, 0, 100, h), Some(3), None);
            assert_eq!(l.matrix.height + l.live.height + l.status.height, h);
        }
    }
}
