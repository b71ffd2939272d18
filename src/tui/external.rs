//! Handing the selected image to the world outside the workbench: its path onto the clipboard
//! with OSC 52 (the terminal sets the clipboard, so it works over ssh), and the image into the
//! system's viewer as a detached process. Never waits on the viewer and never blocks the UI.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tokio::sync::mpsc::UnboundedSender;

use crate::tui::effects::Reply;
use crate::tui::msg::Msg;

/// The OSC 52 sequence that sets the clipboard (`c`) to `text`.
pub(crate) fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text))
}

/// Writes the OSC 52 sequence to the terminal (stdout), when there is one. Called by the
/// runtime between frames, so it never lands inside a half-drawn frame.
pub(crate) fn copy_to_clipboard(text: &str) {
    use std::io::IsTerminal;
    let mut stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return; // tests draw on a TestBackend: nothing to tell
    }
    let written = stdout
        .write_all(osc52(text).as_bytes())
        .and_then(|()| stdout.flush());
    if let Err(e) = written {
        tracing::warn!("could not write the clipboard sequence: {e}");
    }
}

/// The viewer command for this system and `path`.
fn viewer_command(path: &Path) -> Command {
    let mut command = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        Command::new("xdg-open")
    };
    command.arg(path);
    command
}

/// Starts the system's viewer on `path`, detached from the terminal (no inherited input or
/// output, so it cannot scribble over the screen). A viewer that cannot be started, or exits
/// with an error, comes back as `Msg::ViewerFailed`.
pub(crate) fn open_externally(tx: UnboundedSender<Reply>, path: PathBuf) {
    let mut command = viewer_command(&path);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let program = command.get_program().to_string_lossy().into_owned();
    let child = command.spawn();
    // Reaped on a blocking thread: the viewer may run for as long as the user looks.
    tokio::task::spawn_blocking(move || {
        let failure = match child {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(format!(
                "cannot open {}: `{program}` is not installed (install it, or open the file yourself; y copies its path)",
                path.display()
            )),
            Err(e) => Some(format!(
                "cannot open {} with `{program}`: {e}",
                path.display()
            )),
            Ok(mut child) => match child.wait() {
                Ok(status) if status.success() => None,
                Ok(status) => Some(format!(
                    "`{program}` could not open {} ({status}); is a viewer set for this file type?",
                    path.display()
                )),
                Err(e) => Some(format!("`{program}` for {}: {e}", path.display())),
            },
        };
        if let Some(message) = failure {
            let _ = tx.send(Reply::Msg(Msg::ViewerFailed(message)));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(osc52("a/b.png"), "\x1b]52;c;YS9iLnBuZw==\x07");
        // Escape characters in a file name cannot break out of the sequence.
        let hostile = osc52("x\x1b]0;evil\x07");
        assert_eq!(hostile.matches('\x1b').count(), 1);
        assert_eq!(hostile.matches('\x07').count(), 1);
    }
}
