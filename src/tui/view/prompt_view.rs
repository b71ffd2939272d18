//! The read-only prompt overlay: the run's template as the model gets it (system and user
//! prompt, labels, options, output mode) with the bias lint's warnings inline, scrollable.
//! Draws only; every piece of text goes through `sanitize` (in `prompt::check_lines`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::keymap::{Action, Context};
use crate::tui::model::Model;

use super::format::fit;
use super::{centered, hint, pane, prompt};

/// Draws the overlay over most of `area`.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(view) = &model.prompt.view else {
        return;
    };
    let theme = &model.theme;
    let lines = prompt::check_lines(
        &view.check,
        "✗ the run's template does not check out:",
        theme,
    );
    let width = area.width.saturating_sub(4).min(110);
    // As tall as the wrapped text (plus borders and the key line), at most the screen.
    let text_w = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(text_w).max(1))
        .sum();
    let rect = centered(area, width, u16::try_from(rows + 3).unwrap_or(u16::MAX));
    if rect.width < 20 || rect.height < 5 {
        return;
    }
    let title = format!(" Prompt · {} · read-only ", view.title);
    let inner = pane(frame, rect, &title, theme, true);
    let [body, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((view.scroll, 0)),
        body,
    );
    let hints = hint::join([
        hint::hint(model, Context::PromptView, Action::EditPrompt, "edit"),
        hint::pair(
            model,
            Context::PromptView,
            [Action::Up, Action::Down],
            "scroll",
        ),
        hint::all(model, Context::PromptView, Action::Close, "close"),
    ]);
    frame.render_widget(
        Paragraph::new(fit(&hints, foot.width as usize)).style(theme.accent),
        foot,
    );
}
