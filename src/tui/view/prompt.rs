//! The prompt editor screen (the template's TOML on the left; on the right what the model
//! would get: system and user prompt, labels, options, output mode, the bias lint or the
//! parse error with its place) and the "re-run which images?" question after a save.
//! Reads the model only; every piece of text goes through `sanitize`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::prompt_check::PromptCheck;
use crate::domain::sanitize::{one_line, sanitize};
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{Model, SAMPLE_PER_CLASS, ScopeQuestion};
use crate::tui::theme::Theme;

use super::{centered, hint, pane};

/// The template name and version as the run screen shows it: `digits v2` or `digits`.
pub(super) fn template_title(model: &Model) -> Option<String> {
    let p = model.run.prepared.as_ref()?;
    Some(match p.template_version {
        Some(n) => format!("{} v{n}", one_line(&p.template)),
        None => one_line(&p.template),
    })
}

/// Draws the editor screen.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(editor) = &model.prompt.editor else {
        return;
    };
    let theme = &model.theme;
    let [body, hint] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
    let state = if editor.saving {
        "saving…"
    } else if editor.modified() {
        "edited, not saved"
    } else {
        "unchanged"
    };
    let title = format!(
        " Prompt · {} · {state} ",
        template_title(model).unwrap_or_else(|| "template".to_owned())
    );
    let inner = pane(frame, left, &title, theme, true);
    frame.render_widget(&editor.area, inner);
    let inner = pane(frame, right, " What the model gets ", theme, false);
    frame.render_widget(
        Paragraph::new(check_lines(
            &editor.check,
            "✗ not valid yet (nothing is lost):",
            theme,
        ))
        .wrap(Wrap { trim: false }),
        inner,
    );
    // Undo, redo and selection are the text area's own keys, not the keymap's.
    let hint_text = " ".to_owned()
        + &hint::join([
            hint::all(model, Context::Editor, Action::Save, "save a version"),
            hint::hint(model, Context::Editor, Action::ExternalEditor, "$EDITOR"),
            hint::all(
                model,
                Context::Editor,
                Action::Back,
                "close (keeps a draft)",
            ),
            hint::all(model, Context::Editor, Action::Help, "keys"),
            Some("Ctrl-U/Ctrl-R undo/redo · Shift-arrows select".to_owned()),
        ]);
    frame.render_widget(
        Paragraph::new(super::fit(&hint_text, hint.width as usize)).style(theme.muted),
        hint,
    );
}

/// What the model gets from a checked template: system and user prompt, labels, options,
/// output mode and the bias lint's warnings; for a template that does not check out,
/// `invalid` and the reason.
pub(super) fn check_lines<'a>(
    check: &Result<PromptCheck, String>,
    invalid: &str,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let check = match check {
        Ok(check) => check,
        Err(e) => {
            return vec![
                Line::styled(invalid.to_owned(), theme.error),
                Line::styled(sanitize(e), theme.error),
            ];
        }
    };
    let heading = |text: &str| Line::styled(text.to_owned(), theme.title);
    let mut lines = vec![heading("system")];
    push_text(
        &mut lines,
        check.rendered.system.as_deref().unwrap_or("(none)"),
        theme.text,
    );
    lines.push(heading("user"));
    push_text(&mut lines, &check.rendered.prompt, theme.text);
    lines.push(Line::from(vec![
        Span::styled("labels ", theme.title),
        Span::styled(one_line(&check.labels.join(", ")), theme.text),
    ]));
    let options: Vec<String> = check
        .options()
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    lines.push(Line::from(vec![
        Span::styled("options ", theme.title),
        Span::styled(
            if options.is_empty() {
                "(server defaults)".to_owned()
            } else {
                options.join(", ")
            },
            theme.text,
        ),
    ]));
    lines.push(Line::from(vec![
        Span::styled("output ", theme.title),
        Span::styled(check.output(), theme.text),
    ]));
    lines.push(heading("bias lint"));
    if check.warnings.is_empty() {
        lines.push(Line::styled("no warnings", theme.ok));
    }
    for w in &check.warnings {
        lines.push(Line::styled(format!("⚠ {}", one_line(w)), theme.warn));
    }
    lines
}

fn push_text<'a>(lines: &mut Vec<Line<'a>>, text: &str, style: Style) {
    for line in sanitize(text).lines() {
        lines.push(Line::styled(line.to_owned(), style));
    }
}

/// The "re-run which images?" question, with how many images each scope would ask.
pub(super) fn render_scope(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(question) = &model.prompt.asking_scope else {
        return;
    };
    let (title, not_now, asks) = match question {
        ScopeQuestion::Saved(saved) => (
            format!(" Saved v{} · re-run ", saved.number),
            hint::join([
                Some(format!("not now: v{} becomes active", saved.number)),
                hint::hint(model, Context::Matrix, Action::Run, "runs it"),
            ]),
            "Ask the new version about which images? The rest keep this run's answers.",
        ),
        ScopeQuestion::Rerun => (
            " Re-run ".to_owned(),
            "not now".to_owned(),
            "Ask which images again, as a new session? The rest keep this run's answers.",
        ),
    };
    let theme = &model.theme;
    let run = &model.run;
    let linked = run.session_dir.is_some();
    let tally = &run.tally;
    let wrong = tally.metrics.total().saturating_sub(tally.correct());
    let cell = super::super::update::selected_cell(model)
        .map(|(t, p)| format!("cell {} → {}", one_line(&t), one_line(&p)))
        .unwrap_or_else(|| "cell under the cursor (none)".to_owned());
    let rows: [(Action, String); 7] = [
        (Action::RerunAll, format!("all {} images", run.total)),
        (Action::RerunWrong, format!("misclassified ({wrong})")),
        (Action::RerunCell, cell),
        (
            Action::RerunUnparsed,
            format!("unparsed ({})", tally.unparsed()),
        ),
        (Action::RerunFailed, format!("failed ({})", tally.errors())),
        (Action::RerunSample, format!("{SAMPLE_PER_CLASS} per class")),
        (Action::No, not_now),
    ];
    let mut lines = vec![
        Line::styled(
            if linked {
                asks.to_owned()
            } else {
                "Nothing has run yet: any choice runs every image.".to_owned()
            },
            theme.text,
        ),
        Line::raw(""),
    ];
    // A choice whose key is unbound is not offered.
    for (action, text) in rows {
        if let Some(keys) = model.keymap.hint_keys(Context::Rerun, action) {
            lines.push(Line::from(vec![
                Span::styled(format!("{keys:>5}  "), theme.accent),
                Span::styled(text, theme.text),
            ]));
        }
    }
    // The first line may wrap once in a narrow window.
    let rect = centered(area, 70, lines.len() as u16 + 3);
    let inner = pane(frame, rect, &title, theme, true);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
