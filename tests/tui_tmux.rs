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
/// Every true 5 gets this answer (a number word: parsed as "3" by alias).
const WRONG_ANSWER: &str = "three";

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
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &w,
            "-y",
            &h,
            "-c",
            &dir,
            "sh",
            "-c",
            script,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            text(&out.stderr)
        );
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
        text(
            &self
                .run(&["display-message", "-p", "-t", "e2e", &fmt])
                .stdout,
        )
        .trim()
        .to_owned()
    }

    /// Sends tmux key names (`Enter`, `Escape`, `j`...) in order.
    fn keys(&self, keys: &[&str]) {
        let out = self.run(&[&["send-keys", "-t", "e2e"], keys].concat());
        assert!(
            out.status.success(),
            "send-keys {keys:?}: {}",
            text(&out.stderr)
        );
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
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "tmux is required for the TUI end-to-end test: install tmux (apt-get install tmux)"
    );
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

/// Every digit answered correctly, except true 5s answered "three" and the first 7 unparseable.
fn fake_answers(images: &[(PathBuf, String)]) -> HashMap<String, String> {
    let mut first_seven = true;
    let mut answers = HashMap::new();
    for (path, truth) in images {
        let answer = match truth.as_str() {
            "5" => WRONG_ANSWER.to_owned(),
            "7" if std::mem::take(&mut first_seven) => UNPARSEABLE.to_owned(),
            t => t.to_owned(),
        };
        answers.insert(
            sha256_hex(&std::fs::read(path).expect("read image")),
            answer,
        );
    }
    answers
}

fn fake_server(env: &Env) -> FakeServer {
    FakeServer::start_in_thread(FakeConfig {
        answers: fake_answers(&env.images),
        default_answer: UNPARSEABLE.to_owned(),
        token_delay: Duration::from_millis(2),
        ..FakeConfig::default()
    })
}

/// The cells of matrix row `label` (the text of the first pane on the line starting `│label `).
fn matrix_row(screen: &str, label: &str) -> Vec<String> {
    let line = screen
        .lines()
        .find(|l| l.starts_with(&format!("│{label} ")))
        .unwrap_or_else(|| panic!("no matrix row {label:?} on screen:\n{screen}"));
    let pane = line.split('│').nth(1).unwrap_or_default();
    pane.split_whitespace().skip(1).map(str::to_owned).collect()
}

/// The expected row of true class `c`: 3 correct, except 5 → 3 (all) and 7 → (unparsed) once.
fn expected_row(c: usize) -> Vec<String> {
    let mut cells = [0; 11];
    match c {
        5 => cells[3] = 3,
        7 => (cells[7], cells[10]) = (2, 1),
        _ => cells[c] = 3,
    }
    let mut row: Vec<String> = cells
        .iter()
        .map(|&n| {
            if n == 0 {
                "·".to_owned()
            } else {
                n.to_string()
            }
        })
        .collect();
    row.push("3".to_owned());
    row
}

/// The lines that carry half-block pixels (the preview picture).
fn picture(screen: &str) -> String {
    let lines = screen.lines().filter(|l| l.contains(['▀', '▄']));
    lines.collect::<Vec<_>>().join("\n")
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

/// Presses `q` (and `y` if asked), then checks: exit code 0, UI gone, alternate screen off.
fn quit_and_check_restored(tmux: &mut Tmux, env: &Env) {
    tmux.keys(&["q"]);
    let screen = tmux.wait_until("exit or the quit question", |s| {
        s.contains(" Quit? ") || env.exit_file().exists()
    });
    if screen.contains(" Quit? ") {
        tmux.keys(&["y"]);
    }
    let exit = tmux.wait_file(&env.exit_file());
    assert_eq!(exit.trim(), "EXIT=0", "squint's exit status");
    let screen = tmux.wait_until("the squint UI to be gone", |s| {
        !s.contains(['╭', '╰', '│', '▀', '▄']) && !s.contains("? help")
    });
    assert_eq!(
        tmux.var("alternate_on"),
        "0",
        "alternate screen still on:\n{screen}"
    );
}

#[test]
fn run_drill_page_back_quit_restores_terminal() {
    require_tmux();
    let began = Instant::now();
    let env = Env::new(3);
    let server = fake_server(&env);
    let mut tmux = Tmux::start(160, 48, env.dir.path(), &env.script(&server.url));
    tmux.wait_for("0/30");
    eprintln!("run screen ready after {:?}", began.elapsed());

    tmux.keys(&["r"]);
    let screen = tmux.wait_until("the run to finish", |s| {
        s.contains("30/30") && s.contains("finished")
    });
    eprintln!("run finished after {:?}", began.elapsed());
    for c in 0..10 {
        assert_eq!(
            matrix_row(&screen, &c.to_string()),
            expected_row(c),
            "row {c}:\n{screen}"
        );
    }
    let totals = matrix_row(&screen, "Σ");
    assert_eq!(
        totals,
        ["3", "3", "3", "6", "3", "0", "3", "2", "3", "3", "1", "30"]
    );
    assert!(
        screen.contains("unp 1") && screen.contains("acc 86.7%"),
        "status:\n{screen}"
    );

    // Cursor to the corner (moves clamp), then down to true 5 and right to predicted 3.
    tmux.keys(&[["k"; 12], ["h"; 12]].concat());
    tmux.keys(&[["j"; 6].as_slice(), &["l"; 4]].concat());
    tmux.keys(&["Enter"]);
    let title = "true 5 → predicted 3";
    let fives: Vec<String> = (env.images.iter().filter(|(_, t)| t == "5"))
        .map(|(p, _)| format!("5/{}", p.file_name().unwrap_or_default().to_string_lossy()))
        .collect();
    let first = tmux.wait_until("the drill-down with a half-block preview", |s| {
        s.contains(title) && s.contains(&format!("{} · o:", fives[0])) && !picture(s).is_empty()
    });
    eprintln!("drill-down open after {:?}", began.elapsed());
    for file in &fives {
        assert!(first.contains(file.as_str()), "{file} not listed:\n{first}");
    }
    assert!(
        first.contains("1/3") && first.contains(WRONG_ANSWER),
        "drill:\n{first}"
    );

    tmux.keys(&["j"]);
    let second = tmux.wait_until("the next image's preview", |s| {
        s.contains("2/3")
            && s.contains(&format!("{} · o:", fives[1]))
            && !picture(s).is_empty()
            && picture(s) != picture(&first)
    });
    assert!(
        second.contains(WRONG_ANSWER),
        "raw answer missing:\n{second}"
    );

    tmux.keys(&["Escape"]);
    tmux.wait_until("the matrix again", |s| {
        s.contains("Confusion matrix") && !s.contains(title)
    });
    // The cursor stayed on (5, 3): Enter opens the same cell again.
    tmux.keys(&["Enter"]);
    tmux.wait_for(title);
    tmux.keys(&["Escape"]);
    tmux.wait_for("Confusion matrix");

    quit_and_check_restored(&mut tmux, &env);
    let files = results_files(&env.dir.path().join("data/sessions"));
    assert_eq!(files.len(), 1, "one session expected: {files:?}");
    let results = std::fs::read_to_string(&files[0]).expect("read results.jsonl");
    assert_eq!(results.lines().count(), 30, "results.jsonl lines");
    eprintln!("whole test took {:?}", began.elapsed());
}

#[test]
fn help_overlay_at_80x24_then_quit_restores_terminal() {
    require_tmux();
    let began = Instant::now();
    let env = Env::new(3);
    let server = fake_server(&env);
    let mut tmux = Tmux::start(80, 24, env.dir.path(), &env.script(&server.url));
    tmux.wait_for("0/30");
    tmux.keys(&["?"]);
    let help = tmux.wait_for("Keys · esc closes");
    assert!(help.contains("quit"), "help lists quit:\n{help}");
    tmux.keys(&["Escape"]);
    tmux.wait_until("the help to close", |s| {
        s.contains("0/30") && !s.contains("Keys · esc")
    });
    quit_and_check_restored(&mut tmux, &env);
    eprintln!("80x24 test took {:?}", began.elapsed());
}
