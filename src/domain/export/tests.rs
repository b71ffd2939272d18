//! Snapshot tests of the Markdown and JSON reports for a fixed session, and the HTML
//! injection test: hostile text in an answer, a file name and a label comes out inert.

use super::csv_rows::CSV_COLUMNS;
use super::*;
use crate::domain::parse::ParseStep;
use crate::domain::result::ItemResult;

const TEMPLATE: &str = r#"name = "pets"
system = "You classify pets. For example if you see a cat, respond only with \"cat\"."
prompt = "Which pet is this? Answer with one of: {labels}."
output = "free"

[options]
temperature = 0.0
seed = 42
"#;

pub(crate) fn facts() -> RunFacts {
    RunFacts {
        session_dir: "sessions/20261129-143012-pets".into(),
        id: "20261129-143012-pets".into(),
        status: "interrupted".into(),
        squint_version: "0.1.0".into(),
        started_at: "2026-11-29T14:30:12Z".into(),
        ended_at: Some("2026-11-29T14:45:20Z".into()),
        elapsed_s: Some(908),
        model: "llava:7b".into(),
        model_digest: Some("8dd30f6b0cb1".into()),
        backend: "ollama".into(),
        host: "http://127.0.0.1:11434".into(),
        concurrency: 2,
        template_name: "pets".into(),
        template_source: "bundled:pets".into(),
        template_hash: "0123456789abcdef0123".into(),
        template_text: TEMPLATE.into(),
        options: serde_json::json!({"temperature": 0.0, "seed": 42}),
        dataset_path: "data/pets".into(),
        dataset_layout: "folders".into(),
        dataset_total: 12,
        labels: vec!["bird".into(), "cat".into(), "dog".into()],
        limit_per_class: None,
        sample: None,
        seed: 0,
        warnings: vec!["2 files skipped: not images".into()],
        imported_from: None,
    }
}

fn item(
    image: &str,
    truth: &str,
    answer: &str,
    label: Option<&str>,
    step: ParseStep,
) -> ItemResult {
    ItemResult {
        sha256: "00".repeat(32),
        answer: answer.into(),
        label: label.map(Into::into),
        parse: Some(step),
        latency_ms: 1200,
        eval_count: Some(3),
        prompt_eval_count: Some(600),
        ..ItemResult::blank(image, truth)
    }
}

pub(crate) fn results() -> Vec<ItemResult> {
    use ParseStep::{Exact, Normalized, Unparsed, WholeWord};
    let mut out = vec![
        item("cat/1.jpg", "cat", "cat", Some("cat"), Exact),
        item("cat/2.jpg", "cat", "Cat.", Some("cat"), Normalized),
        item("cat/3.jpg", "cat", "cat", Some("cat"), Exact),
        item("dog/1.jpg", "dog", "dog", Some("dog"), Exact),
        item("dog/2.jpg", "dog", "cat", Some("cat"), Exact),
        item(
            "dog/3.jpg",
            "dog",
            "It is a cat, I think",
            Some("cat"),
            WholeWord,
        ),
        item("bird/1.jpg", "bird", "bird", Some("bird"), Exact),
        item("bird/2.jpg", "bird", "a small animal", None, Unparsed),
        item("bird/3.jpg", "bird", "cat", Some("cat"), Exact),
    ];
    out[4].confidence = Some(0.97);
    out[5].confidence = Some(0.61);
    let mut failed = item("dog/4.jpg", "dog", "", None, Exact);
    failed.parse = None;
    failed.attempts = 3;
    failed.error = Some(
        "http://127.0.0.1:11434 did not finish answering within 120 s; raise --timeout or lower --concurrency"
            .into(),
    );
    out.push(failed);
    out
}

fn report() -> SessionReport {
    let read = ReadNotes {
        torn_tail: true,
        bad_lines: vec![],
    };
    SessionReport::build(&facts(), &results(), &read)
}

#[test]
fn markdown_report_snapshot() {
    insta::assert_snapshot!("markdown_report", markdown(&report(), 2));
}

#[test]
fn json_report_snapshot() {
    insta::assert_snapshot!("json_report", json_report(&report()));
}

#[test]
fn figures_of_the_fixed_session() {
    let r = report();
    let c = r.counts;
    assert_eq!((c.total, c.done, c.answered), (12, 10, 9));
    assert_eq!((c.correct, c.errors, c.unparsed), (5, 1, 1));
    assert_eq!(r.parsing.errors_by_kind.get("timeout"), Some(&1));
    assert_eq!(r.bias.warnings.len(), 1);
    assert_eq!(r.bias.warnings[0].label, "cat");
    let top = &r.confused_pairs[0];
    assert_eq!(
        (top.truth.as_str(), top.predicted.as_str(), top.count),
        ("dog", "cat", 2)
    );
    // Most confidently wrong first.
    let images: Vec<&str> = top.examples.iter().map(|e| e.image.as_str()).collect();
    assert_eq!(images, ["dog/2.jpg", "dog/3.jpg"]);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("interrupted") && n.contains("10 of 12"))
    );
    assert!(r.notes.iter().any(|n| n.contains("torn")));
    let [lo, hi] = r.accuracy_ci95.unwrap_or_default();
    assert!(lo < 5.0 / 9.0 && 5.0 / 9.0 < hi);
}

#[test]
fn failed_items_are_grouped_by_their_recorded_kind_and_old_ones_by_their_text() {
    use crate::domain::result::{ErrorKind, ItemError};
    let mut results = results();
    // Recorded kinds whose message text alone would group them elsewhere.
    let mut recorded = |image: &str, kind: ErrorKind, message: &str| {
        let mut r = item(image, "bird", "", None, ParseStep::Exact);
        r.parse = None;
        r.set_error(ItemError::new(kind, message));
        results.push(r);
    };
    recorded(
        "bird/4.jpg",
        ErrorKind::Timeout,
        "cannot read bird/4.jpg: timed out",
    );
    recorded(
        "bird/5.jpg",
        ErrorKind::Server,
        "model 'x' not found on http://h: 500",
    );
    recorded(
        "bird/6.jpg",
        ErrorKind::Config,
        "answered HTTP 400: bad URL",
    );
    let r = SessionReport::build(&facts(), &results, &ReadNotes::default());
    let kinds: Vec<(&str, u64)> = r
        .parsing
        .errors_by_kind
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    // dog/4.jpg records no kind: its timeout message groups it, under the same name.
    assert_eq!(kinds, [("config", 1), ("server", 1), ("timeout", 2)]);
    assert_eq!(r.parsing.errors, 4);
}

#[test]
fn csv_reads_back_with_the_original_columns_first() {
    let bytes = results_csv(&results()).unwrap_or_default();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers = reader.headers().cloned().unwrap_or_default();
    assert_eq!(
        headers.iter().take(4).collect::<Vec<_>>(),
        ["image_name", "actual", "predicted", "score"]
    );
    assert_eq!(headers.iter().collect::<Vec<_>>(), CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().flatten().collect();
    assert_eq!(rows.len(), 10);
    let find = |image: &str| -> Vec<String> {
        rows.iter()
            .find(|r| &r[0] == image)
            .map(|r| r.iter().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        find("dog/3.jpg"),
        [
            "dog/3.jpg",
            "dog",
            "cat",
            "fail",
            "It is a cat, I think",
            "whole_word",
            "0.61",
            "1200",
            "3",
            "1",
            ""
        ]
    );
    assert_eq!(
        find("bird/2.jpg")[1..6],
        ["bird", "(unparsed)", "fail", "a small animal", "unparsed"]
    );
    assert_eq!(find("cat/1.jpg")[2..4], ["cat", "pass"]);
    let failed = find("dog/4.jpg");
    assert_eq!(
        (failed[2].as_str(), failed[3].as_str(), failed[9].as_str()),
        ("", "error", "3")
    );
    assert!(failed[10].contains("did not finish answering"));
}

#[test]
fn formats_by_name() {
    for f in ExportFormat::ALL {
        assert_eq!(ExportFormat::from_name(f.name()), Some(f));
    }
    assert_eq!(
        ExportFormat::from_name("markdown"),
        Some(ExportFormat::Markdown)
    );
    assert_eq!(ExportFormat::from_name("pdf"), None);
}

/// Hostile text in a model answer, an image file name and a label.
const HOSTILE: &str = "<script>alert('x')</script></style>\"'&\x1b]52;c;ZXZpbA==\x07\x1b[2J";

fn hostile_report() -> (SessionReport, Thumbnails) {
    let mut facts = facts();
    let evil_label = format!("d{HOSTILE}");
    facts.labels = vec!["cat".into(), evil_label.clone()];
    facts.template_text = String::new();
    let image = format!("{evil_label}/x{HOSTILE}.png");
    let mut wrong = item(
        &image,
        &evil_label,
        HOSTILE,
        Some("cat"),
        ParseStep::WholeWord,
    );
    wrong.confidence = Some(0.9);
    let results = vec![
        wrong,
        item(
            "cat/1.png",
            "cat",
            HOSTILE,
            Some(&evil_label),
            ParseStep::WholeWord,
        ),
    ];
    let r = SessionReport::build(&facts, &results, &ReadNotes::default());
    let mut thumbs = Thumbnails::default();
    thumbs
        .by_image
        .insert(image, "data:image/png;base64,iVBORw0KGgo=".into());
    // A URI that is not a base64 PNG data URI is never embedded.
    thumbs
        .by_image
        .insert("cat/1.png".into(), "https://example.com/x.png".into());
    (r, thumbs)
}

#[test]
fn html_report_keeps_hostile_text_inert_and_references_nothing_outside() {
    let (r, thumbs) = hostile_report();
    let page = html_report(&r, 2, &thumbs);
    assert_eq!(
        page.matches("<script").count(),
        0,
        "no script element at all"
    );
    assert_eq!(
        page.matches("</style>").count(),
        1,
        "only the report's own style ends"
    );
    assert_eq!(page.matches("<style>").count(), 1);
    assert!(
        !page.contains('\x1b') && !page.contains('\x07'),
        "terminal escapes stripped"
    );
    assert!(!page.contains("alert('x')"), "quotes escaped");
    assert!(
        page.contains("&lt;script&gt;alert(&#x27;x&#x27;)"),
        "shown as text"
    );
    // The only URL is the SVG namespace (a name, never fetched); `url(` only points inside.
    for (i, _) in page.match_indices("http://") {
        assert!(
            page[i..].starts_with("http://www.w3.org/2000/svg\""),
            "{}",
            &page[i..i + 40]
        );
    }
    for (i, _) in page.match_indices("url(") {
        assert!(page[i..].starts_with("url(#"), "{}", &page[i..i + 40]);
    }
    for needle in [
        "https:", "href=", "@import", "<link", "<iframe", "<object", "<embed",
    ] {
        assert!(!page.contains(needle), "{needle} found in the page");
    }
    for (i, _) in page.match_indices(" src=") {
        assert!(
            page[i..].starts_with(" src=\"data:image/png;base64,"),
            "{}",
            &page[i..i + 60]
        );
    }
    assert_eq!(
        page.matches(" src=").count(),
        1,
        "the non-data URI thumbnail was dropped"
    );
    assert!(page.contains("image not readable"));
}

#[test]
fn markdown_and_svg_keep_hostile_text_inert() {
    let (r, _) = hostile_report();
    let text = markdown(&r, 2);
    assert!(!text.contains('\x1b'), "{text}");
    // Outside code blocks (which are literal), every `<` of the hostile text is
    // backslash-escaped: literal text, never a tag.
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            for (i, _) in line.match_indices("<script") {
                assert!(i > 0 && &line[i - 1..i] == "\\", "{line}");
            }
        }
    }
    let svg = heatmap_svg(&r.confusion, true);
    assert!(
        !svg.contains('\x1b') && !svg.contains("<script") && !svg.contains("</style>"),
        "{svg}"
    );
    let json = json_report(&r);
    assert!(!json.contains('\x1b'), "JSON escapes control characters");
}

#[test]
fn csv_cells_that_would_run_as_formulas_are_inert_and_numbers_untouched() {
    use ParseStep::Exact;
    let mut hostile = item(
        "=cmd|' /C calc'!A0.jpg",
        "@SUM(1+1)",
        "+HYPERLINK(\"http://evil\")",
        Some("-1"),
        Exact,
    );
    hostile.confidence = Some(-0.5);
    let bytes = results_csv(&[hostile]).unwrap_or_default();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().flatten().collect();
    let row: Vec<&str> = rows[0].iter().collect();
    assert_eq!(
        row[..7],
        [
            "'=cmd|' /C calc'!A0.jpg",
            "'@SUM(1+1)",
            "-1",
            "fail",
            "'+HYPERLINK(\"http://evil\")",
            "exact",
            "-0.5"
        ]
    );
}

#[test]
fn a_truth_unknown_session_reports_proposals_not_a_perfect_score() {
    let results = vec![
        item("a.png", "", "cat", Some("cat"), ParseStep::Exact),
        item("b.png", "", "a cat", Some("cat"), ParseStep::WholeWord),
        item("c.png", "", "no idea", None, ParseStep::Unparsed),
    ];
    let read = ReadNotes {
        torn_tail: false,
        bad_lines: vec![],
    };
    let r = SessionReport::build(&facts(), &results, &read);
    let md = markdown(&r, 2);
    assert!(md.contains("## Proposals"), "{md}");
    assert!(md.contains("| cat | 2 | 66.7% | – |"), "{md}");
    assert!(md.contains("Unparsed rate: 33.3% (1 of 3 answers)"), "{md}");
    for absent in ["every answer was right", "## Results", "## Bias"] {
        assert!(!md.contains(absent), "{absent}: {md}");
    }
    let html = html_report(&r, 2, &Thumbnails::default());
    assert!(html.contains("<h2>Proposals</h2>") && !html.contains("every answer was right"));
    let json: serde_json::Value = serde_json::from_str(&json_report(&r)).expect("json");
    assert_eq!(json["proposals"]["total"], 3);
    assert_eq!(json["proposals"]["labels"]["cat"]["count"], 2);
    assert_eq!(json["accuracy"], serde_json::Value::Null);
    // A labelled session has no proposals key.
    let labelled: serde_json::Value = serde_json::from_str(&json_report(&report())).expect("json");
    assert!(labelled.get("proposals").is_none());
}
