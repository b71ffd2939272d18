//! Notices (warnings and errors, bottom right, above the status line) and the quit dialog.
//! Notice text was sanitised when posted; this only lays it out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::sanitize::one_line;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{Level, Model};
use crate::tui::update::key_context;

use super::{centered, hint, pane};

/// Draws the notices stacked above the status line; returns the area they cover.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) -> Option<Rect> {
    if !model.notices_shown() || area.height < 4 || area.width < 10 {
        return None;
    }
    let theme = &model.theme;
    let w = area.width.min(64);
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let lines: Vec<Line> = model
        .visible_notices()
        .map(|n| {
            let (tag, style) = match n.level {
                Level::Info => ("info", theme.accent),
                Level::Warn => ("warning", theme.warn),
                Level::Error => ("error", theme.error),
            };
            Line::styled(format!("{tag}: {}", n.text), style)
        })
        .collect();
    let needed: u16 = lines
        .iter()
        .map(|l| wrapped_rows(&l.to_string(), inner_w) as u16)
        .sum();
    let h = (needed + 2).min(area.height.saturating_sub(2));
    let rect = Rect {
        x: area.x + area.width - w,
        y: area.y + area.height - 1 - h,
        width: w,
        height: h,
    };
    let dismiss = hint::hint(model, key_context(model.screen), Action::Back, "dismisses");
    let title = match dismiss {
        Some(hint) if model.visible_notices().any(|n| n.level == Level::Error) => {
            format!(" {hint} ")
        }
        _ => " notice ".to_owned(),
    };
    let inner = pane(frame, rect, &title, theme, false);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    Some(rect)
}

/// Rows `text` takes when word-wrapped to `width` (a word longer than a row is cut), so a
/// long path at the end of a notice is never clipped.
fn wrapped_rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let (mut rows, mut col) = (1, 0);
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = unicode_width::UnicodeWidthStr::width(word);
        if col > 0 && col + 1 + w <= width {
            col += 1 + w;
            continue;
        }
        if col > 0 {
            rows += 1;
        }
        col = w;
        while col > width {
            rows += 1;
            col -= width;
        }
    }
    rows
}

/// The "quit while a run is active?" dialog.
pub(super) fn confirm_quit(frame: &mut Frame, area: Rect, model: &Model) {
    let rect = centered(area, 52, 6);
    if rect.width < 4 || rect.height < 3 {
        return;
    }
    let theme = &model.theme;
    let inner = pane(frame, rect, " Quit? ", theme, true);
    let lines = vec![
        Line::styled(
            "A run is active. Finished items are safe in the",
            theme.text,
        ),
        Line::styled("session; a resume asks the rest later.", theme.text),
        Line::styled(
            match model.keymap.hint_keys(Context::Confirm, Action::Yes) {
                Some(keys) => format!("{keys}: stop and quit   any other key: stay"),
                None => "any key: stay".to_owned(),
            },
            theme.accent,
        ),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

/// The offer of another session's label corrections for the run about to start.
pub(super) fn confirm_carry(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(offer) = &model.run.carry_offer else {
        return;
    };
    let rect = centered(area, 72, 7);
    if rect.width < 4 || rect.height < 3 {
        return;
    }
    let theme = &model.theme;
    let inner = pane(frame, rect, " Label corrections ", theme, true);
    let from = offer
        .from
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| offer.from.display().to_string());
    let lines = vec![
        Line::styled(one_line(&format!("Session {from}")), theme.text),
        Line::styled(
            format!("has {} for this dataset.", offer.describe()),
            theme.text,
        ),
        Line::styled(
            "Use them as the truth of this run (doubtful images left out)?",
            theme.text,
        ),
        Line::styled(
            match model.keymap.hint_keys(Context::Confirm, Action::Yes) {
                Some(keys) => format!("{keys}: use them   any other key: the dataset's labels"),
                None => "any key: the dataset's labels".to_owned(),
            },
            theme.accent,
        ),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

#[cfg(test)]
mod tests {
    use super::wrapped_rows;

    #[test]
    fn wrapped_rows_counts_word_wrapping_and_cut_words() {
        assert_eq!(wrapped_rows("short", 10), 1);
        assert_eq!(wrapped_rows("two words here", 9), 2);
        // The path moves whole to the next row, then is cut: 3 rows, not ceil(33/20) = 2.
        assert_eq!(wrapped_rows("written to /a/very/long/path/x.html", 20), 3);
        assert_eq!(wrapped_rows("", 5), 1);
    }
}
