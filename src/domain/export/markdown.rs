//! The Markdown report: every figure of a [`SessionReport`] as headings, tables and code
//! blocks. Pure text building; every untrusted string goes through `escape`.

use std::fmt::Write as _;

use super::build::SessionReport;
use super::comparison::comparison_markdown;
use super::escape::{md, md_code_block};
use super::run_table::run_rows;
use super::text::{percent, proposal_rows};
use crate::domain::proposals::Proposals;
use crate::domain::report::{classification_report, confusion_text};

/// The whole Markdown report; `digits` decimals in the scikit-learn table, as `squint run`.
pub(crate) fn markdown(r: &SessionReport, digits: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# squint report: {}\n", md(&r.session.id));
    for note in &r.notes {
        let _ = writeln!(out, "> {}\n", md(note));
    }
    run_section(&mut out, r);
    match r.only_proposals() {
        // Truth unknown: no accuracy, matrix, shares or confused pairs can be made.
        Some(p) => {
            proposals_section(&mut out, p);
            parsing_section(&mut out, r);
        }
        None => {
            results_section(&mut out, r, digits);
            parsing_section(&mut out, r);
            bias_section(&mut out, r);
            pairs_section(&mut out, r);
        }
    }
    if !r.warnings.is_empty() {
        out.push_str("## Warnings\n\n");
        for w in &r.warnings {
            let _ = writeln!(out, "- {}", md(w));
        }
        out.push('\n');
    }
    if let Some(compare) = &r.compare {
        comparison_markdown(&mut out, compare);
    }
    out.trim_end().to_owned() + "\n"
}

fn run_section(out: &mut String, r: &SessionReport) {
    let run = &r.run;
    out.push_str("## Run\n\n| | |\n| --- | --- |\n");
    for (key, value) in run_rows(r, md) {
        let _ = writeln!(out, "| {key} | {value} |");
    }
    out.push('\n');
    if !run.template.text.trim().is_empty() {
        out.push_str("### Prompt template\n\n");
        out.push_str(&md_code_block(&run.template.text, "toml"));
        out.push('\n');
    }
}

fn results_section(out: &mut String, r: &SessionReport, digits: usize) {
    let c = r.counts;
    out.push_str("## Results\n\n");
    let decimals = digits.max(3);
    let interval = match r.accuracy_ci95 {
        Some([lo, hi]) => format!(" (95% CI {lo:.decimals$} to {hi:.decimals$})"),
        None => String::new(),
    };
    let accuracy = r
        .accuracy
        .map_or_else(|| "–".to_owned(), |a| format!("{a:.decimals$}"));
    let _ = writeln!(
        out,
        "**Accuracy {accuracy}**{interval}: {} of {} answered images correct.\n",
        c.correct, c.answered
    );
    let _ = writeln!(
        out,
        "{} of {} images done; {} answered, {} unparsed, {} failed.\n",
        c.done, c.total, c.answered, c.unparsed, c.errors
    );
    if c.answered == 0 {
        out.push_str("No answers yet: no metrics.\n\n");
        return;
    }
    out.push_str("### Classification report\n\n");
    out.push_str(&md_code_block(
        &classification_report(&r.metrics, digits),
        "",
    ));
    out.push_str("\n### Confusion matrix\n\nRows are true labels, columns predicted labels.\n\n");
    out.push_str(&md_code_block(&confusion_text(&r.metrics), ""));
    out.push('\n');
}

fn proposals_section(out: &mut String, p: &Proposals) {
    let _ = writeln!(
        out,
        "## Proposals\n\nThe truth is unknown (an unlabeled folder, not yet reviewed): the model's proposals for {} images. No accuracy or confusion matrix until a person reviews them (`R` in the workbench).\n",
        p.total
    );
    out.push_str("| label | images | share | mean confidence |\n| --- | ---: | ---: | ---: |\n");
    for (label, l) in proposal_rows(p) {
        let confidence = l
            .mean_confidence
            .map_or("–".to_owned(), |c| format!("{c:.2}"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {confidence} |",
            md(label),
            l.count,
            percent(l.count, p.total)
        );
    }
    out.push('\n');
}

fn parsing_section(out: &mut String, r: &SessionReport) {
    let p = &r.parsing;
    let answered = r.answers();
    out.push_str("## Parsing\n\n| step | answers | share |\n| --- | ---: | ---: |\n");
    for (step, n) in &p.steps {
        let _ = writeln!(out, "| {} | {n} | {} |", md(step), percent(*n, answered));
    }
    let unparsed = r.unparsed_answers();
    let _ = writeln!(
        out,
        "\nUnparsed rate: {} ({unparsed} of {answered} answers).\n",
        percent(unparsed, answered)
    );
    if p.errors == 0 {
        out.push_str("Failed requests: none.\n\n");
        return;
    }
    let _ = writeln!(out, "Failed requests: {}.\n", p.errors);
    out.push_str("| error | items |\n| --- | ---: |\n");
    for (kind, n) in &p.errors_by_kind {
        let _ = writeln!(out, "| {} | {n} |", md(kind));
    }
    out.push('\n');
}

fn bias_section(out: &mut String, r: &SessionReport) {
    out.push_str("## Bias\n\n");
    if r.bias.warnings.is_empty() {
        out.push_str("The bias lint found no example answer in the prompt.\n\n");
    } else {
        for w in &r.bias.warnings {
            let _ = writeln!(out, "- **Bias lint**: {}", md(&w.message));
        }
        out.push('\n');
    }
    out.push_str("| label | true | true share | predicted | predicted share |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: |\n");
    let answered = r.counts.answered;
    for s in &r.bias.shares {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            md(&s.label),
            s.true_count,
            percent(s.true_count, answered),
            s.predicted_count,
            percent(s.predicted_count, answered)
        );
    }
    out.push('\n');
}

fn pairs_section(out: &mut String, r: &SessionReport) {
    out.push_str("## Most confused pairs\n\n");
    if r.confused_pairs.is_empty() {
        out.push_str("None: every answer was right.\n");
        return;
    }
    out.push_str("| true | predicted | images | share of the true class |\n");
    out.push_str("| --- | --- | ---: | ---: |\n");
    for p in &r.confused_pairs {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1}% |",
            md(&p.truth),
            md(&p.predicted),
            p.count,
            p.share_of_truth * 100.0
        );
    }
    out.push('\n');
    for p in r.confused_pairs.iter().filter(|p| !p.examples.is_empty()) {
        let _ = writeln!(out, "### {} taken for {}\n", md(&p.truth), md(&p.predicted));
        for e in &p.examples {
            let confidence = e
                .confidence
                .map(|c| format!(" (confidence {c:.2})"))
                .unwrap_or_default();
            let _ = writeln!(out, "- {}{confidence}: “{}”", md(&e.image), md(&e.answer));
        }
        out.push('\n');
    }
}
