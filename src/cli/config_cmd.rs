//! `squint config path`, `squint completions SHELL` and `squint man`: where the config file
//! is, and shell completions and man pages generated from the same clap definitions as the
//! parser (so they cannot drift from it). Never writes the config file.

use std::path::Path;

use clap::{CommandFactory, Subcommand};

use super::out::{err_line, out};
use super::{Cli, EXIT_OK, EXIT_USAGE, config_file};

/// How to install the completion scripts (shown by `squint completions --help`).
pub(super) const COMPLETIONS_HELP: &str = "Install:
  bash        squint completions bash > ~/.local/share/bash-completion/completions/squint
  zsh         squint completions zsh > ~/.zfunc/_squint   (with fpath+=(~/.zfunc) before compinit)
  fish        squint completions fish > ~/.config/fish/completions/squint.fish
  elvish      squint completions elvish >> ~/.config/elvish/rc.elv
  powershell  squint completions powershell >> $PROFILE";

/// How to install the man pages (shown by `squint man --help`).
pub(super) const MAN_HELP: &str = "Install:
  squint man --dir ~/.local/share/man/man1   (then `man squint`, `man squint-run`)
  squint man | man -l -                      (read it without installing)";

/// `squint config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print where the config file is (whether or not it exists yet).
    Path,
}

/// Runs `squint config ACTION`.
pub(super) fn run(action: ConfigAction) -> i32 {
    match action {
        ConfigAction::Path => match config_file::path() {
            Ok(path) => {
                out(&format!("{}\n", path.display()));
                EXIT_OK
            }
            Err(message) => {
                err_line(&format!("squint: {message}"));
                EXIT_USAGE
            }
        },
    }
}

/// Prints the completion script for `shell`.
pub(super) fn completions(shell: clap_complete::Shell) -> i32 {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "squint", &mut script);
    out(&String::from_utf8_lossy(&script));
    EXIT_OK
}

/// Prints the man page, or writes one page per command into `dir`.
pub(super) fn man(dir: Option<&Path>) -> i32 {
    let command = Cli::command();
    let written = match dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(command, dir))
            .map(|()| {
                err_line(&format!("wrote the man pages into {}", dir.display()));
            }),
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page).map(|()| {
                out(&String::from_utf8_lossy(&page));
            })
        }
    };
    match written {
        Ok(()) => EXIT_OK,
        Err(e) => {
            let target = dir.map_or("stdout".to_owned(), |d| d.display().to_string());
            err_line(&format!(
                "squint: cannot write the man pages to {target}: {e}"
            ));
            EXIT_USAGE
        }
    }
}
