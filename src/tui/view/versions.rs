//! The prompt versions overlay: every saved version of this dataset's prompt with how many
//! runs it had and the newest run's accuracy and macro-F1, the active one marked, the
//! selected one highlighted, and the list's keys (from the keymap). Draws only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::session::VersionRuns;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::Model;

use super::format::fit;
use super::{centered, hint, pane};

/// Draws the list centred on `area`.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(list) = &model.prompt.versions else {
        return;
    };
    let rows = list.rows.len() as u16;
    let rect = centered(area, 76, rows.saturating_add(6));
    if rect.width < 20 || rect.height < 5 {
        return;
    }
    let theme = &model.theme;
    let inner = pane(frame, rect, " Prompt versions ", theme, true);
    let w = inner.width as usize;
    let active = model.run.prepared.as_ref().and_then(|p| p.template_version);
    let visible = inner.height.saturating_sub(3) as usize;
    let first = list.selected.saturating_sub(visible.saturating_sub(1));
    let mut lines = vec![Line::styled(
        fit("      runs  accuracy  macro-F1  newest run", w),
        theme.muted,
    )];
    for (i, row) in list.rows.iter().enumerate().skip(first).take(visible) {
        let selected = i == list.selected;
        let text = row_text(row, Some(row.version.number) == active, selected);
        let style = if selected {
            theme.selection
        } else {
            theme.text
        };
        lines.push(Line::styled(fit(&text, w), style));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(fit(&hints(model), w), theme.accent));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `› v2   3   81.0%   0.80   2026-11-29 21:40 llava (active)`.
fn row_text(row: &VersionRuns, active: bool, selected: bool) -> String {
    let mark = if selected { "›" } else { " " };
    let (accuracy, f1, newest) = match row.latest_scored() {
        Some(run) => (
            run.accuracy
                .map_or_else(|| "–".to_owned(), |a| format!("{:.1}%", a * 100.0)),
            run.macro_f1
                .map_or_else(|| "–".to_owned(), |f| format!("{f:.3}")),
            format!(
                "{} {}",
                run.started_at
                    .get(..16)
                    .unwrap_or(&run.started_at)
                    .replace('T', " "),
                crate::domain::sanitize::one_line(&run.model)
            ),
        ),
        None => ("–".to_owned(), "–".to_owned(), "not run yet".to_owned()),
    };
    format!(
        "{mark} v{:<3} {:>4}  {:>8}  {:>8}  {newest}{}",
        row.version.number,
        row.runs.len(),
        accuracy,
        f1,
        if active { "  (active)" } else { "" }
    )
}

/// `Enter activate (the next run uses it) · Esc / V / q close · ↑/↓ move`, from the keymap.
fn hints(model: &Model) -> String {
    hint::join([
        hint::hint(
            model,
            Context::Versions,
            Action::Select,
            "activate (the next run uses it)",
        ),
        hint::all(model, Context::Versions, Action::Close, "close"),
        hint::pair(model, Context::Versions, [Action::Up, Action::Down], "move"),
    ])
}
