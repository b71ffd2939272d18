//! Session reports for export: Markdown, self-contained HTML (heat map and thumbnails), CSV,
//! JSON, and the heat map alone as SVG, all built from one [`SessionReport`].
//!
//! Pure: takes a session's facts and results (read by `crate::report_io`), returns text.
//! Never reads files, decodes images, prints or touches the network. Every string that came
//! from a model, a file name or a label is escaped for its format in `escape`.

mod build;
mod comparison;
mod csv_rows;
mod error_kind;
mod escape;
mod facts;
mod heatmap;
mod html;
mod markdown;
mod run_table;
mod text;

pub(crate) use build::SessionReport;
pub(crate) use comparison::ComparePart;
pub(crate) use csv_rows::results_csv;
pub(crate) use facts::{ReadNotes, RunFacts};
pub(crate) use heatmap::heatmap_svg;
pub(crate) use html::{Thumbnails, html_report};
pub(crate) use markdown::markdown;

/// The formats `squint report --format` and the workbench's export offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Markdown.
    Markdown,
    /// One self-contained HTML file.
    Html,
    /// One row per image.
    Csv,
    /// The whole report, machine-readable.
    Json,
    /// The confusion-matrix heat map alone.
    Svg,
}

impl ExportFormat {
    /// Every format, in the order menus show them.
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::Html,
        ExportFormat::Markdown,
        ExportFormat::Csv,
        ExportFormat::Json,
        ExportFormat::Svg,
    ];

    /// The name on the command line (`md`, `html`, `csv`, `json`, `svg`).
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "md",
            ExportFormat::Html => "html",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Svg => "svg",
        }
    }

    /// The format named `name` (as [`ExportFormat::name`]; `markdown` also works).
    pub fn from_name(name: &str) -> Option<ExportFormat> {
        match name.to_ascii_lowercase().as_str() {
            "markdown" => Some(ExportFormat::Markdown),
            other => Self::ALL.into_iter().find(|f| f.name() == other),
        }
    }
}

/// The JSON report: [`SessionReport`] pretty-printed, ending in a newline.
pub(crate) fn json_report(r: &SessionReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests;
