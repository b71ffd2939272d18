//! A lab for tests of the real `squint` binary: temporary data and config dirs, a small digits
//! dataset with its own template, helpers to read a session and to measure a child's peak
//! memory. Shared by the hardening tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::fake_server::sha256_hex;

pub const MODEL: &str = "llava:7b";

/// A temporary data dir, config dir and dataset for one test.
pub struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    pub fn new() -> Lab {
        Lab {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_squint"));
        cmd.args(args)
            .env("SQUINT_DATA_DIR", self.path("data"))
            .env("SQUINT_CONFIG_DIR", self.path("config"))
            .env_remove("OLLAMA_HOST")
            .env_remove("OPENAI_BASE_URL")
            .env_remove("OPENAI_API_KEY")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run squint")
    }

    /// A folders dataset: `per_class` bundled digit images for each of `classes`, with the
    /// bundled digits template. Returns the dataset path and the images with their truth.
    pub fn digits(&self, classes: &[&str], per_class: usize) -> (String, Vec<(PathBuf, String)>) {
        let root = self.path("digits");
        let mut out = Vec::new();
        for class in classes {
            std::fs::create_dir_all(root.join(class)).expect("mkdir");
            for file in bundled_class(class, per_class) {
                let copy = root.join(class).join(file.file_name().expect("name"));
                std::fs::copy(&file, &copy).expect("copy");
                out.push((copy, (*class).to_owned()));
            }
        }
        // The dataset's own labels (a subset of the digits), deterministic options.
        let template = "name = \"digits-subset\"\nsystem = \"Answer with one of: {labels}.\"\nprompt = \"Which digit is this?\"\n[options]\ntemperature = 0.0\n";
        std::fs::write(root.join("template.toml"), template).expect("template");
        (root.to_string_lossy().into_owned(), out)
    }
}

/// `squint run` against `host` on `dataset` into `out` with the lab's model, plus `extra`.
pub fn run_args<'a>(
    host: &'a str,
    dataset: &'a str,
    out: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        "--host",
        host,
        "--model",
        MODEL,
        "--dataset",
        dataset,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    args
}

/// The bundled digits sample (ten class folders and a template).
pub fn digits_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/digits")
}

/// The first `per_class` images of one class of the bundled digits, in name order.
pub fn bundled_class(class: &str, per_class: usize) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(digits_dir().join(class))
        .expect("bundled class")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files.truncate(per_class);
    files
}

/// The first `per_class` images of each class of the bundled digits, with their labels.
pub fn digit_images(per_class: usize) -> Vec<(PathBuf, String)> {
    (0..10)
        .map(|class| class.to_string())
        .flat_map(|class| {
            bundled_class(&class, per_class)
                .into_iter()
                .map(move |p| (p, class.clone()))
        })
        .collect()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn sha_of(path: &Path) -> String {
    sha256_hex(&std::fs::read(path).expect("read image"))
}

pub fn correct_answers(images: &[(PathBuf, String)]) -> HashMap<String, String> {
    images.iter().map(|(p, t)| (sha_of(p), t.clone())).collect()
}

pub fn results(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("results.jsonl"))
        .expect("results.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid result line"))
        .collect()
}

pub fn wait_for_lines(path: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let count = std::fs::read_to_string(path)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if count >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{} never reached {n} lines", path.display());
}

/// Runs the command to its end and returns its output and its peak resident memory in KiB
/// (`VmHWM`, polled from /proc while it runs; 0 where /proc is not available).
pub fn run_measured(mut cmd: Command) -> (Output, u64) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let (out_pipe, err_pipe) = (child.stdout.take(), child.stderr.take());
    let drain = |pipe: Option<std::process::ChildStdout>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = std::io::Read::read_to_end(&mut p, &mut buf);
            }
            buf
        })
    };
    let out_thread = drain(out_pipe);
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = err_pipe {
            let _ = std::io::Read::read_to_end(&mut p, &mut buf);
        }
        buf
    });
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak = peak.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = Output {
        status,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    };
    (output, peak)
}
