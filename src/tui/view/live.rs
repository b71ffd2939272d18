//! The live stream pane: the items in flight with their answers streaming in (each with a
//! thumbnail of its image when there is room and images are on), and the latest finished ones
//! with true label, parsed label, parse step and latency (navigable: Tab focuses the list, the
//! selected one is shown large); errors in the error colour; the session folder on the bottom
//! border. Model output is sanitised here, at draw time, and only the visible tail is touched.
//! Reports where thumbnails go; never decodes an image.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::domain::result::ItemResult;
use crate::domain::sanitize::one_line;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{InFlight, Model, scroll_offset};

use super::format::{fit, latency, left, step_name, tail, truth_text};
use super::{ImageSlot, hint, pane};

/// Thumbnails need at least this many rows of in-flight items (two items at 3 rows each).
const THUMB_MIN_ROWS: u16 = 6;
/// ... and this many columns.
const THUMB_MIN_WIDTH: u16 = 30;

/// Draws the live pane: in flight on the left, latest finished on the right; one combined
/// pane (in flight first) when narrow. Returns the in-flight items' thumbnail slots.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) -> Vec<ImageSlot> {
    let mut thumbnails = Vec::new();
    let focused = model.live.focused;
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
        thumbnails = in_flight(frame, inner, model);
        let keys = if focused {
            [
                hint::pair(model, Context::Matrix, [Action::Up, Action::Down], "pick"),
                hint::hint(model, Context::Matrix, Action::FocusNext, "back"),
            ]
        } else {
            [
                hint::hint(model, Context::Matrix, Action::FocusNext, "pick one"),
                None,
            ]
        };
        let [first, second] = keys;
        let title = hint::join([Some(" Latest finished".to_owned()), first, second]) + " ";
        let inner = pane(frame, b, &title, &model.theme, focused);
        let lines = finished_lines(model, inner.width as usize, inner.height as usize);
        frame.render_widget(Paragraph::new(lines), inner);
    } else {
        let title = format!(
            " Live · {} in flight · latest finished ",
            model.run.in_flight.len()
        );
        let inner = pane(frame, area, &title, &model.theme, focused);
        let rows = inner.height as usize;
        let mut lines = in_flight_lines(model, inner.width as usize, rows.div_ceil(2));
        let rest = rows.saturating_sub(lines.len());
        lines.extend(finished_lines(model, inner.width as usize, rest));
        frame.render_widget(Paragraph::new(lines), inner);
    }
    session_folder(frame, area, model);
    thumbnails
}

/// The in-flight items into `inner`: with a thumbnail beside each streaming answer when there
/// is room and images are on, else one line each. Returns the thumbnail slots.
fn in_flight(frame: &mut Frame, inner: Rect, model: &Model) -> Vec<ImageSlot> {
    let images_on = model.image_protocol != "none";
    if !images_on
        || inner.height < THUMB_MIN_ROWS
        || inner.width < THUMB_MIN_WIDTH
        || model.run.in_flight.is_empty()
    {
        let lines = in_flight_lines(model, inner.width as usize, inner.height as usize);
        frame.render_widget(Paragraph::new(lines), inner);
        return Vec::new();
    }
    let rows = if inner.height >= 16 { 4 } else { 3 };
    let thumb_w = rows * 2;
    let text_w = inner.width.saturating_sub(thumb_w + 1);
    let mut slots = Vec::new();
    let items = model
        .run
        .in_flight
        .values()
        .take((inner.height / rows) as usize);
    for (n, item) in items.enumerate() {
        let y = inner.y + n as u16 * rows;
        let thumb = Rect::new(inner.x, y, thumb_w, rows);
        let text = Rect::new(inner.x + thumb_w + 1, y, text_w, rows);
        frame.render_widget(
            Paragraph::new(in_flight_block(model, item, text_w as usize, rows as usize)),
            text,
        );
        slots.push(ImageSlot {
            area: thumb,
            path: model.run.dataset_root.join(&item.image),
        });
    }
    slots
}

/// One in-flight item as `rows` lines: file, truth and attempt, then the newest answer text.
fn in_flight_block<'a>(model: &'a Model, item: &InFlight, w: usize, rows: usize) -> Vec<Line<'a>> {
    let theme = &model.theme;
    let mut head = vec![Span::styled(
        format!(
            "{} [{}]",
            fit(&one_line(&item.image), w.saturating_sub(14).max(4)),
            fit(&truth_text(&item.truth), 10)
        ),
        theme.muted,
    )];
    if item.attempt > 1 {
        head.push(Span::styled(format!(" retry {}", item.attempt), theme.warn));
    }
    let mut lines = vec![Line::from(head)];
    let answer_rows = rows.saturating_sub(1);
    let text = tail(&one_line(&item.text), w.saturating_mul(answer_rows));
    let chars: Vec<char> = text.chars().collect();
    // Wrapped by width: the newest text fills the last rows.
    let mut rest: &[char] = &chars;
    for _ in 0..answer_rows {
        let mut used = 0;
        let mut cut = 0;
        for (i, c) in rest.iter().enumerate() {
            let cw = unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
            if used + cw > w {
                break;
            }
            used += cw;
            cut = i + 1;
        }
        lines.push(Line::styled(
            rest[..cut].iter().collect::<String>(),
            theme.text,
        ));
        rest = &rest[cut..];
        if rest.is_empty() {
            break;
        }
    }
    lines
}

/// The session folder on the pane's bottom border, its tail kept when it is long.
fn session_folder(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(dir) = &model.run.session_dir else {
        return;
    };
    if area.height < 2 || area.width < 24 {
        return;
    }
    let room = (area.width - 4) as usize;
    let text = format!(" session {} ", one_line(&dir.display().to_string()));
    let text = if text.width() > room {
        format!(
            " session {} ",
            tail(
                &one_line(&dir.display().to_string()),
                room.saturating_sub(10)
            )
        )
    } else {
        text
    };
    let y = area.y + area.height - 1;
    frame
        .buffer_mut()
        .set_stringn(area.x + 2, y, &text, room, model.theme.muted);
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
            let head = format!(
                "… {} [{}] ",
                fit(&item.image, 24),
                fit(&truth_text(&item.truth), 10)
            );
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

fn finished_lines(model: &Model, w: usize, rows: usize) -> Vec<Line<'_>> {
    let run = &model.run;
    let position = model.live.position(run);
    let off = position.map_or(0, |p| scroll_offset(p, rows, run.recent.len()));
    run.recent
        .iter()
        .rev()
        .enumerate()
        .skip(off)
        .take(rows)
        .filter_map(|(pos, &i)| {
            run.results
                .get(i)
                .and_then(Option::as_ref)
                .map(|r| (pos, r))
        })
        .map(|(pos, r)| {
            let line = finished_line(r, w, model);
            if position == Some(pos) {
                line.style(model.theme.selection)
            } else {
                line
            }
        })
        .collect()
}

/// One finished item: mark, file, truth → parsed (step), latency; or the error.
pub(super) fn finished_line<'a>(r: &ItemResult, w: usize, model: &'a Model) -> Line<'a> {
    let theme = &model.theme;
    let (mark, style) = if r.is_error() {
        ("✗", theme.error)
    } else if r.truth.is_empty() {
        ("·", theme.text)
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
    // A proposal (truth unknown) shows its confidence: the reviewer's first question.
    let confidence = r
        .confidence
        .filter(|_| r.truth.is_empty())
        .map(|c| format!("{c:.2} "))
        .unwrap_or_default();
    let truth = truth_text(&r.truth);
    let rest = format!(
        "{} → {} {} {confidence}{}{}",
        fit(&truth, 10),
        fit(&parsed, 12),
        step,
        latency(r),
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
