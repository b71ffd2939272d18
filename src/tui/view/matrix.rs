//! The confusion matrix pane: a heat map coloured by row-normalised rate with counts, true
//! labels as rows, predicted labels (then `(unparsed)`) as columns, row and column totals,
//! sticky headers while scrolling; or the most-confused-pairs list. Work is O(visible cells);
//! never iterates over results and never does IO.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use unicode_width::UnicodeWidthStr;

use crate::domain::compare::LiveAb;
use crate::domain::parse::UNPARSED;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::scroll_offset;
use crate::tui::model::{MatrixMode, Model};
use crate::tui::theme::Theme;

use super::format::{left, pct, right};
use super::{hint, pane};

/// Column and row geometry of the visible part of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Geometry {
    /// Width of the row-label column.
    pub label_w: u16,
    /// Width of one count cell (including its leading space).
    pub cell_w: u16,
    /// Width of the row-total column (0 when it does not fit).
    pub total_w: u16,
    /// Visible count columns.
    pub cols: usize,
    /// Visible label rows.
    pub rows: usize,
    /// Whether the column-totals row is drawn.
    pub totals_row: bool,
    /// First visible row.
    pub row_off: usize,
    /// First visible column.
    pub col_off: usize,
}

fn digits(n: u64) -> u16 {
    n.max(1).ilog10() as u16 + 1
}

/// The corner cell: the error count (Enter there opens the error list), else `t\p`.
fn corner(model: &Model) -> String {
    if model.run.tally.errors() > 0 {
        format!("✗{}", model.run.tally.errors())
    } else {
        "t\\p".to_owned()
    }
}

/// Display name of a column label (`(unparsed)` is shortened).
pub(super) fn col_name(label: &str) -> &str {
    if label == UNPARSED { "unp" } else { label }
}

impl Geometry {
    /// Fits the matrix of `model` into `inner`.
    pub(super) fn new(inner: Rect, model: &Model) -> Geometry {
        let axis = &model.run.axis;
        let widest_row = axis.rows.iter().map(|l| l.width()).max().unwrap_or(1);
        let widest_row = widest_row.max(corner(model).width());
        let label_w = (widest_row as u16).clamp(3, 12) + 1;
        let widest_col = axis
            .cols
            .iter()
            .map(|l| col_name(l).width())
            .max()
            .unwrap_or(1) as u16;
        // A delta carries its sign.
        let count_digits = digits(model.run.total as u64) + u16::from(delta_of(model).is_some());
        let cell_w = count_digits.max(widest_col.min(6)).clamp(2, 7) + 1;
        let mut total_w = count_digits.max(1) + 1;
        if inner.width < label_w + cell_w + total_w {
            total_w = 0;
        }
        let cols = (inner.width.saturating_sub(label_w + total_w) / cell_w) as usize;
        let totals_row = inner.height >= 4;
        let rows = inner.height.saturating_sub(1 + u16::from(totals_row)) as usize;
        let cur = model.matrix.cursor;
        let row_off = scroll_offset(cur.row.saturating_sub(1), rows, axis.rows.len());
        let col_off = scroll_offset(cur.col.saturating_sub(1), cols, axis.cols.len());
        Geometry {
            label_w,
            cell_w,
            total_w,
            cols,
            rows,
            totals_row,
            row_off,
            col_off,
        }
    }
}

/// The live A/B to draw instead of the counts: in `Delta` mode while a linked run is on screen.
fn delta_of(model: &Model) -> Option<&LiveAb> {
    match model.matrix.mode {
        MatrixMode::Delta => model.run.ab.as_ref(),
        MatrixMode::Full | MatrixMode::Pairs => None,
    }
}

/// The pane's title before the prompt's name: what the grid shows and, when it scrolls,
/// which rows and columns are visible.
fn grid_title(model: &Model, probe: Option<&Geometry>) -> String {
    let axis = &model.run.axis;
    let what = match delta_of(model) {
        Some(ab) => format!(" Δ (B − A) vs parent, {} re-asked", ab.asked()),
        None => " Confusion matrix".to_owned(),
    };
    match probe {
        Some(g) if g.rows < axis.rows.len() || g.cols < axis.cols.len() => format!(
            "{what} · rows {}-{}/{} cols {}-{}/{} ",
            g.row_off + 1,
            (g.row_off + g.rows).min(axis.rows.len()),
            axis.rows.len(),
            g.col_off + 1,
            (g.col_off + g.cols).min(axis.cols.len()),
            axis.cols.len()
        ),
        // The delta's title is long enough without the axes' reminder.
        _ if delta_of(model).is_some() => format!("{what} "),
        _ => format!("{what} · true ↓ predicted → "),
    }
}

/// The width the pane needs to show every column (borders included), or the pairs list's
/// width; the run screen gives the rest to images.
pub(super) fn wanted_width(model: &Model) -> u16 {
    if model.matrix.mode == MatrixMode::Pairs {
        return PAIRS_WIDTH;
    }
    let unbounded = Rect::new(0, 0, u16::MAX / 2, 4);
    let g = Geometry::new(unbounded, model);
    let cols = u16::try_from(model.run.axis.cols.len().max(1)).unwrap_or(u16::MAX / 2);
    let grid = g
        .label_w
        .saturating_add(cols.saturating_mul(g.cell_w))
        .saturating_add(g.total_w);
    // The title names the prompt: room for it too (up to a limit), so it is never cut.
    let title = grid_title(model, None);
    let title = match super::prompt::template_title(model) {
        Some(template) => format!("{title}· prompt {template} "),
        None => title,
    };
    let title_w = u16::try_from(title.width())
        .unwrap_or(u16::MAX)
        .min(MAX_TITLE_WIDTH);
    grid.max(title_w).saturating_add(2).max(MIN_WIDTH)
}

/// The matrix pane never widens beyond this for its title alone.
const MAX_TITLE_WIDTH: u16 = 72;

/// The pairs list's lines are about this wide (borders included).
const PAIRS_WIDTH: u16 = 60;
/// Narrower than this the matrix pane's title and "no labels yet" are cut.
const MIN_WIDTH: u16 = 40;

/// Draws the matrix pane (or the pairs list) into `area`.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    if model.matrix.mode == MatrixMode::Pairs {
        return render_pairs(frame, area, model);
    }
    let axis = &model.run.axis;
    let probe = Geometry::new(area.inner(ratatui::layout::Margin::new(1, 1)), model);
    let title = grid_title(model, Some(&probe));
    // The prompt that produced it: template name and saved version.
    let title = match super::prompt::template_title(model) {
        Some(template) => format!("{title}· prompt {template} "),
        None => title,
    };
    let inner = pane(
        frame,
        area,
        &title,
        &model.theme,
        model.screen == crate::tui::model::Screen::Run && !model.live.focused,
    );
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    if axis.rows.is_empty() {
        let buf = frame.buffer_mut();
        buf.set_stringn(
            inner.x,
            inner.y,
            "no labels yet",
            inner.width as usize,
            model.theme.muted,
        );
        return;
    }
    let g = Geometry::new(inner, model);
    draw_grid(frame.buffer_mut(), inner, &g, model);
}

fn draw_grid(buf: &mut Buffer, inner: Rect, g: &Geometry, model: &Model) {
    let theme = &model.theme;
    let run = &model.run;
    let axis = &run.axis;
    let metrics = &run.tally.metrics;
    let delta = delta_of(model);
    let cur = model.matrix.cursor;
    let max_x = inner.x + inner.width;
    let put = |buf: &mut Buffer, x: u16, y: u16, s: &str, style: Style| {
        if x < max_x {
            buf.set_stringn(x, y, s, (max_x - x) as usize, style);
        }
    };
    let sel = theme.selection;
    let visible_cols = g.col_off..(g.col_off + g.cols).min(axis.cols.len());
    let visible_rows = g.row_off..(g.row_off + g.rows).min(axis.rows.len());
    let cw = g.cell_w as usize;
    // Header row (sticky).
    let y = inner.y;
    let corner = corner(model);
    let corner_style = match (cur.row, cur.col, run.tally.errors() > 0) {
        (0, 0, _) => sel,
        (_, _, true) => theme.error,
        _ => theme.muted,
    };
    put(
        buf,
        inner.x,
        y,
        &left(&corner, g.label_w as usize - 1),
        corner_style,
    );
    for (i, c) in visible_cols.clone().enumerate() {
        let x = inner.x + g.label_w + i as u16 * g.cell_w;
        let style = if cur.row == 0 && cur.col == c + 1 {
            sel
        } else if cur.col == c + 1 {
            theme.accent
        } else {
            theme.title
        };
        put(buf, x, y, &right(col_name(&axis.cols[c]), cw), style);
    }
    let shown_cols = visible_cols.len() as u16;
    let total_x = inner.x + g.label_w + shown_cols * g.cell_w;
    if g.total_w > 0 {
        put(
            buf,
            total_x,
            y,
            &right("Σ", g.total_w as usize),
            theme.muted,
        );
    }
    // Body rows.
    for (i, r) in visible_rows.enumerate() {
        let y = inner.y + 1 + i as u16;
        let truth = &axis.rows[r];
        let label_style = if cur.row == r + 1 && cur.col == 0 {
            sel
        } else if cur.row == r + 1 {
            theme.accent
        } else {
            theme.title
        };
        put(
            buf,
            inner.x,
            y,
            &left(truth, g.label_w as usize - 1),
            label_style,
        );
        let row_total = metrics.true_count(truth);
        for (j, c) in visible_cols.clone().enumerate() {
            let x = inner.x + g.label_w + j as u16 * g.cell_w;
            let pred = &axis.cols[c];
            let (text, mut style) = match delta {
                Some(ab) => delta_cell(ab.delta(truth, pred), truth == pred, theme),
                None => count_cell(metrics.count(truth, pred), row_total, theme),
            };
            if truth == pred {
                style = style.add_modifier(Modifier::BOLD);
            }
            if cur.row == r + 1 && cur.col == c + 1 {
                style = sel.add_modifier(Modifier::BOLD);
            }
            put(buf, x, y, &right(&text, cw), style);
        }
        if g.total_w > 0 {
            let total = match delta {
                Some(ab) => signed(ab.delta_true(truth)),
                None => row_total.to_string(),
            };
            put(
                buf,
                total_x,
                y,
                &right(&total, g.total_w as usize),
                theme.muted,
            );
        }
    }
    // Column totals (sticky at the bottom of the grid).
    if g.totals_row {
        let shown = (axis.rows.len() - g.row_off).min(g.rows) as u16;
        let y = inner.y + 1 + shown;
        put(
            buf,
            inner.x,
            y,
            &left("Σ", g.label_w as usize - 1),
            theme.muted,
        );
        for (j, c) in visible_cols.enumerate() {
            let x = inner.x + g.label_w + j as u16 * g.cell_w;
            let n = match delta {
                Some(ab) => signed(ab.delta_predicted(&axis.cols[c])),
                None => metrics.predicted_count(&axis.cols[c]).to_string(),
            };
            put(buf, x, y, &right(&n, cw), theme.muted);
        }
        if g.total_w > 0 {
            let n = match delta {
                Some(ab) => signed(ab.delta_total()),
                None => run.tally.metrics.total().to_string(),
            };
            put(buf, total_x, y, &right(&n, g.total_w as usize), theme.muted);
        }
    }
}

/// A count cell: its count on the heat map's colour for its share of the row, `·` for none.
fn count_cell(n: u64, row_total: u64, theme: &Theme) -> (String, Style) {
    if n == 0 {
        ("·".to_owned(), theme.zero)
    } else {
        (
            n.to_string(),
            theme.heat(n as f64 / row_total.max(1) as f64),
        )
    }
}

/// A delta cell: `+2`/`-1` in the gain colour where B is better (more on the diagonal, fewer
/// off it) and the loss colour where it is worse, `·` for no change.
fn delta_cell(d: i64, diagonal: bool, theme: &Theme) -> (String, Style) {
    let gain = if diagonal { d } else { -d };
    let style = match gain.signum() {
        1 => theme.ok,
        -1 => theme.error,
        _ => theme.zero,
    };
    (signed(d), style)
}

/// `+3`, `-1`, or `·` for 0.
fn signed(d: i64) -> String {
    if d == 0 {
        "·".to_owned()
    } else {
        format!("{d:+}")
    }
}

fn render_pairs(frame: &mut Frame, area: Rect, model: &Model) {
    let run = &model.run;
    let theme = &model.theme;
    let title = hint::join([
        Some(" Most confused pairs".to_owned()),
        Some(format!("{} classes", run.axis.rows.len())),
        hint::hint(model, Context::Matrix, Action::MatrixMode, "full matrix"),
    ]) + " ";
    let inner = pane(frame, area, &title, theme, !model.live.focused);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let buf = frame.buffer_mut();
    if run.pairs.is_empty() {
        buf.set_stringn(
            inner.x,
            inner.y,
            "no confusions yet",
            inner.width as usize,
            theme.muted,
        );
        return;
    }
    let rows = inner.height as usize;
    let off = scroll_offset(model.matrix.pair_selected, rows, run.pairs.len());
    let w = inner.width as usize;
    for (i, &(r, c, n)) in run.pairs.iter().enumerate().skip(off).take(rows) {
        let truth = &run.axis.rows[r];
        let pred = col_name(&run.axis.cols[c]);
        let share = n as f64 / (run.tally.metrics.true_count(truth)).max(1) as f64;
        let line = format!(
            "{:>6}  {}  →  {}  {:>6} of true {}",
            n,
            left(truth, 10),
            left(pred, 10),
            pct(Some(share)),
            truth
        );
        let style = if i == model.matrix.pair_selected {
            theme.selection
        } else {
            theme.heat(share)
        };
        buf.set_stringn(
            inner.x,
            inner.y + (i - off) as u16,
            left(&line, w),
            w,
            style,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_cells_are_coloured_by_gain_and_loss() {
        let (theme, _) = Theme::load(None, None, false);
        // More on the diagonal is a gain, more off it a loss; fewer is the other way round.
        assert_eq!(delta_cell(2, true, &theme), ("+2".to_owned(), theme.ok));
        assert_eq!(delta_cell(-1, true, &theme), ("-1".to_owned(), theme.error));
        assert_eq!(delta_cell(1, false, &theme), ("+1".to_owned(), theme.error));
        assert_eq!(delta_cell(-3, false, &theme), ("-3".to_owned(), theme.ok));
        assert_eq!(delta_cell(0, false, &theme), ("·".to_owned(), theme.zero));
        assert_ne!(theme.ok, theme.error);
    }
}
