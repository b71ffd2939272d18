//! The comparison section of a report (`squint report SESSION --compare OTHER`): everything
//! `squint compare` says, as a typed part of the JSON report and rendered in words and tables in
//! Markdown and HTML. A is the other session (the baseline), B the reported one.
//!
//! Pure: takes a [`Comparison`] already computed by `domain::compare`; never reads sessions.
//! The verdict sentence is `domain::compare`'s, so every view words it the same way.

use std::fmt::Write as _;

use serde::Serialize;

use super::escape::{html_line, md};
use crate::domain::compare::{Comparison, Flip, mcnemar_verdict};

/// The comparison as a report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ComparePart {
    /// `squint compare --json`'s figures (A the baseline, B this session).
    #[serde(flatten)]
    pub(crate) figures: Comparison,
    /// B's accuracy minus A's.
    pub(crate) accuracy_delta: f64,
    /// B's macro-F1 minus A's.
    pub(crate) macro_f1_delta: f64,
    /// McNemar's test said in words.
    pub(crate) verdict: String,
    /// What was left out (images in one run only, damaged journal lines).
    pub(crate) notes: Vec<String>,
}

impl ComparePart {
    /// The report part of `figures`, with the notes of reading the two sessions.
    pub(crate) fn new(figures: Comparison, notes: Vec<String>) -> ComparePart {
        ComparePart {
            accuracy_delta: figures.accuracy_delta(),
            macro_f1_delta: figures.macro_f1_delta(),
            verdict: mcnemar_verdict(&figures),
            figures,
            notes,
        }
    }
}

/// The label of a flip's side: a class, `(unparsed)`, or `(failed)`.
fn side(label: Option<&str>) -> &str {
    label.unwrap_or("(failed)")
}

fn signed(d: i64) -> String {
    if d == 0 {
        "0".to_owned()
    } else {
        format!("{d:+}")
    }
}

fn common_sentence(c: &Comparison) -> String {
    let mut text = format!(
        "{} images have a result in both runs: {} right in both, {} right only in A, {} right only in B, {} right in neither.",
        c.common, c.both_right, c.a_only, c.b_only, c.both_wrong
    );
    if c.failed.a > 0 || c.failed.b > 0 {
        let _ = write!(
            text,
            " Failed requests among them: {} in A, {} in B (not predictions: left out of the matrices, not right in the paired count).",
            c.failed.a, c.failed.b
        );
    }
    text
}

/// The comparison section in Markdown.
pub(crate) fn comparison_markdown(out: &mut String, part: &ComparePart) {
    let c = &part.figures;
    let _ = writeln!(
        out,
        "## Comparison\n\nA (baseline): {}  \nB (this session): {}\n",
        md(&c.a.session),
        md(&c.b.session)
    );
    for note in &part.notes {
        let _ = writeln!(out, "> {}\n", md(note));
    }
    let _ = writeln!(out, "{}\n", common_sentence(c));
    out.push_str("| | A | B | B − A |\n| --- | ---: | ---: | ---: |\n");
    for (name, a, b) in [
        ("accuracy", c.a.accuracy, c.b.accuracy),
        ("macro F1", c.a.macro_f1, c.b.macro_f1),
    ] {
        let _ = writeln!(out, "| {name} | {a:.4} | {b:.4} | {:+.4} |", b - a);
    }
    let _ = writeln!(
        out,
        "\n| both right | only A right | only B right | both wrong |\n| ---: | ---: | ---: | ---: |\n| {} | {} | {} | {} |\n",
        c.both_right, c.a_only, c.b_only, c.both_wrong
    );
    let _ = writeln!(out, "**McNemar's exact test**: {}\n", md(&part.verdict));
    out.push_str("### F1 per class\n\n| class | A | B | B − A |\n| --- | ---: | ---: | ---: |\n");
    for (label, f) in &c.per_class {
        let _ = writeln!(
            out,
            "| {} | {:.4} | {:.4} | {:+.4} |",
            md(label),
            f.f1_a,
            f.f1_b,
            f.f1_b - f.f1_a
        );
    }
    out.push_str("\n### Confusion delta\n\nB's count minus A's; rows are true labels, columns predicted labels.\n\n");
    let labels = &c.confusion_delta.labels;
    out.push_str("| true \\\\ predicted |");
    for l in labels {
        let _ = write!(out, " {} |", md(l));
    }
    out.push_str("\n| --- |");
    out.push_str(&" ---: |".repeat(labels.len()));
    out.push('\n');
    // The last axis label is `(unparsed)`: a column only, never a truth.
    let rows = labels.len().saturating_sub(1);
    for (label, row) in labels.iter().zip(&c.confusion_delta.matrix).take(rows) {
        let _ = write!(out, "| {} |", md(label));
        for &d in row {
            let _ = write!(out, " {} |", signed(d));
        }
        out.push('\n');
    }
    flips_markdown(out, "Fixed by B", c.fixed().collect());
    flips_markdown(out, "Broken by B", c.broken().collect());
}

fn flips_markdown(out: &mut String, title: &str, flips: Vec<&Flip>) {
    let _ = writeln!(out, "\n### {title} ({})\n", flips.len());
    if flips.is_empty() {
        out.push_str("None.\n");
        return;
    }
    out.push_str("| image | true | A | B |\n| --- | --- | --- | --- |\n");
    for f in flips {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md(&f.image),
            md(&f.truth),
            md(side(f.a.as_deref())),
            md(side(f.b.as_deref()))
        );
    }
}

/// The comparison section in HTML.
pub(crate) fn comparison_html(out: &mut String, part: &ComparePart) {
    let c = &part.figures;
    let _ = writeln!(
        out,
        "<h2>Comparison</h2>\n<dl class=\"facts\">\n<dt>A (baseline)</dt><dd>{}</dd>\n<dt>B (this session)</dt><dd>{}</dd>\n</dl>",
        html_line(&c.a.session),
        html_line(&c.b.session)
    );
    for note in &part.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", html_line(note));
    }
    let _ = writeln!(out, "<p>{}</p>", common_sentence(c));
    out.push_str("<table>\n<tr><th></th><th class=\"n\">A</th><th class=\"n\">B</th><th class=\"n\">B − A</th></tr>\n");
    for (name, a, b) in [
        ("accuracy", c.a.accuracy, c.b.accuracy),
        ("macro F1", c.a.macro_f1, c.b.macro_f1),
    ] {
        let _ = writeln!(
            out,
            "<tr><th>{name}</th><td class=\"n\">{a:.4}</td><td class=\"n\">{b:.4}</td><td class=\"n\">{:+.4}</td></tr>",
            b - a
        );
    }
    let _ = writeln!(
        out,
        "</table>\n<table>\n<tr><th class=\"n\">both right</th><th class=\"n\">only A right</th><th class=\"n\">only B right</th><th class=\"n\">both wrong</th></tr>\n<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n</table>",
        c.both_right, c.a_only, c.b_only, c.both_wrong
    );
    let _ = writeln!(
        out,
        "<p class=\"verdict\"><strong>McNemar's exact test:</strong> {}</p>",
        html_line(&part.verdict)
    );
    out.push_str("<h3>F1 per class</h3>\n<div class=\"scroll\"><table>\n<tr><th>class</th><th class=\"n\">A</th><th class=\"n\">B</th><th class=\"n\">B − A</th></tr>\n");
    for (label, f) in &c.per_class {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{:+.4}</td></tr>",
            html_line(label),
            f.f1_a,
            f.f1_b,
            f.f1_b - f.f1_a
        );
    }
    out.push_str("</table></div>\n");
    delta_html(out, c);
    flips_html(out, "Fixed by B", c.fixed().collect());
    flips_html(out, "Broken by B", c.broken().collect());
}

/// The delta matrix as a table; a change for the better (more on the diagonal, fewer off it)
/// is marked `better`, one for the worse `worse`.
fn delta_html(out: &mut String, c: &Comparison) {
    let labels = &c.confusion_delta.labels;
    out.push_str("<h3>Confusion delta</h3>\n<p>B's count minus A's; rows are true labels, columns predicted labels. Green: better in B, red: worse.</p>\n<div class=\"scroll\"><table class=\"delta\">\n<tr><th>true \\ predicted</th>");
    for l in labels {
        let _ = write!(out, "<th class=\"n\">{}</th>", html_line(l));
    }
    out.push_str("</tr>\n");
    // The last axis label is `(unparsed)`: a column only, never a truth.
    let rows = labels.len().saturating_sub(1);
    for (t, (label, row)) in labels
        .iter()
        .zip(&c.confusion_delta.matrix)
        .enumerate()
        .take(rows)
    {
        let _ = write!(out, "<tr><th>{}</th>", html_line(label));
        for (p, &d) in row.iter().enumerate() {
            let better = if t == p { d > 0 } else { d < 0 };
            let class = match (d, better) {
                (0, _) => "n",
                (_, true) => "n better",
                (_, false) => "n worse",
            };
            let _ = write!(out, "<td class=\"{class}\">{}</td>", signed(d));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
}

fn flips_html(out: &mut String, title: &str, flips: Vec<&Flip>) {
    let _ = writeln!(out, "<h3>{title} ({})</h3>", flips.len());
    if flips.is_empty() {
        out.push_str("<p>None.</p>\n");
        return;
    }
    out.push_str(
        "<div class=\"scroll\"><table>\n<tr><th>image</th><th>true</th><th>A</th><th>B</th></tr>\n",
    );
    for f in flips {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html_line(&f.image),
            html_line(&f.truth),
            html_line(side(f.a.as_deref())),
            html_line(side(f.b.as_deref()))
        );
    }
    out.push_str("</table></div>\n");
}
