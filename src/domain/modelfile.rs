//! Imports an Ollama Modelfile (FROM, SYSTEM, PARAMETER) as a prompt template. Pure text parsing.
//! Never reads files, never contacts a server, and never runs the instructions it ignores.
//!
//! Syntax (Ollama's): one instruction per line, case-insensitive (`FROM`, `SYSTEM`, `PARAMETER`,
//! `TEMPLATE`, `ADAPTER`, `LICENSE`, `MESSAGE`, `REQUIRES`, `DRAFT`, `RENDERER`, `PARSER`);
//! `#` starts a comment line. A value is the rest of the line, a `"plain string"`, or a
//! `"""triple-quoted string"""` that may span lines (one newline just inside each end is
//! dropped). `PARAMETER name value` and `MESSAGE role value` take a name before the value.

mod error;
mod value;

pub(crate) use error::ModelfileError;

use super::template::{GenOptions, OutputMode, Template};
use value::{read_value, split_word};

/// The user prompt of an imported Modelfile (Modelfiles only carry a system prompt).
pub(crate) const DEFAULT_PROMPT: &str = "Classify this image.";

/// Ollama parameters that are accepted and ignored (they do not affect a classification run
/// in a way squint records).
const IGNORED_PARAMETERS: &[&str] = &[
    "stop",
    "num_keep",
    "min_p",
    "typical_p",
    "repeat_last_n",
    "repeat_penalty",
    "presence_penalty",
    "frequency_penalty",
    "num_batch",
    "num_gpu",
    "main_gpu",
    "use_mmap",
    "num_thread",
    "penalize_newline",
    "low_vram",
    "f16_kv",
    "logits_all",
    "vocab_only",
    "use_mlock",
    "mirostat",
    "mirostat_tau",
    "mirostat_eta",
    "tfs_z",
    "numa",
];

/// The parts of a Modelfile squint uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Modelfile {
    /// The base model (`FROM`); the last one wins.
    pub from: Option<String>,
    /// The system prompt (`SYSTEM`); the last one wins.
    pub system: Option<String>,
    /// Every `PARAMETER` as (name lowercased, value), in file order.
    pub parameters: Vec<(String, String)>,
    /// The chat template (`TEMPLATE`), kept for display only.
    pub template: Option<String>,
}

/// Parses Modelfile `text`; `origin` (the path) is used in error messages.
pub(crate) fn parse_modelfile(text: &str, origin: &str) -> Result<Modelfile, ModelfileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut modelfile = Modelfile::default();
    let mut lines = text.lines();
    let mut line_no = 0;
    while let Some(line) = lines.next() {
        line_no += 1;
        let start_line = line_no;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (word, rest) = split_word(trimmed);
        let instruction = word.to_ascii_lowercase();
        let missing = |example: String| ModelfileError::MissingValue {
            origin: origin.to_owned(),
            line: start_line,
            instruction: word.to_ascii_uppercase(),
            example,
        };
        let (name, rest) = match instruction.as_str() {
            "parameter" | "message" => {
                let (name, rest) = split_word(rest);
                if rest.is_empty() {
                    return Err(missing(example_line(&instruction)));
                }
                (name.to_ascii_lowercase(), rest)
            }
            "from" | "system" | "template" | "adapter" | "license" | "requires" | "draft"
            | "renderer" | "parser" => (String::new(), rest),
            _ => {
                return Err(ModelfileError::UnknownInstruction {
                    origin: origin.to_owned(),
                    line: start_line,
                    word: word.to_owned(),
                });
            }
        };
        if rest.is_empty() {
            return Err(missing(example_line(&instruction)));
        }
        let value = read_value(rest, &mut lines, &mut line_no, origin)?;
        if instruction == "from" && value.trim().is_empty() {
            return Err(missing(example_line(&instruction)));
        }
        match instruction.as_str() {
            "from" => modelfile.from = Some(value),
            "system" => modelfile.system = Some(value),
            "template" => modelfile.template = Some(value),
            "parameter" => {
                check_parameter(&name, &value, origin, Some(start_line))?;
                modelfile.parameters.push((name, value));
            }
            _ => {}
        }
    }
    if modelfile.from.is_none() {
        return Err(ModelfileError::NoFrom {
            origin: origin.to_owned(),
        });
    }
    Ok(modelfile)
}

impl Modelfile {
    /// A template named `name` with this Modelfile's system prompt, model and options, the
    /// user prompt [`DEFAULT_PROMPT`], no labels of its own and free output.
    pub(crate) fn to_template(&self, name: &str) -> Result<Template, ModelfileError> {
        let mut options = GenOptions::default();
        for (param, value) in &self.parameters {
            check_parameter(param, value, name, None)?;
            let value = value.trim();
            match param.as_str() {
                "temperature" => options.temperature = value.parse().ok(),
                "top_p" => options.top_p = value.parse().ok(),
                "seed" => options.seed = value.parse().ok(),
                "num_predict" => options.num_predict = value.parse().ok(),
                "top_k" => options.top_k = value.parse().ok(),
                "num_ctx" => options.num_ctx = value.parse().ok(),
                _ => {}
            }
        }
        Ok(Template {
            name: name.to_owned(),
            description: format!("Imported from the Ollama Modelfile {name}"),
            system: self.system.clone().filter(|s| !s.trim().is_empty()),
            prompt: DEFAULT_PROMPT.to_owned(),
            labels: None,
            aliases: Default::default(),
            options,
            output: OutputMode::Free,
            model: self.from.clone(),
        })
    }
}

/// Checks that `name` is a known parameter and that mapped numeric ones parse.
fn check_parameter(
    name: &str,
    value: &str,
    origin: &str,
    line: Option<usize>,
) -> Result<(), ModelfileError> {
    let bad = |kind| ModelfileError::BadNumber {
        origin: origin.to_owned(),
        at: line.map(|l| format!(", line {l}")).unwrap_or_default(),
        name: name.to_owned(),
        value: value.to_owned(),
        kind,
    };
    let value = value.trim();
    match name {
        "temperature" | "top_p" => match value.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(()),
            _ => Err(bad("a number")),
        },
        "num_predict" => match value.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(()),
            _ => Err(bad(
                "a whole number of at least 1 (the most tokens of one answer)",
            )),
        },
        "seed" | "top_k" | "num_ctx" => value
            .parse::<i64>()
            .map(|_| ())
            .map_err(|_| bad("a whole number")),
        _ if IGNORED_PARAMETERS.contains(&name) => Ok(()),
        _ => Err(ModelfileError::UnknownParameter {
            origin: origin.to_owned(),
            line: line.unwrap_or(0),
            name: name.to_owned(),
        }),
    }
}

/// A correct line for `instruction` (lowercase), for error messages.
fn example_line(instruction: &str) -> String {
    match instruction {
        "from" => "FROM llava".to_owned(),
        "parameter" => "PARAMETER temperature 0".to_owned(),
        "message" => "MESSAGE user \"hello\"".to_owned(),
        "system" => "SYSTEM \"\"\"You are an image classifier.\"\"\"".to_owned(),
        other => format!("{} <value>", other.to_ascii_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNTHETIC: &str = "FROM llava\n\n# set the temperature\nPARAMETER temperature 0.0\n\n# set the system message\nSYSTEM \"\"\"\nYou classify digits. For example if you see a 3, respond only with \"3\".\n\"\"\"\n";

    fn parse(text: &str) -> Result<Modelfile, ModelfileError> {
        parse_modelfile(text, "x.Modelfile")
    }

    #[test]
    fn parses_the_seed_shape() {
        let parsed = parse(SYNTHETIC).ok();
        let expected = Modelfile {
            from: Some("llava".to_owned()),
            system: Some(
                "You classify digits. For example if you see a 3, respond only with \"3\"."
                    .to_owned(),
            ),
            parameters: vec![("temperature".to_owned(), "0.0".to_owned())],
            template: None,
        };
        assert_eq!(parsed, Some(expected));
    }

    #[test]
    fn value_forms_and_ignored_instructions() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            (
                "from llava:13b\nsystem plain text here",
                Some("llava:13b"),
                Some("plain text here"),
            ),
            (
                "FROM m\nSYSTEM \"\"\"one line\"\"\"",
                Some("m"),
                Some("one line"),
            ),
            ("FROM m\nSYSTEM \"quoted\"", Some("m"), Some("quoted")),
            (
                "FROM m\nSYSTEM \"\"\"a\n\n  b\n\"\"\"\nFROM n",
                Some("n"),
                Some("a\n\n  b"),
            ),
            (
                "FROM m\r\nSYSTEM \"\"\"\r\nwin\r\n\"\"\"\r\n",
                Some("m"),
                Some("win"),
            ),
            (
                "\u{feff}FROM m\nADAPTER ./a.gguf\nLICENSE \"\"\"MIT\nlicense\"\"\"\nMESSAGE user \"\"\"hi\nthere\"\"\"\nREQUIRES 0.5.0",
                Some("m"),
                None,
            ),
            (
                "  # a comment\nFROM m\nTEMPLATE \"\"\"{{ .Prompt }}\"\"\"\nSYSTEM s",
                Some("m"),
                Some("s"),
            ),
        ];
        for (text, from, system) in cases {
            let parsed = parse(text).map_err(|e| e.to_string());
            let parsed = parsed.as_ref();
            assert_eq!(parsed.map(|m| m.from.as_deref()), Ok(*from), "{text:?}");
            assert_eq!(parsed.map(|m| m.system.as_deref()), Ok(*system), "{text:?}");
        }
        let with_template = parse("FROM m\nTEMPLATE \"\"\"{{ .System }}\"\"\"").ok();
        assert_eq!(
            with_template.and_then(|m| m.template),
            Some("{{ .System }}".to_owned())
        );
    }

    #[test]
    fn parameters_become_options() {
        let text = "FROM m\nPARAMETER temperature 0.5\nparameter SEED 42\nPARAMETER num_predict 16\nPARAMETER top_k 1\nPARAMETER top_p 0.9\nPARAMETER num_ctx 4096\nPARAMETER stop \"<|im_end|>\"\nPARAMETER repeat_penalty 1.1\nSYSTEM s";
        let template = parse(text).ok().and_then(|m| m.to_template("chess").ok());
        let Some(t) = template else {
            panic!("must import")
        };
        let expected = GenOptions {
            temperature: Some(0.5),
            seed: Some(42),
            num_predict: Some(16),
            top_k: Some(1),
            top_p: Some(0.9),
            num_ctx: Some(4096),
        };
        assert_eq!(t.options, expected);
        assert_eq!(
            (t.name.as_str(), t.prompt.as_str()),
            ("chess", DEFAULT_PROMPT)
        );
        assert_eq!(
            (t.model.as_deref(), t.system.as_deref()),
            (Some("m"), Some("s"))
        );
        assert_eq!((t.labels, t.output), (None, OutputMode::Free));
    }

    #[test]
    fn errors_name_line_and_what_is_wrong() {
        let cases: &[(&str, &[&str])] = &[
            (
                "FROM m\nPARAMETER temperature hot",
                &["line 2", "temperature", "hot"],
            ),
            (
                "FROM m\n\nPARAMETER top_k 1.5",
                &["line 3", "top_k", "whole number"],
            ),
            ("FROM m\nPARAMETER temprature 0", &["line 2", "temprature"]),
            ("FROM m\nPARAMETER temperature", &["line 2", "PARAMETER"]),
            (
                "FROM m\nSYSTEM \"\"\"never closed\nmore",
                &["line 2", "\"\"\""],
            ),
            ("FROM m\nSYSTEM \"open", &["line 2"]),
            (
                "FROM m\nSYSTEM \"\"\"x\"\"\" y",
                &["line 2", "after the closing"],
            ),
            ("FROM m\nINSTRUCT me", &["line 2", "INSTRUCT"]),
            ("FROM\nSYSTEM s", &["line 1", "FROM llava"]),
            ("", &["no FROM line", "FROM llava"]),
            ("# nothing but a comment\n\n", &["no FROM line"]),
            ("SYSTEM s\nPARAMETER temperature 0", &["no FROM line"]),
            (
                "FROM m\nPARAMETER num_predict 0",
                &["num_predict", "at least 1"],
            ),
            (
                "FROM m\nPARAMETER num_predict -1",
                &["num_predict", "at least 1"],
            ),
        ];
        for (text, needles) in cases {
            let message = match parse(text) {
                Ok(m) => panic!("{text:?} parsed: {m:?}"),
                Err(e) => e.to_string(),
            };
            assert!(message.contains("x.Modelfile"), "{message}");
            for needle in *needles {
                assert!(
                    message.contains(needle),
                    "{text:?}: {message:?} lacks {needle:?}"
                );
            }
        }
    }

    #[test]
    fn to_template_rejects_bad_numbers_built_by_hand() {
        let modelfile = Modelfile {
            parameters: vec![("seed".to_owned(), "x".to_owned())],
            ..Default::default()
        };
        assert!(matches!(
            modelfile.to_template("t"),
            Err(ModelfileError::BadNumber { .. })
        ));
    }

    #[test]
    fn real_seed_modelfiles_import_when_present() {
        let Some(dir) = crate::seed_data::seed_data("ollama-modelfiles") else {
            return;
        };
        let cases = [
            ("mnist-number-classifier", 0.0, "respond only with \"3\"."),
            ("animal-classifier", 0.0, "respond only with \"cat\"."),
            ("chess-classifier", 0.5, "\"ROOK\", \"KNIGHT\"."),
        ];
        for (stem, temperature, needle) in cases {
            let path = dir.join(format!("{stem}.Modelfile"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let template = parse_modelfile(&text, stem).map_err(|e| e.to_string());
            let template = template.and_then(|m| m.to_template(stem).map_err(|e| e.to_string()));
            let Ok(t) = template else {
                panic!("{stem}: {template:?}")
            };
            assert_eq!(t.model.as_deref(), Some("llava"));
            assert_eq!(t.options.temperature, Some(temperature));
            let system = t.system.unwrap_or_default();
            assert!(system.starts_with("You are"), "{stem}: {system:?}");
            assert!(system.ends_with(needle), "{stem}: {system:?}");
        }
    }
}
