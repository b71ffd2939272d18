//! Turns a model's free-text answer into one of the known labels, recording which step matched.
//! Never guesses: two labels named, a refusal or nothing recognisable is `Unparsed`.
//!
//! The cascade, first match wins: constrained JSON, exact, normalised (case, quotes, Markdown
//! emphasis, lead-ins such as `Answer:`, trailing punctuation), alias or number word, and
//! finally exactly one label named as a whole word. Labels are returned spelled as in the set.

#[cfg(test)]
mod tests;
mod text;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use text::{fold, for_each_word_match, is_refusal, peel, strip_fence};

use super::sanitize::{needs_sanitizing, sanitize};

/// The name of the predicted column for answers no label could be read from.
pub const UNPARSED: &str = "(unparsed)";

/// Which step of the cascade produced the label. Serialised names are a file-format contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParseStep {
    /// A constrained-output JSON object `{"label": ...}` naming a label.
    Constrained,
    /// The answer is a label exactly.
    Exact,
    /// The answer is a label after normalising case, quotes, emphasis, prefixes and punctuation.
    Normalized,
    /// The answer is an alias or number word of a label.
    Alias,
    /// Exactly one label is named as a whole word somewhere in the text.
    WholeWord,
    /// No label could be read.
    Unparsed,
    /// The label was taken from an imported results file (`squint import`), not parsed here.
    Imported,
}

impl ParseStep {
    /// Every step, in cascade order, `Unparsed` and `Imported` last.
    pub const ALL: [ParseStep; 7] = [
        ParseStep::Constrained,
        ParseStep::Exact,
        ParseStep::Normalized,
        ParseStep::Alias,
        ParseStep::WholeWord,
        ParseStep::Unparsed,
        ParseStep::Imported,
    ];

    /// The step as written in results files (`whole_word`...).
    pub fn name(self) -> &'static str {
        match self {
            ParseStep::Constrained => "constrained",
            ParseStep::Exact => "exact",
            ParseStep::Normalized => "normalized",
            ParseStep::Alias => "alias",
            ParseStep::WholeWord => "whole_word",
            ParseStep::Unparsed => "unparsed",
            ParseStep::Imported => "imported",
        }
    }
}

/// The outcome of parsing one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The label read, or `None` when `step` is `Unparsed`.
    pub label: Option<String>,
    /// The step that matched.
    pub step: ParseStep,
}

impl Parsed {
    fn unparsed() -> Self {
        Parsed {
            label: None,
            step: ParseStep::Unparsed,
        }
    }
}

/// English number words added automatically for numeral labels `0` to `20`.
const NUMBER_WORDS: [&str; 21] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// The labels a run may predict and the aliases that map onto them.
#[derive(Debug, Clone, Default)]
pub struct LabelSet {
    /// The labels as given.
    labels: Vec<String>,
    /// Folded alias key -> label as spelled in `labels` (user aliases and number words).
    aliases: HashMap<String, String>,
    /// Label -> index, for the exact step.
    exact: HashMap<String, usize>,
    /// Folded label -> index; `None` when two labels differ only in case (never guessed).
    folded: HashMap<String, Option<usize>>,
    /// Folded alias key -> label index.
    alias_index: HashMap<String, usize>,
    /// Folded labels and alias keys searched by the whole-word step, with their label index.
    words: Vec<(String, usize)>,
}

impl LabelSet {
    /// Builds a label set; alias keys are matched case-insensitively and must map to a label.
    ///
    /// Aliases whose target is not a label (exactly, or else case-insensitively) and aliases
    /// whose key already is a label are ignored. For numeral labels `0`..`20` the English number
    /// words (`seven` -> `7`) are added unless the word is already a label or alias.
    pub fn new(labels: Vec<String>, aliases: HashMap<String, String>) -> Self {
        let mut set = LabelSet {
            labels,
            ..LabelSet::default()
        };
        for (i, label) in set.labels.iter().enumerate() {
            let key = fold(label);
            if key.is_empty() || set.exact.contains_key(label) {
                continue;
            }
            set.exact.insert(label.clone(), i);
            set.folded
                .entry(key)
                .and_modify(|slot| *slot = None)
                .or_insert(Some(i));
        }
        let mut user: Vec<(String, usize)> = aliases
            .iter()
            .filter_map(|(alias, target)| Some((fold(alias), set.resolve(target)?)))
            .collect();
        user.sort();
        let numbers = set.labels.iter().enumerate().filter_map(|(i, label)| {
            let n: usize = label.parse().ok()?;
            let word = NUMBER_WORDS.get(n).filter(|_| n.to_string() == *label)?;
            Some(((*word).to_owned(), i))
        });
        let candidates: Vec<(String, usize)> = user.into_iter().chain(numbers).collect();
        for (key, i) in candidates {
            if key.is_empty() || set.folded.contains_key(&key) || set.alias_index.contains_key(&key)
            {
                continue;
            }
            set.aliases.insert(key.clone(), set.labels[i].clone());
            set.alias_index.insert(key, i);
        }
        set.words = set
            .folded
            .iter()
            .filter_map(|(key, slot)| Some((key.clone(), (*slot)?)))
            .chain(set.alias_index.iter().map(|(key, i)| (key.clone(), *i)))
            .filter(|(key, _)| !is_single_letter(key))
            .collect();
        set.words.sort();
        set
    }

    /// The labels, in the order given.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The aliases in effect (folded key -> label), number words included.
    pub fn aliases(&self) -> &HashMap<String, String> {
        &self.aliases
    }

    /// The index of `name` as a label: exactly, or else case-insensitively when unambiguous.
    fn resolve(&self, name: &str) -> Option<usize> {
        self.exact
            .get(name)
            .copied()
            .or_else(|| self.folded.get(&fold(name)).copied().flatten())
    }

    fn found(&self, i: usize, step: ParseStep) -> Parsed {
        Parsed {
            label: Some(self.labels[i].clone()),
            step,
        }
    }
}

/// True for keys like `a` or `i`: as whole words they are usually articles or pronouns, so the
/// whole-word step never reads them (the exact, normalised and alias steps still do).
fn is_single_letter(key: &str) -> bool {
    let mut chars = key.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic())
}

/// Parses `answer`; `constrained` says the request asked for `{"label": ...}` JSON.
///
/// When a constrained answer is JSON whose `label` is not a label, the cascade continues on
/// that `label` string (so `{"label": "kitten"}` can still match an alias).
///
/// The cascade reads the text a person would see: escape sequences, control characters and
/// bidi controls are removed first ([`sanitize`]), so `"\x1b]0;title\x07"` is no label and a
/// bold `"\x1b[1m7\x1b[0m"` is `7`. The journal keeps the raw answer.
pub fn parse_answer(answer: &str, labels: &LabelSet, constrained: bool) -> Parsed {
    if needs_sanitizing(answer) {
        return parse_visible(&sanitize(answer), labels, constrained);
    }
    parse_visible(answer, labels, constrained)
}

fn parse_visible(answer: &str, labels: &LabelSet, constrained: bool) -> Parsed {
    if constrained && let Some(inner) = json_label(answer) {
        return match labels.resolve(&inner) {
            Some(i) => labels.found(i, ParseStep::Constrained),
            None => parse_free(&inner, labels),
        };
    }
    parse_free(answer, labels)
}

/// The string `label` field of a (possibly fenced) JSON object answer.
fn json_label(answer: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(strip_fence(answer)).ok()?;
    match value.get("label")? {
        serde_json::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The free-text steps: exact, normalised, alias, whole word.
fn parse_free(answer: &str, labels: &LabelSet) -> Parsed {
    if let Some(&i) = labels.exact.get(answer) {
        return labels.found(i, ParseStep::Exact);
    }
    let folded = fold(answer);
    if folded.is_empty() {
        return Parsed::unparsed();
    }
    if let Some(i) = peel(&folded, |s| labels.folded.get(s).copied().flatten()) {
        return labels.found(i, ParseStep::Normalized);
    }
    if let Some(i) = peel(&folded, |s| labels.alias_index.get(s).copied()) {
        return labels.found(i, ParseStep::Alias);
    }
    if is_refusal(&folded) {
        return Parsed::unparsed();
    }
    match single_named_label(&folded, labels) {
        Some(i) => labels.found(i, ParseStep::WholeWord),
        None => Parsed::unparsed(),
    }
}

/// The one label named as a whole word in `folded`, or `None` when none or several are.
/// A match inside a longer match of another label (`light` in `traffic light`) does not count.
fn single_named_label(folded: &str, labels: &LabelSet) -> Option<usize> {
    let mut matches: Vec<(usize, usize, usize)> = Vec::new();
    for (key, i) in &labels.words {
        for_each_word_match(folded, key, |start, end| matches.push((start, end, *i)));
    }
    let covered = |&(s, e, i): &(usize, usize, usize)| {
        matches
            .iter()
            .any(|&(s2, e2, i2)| i2 != i && s2 <= s && e <= e2 && e2 - s2 > e - s)
    };
    let mut named = matches.iter().filter(|m| !covered(m)).map(|&(_, _, i)| i);
    let first = named.next()?;
    named.all(|i| i == first).then_some(first)
}
