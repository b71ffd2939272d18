//! The start screen form (dataset, template, backend, host, model, run size, past sessions,
//! the check before a run) and the dataset browser's selection. Pure data plus small editing
//! helpers; reading directories and asking the server happen in the runtime.

use clap::ValueEnum;

use crate::backend::BackendKind;
use crate::session::SessionSummary;
use crate::setup::{HostChoice, RunSpec};
use crate::tui::msg::{Choice, ModelChoice};

/// A field of the start form, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Dataset folder or manifest (typed with completion, or picked).
    Dataset,
    /// Template name or file (typed, or picked).
    Template,
    /// `ollama` or `openai`.
    Backend,
    /// Server address (typed; empty = default or environment).
    Host,
    /// Model name (typed, or picked from the server's list).
    Model,
    /// Requests in flight (`--concurrency`).
    Concurrency,
    /// At most this many images per class (`--limit-per-class`); empty = all.
    LimitPerClass,
    /// A random sample of this many images (`--sample`); empty = all.
    Sample,
    /// A past session to open read-only.
    Session,
}

impl Field {
    /// Every field in form order.
    pub const ALL: [Field; 9] = [
        Field::Dataset,
        Field::Template,
        Field::Backend,
        Field::Host,
        Field::Model,
        Field::Concurrency,
        Field::LimitPerClass,
        Field::Sample,
        Field::Session,
    ];

    /// The label drawn before the field.
    pub fn label(self) -> &'static str {
        match self {
            Field::Dataset => "Dataset",
            Field::Template => "Template",
            Field::Backend => "Backend",
            Field::Host => "Host",
            Field::Model => "Model",
            Field::Concurrency => "Concurrency",
            Field::LimitPerClass => "Per class",
            Field::Sample => "Sample",
            Field::Session => "Open session",
        }
    }

    /// True when the field takes a file path (Tab completes it).
    pub fn is_path(self) -> bool {
        matches!(self, Field::Dataset | Field::Template)
    }

    /// True when typing edits the field.
    pub fn is_text(self) -> bool {
        !matches!(self, Field::Backend | Field::Session)
    }

    /// True for the whole-number fields (Left/Right step the number).
    pub fn is_number(self) -> bool {
        matches!(
            self,
            Field::Concurrency | Field::LimitPerClass | Field::Sample
        )
    }

    /// The flag a field stands for, for messages.
    pub fn flag(self) -> &'static str {
        match self {
            Field::Dataset => "--dataset",
            Field::Template => "--template",
            Field::Backend => "--backend",
            Field::Host => "--host",
            Field::Model => "--model",
            Field::Concurrency => "--concurrency",
            Field::LimitPerClass => "--limit-per-class",
            Field::Sample => "--sample",
            Field::Session => "--resume",
        }
    }

    /// The smallest and largest value of a number field; `None` for the others.
    fn number_range(self) -> Option<(usize, usize)> {
        match self {
            Field::Concurrency => Some((1, MAX_CONCURRENCY)),
            Field::LimitPerClass | Field::Sample => Some((1, usize::MAX)),
            _ => None,
        }
    }
}

/// The most requests in flight the form accepts (as `--concurrency`).
const MAX_CONCURRENCY: usize = 256;

/// Typed text plus a list of choices that Left/Right cycle through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picker {
    /// The current text (a choice's value once one is picked).
    pub input: String,
    /// What can be picked.
    pub choices: Vec<Choice>,
    /// The picked choice, `None` when the text was typed.
    pub chosen: Option<usize>,
}

impl Picker {
    /// Picks the next (`+1`) or previous (`-1`) choice, wrapping around.
    pub fn cycle(&mut self, delta: isize) {
        let n = self.choices.len();
        if n == 0 {
            return;
        }
        let next = match self.chosen {
            None if delta < 0 => n - 1,
            None => 0,
            Some(i) => (i as isize + delta).rem_euclid(n as isize) as usize,
        };
        self.chosen = Some(next);
        self.input.clone_from(&self.choices[next].value);
    }

    /// Picks the choice whose value equals the current text, if any.
    pub fn sync_chosen(&mut self) {
        self.chosen = self.choices.iter().position(|c| c.value == self.input);
    }
}

/// Whether the server's model list is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ModelsStatus {
    /// Not asked yet.
    #[default]
    Unknown,
    /// Asking.
    Loading,
    /// The server answered.
    Listed(Vec<ModelChoice>),
    /// The server could not be reached: what went wrong and what to do.
    Unreachable(String),
}

/// What the start form's dataset and template would start a run with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RunCheck {
    /// Nothing to check yet (no dataset).
    #[default]
    Unknown,
    /// Being checked.
    Checking,
    /// The warnings (bias lint, skipped files); empty when all is well.
    Warnings(Vec<String>),
    /// Why the run could not start as set.
    Failed(String),
}

/// The start screen form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartForm {
    /// Focused field (index into `Field::ALL`).
    pub focus: usize,
    /// Dataset path.
    pub dataset: Picker,
    /// Template.
    pub template: Picker,
    /// Backend kind (choices `ollama`, `openai`).
    pub backend: Picker,
    /// Host text.
    pub host: String,
    /// Model.
    pub model: Picker,
    /// Requests in flight, as typed.
    pub concurrency: String,
    /// Images per class, as typed; empty = all.
    pub limit_per_class: String,
    /// Sample size, as typed; empty = all.
    pub sample: String,
    /// Past sessions.
    pub sessions: Vec<SessionSummary>,
    /// Selected past session.
    pub session_selected: usize,
    /// Path completion candidates for the dataset field.
    pub completions: Vec<String>,
    /// The server's model list.
    pub models: ModelsStatus,
    /// The cursor in the focused text field, in characters; `None` = after the last one.
    pub cursor: Option<usize>,
    /// The check of the dataset and template below, before a run.
    pub check: RunCheck,
    /// The dataset and template text `check` is about.
    pub checked: (String, String),
}

impl StartForm {
    /// A form filled from the command line's choices.
    pub fn from_spec(spec: &RunSpec) -> StartForm {
        let text = |s: Option<&str>| Picker {
            input: s.unwrap_or_default().to_owned(),
            ..Picker::default()
        };
        let backend_choices = BackendKind::value_variants()
            .iter()
            .map(|&kind| Choice {
                label: kind_name(kind),
                value: kind_name(kind),
            })
            .collect();
        let mut backend = Picker {
            choices: backend_choices,
            ..Picker::default()
        };
        backend.input = kind_name(spec.backend.kind);
        backend.sync_chosen();
        StartForm {
            dataset: text(spec.dataset.as_deref().and_then(|p| p.to_str())),
            template: text(spec.template.as_deref()),
            backend,
            host: host_field(spec),
            model: text(spec.model.as_deref()),
            concurrency: spec.concurrency.to_string(),
            limit_per_class: spec
                .limit_per_class
                .map(|n| n.to_string())
                .unwrap_or_default(),
            sample: spec.sample.map(|n| n.to_string()).unwrap_or_default(),
            ..StartForm::default()
        }
    }

    /// The focused field.
    pub fn field(&self) -> Field {
        Field::ALL[self.focus.min(Field::ALL.len() - 1)]
    }

    /// The text of a text field.
    pub fn text(&self, field: Field) -> Option<&str> {
        match field {
            Field::Dataset => Some(&self.dataset.input),
            Field::Template => Some(&self.template.input),
            Field::Host => Some(&self.host),
            Field::Model => Some(&self.model.input),
            Field::Concurrency => Some(&self.concurrency),
            Field::LimitPerClass => Some(&self.limit_per_class),
            Field::Sample => Some(&self.sample),
            Field::Backend | Field::Session => None,
        }
    }

    /// The text of a text field, mutable.
    pub fn text_mut(&mut self, field: Field) -> Option<&mut String> {
        match field {
            Field::Dataset => Some(&mut self.dataset.input),
            Field::Template => Some(&mut self.template.input),
            Field::Host => Some(&mut self.host),
            Field::Model => Some(&mut self.model.input),
            Field::Concurrency => Some(&mut self.concurrency),
            Field::LimitPerClass => Some(&mut self.limit_per_class),
            Field::Sample => Some(&mut self.sample),
            Field::Backend | Field::Session => None,
        }
    }

    /// A number field's value: `Ok(None)` when empty, an error saying what is allowed when
    /// the text is not a whole number in range.
    pub fn number(&self, field: Field) -> Result<Option<usize>, String> {
        let (Some(text), Some((min, max))) = (self.text(field), field.number_range()) else {
            return Ok(None);
        };
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<usize>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ if max == usize::MAX => Err(format!(
                "{} ({}) must be a whole number from {min} up, or empty for all; it is {text:?}",
                field.label(),
                field.flag()
            )),
            _ => Err(format!(
                "{} ({}) must be a whole number from {min} to {max}; it is {text:?}",
                field.label(),
                field.flag()
            )),
        }
    }

    /// The first number field that does not hold a usable number, with what to type.
    pub fn number_problem(&self) -> Option<String> {
        Field::ALL
            .iter()
            .filter(|f| f.is_number())
            .find_map(|&f| self.number(f).err())
    }

    /// Left/Right on a number field: one down or up, within its range; below the smallest
    /// value a per-class limit or sample becomes empty (all images).
    pub fn step_number(&mut self, field: Field, delta: isize) {
        let Some((min, max)) = field.number_range() else {
            return;
        };
        let current = self.number(field).ok().flatten();
        let next = match current {
            None if delta > 0 => Some(min),
            None => None,
            Some(n) => match n.checked_add_signed(delta) {
                Some(m) if m >= min => Some(m.min(max)),
                _ if field == Field::Concurrency => Some(min),
                _ => None,
            },
        };
        if let Some(text) = self.text_mut(field) {
            *text = next.map(|n| n.to_string()).unwrap_or_default();
        }
    }

    /// Writes the form's choices into `spec`.
    pub fn apply_to(&self, spec: &mut RunSpec) {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        spec.dataset = opt(&self.dataset.input).map(Into::into);
        // A Modelfile is imported as the template, like `--modelfile`.
        match opt(&self.template.input) {
            Some(t) if is_modelfile(&t) => {
                spec.modelfile = Some(t.into());
                spec.template = None;
            }
            template => {
                spec.template = template;
                spec.modelfile = None;
            }
        }
        spec.model = opt(&self.model.input);
        // A bad number keeps what the spec had; `number_problem` reports it before a run.
        if let Ok(Some(n)) = self.number(Field::Concurrency) {
            spec.concurrency = n;
        }
        if let Ok(n) = self.number(Field::LimitPerClass) {
            spec.limit_per_class = n;
        }
        if let Ok(n) = self.number(Field::Sample) {
            spec.sample = n;
        }
        // Several servers are typed space-separated, each `URL` or `URL#N`; a bad `#N` keeps
        // the text as one host, which the connection then names.
        let typed: Vec<String> = self.host.split_whitespace().map(str::to_owned).collect();
        match HostChoice::of(&typed) {
            Ok(choice) => {
                spec.backend.host = choice.first;
                if let Some(slots) = choice.slots {
                    spec.concurrency = slots;
                }
                spec.hosts = choice.several;
            }
            Err(_) => {
                spec.backend.host = opt(&self.host);
                spec.hosts.clear();
            }
        }
        spec.backend.kind =
            BackendKind::from_str(self.backend.input.trim(), true).unwrap_or(BackendKind::Ollama);
    }
}

/// The host field's text: the server, or several space-separated as `URL#N`.
fn host_field(spec: &RunSpec) -> String {
    if spec.hosts.is_empty() {
        return spec.backend.host.clone().unwrap_or_default();
    }
    spec.hosts
        .iter()
        .map(|h| match h.slots {
            Some(n) => format!("{}#{n}", h.url),
            None => h.url.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The protocol's name as the `--backend` flag spells it.
fn kind_name(kind: BackendKind) -> String {
    kind.to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}

/// True for `Modelfile`, `x.Modelfile` or `x.modelfile` paths.
fn is_modelfile(path: &str) -> bool {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .is_some_and(|n| n == "modelfile" || n.ends_with(".modelfile"))
}

/// Selection in the dataset browser: every selected image, grouped by class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrowseState {
    /// Indexes into the prepared items, sorted by class then path (built once per prepare).
    pub order: Vec<usize>,
    /// Selected position in `order`.
    pub selected: usize,
    /// The `/` search over the images' paths.
    pub search: super::search::ListSearch,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picker(values: &[&str]) -> Picker {
        let choices = values
            .iter()
            .map(|v| Choice {
                label: (*v).into(),
                value: (*v).into(),
            })
            .collect();
        Picker {
            choices,
            ..Picker::default()
        }
    }

    #[test]
    fn cycling_wraps_both_ways_and_fills_the_text() {
        let mut p = picker(&["a", "b", "c"]);
        p.cycle(-1);
        assert_eq!((p.chosen, p.input.as_str()), (Some(2), "c"));
        p.cycle(1);
        assert_eq!((p.chosen, p.input.as_str()), (Some(0), "a"));
        let mut empty = picker(&[]);
        empty.cycle(1);
        assert_eq!(empty.chosen, None);
    }

    #[test]
    fn form_round_trips_into_a_spec() {
        let mut form = StartForm::from_spec(&RunSpec::default());
        form.dataset.input = "data/digits".into();
        form.template.input = " mnist ".into();
        form.backend.input = "openai".into();
        let mut spec = RunSpec::default();
        form.apply_to(&mut spec);
        assert_eq!(
            spec.dataset.as_deref(),
            Some(std::path::Path::new("data/digits"))
        );
        assert_eq!(spec.template.as_deref(), Some("mnist"));
        assert_eq!(spec.model, None);
        assert_eq!(spec.backend.kind, BackendKind::Openai);
    }

    #[test]
    fn number_fields_parse_step_and_explain() {
        let mut form = StartForm::from_spec(&RunSpec::default());
        assert_eq!(form.concurrency, "1");
        assert_eq!(form.number(Field::LimitPerClass), Ok(None));
        form.step_number(Field::Concurrency, -1);
        assert_eq!(form.concurrency, "1", "concurrency stays at least 1");
        form.step_number(Field::Concurrency, 1);
        form.step_number(Field::LimitPerClass, 1);
        form.step_number(Field::LimitPerClass, 1);
        assert_eq!(
            (form.concurrency.as_str(), form.limit_per_class.as_str()),
            ("2", "2")
        );
        form.step_number(Field::LimitPerClass, -1);
        form.step_number(Field::LimitPerClass, -1);
        assert_eq!(form.limit_per_class, "", "below 1 means all images");
        form.sample = "50".into();
        let mut spec = RunSpec::default();
        form.apply_to(&mut spec);
        assert_eq!(
            (spec.concurrency, spec.limit_per_class, spec.sample),
            (2, None, Some(50))
        );
        assert_eq!(form.number_problem(), None);
        form.concurrency = "300".into();
        let problem = form.number_problem().unwrap_or_default();
        assert!(
            problem.contains("--concurrency") && problem.contains("1 to 256"),
            "{problem}"
        );
        form.concurrency = "4".into();
        form.sample = "ten".into();
        let problem = form.number_problem().unwrap_or_default();
        assert!(
            problem.contains("Sample (--sample)") && problem.contains("\"ten\""),
            "{problem}"
        );
    }
}
