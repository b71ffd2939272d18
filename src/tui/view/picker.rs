//! The relabel picker overlay (`L` in a drill-down list): the filter typed so far, the classes
//! that match it with the selected one highlighted, and the picker's keys from the keymap.
//! Draws only; class names are sanitised.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::domain::sanitize::one_line;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::Model;

use super::format::fit;
use super::{centered, pane};

/// Draws the picker centred on `area`.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let rect = centered(area, 48, 16);
    if rect.width < 10 || rect.height < 5 {
        return;
    }
    let theme = &model.theme;
    let inner = pane(frame, rect, " Relabel as ", theme, true);
    let w = inner.width as usize;
    let matching = model.picker.matching(&model.run.axis.rows);
    let mut lines = vec![Line::styled(
        fit(&format!("filter: {}▏", one_line(&model.picker.query)), w),
        theme.accent,
    )];
    let room = inner.height.saturating_sub(3) as usize;
    let first = model.picker.selected.saturating_sub(room.saturating_sub(1));
    if matching.is_empty() {
        lines.push(Line::styled(fit("no class matches", w), theme.muted));
    }
    for (i, label) in matching.iter().enumerate().skip(first).take(room) {
        let selected = i == model.picker.selected;
        let mark = if selected { "›" } else { " " };
        let style = if selected {
            theme.selection
        } else {
            theme.text
        };
        lines.push(Line::styled(
            fit(&format!("{mark} {}", one_line(label)), w),
            style,
        ));
    }
    while lines.len() < inner.height.saturating_sub(1) as usize {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(fit(&hints(model), w), theme.muted));
    frame.render_widget(ratatui::widgets::Clear, inner);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `type to filter · Enter relabel · Esc cancel`, from the keymap.
fn hints(model: &Model) -> String {
    let entries = model.keymap.help(Context::Picker);
    let keys = |action: Action| {
        entries
            .iter()
            .find(|e| e.action == action)
            .map(|e| e.keys.clone())
            .unwrap_or_default()
    };
    format!(
        "type to filter · {} relabel · {} cancel",
        keys(Action::Select),
        keys(Action::Close)
    )
}
