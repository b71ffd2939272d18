//! What the run screen shows instead of the confusion matrix while the truth is unknown (an
//! unlabeled folder no one has reviewed yet): the model's proposals per label (count, share,
//! a bar, mean confidence where logprobs were served) and, beside it, how many came from each
//! parse step. Reads the tally's running counts: O(labels) per frame, never the results.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::domain::proposals::Proposals;
use crate::tui::model::Model;

use super::format::{fit, left, pct, right};
use super::pane;

/// Draws the proposals table into the matrix's place.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let p = &model.run.tally.proposals;
    let title = format!(
        " Proposals · truth unknown · {} answered · no matrix until reviewed ",
        p.total
    );
    let inner = pane(frame, area, &title, &model.theme, true);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let theme = &model.theme;
    let w = inner.width as usize;
    let label_w = 14.min(w / 3).max(4);
    let bar_w = w.saturating_sub(label_w + 7 + 8 + 6 + 4).min(30);
    let mut lines = vec![Line::styled(
        format!(
            "{}{}{}  {}{}",
            left("label", label_w),
            right("n", 7),
            right("share", 8),
            left("", bar_w),
            right("conf", 6)
        ),
        theme.muted,
    )];
    let mut rows: Vec<(&String, u64, Option<f64>)> = labels(model, p);
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    for (label, count, confidence) in rows {
        let share = p.share(label);
        let filled = (share * bar_w as f64).round() as usize;
        lines.push(Line::from(vec![
            Span::styled(left(&fit(label, label_w - 1), label_w), theme.text),
            Span::styled(right(&count.to_string(), 7), theme.text),
            Span::styled(right(&pct(Some(share)), 8), theme.muted),
            Span::styled(
                format!("  {}", left(&"█".repeat(filled), bar_w)),
                theme.accent,
            ),
            Span::styled(
                right(&confidence.map_or("–".to_owned(), |c| format!("{c:.2}")), 6),
                theme.muted,
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Every label of the run (those never proposed with 0) plus `(unparsed)` when it occurred.
fn labels<'a>(model: &'a Model, p: &'a Proposals) -> Vec<(&'a String, u64, Option<f64>)> {
    let mut rows: Vec<(&String, u64, Option<f64>)> = model
        .run
        .axis
        .rows
        .iter()
        .filter(|l| !p.by_label.contains_key(*l))
        .map(|l| (l, 0, None))
        .collect();
    rows.extend(
        p.by_label
            .iter()
            .map(|(l, s)| (l, s.count, s.mean_confidence)),
    );
    rows
}

/// Draws the parse steps into the classes pane's place.
pub(super) fn render_steps(frame: &mut Frame, area: Rect, model: &Model) {
    let p = &model.run.tally.proposals;
    let inner = pane(frame, area, " Parse steps ", &model.theme, false);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let theme = &model.theme;
    let w = inner.width as usize;
    let mut lines: Vec<Line> = p
        .by_step
        .iter()
        .map(|(step, n)| {
            let share = if p.total > 0 {
                *n as f64 / p.total as f64
            } else {
                0.0
            };
            Line::styled(
                fit(
                    &format!(
                        "{}{}{}",
                        left(step, 12),
                        right(&n.to_string(), 7),
                        right(&pct(Some(share)), 8)
                    ),
                    w,
                ),
                theme.text,
            )
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        fit("R reviews the proposals, least confident first", w),
        theme.muted,
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
