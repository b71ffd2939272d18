//! `squint import RESULTS.csv --dataset PATH [--out DIR]`: a results file in the original
//! experiment's format becomes a finished session. The session folder goes to stdout (so
//! `squint report "$(squint import ...)"` works); counts and skipped rows to stderr.

use std::path::PathBuf;

use clap::Args;

use super::EXIT_OK;
use super::out::{err_line, out};
use crate::dataset::Layout;
use crate::setup::{ImportSpec, import_results};

/// Skipped rows listed one by one before the rest are only counted.
const LISTED_SKIPS: usize = 20;

/// Flags of `squint import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The results file: a header `#image_name, actual, predicted, score`, then one row per image.
    #[arg(value_name = "RESULTS.csv")]
    pub results: PathBuf,
    /// The dataset the results are about (its images are matched by path or file name).
    #[arg(long, value_name = "PATH")]
    pub dataset: PathBuf,
    /// Force the dataset layout instead of detecting it.
    #[arg(long, value_enum)]
    pub layout: Option<Layout>,
    /// Session folder to create (default: a new folder under the data dir).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The model that gave the answers, to record [default: the Modelfile's FROM, else unknown].
    #[arg(long)]
    pub model: Option<String>,
    /// The prompt template the answers came from, to record (path or template name).
    #[arg(long, value_name = "PATH|NAME", conflicts_with = "modelfile")]
    pub template: Option<String>,
    /// The Ollama Modelfile the answers came from, to record (its SYSTEM prompt is linted).
    #[arg(long, value_name = "PATH")]
    pub modelfile: Option<PathBuf>,
}

/// Runs the command (blocking file IO) and returns the exit code.
pub(super) fn run(args: ImportArgs) -> i32 {
    let spec = ImportSpec {
        results: args.results,
        dataset: args.dataset,
        layout: args.layout,
        out: args.out,
        model: args.model,
        template: args.template,
        modelfile: args.modelfile,
    };
    let imported = match import_results(&spec) {
        Ok(imported) => imported,
        Err(e) => {
            err_line(&format!("squint: {e}"));
            return e.exit_code();
        }
    };
    for (line, image) in imported.skipped.iter().take(LISTED_SKIPS) {
        err_line(&format!(
            "warning: {} line {line}: {image} is not in the dataset; skipped",
            spec.results.display()
        ));
    }
    if imported.skipped.len() > LISTED_SKIPS {
        err_line(&format!(
            "warning: ... and {} more rows naming images not in the dataset",
            imported.skipped.len() - LISTED_SKIPS
        ));
    }
    for warning in &imported.warnings {
        err_line(&format!("warning: {warning}"));
    }
    err_line(&format!(
        "imported {} results ({} rows skipped); report with: squint report {}",
        imported.imported,
        imported.skipped.len(),
        imported.dir.display()
    ));
    out(&format!("{}\n", imported.dir.display()));
    EXIT_OK
}
