//! The comparison overlay: first the picker of other sessions of this dataset, then A (the
//! chosen session) against B (the run on screen): accuracy and macro-F1 with their difference,
//! McNemar's test in words, the delta matrix coloured by gain and loss, per-class F1 deltas
//! and the flipped images with both answers. Draws only; every label and name is sanitised.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::compare::{Comparison, mcnemar_verdict};
use crate::domain::sanitize::one_line;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{Model, Overlay};
use crate::tui::theme::Theme;

use super::format::fit;
use super::{centered, hint, pane};

/// Draws the picker or the comparison, whichever is open.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    match (model.overlay, &model.compare.result) {
        (Some(Overlay::Compare), Some(result)) => {
            render_comparison(frame, area, model, &result.comparison, &result.notes);
        }
        _ => render_picker(frame, area, model),
    }
}

fn render_picker(frame: &mut Frame, area: Rect, model: &Model) {
    let state = &model.compare;
    let rect = centered(area, 90, state.candidates.len() as u16 + 5);
    if rect.width < 20 || rect.height < 4 {
        return;
    }
    let theme = &model.theme;
    let inner = pane(frame, rect, " Compare this run (B) with… (A) ", theme, true);
    let w = inner.width as usize;
    let visible = inner.height.saturating_sub(2) as usize;
    let first = state.selected.saturating_sub(visible.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    for (i, s) in state
        .candidates
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
    {
        let [when, _, template, run_model, done, accuracy, f1, status] = s.columns();
        let mark = if i == state.selected { "›" } else { " " };
        let text = format!(
            "{mark} {when}  {}  {}  {done}  acc {accuracy}  F1 {f1}  {status}",
            one_line(&template),
            one_line(&run_model)
        );
        let style = if i == state.selected {
            theme.selection
        } else {
            theme.text
        };
        lines.push(Line::styled(fit(&text, w), style));
    }
    lines.push(Line::raw(""));
    let hints = hint::join([
        hint::hint(model, Context::Compare, Action::Select, "compare"),
        hint::all(model, Context::Compare, Action::Close, "close"),
        hint::pair(model, Context::Compare, [Action::Up, Action::Down], "move"),
    ]);
    lines.push(Line::styled(fit(&hints, w), theme.accent));
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_comparison(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    c: &Comparison,
    notes: &[String],
) {
    let theme = &model.theme;
    let rect = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    if rect.width < 30 || rect.height < 10 {
        return;
    }
    let inner = pane(
        frame,
        rect,
        " Compare · A = the chosen session · B = this run ",
        theme,
        true,
    );
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(7),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(inner);
    let w = head.width as usize;
    let mut lines = vec![
        Line::styled(
            fit(&format!("A {}", one_line(&c.a.session)), w),
            theme.muted,
        ),
        Line::styled(
            fit(&format!("B {}", one_line(&c.b.session)), w),
            theme.muted,
        ),
        figure_line(
            "accuracy",
            c.a.accuracy * 100.0,
            c.b.accuracy * 100.0,
            "%",
            theme,
        ),
        figure_line("macro-F1", c.a.macro_f1, c.b.macro_f1, "", theme),
        Line::styled(one_line(&mcnemar_verdict(c)), theme.text),
    ];
    if c.failed.a + c.failed.b > 0 || !notes.is_empty() {
        let mut text = format!("failed requests: {} in A, {} in B", c.failed.a, c.failed.b);
        for n in notes {
            text.push_str(" · ");
            text.push_str(&one_line(n));
        }
        lines.push(Line::styled(text, theme.warn));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), head);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    frame.render_widget(
        Paragraph::new(delta_matrix(c, theme, left.width as usize)),
        left,
    );
    frame.render_widget(
        Paragraph::new(classes_and_flips(
            c,
            model.compare.scroll,
            theme,
            right.width as usize,
        )),
        right,
    );
    let hints = hint::join([
        hint::pair(
            model,
            Context::Compare,
            [Action::Up, Action::Down],
            "scroll flipped images",
        ),
        hint::hint(
            model,
            Context::Compare,
            Action::Select,
            "open the top one with its group (image, both answers)",
        ),
        hint::all(model, Context::Compare, Action::Close, "close"),
    ]);
    frame.render_widget(
        Paragraph::new(fit(&hints, foot.width as usize)).style(theme.accent),
        foot,
    );
}

/// `accuracy  A 79.20%  B 83.00%  Δ +3.80`, the difference coloured by its sign.
fn figure_line<'a>(name: &str, a: f64, b: f64, unit: &str, theme: &Theme) -> Line<'a> {
    let digits = if unit.is_empty() { 3 } else { 1 };
    let delta = b - a;
    Line::from(vec![
        Span::styled(format!("{name:<9}"), theme.title),
        Span::styled(
            format!("A {a:.digits$}{unit}   B {b:.digits$}{unit}   "),
            theme.text,
        ),
        Span::styled(format!("Δ {delta:+.digits$}"), sign_style(delta, theme)),
    ])
}

fn sign_style(delta: f64, theme: &Theme) -> Style {
    if delta > 0.0 {
        theme.ok
    } else if delta < 0.0 {
        theme.error
    } else {
        theme.muted
    }
}

/// B's counts minus A's: a gain (more on the diagonal, fewer off it) in the ok colour, a loss
/// in the error colour.
fn delta_matrix<'a>(c: &Comparison, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let labels = &c.confusion_delta.labels;
    let cell = 4;
    let head = 8;
    let fits = (width.saturating_sub(head) / cell).min(labels.len());
    let mut lines = vec![Line::styled(
        fit(
            "Δ matrix (B − A) · true ↓ predicted →",
            width.saturating_sub(1),
        ),
        theme.title,
    )];
    let mut header = vec![Span::styled(format!("{:<head$}", "t\\p"), theme.muted)];
    for l in labels.iter().take(fits) {
        header.push(Span::styled(
            format!("{:>cell$}", fit(&short(l), cell - 1)),
            theme.muted,
        ));
    }
    lines.push(Line::from(header));
    for (t, row) in c.confusion_delta.matrix.iter().enumerate() {
        let Some(label) = labels.get(t) else { break };
        let mut spans = vec![Span::styled(
            format!("{:<head$}", fit(&short(label), head - 1)),
            theme.muted,
        )];
        for (p, &d) in row.iter().enumerate().take(fits) {
            let gain = if t == p { d } else { -d };
            let style = match gain.signum() {
                1 => theme.ok,
                -1 => theme.error,
                _ => theme.muted,
            };
            let text = if d == 0 {
                "·".to_owned()
            } else {
                format!("{d:+}")
            };
            spans.push(Span::styled(format!("{text:>cell$}"), style));
        }
        lines.push(Line::from(spans));
    }
    if fits < labels.len() {
        lines.push(Line::styled(
            format!("({} more columns: widen the terminal)", labels.len() - fits),
            theme.muted,
        ));
    }
    lines
}

/// Per-class F1 in A and B, then the flipped images from `scroll` on.
fn classes_and_flips<'a>(
    c: &Comparison,
    scroll: usize,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'a>> {
    let mut lines = vec![Line::styled(
        "class      F1 A   F1 B      Δ".to_owned(),
        theme.title,
    )];
    for (label, f1) in &c.per_class {
        let delta = f1.f1_b - f1.f1_a;
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{:<9} {:>6.3} {:>6.3} ",
                    fit(&short(label), 9),
                    f1.f1_a,
                    f1.f1_b
                ),
                theme.text,
            ),
            Span::styled(format!("{delta:>+6.3}"), sign_style(delta, theme)),
        ]));
    }
    let fixed = c.fixed().count();
    let broken = c.broken().count();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("flipped: {fixed} fixed by B (✓), {broken} broken by B (✗)"),
        theme.title,
    ));
    for (i, flip) in c.flipped.iter().enumerate().skip(scroll) {
        let (mark, style) = if flip.fixed_by_b() {
            ("✓", theme.ok)
        } else {
            ("✗", theme.error)
        };
        // The first row shown is the one Enter opens.
        let style = if i == scroll { theme.selection } else { style };
        let answer = |l: &Option<String>| l.as_deref().map_or("failed".to_owned(), one_line);
        let text = format!(
            "{mark} {}  true {}  A {}  B {}",
            one_line(&flip.image),
            one_line(&flip.truth),
            answer(&flip.a),
            answer(&flip.b)
        );
        lines.push(Line::styled(fit(&text, width), style));
    }
    lines
}

/// A label cut for a narrow column (`(unparsed)` becomes `unp`).
fn short(label: &str) -> String {
    if label == crate::domain::parse::UNPARSED {
        "unp".to_owned()
    } else {
        one_line(label)
    }
}
