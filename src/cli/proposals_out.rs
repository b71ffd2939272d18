//! `squint run` on images whose truth is unknown (an unlabeled folder): instead of a confusion
//! matrix, the predicted-label distribution, the parse steps, and each image's proposal with
//! its parse step and confidence (text on stdout, or keys of the `--json` object). Reads the
//! session's own results for the per-image list; sanitises every label and name it prints.

use std::path::Path;

use serde_json::{Value, json};

use crate::domain::parse::UNPARSED;
use crate::domain::proposals::Proposals;
use crate::domain::result::ItemResult;
use crate::domain::sanitize::sanitize;

/// The answered truth-unknown results of the session in `dir`, sorted by image.
fn proposed(dir: &Path) -> Vec<ItemResult> {
    let mut results: Vec<ItemResult> = crate::session::Session::open(dir)
        .and_then(|s| s.read_results())
        .map(|log| log.results)
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.truth.is_empty() && !r.is_error())
        .collect();
    results.sort_by(|a, b| a.image.cmp(&b.image));
    results
}

/// The `proposals` key of `--json`: `{total, labels: {label: {count, mean_confidence}},
/// parse_steps: {step: n}, items: [{image, label, parse, confidence}]}`.
pub(super) fn proposals_json(p: &Proposals, dir: &Path) -> Value {
    let items: Vec<Value> = proposed(dir)
        .iter()
        .map(|r| {
            json!({
                "image": r.image,
                "label": r.label,
                "parse": r.parse.map(|s| s.name()),
                "confidence": r.confidence,
            })
        })
        .collect();
    json!({
        "total": p.total,
        "labels": p.by_label,
        "parse_steps": p.by_step,
        "items": items,
    })
}

/// The text report of proposals.
pub(super) fn proposals_text(p: &Proposals, dir: &Path) -> String {
    let mut out = format!(
        "truth unknown (an unlabeled folder): the model's proposals for {} images; no confusion matrix until they are reviewed\n\n",
        p.total
    );
    let width = p
        .by_label
        .keys()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .max(10);
    out.push_str(&format!(
        "{:<width$} {:>7} {:>7} {:>10}\n",
        "label", "n", "share", "mean conf"
    ));
    let mut rows: Vec<_> = p.by_label.iter().collect();
    rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
    for (label, s) in rows {
        out.push_str(&format!(
            "{label:<width$} {:>7} {:>6.1}% {:>10}\n",
            s.count,
            p.share(label) * 100.0,
            s.mean_confidence
                .map_or("–".to_owned(), |c| format!("{c:.2}"))
        ));
    }
    let steps: Vec<String> = p.by_step.iter().map(|(s, n)| format!("{s} {n}")).collect();
    out.push_str(&format!("\nparse steps: {}\n\n", steps.join(", ")));
    let items = proposed(dir);
    let name_w = items
        .iter()
        .map(|r| r.image.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 60);
    out.push_str(&format!(
        "{:<name_w$} {:<width$} {:<11} {:>10}\n",
        "image", "proposal", "parse", "confidence"
    ));
    for r in &items {
        out.push_str(&format!(
            "{:<name_w$} {:<width$} {:<11} {:>10}\n",
            r.image,
            r.label.as_deref().unwrap_or(UNPARSED),
            r.parse.map_or("", |s| s.name()),
            r.confidence.map_or("–".to_owned(), |c| format!("{c:.2}"))
        ));
    }
    sanitize(&out)
}
