//! Logging for every command: lines go to a file in `<data dir>/logs/`, never to the terminal
//! (it would corrupt the workbench's screen and mix with `squint run`'s output). The workbench
//! writes `squint-tui.log`, the headless commands `squint.log`. `SQUINT_LOG` sets the filter
//! (default `info`). If a global subscriber is already installed, that one stays.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// File the workbench logs to, inside `paths::log_dir()`.
pub(crate) const TUI_LOG_FILE: &str = "squint-tui.log";
/// File the headless commands (`run`, `models`, `compare`, `probe`) log to.
pub(crate) const CLI_LOG_FILE: &str = "squint.log";

/// Installs the file logger writing to `file`; keep the guard alive until exit so buffered
/// lines are written. Returns `None` (logging off) when the log folder cannot be created.
pub(crate) fn init(file: &str) -> Option<WorkerGuard> {
    let dir = crate::paths::log_dir().ok()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, file);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("SQUINT_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .is_ok();
    installed.then_some(guard)
}
