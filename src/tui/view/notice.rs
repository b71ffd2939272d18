//! Notices (warnings and errors, bottom right, above the status line) and the quit dialog.
//! Notice text was sanitised when posted; this only lays it out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::model::{Level, Model};

use super::{centered, pane};

/// Draws the notices stacked above the status line; returns the area they cover.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) -> Option<Rect> {
    if model.notices.is_empty() || area.height < 4 || area.width < 10 {
        return None;
    }
    let theme = &model.theme;
    let w = area.width.min(64);
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let lines: Vec<Line> = model
        .notices
        .iter()
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
        // Word wrapping can waste the end of a line (a long path moves whole to the next
        // one): one spare row per wrapped notice keeps its end visible.
        .map(|l| (l.width().div_ceil(inner_w) + usize::from(l.width() > inner_w)).max(1) as u16)
        .sum();
    let h = (needed + 2).min(area.height.saturating_sub(2));
    let rect = Rect {
        x: area.x + area.width - w,
        y: area.y + area.height - 1 - h,
        width: w,
        height: h,
    };
    let title = if model.notices.iter().any(|n| n.level == Level::Error) {
        " Esc dismisses "
    } else {
        " notice "
    };
    let inner = pane(frame, rect, title, theme, false);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    Some(rect)
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
            "y / Enter: stop and quit   any other key: stay",
            theme.accent,
        ),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
