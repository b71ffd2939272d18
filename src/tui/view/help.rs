//! The help overlay, generated from the keymap for the current screen (so it can never drift
//! from the real bindings), drawn over the screen: grouped by screen, in columns when the
//! terminal is wide, scrolling with a "more" cue in its border when it is not. Never decides
//! the geometry itself (`help_layout` does, for `update` too).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::keymap::{Action, Context};
use crate::tui::model::Model;

use super::format::{fit, left};
use super::help_layout::{GAP, HelpLayout, Row, layout};
use super::{hint, pane};

/// Draws the help overlay for the screen under it.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let theme = &model.theme;
    let help = layout(model, area);
    if help.rect.width < 4 || help.rect.height < 3 {
        return;
    }
    let title = hint::join([
        Some(" Keys".to_owned()),
        hint::hint(model, Context::Help, Action::Close, "closes"),
    ]) + " ";
    let inner = pane(frame, help.rect, &title, theme, true);
    for (i, column) in help.columns.iter().enumerate() {
        let x = inner.x + i as u16 * (help.column_w + GAP);
        if x >= inner.right() {
            break;
        }
        let rect = Rect {
            x,
            width: help.column_w.min(inner.right() - x),
            ..inner
        };
        let lines: Vec<Line> = column
            .iter()
            .map(|row| line(row, help.keys_w, rect.width, model))
            .collect();
        let scroll = if help.columns.len() == 1 {
            help.scroll
        } else {
            0
        };
        frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), rect);
    }
    more_cue(frame, &help, model);
}

fn line<'a>(row: &'a Row, keys_w: usize, width: u16, model: &Model) -> Line<'a> {
    let theme = &model.theme;
    let desc_w = usize::from(width).saturating_sub(keys_w + 2);
    match row {
        Row::Heading(title) => Line::styled(
            fit(title, usize::from(width)),
            theme.title.add_modifier(Modifier::BOLD),
        ),
        Row::Entry { keys, text } => Line::from(vec![
            Span::styled(left(keys, keys_w), theme.accent),
            Span::styled("  ", theme.text),
            Span::styled(fit(text, desc_w), theme.text),
        ]),
        Row::Blank => Line::raw(""),
        Row::Footer(text) => Line::styled(fit(text, usize::from(width)), theme.muted),
    }
}

/// `↑ 3 more · ↓ 6 more · j/k scroll` in the bottom border when rows are hidden.
fn more_cue(frame: &mut Frame, help: &HelpLayout, model: &Model) {
    if help.max_scroll == 0 {
        return;
    }
    let above = (help.above() > 0).then(|| format!("↑ {} more", help.above()));
    let below = (help.below() > 0).then(|| format!("↓ {} more", help.below()));
    let keys = hint::pair(model, Context::Help, [Action::Up, Action::Down], "scroll");
    let text = format!(" {} ", hint::join([above, below, keys]));
    let rect = help.rect;
    let width = usize::from(rect.width.saturating_sub(4));
    let text = fit(&text, width);
    let w = unicode_width::UnicodeWidthStr::width(text.as_str()) as u16;
    let cue = Rect {
        x: rect.right().saturating_sub(w + 2),
        y: rect.bottom().saturating_sub(1),
        width: w,
        height: 1,
    };
    frame.render_widget(Paragraph::new(Line::styled(text, model.theme.accent)), cue);
}
