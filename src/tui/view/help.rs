//! The help overlay, generated from the keymap for the current screen (so it can never drift
//! from the real bindings), scrollable, drawn over the screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::keymap::{Action, Context};
use crate::tui::model::Model;
use crate::tui::update::key_context;

use super::format::left;
use super::{centered, hint, pane};

/// Draws the help overlay for the screen under it.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let theme = &model.theme;
    let entries = model.keymap.help(key_context(model.screen));
    let keys_w = entries
        .iter()
        .map(|e| e.keys.chars().count())
        .max()
        .unwrap_or(4)
        .min(28);
    let desc_w = entries
        .iter()
        .map(|e| e.description.chars().count())
        .max()
        .unwrap_or(10);
    let w = (keys_w + desc_w + 6) as u16;
    let h = entries.len() as u16 + 4;
    let rect = centered(area, w.max(30), h);
    if rect.width < 4 || rect.height < 3 {
        return;
    }
    let title = hint::join([
        Some(" Keys".to_owned()),
        hint::hint(model, Context::Help, Action::Close, "closes"),
    ]) + " ";
    let inner = pane(frame, rect, &title, theme, true);
    let mut lines: Vec<Line> = entries
        .iter()
        .map(|e| {
            Line::from(vec![
                Span::styled(left(&e.keys, keys_w), theme.accent),
                Span::styled("  ", theme.text),
                Span::styled(e.description, theme.text),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("images: {} · theme: {}", model.image_protocol, theme.name),
        theme.muted,
    ));
    frame.render_widget(Paragraph::new(lines).scroll((model.help_scroll, 0)), inner);
}
