//! Writing to the real terminal. Server and model text is untrusted, so every line goes through
//! `sanitize` (no escape sequence ever reaches the terminal); a closed stdout (`| head`) ends
//! output quietly instead of panicking. Never used while the TUI owns the screen.

use std::io::{ErrorKind, Write};

use crate::domain::sanitize::sanitize;

/// Writes `text` (sanitised) and a newline to stderr; failures to write are ignored.
pub(super) fn err_line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", sanitize(text));
}

/// Writes `text` to stdout as is (callers sanitise untrusted parts, JSON escapes its own).
/// Returns false when stdout was closed by the reader.
pub(super) fn out(text: &str) -> bool {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => true,
        Err(e) if e.kind() == ErrorKind::BrokenPipe => false,
        Err(_) => false,
    }
}
