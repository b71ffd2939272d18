//! `<config dir>/config.toml`: defaults for the flags shared by `run` and `tui`, keyed exactly
//! as the flags (`host = "http://..."`, `concurrency = 4`, `image-protocol = "halfblocks"`),
//! plus `hosts = ["URL#N", ...]`, the repeatable `--host` as a list.
//!
//! Every key is checked by clap's own definition of its flag (same names, same value checks),
//! so a new flag is a new key with no code here; a bad key or value is named with the file and
//! line. Only reads the file; never writes it, never reads other environment than
//! `SQUINT_CONFIG_DIR` (through `paths`), and never decides precedence (see `args::fill_from`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{ArgAction, CommandFactory, Parser};
use toml::{Spanned, Value};

use super::args::TuiArgs;
use crate::domain::toml_line::{describe, line_hint};

/// The config file's name inside the config dir.
pub(crate) const FILE_NAME: &str = "config.toml";

/// Flags that name one run rather than a default: never taken from the file.
const PER_RUN_FLAGS: [&str; 7] = [
    "out",
    "resume",
    "from",
    "only",
    "retry-failed",
    "with-corrections",
    "corrections-from",
];

/// The file's keys parsed as the workbench's flags (the superset of the shared flags).
#[derive(Debug, Parser)]
#[command(name = "config.toml", no_binary_name = true)]
struct ConfigFlags {
    #[command(flatten)]
    tui: TuiArgs,
}

/// Where the config file is (it may not exist).
pub(crate) fn path() -> Result<PathBuf, String> {
    crate::paths::config_dir()
        .map(|dir| dir.join(FILE_NAME))
        .map_err(|e| e.to_string())
}

/// The defaults from the config file, or `None` when there is none. Every problem is an
/// error naming the file (and the line, where there is one).
pub(crate) fn load() -> Result<Option<TuiArgs>, String> {
    let path = match path() {
        Ok(path) => path,
        // Without a home the file cannot exist; other commands report the missing folder.
        Err(_) => return Ok(None),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read config {}: {e}", path.display())),
    };
    parse(&text, &path).map(Some)
}

/// The key holding several servers: the repeatable `--host` as a list.
const HOSTS_KEY: &str = "hosts";

/// The keys the file may hold: every long flag of the workbench except the per-run ones, and
/// `hosts`.
pub(crate) fn keys() -> Vec<String> {
    ConfigFlags::command()
        .get_arguments()
        .filter_map(|arg| arg.get_long())
        .filter(|long| !PER_RUN_FLAGS.contains(long))
        .map(str::to_owned)
        .chain([HOSTS_KEY.to_owned()])
        .collect()
}

/// Parses the file's text; `path` only names it in messages.
pub(crate) fn parse(text: &str, path: &Path) -> Result<TuiArgs, String> {
    let origin = format!("config {}", path.display());
    let table: BTreeMap<Spanned<String>, Spanned<Value>> =
        toml::from_str(text).map_err(|e| format!("{origin}: {}", describe(text, &e)))?;
    let command = ConfigFlags::command();
    let known = keys();
    let mut argv: Vec<String> = Vec::new();
    for (key, value) in &table {
        let here = format!(
            "{origin}: key `{}`{}",
            key.get_ref(),
            line_hint(text, Some(key.span()))
        );
        let flag = match key.get_ref().as_str() {
            HOSTS_KEY => "host",
            other => other,
        };
        let Some(arg) = command
            .get_arguments()
            .find(|a| a.get_long() == Some(flag))
            .filter(|_| known.contains(key.get_ref()))
        else {
            return Err(format!(
                "{here}: unknown key (known: {}; `--out`, `--resume`, `--from`, `--only`, `--with-corrections`, `--corrections-from` and `--retry-failed` name one run and stay flags)",
                known.join(", ")
            ));
        };
        let is_switch = matches!(arg.get_action(), ArgAction::SetTrue);
        let tokens = match key.get_ref().as_str() {
            HOSTS_KEY => host_list_tokens(value.get_ref()),
            _ => flag_tokens(key.get_ref(), value.get_ref(), is_switch),
        }
        .map_err(|problem| format!("{here}: {problem}"))?;
        // Each key alone first, so a rejected value is named with its line.
        ConfigFlags::try_parse_from(&tokens).map_err(|e| format!("{here}: {}", clap_reason(&e)))?;
        argv.extend(tokens);
    }
    ConfigFlags::try_parse_from(&argv)
        .map(|flags| flags.tui)
        .map_err(|e| format!("{origin}: {}", clap_reason(&e)))
}

/// The command-line tokens a key stands for: `--key value`, `--key` for a switch set to
/// true, nothing for one set to false.
fn flag_tokens(key: &str, value: &Value, is_switch: bool) -> Result<Vec<String>, String> {
    let flag = format!("--{key}");
    match (value, is_switch) {
        (Value::Boolean(true), true) => Ok(vec![flag]),
        (Value::Boolean(false), true) => Ok(Vec::new()),
        (_, true) => Err(format!("must be true or false, not {}", value.type_str())),
        (Value::String(text), false) => Ok(vec![flag, text.clone()]),
        (Value::Integer(n), false) => Ok(vec![flag, n.to_string()]),
        (Value::Float(x), false) => Ok(vec![flag, x.to_string()]),
        (other, false) => Err(format!(
            "must be a string or a number, not {}",
            other.type_str()
        )),
    }
}

/// The tokens of `hosts = ["URL#N", ...]`: `--host` once per server.
fn host_list_tokens(value: &Value) -> Result<Vec<String>, String> {
    let Value::Array(items) = value else {
        return Err(format!(
            "must be a list of server URLs (hosts = [\"http://gpu1:11434#4\", \"http://gpu2:11434\"]), not {}",
            value.type_str()
        ));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(url) => Ok(["--host".to_owned(), url.clone()]),
            other => Err(format!(
                "each server must be a URL in quotes, not {}",
                other.type_str()
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|pairs| pairs.concat())
}

/// The first line of clap's message, without its `error: ` prefix.
fn clap_reason(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let first = rendered.lines().next().unwrap_or("invalid value");
    first.strip_prefix("error: ").unwrap_or(first).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> TuiArgs {
        match parse(text, Path::new("cfg/config.toml")) {
            Ok(args) => args,
            Err(e) => panic!("{text:?} should parse: {e}"),
        }
    }

    fn parse_err(text: &str) -> String {
        match parse(text, Path::new("cfg/config.toml")) {
            Ok(args) => panic!("{text:?} should fail, got {args:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn every_shared_flag_is_a_key() {
        let text = r#"
host = "http://gpu:11434"
hosts = ["http://gpu2:11434#2"]
backend = "openai"
api-key-env = "MY_KEY"
model = "qwen2.5vl"
concurrency = 4
timeout = 30
retries = 5
dataset = "data/mnist"
layout = "prefix"
template = "digits"
limit-per-class = 10
sample = 100
seed = 7
no-cache = true
max-side = 512
logprobs = true
max-answer-bytes = 4096
theme = "light"
image-protocol = "halfblocks"
no-mouse = true
order = "dataset"
until-ci = 0.05
"#;
        let args = parse_ok(text);
        let run = &args.run;
        assert_eq!(run.server.host, ["http://gpu:11434", "http://gpu2:11434#2"]);
        assert_eq!(
            run.server.backend,
            Some(crate::backend::BackendKind::Openai)
        );
        assert_eq!(run.server.api_key_env.as_deref(), Some("MY_KEY"));
        assert_eq!(run.model.as_deref(), Some("qwen2.5vl"));
        assert_eq!(run.concurrency, Some(4));
        assert_eq!(run.timeout, Some(30));
        assert_eq!(run.retries, Some(5));
        assert_eq!(run.dataset.as_deref(), Some(Path::new("data/mnist")));
        assert_eq!(run.layout, Some(crate::dataset::Layout::Prefix));
        assert_eq!(run.template.as_deref(), Some("digits"));
        assert_eq!(
            (run.limit_per_class, run.sample, run.seed),
            (Some(10), Some(100), Some(7))
        );
        assert!(run.no_cache && run.logprobs && args.no_mouse);
        assert_eq!(
            (run.max_side, run.max_answer_bytes),
            (Some(512), Some(4096))
        );
        assert_eq!(args.theme.as_deref(), Some("light"));
        assert_eq!(
            args.image_protocol,
            Some(crate::tui::preview::ImageProtocolChoice::Halfblocks)
        );
        // Every key the file accepts appears in the example above (`modelfile` excludes
        // `template`: `conflicting_keys_name_the_file` uses it).
        for key in keys().iter().filter(|k| *k != "modelfile") {
            assert!(text.contains(&format!("\n{key} = ")), "key {key} untested");
        }
    }

    #[test]
    fn false_switches_and_an_empty_file_set_nothing() {
        let args = parse_ok("no-cache = false\n# a comment\n");
        assert!(!args.run.no_cache);
        assert!(parse_ok("").run.model.is_none());
    }

    #[test]
    fn bad_keys_and_values_name_file_and_line() {
        let cases = [
            (
                "model = \"llava\"\nhots = \"x\"\n",
                "line 2: `hots = \"x\"`",
                "unknown key",
            ),
            (
                "\n\nconcurrency = 300\n",
                "line 3: `concurrency = 300`",
                "300 is not in 1..=256",
            ),
            ("backend = \"grpc\"\n", "line 1", "invalid value 'grpc'"),
            ("timeout = \"soon\"\n", "line 1", "invalid digit"),
            ("no-cache = \"yes\"\n", "line 1", "must be true or false"),
            (
                "model = [1]\n",
                "line 1",
                "must be a string or a number, not array",
            ),
            ("resume = \"s\"\n", "line 1", "name one run"),
            ("model = \n", "line 1", "config cfg/config.toml"),
            ("[server]\nhost = \"x\"\n", "line 1", "unknown key"),
        ];
        for (text, at, what) in cases {
            let e = parse_err(text);
            assert!(e.contains("config cfg/config.toml"), "{e}");
            assert!(e.contains(at), "{text:?}: {e}");
            assert!(e.contains(what), "{text:?}: {e}");
        }
    }

    #[test]
    fn conflicting_keys_name_the_file() {
        let e = parse_err("template = \"digits\"\nmodelfile = \"Modelfile\"\n");
        assert!(
            e.contains("config cfg/config.toml") && e.contains("cannot be used with"),
            "{e}"
        );
    }

    #[test]
    fn hosts_is_the_repeated_host_flag_as_a_list() {
        let args = parse_ok("hosts = [\"http://gpu1:11434#4\", \"http://gpu2:11434\"]\n");
        assert_eq!(
            args.run.server.host,
            ["http://gpu1:11434#4", "http://gpu2:11434"]
        );
        let error = parse_err("\nhosts = \"http://gpu1:11434\"\n");
        assert!(
            error.contains("line 2") && error.contains("must be a list of server URLs"),
            "{error}"
        );
        let error = parse_err("hosts = [4]\n");
        assert!(error.contains("a URL in quotes"), "{error}");
    }
}
