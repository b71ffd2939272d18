//! Table tests for the answer-parsing cascade.

use std::collections::HashMap;

use super::*;
use ParseStep::{Alias, Constrained, Exact, Normalized, Unparsed, WholeWord};

fn digits() -> LabelSet {
    LabelSet::new((0..10).map(|d| d.to_string()).collect(), HashMap::new())
}

fn animals() -> LabelSet {
    let labels = ["cat", "dog", "horse", "traffic light", "light"];
    let aliases = [("Kitten", "cat"), ("puppy", "Dog"), ("pony", "zebra")];
    LabelSet::new(
        labels.iter().map(|s| (*s).to_owned()).collect(),
        aliases
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn letters() -> LabelSet {
    LabelSet::new(
        ["A", "B", "C", "D"].map(String::from).to_vec(),
        HashMap::new(),
    )
}

/// (answer, expected label, expected step)
type Row<'a> = (&'a str, Option<&'a str>, ParseStep);

fn check(set: &LabelSet, constrained: bool, rows: &[Row]) {
    for &(answer, label, step) in rows {
        let got = parse_answer(answer, set, constrained);
        let want = Parsed {
            label: label.map(str::to_owned),
            step,
        };
        assert_eq!(got, want, "answer {answer:?} (constrained: {constrained})");
    }
}

#[test]
fn digits_table() {
    check(
        &digits(),
        false,
        &[
            ("3", Some("3"), Exact),
            (" 3\n", Some("3"), Normalized),
            ("**3**", Some("3"), Normalized),
            ("`3`", Some("3"), Normalized),
            ("\"3\"", Some("3"), Normalized),
            ("3.", Some("3"), Normalized),
            ("Answer: 3", Some("3"), Normalized),
            ("The answer is 3.", Some("3"), Normalized),
            ("The number is 3.", Some("3"), Normalized),
            ("**Answer:** 7", Some("7"), Normalized),
            ("Prediction: \u{201C}4\u{201D}", Some("4"), Normalized),
            ("```\n5\n```", Some("5"), Normalized),
            ("seven", Some("7"), Alias),
            ("Seven.", Some("7"), Alias),
            ("The answer is zero", Some("0"), Alias),
            ("The image shows a handwritten 7.", Some("7"), WholeWord),
            ("I think it's a 4, clearly a 4", Some("4"), WholeWord),
            (
                "This looks like the digit seven to me",
                Some("7"),
                WholeWord,
            ),
            ("It is 3 (three).", Some("3"), WholeWord),
            ("I see the number 1 and 7", None, Unparsed),
            ("17", None, Unparsed),
            ("3.5", None, Unparsed),
            ("The digit is 7th", None, Unparsed),
            ("", None, Unparsed),
            ("   \n", None, Unparsed),
            (
                "I cannot determine the number in this image.",
                None,
                Unparsed,
            ),
        ],
    );
}

#[test]
fn words_table() {
    check(
        &animals(),
        false,
        &[
            ("cat", Some("cat"), Exact),
            ("traffic light", Some("traffic light"), Exact),
            ("Cat.", Some("cat"), Normalized),
            ("_cat_", Some("cat"), Normalized),
            ("Label: DOG!", Some("dog"), Normalized),
            ("It's a horse.", Some("horse"), Normalized),
            ("Traffic\n  Light", Some("traffic light"), Normalized),
            ("kitten", Some("cat"), Alias),
            ("**Puppy**", Some("dog"), Alias),
            (
                "There is a small kitten on the sofa",
                Some("cat"),
                WholeWord,
            ),
            ("A traffic light at night", Some("traffic light"), WholeWord),
            ("The dog's ears are up", Some("dog"), WholeWord),
            ("{\"label\":\"dog\"}", Some("dog"), WholeWord),
            ("It's a cat, not a dog", None, Unparsed),
            (
                "I'm sorry, I can't tell whether this is a cat.",
                None,
                Unparsed,
            ),
            ("A zebra", None, Unparsed),
            ("pony", None, Unparsed),
            ("cats", None, Unparsed),
        ],
    );
}

#[test]
fn letters_table() {
    check(
        &letters(),
        false,
        &[
            ("a", Some("A"), Normalized),
            ("The answer is (B).", Some("B"), Normalized),
            ("This is a picture of a dog", None, Unparsed),
        ],
    );
}

#[test]
fn constrained_table() {
    check(
        &animals(),
        true,
        &[
            ("{\"label\":\"dog\"}", Some("dog"), Constrained),
            (" {\"label\": \"Dog\"} ", Some("dog"), Constrained),
            (
                "```json\n{\"label\": \"horse\"}\n```",
                Some("horse"),
                Constrained,
            ),
            ("{\"label\":\"kitten\"}", Some("cat"), Alias),
            ("{\"label\":\"zebra\"}", None, Unparsed),
            ("{\"label\": 3}", None, Unparsed),
            ("cat", Some("cat"), Exact),
            ("{\"answer\":\"cat\"}", Some("cat"), WholeWord),
        ],
    );
}

#[test]
fn number_words_only_for_numerals_present() {
    let set = LabelSet::new(
        ["3", "12", "07", "40"].map(String::from).to_vec(),
        HashMap::new(),
    );
    let cases = [
        ("three", Some("3")),
        ("twelve", Some("12")),
        ("seven", None),
        ("forty", None),
        ("one", None),
    ];
    for (answer, want) in cases {
        assert_eq!(
            parse_answer(answer, &set, false).label.as_deref(),
            want,
            "{answer:?}"
        );
    }
}

#[test]
fn user_aliases_win_over_number_words_and_labels_win_over_aliases() {
    let aliases: HashMap<String, String> = [("one", "7"), ("Seven", "1"), ("ten", "nope")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let set = LabelSet::new(["1", "7"].map(String::from).to_vec(), aliases);
    assert_eq!(parse_answer("one", &set, false).label.as_deref(), Some("7"));
    assert_eq!(
        parse_answer("seven", &set, false).label.as_deref(),
        Some("1")
    );
    assert_eq!(parse_answer("ten", &set, false).label, None);
    assert_eq!(set.aliases().len(), 2);

    let set = LabelSet::new(
        ["cat", "dog"].map(String::from).to_vec(),
        HashMap::from([("CAT".to_owned(), "dog".to_owned())]),
    );
    assert_eq!(
        parse_answer("Cat", &set, false).label.as_deref(),
        Some("cat")
    );
    assert!(set.aliases().is_empty());
}

#[test]
fn labels_differing_only_in_case_are_never_guessed() {
    let set = LabelSet::new(["Cat", "cat"].map(String::from).to_vec(), HashMap::new());
    let cases = [
        ("Cat", Some("Cat"), Exact),
        ("cat", Some("cat"), Exact),
        ("CAT", None, Unparsed),
        ("a CAT here", None, Unparsed),
    ];
    for (answer, label, step) in cases {
        let got = parse_answer(answer, &set, false);
        assert_eq!(
            (got.label.as_deref(), got.step),
            (label, step),
            "{answer:?}"
        );
    }
}

#[test]
fn labels_keep_their_spelling_and_order() {
    let set = LabelSet::new(["Dog", "Cat"].map(String::from).to_vec(), HashMap::new());
    assert_eq!(set.labels(), ["Dog", "Cat"]);
    assert_eq!(
        parse_answer("a cat", &set, false).label.as_deref(),
        Some("Cat")
    );
}

#[test]
fn parse_step_serialises_in_snake_case() {
    let json = serde_json::to_string(&[WholeWord, Unparsed, Constrained]).unwrap_or_default();
    assert_eq!(json, r#"["whole_word","unparsed","constrained"]"#);
}

#[test]
fn labels_are_read_from_the_visible_text_not_from_escape_sequences() {
    let set = LabelSet::new((0..10).map(|d| d.to_string()).collect(), HashMap::new());
    let cases = [
        // An OSC title and a screen clear carry digits but show nothing.
        ("\x1b]0;title\x07", None, Unparsed),
        ("\x1b[2J\x1b[1;1H", None, Unparsed),
        // Bold 7 shows as 7.
        ("\x1b[1m7\x1b[0m", Some("7"), Exact),
        ("The digit is \x1b[31m4\x1b[0m.", Some("4"), Normalized),
        ("\u{202e}3\u{202c}", Some("3"), Exact),
        ("\u{9b}2J5", Some("5"), Exact),
    ];
    for (answer, label, step) in cases {
        let got = parse_answer(answer, &set, false);
        assert_eq!(
            (got.label.as_deref(), got.step),
            (label, step),
            "{answer:?}"
        );
    }
}

#[test]
fn step_names_are_the_serialised_names() {
    for step in ParseStep::ALL {
        let json = serde_json::to_string(&step).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", step.name()), "{step:?}");
    }
}
