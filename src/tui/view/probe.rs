//! The prompt-prior probe overlay: which prompt and model are probed with how many
//! content-free images, progress, then `squint probe`'s own report (share of each label,
//! counts per kind of image, unparsed, failed, the verdict), or the error that stopped it.
//! Draws only; every piece of text goes through `sanitize`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::probe::probe_text;
use crate::domain::sanitize::{one_line, sanitize};
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{Model, ProbeOutcome, ProbeState};
use crate::tui::theme::Theme;

use super::format::fit;
use super::{centered, hint, pane};

/// Draws the overlay centred on `area`.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(probe) = &model.probe else {
        return;
    };
    let theme = &model.theme;
    let lines = lines(probe, theme);
    // As tall as the wrapped text (plus borders and the key line), at most the screen.
    let width = area.width.saturating_sub(4).min(84);
    let text_w = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|(text, _)| text.chars().count().div_ceil(text_w).max(1))
        .sum();
    let rect = centered(area, width, u16::try_from(rows + 3).unwrap_or(u16::MAX));
    if rect.width < 20 || rect.height < 5 {
        return;
    }
    let inner = pane(
        frame,
        rect,
        " Prompt prior · content-free images ",
        theme,
        true,
    );
    let [body, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|(text, style)| Line::styled(text, style))
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((probe.scroll, 0)),
        body,
    );
    let stop = if probe.outcome == ProbeOutcome::Running {
        "stop and close"
    } else {
        "close"
    };
    let hints = hint::join([
        hint::pair(model, Context::Probe, [Action::Up, Action::Down], "scroll"),
        hint::all(model, Context::Probe, Action::Close, stop),
    ]);
    frame.render_widget(
        Paragraph::new(fit(&hints, foot.width as usize)).style(theme.accent),
        foot,
    );
}

/// The overlay's text, line by line with its style.
fn lines(probe: &ProbeState, theme: &Theme) -> Vec<(String, ratatui::style::Style)> {
    let model = probe
        .model
        .as_deref()
        .map_or("the run's model".to_owned(), one_line);
    let server = probe
        .host
        .as_deref()
        .map_or(String::new(), |h| format!(" on {}", one_line(h)));
    let mut out = vec![(
        format!("prompt {} · model {model}{server}", probe.prompt),
        theme.title,
    )];
    let images = probe.images.as_deref().unwrap_or("…");
    out.push((
        format!("white, black, mid-grey and noise images: {images}"),
        theme.muted,
    ));
    let done = probe.report.as_ref().map_or(0, |r| r.answers + r.errors);
    let (status, style) = match &probe.outcome {
        ProbeOutcome::Running if probe.total == 0 => {
            ("checking the server and the model…".to_owned(), theme.muted)
        }
        ProbeOutcome::Running => (format!("asking… {done}/{}", probe.total), theme.accent),
        ProbeOutcome::Done => (format!("done: {done}/{} asked", probe.total), theme.ok),
        ProbeOutcome::Failed(why) => (format!("✗ {}", one_line(why)), theme.error),
    };
    out.push((status, style));
    if let Some(report) = &probe.report {
        out.push((String::new(), theme.text));
        for line in sanitize(&probe_text(report)).lines() {
            out.push((line.to_owned(), theme.text));
        }
        if probe.outcome == ProbeOutcome::Done {
            out.push(calibration_note(probe, report, theme));
        }
    }
    out
}

/// What the finished probe means for the calibrated view (`K` on the matrix).
fn calibration_note(
    probe: &ProbeState,
    report: &crate::domain::probe::ProbeReport,
    theme: &Theme,
) -> (String, ratatui::style::Style) {
    match (&report.content_free, &probe.key) {
        (Some(_), Some(_)) => (
            "K on the matrix: the run calibrated by this content-free estimate".to_owned(),
            theme.ok,
        ),
        (Some(_), None) => (
            "no run on screen: prepare or open one, then probe again to calibrate it".to_owned(),
            theme.muted,
        ),
        (None, _) => (
            "no logprobs from the server: no content-free estimate, no calibrated view (--logprobs for OpenAI-compatible servers)".to_owned(),
            theme.muted,
        ),
    }
}
