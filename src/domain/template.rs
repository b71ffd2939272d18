//! Prompt templates: the TOML format, placeholder rendering and label/alias resolution.
//! Pure: reading template files from disk happens in the caller.
//!
//! # Template file format (a file-format contract)
//!
//! ```toml
//! name = "mnist-digits"                      # required, not blank
//! description = "Handwritten digits 0-9"     # optional, default ""
//! system = """You are an image classifier. Answer with one of: {labels}."""   # optional
//! prompt = "Which digit is in this image? Answer with just the digit."       # required
//! labels = ["0", "1", "2"]   # optional: when absent, the dataset's labels are used
//! output = "free"            # "free" (default) or "constrained"
//! model = "llava"            # optional; set when imported from a Modelfile FROM
//! [aliases]                  # optional, alias -> label
//! seven = "7"
//! [options]                  # all optional
//! temperature = 0.0
//! seed = 42
//! num_predict = 16           # `max_tokens` is a synonym (an error if both are given and differ)
//! top_k = 1
//! top_p = 0.9
//! num_ctx = 4096
//! ```
//!
//! Unknown keys (top level or in `[options]`) are errors. `system` and `prompt` may use the
//! placeholders `{labels}` (`0, 1, 2`), `{labels_quoted}` (`"0", "1", "2"`) and `{labels_lines}`
//! (one `- label` per line); `{{` and `}}` are literal braces.

mod error;
mod file;
mod placeholders;

pub use error::TemplateError;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::parse::LabelSet;

/// Generation options sent to the backend; `None` means "use the server's default".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct GenOptions {
    /// Sampling temperature; `0.0` makes the run deterministic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Random seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Maximum tokens to generate (OpenAI's `max_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_predict: Option<i64>,
    /// Top-k sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<i64>,
    /// Nucleus sampling threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Context window size (Ollama only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_ctx: Option<i64>,
}

impl GenOptions {
    /// True when the temperature is exactly zero.
    pub fn is_deterministic(&self) -> bool {
        self.temperature == Some(0.0)
    }

    /// Refuses values no server can use, naming the key: `num_predict` below 1 (Ollama's -1
    /// "unlimited" would let an answer run to the timeout) and non-finite numbers.
    pub fn check(&self) -> Result<(), String> {
        if let Some(n) = self.num_predict.filter(|n| *n < 1) {
            return Err(format!(
                "[options] num_predict (or max_tokens) = {n}: it must be at least 1, the most tokens of one answer (e.g. 16)"
            ));
        }
        for (key, value) in [("temperature", self.temperature), ("top_p", self.top_p)] {
            if let Some(v) = value.filter(|v| !v.is_finite()) {
                return Err(format!("[options] {key} = {v}: it must be a finite number"));
            }
        }
        Ok(())
    }

    /// `self` with every unset option taken from `base`.
    pub fn merged_over(&self, base: &GenOptions) -> GenOptions {
        GenOptions {
            temperature: self.temperature.or(base.temperature),
            seed: self.seed.or(base.seed),
            num_predict: self.num_predict.or(base.num_predict),
            top_k: self.top_k.or(base.top_k),
            top_p: self.top_p.or(base.top_p),
            num_ctx: self.num_ctx.or(base.num_ctx),
        }
    }
}

/// How the model is asked to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OutputMode {
    /// Free text, parsed afterwards.
    #[default]
    Free,
    /// A JSON object `{"label": ...}` constrained by a schema.
    Constrained,
}

/// A prompt template as loaded from a TOML file or imported from a Modelfile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Short name, shown in lists and reports.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// System prompt, may contain placeholders.
    pub system: Option<String>,
    /// User prompt sent with each image, may contain placeholders.
    pub prompt: String,
    /// Labels fixed by the template; `None` uses the dataset's labels.
    pub labels: Option<Vec<String>>,
    /// Alias -> label.
    pub aliases: BTreeMap<String, String>,
    /// Generation options.
    pub options: GenOptions,
    /// Free or constrained output.
    pub output: OutputMode,
    /// Model named by an imported Modelfile's `FROM`.
    pub model: Option<String>,
}

/// The system and user prompt with placeholders filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedPrompt {
    /// The filled system prompt, if the template has one.
    pub system: Option<String>,
    /// The filled user prompt.
    pub prompt: String,
}

impl Template {
    /// Fills the placeholders of the system and user prompt with `labels`.
    pub fn render(&self, labels: &[String]) -> Result<RenderedPrompt, TemplateError> {
        self.render_parts(labels, &self.name)
    }

    fn render_parts(
        &self,
        labels: &[String],
        origin: &str,
    ) -> Result<RenderedPrompt, TemplateError> {
        let system = match &self.system {
            Some(text) => Some(placeholders::fill(text, labels, origin, "system prompt")?),
            None => None,
        };
        let prompt = placeholders::fill(&self.prompt, labels, origin, "prompt")?;
        Ok(RenderedPrompt { system, prompt })
    }

    /// The labels of a run: the dataset's, checked against the template's own list if it has one.
    ///
    /// The two lists must be equal as case-insensitive sets; the result is spelled and ordered
    /// as in the dataset. Every alias must map to one of the resulting labels.
    pub fn resolve_labels(&self, dataset_labels: &[String]) -> Result<Vec<String>, TemplateError> {
        let resolved = match &self.labels {
            None if dataset_labels.is_empty() => {
                return Err(TemplateError::NoLabels {
                    origin: self.name.clone(),
                });
            }
            None => dataset_labels.to_vec(),
            // An unlabeled folder: the template's labels are the classes.
            Some(own) if dataset_labels.is_empty() => own.clone(),
            Some(own) => {
                let missing = |from: &[String], of: &[String]| -> Vec<String> {
                    from.iter()
                        .filter(|l| !contains_ci(of, l))
                        .cloned()
                        .collect()
                };
                let missing_in_dataset = missing(own, dataset_labels);
                let missing_in_template = missing(dataset_labels, own);
                if !missing_in_dataset.is_empty() || !missing_in_template.is_empty() {
                    return Err(TemplateError::LabelMismatch {
                        origin: self.name.clone(),
                        template_labels: own.join(", "),
                        dataset_labels: dataset_labels.join(", "),
                        missing_in_dataset: missing_in_dataset.join(", "),
                        missing_in_template: missing_in_template.join(", "),
                    });
                }
                dataset_labels.to_vec()
            }
        };
        self.check_aliases(&resolved, &self.name)?;
        Ok(resolved)
    }

    /// The label set used to parse answers: `labels` plus this template's aliases, with alias
    /// targets respelled as in `labels`. Aliases whose target is not a label are left out.
    pub fn label_set(&self, labels: &[String]) -> LabelSet {
        let aliases: HashMap<String, String> = self
            .aliases
            .iter()
            .filter_map(|(alias, target)| {
                let target = target.to_lowercase();
                let label = labels.iter().find(|l| l.to_lowercase() == target)?;
                Some((alias.clone(), label.clone()))
            })
            .collect();
        LabelSet::new(labels.to_vec(), aliases)
    }

    /// Hex SHA-256 of [`Template::to_toml`]; equal templates have equal fingerprints.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.to_toml().as_bytes()))
    }

    fn check_aliases(&self, labels: &[String], origin: &str) -> Result<(), TemplateError> {
        match self
            .aliases
            .iter()
            .find(|(_, target)| !contains_ci(labels, target))
        {
            Some((alias, target)) => Err(TemplateError::AliasTarget {
                origin: origin.to_owned(),
                alias: alias.clone(),
                target: target.clone(),
                labels: labels.join(", "),
            }),
            None => Ok(()),
        }
    }
}

/// True when `list` holds `item`, ignoring case.
fn contains_ci(list: &[String], item: &str) -> bool {
    let item = item.to_lowercase();
    list.iter().any(|l| l.to_lowercase() == item)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(ToString::to_string).collect()
    }

    fn template(labels: Option<&[&str]>, aliases: &[(&str, &str)]) -> Template {
        Template {
            name: "animals".to_owned(),
            description: String::new(),
            system: Some("Answer with one of: {labels_quoted}.".to_owned()),
            prompt: "What animal is this? {{one word}}".to_owned(),
            labels: labels.map(strings),
            aliases: aliases
                .iter()
                .map(|(a, l)| ((*a).to_owned(), (*l).to_owned()))
                .collect(),
            options: GenOptions::default(),
            output: OutputMode::Free,
            model: None,
        }
    }

    #[test]
    fn render_fills_system_and_prompt() {
        let rendered = template(None, &[]).render(&strings(&["cat", "dog"]));
        let expected = RenderedPrompt {
            system: Some("Answer with one of: \"cat\", \"dog\".".to_owned()),
            prompt: "What animal is this? {one word}".to_owned(),
        };
        assert_eq!(rendered.ok(), Some(expected));
    }

    #[test]
    fn render_error_names_template_and_part() {
        let mut t = template(None, &[]);
        t.system = Some("Pick {classes}".to_owned());
        let message = t.render(&strings(&["a"])).map_err(|e| e.to_string()).err();
        let message = message.unwrap_or_default();
        assert!(
            message.contains("animals") && message.contains("system prompt"),
            "{message}"
        );
        assert!(message.contains("{classes}"), "{message}");
    }

    #[test]
    fn resolve_labels_table() {
        let dataset = strings(&["Cat", "Dog", "Horse"]);
        let ok: &[Option<&[&str]>] = &[
            None,
            Some(&["cat", "dog", "horse"]),
            Some(&["HORSE", "Dog", "cat"]),
        ];
        for labels in ok {
            let got = template(*labels, &[]).resolve_labels(&dataset).ok();
            assert_eq!(got, Some(dataset.clone()), "{labels:?}");
        }
        let bad = template(Some(&["cat", "dog", "cow"]), &[]).resolve_labels(&dataset);
        let message = bad.map_err(|e| e.to_string()).err().unwrap_or_default();
        for needle in [
            "missing from the dataset: [cow]",
            "missing from the template: [Horse]",
            "animals",
        ] {
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
    }

    #[test]
    fn resolve_checks_aliases_and_empty_labels() {
        let dataset = strings(&["cat", "dog"]);
        let t = template(None, &[("kitten", "CAT")]);
        assert_eq!(t.resolve_labels(&dataset).ok(), Some(dataset.clone()));
        let t = template(None, &[("foal", "horse")]);
        assert!(matches!(
            t.resolve_labels(&dataset),
            Err(TemplateError::AliasTarget { .. })
        ));
        assert!(matches!(
            template(None, &[]).resolve_labels(&[]),
            Err(TemplateError::NoLabels { .. })
        ));
    }

    #[test]
    fn label_set_respells_alias_targets_and_drops_unknown_ones() {
        let t = template(None, &[("kitten", "CAT"), ("foal", "horse")]);
        let set = t.label_set(&strings(&["Cat", "Dog"]));
        assert_eq!(set.labels(), strings(&["Cat", "Dog"]).as_slice());
        assert_eq!(set.aliases().get("kitten").map(String::as_str), Some("Cat"));
        assert_eq!(set.aliases().get("foal"), None);
    }

    #[test]
    fn merged_over_prefers_self() {
        let mine = GenOptions {
            temperature: Some(0.0),
            seed: None,
            top_k: Some(1),
            ..Default::default()
        };
        let base = GenOptions {
            temperature: Some(0.8),
            seed: Some(7),
            num_ctx: Some(2048),
            ..Default::default()
        };
        let merged = mine.merged_over(&base);
        let expected = GenOptions {
            temperature: Some(0.0),
            seed: Some(7),
            top_k: Some(1),
            num_ctx: Some(2048),
            ..Default::default()
        };
        assert_eq!(merged, expected);
        assert!(merged.is_deterministic());
        assert!(!base.is_deterministic());
        assert!(!GenOptions::default().is_deterministic());
    }

    #[test]
    fn fingerprint_is_hex_sha256_and_changes_with_content() {
        let a = template(None, &[]);
        let mut b = a.clone();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 64);
        b.prompt.push('!');
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn gen_options_json_omits_unset_fields() {
        let options = GenOptions {
            seed: Some(1),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&options).ok().as_deref(),
            Some(r#"{"seed":1}"#)
        );
        let back: Option<GenOptions> = serde_json::from_str("{}").ok();
        assert_eq!(back, Some(GenOptions::default()));
    }
}
