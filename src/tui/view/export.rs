//! The export menu overlay: the report formats with the selected one highlighted, where the
//! file goes, and the menu's keys (from the keymap). Draws only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::export::ExportFormat;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::Model;

use super::format::fit;
use super::{centered, hint, pane};

/// What each format gives, one line each.
fn describe(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Html => "one page: heat map, thumbnails, everything",
        ExportFormat::Markdown => "Markdown: tables and the full prompt",
        ExportFormat::Csv => "one row per image (original columns first)",
        ExportFormat::Json => "everything, machine-readable",
        ExportFormat::Svg => "the confusion-matrix heat map alone",
    }
}

/// Draws the menu centred on `area`.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let rect = centered(area, 60, ExportFormat::ALL.len() as u16 + 6);
    if rect.width < 10 || rect.height < 4 {
        return;
    }
    let theme = &model.theme;
    let inner = pane(frame, rect, " Export the report ", theme, true);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = ExportFormat::ALL
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let selected = i == model.export_selected;
            let mark = if selected { "›" } else { " " };
            let text = format!("{mark} {:<5} {}", f.name(), describe(*f));
            let style = if selected {
                theme.selection
            } else {
                theme.text
            };
            Line::styled(fit(&text, w), style)
        })
        .collect();
    let format = ExportFormat::ALL[model.export_selected.min(ExportFormat::ALL.len() - 1)];
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        fit(
            &format!("writes report.{} in the session folder", format.name()),
            w,
        ),
        theme.muted,
    ));
    lines.push(Line::styled(fit(&hints(model), w), theme.accent));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

/// `Enter write · Esc close · j/k choose`, from the keymap.
fn hints(model: &Model) -> String {
    let choose = [Action::Down, Action::Up]
        .into_iter()
        .filter_map(|a| model.keymap.hint_keys(Context::Export, a))
        .collect::<Vec<_>>();
    hint::join([
        hint::all(model, Context::Export, Action::Select, "write"),
        hint::all(model, Context::Export, Action::Close, "close"),
        (!choose.is_empty()).then(|| format!("{} choose", choose.join(" / "))),
    ])
}
