//! Checks an edited prompt template as the user types: parses the TOML, matches its labels to
//! the run's, renders the prompts and runs the bias lint. Pure and cheap (microseconds for a
//! template), so it runs on every keystroke; never reads files.

use super::lint::bias_lint;
use super::template::{OutputMode, RenderedPrompt, Template};

/// An edited template that parses, fits the run's labels and renders.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptCheck {
    /// The parsed template.
    pub template: Template,
    /// The run's labels (spelled as in the dataset).
    pub labels: Vec<String>,
    /// The system and user prompt as the model will get them.
    pub rendered: RenderedPrompt,
    /// Bias-lint warnings.
    pub warnings: Vec<String>,
    /// The template's content hash (as sessions record it).
    pub fingerprint: String,
}

impl PromptCheck {
    /// The generation options as `key = value` pairs, in a fixed order.
    pub fn options(&self) -> Vec<(String, String)> {
        let o = &self.template.options;
        let mut out = Vec::new();
        let mut push = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k.to_owned(), v));
            }
        };
        push("temperature", o.temperature.map(|v| v.to_string()));
        push("seed", o.seed.map(|v| v.to_string()));
        push("num_predict", o.num_predict.map(|v| v.to_string()));
        push("top_k", o.top_k.map(|v| v.to_string()));
        push("top_p", o.top_p.map(|v| v.to_string()));
        push("num_ctx", o.num_ctx.map(|v| v.to_string()));
        out
    }

    /// `free` or `constrained`.
    pub fn output(&self) -> &'static str {
        match self.template.output {
            OutputMode::Free => "free",
            OutputMode::Constrained => "constrained",
        }
    }
}

/// Checks `text` against the run's `labels`; the error says what is wrong and where.
pub fn check_prompt(text: &str, origin: &str, labels: &[String]) -> Result<PromptCheck, String> {
    let template = Template::from_toml(text, origin).map_err(|e| e.to_string())?;
    let labels = template.resolve_labels(labels).map_err(|e| e.to_string())?;
    let rendered = template.render(&labels).map_err(|e| e.to_string())?;
    let warnings = bias_lint(&rendered, &labels)
        .iter()
        .map(|w| w.message())
        .collect();
    Ok(PromptCheck {
        fingerprint: template.fingerprint(),
        template,
        labels,
        rendered,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["cat", "dog"].map(String::from).to_vec()
    }

    #[test]
    fn a_good_template_renders_and_lints() {
        let text = "name = \"pets\"\nsystem = \"Answer with one of: {labels}. For example, respond only with \\\"cat\\\".\"\nprompt = \"Which animal?\"\n[options]\ntemperature = 0.0\n";
        let c = check_prompt(text, "edit", &labels()).unwrap();
        assert_eq!(c.rendered.prompt, "Which animal?");
        assert!(c.rendered.system.as_deref().unwrap().contains("cat, dog"));
        assert_eq!(c.options(), [("temperature".to_owned(), "0".to_owned())]);
        assert_eq!(c.output(), "free");
        assert!(!c.warnings.is_empty(), "the example answer is linted");
        assert_eq!(c.fingerprint, c.template.fingerprint());
    }

    #[test]
    fn errors_say_where() {
        let err =
            check_prompt("name = \"x\"\nprompt = \"unclosed\n", "edit", &labels()).unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        let err =
            check_prompt("name = \"x\"\nprompt = \"{animal}\"\n", "edit", &labels()).unwrap_err();
        assert!(err.contains("unknown placeholder {animal}"), "{err}");
        let err = check_prompt(
            "name = \"x\"\nprompt = \"p\"\nlabels = [\"cat\"]\n",
            "edit",
            &labels(),
        )
        .unwrap_err();
        assert!(err.contains("do not match"), "{err}");
    }
}
