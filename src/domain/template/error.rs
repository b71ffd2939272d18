//! Errors of loading, rendering and resolving prompt templates. Messages name the template
//! and say what to do; this module never formats anything but error text.

/// Why a template could not be loaded, rendered or matched to a dataset.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file is not valid TOML or does not fit the template format.
    #[error(
        "template {origin}: line {line}, column {column}: {message}; fix the file (see the template format in the docs)"
    )]
    Toml {
        /// File the template came from.
        origin: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the TOML parser said.
        message: String,
    },
    /// The file parsed but a value is not allowed.
    #[error("template {origin}: {message}")]
    Invalid {
        /// File the template came from.
        origin: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// `{name}` is not a known placeholder.
    #[error(
        "template {origin}: unknown placeholder {{{placeholder}}} in the {part}; valid placeholders are {valid} (write {{{{ and }}}} for literal braces)"
    )]
    UnknownPlaceholder {
        /// Template name or file.
        origin: String,
        /// "system prompt" or "prompt".
        part: &'static str,
        /// The name between the braces.
        placeholder: String,
        /// The valid placeholders, listed.
        valid: String,
    },
    /// A `{` is not closed on its line.
    #[error(
        "template {origin}: unclosed {{ in the {part} at line {line}; close the placeholder with }} or write {{{{ for a literal brace"
    )]
    Unclosed {
        /// Template name or file.
        origin: String,
        /// "system prompt" or "prompt".
        part: &'static str,
        /// 1-based line within that part.
        line: usize,
    },
    /// The template's labels differ from the dataset's.
    #[error(
        "template {origin}: its labels [{template_labels}] do not match the dataset's [{dataset_labels}] (missing from the dataset: [{missing_in_dataset}]; missing from the template: [{missing_in_template}]); fix `labels` in the template or remove it to use the dataset's labels"
    )]
    LabelMismatch {
        /// Template name.
        origin: String,
        /// The template's labels, comma-separated.
        template_labels: String,
        /// The dataset's labels, comma-separated.
        dataset_labels: String,
        /// Template labels the dataset lacks.
        missing_in_dataset: String,
        /// Dataset labels the template lacks.
        missing_in_template: String,
    },
    /// An alias points at a label that does not exist.
    #[error(
        "template {origin}: alias \"{alias}\" maps to \"{target}\", which is not one of the labels [{labels}]; fix or remove the alias"
    )]
    AliasTarget {
        /// Template name.
        origin: String,
        /// The alias.
        alias: String,
        /// The label it maps to.
        target: String,
        /// The labels, comma-separated.
        labels: String,
    },
    /// Neither the template nor the dataset names any label.
    #[error(
        "template {origin}: there are no labels: the dataset has none and the template has no `labels`; add `labels = [...]` to the template or use a labelled dataset"
    )]
    NoLabels {
        /// Template name.
        origin: String,
    },
}
