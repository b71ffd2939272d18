//! `squint report SESSION [--compare OTHER] --format md|html|csv|json|svg [-o FILE]`: a session's report, offline
//! (no server needed), to stdout or a file. Exit 2 when SESSION is not a readable session.

use std::path::PathBuf;

use clap::Args;

use super::out::{err_line, out};
use super::{EXIT_OK, EXIT_USAGE};
use crate::domain::export::ExportFormat;
use crate::reports::{ReportOptions, export_report, render_report};

/// Flags of `squint report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The session folder (from `squint run`, the workbench or `squint import`).
    #[arg(value_name = "SESSION")]
    pub(crate) session: PathBuf,
    /// Report format: md (Markdown), html (one self-contained file with the heat map and
    /// thumbnails), csv (one row per image), json (everything, machine-readable), svg (the
    /// confusion-matrix heat map alone).
    #[arg(long, value_name = "FORMAT", default_value = "md", value_parser = format_parser())]
    pub(crate) format: ExportFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Compare with another session over the same dataset (as `squint compare OTHER SESSION`:
    /// OTHER is A, the baseline; SESSION is B). Markdown, HTML and JSON only.
    #[arg(long, value_name = "OTHER")]
    pub(crate) compare: Option<PathBuf>,
    /// Apply the session's label corrections (made in the workbench's drill-down): relabelled
    /// images count with their new label, doubtful ones are left out.
    #[arg(long)]
    pub(crate) with_corrections: bool,
    /// Decimal places in the scikit-learn table.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub(crate) digits: usize,
}

fn format_parser() -> impl clap::builder::TypedValueParser<Value = ExportFormat> {
    use clap::builder::TypedValueParser as _;
    let names: Vec<&'static str> = ExportFormat::ALL.iter().map(|f| f.name()).collect();
    clap::builder::PossibleValuesParser::new(names)
        .map(|name: String| ExportFormat::from_name(&name).unwrap_or(ExportFormat::Markdown))
}

/// Runs the command (blocking file IO: call it from a blocking context) and returns the exit code.
pub(super) fn run(args: ReportArgs) -> i32 {
    let options = ReportOptions {
        format: args.format,
        digits: args.digits,
        compare: args.compare.clone(),
        with_corrections: args.with_corrections,
    };
    match &args.output {
        Some(file) => match export_report(&args.session, &options, file) {
            Ok(path) => {
                err_line(&format!("report written to {}", path.display()));
                EXIT_OK
            }
            Err(e) => fail(&e.to_string()),
        },
        None => match render_report(&args.session, &options) {
            Ok(text) => {
                out(&text);
                EXIT_OK
            }
            Err(e) => fail(&e.to_string()),
        },
    }
}

fn fail(message: &str) -> i32 {
    err_line(&format!("squint: {message}"));
    EXIT_USAGE
}
