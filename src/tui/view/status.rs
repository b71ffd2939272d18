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

/// The priority of the backend segment (`model @ host`, shortened to the model first) and of
/// the per-server shares of a run over several servers. On a tie the later segment gives way
/// first, so the shares shorten, then go, before `model @ N servers` shortens to the model.
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
    let backend_text = fit(&backend, 48);
    let shares_text = host_shares(&run.hosts, false);
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
        // The accuracy beside it is the calibrated one.
        (
            8,
            if run.calibrated.is_some() {
                "calibrated".to_owned()
            } else {
                String::new()
            },
            theme.warn,
        ),
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
        (BACKEND, backend_text.clone(), theme.muted),
        (BACKEND, shares_text.clone(), theme.text),
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
    // The shorter form each segment takes before it goes.
    let shorter = |text: &str| -> Option<String> {
        if text == backend_text {
            Some(fit(&run.model, 32))
        } else if text == shares_text {
            Some(host_shares(&run.hosts, true))
        } else {
            None
        }
    };
    segments.retain(|s| !s.1.is_empty());
    let width = |segs: &[(u8, String, Style)]| -> usize {
        segs.iter().map(|s| s.1.width()).sum::<usize>() + 3 * segs.len().saturating_sub(1) + 1
    };
    while width(&segments) > area.width as usize && segments.len() > 1 {
        let lowest = segments
            .iter()
            .enumerate()
            .min_by_key(|(i, s)| (s.0, usize::MAX - i))
            .map(|(i, _)| i);
        let Some(i) = lowest else { break };
        match shorter(&segments[i].1).filter(|s| !s.is_empty() && *s != segments[i].1) {
            Some(short) => segments[i].1 = short,
            None => {
                segments.remove(i);
            }
        }
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

/// `gpu1:11434 62% 1.9/s 2 err out, gpu2:11434 38% 1.2/s`: each server's share of the answers,
/// its rate, its errors and whether it is out of rotation; nothing with one server. `brief`
/// keeps the share and `out` only, with shorter names (`gpu1:11434 62% out, gpu2:11434 38%`).
fn host_shares(hosts: &[HostShare], brief: bool) -> String {
    if hosts.len() < 2 {
        return String::new();
    }
    hosts
        .iter()
        .map(|h| {
            let name = h
                .url
                .split_once("://")
                .map_or(h.url.as_str(), |(_, rest)| rest);
            let share = h.share_of(hosts) * 100.0;
            let mut text = if brief {
                format!("{} {share:.0}%", fit(&sanitize(name), 14))
            } else {
                format!(
                    "{} {share:.0}% {:.1}/s",
                    fit(&sanitize(name), 24),
                    h.per_second
                )
            };
            if h.errors > 0 && !brief {
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

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::tui::fixtures;

    fn share(url: &str, answered: u64, errors: u64, in_rotation: bool) -> HostShare {
        HostShare {
            url: url.to_owned(),
            slots: 2,
            answered,
            errors,
            in_rotation,
            per_second: 1.5,
        }
    }

    /// The status line of a run over two servers, `width` columns wide.
    fn status_line(width: u16) -> String {
        let (mut m, _) = fixtures::running(width, 24, 5, 20, 60, 0, 30);
        m.run.model = "llava:13b".to_owned();
        m.run.host = "2 servers".to_owned();
        m.run.hosts = vec![
            share("http://gpu-one.lab:11434", 40, 0, true),
            share("http://gpu-two.lab:11434", 20, 3, false),
        ];
        let mut terminal = Terminal::new(TestBackend::new(width, 1)).unwrap();
        terminal
            .draw(|frame| render(frame, frame.area(), &m))
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..width).map(|x| buffer[(x, 0)].symbol()).collect()
    }

    #[test]
    fn wide_shows_every_server_with_rate_and_errors() {
        let line = status_line(200);
        assert!(line.contains("llava:13b @ 2 servers"), "{line}");
        assert!(
            line.contains("gpu-one.lab:11434 67% 1.5/s, gpu-two.lab:11434 33% 1.5/s 3 err out"),
            "{line}"
        );
    }

    #[test]
    fn narrow_shortens_the_shares_then_drops_them_before_the_server_count() {
        let mid = status_line(170);
        assert!(mid.contains("llava:13b @ 2 servers"), "{mid}");
        assert!(
            mid.contains("gpu-one.lab:1… 67%, gpu-two.lab:1… 33% out") && !mid.contains("/s,"),
            "the shares shorten first: {mid}"
        );
        let narrow = status_line(120);
        assert!(narrow.contains("llava:13b @ 2 servers"), "{narrow}");
        assert!(!narrow.contains("gpu-"), "the shares go first: {narrow}");
        let tight = status_line(80);
        assert!(
            tight.starts_with(" 60/100 · acc")
                && tight.contains("running")
                && !tight.contains("gpu-"),
            "{tight}"
        );
    }
}
