//! The user's own editor for the prompt (`$VISUAL`, else `$EDITOR`, else `vi`), as lazygit
//! does it: the text goes into a temporary `.toml` file, the editor runs on it with the
//! terminal's standard streams, and the file's text comes back. Never changes the terminal's
//! modes (the runtime suspends and restores the workbench around [`run`]), never keeps the
//! file, and never judges the text (the prompt editor checks it).

use std::io::Write;
use std::process::{Command, ExitStatus};

/// What the editor left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The file's text when the editor exited (`None` when it could not be read or written).
    pub text: Option<String>,
    /// What went wrong: the editor could not start, exited non-zero, or the file was lost.
    pub error: Option<String>,
}

/// The editor command the user chose: `$VISUAL`, else `$EDITOR`, else `vi`.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

/// Writes `text` to a temporary file, runs `editor` on it (blocking until it exits) and reads
/// the file back. Call it with the terminal handed over.
pub fn run(editor: &str, text: &str) -> Edited {
    let file = match write_temp(text) {
        Ok(file) => file,
        Err(e) => {
            return Edited {
                text: None,
                error: Some(format!(
                    "could not write the prompt to a temporary file for {editor}: {e}"
                )),
            };
        }
    };
    let status = command(editor, file.path()).status();
    let back = std::fs::read_to_string(file.path());
    let error = match &status {
        Err(e) => Some(format!(
            "could not start the editor `{editor}` ($VISUAL / $EDITOR): {e}"
        )),
        Ok(status) if !status.success() => {
            Some(format!("the editor `{editor}` {}", describe(*status)))
        }
        Ok(_) => None,
    };
    match back {
        Ok(text) => Edited {
            text: Some(text),
            error,
        },
        Err(e) => Edited {
            text: None,
            error: Some(
                error
                    .unwrap_or_else(|| format!("the editor `{editor}` left no readable file: {e}")),
            ),
        },
    }
}

/// The prompt in a private temporary file named like a template, so editors highlight TOML.
fn write_temp(text: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix("squint-prompt-")
        .suffix(".toml")
        .tempfile()?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    Ok(file)
}

/// The editor run through the shell, as `$EDITOR` is meant to be (`code --wait` works), with
/// the file as its argument and the terminal's standard streams.
#[cfg(unix)]
fn command(editor: &str, file: &std::path::Path) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("squint-editor")
        .arg(file);
    cmd
}

#[cfg(not(unix))]
fn command(editor: &str, file: &std::path::Path) -> Command {
    let mut words = editor.split_whitespace();
    let mut cmd = Command::new(words.next().unwrap_or("notepad"));
    cmd.args(words).arg(file);
    cmd
}

fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "was stopped by a signal".to_owned(),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_file_comes_back_as_the_editor_left_it() {
        let edited = run("sed -i -e 's/old/new/'", "prompt = \"old\"\n");
        assert_eq!(
            edited,
            Edited {
                text: Some("prompt = \"new\"\n".into()),
                error: None
            }
        );
    }

    #[test]
    fn a_failing_editor_is_named_and_its_text_kept() {
        let edited = run("echo '# kept' >> \"$1\"; false", "a\n");
        assert_eq!(edited.text.as_deref(), Some("a\n# kept\n"));
        let error = edited.error.unwrap_or_default();
        assert!(error.contains("exited with status 1"), "{error}");
        let missing = run("/nonexistent/editor-xyz", "a\n");
        assert!(missing.error.unwrap_or_default().contains("status 127"));
    }
}
