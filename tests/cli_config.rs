//! The real `squint` binary with a `config.toml`: defaults for the shared flags with the
//! precedence file < environment < flag, bad keys named with file and line, `squint config
//! path`, `squint models --json`, shell completions and man pages.

// A failed unwrap here is a failed test with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::fake_server::{FakeConfig, FakeModel, FakeServer};
use support::lab::{Lab, stderr, stdout};

/// The shared lab, with a config file and no `SQUINT_THEME` from the caller's shell.
struct Env {
    lab: Lab,
}

impl Env {
    fn new() -> Env {
        Env { lab: Lab::new() }
    }

    fn write_config(&self, text: &str) -> PathBuf {
        let dir = self.lab.path("config");
        std::fs::create_dir_all(&dir).expect("mkdir config");
        let path = dir.join("config.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.lab.cmd(args);
        cmd.env_remove("SQUINT_THEME");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run squint")
    }
}

/// A fake Ollama serving exactly one vision model called `name`.
fn server_with(name: &str) -> FakeServer {
    FakeServer::start_in_thread(FakeConfig {
        models: vec![FakeModel::new(name, true)],
        default_answer: "3".to_owned(),
        ..FakeConfig::default()
    })
}

/// The model names `squint models --json` printed.
fn listed(o: &Output) -> Vec<String> {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    let json: Value = serde_json::from_str(&stdout(o)).expect("models --json is JSON");
    json.as_array()
        .expect("an array")
        .iter()
        .map(|m| m["name"].as_str().expect("name").to_owned())
        .collect()
}

#[test]
fn host_precedence_is_file_then_env_then_flag() {
    let env = Env::new();
    let (file, var, flag) = (
        server_with("file:1"),
        server_with("env:1"),
        server_with("flag:1"),
    );
    env.write_config(&format!("host = \"{}\"\n", file.url));

    let from_file = env.run(&["models", "--json"]);
    assert_eq!(listed(&from_file), ["file:1"]);

    let from_env = env
        .cmd(&["models", "--json"])
        .env("OLLAMA_HOST", &var.url)
        .output()
        .unwrap();
    assert_eq!(listed(&from_env), ["env:1"], "OLLAMA_HOST beats the file");

    let from_flag = env
        .cmd(&["models", "--json", "--host", &flag.url])
        .env("OLLAMA_HOST", &var.url)
        .output()
        .unwrap();
    assert_eq!(listed(&from_flag), ["flag:1"], "--host beats both");
}

#[test]
fn models_json_lists_name_vision_size_and_digest() {
    let env = Env::new();
    let server = FakeServer::start_in_thread(FakeConfig::default());
    let o = env.run(&["models", "--json", "--host", &server.url]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let models = json.as_array().expect("array");
    assert_eq!(models.len(), 2);
    let llava = models
        .iter()
        .find(|m| m["name"] == "llava:7b")
        .expect("llava");
    assert_eq!(llava["vision"], true);
    assert!(llava["digest"].is_string());
    let text = models
        .iter()
        .find(|m| m["name"] == "llama3.2:3b")
        .expect("llama");
    assert_eq!(text["vision"], false);
}

fn session_backend(out: &Path) -> Value {
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("session.json")).expect("meta"))
            .expect("json");
    meta["backend"].clone()
}

#[test]
fn run_takes_its_defaults_from_the_file_and_flags_win() {
    let env = Env::new();
    let server = server_with("llava:7b");
    let (dataset, _) = env
        .lab
        .digits(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], 1);
    env.write_config(&format!(
        "# squint defaults\nhost = \"{}\"\nmodel = \"llava:7b\"\nconcurrency = 3\ntimeout = 40\nretries = 2\ndataset = \"{}\"\n",
        server.url, dataset
    ));
    let out = env.lab.path("s1");
    let o = env.run(&["run", "--json", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let backend = session_backend(&out);
    assert_eq!(backend["model"], "llava:7b");
    assert_eq!(backend["concurrency"], 3);
    assert_eq!(backend["timeout_s"], 40);
    assert_eq!(backend["retries"], 2);
    assert_eq!(backend["host"], server.url.as_str());

    let out2 = env.lab.path("s2");
    let o = env.run(&[
        "run",
        "--json",
        "--concurrency",
        "1",
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(session_backend(&out2)["concurrency"], 1, "the flag wins");
}

#[test]
fn a_bad_config_names_file_and_line_and_exits_2() {
    let env = Env::new();
    let path = env.write_config("model = \"llava\"\n\nconcurency = 4\n");
    let o = env.run(&["models"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(
        err.contains("line 3") && err.contains("concurency"),
        "{err}"
    );
    assert!(
        err.contains("unknown key") && err.contains("concurrency"),
        "{err}"
    );

    env.write_config("retries = 99\n");
    let err = stderr(&env.run(&["run", "--dataset", "x"]));
    assert!(
        err.contains("line 1") && err.contains("99 is not in 1..=20"),
        "{err}"
    );

    // Commands that take no shared flag never read it.
    let o = env.run(&["config", "path"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), path.display().to_string());
}

#[test]
fn completions_for_every_shell_and_man_pages() {
    let env = Env::new();
    for (shell, marker) in [
        ("bash", "_squint()"),
        ("zsh", "#compdef squint"),
        ("fish", "complete -c squint"),
        ("elvish", "edit:completion:arg-completer[squint]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = env.run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        assert!(script.contains(marker), "{shell}: {marker} missing");
        assert!(script.contains("limit-per-class"), "{shell}: flags missing");
    }
    let page = stdout(&env.run(&["man"]));
    assert!(page.contains(".TH squint 1"), "{page}");
    assert!(page.contains("limit\\-per\\-class") || page.contains("limit-per-class"));
    let dir = env.lab.path("man1");
    let o = env.run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for page in ["squint.1", "squint-run.1", "squint-config.1"] {
        assert!(dir.join(page).is_file(), "{page} not written");
    }
}
