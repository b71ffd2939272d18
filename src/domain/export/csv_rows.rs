//! The per-image CSV: first the original experiment's four columns (`image_name, actual,
//! predicted, score`, so its scripts still read it), then squint's own. Pure: writes into a
//! buffer with the `csv` crate (which quotes as needed); never touches a file.

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
            sanitize(&r.image),
            sanitize(&r.truth),
            sanitize(predicted),
            score.to_owned(),
            sanitize(&r.answer),
            r.parse.map(|s| s.name().to_owned()).unwrap_or_default(),
            r.confidence.map(|c| c.to_string()).unwrap_or_default(),
            r.latency_ms.to_string(),
            number(r.eval_count),
            r.attempts.to_string(),
            sanitize(r.error.as_deref().unwrap_or_default()),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}
