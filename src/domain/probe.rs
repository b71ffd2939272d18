//! The prompt-prior probe's tally: which label the model gives to images that show nothing, per
//! kind of blank image, and (where logprobs are served) each label's average content-free
//! probability. Pure: fed answers already parsed; never talks to a server or formats for one.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::parse::UNPARSED;

/// A kind of image that shows nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Blank {
    /// Every pixel white.
    White,
    /// Every pixel black.
    Black,
    /// Every pixel mid-grey (128).
    Grey,
    /// Every channel of every pixel uniformly random.
    Noise,
}

impl Blank {
    /// All kinds, in the order a probe asks them.
    pub const ALL: [Blank; 4] = [Blank::White, Blank::Black, Blank::Grey, Blank::Noise];

    /// The lowercase name used in reports (`white`, `black`, `grey`, `noise`).
    pub fn name(self) -> &'static str {
        match self {
            Blank::White => "white",
            Blank::Black => "black",
            Blank::Grey => "grey",
            Blank::Noise => "noise",
        }
    }
}

/// Answers to content-free images, as they arrive.
#[derive(Debug, Clone)]
pub struct ProbeTally {
    labels: Vec<String>,
    per_image: BTreeMap<Blank, BTreeMap<String, u64>>,
    answers: u64,
    unparsed: u64,
    errors: u64,
    prior_sum: Vec<f64>,
    prior_n: u64,
}

/// What `squint probe --json` prints. Field names are the contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeReport {
    /// Each label's share of all answers (unparsed ones included in the whole).
    pub labels: BTreeMap<String, f64>,
    /// Per kind of image: how often each label was answered (`(unparsed)` when any).
    pub per_image: BTreeMap<Blank, BTreeMap<String, u64>>,
    /// Answers no label could be read from.
    pub unparsed: u64,
    /// Answers received (parsed or not).
    pub answers: u64,
    /// Requests that failed (not answers).
    pub errors: u64,
    /// Each label's mean content-free probability from logprobs, renormalised over the labels;
    /// absent when the server gave none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_free: Option<BTreeMap<String, f64>>,
}

impl ProbeTally {
    /// An empty tally over `labels`.
    pub fn new(labels: &[String]) -> Self {
        ProbeTally {
            labels: labels.to_vec(),
            per_image: Blank::ALL.iter().map(|b| (*b, BTreeMap::new())).collect(),
            answers: 0,
            unparsed: 0,
            errors: 0,
            prior_sum: vec![0.0; labels.len()],
            prior_n: 0,
        }
    }

    /// Records an answer to a `kind` image: its label, or `None` when unparsed.
    pub fn record(&mut self, kind: Blank, label: Option<&str>) {
        self.answers += 1;
        if label.is_none() {
            self.unparsed += 1;
        }
        let name = label.unwrap_or(UNPARSED).to_owned();
        *self
            .per_image
            .entry(kind)
            .or_default()
            .entry(name)
            .or_default() += 1;
    }

    /// Records a failed request.
    pub fn record_error(&mut self) {
        self.errors += 1;
    }

    /// Adds one answer's probabilities over the labels (in label order).
    pub fn record_distribution(&mut self, probs: &[f64]) {
        if probs.len() != self.labels.len() {
            return;
        }
        for (sum, p) in self.prior_sum.iter_mut().zip(probs) {
            *sum += p;
        }
        self.prior_n += 1;
    }

    /// Answers and errors so far.
    pub fn done(&self) -> u64 {
        self.answers + self.errors
    }

    /// The report.
    pub fn report(&self) -> ProbeReport {
        let count =
            |label: &str| -> u64 { self.per_image.values().filter_map(|m| m.get(label)).sum() };
        let share = |n: u64| {
            if self.answers == 0 {
                0.0
            } else {
                n as f64 / self.answers as f64
            }
        };
        let labels = self
            .labels
            .iter()
            .map(|l| (l.clone(), share(count(l))))
            .collect();
        let total: f64 = self.prior_sum.iter().sum();
        let content_free = (self.prior_n > 0 && total > 0.0).then(|| {
            self.labels
                .iter()
                .zip(&self.prior_sum)
                .map(|(l, s)| (l.clone(), s / total))
                .collect()
        });
        ProbeReport {
            labels,
            per_image: self.per_image.clone(),
            unparsed: self.unparsed,
            answers: self.answers,
            errors: self.errors,
            content_free,
        }
    }
}

/// The report as text: one row per label answered (most first), its share and its count per
/// kind of image, then a verdict against an even spread.
pub fn probe_text(r: &ProbeReport) -> String {
    let mut rows: Vec<(&str, f64)> = r
        .labels
        .iter()
        .filter(|(_, s)| **s > 0.0)
        .map(|(l, s)| (l.as_str(), *s))
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    if r.unparsed > 0 {
        rows.push((UNPARSED, r.unparsed as f64 / r.answers.max(1) as f64));
    }
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .chain([5])
        .max()
        .unwrap_or(5);
    let mut out = format!("{:<width$}  {:>6}", "label", "share");
    for kind in Blank::ALL {
        let _ = write!(out, "  {:>5}", kind.name());
    }
    out.push('\n');
    for (label, share) in &rows {
        let _ = write!(out, "{label:<width$}  {:>5.1}%", share * 100.0);
        for kind in Blank::ALL {
            let n = r
                .per_image
                .get(&kind)
                .and_then(|m| m.get(*label))
                .copied()
                .unwrap_or(0);
            let _ = write!(out, "  {n:>5}");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\n{} answers to content-free images, {} unparsed, {} failed.",
        r.answers, r.unparsed, r.errors
    );
    out.push_str(&verdict(r));
    out.push('\n');
    if let Some(prior) = &r.content_free {
        let mut top: Vec<(&String, &f64)> = prior.iter().filter(|(_, p)| **p > 0.0).collect();
        top.sort_by(|a, b| b.1.total_cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let listed: Vec<String> = top
            .iter()
            .take(5)
            .map(|(l, p)| format!("{l} {:.1}%", *p * 100.0))
            .collect();
        let _ = writeln!(
            out,
            "Content-free probability from logprobs (highest): {}.",
            listed.join(", ")
        );
    }
    out
}

/// One sentence: does the prompt lean toward a label before seeing anything?
fn verdict(r: &ProbeReport) -> String {
    let even = 1.0 / r.labels.len().max(1) as f64;
    let top = r
        .labels
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(a.0)));
    match top {
        Some((label, share)) if r.answers > 0 && *share >= 2.0 * even && *share > 0.2 => format!(
            "The prompt leans toward \"{label}\": {:.0}% of answers to blank and noise images (an even spread would give {:.0}% each).",
            share * 100.0,
            even * 100.0
        ),
        Some(_) if r.answers > 0 => format!(
            "No label stands out: none gets twice an even share ({:.0}%).",
            even * 100.0
        ),
        _ => "No answers: nothing to judge.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        (0..10).map(|d| d.to_string()).collect()
    }

    #[test]
    fn shares_counts_and_json_shape() {
        let mut t = ProbeTally::new(&labels());
        for kind in Blank::ALL {
            for _ in 0..8 {
                t.record(kind, Some("3"));
            }
            t.record(kind, Some("8"));
            t.record(kind, None);
        }
        t.record_error();
        let r = t.report();
        assert_eq!((r.answers, r.unparsed, r.errors), (40, 4, 1));
        assert!((r.labels["3"] - 0.8).abs() < 1e-12);
        assert!((r.labels["8"] - 0.1).abs() < 1e-12);
        assert_eq!(r.labels["0"], 0.0);
        assert_eq!(r.per_image[&Blank::Noise]["3"], 8);
        assert_eq!(r.per_image[&Blank::White][UNPARSED], 1);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["per_image"]["grey"]["8"], 1);
        assert_eq!(v["unparsed"], 4);
        assert!(v.get("content_free").is_none());
        let text = probe_text(&r);
        assert!(
            text.contains("The prompt leans toward \"3\": 80% of answers"),
            "{text}"
        );
        assert!(
            text.starts_with("label        share  white  black   grey  noise\n"),
            "{text}"
        );
        assert!(
            text.contains("\n3            80.0%      8      8      8      8\n"),
            "{text}"
        );
    }

    #[test]
    fn content_free_probabilities_are_averaged_and_renormalised() {
        let labels: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let mut t = ProbeTally::new(&labels);
        t.record_distribution(&[0.6, 0.2]);
        t.record_distribution(&[0.2, 0.0]);
        t.record_distribution(&[1.0]); // wrong length: ignored
        let prior = t.report().content_free.unwrap();
        assert!((prior["a"] - 0.8).abs() < 1e-12 && (prior["b"] - 0.2).abs() < 1e-12);
    }

    #[test]
    fn an_even_spread_is_not_called_biased() {
        let mut t = ProbeTally::new(&labels());
        for d in 0..10 {
            t.record(Blank::Noise, Some(&d.to_string()));
        }
        assert!(probe_text(&t.report()).contains("No label stands out"));
        assert!(probe_text(&ProbeTally::new(&labels()).report()).contains("No answers"));
    }
}
