//! Reads the value of a Modelfile instruction: plain text, a `"quoted"` string or a
//! `"""triple-quoted"""` string that may span lines. Never interprets the value.

use std::str::Lines;

use super::ModelfileError;

/// Splits off the first whitespace-delimited word; the rest has leading whitespace removed.
pub(super) fn split_word(text: &str) -> (&str, &str) {
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], text[end..].trim_start()),
        None => (text, ""),
    }
}

/// Reads a value that starts at `rest`, pulling further lines for a multi-line `"""` string.
pub(super) fn read_value(
    rest: &str,
    lines: &mut Lines<'_>,
    line_no: &mut usize,
    origin: &str,
) -> Result<String, ModelfileError> {
    let start_line = *line_no;
    let rest = rest.trim_end();
    let Some(after) = rest.strip_prefix("\"\"\"") else {
        return match rest.strip_prefix('"') {
            Some(inner) => inner.strip_suffix('"').map(str::to_owned).ok_or_else(|| {
                ModelfileError::Unterminated {
                    origin: origin.to_owned(),
                    line: start_line,
                    quote: "\"",
                }
            }),
            None => Ok(rest.to_owned()),
        };
    };
    let mut body = String::new();
    let mut current = after;
    loop {
        if let Some(end) = current.find("\"\"\"") {
            body.push_str(&current[..end]);
            if !current[end + 3..].trim().is_empty() {
                return Err(ModelfileError::TrailingText {
                    origin: origin.to_owned(),
                    line: *line_no,
                });
            }
            break;
        }
        body.push_str(current);
        body.push('\n');
        current = lines.next().ok_or_else(|| ModelfileError::Unterminated {
            origin: origin.to_owned(),
            line: start_line,
            quote: "\"\"\"",
        })?;
        *line_no += 1;
    }
    let body = body.strip_prefix('\n').unwrap_or(&body);
    Ok(body.strip_suffix('\n').unwrap_or(body).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_word_table() {
        let cases = [
            ("PARAMETER temperature 0", ("PARAMETER", "temperature 0")),
            ("FROM\tllava", ("FROM", "llava")),
            ("SYSTEM", ("SYSTEM", "")),
        ];
        for (input, expected) in cases {
            assert_eq!(split_word(input), expected, "{input:?}");
        }
    }

    #[test]
    fn read_value_counts_lines() {
        let mut lines = "b\n\"\"\"\nnext".lines();
        let mut line_no = 1;
        let value = read_value("\"\"\"a", &mut lines, &mut line_no, "f").ok();
        assert_eq!(value.as_deref(), Some("a\nb"));
        assert_eq!(line_no, 3);
        assert_eq!(lines.next(), Some("next"));
    }
}
