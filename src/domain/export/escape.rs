//! Making untrusted text (model answers, file names, labels, template text) inert in each
//! export format. Every renderer passes such text through here; nothing else may insert it.
//!
//! All of it is first [`sanitize`]d (no escape sequence or control character survives, so a
//! report printed to a terminal cannot drive it), then escaped for the format.

use crate::domain::sanitize::{one_line, sanitize};

/// Text for HTML element content or a quoted attribute value: `& < > " ' /` become entities.
pub(crate) fn html(text: &str) -> String {
    html_escape::encode_safe(&sanitize(text)).into_owned()
}

/// Like [`html`], on one line (line breaks shown as `⏎`).
pub(crate) fn html_line(text: &str) -> String {
    html_escape::encode_safe(&one_line(text)).into_owned()
}

/// Text for a Markdown paragraph or table cell, on one line: Markdown and HTML punctuation is
/// backslash-escaped, so it renders literally and can neither break a table nor open a tag.
pub(crate) fn md(text: &str) -> String {
    let line = one_line(text);
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A fenced Markdown code block holding `text` literally (sanitised), with a fence longer than
/// any backtick run inside it.
pub(crate) fn md_code_block(text: &str, info: &str) -> String {
    let clean = sanitize(text);
    let longest = clean.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let body = clean.trim_end_matches('\n');
    format!("{fence}{info}\n{body}\n{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_quotes_and_strips_terminal_escapes() {
        let cases = [
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;&#x2F;script&gt;",
            ),
            ("</style>", "&lt;&#x2F;style&gt;"),
            ("a\"b'c&d", "a&quot;b&#x27;c&amp;d"),
            ("\x1b[31mred\x1b[0m\x07", "red"),
            ("two\nlines", "two\nlines"),
        ];
        for (input, want) in cases {
            assert_eq!(html(input), want, "{input:?}");
        }
        assert_eq!(html_line("two\nlines"), "two⏎ lines");
    }

    #[test]
    fn md_escapes_table_and_markup_characters() {
        let cases = [
            ("a|b", "a\\|b"),
            ("<b>x</b>", "\\<b\\>x\\</b\\>"),
            ("*not bold* _x_", "\\*not bold\\* \\_x\\_"),
            ("[link](http://x)", "\\[link\\](http://x)"),
            ("\x1b]52;c;ZXZpbA==\x07ok", "ok"),
            ("line\nbreak", "line⏎ break"),
            ("7_img_117.jpg", "7\\_img\\_117.jpg"),
        ];
        for (input, want) in cases {
            assert_eq!(md(input), want, "{input:?}");
        }
    }

    #[test]
    fn code_block_fence_outgrows_backticks_inside() {
        assert_eq!(md_code_block("a = 1\n", "toml"), "```toml\na = 1\n```\n");
        let block = md_code_block("x ```` y", "");
        assert!(
            block.starts_with("`````\n") && block.ends_with("\n`````\n"),
            "{block}"
        );
        assert_eq!(md_code_block("\x1b[2Jz", ""), "```\nz\n```\n");
    }
}
