//! The per-image CSV: first the original experiment's four columns (`image_name, actual,
//! predicted, score`, so its scripts still read it), then squint's own. Pure: writes into a
//! buffer with the `csv` crate (which quotes as needed); never touches a file.
//!
//! Text cells are neutralised against formula injection (OWASP's CSV injection advice): a
//! cell a spreadsheet would run as a formula gets a leading `'`. Numbers are never touched.

use crate::domain::parse::UNPARSED;
use crate::domain::result::ItemResult;
use crate::domain::sanitize::sanitize;

/// The header, in order.
pub(crate) const CSV_COLUMNS: [&str; 11] = [
    "image_name",
    "actual",
    "predicted",
    "score",
    "answer",
    "parse_step",
    "confidence",
    "latency_ms",
    "tokens",
    "attempts",
    "error",
];

/// One row per result, sorted by image path. `predicted` is the parsed label, `(unparsed)`,
/// or empty for a failed request; `score` is `pass`, `fail` or `error`. Text is sanitised (no
/// escape sequences), numbers are plain, unknown values empty.
pub(crate) fn results_csv(results: &[ItemResult]) -> Result<Vec<u8>, csv::Error> {
    let mut sorted: Vec<&ItemResult> = results.iter().collect();
    sorted.sort_by(|a, b| a.image.cmp(&b.image));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for r in sorted {
        let (predicted, score) = match (&r.error, &r.label) {
            (Some(_), _) => ("", "error"),
            (None, None) => (UNPARSED, "fail"),
            (None, Some(label)) if *label == r.truth => (label.as_str(), "pass"),
            (None, Some(label)) => (label.as_str(), "fail"),
        };
        let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        writer.write_record([
            text_cell(&r.image),
            text_cell(&r.truth),
            text_cell(predicted),
            score.to_owned(),
            text_cell(&r.answer),
            r.parse.map(|s| s.name().to_owned()).unwrap_or_default(),
            r.confidence.map(|c| c.to_string()).unwrap_or_default(),
            r.latency()
                .map(|d| d.as_millis().to_string())
                .unwrap_or_default(),
            number(r.eval_count),
            r.attempts.to_string(),
            text_cell(r.error.as_deref().unwrap_or_default()),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Untrusted text for a CSV cell: sanitised (no escape sequences), then, when a spreadsheet
/// would read it as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return),
/// prefixed with `'` so it shows as text. A plain number such as `-1` or `+3.5` is left alone:
/// spreadsheets read it as a number, never a formula, and a label like `-1` stays comparable.
pub(crate) fn text_cell(text: &str) -> String {
    let clean = sanitize(text);
    let risky = clean.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(&clean) {
        format!("'{clean}")
    } else {
        clean
    }
}

/// A signed decimal number (`-1`, `+2.5`, `-3e4`) and nothing else.
fn is_plain_number(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit())
        && text.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_quoted_and_numbers_left_alone() {
        let cases = [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("-", "'-"),
            ("-e", "'-e"),
            ("-inf", "'-inf"),
            ("cat", "cat"),
            ("a=b", "a=b"),
            ("-1", "-1"),
            ("+3.5", "+3.5"),
            ("-3e4", "-3e4"),
            ("7", "7"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(text_cell(input), want, "{input:?}");
        }
        // A leading tab becomes spaces when sanitised, a lone CR is stripped: neither survives
        // to start a cell, and what follows is still checked.
        assert_eq!(text_cell("\t=1+1"), "    =1+1");
        assert_eq!(text_cell("\r=1+1"), "'=1+1");
    }

    #[test]
    fn an_imported_result_has_no_latency_and_a_cached_one_its_own() {
        use crate::domain::parse::ParseStep;
        let imported = ItemResult {
            attempts: 0,
            latency_ms: 0,
            parse: Some(ParseStep::Imported),
            ..ItemResult::answered("a.png", "1", "1")
        };
        let cached = ItemResult {
            image: "b.png".into(),
            attempts: 0,
            cached: true,
            latency_ms: 0,
            ..ItemResult::answered("b.png", "1", "1")
        };
        let bytes = results_csv(&[imported, cached]).unwrap_or_default();
        let text = String::from_utf8(bytes).unwrap_or_default();
        let latency_at = CSV_COLUMNS.iter().position(|c| *c == "latency_ms");
        let cells: Vec<String> = text
            .lines()
            .skip(1)
            .map(|l| {
                l.split(',')
                    .nth(latency_at.unwrap_or(0))
                    .unwrap_or("?")
                    .to_owned()
            })
            .collect();
        assert_eq!(cells, ["", "0"], "{text}");
    }
}
