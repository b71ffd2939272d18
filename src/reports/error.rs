//! Why a report could not be made. Every message names the folder or file and says what to do.

use std::path::PathBuf;

use crate::session::{CompareError, SessionError};

/// A report failed: the session could not be read, or the report not written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReportError {
    /// The folder is not a readable session (exit code 2).
    #[error("{0}")]
    Session(#[from] SessionError),
    /// `--compare` was given with a format that has no room for a comparison.
    #[error(
        "--compare {} works with --format md, html or json, not {format}; use `squint compare` for the figures alone",
        other.display()
    )]
    CompareFormat {
        /// The format asked for.
        format: &'static str,
        /// The session to compare with.
        other: PathBuf,
    },
    /// The two sessions cannot be compared (different datasets, no image in common, not a
    /// session).
    #[error("{0}")]
    Compare(#[from] CompareError),
    /// The report file could not be written.
    #[error("cannot write the report to {}: {source}; choose another path with -o", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The CSV writer failed (should not happen for in-memory output).
    #[error("cannot build the CSV report: {0}")]
    Csv(#[from] csv::Error),
}
