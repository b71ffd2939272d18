//! Where the help overlay's lines go: the current screen's keys and then the global ones, each
//! group under its heading, long descriptions wrapped under themselves, laid out in as many
//! columns as the terminal's width allows and, when even that is too short, one column that
//! scrolls. Shared by the view (drawing) and `update` (clamping the scroll), so both agree on
//! what fits. Pure geometry: never draws, never reads the terminal.

use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use crate::tui::keymap::{Context, HelpEntry};
use crate::tui::model::Model;
use crate::tui::update::key_context;

/// Columns between two columns of keys.
pub(super) const GAP: u16 = 3;
/// The widest the keys column gets (longer bindings are cut with `…`).
const MAX_KEYS_W: usize = 28;
/// The narrowest a wrapped description gets.
const MIN_DESC_W: usize = 12;
/// The narrowest the overlay is drawn.
const MIN_W: u16 = 30;

/// One line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Row {
    /// A group's title (`Run screen`, `Everywhere`).
    Heading(String),
    /// Keys and (the first line of) their description; `keys` is empty on continuation lines.
    Entry { keys: String, text: String },
    /// Space between groups.
    Blank,
    /// The closing line (image protocol and theme).
    Footer(String),
}

/// The overlay's geometry for one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HelpLayout {
    /// The overlay, border included.
    pub rect: Rect,
    /// Width of the keys column.
    pub keys_w: usize,
    /// Width of one column (keys, two spaces, description).
    pub column_w: u16,
    /// The rows of each column, left to right. With one column that scrolls, all rows.
    pub columns: Vec<Vec<Row>>,
    /// Rows visible at once inside the border.
    pub visible: u16,
    /// The first row shown (one column only; clamped to what exists).
    pub scroll: u16,
    /// The largest useful scroll (0 when everything is visible).
    pub max_scroll: u16,
}

impl HelpLayout {
    /// Rows hidden above the visible ones.
    pub(super) fn above(&self) -> usize {
        usize::from(self.scroll)
    }

    /// Rows hidden below the visible ones.
    pub(super) fn below(&self) -> usize {
        usize::from(self.max_scroll - self.scroll)
    }
}

/// The heading of a screen's group of keys.
fn group_title(context: Context) -> &'static str {
    match context {
        Context::Global => "Everywhere",
        Context::Start => "Start screen",
        Context::Browse => "Dataset browser",
        Context::Matrix => "Run screen",
        Context::Drill => "Drill-down list",
        Context::Editor => "Prompt editor",
        Context::Image => "Full-screen image",
        Context::Help => "This help",
        Context::Confirm => "Confirm",
        Context::Rerun => "Re-run",
        Context::Export => "Export",
        Context::Versions => "Prompt versions",
        Context::Compare => "Compare",
        Context::Picker => "Relabel picker",
        Context::PromptView => "Prompt (read-only)",
        Context::Probe => "Prompt prior probe",
        Context::Review => "Review queue",
    }
}

/// `text` broken at spaces into lines of at most `width` columns (a longer word is cut by the
/// view's `fit`).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// The rows of the help for `context`'s screen, descriptions wrapped at `desc_w`.
fn rows(context: Context, entries: &[HelpEntry], footer: String, desc_w: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    let (own, global): (Vec<&HelpEntry>, Vec<&HelpEntry>) = entries
        .iter()
        .partition(|e| context == Context::Global || !is_global(e));
    for (title, group) in [
        (group_title(context), own),
        (group_title(Context::Global), global),
    ] {
        if group.is_empty() {
            continue;
        }
        if !rows.is_empty() {
            rows.push(Row::Blank);
        }
        rows.push(Row::Heading(title.to_owned()));
        for entry in group {
            for (i, text) in wrap(entry.description, desc_w).into_iter().enumerate() {
                let keys = if i == 0 {
                    entry.keys.clone()
                } else {
                    String::new()
                };
                rows.push(Row::Entry { keys, text });
            }
        }
    }
    rows.push(Row::Blank);
    rows.push(Row::Footer(footer));
    rows
}

/// True for the global entries `Keymap::help` appends after a screen's own.
fn is_global(entry: &HelpEntry) -> bool {
    use crate::tui::keymap::Action;
    matches!(
        entry.action,
        Action::Quit | Action::ForceQuit | Action::Help
    )
}

/// `rows` poured into columns of `height`: a heading never ends a column and a blank never
/// starts one. `None` when more than `max` columns would be needed.
fn pour(rows: &[Row], height: usize, max: usize) -> Option<Vec<Vec<Row>>> {
    let mut columns: Vec<Vec<Row>> = vec![Vec::new()];
    for (i, row) in rows.iter().enumerate() {
        let current = columns.last().map_or(0, Vec::len);
        let heading_at_end = matches!(row, Row::Heading(_)) && current + 1 == height;
        let next_is_entry = matches!(rows.get(i + 1), Some(Row::Entry { .. }));
        if current == height || (heading_at_end && next_is_entry) {
            columns.push(Vec::new());
        }
        let column = columns.last_mut()?;
        if column.is_empty() && *row == Row::Blank {
            continue;
        }
        column.push(row.clone());
    }
    (columns.len() <= max).then_some(columns)
}

/// The help overlay's layout for the model's screen inside `area`.
pub(super) fn layout(model: &Model, area: Rect) -> HelpLayout {
    let context = match key_context(model.screen) {
        // The review queue is a drill-down list with keys of its own.
        Context::Drill
            if model
                .drill
                .as_ref()
                .is_some_and(|d| d.filter == crate::tui::model::DrillFilter::Review) =>
        {
            Context::Review
        }
        context => context,
    };
    let entries = model.keymap.help(context);
    let footer = format!(
        "images: {} · theme: {}",
        model.image_protocol, model.theme.name
    );
    let keys_w = entries
        .iter()
        .map(|e| e.keys.width())
        .max()
        .unwrap_or(4)
        .min(MAX_KEYS_W);
    let desc_natural = entries
        .iter()
        .map(|e| e.description.width())
        .chain([footer.width().saturating_sub(keys_w + 2)])
        .max()
        .unwrap_or(10);
    let inner_max_w = usize::from(area.width.saturating_sub(2));
    let inner_max_h = usize::from(area.height.saturating_sub(2)).max(1);
    let desc_w = desc_natural
        .min(inner_max_w.saturating_sub(keys_w + 2))
        .max(MIN_DESC_W);
    let column_w = (keys_w + 2 + desc_w) as u16;
    let all = rows(context, &entries, footer, desc_w);

    // As many columns as fit side by side; more only when one column is too short.
    let fit_across = ((inner_max_w as u16 + GAP) / (column_w + GAP)).max(1) as usize;
    let poured = if all.len() > inner_max_h && fit_across > 1 {
        pour(&all, inner_max_h, fit_across).filter(|c| c.len() > 1)
    } else {
        None
    };
    let (columns, visible) = match poured {
        Some(columns) => {
            let tallest = columns.iter().map(Vec::len).max().unwrap_or(1);
            (columns, tallest)
        }
        None => {
            let visible = all.len().min(inner_max_h);
            (vec![all], visible)
        }
    };
    let total = columns.first().map_or(0, Vec::len);
    let max_scroll = if columns.len() == 1 {
        total.saturating_sub(visible) as u16
    } else {
        0
    };
    let n = columns.len() as u16;
    let width = (n * column_w + (n - 1) * GAP + 2).max(MIN_W);
    let rect = super::centered(area, width, visible as u16 + 2);
    HelpLayout {
        rect,
        keys_w,
        column_w,
        columns,
        visible: visible as u16,
        scroll: model.help_scroll.min(max_scroll),
        max_scroll,
    }
}

/// The largest scroll offset of the help at the model's terminal size (for `update`).
pub fn max_scroll(model: &Model) -> u16 {
    let (width, height) = model.size;
    layout(model, Rect::new(0, 0, width, height)).max_scroll
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("short", 20), ["short"]);
    }

    #[test]
    fn pour_never_ends_a_column_with_a_heading_nor_starts_one_with_a_blank() {
        let e = |t: &str| Row::Entry {
            keys: "k".into(),
            text: t.into(),
        };
        let rows = vec![
            Row::Heading("A".into()),
            e("1"),
            e("2"),
            Row::Blank,
            Row::Heading("B".into()),
            e("3"),
        ];
        let columns = pour(&rows, 4, 3).expect("fits in 3");
        assert_eq!(columns[0], rows[..4].to_vec());
        assert_eq!(columns[1], rows[4..].to_vec());
        let columns = pour(&rows, 5, 3).expect("fits in 2");
        assert_eq!(columns[0], rows[..4].to_vec(), "the heading moved on");
        assert_eq!(columns[1], rows[4..].to_vec());
        assert!(pour(&rows, 1, 3).is_none());
    }
}
