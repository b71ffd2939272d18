//! Makes untrusted model output safe to draw: strips escape sequences and control characters.
//! Everything a model, a server or a file name says goes through here before it reaches the
//! terminal; this module must never let an ESC, a C1 control or a lone `\r` through.
//!
//! Steps: `\r\n` becomes `\n`, `\t` four spaces; 8-bit C1 controls (U+0080..U+009F, e.g.
//! U+009B CSI) are rewritten to their 7-bit `ESC x` form so that the whole sequence they start
//! is recognised; `strip-ansi-escapes` (a `vte` parser) removes CSI, OSC (BEL or ST
//! terminated), DCS, SOS/PM/APC (kitty graphics) and SS2/SS3 sequences; finally every remaining
//! control character except `\n` is dropped (a lone `\r` included), and so are the Unicode
//! bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069), which would reorder
//! what follows them on screen ("Trojan Source").

/// Returns `text` without escape sequences or control characters other than `\n`.
pub fn sanitize(text: &str) -> String {
    let mut prepared = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\t' => prepared.push_str("    "),
            '\u{80}'..='\u{9f}' => {
                prepared.push('\u{1b}');
                // C1 control U+0080+n is the same function as ESC followed by 0x40+n.
                prepared.push(char::from(c as u8 - 0x40));
            }
            _ => prepared.push(c),
        }
    }
    let mut stripped = strip_ansi_escapes::strip_str(&prepared);
    stripped.retain(|c| c == '\n' || !(c.is_control() || is_bidi_control(c)));
    stripped
}

/// True for the bidirectional embedding, override and isolate controls.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// True when [`sanitize`] would change `text` beyond `\r\n` and tab spacing: it holds an
/// escape, a control character or a bidi control. Lets hot paths skip the full pass.
pub fn needs_sanitizing(text: &str) -> bool {
    text.chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c))
}

/// [`sanitize`]d text on one line, for list rows: each line break becomes `⏎ `.
pub fn one_line(text: &str) -> String {
    let clean = sanitize(text);
    clean.trim_end_matches('\n').replace('\n', "⏎ ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_inputs_are_neutralised() {
        let cases = [
            ("a\x1b]52;c;ZXZpbA==\x07b", "ab"),
            ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
            ("\x1b[2Jclear", "clear"),
            ("\x1b[31mred\x1b[0m", "red"),
            ("a\x1b_Gi=1;AAAA\x1b\\b", "ab"),
            ("a\x1bP1$r0m\x1b\\b", "ab"),
            ("\u{9b}31mred", "red"),
            ("a\u{9d}0;title\u{9c}b", "ab"),
            ("a\u{8e}b", "ab"),
            ("a\x1bNb", "ab"),
            ("nul\0bel\x07bs\x08del\x7f", "nulbelbsdel"),
            ("a\r\nb\rc", "a\nbc"),
            ("x\ty", "x    y"),
            ("ünï ✓ 数字 \u{1F600}", "ünï ✓ 数字 \u{1F600}"),
            ("multi\nline\n", "multi\nline\n"),
            ("a\u{202e}cba\u{202c}d", "acbad"),
            ("x\u{2066}y\u{2069}\u{202a}z", "xyz"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn output_never_contains_controls() {
        let nasty: String = (0u32..0x300).filter_map(char::from_u32).collect();
        let clean = sanitize(&format!("{nasty}\x1b[1mtext\x1b]0;t\x07"));
        assert!(
            clean.chars().all(|c| c == '\n' || !c.is_control()),
            "{clean:?}"
        );
        assert!(!clean.contains('\u{1b}'));
    }

    #[test]
    fn one_line_joins_lines() {
        let cases = [
            ("cat\n", "cat"),
            ("The answer:\n3", "The answer:⏎ 3"),
            ("\x1b[1mbold\x1b[0m\r\nnext", "bold⏎ next"),
            ("plain", "plain"),
        ];
        for (input, expected) in cases {
            assert_eq!(one_line(input), expected, "input {input:?}");
        }
    }
}
