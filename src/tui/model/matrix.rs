//! The confusion matrix's axes and cursor. Rows are true labels, columns predicted labels plus
//! `(unparsed)` last. Axis labels are added when first seen, never per frame.
//! Pure data and arithmetic; drawing lives in `view::matrix`.

use std::collections::HashSet;

use crate::domain::parse::UNPARSED;

/// Above this many classes the confused-pairs list is shown instead of the full matrix.
pub const PAIRS_THRESHOLD: usize = 30;

/// Matrix row and column labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Axis {
    /// True labels, in report order (extra labels seen in results appended).
    pub rows: Vec<String>,
    /// Predicted labels: the rows, then `(unparsed)`.
    pub cols: Vec<String>,
    known: HashSet<String>,
}

impl Axis {
    /// An axis over `labels` (duplicates dropped) with the `(unparsed)` column.
    pub fn new(labels: &[String]) -> Axis {
        let mut axis = Axis {
            cols: vec![UNPARSED.to_owned()],
            ..Axis::default()
        };
        for label in labels {
            axis.ensure(label);
        }
        axis
    }

    /// Adds `label` as a row and column (before `(unparsed)`) if it is new.
    pub fn ensure(&mut self, label: &str) {
        if label == UNPARSED || self.known.contains(label) {
            return;
        }
        self.known.insert(label.to_owned());
        self.rows.push(label.to_owned());
        if self.cols.is_empty() {
            self.cols.push(UNPARSED.to_owned());
        }
        let at = self.cols.len() - 1;
        self.cols.insert(at, label.to_owned());
    }
}

/// Where the matrix cursor is. Row 0 is the column-header row and column 0 the row-header
/// column; `(0, 0)` is the corner, which opens the error list. It starts on the first cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatrixCursor {
    /// 0 = header row, `r + 1` = true label `r`.
    pub row: usize,
    /// 0 = header column, `c + 1` = predicted label `c`.
    pub col: usize,
}

impl Default for MatrixCursor {
    fn default() -> Self {
        MatrixCursor { row: 1, col: 1 }
    }
}

/// Full matrix or the most-confused-pairs list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MatrixMode {
    /// The matrix itself (scrolls when larger than the pane).
    #[default]
    Full,
    /// The off-diagonal cells, largest first.
    Pairs,
    /// A linked run against its parent: B's counts minus A's over the images asked again,
    /// cells coloured by gain and loss (the full matrix when no linked run is on screen).
    Delta,
}

/// Cursor and display mode of the matrix pane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatrixView {
    /// Cursor in the full matrix.
    pub cursor: MatrixCursor,
    /// Which display is on.
    pub mode: MatrixMode,
    /// Selected line of the pairs list.
    pub pair_selected: usize,
    /// True once the user toggled the mode (so the automatic choice no longer applies).
    pub mode_chosen: bool,
}

impl MatrixView {
    /// Moves the cursor by (`drow`, `dcol`), clamped to the axis (headers included).
    pub fn move_by(&mut self, drow: isize, dcol: isize, axis: &Axis) {
        let max_row = axis.rows.len();
        let max_col = axis.cols.len();
        self.cursor.row = self.cursor.row.saturating_add_signed(drow).min(max_row);
        self.cursor.col = self.cursor.col.saturating_add_signed(dcol).min(max_col);
    }
}

/// First index to show so that `cursor` (0-based over `len` items) is visible in `visible`
/// slots. Stateless: the cursor sits on the last visible slot once it passes the first screen.
pub fn scroll_offset(cursor: usize, visible: usize, len: usize) -> usize {
    if visible == 0 || len <= visible {
        return 0;
    }
    let offset = (cursor + 1).saturating_sub(visible);
    offset.min(len - visible)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_puts_unparsed_last_and_ignores_duplicates() {
        let mut axis = Axis::new(&["b".into(), "a".into(), "b".into()]);
        axis.ensure("c");
        axis.ensure(UNPARSED);
        assert_eq!(axis.rows, ["b", "a", "c"]);
        assert_eq!(axis.cols, ["b", "a", "c", UNPARSED]);
    }

    #[test]
    fn cursor_is_clamped_to_headers_and_cells() {
        let axis = Axis::new(&["a".into(), "b".into()]);
        let mut view = MatrixView::default();
        view.move_by(-1, -1, &axis);
        assert_eq!(view.cursor, MatrixCursor { row: 0, col: 0 });
        view.move_by(10, 10, &axis);
        assert_eq!(view.cursor, MatrixCursor { row: 2, col: 3 });
    }

    #[test]
    fn scroll_offset_keeps_cursor_visible() {
        for (cursor, visible, len, want) in [
            (0, 5, 10, 0),
            (4, 5, 10, 0),
            (5, 5, 10, 1),
            (9, 5, 10, 5),
            (3, 5, 3, 0),
            (3, 0, 9, 0),
        ] {
            assert_eq!(
                scroll_offset(cursor, visible, len),
                want,
                "{cursor} {visible} {len}"
            );
        }
    }
}
