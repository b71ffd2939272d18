//! One answer's probability per label, as `results.jsonl` writes it (`{label: probability}`)
//! and as memory holds it: a short sorted list, not a map per item, so a million results with
//! probabilities stay small. Plain data; never reads logprobs itself (that is the backend's).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Labels with a probability above 0, sorted by label; a label absent has probability 0.
/// A boxed slice (two words, one allocation), not a map per item.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelProbs(Box<[(String, f64)]>);

impl LabelProbs {
    /// The probabilities of `pairs`, leaving out those at or below 0 (and any not finite).
    pub fn new(pairs: impl IntoIterator<Item = (String, f64)>) -> LabelProbs {
        let sorted: BTreeMap<String, f64> = pairs
            .into_iter()
            .filter(|(_, p)| p.is_finite() && *p > 0.0)
            .collect();
        LabelProbs(sorted.into_iter().collect())
    }

    /// The probability of `label`: 0 when it is not listed.
    pub fn get(&self, label: &str) -> f64 {
        self.0
            .binary_search_by(|(l, _)| l.as_str().cmp(label))
            .map_or(0.0, |i| self.0[i].1)
    }

    /// The listed labels and their probabilities, sorted by label.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(l, p)| (l.as_str(), *p))
    }
}

impl Serialize for LabelProbs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(l, p)| (l, p)))
    }
}

impl<'de> Deserialize<'de> for LabelProbs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        BTreeMap::<String, f64>::deserialize(d).map(LabelProbs::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_a_json_object_and_absent_labels_are_zero() {
        let p = LabelProbs::new([
            ("8".to_owned(), 0.1),
            ("3".to_owned(), 0.8),
            ("5".to_owned(), 0.0),
        ]);
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"3":0.8,"8":0.1}"#);
        assert_eq!((p.get("3"), p.get("8"), p.get("5")), (0.8, 0.1, 0.0));
        let back: LabelProbs = serde_json::from_str(r#"{"8":0.1,"3":0.8}"#).unwrap();
        assert_eq!(back, p);
        assert_eq!(p.iter().count(), 2);
    }
}
