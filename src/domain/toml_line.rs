//! Where in a TOML user file something is: turns a byte offset (a `toml` span) into
//! " (line N: `the line`)" so every message about a user file (config, keymap, theme) points
//! at the line to fix. Pure text; never reads a file.

use std::ops::Range;

/// The 1-based line number of byte `offset` in `text`, and that line trimmed (at most 60
/// characters). `None` when the offset is not inside `text` on a character boundary.
pub(crate) fn line_at(text: &str, offset: usize) -> Option<(usize, String)> {
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let number = text[..line_start].matches('\n').count() + 1;
    let line: String = text[line_start..]
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .chars()
        .take(60)
        .collect();
    Some((number, line))
}

/// " (line N: `the line`)" for a span's start, or "" when there is no usable span.
pub(crate) fn line_hint(text: &str, span: Option<Range<usize>>) -> String {
    match span.and_then(|s| line_at(text, s.start)) {
        Some((number, line)) => format!(" (line {number}: `{line}`)"),
        None => String::new(),
    }
}

/// A `toml` parse error as one line: the parser's message and where it is.
pub(crate) fn describe(text: &str, error: &toml::de::Error) -> String {
    error.message().trim_end().to_owned() + &line_hint(text, error.span())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines() {
        let text = "a = 1\n  b = \"x\"\n\nc = 3";
        assert_eq!(line_at(text, 0), Some((1, "a = 1".to_owned())));
        assert_eq!(line_at(text, 8), Some((2, "b = \"x\"".to_owned())));
        assert_eq!(line_at(text, text.len()), Some((4, "c = 3".to_owned())));
        assert_eq!(line_at(text, text.len() + 1), None);
        assert_eq!(line_hint(text, Some(16..17)), " (line 3: ``)");
        assert_eq!(line_hint(text, None), "");
    }

    #[test]
    fn parse_errors_name_the_line() {
        let text = "ok = 1\nbroken = \n";
        let Err(e) = toml::from_str::<toml::Table>(text) else {
            panic!("should not parse");
        };
        let message = describe(text, &e);
        assert!(message.contains("line 2: `broken =`"), "{message}");
    }

    #[test]
    fn multibyte_text_is_safe() {
        let text = "é = 1\nü";
        assert_eq!(line_at(text, 1), None);
        assert_eq!(line_at(text, 2), Some((1, "é = 1".to_owned())));
    }
}
