//! The run screen's image pane: the latest finished item (or the one selected in the "latest
//! finished" list) shown large, with its truth, parsed label and step, and its answer. Reports
//! where the image goes; the runtime draws it. Model output is sanitised here; never does IO.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::sanitize::one_line;
use crate::tui::model::Model;

use super::format::{fit, latency, step_name, truth_text};
use super::{ImageSlot, pane};

/// Rows the image needs at least; below that only the text is shown.
const MIN_IMAGE_ROWS: u16 = 3;

/// Draws the pane into `area`; returns the image's slot.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) -> Option<ImageSlot> {
    let run = &model.run;
    let shown = model.live.shown(run);
    let result = shown
        .and_then(|i| run.results.get(i))
        .and_then(Option::as_ref);
    let what = if model.live.selected.is_some() {
        "Selected"
    } else {
        "Latest"
    };
    let title = match result {
        Some(r) => format!(" {what} · {} ", one_line(&r.image)),
        None => " Latest finished ".to_owned(),
    };
    let inner = pane(frame, area, &title, &model.theme, false);
    let Some(r) = result else {
        frame.render_widget(
            Paragraph::new("no finished item yet").style(model.theme.muted),
            inner,
        );
        return None;
    };
    let theme = &model.theme;
    let text_rows = (inner.height / 3).clamp(2, 5).min(inner.height);
    let [image, text] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(text_rows)]).areas(inner);
    let verdict = if r.is_error() {
        ("failed", theme.error)
    } else if r.is_correct() {
        ("right", theme.ok)
    } else if r.is_unparsed() {
        ("unparsed", theme.warn)
    } else if r.truth.is_empty() {
        // Truth unknown: the model's label is a proposal, neither right nor wrong.
        ("proposal", theme.text)
    } else {
        ("wrong", theme.warn)
    };
    let parsed = match (&r.error, &r.label) {
        (Some(_), _) => "failed".to_owned(),
        (None, Some(l)) => one_line(l),
        (None, None) => "(unparsed)".to_owned(),
    };
    let step = r.parse.map(step_name).unwrap_or("–");
    let head = Line::from(vec![
        Span::styled("true ", theme.muted),
        Span::styled(fit(&truth_text(&r.truth), 16), theme.text),
        Span::styled(" → ", theme.muted),
        Span::styled(fit(&parsed, 16), verdict.1),
        Span::styled(format!(" ({step}) "), theme.muted),
        Span::styled(verdict.0, verdict.1),
        Span::styled(format!(" · {}", latency(r)), theme.muted),
    ]);
    let body = match &r.error {
        Some(e) => Line::styled(one_line(e), theme.error),
        None => Line::styled(one_line(&r.answer), theme.text),
    };
    frame.render_widget(
        Paragraph::new(vec![head, body]).wrap(Wrap { trim: true }),
        text,
    );
    (image.height >= MIN_IMAGE_ROWS && image.width >= 4).then(|| ImageSlot {
        area: image,
        path: run.dataset_root.join(&r.image),
    })
}
