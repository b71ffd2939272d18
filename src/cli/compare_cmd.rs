//! `squint compare A B`: two sessions over the same dataset, paired image by image. The report
//! (text or JSON) on stdout, what was left out on stderr. Reads the sessions only; no server.

use std::path::PathBuf;

use clap::Args;

use super::out::{err_line, out};
use super::{EXIT_OK, EXIT_USAGE};
use crate::domain::compare::comparison_text;
use crate::domain::sanitize::sanitize;
use crate::session::compare_sessions;

/// Flags of `squint compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Session folder of run A (the baseline).
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// Session folder of run B (the change).
    #[arg(value_name = "B")]
    pub b: PathBuf,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command and returns the exit code.
pub(super) async fn run(args: CompareArgs) -> i32 {
    let (a, b) = (args.a.clone(), args.b.clone());
    let loaded = match tokio::task::spawn_blocking(move || compare_sessions(&a, &b)).await {
        Ok(Ok(loaded)) => loaded,
        Ok(Err(e)) => {
            err_line(&format!("squint: {e}"));
            return EXIT_USAGE;
        }
        Err(e) => {
            err_line(&format!("squint: reading the sessions failed: {e}"));
            return EXIT_USAGE;
        }
    };
    for note in &loaded.notes {
        err_line(&format!("note: {note}"));
    }
    if args.json {
        let json = serde_json::to_string_pretty(&loaded.comparison).unwrap_or_default();
        out(&format!("{json}\n"));
    } else {
        // Labels and file names come from the dataset: sanitised like any untrusted text.
        out(&sanitize(&comparison_text(&loaded.comparison)));
    }
    EXIT_OK
}
