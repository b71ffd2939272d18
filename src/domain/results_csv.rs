//! The original experiment's results file, as `squint import` reads it: a header line
//! `#image_name, actual, predicted, score` (the `#` and the spaces after commas optional), then
//! one row per image. Columns after the fourth are allowed (squint's own CSV export has them);
//! an `answer` column, when present, gives the raw answer.
//!
//! Parsing only, from text: never reads files or matches rows to a dataset.

/// The four columns every results file starts with.
pub(crate) const ORIGINAL_COLUMNS: [&str; 4] = ["image_name", "actual", "predicted", "score"];

/// One row of a results file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResultRow {
    /// 1-based line number in the file.
    pub(crate) line: usize,
    /// The image's file name (or path relative to the dataset).
    pub(crate) image_name: String,
    /// The true label recorded.
    pub(crate) actual: String,
    /// The label recorded as predicted.
    pub(crate) predicted: String,
    /// `pass` / `fail` (or whatever the file says).
    pub(crate) score: String,
    /// The raw answer, when the file has an `answer` column.
    pub(crate) answer: Option<String>,
}

/// Why a results file could not be read: the line, what was found and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ResultsCsvError {
    /// The file has no header line.
    #[error(
        "the file is empty: expected a header line `#image_name, actual, predicted, score` (the original experiment's results format)"
    )]
    Empty,
    /// The header does not start with the four original columns.
    #[error(
        "line {line}: expected the columns `image_name, actual, predicted, score` (the original experiment's results format), found `{found}`"
    )]
    Header {
        /// Line number.
        line: usize,
        /// The header as read.
        found: String,
    },
    /// A row has fewer than four columns, or an empty image name.
    #[error(
        "line {line}: expected 4 columns `image_name, actual, predicted, score` with an image name, found `{found}`"
    )]
    Row {
        /// Line number.
        line: usize,
        /// The row as read.
        found: String,
    },
    /// The CSV itself is malformed (e.g. an unclosed quote).
    #[error("line {line}: {message}")]
    Malformed {
        /// Line number.
        line: usize,
        /// What the CSV reader said.
        message: String,
    },
}

/// Parses a results file's text into its rows (blank lines are skipped).
pub(crate) fn parse_results_csv(text: &str) -> Result<Vec<ResultRow>, ResultsCsvError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(ResultsCsvError::Empty),
        Some(record) => record.map_err(|e| malformed(text, e))?,
    };
    let line_of = |r: &csv::StringRecord| r.position().map_or(0, |p| line_at(text, p.byte()));
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let name = if i == 0 {
                name.trim_start_matches('#').trim()
            } else {
                name
            };
            name.to_ascii_lowercase()
        })
        .collect();
    if names.len() < 4 || names[..4] != ORIGINAL_COLUMNS {
        return Err(ResultsCsvError::Header {
            line: line_of(&header),
            found: joined(&header),
        });
    }
    let answer_at = names.iter().position(|n| n == "answer");
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| malformed(text, e))?;
        let line = line_of(&record);
        let field = |i: usize| record.get(i).unwrap_or_default().to_owned();
        if record.len() < 4 || field(0).is_empty() {
            return Err(ResultsCsvError::Row {
                line,
                found: joined(&record),
            });
        }
        rows.push(ResultRow {
            line,
            image_name: field(0),
            actual: field(1),
            predicted: field(2),
            score: field(3),
            answer: answer_at.map(field),
        });
    }
    Ok(rows)
}

fn malformed(text: &str, e: csv::Error) -> ResultsCsvError {
    ResultsCsvError::Malformed {
        line: e.position().map_or(0, |p| line_at(text, p.byte())),
        message: e.to_string(),
    }
}

fn joined(record: &csv::StringRecord) -> String {
    record.iter().collect::<Vec<_>>().join(", ")
}

/// The 1-based line of a byte offset (blank lines counted, unlike the reader's own count).
fn line_at(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    // The reader may place a record after blank lines at the first of them.
    while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
        end += 1;
    }
    bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_original_format() {
        let text = "#image_name, actual, predicted, score\n7_img_23528.jpg, 7, 7, pass\n\n0_img_1.jpg, 0, 3, fail\n";
        let rows = parse_results_csv(text).unwrap_or_default();
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.line,
                    r.image_name.as_str(),
                    r.actual.as_str(),
                    r.predicted.as_str(),
                    r.score.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (2, "7_img_23528.jpg", "7", "7", "pass"),
                (4, "0_img_1.jpg", "0", "3", "fail")
            ]
        );
        assert_eq!(rows[0].answer, None);
    }

    #[test]
    fn reads_squints_own_export_with_its_answer_column() {
        let text = "image_name,actual,predicted,score,answer,parse_step\ncat/1.jpg,cat,dog,fail,\"A dog, surely\",whole_word\n";
        let rows = parse_results_csv(text).unwrap_or_default();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].answer.as_deref(), Some("A dog, surely"));
    }

    #[test]
    fn wrong_columns_name_the_line_and_what_was_expected() {
        let cases = [
            ("", ResultsCsvError::Empty),
            (
                "path,label\na.jpg,1\n",
                ResultsCsvError::Header {
                    line: 1,
                    found: "path, label".into(),
                },
            ),
            (
                "#image_name, actual, predicted, score\na.jpg, 1, 1, pass\nb.jpg, 2\n",
                ResultsCsvError::Row {
                    line: 3,
                    found: "b.jpg, 2".into(),
                },
            ),
            (
                "#image_name, actual, predicted, score\n, 1, 1, pass\n",
                ResultsCsvError::Row {
                    line: 2,
                    found: ", 1, 1, pass".into(),
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_results_csv(text), Err(want.clone()), "{text:?}");
        }
        let message = ResultsCsvError::Row {
            line: 3,
            found: "b.jpg, 2".into(),
        }
        .to_string();
        assert!(
            message.starts_with("line 3: expected 4 columns"),
            "{message}"
        );
    }
}
