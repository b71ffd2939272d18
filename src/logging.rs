//! Logging for every command: lines go to a file in `<data dir>/logs/`, never to the terminal
//! (it would corrupt the workbench's screen and mix with `squint run`'s output). The workbench
//! writes `squint-tui.log`, the headless commands `squint.log`. `SQUINT_LOG` sets the filter
//! (default `info`). The folder and the file are created with the first line that passes the
//! filter, so a command that logs nothing (`squint sessions`, `report`, `man`, `completions`, ...)
//! creates nothing in the data dir. If a global subscriber is already installed, that one stays.
//! Must never write to the terminal, not even when the file cannot be written.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// File the workbench logs to, inside `paths::log_dir()`.
pub(crate) const TUI_LOG_FILE: &str = "squint-tui.log";
/// File the headless commands (`run`, `models`, `compare`, `probe`, `import`, `cache`, ...) log to.
pub(crate) const CLI_LOG_FILE: &str = "squint.log";

/// Installs the file logger writing to `file`; keep the guard alive until exit so buffered
/// lines are written. Returns `None` (logging off) when there is no data dir.
pub(crate) fn init(file: &str) -> Option<WorkerGuard> {
    let path = crate::paths::log_dir().ok()?.join(file);
    let (writer, guard) = tracing_appender::non_blocking(OpenedOnFirstLine::Pending(path));
    let filter = EnvFilter::try_from_env("SQUINT_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .is_ok();
    installed.then_some(guard)
}

/// The log file, created (with its folder) when the first line arrives and appended to after.
/// When it cannot be created, lines are dropped: an error here would reach the terminal.
enum OpenedOnFirstLine {
    Pending(PathBuf),
    Open(File),
    Unwritable,
}

impl OpenedOnFirstLine {
    fn open(path: &Path) -> io::Result<File> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        OpenOptions::new().create(true).append(true).open(path)
    }
}

impl Write for OpenedOnFirstLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Self::Pending(path) = self {
            *self = Self::open(path).map_or(Self::Unwritable, Self::Open);
        }
        if let Self::Open(file) = self
            && file.write_all(buf).is_err()
        {
            *self = Self::Unwritable;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Self::Open(file) = self
            && file.flush().is_err()
        {
            *self = Self::Unwritable;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_and_its_folder_appear_with_the_first_line_only() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("logs").join("squint.log");
        let mut writer = OpenedOnFirstLine::Pending(path.clone());
        writer.flush().unwrap();
        assert!(!tmp.path().join("logs").exists());
        writer.write_all(b"one\n").unwrap();
        writer.write_all(b"two\n").unwrap();
        writer.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
    }

    #[test]
    fn an_unwritable_log_drops_lines_without_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let blocker = tmp.path().join("logs");
        std::fs::write(&blocker, "a file where the folder should be").unwrap();
        let mut writer = OpenedOnFirstLine::Pending(blocker.join("squint.log"));
        assert_eq!(writer.write(b"line\n").unwrap(), 5);
        writer.flush().unwrap();
        assert!(matches!(writer, OpenedOnFirstLine::Unwritable));
    }
}
