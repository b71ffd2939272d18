//! The self-contained HTML report: one file, no network (no scripts at all, no external styles,
//! fonts or images: the heat map is inline SVG, thumbnails are data URIs). Readable on a narrow
//! screen and printed. Pure string building; every untrusted string goes through `escape`.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::build::{ConfusedPair, SessionReport};
use super::comparison::comparison_html;
use super::escape::{html, html_line};
use super::heatmap::heatmap_svg;
use super::run_table::run_rows;
use super::text::{percent, proposal_rows};
use crate::domain::metrics::ClassScores;
use crate::domain::proposals::Proposals;

/// Thumbnails for the example images, ready to embed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Thumbnails {
    /// Image path (as in the results) -> `data:image/png;base64,...` URI.
    pub(crate) by_image: HashMap<String, String>,
    /// Example images that could not be read (moved or deleted since the run).
    pub(crate) missing: usize,
}

const STYLE: &str = r#"
:root{color-scheme:light}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff;margin:0}
main{max-width:72rem;margin:0 auto;padding:1rem 1.2rem 3rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1rem;margin-top:1.4rem}
.note{border-left:4px solid #bf8700;background:#fff8c5;padding:.4rem .8rem;margin:.5rem 0}
.lint{border-left:4px solid #cf222e;background:#ffebe9;padding:.4rem .8rem;margin:.5rem 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.4rem 0}
th,td{border:1px solid #d0d7de;padding:.15rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f8fa;padding:.6rem .8rem;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem}
.accuracy{font-size:1.35rem;margin:.3rem 0}
svg.heatmap{max-width:100%;height:auto}
.share{display:inline-block;height:.7rem;background:#4292c6;vertical-align:middle}
.share.true{background:#9e9e9e}
td.better{background:#dafbe1}
td.worse{background:#ffebe9}
.thumbs{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.8rem}
figure{margin:0;border:1px solid #d0d7de;border-radius:4px;padding:.4rem;break-inside:avoid}
figure img{display:block;margin:0 auto .3rem;width:7rem;height:auto;image-rendering:pixelated}
figure .gone{display:block;text-align:center;color:#6e7781;padding:2rem 0}
figcaption{font-size:.85rem;overflow-wrap:anywhere}
figcaption q{white-space:pre-wrap}
@media (max-width:40rem){body{font-size:14px}main{padding:.6rem}th,td{padding:.1rem .3rem}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.3rem}}
@media print{body{font-size:10pt}main{max-width:none;padding:0}.scroll{overflow:visible}h2,h3{break-after:avoid}table,figure,svg,pre{break-inside:avoid}}
"#;

/// The whole HTML document; `digits` decimals in the scikit-learn table, as `squint run`.
pub(crate) fn html_report(r: &SessionReport, digits: usize, thumbs: &Thumbnails) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"squint {}\">\n<title>squint report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>squint report: {}</h1>\n",
        html(&r.session.squint_version),
        html_line(&r.session.id),
        html_line(&r.session.id)
    );
    for note in &r.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", html_line(note));
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
            pairs_section(&mut out, r, thumbs);
        }
    }
    if !r.warnings.is_empty() {
        out.push_str("<h2>Warnings</h2>\n<ul>\n");
        for w in &r.warnings {
            let _ = writeln!(out, "<li>{}</li>", html_line(w));
        }
        out.push_str("</ul>\n");
    }
    if let Some(compare) = &r.compare {
        comparison_html(&mut out, compare);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn run_section(out: &mut String, r: &SessionReport) {
    let run = &r.run;
    out.push_str("<h2>Run</h2>\n<dl class=\"facts\">\n");
    for (key, value) in run_rows(r, html_line) {
        let _ = writeln!(out, "<dt>{key}</dt><dd>{value}</dd>");
    }
    out.push_str("</dl>\n");
    if !run.template.text.trim().is_empty() {
        let _ = writeln!(
            out,
            "<h3>Prompt template</h3>\n<pre>{}</pre>",
            html(run.template.text.trim_end())
        );
    }
}

fn results_section(out: &mut String, r: &SessionReport, digits: usize) {
    let c = r.counts;
    let d = digits.max(3);
    out.push_str("<h2>Results</h2>\n");
    let interval = r
        .accuracy_ci95
        .map(|[lo, hi]| format!(" <small>(95% CI {lo:.d$} to {hi:.d$})</small>"))
        .unwrap_or_default();
    let accuracy = r
        .accuracy
        .map_or_else(|| "–".to_owned(), |a| format!("{a:.d$}"));
    let _ = writeln!(
        out,
        "<p class=\"accuracy\"><strong>Accuracy {accuracy}</strong>{interval}</p>\n<p>{} of {} answered images correct; {} of {} images done, {} unparsed, {} failed.</p>",
        c.correct, c.answered, c.done, c.total, c.unparsed, c.errors
    );
    let Some(accuracy) = r.accuracy else {
        out.push_str("<p>No answers yet: no metrics.</p>\n");
        return;
    };
    out.push_str("<h3>Classification report</h3>\n<div class=\"scroll\"><table>\n<tr><th></th><th class=\"n\">precision</th><th class=\"n\">recall</th><th class=\"n\">f1-score</th><th class=\"n\">support</th></tr>\n");
    for (label, s) in &r.per_class {
        score_row(out, &html_line(label), s, digits);
    }
    let _ = writeln!(
        out,
        "<tr><th>accuracy</th><td></td><td></td><td class=\"n\">{accuracy:.digits$}</td><td class=\"n\">{}</td></tr>",
        c.answered
    );
    score_row(out, "macro avg", &r.macro_avg, digits);
    score_row(out, "weighted avg", &r.weighted_avg, digits);
    out.push_str("</table></div>\n<h3>Confusion matrix</h3>\n<div class=\"scroll\">\n");
    out.push_str(&heatmap_svg(&r.confusion, false));
    out.push_str("</div>\n");
}

fn score_row(out: &mut String, heading: &str, s: &ClassScores, digits: usize) {
    let _ = writeln!(
        out,
        "<tr><th>{heading}</th><td class=\"n\">{:.digits$}</td><td class=\"n\">{:.digits$}</td><td class=\"n\">{:.digits$}</td><td class=\"n\">{}</td></tr>",
        s.precision, s.recall, s.f1, s.support
    );
}

fn proposals_section(out: &mut String, p: &Proposals) {
    let _ = writeln!(
        out,
        "<h2>Proposals</h2>\n<p>The truth is unknown (an unlabeled folder, not yet reviewed): the model's proposals for {} images. No accuracy or confusion matrix until a person reviews them (<kbd>R</kbd> in the workbench).</p>\n<table>\n<tr><th>label</th><th class=\"n\">images</th><th class=\"n\">share</th><th class=\"n\">mean confidence</th></tr>",
        p.total
    );
    for (label, l) in proposal_rows(p) {
        let confidence = l
            .mean_confidence
            .map_or("–".to_owned(), |c| format!("{c:.2}"));
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{confidence}</td></tr>",
            html_line(label),
            l.count,
            percent(l.count, p.total)
        );
    }
    out.push_str("</table>\n");
}

fn parsing_section(out: &mut String, r: &SessionReport) {
    let p = &r.parsing;
    let answered = r.answers();
    out.push_str("<h2>Parsing</h2>\n<table>\n<tr><th>step</th><th class=\"n\">answers</th><th class=\"n\">share</th></tr>\n");
    for (step, n) in &p.steps {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{n}</td><td class=\"n\">{}</td></tr>",
            html_line(step),
            percent(*n, answered)
        );
    }
    let unparsed = r.unparsed_answers();
    let _ = writeln!(
        out,
        "</table>\n<p>Unparsed rate: {} ({unparsed} of {answered} answers).</p>",
        percent(unparsed, answered)
    );
    if p.errors == 0 {
        out.push_str("<p>Failed requests: none.</p>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p>Failed requests: {}.</p>\n<table>\n<tr><th>error</th><th class=\"n\">items</th></tr>",
        p.errors
    );
    for (kind, n) in &p.errors_by_kind {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{n}</td></tr>",
            html_line(kind)
        );
    }
    out.push_str("</table>\n");
}

fn bias_section(out: &mut String, r: &SessionReport) {
    out.push_str("<h2>Bias</h2>\n");
    if r.bias.warnings.is_empty() {
        out.push_str("<p>The bias lint found no example answer in the prompt.</p>\n");
    }
    for w in &r.bias.warnings {
        let _ = writeln!(
            out,
            "<p class=\"lint\"><strong>Bias lint:</strong> {}</p>",
            html_line(&w.message)
        );
    }
    out.push_str("<div class=\"scroll\"><table>\n<tr><th>label</th><th class=\"n\">true</th><th class=\"n\">predicted</th><th>true share (grey) and predicted share (blue)</th></tr>\n");
    let answered = r.counts.answered;
    for s in &r.bias.shares {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{} ({})</td><td class=\"n\">{} ({})</td><td><span class=\"share true\" style=\"width:{:.1}px\"></span><br><span class=\"share\" style=\"width:{:.1}px\"></span></td></tr>",
            html_line(&s.label),
            s.true_count,
            percent(s.true_count, answered),
            s.predicted_count,
            percent(s.predicted_count, answered),
            s.true_share * 240.0,
            s.predicted_share * 240.0
        );
    }
    out.push_str("</table></div>\n");
}

fn pairs_section(out: &mut String, r: &SessionReport, thumbs: &Thumbnails) {
    out.push_str("<h2>Most confused pairs</h2>\n");
    if r.confused_pairs.is_empty() {
        out.push_str("<p>None: every answer was right.</p>\n");
        return;
    }
    out.push_str("<table>\n<tr><th>true</th><th>predicted</th><th class=\"n\">images</th><th class=\"n\">share of the true class</th></tr>\n");
    for p in &r.confused_pairs {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}%</td></tr>",
            html_line(&p.truth),
            html_line(&p.predicted),
            p.count,
            p.share_of_truth * 100.0
        );
    }
    out.push_str("</table>\n");
    if thumbs.missing > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} example image(s) could not be read (moved or deleted since the run) and are shown without a thumbnail.</p>",
            thumbs.missing
        );
    }
    for p in r.confused_pairs.iter().filter(|p| !p.examples.is_empty()) {
        examples(out, p, thumbs);
    }
}

fn examples(out: &mut String, p: &ConfusedPair, thumbs: &Thumbnails) {
    let order = if p.examples.iter().any(|e| e.confidence.is_some()) {
        ", most confidently wrong first"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<h3>{} taken for {}: {} image(s){order}</h3>\n<div class=\"thumbs\">",
        html_line(&p.truth),
        html_line(&p.predicted),
        p.count
    );
    for e in &p.examples {
        let picture = match thumbs.by_image.get(&e.image) {
            Some(uri) if is_data_uri(uri) => {
                format!("<img src=\"{uri}\" alt=\"{}\">", html_line(&e.image))
            }
            _ => "<span class=\"gone\">image not readable</span>".to_owned(),
        };
        let confidence = e
            .confidence
            .map(|c| format!("<br>confidence {c:.2}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<figure>{picture}<figcaption><strong>{}</strong><br>answer: <q>{}</q>{confidence}</figcaption></figure>",
            html_line(&e.image),
            html(&e.answer)
        );
    }
    out.push_str("</div>\n");
}

/// Only base64 image data URIs are embedded: nothing can point outside the file.
fn is_data_uri(uri: &str) -> bool {
    uri.strip_prefix("data:image/png;base64,")
        .is_some_and(|b64| {
            b64.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        })
}
