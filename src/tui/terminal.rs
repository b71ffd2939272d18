//! Entering and leaving the full-screen terminal: raw mode, alternate screen, hidden cursor,
//! mouse reporting.
//! The terminal is restored on every way out: normal quit, error (the guard's `Drop`), panic
//! (a hook that restores before the default hook prints) and signals (the runtime turns
//! SIGINT/SIGTERM/SIGHUP into a quit message). Never writes anything else to the terminal.

use std::io::{self, Stdout};
use std::sync::Once;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// The real terminal the workbench draws on.
pub(crate) type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped, whatever happened.
#[derive(Debug)]
pub(crate) struct TerminalGuard {
    _private: (),
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Enters raw mode and the alternate screen (with mouse reporting when `mouse`) and installs
/// the panic hook. Keep the guard alive for as long as the terminal is in use.
pub(crate) fn enter(mouse: bool) -> io::Result<(Tui, TerminalGuard)> {
    install_panic_hook();
    enable_raw_mode()?;
    let guard = TerminalGuard { _private: () };
    execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(io::stdout(), EnableMouseCapture)?;
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.hide_cursor()?;
    terminal.clear()?;
    Ok((terminal, guard))
}

/// Leaves the alternate screen, shows the cursor and disables raw mode. Safe to call twice.
pub(crate) fn restore() {
    // Errors are ignored: there is nothing better to do while leaving, and the other steps
    // must still run.
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        Show
    );
    let _ = disable_raw_mode();
}

/// A panic on the UI thread restores the terminal, then reports as usual. A panic on another
/// thread (an image decode in a worker, a task) is logged to the file instead: the UI keeps
/// running, and printing it would scribble over the screen.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    let ui_thread = std::thread::current().id();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() == ui_thread {
                restore();
                previous(info);
            } else {
                tracing::error!("panic in a background thread: {info}");
            }
        }));
    });
}
