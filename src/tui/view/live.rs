//! The live stream pane: the items in flight with their answers streaming in, and the latest
//! finished ones with true label, parsed label, parse step and latency; errors in the error
//! colour. Model output is sanitised here, at draw time, and only the visible tail is touched.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::domain::result::ItemResult;
use crate::domain::sanitize::one_line;
use crate::tui::keymap::Action;
use crate::tui::model::Model;

use super::format::{duration, fit, left, step_name};
use super::hint;
use super::pane;

/// Draws the live pane: in flight on the left, latest finished on the right; one combined
/// pane (in flight first) when narrow.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    if area.width >= 100 {
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(area);
        let inner = pane(
            frame,
            a,
            &format!(" In flight ({}) ", model.run.in_flight.len()),
            &model.theme,
            false,
        );
        let lines = in_flight_lines(model, inner.width as usize, inner.height as usize);
        frame.render_widget(Paragraph::new(lines), inner);
        let inner = pane(frame, b, " Latest finished ", &model.theme, false);
        let lines = finished_lines(model, inner.width as usize, inner.height as usize);
        frame.render_widget(Paragraph::new(lines), inner);
    } else {
        let title = format!(
            " Live · {} in flight · latest finished ",
            model.run.in_flight.len()
        );
        let inner = pane(frame, area, &title, &model.theme, false);
        let rows = inner.height as usize;
        let mut lines = in_flight_lines(model, inner.width as usize, rows.div_ceil(2));
        let rest = rows.saturating_sub(lines.len());
        lines.extend(finished_lines(model, inner.width as usize, rest));
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

fn in_flight_lines(model: &Model, w: usize, rows: usize) -> Vec<Line<'_>> {
    let theme = &model.theme;
    if model.run.in_flight.is_empty() {
        return vec![Line::styled(idle_text(model), theme.muted)]
            .into_iter()
            .take(rows)
            .collect();
    }
    model
        .run
        .in_flight
        .values()
        .take(rows)
        .map(|item| {
            let head = format!("… {} [{}] ", fit(&item.image, 24), fit(&item.truth, 10));
            let mut spans = vec![Span::styled(head.clone(), theme.muted)];
            let mut used = head.width();
            if item.attempt > 1 {
                let retry = format!("retry {} ", item.attempt);
                used += retry.width();
                spans.push(Span::styled(retry, theme.warn));
            }
            spans.push(Span::styled(
                tail(&one_line(&item.text), w.saturating_sub(used)),
                theme.text,
            ));
            Line::from(spans)
        })
        .collect()
}

/// What the idle stream pane says, with the key that moves on (from the keymap).
fn idle_text(model: &Model) -> String {
    use crate::tui::model::RunPhase;
    let (what, action, next) = match model.run.phase {
        RunPhase::NotReady => return "nothing prepared: pick a dataset on the start screen".into(),
        RunPhase::Preparing => return "scanning the dataset…".into(),
        RunPhase::Connecting => return "connecting to the server…".into(),
        RunPhase::Running => return "waiting for answers…".into(),
        RunPhase::Ready => ("ready", Action::Run, "runs"),
        RunPhase::Paused => ("paused", Action::Pause, "resumes"),
        RunPhase::Finished { interrupted: false } => ("run finished", Action::Run, "runs again"),
        RunPhase::Finished { interrupted: true } => ("run stopped", Action::Run, "continues it"),
        RunPhase::Viewing => ("past session (read-only)", Action::Run, "re-runs it"),
    };
    hint::phase(model, what, action, next)
}

/// The last `width` columns of `s` (streams show their newest text).
fn tail(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let mut used = 0;
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw + 1 > width {
            break;
        }
        used += cw;
        start = i;
    }
    format!("…{}", &s[start..])
}

fn finished_lines(model: &Model, w: usize, rows: usize) -> Vec<Line<'_>> {
    model
        .run
        .recent
        .iter()
        .rev()
        .take(rows)
        .filter_map(|&i| model.run.results.get(i).and_then(Option::as_ref))
        .map(|r| finished_line(r, w, model))
        .collect()
}

/// One finished item: mark, file, truth → parsed (step), latency; or the error.
pub(super) fn finished_line<'a>(r: &ItemResult, w: usize, model: &'a Model) -> Line<'a> {
    let theme = &model.theme;
    let (mark, style) = if r.is_error() {
        ("✗", theme.error)
    } else if r.is_correct() {
        ("✓", theme.ok)
    } else if r.is_unparsed() {
        ("?", theme.warn)
    } else {
        ("✗", theme.warn)
    };
    let name = fit(&r.image, 22);
    let mut spans = vec![
        Span::styled(format!("{mark} "), style),
        Span::styled(left(&name, 23), theme.muted),
    ];
    if let Some(err) = &r.error {
        spans.push(Span::styled(
            fit(&one_line(err), w.saturating_sub(26)),
            theme.error,
        ));
        return Line::from(spans);
    }
    let parsed = r
        .label
        .as_deref()
        .map_or_else(|| "(unparsed)".to_owned(), one_line);
    let step = r.parse.map(step_name).unwrap_or_default();
    let rest = format!(
        "{} → {} {} {}{}",
        fit(&r.truth, 10),
        fit(&parsed, 12),
        step,
        duration(std::time::Duration::from_millis(r.latency_ms)),
        if r.cached { " cached" } else { "" }
    );
    spans.push(Span::styled(fit(&rest, w.saturating_sub(25)), style));
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn tail_keeps_the_newest_text() {
        assert_eq!(tail("abc", 5), "abc");
        assert_eq!(tail("abcdef", 4), "…def");
        assert_eq!(tail("abcdef", 0), "…");
    }
}
