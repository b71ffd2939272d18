//! Fills the `{labels}`-style placeholders of a prompt template. Pure string work; never reads
//! files and never guesses what an unknown placeholder meant.

use super::TemplateError;

/// The placeholders a template may use, in the order they are listed in error messages.
pub(super) const PLACEHOLDERS: [&str; 3] = ["labels", "labels_quoted", "labels_lines"];

/// Replaces every placeholder in `text` (the `part` of template `origin`) using `labels`.
///
/// `{{` and `}}` produce literal braces; a lone `}` is kept as it is. An unknown `{name}` or
/// a `{` with no `}` later on the same line is an error.
pub(super) fn fill(
    text: &str,
    labels: &[String],
    origin: &str,
    part: &'static str,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let after = &tail[1..];
        if tail.starts_with('}') {
            out.push('}');
            rest = after;
            continue;
        }
        let end = after
            .find(['}', '{', '\n'])
            .filter(|&end| after[end..].starts_with('}'))
            .ok_or_else(|| {
                let offset = text.len() - tail.len();
                TemplateError::Unclosed {
                    origin: origin.to_owned(),
                    part,
                    line: text[..offset].matches('\n').count() + 1,
                }
            })?;
        let name = after[..end].trim();
        let expansion = expand(name, labels).ok_or_else(|| TemplateError::UnknownPlaceholder {
            origin: origin.to_owned(),
            part,
            placeholder: name.to_owned(),
            valid: valid_list(),
        })?;
        out.push_str(&expansion);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The text a known placeholder stands for, or `None` for an unknown name.
fn expand(name: &str, labels: &[String]) -> Option<String> {
    let joined = match name {
        "labels" => labels.join(", "),
        "labels_quoted" => labels
            .iter()
            .map(|label| format!("\"{label}\""))
            .collect::<Vec<_>>()
            .join(", "),
        "labels_lines" => labels
            .iter()
            .map(|label| format!("- {label}"))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => return None,
    };
    Some(joined)
}

/// `{labels}, {labels_quoted}, {labels_lines}` for error messages.
fn valid_list() -> String {
    PLACEHOLDERS
        .iter()
        .map(|name| format!("{{{name}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["0", "1", "2"].iter().map(ToString::to_string).collect()
    }

    #[test]
    fn fills_known_placeholders_and_escapes() {
        let cases = [
            (
                "Answer with one of: {labels}.",
                "Answer with one of: 0, 1, 2.",
            ),
            ("{labels_quoted}", "\"0\", \"1\", \"2\""),
            ("Valid:\n{labels_lines}\nEnd", "Valid:\n- 0\n- 1\n- 2\nEnd"),
            ("{ labels }", "0, 1, 2"),
            ("JSON {{\"label\": x}}", "JSON {\"label\": x}"),
            ("lone } stays", "lone } stays"),
            ("no placeholders", "no placeholders"),
            ("ünïcødé {labels} ✓", "ünïcødé 0, 1, 2 ✓"),
            ("", ""),
        ];
        for (input, expected) in cases {
            let got = fill(input, &labels(), "t.toml", "prompt");
            assert_eq!(got.ok().as_deref(), Some(expected), "input {input:?}");
        }
    }

    #[test]
    fn unknown_placeholder_names_it_and_lists_valid_ones() {
        let err = fill("Pick {label}", &labels(), "mnist.toml", "system prompt");
        let message = err.map_err(|e| e.to_string()).err().unwrap_or_default();
        for needle in ["{label}", "mnist.toml", "system prompt", "{labels_quoted}"] {
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
    }

    #[test]
    fn unclosed_brace_is_an_error_with_line() {
        for (input, line) in [("a {labels", 1), ("a\nb {labels\n}", 2), ("x {lab{els}", 1)] {
            match fill(input, &labels(), "t.toml", "prompt") {
                Err(TemplateError::Unclosed { line: got, .. }) => {
                    assert_eq!(got, line, "{input:?}")
                }
                other => panic!("{input:?}: expected Unclosed, got {other:?}"),
            }
        }
    }
}
