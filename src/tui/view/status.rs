//! The status line: `done/total`, accuracy, images/s, ETA, tokens/s, errors, unparsed, phase,
//! backend and model, and a hint of the keys. Reads counters only; O(1) per frame.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::tui::model::{Model, RunPhase};

use super::format::{duration, fit, pct};

/// The phase as a word.
pub(super) fn phase_name(phase: RunPhase) -> &'static str {
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

/// Draws the status line into a one-row `area`. Segments drop out, least important first,
/// until the line fits.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let theme = &model.theme;
    let run = &model.run;
    let rate = run.timing.rate(model.now);
    let eta = match run.phase {
        RunPhase::Running | RunPhase::Paused => run
            .eta(model.now)
            .map_or_else(|| "ETA –".to_owned(), |d| format!("ETA {}", duration(d))),
        _ => match run.timing.active(model.now) {
            Some(d) if run.timing.started.is_some() => format!("took {}", duration(d)),
            _ => "ETA –".to_owned(),
        },
    };
    let backend = match (run.model.as_str(), run.host.as_str()) {
        ("", _) => "no model".to_owned(),
        (m, "") => m.to_owned(),
        (m, h) => format!("{m} @ {h}"),
    };
    // (priority: higher stays longer, text, style)
    let mut segments: Vec<(u8, String, Style)> = vec![
        (
            9,
            format!("{}/{}", run.tally.done(), run.total),
            theme.accent,
        ),
        (8, format!("acc {}", pct(run.tally.accuracy())), theme.ok),
        (
            5,
            rate.map_or_else(|| "– img/s".to_owned(), |r| format!("{r:.1} img/s")),
            theme.text,
        ),
        (6, eta, theme.text),
        (
            3,
            run.timing
                .tokens_per_sec()
                .map_or_else(|| "– tok/s".to_owned(), |t| format!("{t:.0} tok/s")),
            theme.text,
        ),
        (
            7,
            format!("err {}", run.tally.errors()),
            if run.tally.errors() > 0 {
                theme.error
            } else {
                theme.muted
            },
        ),
        (
            7,
            format!("unp {}", run.tally.unparsed()),
            if run.tally.unparsed() > 0 {
                theme.warn
            } else {
                theme.muted
            },
        ),
        (9, phase_name(run.phase).to_owned(), phase_style(model)),
        (2, fit(&backend, 48), theme.muted),
        (1, "? help".to_owned(), theme.muted),
    ];
    let width = |segs: &[(u8, String, Style)]| -> usize {
        segs.iter().map(|s| s.1.width()).sum::<usize>() + 3 * segs.len().saturating_sub(1) + 1
    };
    while width(&segments) > area.width as usize && segments.len() > 1 {
        let lowest = segments
            .iter()
            .enumerate()
            .min_by_key(|(i, s)| (s.0, usize::MAX - i))
            .map(|(i, _)| i);
        match lowest {
            Some(i) => segments.remove(i),
            None => break,
        };
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, (_, text, style)) in segments.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted));
        }
        spans.push(Span::styled(text, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.text), area);
}

fn phase_style(model: &Model) -> Style {
    let t = &model.theme;
    match model.run.phase {
        RunPhase::Running => t.ok,
        RunPhase::Paused | RunPhase::Finished { interrupted: true } => t.warn,
        RunPhase::Finished { interrupted: false } => t.ok,
        _ => t.accent,
    }
}
