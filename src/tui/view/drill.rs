//! The drill-down screen: the list of one cell's (row's, column's, errors') items, the selected
//! image, and its details: raw answer (full, scrollable), parsed label and step, confidence,
//! latency, tokens, attempts, error. Reads the prebuilt list; draws only visible entries.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::result::ItemResult;
use crate::domain::sanitize::{one_line, sanitize};
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{DrillFilter, DrillState, ListSearch, Model, scroll_offset};

use super::format::{fit, latency, left, step_name, truth_text};
use super::{ImageSlot, hint, image_placeholder, pane, status};

/// The areas of the drill-down screen (shared with the mouse's hit test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DrillLayout {
    /// The list pane.
    pub list: Rect,
    /// The image pane.
    pub image: Rect,
    /// The answer and details pane.
    pub details: Rect,
    /// The status line.
    pub status: Rect,
}

impl DrillLayout {
    /// Splits the screen `area`.
    pub(super) fn of(area: Rect) -> DrillLayout {
        let [body, status] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        let [top, details] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
        let list_w = if top.width >= 60 {
            (top.width / 2).min(48)
        } else {
            top.width
        };
        let [list, image] =
            Layout::horizontal([Constraint::Length(list_w), Constraint::Fill(1)]).areas(top);
        DrillLayout {
            list,
            image,
            details,
            status,
        }
    }
}

/// The list rows inside a list pane (`pane`): within the border, above the search line.
pub(super) fn list_rows(pane: Rect, search: &ListSearch) -> Rect {
    let inner = pane.inner(ratatui::layout::Margin::new(1, 1));
    if search.label().is_some() && inner.height >= 2 {
        Rect {
            height: inner.height - 1,
            ..inner
        }
    } else {
        inner
    }
}

/// Draws the drill-down screen; returns where the image goes.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) -> Option<ImageSlot> {
    let drill = model.drill.as_ref()?;
    let DrillLayout {
        list: list_area,
        image: image_area,
        details,
        status: status_area,
    } = DrillLayout::of(area);
    list(frame, list_area, model, drill);
    let current = drill
        .current()
        .and_then(|i| model.run.results.get(i))
        .and_then(Option::as_ref);
    let slot = if image_area.width >= 4 && image_area.height >= 3 {
        let name = current.map(|r| r.image.as_str()).unwrap_or_default();
        let inner = pane(
            frame,
            image_area,
            &format!(" {} · o: full size ", one_line(name)),
            &model.theme,
            false,
        );
        image_placeholder(frame, inner, model);
        model
            .preview
            .wanted
            .clone()
            .map(|path| ImageSlot { area: inner, path })
    } else {
        None
    };
    // A comparison's flipped image: the other session's answer (A) beside this run's (B).
    let other = match (&drill.filter, &model.compare.result, current) {
        (DrillFilter::Flipped { .. }, Some(c), Some(r)) => c.a_flipped.get(&r.image),
        _ => None,
    };
    match (current, other) {
        (Some(b), Some(a)) => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(details);
            detail(
                frame,
                left,
                model,
                a,
                drill.answer_scroll,
                Some(" A · the other session "),
            );
            detail(
                frame,
                right,
                model,
                b,
                drill.answer_scroll,
                Some(" B · this run "),
            );
        }
        (Some(r), None) => detail(frame, details, model, r, drill.answer_scroll, None),
        (None, _) => {}
    }
    status::render(frame, status_area, model);
    slot
}

fn list(frame: &mut Frame, area: Rect, model: &Model, drill: &DrillState) {
    let theme = &model.theme;
    let title = if drill.filter == DrillFilter::Review {
        // The review queue: progress, then how to decide.
        let (reviewed, total, accepted) = model.run.review_progress(drill);
        hint::join([
            Some(format!(
                " Review · reviewed {} of {}, {} accepted",
                thousands(reviewed),
                thousands(total),
                thousands(accepted)
            )),
            hint::hint(model, Context::Review, Action::AcceptLabel, "accept"),
            hint::hint(model, Context::Review, Action::Skip, "skip"),
            hint::hint(model, Context::Review, Action::Back, "back"),
        ]) + " "
    } else {
        hint::join([
            Some(format!(" {}", drill.filter.title())),
            Some(format!("{}/{}", drill.selected + 1, drill.entries.len())),
            hint::hint(model, Context::Drill, Action::Sort, drill.sort.name()),
            hint::hint(model, Context::Drill, Action::Back, "back"),
        ]) + " "
    };
    let inner = pane(frame, area, &title, theme, true);
    let inner = search_line(frame, inner, model, &drill.search);
    let rows = inner.height as usize;
    let w = inner.width as usize;
    let off = scroll_offset(drill.selected, rows, drill.entries.len());
    let lines: Vec<Line> = drill
        .entries
        .iter()
        .enumerate()
        .skip(off)
        .take(rows)
        .filter_map(|(pos, &i)| {
            model
                .run
                .results
                .get(i)
                .and_then(Option::as_ref)
                .map(|r| (pos, r))
        })
        .map(|(pos, r)| {
            let conf = r.confidence.map(|c| format!(" {c:.2}")).unwrap_or_default();
            let shown = model.run.shown_label(r);
            let pred = match (&r.error, shown) {
                (Some(_), _) => "failed".to_owned(),
                (None, Some(l)) if shown != r.label.as_deref() => format!(
                    "{} (raw {})",
                    one_line(l),
                    r.label.as_deref().map_or("(unparsed)".to_owned(), one_line)
                ),
                (None, Some(l)) => one_line(l),
                (None, None) => "(unparsed)".to_owned(),
            };
            // The labels get the width they need first (up to all but 8 columns); the
            // file name takes the rest.
            let tail = fit(
                &format!("{}→{pred}{conf}", truth_text(&r.truth)),
                w.saturating_sub(8).max(1),
            );
            let tail_w = unicode_width::UnicodeWidthStr::width(tail.as_str());
            let text = format!(
                "{} {tail}",
                left(&one_line(&r.image), w.saturating_sub(tail_w + 1).max(1)),
            );
            let style = if pos == drill.selected {
                theme.selection
            } else if r.is_error() {
                theme.error
            } else if shown == Some(r.truth.as_str()) {
                theme.ok
            } else {
                theme.text
            };
            Line::styled(left(&text, w), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One result's details and raw answer; `side` names whose answer it is when two are shown.
fn detail(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    r: &ItemResult,
    scroll: u16,
    side: Option<&str>,
) {
    let theme = &model.theme;
    let title = match side {
        Some(side) => format!("{side}· J/K scroll "),
        None => " Answer · J/K scroll ".to_owned(),
    };
    let inner = pane(frame, area, &title, theme, false);
    let field = |name: &str, value: String| -> Vec<Span<'static>> {
        vec![
            Span::styled(format!("{name} "), theme.muted),
            Span::styled(format!("{value}  "), theme.text),
        ]
    };
    let mut head: Vec<Span> = Vec::new();
    head.extend(field("file", one_line(&r.image)));
    head.extend(field("true", truth_text(&r.truth)));
    match model.run.corrections.verdict(&r.image) {
        Some(crate::domain::corrections::Verdict::Label(label)) => {
            head.extend(field("corrected to", one_line(&label)));
        }
        Some(crate::domain::corrections::Verdict::Doubtful) => {
            head.extend(field("corrected", "doubtful".to_owned()));
        }
        None => {}
    }
    if r.is_error() {
        // A failed request has no answer to parse: say so, not "(unparsed)".
        let failed = match r.error_kind {
            Some(kind) => format!("failed ({})", kind.name()),
            None => "failed".to_owned(),
        };
        head.extend(field("result", failed));
    } else {
        let parsed = r
            .label
            .as_deref()
            .map_or_else(|| "(unparsed)".to_owned(), one_line);
        head.extend(field("parsed", parsed));
        if let Some(calibrated) = model
            .run
            .shown_label(r)
            .filter(|l| Some(*l) != r.label.as_deref())
        {
            head.extend(field("calibrated", one_line(calibrated)));
        }
        head.extend(field(
            "step",
            r.parse.map(step_name).unwrap_or("–").to_owned(),
        ));
    }
    let mut second: Vec<Span> = Vec::new();
    second.extend(field(
        "confidence",
        r.confidence
            .map_or_else(|| "–".to_owned(), |c| format!("{c:.3}")),
    ));
    second.extend(field("latency", latency(r)));
    let tokens = match (r.prompt_eval_count, r.eval_count) {
        (Some(p), Some(e)) => format!("{p}+{e}"),
        (None, Some(e)) => e.to_string(),
        _ => "–".to_owned(),
    };
    second.extend(field("tokens", tokens));
    second.extend(field(
        "attempts",
        if r.cached {
            "cached".to_owned()
        } else {
            r.attempts.to_string()
        },
    ));
    let mut lines = vec![Line::from(head), Line::from(second)];
    if let Some(err) = &r.error {
        lines.push(Line::styled(
            format!("error: {}", one_line(err)),
            theme.error,
        ));
    }
    lines.push(Line::styled("─".repeat(inner.width as usize), theme.border));
    for l in sanitize(&r.answer).lines() {
        lines.push(Line::styled(l.to_owned(), theme.text));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

/// Draws the `/` search (query and match count) on the last row of a list's `area` while one
/// is typed or kept; returns the rows left for the list.
pub(super) fn search_line(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    search: &ListSearch,
) -> Rect {
    let Some(label) = search.label() else {
        return area;
    };
    if area.height < 2 {
        return area;
    }
    let [list, line] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let style = if search.editing {
        model.theme.accent
    } else {
        model.theme.muted
    };
    let hint = if search.editing {
        " · Enter keep · Esc drop"
    } else {
        " · n/N next/previous"
    };
    let text = fit(&format!("{}{hint}", one_line(&label)), line.width as usize);
    frame.render_widget(Paragraph::new(Line::styled(text, style)), line);
    list
}

/// `2,000`: thousands separated.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
