//! The "Run" facts table (session, status, model, backend, template, options, dataset, times)
//! that the Markdown and HTML reports both show: one builder, given the format's escape
//! function. Pure; never formats the table itself, and never lets an unescaped string through.

use super::build::SessionReport;
use super::text::{backend_line, duration, options_line};

/// The rows of the run table as (heading, value) pairs; every recorded string in a value went
/// through `esc` (the format's one-line escape), numbers and fixed words did not need it.
pub(crate) fn run_rows(r: &SessionReport, esc: fn(&str) -> String) -> Vec<(&'static str, String)> {
    let run = &r.run;
    let model = match &run.model_digest {
        Some(digest) => format!("{} ({})", esc(&run.model), esc(digest)),
        None => esc(&run.model),
    };
    let ended = match (&r.session.ended_at, r.session.elapsed_s) {
        (Some(end), Some(s)) => format!("{} (after {})", esc(end), duration(s)),
        (Some(end), None) => esc(end),
        (None, _) => "not recorded".to_owned(),
    };
    let mut rows = vec![
        ("Session", esc(&r.session.path)),
        ("Status", esc(&r.session.status)),
        ("Model", model),
        ("Backend", esc(&backend_line(&run.backend, &run.host))),
        (
            "Template",
            format!(
                "{}, version {} ({})",
                esc(&run.template.name),
                esc(&run.template.version),
                esc(&run.template.source)
            ),
        ),
        (
            "Output mode",
            esc(run.output_mode.as_deref().unwrap_or("not recorded")),
        ),
        ("Options", esc(&options_line(&run.options))),
        ("Concurrency", run.concurrency.to_string()),
        (
            "Dataset",
            format!(
                "{} ({}), {} images selected, {} labels",
                esc(&r.dataset.path),
                esc(&r.dataset.layout),
                r.dataset.selected,
                r.dataset.labels.len()
            ),
        ),
        ("Started", esc(&r.session.started_at)),
        ("Ended", ended),
        ("squint", esc(&r.session.squint_version)),
    ];
    if let Some(file) = &r.session.imported_from {
        rows.push(("Imported from", esc(file)));
    }
    rows
}
