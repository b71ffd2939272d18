//! End to end: the real `squint tui` binary in a private tmux server against the project's fake
//! model server, with half-block images. Runs a 30-image digits set to the end, drills into a
//! wrong cell, pages through it, goes back, quits, and checks the terminal was restored.
//! Never touches the user's tmux sessions (own `-L` socket, killed on drop); fails, never
//! skips, when tmux is missing.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::fake_server::{FakeConfig, FakeServer, sha256_hex};

const TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(75);
const UNPARSEABLE: &str = "It looks like a smudge";

/// A tmux server of the test's own, killed (with everything in it) on drop.
struct Tmux {
    socket: String,
    last: String,
}

impl Tmux {
    /// Starts a detached `width`x`height` session running `sh -c script` in `dir`.
    fn start(width: u16, height: u16, dir: &Path, script: &str) -> Tmux {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let socket = format!("squint-e2e-{}-{n}", std::process::id());
        let tmux = Tmux {
            socket,
            last: String::new(),
        };
        let (w, h) = (width.to_string(), height.to_string());
        let dir = dir.to_string_lossy();
        let out = tmux.run(&[
            "-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", &w, "-y", &h, "-c", &dir,
            "-e", "TERM=xterm-256color", "sh", "-c", script,
        ]);
        assert!(out.status.success(), "tmux new-session failed: {}", text(&out.stderr));
        // Keep the pane (and its restored screen) after squint and the shell exit.
        tmux.run(&["set-option", "-g", "remain-on-exit", "on"]);
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is required for this test: install tmux (e.g. apt-get install tmux)")
    }

    /// The visible pane text.
    fn capture(&mut self) -> String {
        self.last = text(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout);
        self.last.clone()
    }

    /// A pane format variable such as `alternate_on` or `pane_dead`.
    fn var(&self, name: &str) -> String {
        let fmt = format!("#{{{name}}}");
        text(&self.run(&["display-message", "-p", "-t", "e2e", &fmt]).stdout)
            .trim()
            .to_owned()
    }

    /// Sends tmux key names (`Enter`, `Escape`, `j`...), one by one.
    fn keys(&self, keys: &[&str]) {
        for key in keys {
            let out = self.run(&["send-keys", "-t", "e2e", key]);
            assert!(out.status.success(), "send-keys {key}: {}", text(&out.stderr));
        }
    }

    /// Polls the screen until `pred` holds; panics with the last screen after `TIMEOUT`.
    fn wait_until(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out after {TIMEOUT:?} waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(POLL);
        }
    }

    /// Polls the screen until it contains `pattern`.
    fn wait_for(&mut self, pattern: &str) -> String {
        self.wait_until(&format!("{pattern:?}"), |s| s.contains(pattern))
    }

    /// Polls until the file exists and returns its contents.
    fn wait_file(&mut self, path: &Path) -> String {
        let start = Instant::now();
        while start.elapsed() < TIMEOUT {
            if let Ok(s) = std::fs::read_to_string(path) {
                if s.ends_with('\n') {
                    return s;
                }
            }
            std::thread::sleep(POLL);
        }
        let screen = self.capture();
        panic!("squint did not exit within {TIMEOUT:?} ({path:?} missing); screen:\n{screen}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- last captured screen ---\n{}", self.last);
        }
        let _ = self.run(&["kill-server"]);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fails (never skips) when tmux is not installed.
fn require_tmux() {
    let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    assert!(ok, "tmux is required for the TUI end-to-end test: install tmux (apt-get install tmux)");
}

/// A temp data dir with a digits dataset of `per_class` images per class.
struct Env {
    dir: tempfile::TempDir,
    images: Vec<(PathBuf, String)>,
}

impl Env {
    fn new(per_class: usize) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/digits");
        let root = dir.path().join("digits");
        let mut images = Vec::new();
        for class in 0..10 {
            let mut files: Vec<PathBuf> = std::fs::read_dir(src.join(class.to_string()))
                .expect("digits class dir")
                .map(|e| e.expect("dir entry").path())
                .collect();
            files.sort();
            let to = root.join(class.to_string());
            std::fs::create_dir_all(&to).expect("mkdir");
            for file in files.into_iter().take(per_class) {
                let dest = to.join(file.file_name().expect("file name"));
                std::fs::copy(&file, &dest).expect("copy image");
                images.push((dest, class.to_string()));
            }
        }
        std::fs::copy(src.join("template.toml"), root.join("template.toml")).expect("template");
        Env { dir, images }
    }

    /// `sh -c` script running `squint tui` on the dataset, writing `EXIT=<code>` when done.
    fn script(&self, url: &str) -> String {
        let d = self.dir.path().display();
        format!(
            "SQUINT_LOG=debug SQUINT_DATA_DIR='{d}/data' SQUINT_CONFIG_DIR='{d}/config' '{bin}' tui \
             --dataset '{d}/digits' --template '{d}/digits/template.toml' --host '{url}' --model llava:7b \
             --image-protocol halfblocks --theme dark; echo EXIT=$? > '{d}/exit'; exec sh",
            bin = env!("CARGO_BIN_EXE_squint"),
        )
    }

    fn exit_file(&self) -> PathBuf {
        self.dir.path().join("exit")
    }
}

impl Drop for Env {
    /// On failure, shows the end of squint's log (it never writes to the screen).
    fn drop(&mut self) {
        let log_dir = self.dir.path().join("data/logs");
        if std::thread::panicking() {
            for entry in std::fs::read_dir(log_dir).into_iter().flatten().flatten() {
                let log = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(30).collect();
                eprintln!("--- {:?} (end) ---", entry.path());
                tail.iter().rev().for_each(|l| eprintln!("{l}"));
            }
        }
    }
}

/// Every digit answered correctly, except true 5s answered "3" and the first 7 unparseable.
fn fake_answers(images: &[(PathBuf, String)]) -> HashMap<String, String> {
    let mut first_seven = true;
    let mut answers = HashMap::new();
    for (path, truth) in images {
        let answer = match truth.as_str() {
            "5" => "3".to_owned(),
            "7" if first_seven => {
                first_seven = false;
                UNPARSEABLE.to_owned()
            }
            t => t.to_owned(),
        };
        answers.insert(sha256_hex(&std::fs::read(path).expect("read image")), answer);
    }
    answers
}

/// All `results.jsonl` files under `dir`.
fn results_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(results_files(&path));
        } else if path.file_name().is_some_and(|n| n == "results.jsonl") {
            found.push(path);
        }
    }
    found
}

/// After squint exited: alternate screen off, UI gone, exit code 0.
fn assert_restored(tmux: &mut Tmux, env: &Env, ui_marker: &str) {
    let exit = tmux.wait_file(&env.exit_file());
    assert_eq!(exit.trim(), "EXIT=0", "squint's exit status");
    let screen = tmux.wait_until("the alternate screen to be gone", |s| !s.contains(ui_marker));
    assert_eq!(tmux.var("alternate_on"), "0", "alternate screen still on:\n{screen}");
}

#[test]
fn run_drill_page_back_quit_restores_terminal() {
    require_tmux();
    let began = Instant::now();
    let env = Env::new(3);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: fake_answers(&env.images),
        default_answer: UNPARSEABLE.to_owned(),
        token_delay: Duration::from_millis(2),
        ..FakeConfig::default()
    });
    let mut tmux = Tmux::start(160, 48, env.dir.path(), &env.script(&server.url));

    let s = tmux.wait_for("0/30");
    eprintln!("{s}");
    tmux.keys(&["r"]);
    let s = tmux.wait_for("30/30");
    eprintln!("{s}");
    eprintln!("run done after {:?}", began.elapsed());
    std::thread::sleep(Duration::from_millis(500));
    eprintln!("{}", tmux.capture());
    tmux.keys(&["k"; 12]);
    tmux.keys(&["h"; 12]);
    tmux.keys(&["j"; 6]);
    tmux.keys(&["l"; 4]);
    std::thread::sleep(Duration::from_millis(300));
    eprintln!("{}", tmux.capture());
    tmux.keys(&["Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    eprintln!("{}", tmux.capture());
    tmux.keys(&["j"]);
    std::thread::sleep(Duration::from_millis(500));
    eprintln!("{}", tmux.capture());
    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(500));
    eprintln!("{}", tmux.capture());
    tmux.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(500));
    eprintln!("{}", tmux.capture());
    assert_restored(&mut tmux, &env, "30/30");
    eprintln!("{}", tmux.capture());
    eprintln!("{:?}", results_files(&env.dir.path().join("data")));
}
