//! The start-up terminal query round: one write asking the terminal for its background colour
//! (OSC 11, for `--theme auto`) and, for `--image-protocol auto`, its graphics support and cell
//! size (the query ratatui-image builds), closed by a status report every terminal answers;
//! then the answers are read until that report or the time-out.
//!
//! Nothing typed meanwhile is lost: the input is read only while it is ready (`poll` with the
//! time-out, no reader thread left behind to swallow a later key), the answers are cut out, and
//! the remaining bytes come back as key events for the workbench to handle first.
//! Call after entering raw mode and before the event reader starts. Never draws anything.

mod scan;
mod typed;

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use ratatui::crossterm::event::Event;
use ratatui_image::picker::ProtocolType;
use ratatui_image::picker::cap_parser::{Parser, QueryStdioOptions};

pub use scan::{Replies, parse_background};

/// How long to wait for the terminal (ratatui-image's own time-out).
pub const TIMEOUT: Duration = Duration::from_millis(2000);

/// What to ask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ask {
    /// Graphics protocol support and cell size (for image previews).
    pub images: bool,
    /// The background colour (for an adaptive theme).
    pub background: bool,
}

/// What the round found.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// The round was closed by the terminal's status report (not by the time-out).
    pub answered: bool,
    /// The answers.
    pub replies: Replies,
    /// Keys typed while the round ran, in order, for the workbench to handle first.
    pub typed: Vec<Event>,
    /// The round ran inside tmux (image queries went through its passthrough).
    pub tmux: bool,
}

/// Runs the round (nothing at all when nothing is asked or stdin is not a terminal).
pub fn ask(ask: Ask, timeout: Duration) -> Answers {
    let tmux = inside_tmux();
    if !(ask.images || ask.background) || !std::io::stdin().is_terminal() {
        return Answers {
            tmux,
            ..Answers::default()
        };
    }
    if tmux && ask.images {
        allow_tmux_passthrough();
    }
    let query = query_text(ask, tmux);
    let mut out = std::io::stdout();
    if let Err(e) = out.write_all(query.as_bytes()).and_then(|()| out.flush()) {
        tracing::warn!("cannot ask the terminal: {e}");
        return Answers::default();
    }
    let (bytes, answered) = read_answers(Instant::now() + timeout);
    let scanned = scan::scan(&bytes);
    let answers = Answers {
        answered,
        typed: typed::events(&scanned.typed),
        replies: scanned.replies,
        tmux,
    };
    tracing::info!(
        answered,
        background = ?answers.replies.background,
        kitty = answers.replies.kitty,
        sixel = answers.replies.sixel,
        cell = ?answers.replies.cell_size,
        typed = answers.typed.len(),
        "terminal query round"
    );
    answers
}

/// ratatui-image's test for tmux (`TERM=tmux*` or `TERM_PROGRAM=tmux`).
fn inside_tmux() -> bool {
    std::env::var("TERM").is_ok_and(|t| t.starts_with("tmux"))
        || std::env::var("TERM_PROGRAM").is_ok_and(|t| t == "tmux")
}

/// Lets the graphics queries (and later the images) through tmux to the outer terminal, as
/// ratatui-image does before its own query.
fn allow_tmux_passthrough() {
    let _ = std::process::Command::new("tmux")
        .args(["set", "-p", "allow-passthrough", "on"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// The bytes written: OSC 11 straight to the terminal (tmux answers it itself), then
/// ratatui-image's graphics query (through tmux's passthrough when inside tmux), which ends
/// with the status request; without images, a plain status request.
fn query_text(ask: Ask, tmux: bool) -> String {
    let mut query = String::new();
    if ask.background {
        query.push_str("\x1b]11;?\x07");
    }
    if ask.images {
        let is_wezterm = std::env::var("WEZTERM_EXECUTABLE").is_ok_and(|s| !s.is_empty());
        let is_konsole = std::env::var("KONSOLE_VERSION").is_ok_and(|s| !s.is_empty());
        let options = QueryStdioOptions {
            // As ratatui-image: their kitty and sixel support is not usable for images.
            blacklist_protocols: if is_wezterm || is_konsole {
                vec![ProtocolType::Kitty, ProtocolType::Sixel]
            } else {
                Vec::new()
            },
            ..QueryStdioOptions::default()
        };
        query.push_str(&Parser::query(tmux, options));
    } else {
        query.push_str("\x1b[5n");
    }
    query
}

/// Reads whatever the terminal sends until the closing status report or the deadline; only
/// reads when input is ready, so nothing keeps reading after the deadline.
#[cfg(unix)]
fn read_answers(deadline: Instant) -> (Vec<u8>, bool) {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    use std::os::fd::AsFd;

    let stdin = std::io::stdin();
    let fd = stdin.as_fd();
    let mut bytes = Vec::new();
    loop {
        if scan::scan(&bytes).done {
            return (bytes, true);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(left) = Timespec::try_from(left) else {
            return (bytes, false);
        };
        if left.tv_sec == 0 && left.tv_nsec == 0 {
            return (bytes, false);
        }
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        match poll(&mut fds, Some(&left)) {
            Ok(0) => return (bytes, false),
            Ok(_) => {
                let mut chunk = [0u8; 512];
                match rustix::io::read(fd, &mut chunk) {
                    Ok(0) => return (bytes, false),
                    Ok(n) => bytes.extend_from_slice(&chunk[..n]),
                    Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
                    Err(_) => return (bytes, false),
                }
            }
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return (bytes, false),
        }
    }
}

/// Without `poll` the terminal is not read: no answers, and nothing typed is taken.
#[cfg(not(unix))]
fn read_answers(_deadline: Instant) -> (Vec<u8>, bool) {
    (Vec::new(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_asks_for_the_background_first_and_ends_with_the_status_request() {
        let both = query_text(
            Ask {
                images: true,
                background: true,
            },
            false,
        );
        assert!(both.starts_with("\x1b]11;?\x07"), "{both:?}");
        assert!(both.contains("\x1b_Gi=31"), "{both:?}");
        assert!(both.ends_with("\x1b[5n"), "{both:?}");
        // Inside tmux the background is asked of tmux itself, the graphics of the outer terminal.
        let tmux = query_text(
            Ask {
                images: true,
                background: true,
            },
            true,
        );
        assert!(tmux.starts_with("\x1b]11;?\x07\x1bPtmux;"), "{tmux:?}");
        let plain = query_text(
            Ask {
                images: false,
                background: true,
            },
            true,
        );
        assert_eq!(plain, "\x1b]11;?\x07\x1b[5n");
    }

    #[test]
    fn nothing_asked_reads_nothing() {
        let a = ask(Ask::default(), TIMEOUT);
        assert!(!a.answered && a.typed.is_empty() && a.replies == Replies::default());
    }
}
