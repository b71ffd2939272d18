//! The drill-down list as a grid of thumbnails (`t`): as many tiles as fit, each an image with
//! its predicted label under it, the cursor's tile highlighted, and one strip below with the
//! cursor's item (file, labels, confidence, its answer over the rows the tiles leave). The geometry is shared
//! with `update` (a row up or down is `cols` items) and the mouse's hit test. Never decodes an
//! image: it reports thumbnail slots, the runtime draws them from the preview worker's cache.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use crate::domain::result::ItemResult;
use crate::domain::sanitize::one_line;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{DrillState, Model, scroll_offset};

use super::drill::{list_rows, search_line};
use super::format::{fit, left, tail, truth_text};
use super::{ImageSlot, hint, pane, status};

/// Rows of the strip that shows the cursor's item (border included), at the least: rows the
/// tiles leave over go to it, for more of the answer.
const INFO_ROWS: u16 = 4;
/// Thumbnail heights in rows, for short and tall grids (twice as many columns wide, which is
/// about square in a terminal's cells).
const SMALL_IMAGE_ROWS: u16 = 6;
const LARGE_IMAGE_ROWS: u16 = 8;
/// From this many rows of grid on, thumbnails are large.
const LARGE_FROM_ROWS: u16 = 27;
/// At most this many tiles on screen (larger thumbnails on larger screens): well under the
/// preview worker's cache, so drawing one screenful never evicts thumbnails of that same
/// screenful, which would have them decoded over and over.
pub(super) const MAX_TILES: usize = crate::tui::preview::CACHE_SIZE * 3 / 4;
const _: () = assert!(MAX_TILES < crate::tui::preview::CACHE_SIZE);

/// Where the grid screen's parts and tiles are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct GridLayout {
    /// The grid's pane (border and title).
    pub pane: Rect,
    /// The cursor's item.
    pub info: Rect,
    /// The status line.
    pub status: Rect,
    /// Where tiles go: inside the pane, above the search line.
    pub cells: Rect,
    /// A tile's width (image and the gap after it) and height (image and label).
    pub tile_w: u16,
    pub tile_h: u16,
    /// The image part of a tile.
    pub image_w: u16,
    pub image_h: u16,
    /// Tiles across, and rows of tiles visible.
    pub cols: usize,
    pub rows: usize,
    /// The list position of the first tile shown (top left).
    pub first: usize,
}

impl GridLayout {
    /// The grid of `drill` on a screen of `area`.
    pub(super) fn of(area: Rect, drill: &DrillState) -> GridLayout {
        let [mut pane, mut info, status] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(INFO_ROWS),
            Constraint::Length(1),
        ])
        .areas(area);
        let mut cells = list_rows(pane, &drill.search);
        let mut image_h = if cells.height >= LARGE_FROM_ROWS {
            LARGE_IMAGE_ROWS
        } else {
            SMALL_IMAGE_ROWS
        };
        let (image_w, image_h, cols, rows) = loop {
            let fitted = fit_thumbnails(cells, image_h);
            let (_, h, cols, rows) = fitted;
            if cols * rows <= MAX_TILES || h + 1 >= cells.height {
                break fitted;
            }
            image_h += 2;
        };
        // A screen too wide even for the tallest thumbnails leaves columns empty.
        let cols = cols.min((MAX_TILES / rows.max(1)).max(1));
        let tile_h = image_h + 1;
        // Rows below the last row of tiles go to the strip under the grid.
        if rows > 0 {
            let spare = cells.height.saturating_sub(rows as u16 * tile_h);
            pane.height -= spare;
            cells.height -= spare;
            info.y -= spare;
            info.height += spare;
        }
        // Spare columns widen the labels, not the images.
        let tile_w = (cells.width / cols as u16).max(image_w);
        let len = drill.entries.len();
        let first = scroll_offset(drill.selected / cols, rows, len.div_ceil(cols)) * cols;
        GridLayout {
            pane,
            info,
            status,
            cells,
            tile_w,
            tile_h,
            image_w,
            image_h,
            cols,
            rows,
            first,
        }
    }

    /// The tile of list position `pos`, when it is on screen.
    pub(super) fn tile(&self, pos: usize) -> Option<Rect> {
        let n = pos.checked_sub(self.first)?;
        let (row, col) = (n / self.cols, n % self.cols);
        if row >= self.rows {
            return None;
        }
        let x = self.cells.x + col as u16 * self.tile_w;
        let y = self.cells.y + row as u16 * self.tile_h;
        Some(Rect::new(x, y, self.tile_w, self.tile_h).intersection(self.cells))
    }

    /// The list position whose tile holds `at` (it may be past the list's end).
    pub(super) fn pos_at(&self, at: Position) -> Option<usize> {
        if !self.cells.contains(at) {
            return None;
        }
        let col = usize::from((at.x - self.cells.x) / self.tile_w);
        let row = usize::from((at.y - self.cells.y) / self.tile_h);
        (col < self.cols && row < self.rows).then_some(self.first + row * self.cols + col)
    }
}

/// Thumbnails `image_h` rows high (and twice as wide) in `cells`: the image's width and height
/// as they fit, and how many tiles go across and down.
fn fit_thumbnails(cells: Rect, image_h: u16) -> (u16, u16, usize, usize) {
    let image_h = image_h.min(cells.height.saturating_sub(1)).max(1);
    let image_w = (image_h * 2).min(cells.width).max(1);
    let cols = usize::from((cells.width + 1) / (image_w + 1)).max(1);
    let rows = usize::from(cells.height / (image_h + 1));
    (image_w, image_h, cols, rows)
}

/// Tiles across and rows of tiles on screen for the model's open list (for `update`'s moves).
pub fn shape(model: &Model) -> (usize, usize) {
    let area = Rect::new(0, 0, model.size.0, model.size.1);
    match &model.drill {
        Some(drill) => {
            let g = GridLayout::of(area, drill);
            (g.cols, g.rows.max(1))
        }
        None => (1, 1),
    }
}

/// Draws the grid screen; returns the thumbnails' slots.
pub(super) fn render(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    drill: &DrillState,
) -> Vec<ImageSlot> {
    let g = GridLayout::of(area, drill);
    let theme = &model.theme;
    let title = hint::join([
        Some(format!(" {}", drill.filter.title())),
        Some(format!("{}/{}", drill.selected + 1, drill.entries.len())),
        hint::hint(model, Context::Drill, Action::Sort, drill.sort.name()),
        hint::hint(model, Context::Drill, Action::ToggleGrid, "list"),
        hint::hint(model, Context::Drill, Action::Back, "back"),
    ]) + " ";
    let inner = pane(frame, g.pane, &title, theme, true);
    search_line(frame, inner, model, &drill.search);
    let images_on = model.image_protocol != "none";
    let mut slots = Vec::new();
    let shown = drill.entries.iter().enumerate().skip(g.first);
    for (pos, &index) in shown.take(g.cols * g.rows) {
        let (Some(tile), Some(r)) = (
            g.tile(pos),
            model.run.results.get(index).and_then(Option::as_ref),
        ) else {
            continue;
        };
        let image = Rect {
            width: g.image_w.min(tile.width),
            height: g.image_h.min(tile.height),
            ..tile
        };
        let label = Rect {
            y: tile.y + image.height,
            height: 1,
            width: tile.width.saturating_sub(1).max(1),
            ..tile
        };
        let selected = pos == drill.selected;
        frame.render_widget(
            Paragraph::new(tile_label(model, r, label.width, selected)),
            label,
        );
        if images_on && image.height >= 1 {
            slots.push(ImageSlot {
                area: image,
                path: model.run.dataset_root.join(&r.image),
            });
        } else {
            let name = fit(&one_line(&r.image), usize::from(image.width));
            frame.render_widget(Paragraph::new(Line::styled(name, theme.muted)), image);
        }
    }
    if let Some(r) = drill
        .current()
        .and_then(|i| model.run.results.get(i))
        .and_then(Option::as_ref)
    {
        info(frame, g.info, model, r);
    }
    status::render(frame, g.status, model);
    slots
}

/// The label under a thumbnail: the predicted label (or `failed`, `(unparsed)`), then the file
/// name; coloured as the list colours the item, reversed under the cursor.
fn tile_label(model: &Model, r: &ItemResult, width: u16, selected: bool) -> Line<'static> {
    let theme = &model.theme;
    let pred = predicted(model, r);
    let style = if selected {
        theme.selection
    } else if r.is_error() {
        theme.error
    } else if model.run.shown_label(r) == Some(r.truth.as_str()) {
        theme.ok
    } else {
        theme.text
    };
    // The end of a file name tells images of one class apart (`3_img_10096.png`): when the
    // name does not fit, its extension goes first, then its start.
    let room = usize::from(width).saturating_sub(pred.width() + 1);
    let name = file_name(&r.image);
    let name = if name.width() <= room {
        name
    } else {
        let stem = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem);
        tail(stem, room)
    };
    let text = format!("{pred} {name}");
    Line::styled(left(&text, usize::from(width)), style)
}

/// The predicted label as lists show it (the calibrated one in the calibrated view).
fn predicted(model: &Model, r: &ItemResult) -> String {
    match (&r.error, model.run.shown_label(r)) {
        (Some(_), _) => "failed".to_owned(),
        (None, Some(l)) => one_line(l),
        (None, None) => "(unparsed)".to_owned(),
    }
}

/// The last part of an image's relative path (the class folder is the same for a cell).
fn file_name(image: &str) -> String {
    one_line(image.rsplit('/').next().unwrap_or(image))
}

/// The strip under the grid: the cursor's file, labels, confidence, then its answer wrapped
/// over the strip's other rows.
fn info(frame: &mut Frame, area: Rect, model: &Model, r: &ItemResult) {
    let theme = &model.theme;
    let title = hint::join([
        Some(" Selected".to_owned()),
        hint::hint(model, Context::Drill, Action::ToggleGrid, "list"),
        hint::hint(model, Context::Drill, Action::OpenItem, "opens"),
    ]) + " ";
    let inner = pane(frame, area, &title, theme, false);
    let conf = r
        .confidence
        .map_or_else(|| "–".to_owned(), |c| format!("{c:.2}"));
    let corrected = match model.run.corrections.verdict(&r.image) {
        Some(crate::domain::corrections::Verdict::Label(label)) => {
            format!("  corrected to {}", one_line(&label))
        }
        Some(crate::domain::corrections::Verdict::Doubtful) => "  doubtful".to_owned(),
        None => String::new(),
    };
    let head = Line::from(vec![
        Span::styled(one_line(&r.image), theme.text),
        Span::styled(format!("  true {}", truth_text(&r.truth)), theme.muted),
        Span::styled(format!("  → {}", predicted(model, r)), theme.text),
        Span::styled(format!("  confidence {conf}"), theme.muted),
        Span::styled(corrected, theme.warn),
    ]);
    let answer = match &r.error {
        Some(e) => Line::styled(format!("error: {}", one_line(e)), theme.error),
        None => Line::styled(one_line(&r.answer), theme.text),
    };
    let [head_row, answer_rows] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(head), head_row);
    frame.render_widget(
        Paragraph::new(answer).wrap(Wrap { trim: false }),
        answer_rows,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::model::{DrillFilter, MatrixCursor};

    fn drill(len: usize, selected: usize) -> DrillState {
        let results: Vec<Option<ItemResult>> = Vec::new();
        let mut drill = DrillState::open(DrillFilter::Errors, &results, MatrixCursor::default());
        drill.entries = (0..len).collect();
        drill.selected = selected;
        drill
    }

    #[test]
    fn tiles_and_hits_agree_and_the_cursor_is_always_on_screen() {
        for (w, h) in [(80, 24), (160, 48), (40, 12), (250, 70)] {
            for (len, selected) in [(3, 0), (100, 0), (100, 57), (100, 99)] {
                let d = drill(len, selected);
                let g = GridLayout::of(Rect::new(0, 0, w, h), &d);
                assert!(g.cols >= 1 && g.rows >= 1, "{w}x{h}: {g:?}");
                let cursor = g
                    .tile(selected)
                    .unwrap_or_else(|| panic!("{w}x{h} {selected}"));
                assert!(g.cells.contains(cursor.as_position()));
                for pos in g.first..(g.first + g.cols * g.rows).min(len) {
                    let tile = g.tile(pos).expect("visible");
                    assert!(tile.width >= g.image_w && tile.height == g.tile_h);
                    let inside = Position::new(tile.x + tile.width / 2, tile.y + tile.height / 2);
                    assert_eq!(g.pos_at(inside), Some(pos), "{w}x{h}");
                }
            }
        }
        // 80x24: at least two rows of six 12x6 thumbnails.
        let g = GridLayout::of(Rect::new(0, 0, 80, 24), &drill(100, 0));
        assert_eq!((g.cols, g.rows, g.image_w, g.image_h), (6, 2, 12, 6));
        let g = GridLayout::of(Rect::new(0, 0, 160, 48), &drill(100, 0));
        assert_eq!((g.cols, g.rows, g.image_w, g.image_h), (9, 4, 16, 8));
    }

    #[test]
    fn rows_the_tiles_leave_go_to_the_strip_below() {
        for (w, h, strip) in [(80, 24, 7), (160, 48, 9), (120, 40, 10)] {
            let g = GridLayout::of(Rect::new(0, 0, w, h), &drill(100, 0));
            assert_eq!(g.cells.height, g.rows as u16 * g.tile_h, "{w}x{h}: {g:?}");
            assert_eq!(g.info.height, strip, "{w}x{h}: {g:?}");
            assert_eq!(g.pane.bottom(), g.info.y);
            assert_eq!(g.info.bottom(), g.status.y);
            assert_eq!(g.status.bottom(), h);
        }
    }

    #[test]
    fn a_cut_label_keeps_the_file_names_end() {
        let model = crate::tui::fixtures::model(80, 24);
        let r = ItemResult::answered("3/3_img_10096.jpg", "3", "8");
        let text = |width| tile_label(&model, &r, width, false).to_string();
        assert_eq!(text(13), "8 3_img_10096");
        assert_eq!(text(12), "8 …img_10096");
        assert_eq!(text(10), "8 …g_10096");
        assert_eq!(text(20), "8 3_img_10096.jpg   ");
        let failed = ItemResult {
            error: Some("timeout".into()),
            ..ItemResult::blank("3/3_img_10096.jpg", "3")
        };
        let line = tile_label(&model, &failed, 12, false).to_string();
        assert_eq!(line, "failed …0096");
    }

    #[test]
    fn a_huge_screen_gets_larger_thumbnails_not_more_than_the_cache_holds() {
        for (w, h) in [(250, 70), (400, 120), (500, 30), (60, 200), (1000, 12)] {
            let g = GridLayout::of(Rect::new(0, 0, w, h), &drill(1000, 0));
            assert!(g.cols * g.rows <= MAX_TILES, "{w}x{h}: {g:?}");
            assert!(g.rows >= 1, "{w}x{h}: {g:?}");
        }
        let g = GridLayout::of(Rect::new(0, 0, 250, 70), &drill(1000, 0));
        assert!(g.image_h > LARGE_IMAGE_ROWS, "{g:?}");
    }
}
