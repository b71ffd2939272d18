//! The status line: `done/total`, accuracy with its 95% interval (`79% ± 4`), images/s, ETA, tokens/s, errors, unparsed, phase,
//! backend and model, each server's share of a run over several, and a hint of the keys.
//! Reads counters only; O(servers) per frame.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::domain::sanitize::sanitize;
use crate::engine::HostShare;
use crate::tui::keymap::{Action, Context};
use crate::tui::model::{Model, RunPhase};

use super::format::{duration, fit, pct_ci};
use super::hint;

/// The priority of the backend segment (`model @ host`, shortened to the model first).
const BACKEND: u8 = 2;

/// The phase in a word or two; `ready` says which key runs.
fn phase_name(model: &Model) -> String {
    match model.run.phase {
        RunPhase::Ready => hint::join([
            Some("ready".to_owned()),
            hint::hint(model, Context::Matrix, Action::Run, "runs"),
        ]),
        RunPhase::Finished { interrupted: false } if model.run.stopped_early.is_some() => {
            "stopped early".to_owned()
        }
        phase => phase_word(phase).to_owned(),
    }
}

/// The phase as a word.
fn phase_word(phase: RunPhase) -> &'static str {
    match phase {
        RunPhase::NotReady => "not ready",
        RunPhase::Preparing => "preparing",
        RunPhase::Ready => "ready",
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
    let short_backend = fit(&run.model, 32);
    // (priority: higher stays longer, text, style)
    let mut segments: Vec<(u8, String, Style)> = vec![
        (
            9,
            format!("{}/{}", run.tally.done(), run.total),
            theme.accent,
        ),
        (
            8,
            format!(
                "acc {}",
                pct_ci(run.tally.accuracy(), run.tally.metrics.accuracy_ci95())
            ),
            theme.ok,
        ),
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
        (9, phase_name(model), phase_style(model)),
        // Above err/unp: with corrections on, the accuracy means something else.
        (
            8,
            corrections(model),
            if run.corrections_on {
                theme.warn
            } else {
                theme.muted
            },
        ),
        (BACKEND, fit(&backend, 48), theme.muted),
        (4, host_shares(&run.hosts), theme.text),
        (
            4,
            run.spec
                .as_ref()
                .map_or(model.spec.until_ci, |s| s.until_ci)
                .map(|w| format!("until ±{:.0}", w * 100.0))
                .unwrap_or_default(),
            theme.muted,
        ),
    ];
    if let Some(help) = hint::hint(model, Context::Global, Action::Help, "help") {
        segments.push((1, help, theme.muted));
    }
    segments.retain(|s| !s.1.is_empty());
    let width = |segs: &[(u8, String, Style)]| -> usize {
        segs.iter().map(|s| s.1.width()).sum::<usize>() + 3 * segs.len().saturating_sub(1) + 1
    };
    segments.retain(|s| !s.1.is_empty());
    while width(&segments) > area.width as usize && segments.len() > 1 {
        let lowest = segments
            .iter()
            .enumerate()
            .min_by_key(|(i, s)| (s.0, usize::MAX - i))
            .map(|(i, _)| i);
        match lowest {
            // The backend gives up its host before the model goes.
            Some(i) if segments[i].0 == BACKEND && segments[i].1 != short_backend => {
                segments[i].1.clone_from(&short_backend);
            }
            Some(i) => {
                segments.remove(i);
            }
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

/// `gpu1:11434 62% 1.9/s · gpu2:11434 38% 1.2/s 2 err out`: each server's share of the
/// answers, its rate, its errors and whether it is out of rotation; nothing with one server.
fn host_shares(hosts: &[HostShare]) -> String {
    hosts
        .iter()
        .map(|h| {
            let name = h
                .url
                .split_once("://")
                .map_or(h.url.as_str(), |(_, rest)| rest);
            let mut text = format!(
                "{} {:.0}% {:.1}/s",
                fit(&sanitize(name), 24),
                h.share_of(hosts) * 100.0,
                h.per_second
            );
            if h.errors > 0 {
                text.push_str(&format!(" {} err", h.errors));
            }
            if !h.in_rotation {
                text.push_str(" out");
            }
            text
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `3 corrections on, 1 doubtful left out`, `3 corrections off`, or nothing.
fn corrections(model: &Model) -> String {
    let run = &model.run;
    let n = run.corrections.len();
    match (n, run.corrections_on) {
        (0, false) => String::new(),
        (_, true) if run.doubtful_left_out > 0 => format!(
            "{n} corrections on, {} doubtful left out",
            run.doubtful_left_out
        ),
        (_, true) => format!("{n} corrections on"),
        (_, false) => format!("{n} corrections off"),
    }
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
