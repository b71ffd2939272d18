//! `squint labels SESSION [--with-corrections] [--include-unreviewed] --format
//! csv|jsonl|imagefolder -o PATH [--force]`: a session's labels as a manifest squint accepts or
//! an ImageFolder tree. Reads the session only; what was written and left out goes to stderr.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::out::err_line;
use super::{EXIT_OK, EXIT_USAGE};
use crate::domain::sanitize::one_line;
use crate::labels_export::{LabelsFormat, LabelsRequest, TREE_MANIFEST, export_labels};

/// `--format` of `squint labels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// `path,label,source` CSV (a manifest `squint run --dataset` accepts).
    Csv,
    /// One `{"path", "label", "source"}` JSON object per line (also a manifest).
    Jsonl,
    /// One folder per class (hard links where possible, else copies) plus `labels.csv`.
    Imagefolder,
}

/// Flags of `squint labels`.
#[derive(Debug, Clone, Args)]
pub struct LabelsArgs {
    /// The session folder.
    #[arg(value_name = "SESSION")]
    pub session: PathBuf,
    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: FormatArg,
    /// The file (csv, jsonl) or folder (imagefolder) to write.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: PathBuf,
    /// Apply the session's label corrections (doubtful images are left out).
    #[arg(long)]
    pub with_corrections: bool,
    /// Where no truth is known (an unlabelled folder), export the model's proposal, marked
    /// `source` = `model`.
    #[arg(long)]
    pub include_unreviewed: bool,
    /// Write into a non-empty target (nothing there is deleted or overwritten).
    #[arg(long)]
    pub force: bool,
}

/// Runs the command (blocking file IO) and returns the exit code.
pub(super) fn run(args: LabelsArgs) -> i32 {
    let request = LabelsRequest {
        session: args.session.clone(),
        format: match args.format {
            FormatArg::Csv => LabelsFormat::Csv,
            FormatArg::Jsonl => LabelsFormat::Jsonl,
            FormatArg::Imagefolder => LabelsFormat::ImageFolder,
        },
        out: args.output.clone(),
        with_corrections: args.with_corrections,
        include_unreviewed: args.include_unreviewed,
        force: args.force,
    };
    let outcome = match export_labels(&request) {
        Ok(outcome) => outcome,
        Err(e) => {
            err_line(&format!("squint: {e}"));
            return EXIT_USAGE;
        }
    };
    let mut said = format!(
        "{} labels written to {}",
        outcome.written,
        args.output.display()
    );
    if request.format == LabelsFormat::ImageFolder {
        said.push_str(&format!(
            " ({} hard-linked, {} copied; manifest {})",
            outcome.linked,
            outcome.written - outcome.linked,
            outcome
                .manifest
                .file_name()
                .map_or(TREE_MANIFEST.into(), |n| n.to_string_lossy())
        ));
    }
    err_line(&said);
    if args.with_corrections {
        err_line(&format!(
            "{} corrected by a person; {} doubtful left out",
            outcome.corrected, outcome.doubtful
        ));
    }
    if outcome.unlabelled > 0 {
        err_line(&format!(
            "{} images with no known label left out{}",
            outcome.unlabelled,
            if args.include_unreviewed {
                " (the model gave no label either)"
            } else {
                " (add --include-unreviewed for the model's proposals)"
            }
        ));
    }
    if !outcome.renamed.is_empty() {
        err_line(&format!(
            "{} files share a name with another in their class and were renamed (the manifest's `original` column names each source):",
            outcome.renamed.len()
        ));
        for (image, to) in outcome.renamed.iter().take(20) {
            err_line(&format!("  {} -> {}", one_line(image), one_line(to)));
        }
    }
    if !outcome.missing.is_empty() {
        err_line(&format!(
            "{} images could not be read (moved or deleted since the run) and were left out, e.g. {}",
            outcome.missing.len(),
            one_line(&outcome.missing[0])
        ));
    }
    EXIT_OK
}
