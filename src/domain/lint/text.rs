//! Text helpers of the bias lint: sentence splitting, whole-word label search and excerpts.
//! Pure string work: knows nothing about which labels matter or what a warning says.

/// Characters that count as quotes around a label.
pub(super) const QUOTES: &[char] = &['"', '\'', '`', '“', '”', '‘', '’', '«', '»'];

/// Abbreviations whose final `.` does not end a sentence (lowercase, without that `.`).
const ABBREVIATIONS: &[&str] = &["e.g", "i.e", "eg", "ie", "etc", "vs", "cf"];

/// The longest excerpt, in characters, before "..." markers are added.
pub(super) const EXCERPT_CHARS: usize = 100;

/// Byte ranges of the whole-word, case-insensitive occurrences of `needle` in `hay`.
pub(super) fn find_words(hay: &str, needle: &str) -> Vec<(usize, usize)> {
    let (Some(first), Some(last)) = (needle.chars().next(), needle.chars().next_back()) else {
        return Vec::new();
    };
    let edge_before = is_word(first);
    let edge_after = is_word(last);
    let mut found = Vec::new();
    let mut prev: Option<char> = None;
    for (start, c) in hay.char_indices() {
        let joined_before = edge_before
            && (prev.is_some_and(is_word)
                || first.is_ascii_digit() && is_decimal_before(&hay[..start]));
        if !joined_before && let Some(end) = match_at(hay, start, needle) {
            let rest = &hay[end..];
            let joined_after = edge_after
                && (rest.chars().next().is_some_and(is_word)
                    || last.is_ascii_digit() && is_decimal_after(rest));
            if !joined_after {
                found.push((start, end));
            }
        }
        prev = Some(c);
    }
    found
}

/// End of `needle` matched case-insensitively at byte `start` of `hay`, char by char.
fn match_at(hay: &str, start: usize, needle: &str) -> Option<usize> {
    let mut rest = hay[start..].char_indices();
    let mut end = start;
    for n in needle.chars() {
        let (i, h) = rest.next()?;
        if !h.to_lowercase().eq(n.to_lowercase()) {
            return None;
        }
        end = start + i + h.len_utf8();
    }
    Some(end)
}

/// True when `rest` starts with a decimal point and a digit (`.5`).
fn is_decimal_after(rest: &str) -> bool {
    let mut chars = rest.chars();
    chars.next() == Some('.') && chars.next().is_some_and(|c| c.is_ascii_digit())
}

/// True when `before` ends with a digit and a decimal point (`3.`).
fn is_decimal_before(before: &str) -> bool {
    let mut chars = before.chars().rev();
    chars.next() == Some('.') && chars.next().is_some_and(|c| c.is_ascii_digit())
}

/// Letters, digits and `_` make up words.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits `text` into trimmed, non-empty sentences (see the module docs for the rule).
pub(super) fn sentences(text: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        let boundary = match c {
            '.' | '!' | '?' => {
                let mut j = i + 1;
                while j < chars.len() && (QUOTES.contains(&chars[j].1) || ")]".contains(chars[j].1))
                {
                    j += 1;
                }
                let ends = j == chars.len() || chars[j].1.is_whitespace();
                (ends && !(c == '.' && is_abbreviation(&text[..pos]))).then_some(j)
            }
            '\n' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j].1 != '\n' && chars[j].1.is_whitespace() {
                    j += 1;
                }
                (j < chars.len() && chars[j].1 == '\n').then_some(j)
            }
            _ => None,
        };
        if let Some(j) = boundary {
            let end = chars.get(j).map_or(text.len(), |&(p, _)| p);
            out.push(&text[start..end]);
            start = end;
            i = j;
        } else {
            i += 1;
        }
    }
    out.push(&text[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// True when `before` (the text up to a `.`) ends with an abbreviation.
fn is_abbreviation(before: &str) -> bool {
    let word_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphabetic() || c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = before[word_start..].to_lowercase();
    ABBREVIATIONS.contains(&word.as_str())
}

/// The sentence with whitespace collapsed, cut to about [`EXCERPT_CHARS`] around the mention.
pub(super) fn excerpt(sentence: &str, start: usize, end: usize) -> String {
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let whole = collapse(sentence);
    if whole.chars().count() <= EXCERPT_CHARS {
        return whole;
    }
    // Keep the closing quote of a quoted mention with it.
    let end = sentence[end..]
        .chars()
        .next()
        .filter(|c| QUOTES.contains(c))
        .map_or(end, |c| end + c.len_utf8());
    let head = collapse(&sentence[..start]);
    let mention = &sentence[start..end];
    let tail = collapse(&sentence[end..]);
    let head_room = EXCERPT_CHARS.saturating_sub(mention.chars().count() + 21);
    let head_chars = head.chars().count();
    let mut out = String::new();
    if head_chars > head_room {
        out.push_str("...");
        out.extend(head.chars().skip(head_chars - head_room));
    } else {
        out.push_str(&head);
    }
    if !head.is_empty() && sentence[..start].ends_with(char::is_whitespace) {
        out.push(' ');
    }
    out.push_str(mention);
    let tail_room = EXCERPT_CHARS.saturating_sub(out.chars().count() + 1);
    if sentence[end..].starts_with(char::is_whitespace) && !tail.is_empty() {
        out.push(' ');
    }
    if tail.chars().count() > tail_room {
        out.extend(tail.chars().take(tail_room));
        out.push_str("...");
    } else {
        out.push_str(&tail);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_as_documented() {
        let cases: &[(&str, &[&str])] = &[
            ("A. B! C? D", &["A.", "B!", "C?", "D"]),
            ("Say \"3\". Next", &["Say \"3\".", "Next"]),
            (
                "Use e.g. this, i.e. that. End",
                &["Use e.g. this, i.e. that.", "End"],
            ),
            ("Temperature 0.5 is fine.", &["Temperature 0.5 is fine."]),
            (
                "Line one\nline two\n \nPara",
                &["Line one\nline two", "Para"],
            ),
            ("", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn find_words_is_whole_word_and_case_insensitive() {
        let cases: &[(&str, &str, &[(usize, usize)])] = &[
            ("a 3, 30 or 3.5 or 13 or 3", "3", &[(2, 3), (24, 25)]),
            ("Cat cats CAT", "cat", &[(0, 3), (9, 12)]),
            ("(c++)", "C++", &[(1, 4)]),
            ("ÉCOLE école", "école", &[(0, 6), (7, 13)]),
            ("x", "", &[]),
        ];
        for (hay, needle, expected) in cases {
            assert_eq!(find_words(hay, needle), *expected, "{hay:?} / {needle:?}");
        }
    }

    #[test]
    fn long_sentences_are_cut_around_the_mention() {
        let long = format!(
            "{} for example respond only with \"cat\" {}",
            "word ".repeat(40),
            "tail ".repeat(40)
        );
        let cut = excerpt(
            &long,
            long.find("cat").unwrap_or(0),
            long.find("cat").unwrap_or(0) + 3,
        );
        assert!(cut.starts_with("...") && cut.ends_with("..."), "{cut}");
        assert!(cut.contains("respond only with \"cat\" tail"), "{cut}");
        assert!(cut.chars().count() <= EXCERPT_CHARS + 6, "{cut}");
        let short = excerpt("  Say\n  \"cat\"  now. ", 9, 12);
        assert_eq!(short, "Say \"cat\" now.");
    }
}
