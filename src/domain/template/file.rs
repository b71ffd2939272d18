//! Reads and writes the template TOML format described in the parent module. Strict: unknown
//! keys are errors. Never touches the filesystem; the caller passes the text and its origin.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{GenOptions, OutputMode, Template, TemplateError, contains_ci};

/// The on-disk shape of a template.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    labels: Option<Vec<String>>,
    #[serde(default)]
    output: OutputMode,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    aliases: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "OptionsFile::is_empty")]
    options: OptionsFile,
}

/// The on-disk `[options]` table: [`GenOptions`] plus the `max_tokens` synonym.
#[derive(Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
struct OptionsFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    num_predict: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_tokens: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    top_k: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    num_ctx: Option<i64>,
}

impl OptionsFile {
    fn is_empty(&self) -> bool {
        *self == OptionsFile::default()
    }

    /// Folds `max_tokens` into `num_predict`; an error message when both are set and differ.
    fn into_options(self) -> Result<GenOptions, String> {
        let num_predict = match (self.num_predict, self.max_tokens) {
            (Some(a), Some(b)) if a != b => {
                return Err(format!(
                    "[options] has num_predict = {a} and max_tokens = {b}; they are synonyms, keep one"
                ));
            }
            (a, b) => a.or(b),
        };
        Ok(GenOptions {
            temperature: self.temperature,
            seed: self.seed,
            num_predict,
            top_k: self.top_k,
            top_p: self.top_p,
            num_ctx: self.num_ctx,
        })
    }
}

impl From<&GenOptions> for OptionsFile {
    fn from(options: &GenOptions) -> Self {
        OptionsFile {
            temperature: options.temperature,
            seed: options.seed,
            num_predict: options.num_predict,
            max_tokens: None,
            top_k: options.top_k,
            top_p: options.top_p,
            num_ctx: options.num_ctx,
        }
    }
}

impl Template {
    /// Parses a template file; `origin` (the file path) is used in error messages.
    ///
    /// Besides TOML syntax and unknown keys, rejects a blank name or prompt, bad placeholders,
    /// blank or duplicate labels and aliases that map to no label.
    pub fn from_toml(text: &str, origin: &str) -> Result<Template, TemplateError> {
        let file: TemplateFile = toml::from_str(text).map_err(|e| {
            let (line, column) = line_column(text, e.span().map_or(0, |span| span.start));
            TemplateError::Toml {
                origin: origin.to_owned(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        let invalid = |message: String| TemplateError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        let options = file.options.into_options().map_err(invalid)?;
        options.check().map_err(invalid)?;
        if file.name.trim().is_empty() {
            return Err(invalid(
                "`name` is blank; give the template a name".to_owned(),
            ));
        }
        if file.prompt.trim().is_empty() {
            return Err(invalid(
                "`prompt` is blank; write the question sent with each image".to_owned(),
            ));
        }
        if let Some(labels) = &file.labels {
            check_labels(labels).map_err(invalid)?;
        }
        let template = Template {
            name: file.name,
            description: file.description,
            system: file.system,
            prompt: file.prompt,
            labels: file.labels,
            aliases: file.aliases,
            options,
            output: file.output,
            model: file.model,
        };
        template.render_parts(&[], origin)?;
        if let Some(labels) = &template.labels {
            template.check_aliases(labels, origin)?;
        }
        Ok(template)
    }

    /// The canonical TOML text of this template; `from_toml` reads it back unchanged.
    pub fn to_toml(&self) -> String {
        let file = TemplateFile {
            name: self.name.clone(),
            description: self.description.clone(),
            model: self.model.clone(),
            system: self.system.clone(),
            prompt: self.prompt.clone(),
            labels: self.labels.clone(),
            output: self.output,
            aliases: self.aliases.clone(),
            options: OptionsFile::from(&self.options),
        };
        // Strings, numbers, arrays and tables always serialise; the fallback is only a safeguard.
        toml::to_string_pretty(&file)
            .unwrap_or_else(|e| format!("# template {} cannot be written: {e}\n", self.name))
    }
}

/// Rejects empty label lists, blank labels and duplicates that differ only in case.
fn check_labels(labels: &[String]) -> Result<(), String> {
    if labels.is_empty() {
        return Err(
            "`labels` is empty; list the labels or remove the key to use the dataset's".to_owned(),
        );
    }
    for (i, label) in labels.iter().enumerate() {
        if label.trim().is_empty() {
            return Err(format!("`labels` entry {} is blank; remove it", i + 1));
        }
        if contains_ci(&labels[..i], label) {
            return Err(format!(
                "`labels` lists \"{label}\" twice (ignoring case); remove one"
            ));
        }
    }
    Ok(())
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
name = "mnist-digits"
description = "Handwritten digits 0-9"
system = """You are an image classifier. Answer with one of: {labels}."""
prompt = "Which digit is in this image? Answer with just the digit."
labels = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
output = "constrained"
[aliases]
seven = "7"
[options]
temperature = 0.0
seed = 42
max_tokens = 16
top_k = 1
top_p = 0.9
num_ctx = 4096
"#;

    fn load(text: &str) -> Result<Template, TemplateError> {
        Template::from_toml(text, "templates/t.toml")
    }

    #[test]
    fn full_template_loads() {
        let t = match load(FULL) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(t.name, "mnist-digits");
        assert_eq!(t.output, OutputMode::Constrained);
        assert_eq!(t.labels.as_ref().map(Vec::len), Some(10));
        assert_eq!(t.aliases.get("seven").map(String::as_str), Some("7"));
        let expected = GenOptions {
            temperature: Some(0.0),
            seed: Some(42),
            num_predict: Some(16),
            top_k: Some(1),
            top_p: Some(0.9),
            num_ctx: Some(4096),
        };
        assert_eq!(t.options, expected);
        assert!(t.options.is_deterministic());
        assert_eq!(t.model, None);
    }

    #[test]
    fn minimal_template_uses_defaults() {
        let t = load("name = \"m\"\nprompt = \"What is it?\"\n").ok();
        let t = t.as_ref();
        assert_eq!(t.map(|t| t.output), Some(OutputMode::Free));
        assert_eq!(t.map(|t| t.options.clone()), Some(GenOptions::default()));
        assert_eq!(t.and_then(|t| t.labels.clone()), None);
        assert_eq!(t.map(|t| t.description.as_str()), Some(""));
    }

    #[test]
    fn round_trips_through_to_toml() {
        let Ok(t) = load(FULL) else {
            panic!("FULL must load")
        };
        let text = t.to_toml();
        let again = load(&text).map_err(|e| e.to_string());
        assert_eq!(again.as_ref().ok(), Some(&t), "{text}\n{again:?}");
        assert_eq!(
            t.fingerprint(),
            again.map(|a| a.fingerprint()).unwrap_or_default()
        );
        assert!(!text.contains("max_tokens"), "{text}");
    }

    #[test]
    fn errors_name_file_key_and_position() {
        let cases: &[(&str, &[&str])] = &[
            (
                "name = \"m\"\nprompt = \"p\"\ncolour = 1\n",
                &["colour", "line 3", "templates/t.toml"],
            ),
            (
                "name = \"m\"\nprompt = \"p\"\n[options]\ntemprature = 0.0\n",
                &["temprature", "line 4"],
            ),
            (
                "name = \"m\"\nprompt = \"p\n",
                &["line 2", "templates/t.toml"],
            ),
            ("prompt = \"p\"\n", &["name"]),
            (
                "name = \"m\"\nprompt = \"p\"\n[options]\nnum_predict = 1\nmax_tokens = 2\n",
                &["num_predict", "max_tokens"],
            ),
            (
                "name = \"m\"\nprompt = \"p\"\n[options]\nnum_predict = 0\n",
                &["num_predict", "at least 1"],
            ),
            (
                "name = \"m\"\nprompt = \"p\"\n[options]\nmax_tokens = -1\n",
                &["num_predict", "at least 1"],
            ),
            (
                "name = \"m\"\nprompt = \"p\"\n[options]\ntemperature = nan\n",
                &["temperature", "finite"],
            ),
            (
                "name = \"m\"\nprompt = \"p\"\n[options]\ntop_p = inf\n",
                &["top_p", "finite"],
            ),
            ("name = \" \"\nprompt = \"p\"\n", &["name"]),
            ("name = \"m\"\nprompt = \" \"\n", &["prompt"]),
            (
                "name = \"m\"\nprompt = \"p {label}\"\n",
                &["{label}", "{labels_lines}"],
            ),
            (
                "name = \"m\"\nprompt = \"p\"\nlabels = [\"a\", \"A\"]\n",
                &["twice"],
            ),
            ("name = \"m\"\nprompt = \"p\"\nlabels = []\n", &["empty"]),
            (
                "name = \"m\"\nprompt = \"p\"\nlabels = [\"a\"]\n[aliases]\nx = \"b\"\n",
                &["\"x\"", "\"b\""],
            ),
            (
                "name = \"m\"\nprompt = \"p\"\noutput = \"json\"\n",
                &["json", "line 3"],
            ),
        ];
        for (text, needles) in cases {
            let message = match load(text) {
                Ok(t) => panic!("{text:?} loaded: {t:?}"),
                Err(e) => e.to_string(),
            };
            for needle in *needles {
                assert!(
                    message.contains(needle),
                    "{text:?}: {message:?} lacks {needle:?}"
                );
            }
        }
    }

    #[test]
    fn equal_synonyms_are_accepted() {
        let text = "name = \"m\"\nprompt = \"p\"\n[options]\nnum_predict = 8\nmax_tokens = 8\n";
        let t = load(text).ok();
        assert_eq!(t.and_then(|t| t.options.num_predict), Some(8));
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncdé f", 8), (2, 5));
        assert_eq!(line_column("abc", 0), (1, 1));
        assert_eq!(line_column("abc", 99), (1, 4));
    }
}
