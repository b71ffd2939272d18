//! Renders a session's report in a format and writes it to stdout's caller or to a file.
//! The file is replaced atomically, so a reader never sees half a report.

use std::path::{Path, PathBuf};

use super::{ReportError, load_session, read_thumbnails};
use crate::domain::corrections::apply;
use crate::domain::export::{
    ComparePart, ExportFormat, SessionReport, Thumbnails, heatmap_svg, html_report, json_report,
    markdown, results_csv,
};
use crate::session::{compare_sessions, read_corrections, write_atomic};

/// What report to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportOptions {
    /// The format.
    pub(crate) format: ExportFormat,
    /// Decimals in the scikit-learn table (as `squint run --digits`).
    pub(crate) digits: usize,
    /// Another session to compare with (`--compare`): it is A, the baseline; the reported
    /// session is B. Markdown, HTML and JSON only.
    pub(crate) compare: Option<PathBuf>,
    /// Apply the session's label corrections (`--with-corrections`).
    pub(crate) with_corrections: bool,
}

/// The report of the session in `dir`, as text in the chosen format.
pub(crate) fn render_report(dir: &Path, options: &ReportOptions) -> Result<String, ReportError> {
    if let Some(other) = &options.compare
        && matches!(options.format, ExportFormat::Csv | ExportFormat::Svg)
    {
        return Err(ReportError::CompareFormat {
            format: options.format.name(),
            other: other.clone(),
        });
    }
    let mut data = load_session(dir)?;
    let corrected = if options.with_corrections {
        let log = read_corrections(dir)?;
        let corrected = apply(&data.results, &log.corrections());
        data.results.clone_from(&corrected.results);
        Some((corrected, log.skipped_lines))
    } else {
        None
    };
    let mut report = SessionReport::build(&data.facts, &data.results, &data.read);
    if let Some((corrected, skipped)) = corrected {
        report.set_corrections(corrected.relabelled, corrected.doubtful, skipped);
    }
    if let Some(other) = &options.compare {
        let loaded = compare_sessions(other, dir)?;
        report.compare = Some(ComparePart::new(loaded.comparison, loaded.notes));
    }
    Ok(match options.format {
        ExportFormat::Markdown => markdown(&report, options.digits),
        ExportFormat::Json => json_report(&report),
        ExportFormat::Svg => heatmap_svg(&report.confusion, true),
        ExportFormat::Csv => String::from_utf8_lossy(&results_csv(&data.results)?).into_owned(),
        ExportFormat::Html => {
            let thumbs = if report.confused_pairs.is_empty() {
                Thumbnails::default()
            } else {
                read_thumbnails(&report, &data.dataset_root)
            };
            html_report(&report, options.digits, &thumbs)
        }
    })
}

/// Renders the report of the session in `dir` and writes it to `out` (replacing it
/// atomically); returns the path written.
pub(crate) fn export_report(
    dir: &Path,
    options: &ReportOptions,
    out: &Path,
) -> Result<PathBuf, ReportError> {
    let text = render_report(dir, options)?;
    write_atomic(out, text.as_bytes()).map_err(|e| ReportError::Write {
        path: out.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(out.to_path_buf())
}
