//! Turns per-token log-probabilities into a confidence for the chosen label and a probability
//! per label.
//! Pure. It reports a number only when one token carries the whole label; it never guesses by
//! multiplying pieces of a multi-token label.

use std::borrow::Cow;

use serde::Deserialize;

use super::types::TokenLogprob;
use crate::domain::label_probs::LabelProbs;

/// A logprob entry as both protocols send it: `{"token","logprob","bytes","top_logprobs"}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireLogprob {
    #[serde(default)]
    token: String,
    logprob: f64,
    #[serde(default)]
    top_logprobs: Option<Vec<WireTop>>,
}

/// One alternative in `top_logprobs`.
#[derive(Debug, Clone, Deserialize)]
struct WireTop {
    #[serde(default)]
    token: String,
    logprob: f64,
}

impl From<WireLogprob> for TokenLogprob {
    fn from(w: WireLogprob) -> Self {
        let top = w
            .top_logprobs
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.token, t.logprob))
            .collect();
        TokenLogprob {
            token: w.token,
            logprob: w.logprob,
            top,
        }
    }
}

/// Confidence (probability in 0..=1) that the model meant `label`, read from the token that
/// carries the answer (see [`LabelTokens::confidence`]).
pub fn label_confidence(logprobs: &[TokenLogprob], label: &str, labels: &[String]) -> Option<f64> {
    LabelTokens::new(labels).confidence(logprobs, label)
}

/// Probability of each of `labels` (in order) at the token carrying the answer (see
/// [`LabelTokens::distribution`]). Used for the probe's content-free prior.
pub fn label_distribution(logprobs: &[TokenLogprob], labels: &[String]) -> Option<Vec<f64>> {
    LabelTokens::new(labels).distribution(logprobs)
}

/// A run's labels as the answer token is compared with them (trimmed, quotes stripped,
/// lowercase), with which of them a single token could not tell apart: made once per run, as
/// every answer is read against the same labels.
#[derive(Debug, Clone)]
pub struct LabelTokens {
    labels: Vec<String>,
    normalized: Vec<String>,
    /// Per label: another label starts with it.
    prefix_of_another: Vec<bool>,
    /// Some label starts with another (or two are the same).
    any_prefix: bool,
}

impl LabelTokens {
    /// `labels` in report order.
    pub fn new(labels: &[String]) -> LabelTokens {
        let normalized: Vec<String> = labels.iter().map(|l| normalize(l).into_owned()).collect();
        let prefix_of_another = normalized
            .iter()
            .map(|a| {
                normalized
                    .iter()
                    .any(|b| b != a && b.starts_with(a.as_str()))
            })
            .collect();
        let any_prefix = normalized.iter().enumerate().any(|(i, a)| {
            normalized
                .iter()
                .enumerate()
                .any(|(j, b)| i != j && b.starts_with(a.as_str()))
        });
        LabelTokens {
            labels: labels.to_vec(),
            normalized,
            prefix_of_another,
            any_prefix,
        }
    }

    /// Confidence (probability in 0..=1) that the model meant `label`, read from the token
    /// that carries the answer:
    /// * constrained output (`{"label":"..."}`): the first token that starts at the label value;
    /// * free output: the first token that is not whitespace.
    ///
    /// Returns `None` unless that token (trimmed, quotes stripped, case-insensitive) is the
    /// whole label, or when another label starts with the same text (the token alone would
    /// not tell the two apart).
    pub fn confidence(&self, logprobs: &[TokenLogprob], label: &str) -> Option<f64> {
        let token = answer_token(logprobs)?;
        let text = normalize(&token.token);
        let wanted = normalize(label);
        if text.is_empty() || text != wanted {
            return None;
        }
        let ambiguous = match self.normalized.iter().position(|l| *l == wanted) {
            Some(i) => self.prefix_of_another[i],
            None => self
                .normalized
                .iter()
                .any(|l| *l != wanted && l.starts_with(wanted.as_ref())),
        };
        if ambiguous || !token.logprob.is_finite() {
            return None;
        }
        Some(token.logprob.exp().clamp(0.0, 1.0))
    }

    /// Probability of each label (in order) at the token carrying the answer, read from that
    /// token and its top alternatives; 0 for a label not among them. `None` when the answer
    /// token cannot be found, no label is among the candidates, or a label is a prefix of
    /// another (one token would not tell them apart).
    pub fn distribution(&self, logprobs: &[TokenLogprob]) -> Option<Vec<f64>> {
        let token = answer_token(logprobs)?;
        if self.any_prefix {
            return None;
        }
        let candidates = std::iter::once((token.token.as_str(), token.logprob))
            .chain(token.top.iter().map(|(t, lp)| (t.as_str(), *lp)));
        let mut probs = vec![0.0; self.normalized.len()];
        let mut seen = vec![false; self.normalized.len()];
        for (text, logprob) in candidates {
            let text = normalize(text);
            let Some(i) = self.normalized.iter().position(|w| *w == text) else {
                continue;
            };
            // The same token may be listed twice (chosen and among the alternatives).
            if !seen[i] && logprob.is_finite() {
                probs[i] = logprob.exp().clamp(0.0, 1.0);
                seen[i] = true;
            }
        }
        seen.iter().any(|s| *s).then_some(probs)
    }

    /// [`LabelTokens::distribution`] as `{label: probability}`, leaving out the labels at 0.
    pub fn probabilities(&self, logprobs: &[TokenLogprob]) -> Option<LabelProbs> {
        let probs = self.distribution(logprobs)?;
        // Only the labels listed are copied (most are 0).
        let listed = self.labels.iter().zip(probs).filter(|(_, p)| *p > 0.0);
        Some(LabelProbs::new(listed.map(|(l, p)| (l.clone(), p))))
    }
}

/// [`label_distribution`] as `{label: probability}`, leaving out the labels at 0 (not among
/// the server's alternatives), so a results line stays short.
pub fn label_probabilities(logprobs: &[TokenLogprob], labels: &[String]) -> Option<LabelProbs> {
    LabelTokens::new(labels).probabilities(logprobs)
}

/// The tokens up to and including the one carrying the answer: all that
/// [`label_confidence`] and [`label_distribution`] read, so all an answer cache needs to keep
/// to give the same numbers later, for any label set. Empty when there is no answer token.
pub fn answer_logprobs(logprobs: &[TokenLogprob]) -> &[TokenLogprob] {
    answer_index(logprobs).map_or(&[], |i| &logprobs[..=i])
}

/// The token carrying the start of the answer.
fn answer_token(logprobs: &[TokenLogprob]) -> Option<&TokenLogprob> {
    logprobs.get(answer_index(logprobs)?)
}

/// Where in `logprobs` the token carrying the start of the answer is.
fn answer_index(logprobs: &[TokenLogprob]) -> Option<usize> {
    let first = logprobs.iter().position(|t| !t.token.trim().is_empty())?;
    if !logprobs[first].token.trim_start().starts_with('{') {
        return Some(first);
    }
    // JSON: find where the value of "label" starts in the concatenated text.
    let text: String = logprobs.iter().map(|t| t.token.as_str()).collect();
    let value_start = label_value_start(&text)?;
    let mut offset = 0;
    for (i, t) in logprobs.iter().enumerate() {
        let end = offset + t.token.len();
        // The token that contains the first character of the value; a token made only of the
        // value's opening quote is skipped.
        if end > value_start && !normalize(&t.token).is_empty() {
            return Some(i);
        }
        offset = end;
    }
    None
}

/// Byte offset just after `"label"`, the colon and the opening quote of the value.
fn label_value_start(text: &str) -> Option<usize> {
    let key = text.find("\"label\"")? + "\"label\"".len();
    let rest = &text[key..];
    let colon = rest.find(':')?;
    if !rest[..colon].trim().is_empty() {
        return None;
    }
    let after_colon = &rest[colon + 1..];
    let quote = after_colon.find('"')?;
    if !after_colon[..quote].trim().is_empty() {
        return None;
    }
    Some(key + colon + 1 + quote + 1)
}

/// Trimmed, quotes stripped, lowercase; allocates only when there is something to lowercase
/// (digit labels never do: this runs for every label of every answer).
fn normalize(s: &str) -> Cow<'_, str> {
    let s = s.trim().trim_matches(['"', '\'']).trim();
    if s.chars()
        .any(|c| !c.is_lowercase() && c.to_lowercase().ne(std::iter::once(c)))
    {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(pieces: &[(&str, f64)]) -> Vec<TokenLogprob> {
        pieces
            .iter()
            .map(|(t, lp)| TokenLogprob {
                token: (*t).to_owned(),
                logprob: *lp,
                top: vec![],
            })
            .collect()
    }

    #[test]
    fn confidence_table() {
        let labels: Vec<String> = ["cat", "dog", "bird", "catfish"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let half = 0.5f64.ln();
        let cases: &[(&[(&str, f64)], &str, Option<f64>)] = &[
            // free output: first non-whitespace token
            (&[("dog", half), (".", -0.1)], "dog", Some(0.5)),
            (&[(" ", -0.1), (" Dog", half)], "dog", Some(0.5)),
            (&[("The", -0.1), (" dog", half)], "dog", None),
            (&[("bi", half), ("rd", -0.1)], "bird", None),
            (&[("dog", half)], "bird", None),
            // prefix of another label: ambiguous
            (&[("cat", half)], "cat", None),
            // constrained output
            (
                &[
                    ("{\"", -0.01),
                    ("label", -0.01),
                    ("\":\"", -0.01),
                    ("dog", half),
                    ("\"}", -0.01),
                ],
                "dog",
                Some(0.5),
            ),
            (
                &[
                    ("{", -0.01),
                    ("\"label\"", -0.01),
                    (": ", -0.01),
                    ("\"dog", half),
                    ("\"}", -0.01),
                ],
                "dog",
                Some(0.5),
            ),
            (
                &[
                    ("{\"", -0.01),
                    ("label", -0.01),
                    ("\":", -0.01),
                    (" \"", -0.01),
                    ("dog", half),
                    ("\"}", 0.0),
                ],
                "dog",
                Some(0.5),
            ),
            (
                &[
                    ("{\"", -0.01),
                    ("label", -0.01),
                    ("\":\"", -0.01),
                    ("bi", half),
                    ("rd", -0.1),
                ],
                "bird",
                None,
            ),
            // label text inside the key must not be mistaken for the value
            (
                &[
                    ("{\"", -0.01),
                    ("label", -0.01),
                    ("\":\"", -0.01),
                    ("dog", half),
                ],
                "label",
                None,
            ),
            // JSON without a label key
            (
                &[
                    ("{\"", -0.01),
                    ("answer", -0.01),
                    ("\":\"", -0.01),
                    ("dog", half),
                ],
                "dog",
                None,
            ),
            (&[], "dog", None),
            (&[("dog", f64::NEG_INFINITY)], "dog", None),
        ];
        for (pieces, label, want) in cases {
            let got = label_confidence(&toks(pieces), label, &labels);
            match (got, want) {
                (Some(g), Some(w)) => {
                    assert!((g - w).abs() < 1e-9, "{pieces:?} {label}: {g} != {w}")
                }
                _ => assert_eq!(got, *want, "{pieces:?} {label}"),
            }
        }
    }

    #[test]
    fn distribution_reads_the_answer_token_and_its_alternatives() {
        let labels: Vec<String> = ["3", "8", "5"].map(String::from).to_vec();
        let answer = TokenLogprob {
            token: "3".into(),
            logprob: 0.6f64.ln(),
            top: vec![
                ("3".into(), 0.6f64.ln()),
                ("8".into(), 0.3f64.ln()),
                ("x".into(), -1.0),
            ],
        };
        let got = label_distribution(std::slice::from_ref(&answer), &labels).unwrap();
        let want = [0.6, 0.3, 0.0];
        assert!(
            got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-9),
            "{got:?}"
        );
        let unknown = TokenLogprob {
            token: "blank".into(),
            logprob: -0.1,
            top: vec![],
        };
        assert_eq!(label_distribution(&[unknown], &labels), None);
        let prefixes: Vec<String> = ["1", "10"].map(String::from).to_vec();
        assert_eq!(label_distribution(&[answer], &prefixes), None);
        assert_eq!(label_distribution(&[], &labels), None);
    }

    #[test]
    fn the_answer_prefix_gives_the_same_numbers_and_probabilities_leave_out_zeros() {
        let labels: Vec<String> = ["1", "2", "3"].map(String::from).to_vec();
        let mut tokens = toks(&[("{\"", -0.01), ("label", -0.01), ("\":\"", -0.01)]);
        tokens.push(TokenLogprob {
            token: "2".into(),
            logprob: 0.7f64.ln(),
            top: vec![("2".into(), 0.7f64.ln()), ("3".into(), 0.2f64.ln())],
        });
        tokens.extend(toks(&[("\"}", -0.01)]));
        let kept = answer_logprobs(&tokens);
        assert_eq!(kept.len(), 4);
        assert_eq!(
            label_distribution(kept, &labels),
            label_distribution(&tokens, &labels)
        );
        assert_eq!(
            label_confidence(kept, "2", &labels),
            label_confidence(&tokens, "2", &labels)
        );
        let probs = label_probabilities(kept, &labels).unwrap();
        assert_eq!(probs.iter().map(|(l, _)| l).collect::<Vec<_>>(), ["2", "3"]);
        assert!((probs.get("2") - 0.7).abs() < 1e-9 && (probs.get("3") - 0.2).abs() < 1e-9);
        assert!(answer_logprobs(&toks(&[(" ", -0.1)])).is_empty());
    }

    #[test]
    fn normalize_lowercases_only_when_there_is_something_to_lowercase() {
        assert!(matches!(normalize(" '3' "), Cow::Borrowed("3")));
        assert!(matches!(normalize("\"dog\""), Cow::Borrowed("dog")));
        assert_eq!(normalize(" \"Dog\" "), "dog");
        assert_eq!(normalize("ÄRGER"), "ärger");
        assert_eq!(normalize("ǅ"), "ǆ");
    }

    #[test]
    fn value_start_offsets() {
        assert_eq!(label_value_start(r#"{"label":"x"}"#), Some(10));
        assert_eq!(label_value_start(r#"{"label" : "x"}"#), Some(12));
        assert_eq!(label_value_start(r#"{"label":x}"#), None);
        assert_eq!(label_value_start(r#"{"other":"x"}"#), None);
    }
}
