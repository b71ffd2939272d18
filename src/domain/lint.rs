//! The bias lint: finds example answers inside prompts that name one of the labels.
//! Pure and advisory: it only reports, never edits a prompt or blocks a run.
//!
//! A prompt that says `For example if you identify a 3, respond only with "3".` makes models
//! over-predict "3" (the original experiment: 115 of 500 answers). The rule, per prompt part:
//!
//! 1. The text is split into sentences at `.`, `!` or `?` followed (after any closing quotes or
//!    brackets) by whitespace or the end, except after `e.g.`, `i.e.`, `etc.`, `vs.`; and at
//!    blank lines. Decimal points are not boundaries.
//! 2. A label is *mentioned* where it occurs as a whole word, ignoring case (a label edge that
//!    is not a letter, digit or `_` needs no word boundary). A number label is not mentioned
//!    inside a longer number (`3` is not in `30` or `3.5`).
//! 3. A sentence that mentions at least half of the labels, and at least `min(3, n)` of the `n`
//!    labels, is a list of valid answers: it never warns.
//! 4. Otherwise a mention is an *example answer* when it is quoted (a quote character right
//!    before and right after it) or when the sentence has, before it, one of the cues
//!    [`CUES`] (whole words, ignoring case).
//! 5. Each label warns at most once per part, at its first example mention; warnings come in
//!    sentence order, and in label order within a sentence.

mod text;

use text::{QUOTES, excerpt, find_words, sentences};

use super::template::RenderedPrompt;

/// Phrases that make a following label mention look like an example answer.
pub(crate) const CUES: &[&str] = &[
    "e.g.",
    "eg",
    "example",
    "for instance",
    "such as",
    "like",
    "respond with",
    "respond only with",
    "respond just with",
    "answer with",
    "answer only with",
    "reply with",
    "reply only with",
    "output",
];

/// Which part of the rendered prompt a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PromptPart {
    /// The system prompt.
    System,
    /// The user prompt sent with each image.
    Prompt,
}

impl PromptPart {
    /// "system prompt" or "user prompt".
    pub(crate) fn name(self) -> &'static str {
        match self {
            PromptPart::System => "system prompt",
            PromptPart::Prompt => "user prompt",
        }
    }
}

/// A label given as an example answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BiasWarning {
    /// The label, spelled as in the label list.
    pub label: String,
    /// Where it was found.
    pub part: PromptPart,
    /// The sentence, whitespace collapsed and cut to about 100 characters around the mention.
    pub excerpt: String,
}

impl BiasWarning {
    /// A one-line explanation with the fix.
    pub(crate) fn message(&self) -> String {
        format!(
            "{} gives \"{}\" as an example answer (\"{}\"): models tend to over-predict an example label; list all labels or use a non-label placeholder",
            self.part.name(),
            self.label,
            self.excerpt
        )
    }
}

/// Lints the system and user prompt of `rendered` against `labels`.
pub(crate) fn bias_lint(rendered: &RenderedPrompt, labels: &[String]) -> Vec<BiasWarning> {
    let mut warnings = Vec::new();
    let parts = [
        (PromptPart::System, rendered.system.as_deref()),
        (PromptPart::Prompt, Some(rendered.prompt.as_str())),
    ];
    for (part, text) in parts {
        let Some(text) = text else { continue };
        for sentence in sentences(text) {
            lint_sentence(sentence, part, labels, &mut warnings);
        }
    }
    warnings
}

/// Adds a warning for each label first used as an example in `sentence`.
fn lint_sentence(
    sentence: &str,
    part: PromptPart,
    labels: &[String],
    warnings: &mut Vec<BiasWarning>,
) {
    let mentions: Vec<(&String, Vec<(usize, usize)>)> = labels
        .iter()
        .map(|label| (label, find_words(sentence, label)))
        .filter(|(_, found)| !found.is_empty())
        .collect();
    let named = mentions.len();
    if named * 2 >= labels.len() && named >= labels.len().min(3) {
        return;
    }
    for (label, found) in mentions {
        if warnings.iter().any(|w| w.part == part && w.label == *label) {
            continue;
        }
        if let Some(&(start, end)) = found.iter().find(|&&(s, e)| is_example(sentence, s, e)) {
            warnings.push(BiasWarning {
                label: label.clone(),
                part,
                excerpt: excerpt(sentence, start, end),
            });
        }
    }
}

/// True when the mention `sentence[start..end]` is quoted or preceded by a cue.
fn is_example(sentence: &str, start: usize, end: usize) -> bool {
    let before = sentence[..start].chars().next_back();
    let after = sentence[end..].chars().next();
    let quoted =
        before.is_some_and(|c| QUOTES.contains(&c)) && after.is_some_and(|c| QUOTES.contains(&c));
    quoted
        || CUES
            .iter()
            .any(|cue| !find_words(&sentence[..start], cue).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Synthetic prompts of the same shape as the origin's Modelfiles (not copies of them).
    const MNIST: &str = "You classify handwritten digits. Each image shows one of: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9.  Look at the image closely. Reply with the digit only, no explanation. For example if you see a 3, respond only with \"3\".";
    const ANIMALS: &str = "You identify animals. Each image shows one of these: \"dog\", \"horse\", \"elephant\", \"butterfly\", \"chicken\", \"cat\", \"cow\", \"sheep\", \"squirrel\", \"spider\". Name the animal only, no explanation. For example if you see a cat in the image, respond only with \"cat\".";
    const CHESS: &str = "You identify chess pieces. Respond with the name of the piece only. The only valid responses are \"PAWN\", \"KING\", QUEEN\", \"BISHOP\", \"ROOK\", \"KNIGHT\".";

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(ToString::to_string).collect()
    }

    fn digits() -> Vec<String> {
        strings(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
    }

    fn animals() -> Vec<String> {
        strings(&[
            "dog",
            "horse",
            "elephant",
            "butterfly",
            "chicken",
            "cat",
            "cow",
            "sheep",
            "squirrel",
            "spider",
        ])
    }

    fn chess() -> Vec<String> {
        strings(&["pawn", "king", "queen", "bishop", "rook", "knight"])
    }

    fn lint(system: Option<&str>, prompt: &str, labels: &[String]) -> Vec<(String, PromptPart)> {
        let rendered = RenderedPrompt {
            system: system.map(str::to_owned),
            prompt: prompt.to_owned(),
        };
        bias_lint(&rendered, labels)
            .into_iter()
            .map(|w| (w.label, w.part))
            .collect()
    }

    #[test]
    fn origin_prompts_warn_about_exactly_the_example_label() {
        let cases = [
            (MNIST, digits(), vec!["3"]),
            (ANIMALS, animals(), vec!["cat"]),
            (CHESS, chess(), vec![]),
        ];
        for (system, labels, expected) in cases {
            let got = lint(Some(system), "Classify this image.", &labels);
            let expected: Vec<_> = expected
                .into_iter()
                .map(|l| (l.to_owned(), PromptPart::System))
                .collect();
            assert_eq!(got, expected, "{system}");
        }
    }

    #[test]
    fn rule_table() {
        let abc = strings(&["cat", "dog", "bird"]);
        let cases: &[(&str, &[&str])] = &[
            ("Answer with one of: cat, dog, bird.", &[]),
            ("Valid answers:\n- \"cat\"\n- \"dog\"\n- \"bird\"", &[]),
            ("Reply with \"cat\" if unsure.", &["cat"]),
            ("Say 'Dog'.", &["dog"]),
            (
                "Animals e.g. dog or cat are common. Name it.",
                &["cat", "dog"],
            ),
            ("Use a word such as bird. Answer with one word.", &["bird"]),
            ("The cat sat. What is this?", &[]),
            ("Is it a dog? Output the animal.", &[]),
            ("Output: cats or dogs.", &[]),
            ("Answer \"label\", for example \"X\".", &[]),
            ("For example, answer \"cat\". Again: \"cat\".", &["cat"]),
            (
                "Output \"dog\"\n\nThen cat, dog and bird are listed.",
                &["dog"],
            ),
        ];
        for (prompt, expected) in cases {
            let got: Vec<String> = lint(None, prompt, &abc)
                .into_iter()
                .map(|(l, _)| l)
                .collect();
            assert_eq!(got, strings(expected), "{prompt:?}");
        }
    }

    #[test]
    fn list_threshold_needs_half_and_three() {
        let ten = digits();
        // Two of ten labels named: not a list, so the quoted example still warns.
        assert_eq!(lint(None, "Answer \"1\" or \"2\".", &ten).len(), 2);
        // Five of ten (half, and at least 3): a list.
        assert!(lint(None, "Answer \"1\", \"2\", \"3\", \"4\" or \"5\".", &ten).is_empty());
        // Two labels: an example naming one of them warns, naming both is a list.
        let two = strings(&["yes", "no"]);
        assert_eq!(lint(None, "For example answer \"yes\".", &two).len(), 1);
        assert!(lint(None, "Answer \"yes\" or \"no\".", &two).is_empty());
    }

    #[test]
    fn whole_words_and_case() {
        let labels = strings(&["3", "Cat", "C++"]);
        assert!(lint(None, "For example 30 or 13 or 3.5 or cats.", &labels).is_empty());
        assert_eq!(
            lint(None, "For example CAT.", &labels),
            vec![("Cat".to_owned(), PromptPart::Prompt)]
        );
        assert_eq!(lint(None, "e.g. \"c++\"", &labels).len(), 1);
    }

    #[test]
    fn message_quotes_the_sentence() {
        let rendered = RenderedPrompt {
            system: Some(MNIST.to_owned()),
            prompt: String::new(),
        };
        let warnings = bias_lint(&rendered, &digits());
        let message = warnings
            .first()
            .map(BiasWarning::message)
            .unwrap_or_default();
        assert!(message.starts_with("system prompt gives \"3\" as an example answer (\"For example if you see a 3, respond only with \"3\".\")"), "{message}");
    }

    #[test]
    fn real_seed_modelfiles_when_present() {
        let Some(dir) = crate::seed_data::seed_data("ollama-modelfiles") else {
            return;
        };
        let cases = [
            ("mnist-number-classifier", digits(), vec!["3"]),
            ("animal-classifier", animals(), vec!["cat"]),
            ("chess-classifier", chess(), vec![]),
        ];
        for (stem, labels, expected) in cases {
            let path = dir.join(format!("{stem}.Modelfile"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let system = crate::domain::modelfile::parse_modelfile(&text, stem)
                .ok()
                .and_then(|m| m.system);
            let got: Vec<String> = lint(system.as_deref(), "Classify this image.", &labels)
                .into_iter()
                .map(|(label, _)| label)
                .collect();
            assert_eq!(got, strings(&expected), "{stem}: {system:?}");
        }
    }
}
