//! The start screen: the form (dataset, template, backend, host, model, run size, past session) on the
//! left; on the right the server's state (models with vision ones marked, or why it cannot be
//! reached and what to do), path completions and past sessions. Draws only: never does IO.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::sanitize::one_line;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{Field, Model, ModelsStatus, Picker, RunCheck};

use super::format::{fit, left};
use super::{hint, pane};

/// Draws the start screen.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let [body, hint_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let side_w = if body.width >= 90 {
        body.width * 2 / 5
    } else {
        0
    };
    let [form_area, side] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(side_w)]).areas(body);
    let [form_area, extra] = if side_w == 0 && form_area.height >= 18 {
        Layout::vertical([Constraint::Length(13), Constraint::Fill(1)]).areas(form_area)
    } else {
        [form_area, Rect::default()]
    };
    form(frame, form_area, model);
    if side.width > 0 {
        sidebar(frame, side, model);
    } else if extra.height > 0 {
        sidebar(frame, extra, model);
    }
    let keys = hint::join([
        hint::pair(
            model,
            Context::Start,
            [Action::PrevField, Action::NextField],
            "field",
        ),
        hint::pair(
            model,
            Context::Start,
            [Action::ChoicePrev, Action::ChoiceNext],
            "choose/step",
        ),
        hint::hint(model, Context::Start, Action::Complete, "complete"),
        hint::hint(model, Context::Start, Action::Select, "browse/open"),
        hint::hint(model, Context::Start, Action::Run, "run"),
        hint::hint(model, Context::Start, Action::ForceQuit, "quit"),
    ]);
    frame.render_widget(
        Paragraph::new(Line::styled(
            fit(&keys, hint_area.width as usize),
            model.theme.muted,
        )),
        hint_area,
    );
}

fn picker_value(model: &Model, p: &Picker) -> String {
    match p.chosen.and_then(|i| p.choices.get(i)) {
        Some(c) => format!(
            "{}  ({}/{})",
            c.label,
            p.chosen.unwrap_or(0) + 1,
            p.choices.len()
        ),
        None if p.choices.is_empty() => p.input.clone(),
        None => {
            let choices = format!("{} choices", p.choices.len());
            let keys = [Action::ChoicePrev, Action::ChoiceNext];
            let choose = hint::pair(model, Context::Start, keys, &choices).unwrap_or(choices);
            format!("{}  (typed; {choose})", p.input)
        }
    }
}

fn form(frame: &mut Frame, area: Rect, model: &Model) {
    let theme = &model.theme;
    let inner = pane(frame, area, " squint · start ", theme, true);
    let f = &model.start;
    let w = inner.width as usize;
    let mut lines = Vec::new();
    for (i, field) in Field::ALL.iter().enumerate() {
        let value = match field {
            Field::Dataset => picker_value(model, &f.dataset),
            Field::Template => picker_value(model, &f.template),
            Field::Backend => f.backend.input.clone(),
            Field::Host if f.host.is_empty() => "(default / environment)".to_owned(),
            // Typed credentials show only while the field is being edited.
            Field::Host if i == f.focus => f.host.clone(),
            Field::Host => crate::backend::mask_url(&f.host),
            Field::Model if f.model.input.is_empty() => "(the template's, else llava)".to_owned(),
            Field::Model => picker_value(model, &f.model),
            Field::Concurrency => f.concurrency.clone(),
            Field::LimitPerClass if f.limit_per_class.is_empty() => "(all images)".to_owned(),
            Field::LimitPerClass => format!("{} images per class", f.limit_per_class),
            Field::Sample if f.sample.is_empty() => "(all images)".to_owned(),
            Field::Sample => format!("{} images at random", f.sample),
            Field::Session => match f.sessions.get(f.session_selected) {
                Some(s) => s.figures(),
                None => "(none yet)".to_owned(),
            },
        };
        let focused = i == f.focus;
        // The cursor sits where the next character goes; on a picked choice or a
        // placeholder, at the end (typing there replaces the whole value).
        let value = match f.text(*field).filter(|t| focused && !t.is_empty()) {
            Some(text) if value.starts_with(text) => {
                let at = f.cursor.unwrap_or(usize::MAX);
                let split = text.char_indices().nth(at).map_or(text.len(), |(b, _)| b);
                format!("{}▏{}", &text[..split], &value[split..])
            }
            _ if focused && field.is_text() => format!("{value}▏"),
            _ => value,
        };
        let label_style = if focused { theme.accent } else { theme.muted };
        let value_style = if focused { theme.selection } else { theme.text };
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{} {} ",
                    if focused { "›" } else { " " },
                    left(field.label(), 12)
                ),
                label_style,
            ),
            Span::styled(fit(&one_line(&value), w.saturating_sub(16)), value_style),
        ]));
    }
    lines.push(Line::raw(""));
    if !f.completions.is_empty() {
        lines.push(Line::styled("completions:", theme.muted));
        for c in f
            .completions
            .iter()
            .take(inner.height.saturating_sub(lines.len() as u16) as usize)
        {
            lines.push(Line::styled(format!("  {}", one_line(c)), theme.text));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn sidebar(frame: &mut Frame, area: Rect, model: &Model) {
    let theme = &model.theme;
    let [server, check, sessions] = Layout::vertical([
        Constraint::Percentage(40),
        Constraint::Percentage(30),
        Constraint::Percentage(30),
    ])
    .areas(area);
    run_check(frame, check, model);
    let inner = pane(frame, server, " Server ", theme, false);
    let lines: Vec<Line> = match &model.start.models {
        ModelsStatus::Unknown => vec![Line::styled(
            "not asked yet (move off the host field)",
            theme.muted,
        )],
        ModelsStatus::Loading => vec![Line::styled(
            "asking the server for its models…",
            theme.muted,
        )],
        ModelsStatus::Unreachable(e) => vec![
            Line::styled(format!("unreachable: {}", one_line(e)), theme.error),
            Line::styled(
                "start it (`ollama serve`) or set the host, then move off the host field to retry.",
                theme.warn,
            ),
            Line::styled(
                "Browsing datasets, previews and past sessions still work.",
                theme.muted,
            ),
        ],
        ModelsStatus::Listed(models) if models.is_empty() => {
            vec![Line::styled("no models: `ollama pull llava`", theme.warn)]
        }
        ModelsStatus::Listed(models) => models
            .iter()
            .map(|m| {
                let (mark, style) = match m.vision {
                    Some(true) => ("◉ vision ", theme.ok),
                    Some(false) => ("○ text   ", theme.muted),
                    None => ("· ?      ", theme.text),
                };
                Line::from(vec![
                    Span::styled(mark, style),
                    Span::styled(one_line(&m.name), theme.text),
                ])
            })
            .collect(),
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    let inner = pane(frame, sessions, " Recent sessions ", theme, false);
    let lines: Vec<Line> = model
        .start
        .sessions
        .iter()
        .enumerate()
        .take(inner.height as usize)
        .map(|(i, s)| {
            let style = if i == model.start.session_selected {
                theme.accent
            } else {
                theme.text
            };
            Line::styled(fit(&s.figures(), inner.width as usize), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// What a run with the form's dataset and template would start with: the bias lint's
/// warnings (and skipped files), or why it could not start.
fn run_check(frame: &mut Frame, area: Rect, model: &Model) {
    let theme = &model.theme;
    let inner = pane(frame, area, " Before the run ", theme, false);
    let lines: Vec<Line> = match &model.start.check {
        RunCheck::Unknown => vec![Line::styled("pick a dataset to check", theme.muted)],
        RunCheck::Checking => vec![Line::styled("checking the template…", theme.muted)],
        RunCheck::Warnings(w) if w.is_empty() => vec![Line::styled(
            "✓ the template renders; the bias lint found nothing",
            theme.ok,
        )],
        RunCheck::Warnings(warnings) => warnings
            .iter()
            .map(|w| Line::styled(format!("⚠ {}", one_line(w)), theme.warn))
            .collect(),
        RunCheck::Failed(e) => vec![Line::styled(format!("✗ {}", one_line(e)), theme.error)],
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
