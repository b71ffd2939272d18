//! Text helpers for the answer-parsing cascade: case folding, peeling decoration off an answer,
//! refusal detection and whole-word search. Hand-rolled (no regex) because parsing is on the
//! hot path; must never decide which label an answer names (that is `parse`'s job).

/// Lower-cases `s`, maps typographic quotes to ASCII ones, collapses every run of whitespace to
/// one space and trims. Labels, alias keys and answers all go through this before comparing.
pub(super) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            '\u{2018}' | '\u{2019}' => out.push('\''),
            '\u{201C}' | '\u{201D}' => out.push('"'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Removes a surrounding Markdown code fence (```` ```json ... ``` ```` or ```` ``` ... ``` ````).
pub(super) fn strip_fence(s: &str) -> &str {
    let s = s.trim();
    let Some(inner) = s.strip_prefix("```") else {
        return s;
    };
    let inner = inner.strip_suffix("```").unwrap_or(inner);
    let inner = inner.trim_start();
    let inner = match inner.get(..4) {
        Some(tag) if tag.eq_ignore_ascii_case("json") => &inner[4..],
        _ => inner,
    };
    inner.trim()
}

/// Lead-ins a model puts before its answer, folded, longest first within a family.
const PREFIXES: &[&str] = &[
    "the final answer is",
    "the correct answer is",
    "the answer is",
    "my answer is",
    "final answer",
    "answer",
    "the predicted label is",
    "the label is",
    "predicted label",
    "label",
    "the prediction is",
    "prediction",
    "the predicted class is",
    "the class is",
    "predicted class",
    "class",
    "the category is",
    "category",
    "the number is",
    "the digit is",
    "number",
    "digit",
    "output",
    "result",
    "it is",
    "it's",
    "this is",
    "the image shows",
    "the image contains",
    "an",
    "a",
];

/// Characters peeled off both ends: quotes, backticks, Markdown emphasis and brackets.
fn is_wrapper(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '`' | '*' | '_' | '(' | ')' | '[' | ']' | '\u{AB}' | '\u{BB}'
    )
}

/// Characters peeled off the end only: sentence punctuation.
fn is_trailing_punct(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ',' | ';' | ':' | '\u{2026}')
}

/// Separators allowed between a lead-in and the answer (`Answer: 3`, `**Label** - cat`).
fn is_separator(c: char) -> bool {
    c == ' ' || matches!(c, ':' | '-' | '=' | '\u{2013}' | '\u{2014}') || is_wrapper(c)
}

/// Calls `check` on `folded` and on each successively peeled form of it (wrappers, trailing
/// punctuation, one lead-in per round) and returns the first `Some`.
pub(super) fn peel<T>(folded: &str, mut check: impl FnMut(&str) -> Option<T>) -> Option<T> {
    let mut s = folded;
    loop {
        if let Some(found) = check(s) {
            return Some(found);
        }
        let trimmed = s
            .trim_start_matches(|c: char| c == ' ' || is_wrapper(c))
            .trim_end_matches(|c: char| c == ' ' || is_wrapper(c) || is_trailing_punct(c));
        s = if trimmed.len() < s.len() {
            trimmed
        } else {
            strip_lead_in(s)?
        };
        if s.is_empty() {
            return None;
        }
    }
}

/// `s` without its longest lead-in and the separators after it, when it starts with one and
/// something follows.
fn strip_lead_in(s: &str) -> Option<&str> {
    PREFIXES
        .iter()
        .filter_map(|p| s.strip_prefix(p))
        .filter(|rest| !rest.starts_with(is_word_char))
        .map(|rest| rest.trim_start_matches(is_separator))
        .filter(|rest| !rest.is_empty())
        .min_by_key(|rest| rest.len())
}

/// Openings of an answer that declines to classify, folded.
const REFUSALS: &[&str] = &[
    "sorry",
    "i'm sorry",
    "i am sorry",
    "i apologize",
    "i apologise",
    "apologies",
    "i can't",
    "i cannot",
    "i can not",
    "i'm unable",
    "i am unable",
    "i'm not able",
    "i am not able",
    "unable to",
    "i don't know",
    "i do not know",
    "as an ai",
];

/// True when the (folded) answer opens like a refusal.
pub(super) fn is_refusal(folded: &str) -> bool {
    let s = folded.trim_start_matches(|c: char| c == ' ' || is_wrapper(c));
    REFUSALS.iter().any(|r| {
        s.strip_prefix(r)
            .is_some_and(|rest| !rest.starts_with(is_word_char))
    })
}

/// Letters and digits of any script; `_` is not one (it is Markdown emphasis in answers).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Punctuation that joins two digits into one number (`3.5`, `1,000`, `1'000`).
fn joins_digits(c: char) -> bool {
    matches!(c, '.' | ',' | '\'' | '\u{2019}')
}

/// True when a word may start at byte `at` of `text`, given that it starts with `first`.
fn boundary_before(text: &str, at: usize, first: char) -> bool {
    if !is_word_char(first) {
        return true;
    }
    let mut before = text[..at].chars().rev();
    match before.next() {
        None => true,
        Some(p) if is_word_char(p) => false,
        Some(p) if first.is_numeric() && joins_digits(p) => {
            !before.next().is_some_and(char::is_numeric)
        }
        Some(_) => true,
    }
}

/// True when a word may end at byte `at` of `text`, given that it ends with `last`.
fn boundary_after(text: &str, at: usize, last: char) -> bool {
    if !is_word_char(last) {
        return true;
    }
    let mut after = text[at..].chars();
    match after.next() {
        None => true,
        Some(n) if is_word_char(n) => false,
        Some(n) if last.is_numeric() && joins_digits(n) => {
            !after.next().is_some_and(char::is_numeric)
        }
        Some(_) => true,
    }
}

/// Calls `found(start, end)` for every whole-word occurrence of the non-empty `key` in `text`
/// (both folded). Digits inside longer numbers (`17`, `3.5`) and letters inside longer words
/// are not occurrences.
pub(super) fn for_each_word_match(text: &str, key: &str, mut found: impl FnMut(usize, usize)) {
    let (Some(first), Some(last)) = (key.chars().next(), key.chars().next_back()) else {
        return;
    };
    for (start, _) in text.match_indices(key) {
        let end = start + key.len();
        if boundary_before(text, start, first) && boundary_after(text, end, last) {
            found(start, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_lowercases_collapses_and_maps_quotes() {
        let cases = [
            ("  Hello\n\tWORLD  ", "hello world"),
            ("It\u{2019}s", "it's"),
            ("\u{201C}Cat\u{201D}", "\"cat\""),
            ("ÉCOLE", "école"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), want, "fold({input:?})");
        }
    }

    #[test]
    fn strip_fence_handles_json_and_bare_fences() {
        let cases = [
            ("```json\n{\"label\":\"7\"}\n```", "{\"label\":\"7\"}"),
            ("```\n{}\n```", "{}"),
            ("  {\"a\":1} ", "{\"a\":1}"),
            ("```JSON {} ```", "{}"),
        ];
        for (input, want) in cases {
            assert_eq!(strip_fence(input), want, "strip_fence({input:?})");
        }
    }

    #[test]
    fn peel_reaches_the_bare_answer() {
        let cases = [
            ("**3**", Some("3")),
            ("answer: 3.", Some("3")),
            ("the answer is \"cat\".", Some("cat")),
            ("**label:** _dog_", Some("dog")),
            ("it's a cat!", Some("cat")),
            ("(b)", Some("b")),
            ("a cat sat", None),
        ];
        for (input, want) in cases {
            let got = peel(input, |s| {
                (s == "3" || s == "cat" || s == "dog" || s == "b").then(|| s.to_owned())
            });
            assert_eq!(got.as_deref(), want, "peel({input:?})");
        }
    }

    #[test]
    fn refusals_are_recognised_only_at_the_start() {
        let cases = [
            ("i'm sorry, i can't tell", true),
            ("i cannot determine the digit", true),
            ("sorry.", true),
            ("sorrow", false),
            ("it is a 3, sorry", false),
        ];
        for (input, want) in cases {
            assert_eq!(is_refusal(input), want, "is_refusal({input:?})");
        }
    }

    #[test]
    fn whole_word_matches_respect_word_and_number_boundaries() {
        let cases = [
            ("a handwritten 7.", "7", 1),
            ("17", "7", 0),
            ("3.5", "3", 0),
            ("3.5", "5", 0),
            ("1,000", "1", 0),
            ("3, 4", "3", 1),
            ("7th", "7", 0),
            ("cats", "cat", 0),
            ("the dog's toy", "dog", 1),
            ("a traffic light here", "traffic light", 1),
            ("(7) or -7", "7", 2),
            ("c++ code", "c++", 1),
        ];
        for (text, key, want) in cases {
            let mut n = 0;
            for_each_word_match(text, key, |_, _| n += 1);
            assert_eq!(n, want, "{key:?} in {text:?}");
        }
    }
}
