//! The text form of a comparison, as `squint compare` prints it: the two runs' figures and
//! their difference, the paired test said in words, per-class F1, the delta matrix and the
//! flipped images. Pure formatting; the caller sanitises (labels and file names are untrusted).

use std::fmt::Write as _;

use super::{Comparison, Flip};

/// Below this p-value a difference is called unlikely to be chance.
const SIGNIFICANT: f64 = 0.05;

/// McNemar's result in one sentence, e.g. "B is right on 37 images A got wrong and wrong on 12
/// that A got right; p = 0.0005: unlikely to be chance."
pub fn mcnemar_verdict(c: &Comparison) -> String {
    if c.a_only == 0 && c.b_only == 0 {
        return format!(
            "A and B are right on exactly the same images ({} of {}); p = 1: no difference to test.",
            c.both_right, c.common
        );
    }
    let judgement = if c.mcnemar_p < SIGNIFICANT {
        "unlikely to be chance"
    } else {
        "could well be chance"
    };
    format!(
        "B is right on {} {} A got wrong and wrong on {} that A got right; {}: {judgement}.",
        c.b_only,
        images(c.b_only),
        c.a_only,
        p_text(c.mcnemar_p),
    )
}

fn images(n: u64) -> &'static str {
    if n == 1 { "image" } else { "images" }
}

/// `p = 0.0005`, `p < 0.0001`, `p = 1`.
fn p_text(p: f64) -> String {
    if p < 0.0001 {
        "p < 0.0001".to_owned()
    } else if p >= 1.0 {
        "p = 1".to_owned()
    } else {
        format!("p = {p:.4}")
    }
}

/// The whole report, ending in `\n`.
pub fn comparison_text(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "A: {}", c.a.session);
    let _ = writeln!(out, "B: {}", c.b.session);
    let _ = writeln!(
        out,
        "{} {} in both runs: {} right in both, {} in neither.",
        c.common,
        images(c.common),
        c.both_right,
        c.both_wrong
    );
    if c.failed.a > 0 || c.failed.b > 0 {
        let _ = writeln!(
            out,
            "Failed requests among them: {} in A, {} in B (not predictions: left out of the matrices, not right in the paired count).",
            c.failed.a, c.failed.b
        );
    }
    out.push('\n');
    let rows = [
        ("accuracy", c.a.accuracy, c.b.accuracy),
        ("macro F1", c.a.macro_f1, c.b.macro_f1),
    ];
    push_table(&mut out, "", &rows);
    out.push('\n');
    let _ = writeln!(out, "{}", mcnemar_verdict(c));
    out.push('\n');
    let per_class: Vec<(&str, f64, f64)> = c
        .per_class
        .iter()
        .map(|(label, f)| (label.as_str(), f.f1_a, f.f1_b))
        .collect();
    push_table(&mut out, "F1", &per_class);
    out.push('\n');
    out.push_str("Confusion delta, B minus A (rows true, columns predicted):\n");
    push_delta(&mut out, c);
    push_flips(&mut out, "Fixed by B", c.fixed().collect());
    push_flips(&mut out, "Broken by B", c.broken().collect());
    out
}

fn push_table(out: &mut String, heading: &str, rows: &[(&str, f64, f64)]) {
    let width = rows
        .iter()
        .map(|(l, _, _)| l.chars().count())
        .chain([heading.chars().count(), 8])
        .max()
        .unwrap_or(8);
    let _ = writeln!(
        out,
        "{heading:<width$}  {:>7}  {:>7}  {:>7}",
        "A", "B", "B - A"
    );
    for (label, a, b) in rows {
        let _ = writeln!(out, "{label:<width$}  {a:>7.4}  {b:>7.4}  {:>+7.4}", b - a);
    }
}

fn push_delta(out: &mut String, c: &Comparison) {
    let labels = &c.confusion_delta.labels;
    let rows = labels.len().saturating_sub(1);
    let mut table: Vec<Vec<String>> = vec![
        std::iter::once("true \\ pred".to_owned())
            .chain(labels.iter().cloned())
            .collect(),
    ];
    for (label, row) in labels.iter().zip(&c.confusion_delta.matrix).take(rows) {
        table.push(
            std::iter::once(label.clone())
                .chain(row.iter().map(|&d| signed(d)))
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|col| {
            table
                .iter()
                .map(|r| r[col].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &table {
        for (col, (cell, w)) in row.iter().zip(&widths).enumerate() {
            let _ = match col {
                0 => write!(out, "{cell:<w$}"),
                _ => write!(out, "  {cell:>w$}"),
            };
        }
        out.push('\n');
    }
}

fn signed(d: i64) -> String {
    if d == 0 {
        "0".to_owned()
    } else {
        format!("{d:+}")
    }
}

fn push_flips(out: &mut String, title: &str, flips: Vec<&Flip>) {
    let _ = writeln!(out, "\n{title} ({}):", flips.len());
    for f in flips {
        let _ = writeln!(
            out,
            "  {}  truth {}  A: {}  B: {}",
            f.image,
            f.truth,
            answer(f.a.as_deref()),
            answer(f.b.as_deref())
        );
    }
}

fn answer(label: Option<&str>) -> &str {
    label.unwrap_or("(failed)")
}
