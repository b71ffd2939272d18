//! Logging for the workbench: everything goes to `<data dir>/logs/squint-tui.log`, never to
//! the terminal (it would corrupt the screen). `SQUINT_LOG` sets the filter (default `info`).
//! If a global subscriber is already installed, that one stays.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// File the workbench logs to, inside `paths::log_dir()`.
pub(crate) const LOG_FILE: &str = "squint-tui.log";

/// Installs the file logger; keep the guard alive until exit so buffered lines are written.
/// Returns `None` (logging off) when the log folder cannot be created.
pub(crate) fn init() -> Option<WorkerGuard> {
    let dir = crate::paths::log_dir().ok()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, LOG_FILE);
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
