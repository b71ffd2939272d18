//! The status line: `done/total`, accuracy, images/s, ETA, tokens/s, errors, unparsed, phase,
//! backend and model, and a hint of the keys. Reads counters only; O(1) per frame.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::model::{Model, RunPhase};

use super::format::{duration, fit, pct};

/// The phase as a word.
pub fn phase_name(phase: RunPhase) -> &'static str {
    match phase {
        RunPhase::NotReady => "not ready",
        RunPhase::Preparing => "preparing",
        RunPhase::Ready => "ready · r runs",
        RunPhase::Connecting => "connecting",
        RunPhase::Running => "running",
        RunPhase::Paused => "paused",
        RunPhase::Finished { interrupted: false } => "finished",
        RunPhase::Finished { interrupted: true } => "stopped",
        RunPhase::Viewing => "past session",
    }
}

/// Draws the status line into a one-row `area`.
pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let theme = &model.theme;
    let run = &model.run;
    let sep = Span::styled(" · ", theme.muted);
    let mut spans = vec![
        Span::styled(format!(" {}/{}", run.done, run.total), theme.accent),
        sep.clone(),
        Span::styled(format!("acc {}", pct(run.accuracy())), theme.ok),
        sep.clone(),
    ];
    let rate = run.timing.rate(model.now);
    spans.push(Span::styled(
        rate.map_or_else(|| "– img/s".to_owned(), |r| format!("{r:.1} img/s")),
        theme.text,
    ));
    spans.push(sep.clone());
    let eta = match run.phase {
        RunPhase::Running | RunPhase::Paused => run.eta(model.now).map_or_else(|| "ETA –".to_owned(), |d| format!("ETA {}", duration(d))),
        _ => match run.timing.active(model.now) {
            Some(d) if run.timing.started.is_some() => format!("took {}", duration(d)),
            _ => "ETA –".to_owned(),
        },
    };
    spans.push(Span::styled(eta, theme.text));
    spans.push(sep.clone());
    spans.push(Span::styled(
        run.timing.tokens_per_sec().map_or_else(|| "– tok/s".to_owned(), |t| format!("{t:.0} tok/s")),
        theme.text,
    ));
    spans.push(sep.clone());
    spans.push(Span::styled(format!("err {}", run.errors), if run.errors > 0 { theme.error } else { theme.muted }));
    spans.push(sep.clone());
    spans.push(Span::styled(format!("unp {}", run.unparsed), if run.unparsed > 0 { theme.warn } else { theme.muted }));
    spans.push(sep.clone());
    spans.push(Span::styled(phase_name(run.phase), phase_style(model)));
    spans.push(sep);
    let backend = match (run.model.as_str(), run.host.as_str()) {
        ("", _) => "no model".to_owned(),
        (m, "") => m.to_owned(),
        (m, h) => format!("{m} @ {h}"),
    };
    spans.push(Span::styled(fit(&backend, 40), theme.muted));
    spans.push(Span::styled("  ? help", theme.muted));
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.text), area);
}

fn phase_style(model: &Model) -> ratatui::style::Style {
    let t = &model.theme;
    match model.run.phase {
        RunPhase::Running => t.ok,
        RunPhase::Paused | RunPhase::Finished { interrupted: true } => t.warn,
        RunPhase::Finished { interrupted: false } => t.ok,
        _ => t.accent,
    }
}
