//! scikit-learn `classification_report` text and the `--json` summary, built from `Metrics`.
//! Pure formatting: never reads sessions or touches the terminal.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::metrics::{ClassScores, Interval, Metrics};
use super::sanitize::one_line;

/// Item counts of a run, as shown in the `--json` summary.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    /// Items in the run.
    pub total: u64,
    /// Items finished (answered, unparsed or failed).
    pub done: u64,
    /// Items whose request failed.
    pub errors: u64,
    /// Items answered but not parsed to a label.
    pub unparsed: u64,
}

/// The report exactly as scikit-learn 1.9.1 prints `classification_report(y_true, y_pred,
/// digits=digits, zero_division=0)`, rows over [`Metrics::report_labels`], ending in `\n`.
///
/// Labels come from folder and file names: they are sanitised first and the columns are
/// measured on what is printed, so an escape sequence in a name cannot misalign the table.
pub fn classification_report(m: &Metrics, digits: usize) -> String {
    let labels = m.report_labels();
    let shown: Vec<String> = labels.iter().map(|l| one_line(l)).collect();
    let width = shown
        .iter()
        .map(|l| l.chars().count())
        .chain([WEIGHTED_AVG.len(), digits])
        .max()
        .unwrap_or(WEIGHTED_AVG.len());
    let mut out = format!(
        "{:>width$}  {:>9} {:>9} {:>9} {:>9}\n\n",
        "", "precision", "recall", "f1-score", "support"
    );
    for (label, shown) in labels.iter().zip(&shown) {
        push_row(&mut out, shown, m.scores(label), width, digits);
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "{:>width$}  {:9} {:9} {} {:>9}",
        "accuracy",
        "",
        "",
        fixed(m.accuracy(), digits),
        m.total(),
    );
    push_row(&mut out, "macro avg", m.macro_avg(), width, digits);
    push_row(&mut out, WEIGHTED_AVG, m.weighted_avg(), width, digits);
    out
}

const WEIGHTED_AVG: &str = "weighted avg";

fn push_row(out: &mut String, heading: &str, s: ClassScores, width: usize, digits: usize) {
    let _ = writeln!(
        out,
        "{heading:>width$}  {} {} {} {:>9}",
        fixed(s.precision, digits),
        fixed(s.recall, digits),
        fixed(s.f1, digits),
        s.support,
    );
}

/// Python's `format(x, '>9.{digits}f')`: NaN prints as `nan`, infinities as `inf`/`-inf`.
fn fixed(x: f64, digits: usize) -> String {
    if x.is_nan() {
        format!("{:>9}", "nan")
    } else {
        format!("{x:>9.digits$}")
    }
}

/// The confusion matrix as plain text: a header of predicted labels (`(unparsed)` last) and
/// `total`, one right-aligned row per true label with its total, then a totals row.
pub fn confusion_text(m: &Metrics) -> String {
    let labels = m.matrix_labels();
    let matrix = m.matrix();
    let rows = labels.len().saturating_sub(1);
    let col_totals: Vec<u64> = (0..labels.len())
        .map(|c| matrix.iter().map(|r| r[c]).sum())
        .collect();
    let mut table: Vec<Vec<String>> = Vec::with_capacity(rows + 2);
    table.push(
        std::iter::once("true \\ pred".to_owned())
            .chain(labels.iter().map(|l| one_line(l)))
            .chain(std::iter::once("total".to_owned()))
            .collect(),
    );
    for (label, counts) in labels.iter().zip(&matrix).take(rows) {
        let cells = counts.iter().map(u64::to_string);
        let total = counts.iter().sum::<u64>().to_string();
        table.push(
            std::iter::once(one_line(label))
                .chain(cells)
                .chain(std::iter::once(total))
                .collect(),
        );
    }
    table.push(
        std::iter::once("total".to_owned())
            .chain(col_totals.iter().map(u64::to_string))
            .chain(std::iter::once(m.total().to_string()))
            .collect(),
    );
    let widths: Vec<usize> = (0..table[0].len())
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        for (c, (cell, w)) in row.iter().zip(&widths).enumerate() {
            let _ = match c {
                0 => write!(out, "{cell:<w$}"),
                _ => write!(out, "  {cell:>w$}"),
            };
        }
        out.push('\n');
    }
    out
}

/// One line under the report: the accuracy with its 95% Wilson interval and how many answers
/// it rests on, e.g. `accuracy 0.79, 95% interval 0.75-0.83 (Wilson), 500 answered images`.
/// `None` before the first answer.
pub fn accuracy_interval_line(m: &Metrics, digits: usize) -> Option<String> {
    let ci = m.accuracy_ci95()?;
    Some(format!(
        "accuracy {:.digits$}, 95% interval {:.digits$}-{:.digits$} (Wilson, ±{:.digits$}), {} answered {}\n",
        m.accuracy(),
        ci.low,
        ci.high,
        ci.half_width(),
        m.total(),
        if m.total() == 1 { "image" } else { "images" },
    ))
}

fn interval_json(ci: Option<Interval>) -> Value {
    ci.map_or(Value::Null, |ci| json!([ci.low, ci.high]))
}

fn scores_json(s: ClassScores) -> Value {
    json!({ "precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support })
}

/// The `--json` summary: session path, counts, accuracy and its 95% Wilson interval
/// (`accuracy_ci95: [low, high]`, `null` before the first answer), per-class scores (with
/// `recall_ci95`) over the report rows, macro and weighted averages, and the confusion matrix (rows true, `(unparsed)` last).
pub fn json_summary(m: &Metrics, session: &Path, counts: Counts) -> Value {
    let per_class: Map<String, Value> = m
        .report_labels()
        .into_iter()
        .map(|label| {
            let mut scores = scores_json(m.scores(&label));
            scores["recall_ci95"] = interval_json(m.recall_ci95(&label));
            (label, scores)
        })
        .collect();
    json!({
        "session": session.to_string_lossy(),
        "counts": counts,
        // No answered item (every request failed): there is no accuracy, not 0.
        "accuracy": (m.total() > 0).then(|| m.accuracy()),
        "accuracy_ci95": interval_json(m.accuracy_ci95()),
        "per_class": per_class,
        "macro_avg": scores_json(m.macro_avg()),
        "weighted_avg": scores_json(m.weighted_avg()),
        "confusion": { "labels": m.matrix_labels(), "matrix": m.matrix() },
    })
}

#[cfg(test)]
mod tests;
