//! End to end: the real `squint tui` binary in a private tmux server against the project's fake
//! model server, with half-block images. Runs a 30-image digits set to the end, drills into a
//! wrong cell, pages through it, goes back, quits, and checks the terminal was restored.
//! Never touches the user's tmux sessions (own `-L` socket, killed on drop); fails, never
//! skips, when tmux is missing.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::fake_server::{FakeConfig, FakeServer, sha256_hex};

const TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(75);
const UNPARSEABLE: &str = "It looks like a smudge";
/// Every true 5 gets this answer (a number word: parsed as "3" by alias).
const WRONG_ANSWER: &str = "three";
/// The finished matrix: true rows, predicted columns 0-9, `unp`, row total; then the totals.
const MATRIX: [&str; 11] = [
    "0 3 · · · · · · · · · · 3",
    "1 · 3 · · · · · · · · · 3",
    "2 · · 3 · · · · · · · · 3",
    "3 · · · 3 · · · · · · · 3",
    "4 · · · · 3 · · · · · · 3",
    "5 · · · 3 · · · · · · · 3",
    "6 · · · · · · 3 · · · · 3",
    "7 · · · · · · · 2 · · 1 3",
    "8 · · · · · · · · 3 · · 3",
    "9 · · · · · · · · · 3 · 3",
    "Σ 3 3 3 6 3 0 3 2 3 3 1 30",
];

/// A tmux server of the test's own (`-L` socket), killed with everything in it on drop.
struct Tmux {
    socket: String,
    socket_path: PathBuf,
    last: String,
}

impl Tmux {
    /// Starts a detached `width`x`height` session running `sh -c script` in `dir`.
    fn start(width: u16, height: u16, dir: &Path, script: &str) -> Tmux {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let socket = format!("squint-e2e-{}-{n}", std::process::id());
        let (socket_path, last) = (PathBuf::new(), String::new());
        let mut tmux = Tmux {
            socket,
            socket_path,
            last,
        };
        let new = format!("-f /dev/null new-session -d -s e2e -x {width} -y {height} -c");
        let dir = dir.to_string_lossy();
        let args: Vec<&str> = new.split(' ').chain([&*dir, "sh", "-c", script]).collect();
        tmux.run(&args);
        // Keep the pane (and its restored screen) even if the shell after squint exits.
        tmux.run(&["set-option", "-g", "remain-on-exit", "on"]);
        let path = tmux.run(&["display-message", "-p", "#{socket_path}"]);
        tmux.socket_path = PathBuf::from(path.trim());
        tmux
    }

    /// Runs a tmux command on this server; panics (with its stderr) if it fails.
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux is required for this test: install tmux (e.g. apt-get install tmux)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "tmux {args:?} failed: {stderr}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The visible pane text.
    fn capture(&mut self) -> String {
        self.last = self.run(&["capture-pane", "-p", "-t", "e2e"]);
        self.last.clone()
    }

    /// Sends tmux key names (`Enter`, `Escape`, `j`...) in order.
    fn keys(&self, keys: &[&str]) {
        self.run(&[&["send-keys", "-t", "e2e"], keys].concat());
    }

    /// Polls (every `POLL`) until `f` gives a value; panics with the screen after `TIMEOUT`.
    fn poll<T>(&mut self, what: &str, mut f: impl FnMut(&mut Tmux) -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(value) = f(self) {
                return value;
            }
            if start.elapsed() > TIMEOUT {
                let screen = self.capture();
                panic!("timed out after {TIMEOUT:?} waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(POLL);
        }
    }

    /// Polls the screen until `pred` holds and returns it.
    fn wait_until(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.poll(what, |t| Some(t.capture()).filter(|s| pred(s)))
    }

    /// Polls the screen until it contains `pattern`.
    fn wait_for(&mut self, pattern: &str) -> String {
        self.wait_until(&format!("{pattern:?}"), |s| s.contains(pattern))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- last captured screen ---\n{}", self.last);
        }
        let kill = ["-L", &self.socket, "kill-server"];
        let _ = Command::new("tmux").args(kill).output();
        let _ = std::fs::remove_file(&self.socket_path); // tmux leaves it behind
    }
}

/// Fails (never skips) when tmux is not installed.
fn require_tmux() {
    let version = Command::new("tmux").arg("-V").output();
    let ok = version.is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "this test needs tmux: install it (e.g. apt-get install tmux)"
    );
}

/// A temp dir holding a digits dataset copy (`digits/`), squint's data and config dirs.
struct Env {
    dir: tempfile::TempDir,
    images: Vec<(PathBuf, String)>,
}

impl Env {
    /// Copies the first `per_class` images of each class of the bundled digits set.
    fn new(per_class: usize) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/digits");
        let root = dir.path().join("digits");
        let mut images = Vec::new();
        for class in 0..10 {
            let (from, to) = (src.join(class.to_string()), root.join(class.to_string()));
            let entries = std::fs::read_dir(from).expect("digits class dir");
            let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            files.sort();
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

    /// `sh -c` script running `squint tui` on the dataset (its own `template.toml` is the
    /// template), then writing `EXIT=<code>` and leaving a shell in the pane.
    fn script(&self, url: &str) -> String {
        self.script_with(url, "--image-protocol halfblocks --theme dark")
    }

    /// `script` with other display flags (none: the defaults, which query the terminal).
    fn script_with(&self, url: &str, flags: &str) -> String {
        let d = self.dir.path().display();
        format!(
            "SQUINT_DATA_DIR='{d}/data' SQUINT_CONFIG_DIR='{d}/config' '{bin}' tui \
             --dataset '{d}/digits' --host '{url}' --model llava:7b {flags}; \
             echo EXIT=$? > '{d}/exit'; exec sh",
            bin = env!("CARGO_BIN_EXE_squint"),
        )
    }

    fn exit_file(&self) -> PathBuf {
        self.dir.path().join("exit")
    }
}

/// A fake model answering every digit right, except true 5s ("three") and one 7 (unparseable).
fn fake_server(env: &Env) -> FakeServer {
    FakeServer::start_in_thread(FakeConfig {
        answers: model_answers(env),
        default_answer: UNPARSEABLE.to_owned(),
        token_delay: Duration::from_millis(2),
        ..FakeConfig::default()
    })
}

/// The answers of `fake_server` by image SHA-256.
fn model_answers(env: &Env) -> HashMap<String, String> {
    let mut first_seven = true;
    let mut answers = HashMap::new();
    for (path, truth) in &env.images {
        let answer = match truth.as_str() {
            "5" => WRONG_ANSWER,
            "7" if std::mem::take(&mut first_seven) => UNPARSEABLE,
            t => t,
        };
        let sha = sha256_hex(&std::fs::read(path).expect("read image"));
        answers.insert(sha, answer.to_owned());
    }
    answers
}

/// Matrix row `label` with single spaces: the first pane of the line starting `│label `.
fn matrix_row(screen: &str, label: &str) -> String {
    let prefix = format!("│{label} ");
    let line = screen.lines().find(|l| l.starts_with(&prefix));
    let line = line.unwrap_or_default();
    let pane = line.split('│').nth(1).unwrap_or_default();
    pane.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The lines that carry half-block pixels (the preview picture).
fn picture(screen: &str) -> String {
    let lines = screen.lines().filter(|l| l.contains(['▀', '▄']));
    lines.collect::<Vec<_>>().join("\n")
}

/// The `results.jsonl` of every session folder under `data/sessions`.
fn results_files(env: &Env) -> Vec<PathBuf> {
    let sessions = std::fs::read_dir(env.dir.path().join("data/sessions")).expect("sessions dir");
    let files = sessions.flatten().map(|e| e.path().join("results.jsonl"));
    files.filter(|f| f.is_file()).collect()
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
    let exit = tmux.poll("squint to exit (the EXIT file)", |_| {
        let exit = std::fs::read_to_string(env.exit_file()).ok();
        exit.filter(|s| s.ends_with('\n'))
    });
    assert_eq!(exit.trim(), "EXIT=0", "squint's exit status");
    let screen = tmux.wait_until("the squint UI to be gone", |s| {
        !s.contains(['╭', '╰', '│', '▀', '▄']) && !s.contains("? help")
    });
    let alternate = tmux.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"]);
    assert_eq!(alternate.trim(), "0", "alternate screen on:\n{screen}");
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
    for row in MATRIX {
        let label = &row[..row.find(' ').unwrap_or_default()];
        assert_eq!(matrix_row(&screen, label), row, "matrix:\n{screen}");
    }
    let status = screen.lines().last().unwrap_or_default();
    assert!(
        status.contains("unp 1 ") && status.contains("acc 87% ± 12"),
        "{status}"
    );

    // Cursor to the corner (moves clamp), then down to true 5 and right to predicted 3.
    tmux.keys(&[["k"; 12], ["h"; 12]].concat());
    tmux.keys(&[["j"; 6].as_slice(), &["l"; 4]].concat());
    tmux.keys(&["Enter"]);
    let title = "true 5 → predicted 3";
    let fives: Vec<String> = (env.images.iter().filter(|(_, t)| t == "5"))
        .map(|(p, _)| format!("5/{}", p.file_name().unwrap_or_default().display()))
        .collect();
    // The whole drill-down, answer pane included: a capture can land mid-paint, with the
    // run screen's picture still below the new title.
    let first = tmux.wait_until("the drill-down with a half-block preview", |s| {
        s.contains(title)
            && s.contains(&format!("{} · o:", fives[0]))
            && !picture(s).is_empty()
            && s.contains("Answer · J/K scroll")
            && !s.contains("Confusion matrix")
    });
    eprintln!("drill-down open after {:?}", began.elapsed());
    for file in &fives {
        assert!(first.contains(file.as_str()), "{file} not listed:\n{first}");
    }
    let one_of_three = first.contains(&format!("{title} · 1/3"));
    assert!(one_of_three && first.contains(WRONG_ANSWER), "{first}");

    tmux.keys(&["j"]);
    let second = tmux.wait_until("the next image's preview", |s| {
        s.contains(&format!("{title} · 2/3"))
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
    let files = results_files(&env);
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
    // Wait for the whole overlay, not just its title: a capture can land mid-paint. However
    // many keys the run screen has, the first is on the first page and the rest are reached
    // by scrolling: everything fits, or the border says how many more there are.
    tmux.wait_until("the help's first page", |s| {
        s.contains("Keys · Esc closes")
            && s.contains("move up")
            && (s.contains("quit immediately") || s.contains(" more · ↑/↓ scroll"))
    });
    tmux.keys(&["End"]);
    tmux.wait_until("the help's last page to list quit", |s| {
        s.contains("Keys · Esc closes") && s.contains("quit immediately") && s.contains("images: ")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_until("the help to close", |s| {
        s.contains("0/30") && !s.contains("Keys · Esc closes")
    });
    quit_and_check_restored(&mut tmux, &env);
    eprintln!("80x24 test took {:?}", began.elapsed());
}

/// The first key after launch with the default `--image-protocol auto` and `--theme auto`
/// (the start-up terminal query round) is never lost: neither one pressed once the screen is
/// up (the query's reader used to linger and swallow it), nor one pressed while the terminal
/// is still being asked (tmux without a client never answers the image query, so the round
/// waits for its whole time-out).
#[test]
fn first_key_after_launch_with_auto_detection_is_not_lost() {
    require_tmux();
    let env = Env::new(1);
    let server = fake_server(&env);
    let mut tmux = Tmux::start(100, 30, env.dir.path(), &env.script_with(&server.url, ""));
    tmux.wait_for("0/10");
    std::thread::sleep(Duration::from_millis(2500)); // longer than the query's time-out
    tmux.keys(&["?"]);
    tmux.wait_for("Keys · Esc closes");
    tmux.keys(&["Escape"]);
    tmux.wait_until("the help to close", |s| !s.contains("Keys · Esc closes"));
    quit_and_check_restored(&mut tmux, &env);

    // A key pressed during the round: `?` follows 300 ms after start, well inside the
    // 2-second wait.
    let env = Env::new(1);
    let mut tmux = Tmux::start(100, 30, env.dir.path(), &env.script_with(&server.url, ""));
    // squint opens its log file just before it enters the terminal and asks it.
    let log = env.dir.path().join("data/logs");
    tmux.poll("squint to start", |_| log.exists().then_some(()));
    std::thread::sleep(Duration::from_millis(300));
    tmux.keys(&["?"]);
    tmux.wait_until("the whole help overlay", |s| {
        s.contains("Keys · Esc closes") && (s.contains("0/10") || s.contains("quit"))
    });
}

/// `Ctrl-C` in the workbench exits 130 and leaves the session folder and the command that
/// continues it in the shell.
#[test]
fn ctrl_c_exits_130_and_says_how_to_continue() {
    require_tmux();
    let env = Env::new(2);
    let server = FakeServer::start_in_thread(FakeConfig {
        default_answer: "three three three".to_owned(),
        token_delay: Duration::from_millis(400),
        ..FakeConfig::default()
    });
    let mut tmux = Tmux::start(120, 30, env.dir.path(), &env.script(&server.url));
    tmux.wait_for("0/20");
    tmux.keys(&["r"]);
    tmux.wait_until("the run to start", |s| s.contains("running"));
    tmux.keys(&["C-c"]);
    let exit = tmux.poll("squint to exit (the EXIT file)", |_| {
        let exit = std::fs::read_to_string(env.exit_file()).ok();
        exit.filter(|s| s.ends_with('\n'))
    });
    assert_eq!(exit.trim(), "EXIT=130", "squint's exit status");
    let screen = tmux.wait_for("continue with: squint run --resume");
    let sessions = env.dir.path().join("data/sessions");
    let session = std::fs::read_dir(&sessions)
        .expect("sessions dir")
        .flatten()
        .next()
        .expect("a session folder")
        .path();
    let joined: String = screen.lines().map(str::trim_end).collect();
    assert!(
        joined.contains(&format!("--resume {}", session.display())),
        "{screen}"
    );
}

/// Run to the end at 80x24, `x`, pick the HTML report: the file is written into the session
/// folder, with the heat map and the wrong images' thumbnails, and the path is shown.
#[test]
fn x_exports_the_report_of_the_finished_run() {
    require_tmux();
    let env = Env::new(3);
    let server = fake_server(&env);
    let mut tmux = Tmux::start(80, 24, env.dir.path(), &env.script(&server.url));
    tmux.wait_for("0/30");
    tmux.keys(&["r"]);
    tmux.wait_until("the run to finish", |s| {
        s.contains("30/30") && s.contains("finished")
    });
    tmux.keys(&["x"]);
    tmux.wait_until("the export menu on html", |s| {
        s.contains("Export the report") && s.contains("› html") && s.contains("report.html")
    });
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("report written to");
    let files = results_files(&env);
    assert_eq!(files.len(), 1, "one session expected: {files:?}");
    let report = files[0].with_file_name("report.html");
    let html = std::fs::read_to_string(&report).expect("report.html in the session folder");
    assert!(html.contains("<svg") && html.contains("Most confused pairs"));
    // The three true 5s answered "three" are the most-confused cell: three thumbnails at least.
    assert!(html.matches("<img src=\"data:image/png;base64,").count() >= 3);
    // The notice shows the whole path, wrapped: join the rows and drop the borders.
    let joined: String = screen
        .lines()
        .flat_map(|l| l.rsplit('│').nth(1))
        .collect::<Vec<_>>()
        .join("");
    let joined: String = joined.split_whitespace().collect();
    let session = files[0]
        .parent()
        .and_then(|p| p.file_name())
        .unwrap_or_default();
    let written = format!("{}/report.html", session.to_string_lossy());
    assert!(joined.contains(&written), "{written} not in:\n{screen}");
    quit_and_check_restored(&mut tmux, &env);
}

/// The prompt-iteration loop in a real terminal: run, `E` hands the template to a real vim
/// (the workbench leaves the screen and takes it back), the edit comes back into the prompt
/// editor, `Ctrl-S` saves it, `w` re-runs only the wrong ones, and the accuracy goes up.
#[test]
fn edit_the_prompt_in_vim_save_and_rerun_the_wrong_ones() {
    require_tmux();
    let vim = Command::new("vim").arg("--version").output();
    assert!(
        vim.is_ok_and(|o| o.status.success()),
        "this test needs vim: install it (e.g. apt-get install vim)"
    );
    let env = Env::new(3);
    // With "Look closely" in the prompt, the model gets every image right.
    let all_right: HashMap<String, String> = env
        .images
        .iter()
        .map(|(p, t)| (sha256_hex(&std::fs::read(p).expect("image")), t.clone()))
        .collect();
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: model_answers(&env),
        default_answer: UNPARSEABLE.to_owned(),
        token_delay: Duration::from_millis(2),
        prompt_answers: vec![("Look closely".to_owned(), all_right)],
        ..FakeConfig::default()
    });
    let script = format!("VISUAL='vim -u NONE -N -n' {}", env.script(&server.url));
    let mut tmux = Tmux::start(120, 36, env.dir.path(), &script);
    tmux.wait_for("0/30");
    tmux.keys(&["r"]);
    let before = tmux.wait_until("the run to finish", |s| {
        s.contains("30/30") && s.contains("finished")
    });
    assert!(before.contains("acc 87% ± 12"), "{before}");

    tmux.keys(&["E"]);
    // vim owns the terminal: the template's text, and no workbench status line.
    tmux.wait_until("vim on the template", |s| {
        s.contains("prompt = \"Which digit is shown in this image?\"") && !s.contains("? help")
    });
    tmux.keys(&[
        ":%s/Which digit is shown/Look closely. Which digit is shown/",
        "Enter",
    ]);
    tmux.keys(&[":wq", "Enter"]);
    tmux.wait_until("the edited text in the prompt editor", |s| {
        s.contains("text from the external editor loaded")
            && s.contains("Prompt ·")
            && s.contains("Look closely. Which digit")
    });
    tmux.keys(&["C-s"]);
    tmux.wait_until("the re-run scope with 4 misclassified", |s| {
        s.contains("Saved v1") && s.contains("misclassified (4)")
    });
    tmux.keys(&["w"]);
    let after = tmux.wait_until("the re-run to finish right", |s| {
        s.contains("30/30") && s.contains("finished") && s.contains("acc 100% ±")
    });
    assert!(after.contains("prompt digits v1"), "{after}");
    assert_eq!(
        server.chat_count(),
        34,
        "only the 4 wrong ones were asked again"
    );
    quit_and_check_restored(&mut tmux, &env);
    assert_eq!(results_files(&env).len(), 2, "the re-run is a new session");
}

#[test]
fn accepting_the_models_label_in_the_drill_down_reaches_the_exported_labels() {
    require_tmux();
    let env = Env::new(3);
    let server = fake_server(&env);
    let mut tmux = Tmux::start(80, 24, env.dir.path(), &env.script(&server.url));
    tmux.wait_for("0/30");
    tmux.keys(&["r"]);
    tmux.wait_until("the run to finish", |s| {
        s.contains("30/30") && s.contains("finished")
    });
    // Into the true 5 → predicted 3 cell, as above.
    tmux.keys(&[["k"; 12], ["h"; 12]].concat());
    tmux.keys(&[["j"; 6].as_slice(), &["l"; 4]].concat());
    tmux.keys(&["Enter"]);
    let title = "true 5 → predicted 3";
    let list = tmux.wait_for(&format!("{title} · 1/3"));
    let first = env
        .images
        .iter()
        .filter(|(_, t)| t == "5")
        .map(|(p, _)| format!("5/{}", p.file_name().unwrap_or_default().display()))
        .find(|f| list.contains(&format!("{f} · o:")))
        .expect("the selected image's name in the preview title");
    tmux.keys(&["a"]);
    tmux.wait_for("true label 5 → 3");
    // Esc dismisses the notice, Esc leaves the list, T counts the correction. One at a
    // time: crossterm 0.29 reads two escapes that come in one read as a single Esc.
    tmux.keys(&["Escape"]);
    tmux.wait_until("the notice dismissed", |s| !s.contains("true label 5 → 3"));
    tmux.keys(&["Escape"]);
    tmux.wait_until("the run screen", |s| !s.contains(title));
    tmux.keys(&["T"]);
    let screen = tmux.wait_for("1 corrections on");
    let status = screen.lines().last().unwrap_or_default();
    assert!(status.contains("acc 90% "), "27 of 30 right now: {status}");
    quit_and_check_restored(&mut tmux, &env);

    let files = results_files(&env);
    let session = files[0].parent().expect("session folder");
    let log = std::fs::read_to_string(session.join("corrections.jsonl")).expect("corrections");
    assert!(
        log.contains(&format!(
            "\"image\":\"{first}\",\"old\":\"5\",\"new\":\"3\""
        )),
        "{log}"
    );
    let manifest = env.dir.path().join("labels.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_squint"))
        .arg("labels")
        .arg(session)
        .args(["--with-corrections", "--format", "csv", "-o"])
        .arg(&manifest)
        .output()
        .expect("squint labels");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&manifest).expect("the manifest");
    let row = text
        .lines()
        .find(|l| l.split(',').next().is_some_and(|p| p.ends_with(&first)))
        .unwrap_or_default();
    assert!(row.ends_with(",3,person"), "{first}: {row}\n{text}");
    assert_eq!(text.lines().filter(|l| l.ends_with(",person")).count(), 1);
}

/// Where the matrix on `screen` shows row `row`'s cell in column `col` (0 = the first class):
/// the column and line of its count, 0-based.
fn matrix_cell(screen: &str, row: &str, col: usize) -> (u16, u16) {
    let prefix = format!("│{row} ");
    let (y, line) = (screen.lines().enumerate())
        .find(|(_, l)| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no matrix row {row}:\n{screen}"));
    let mut starts = Vec::new();
    let mut in_token = false;
    for (x, c) in line.chars().enumerate().skip(1) {
        if c == '│' {
            break;
        }
        if !c.is_whitespace() && !in_token {
            starts.push(x);
        }
        in_token = !c.is_whitespace();
    }
    // The first token is the row's label.
    let x = starts.get(col + 1).copied().unwrap_or_default();
    (x as u16, y as u16)
}

/// Where the tile labelled `label` (its predicted label and file name) is on `screen`: a
/// column and line inside its image, just above the label, 0-based.
fn tile_with_label(screen: &str, label: &str) -> (u16, u16) {
    let (y, line) = (screen.lines().enumerate())
        .find(|(_, l)| l.contains(label))
        .unwrap_or_else(|| panic!("no tile {label:?}:\n{screen}"));
    let byte = line.find(label).unwrap_or_default();
    let x = line[..byte].chars().count();
    (x as u16 + 1, y.saturating_sub(2) as u16)
}

impl Tmux {
    /// A left click at column `x`, line `y` (0-based) as a terminal reports it with SGR mouse
    /// mode: press then release, typed into the pane.
    fn click(&self, x: u16, y: u16) {
        let (x, y) = (x + 1, y + 1);
        let report = format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m");
        self.keys(&["-l", &report]);
    }
}

/// The mouse through a real terminal: tmux passes the SGR mouse reports a terminal would send
/// on to squint. A click selects a matrix cell and a second click on it opens it; in the
/// thumbnail grid a click selects a tile and a second click opens it.
#[test]
fn mouse_clicks_select_and_open_a_matrix_cell_and_a_grid_tile() {
    require_tmux();
    let env = Env::new(3);
    let server = fake_server(&env);
    let mut tmux = Tmux::start(160, 48, env.dir.path(), &env.script(&server.url));
    tmux.wait_for("0/30");
    tmux.keys(&["r"]);
    let screen = tmux.wait_until("the run to finish", |s| {
        s.contains("30/30") && s.contains("finished")
    });
    // True 5 predicted 3 (three fives): not under the cursor, which starts at the corner.
    let (x, y) = matrix_cell(&screen, "5", 3);
    tmux.click(x, y);
    // The first click only selects: the drill-down opens on the second one, which only
    // opens the cell under the cursor.
    std::thread::sleep(Duration::from_millis(500));
    let after_one = tmux.capture();
    assert!(
        !after_one.contains("true 5 → predicted 3"),
        "one click opened:\n{after_one}"
    );
    tmux.click(x, y);
    tmux.wait_until("the clicked cell open", |s| {
        s.contains("true 5 → predicted 3 · 1/3") && !picture(s).is_empty()
    });

    // The grid: three tiles, each with its picture and predicted label.
    tmux.keys(&["t"]);
    let grid = tmux.wait_until("the grid with its thumbnails", |s| {
        s.contains("t list") && s.matches("3 0").count() >= 3 && picture(s).lines().count() >= 6
    });
    eprintln!("the grid at 160x48:\n{grid}");
    let third = grid
        .lines()
        .find(|l| l.matches(".png").count() == 3)
        .and_then(|l| {
            l.split("   ")
                .map(str::trim)
                .filter(|t| t.ends_with(".png"))
                .nth(2)
        })
        .map(|t| t.trim_start_matches('│').trim().to_owned())
        .unwrap_or_else(|| panic!("three labels:\n{grid}"));
    let (x, y) = tile_with_label(&grid, &third);
    tmux.click(x, y);
    tmux.wait_for("true 5 → predicted 3 · 3/3");
    tmux.click(x, y);
    tmux.wait_until("the tile open as a list", |s| {
        s.contains("Answer · J/K scroll") && s.contains("· 3/3") && !s.contains("t list")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("t list");
    quit_and_check_restored(&mut tmux, &env);
}

/// The grid at 80x24 in a real terminal: tiles with pictures and labels, the cursor moved with
/// l and j, Enter and Esc.
#[test]
fn thumbnail_grid_at_80x24() {
    require_tmux();
    let env = Env::new(3);
    let server = fake_server(&env);
    let mut tmux = Tmux::start(80, 24, env.dir.path(), &env.script(&server.url));
    tmux.wait_for("0/30");
    tmux.keys(&["r"]);
    tmux.wait_until("the run to finish", |s| {
        s.contains("30/30") && s.contains("finished")
    });
    // Open the "Σ" row's neighbour: the whole column of predicted 3 (six items).
    tmux.keys(&[["k"; 12], ["h"; 12]].concat());
    tmux.keys(&["l", "l", "l", "l", "Enter"]);
    tmux.wait_for("predicted 3 · 1/6");
    tmux.keys(&["t"]);
    let grid = tmux.wait_until("the grid with its thumbnails", |s| {
        s.contains("t list") && s.matches(".png").count() >= 6 && picture(s).lines().count() >= 5
    });
    eprintln!("the grid at 80x24:\n{grid}");
    tmux.keys(&["l", "l"]);
    tmux.wait_for("predicted 3 · 3/6");
    tmux.keys(&["Enter"]);
    tmux.wait_until("the item as a list", |s| s.contains("Answer · J/K scroll"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("t list");
    quit_and_check_restored(&mut tmux, &env);
}

/// One run over two servers in a real terminal: the status line shows each server's share,
/// rate and errors; the one that fails mid-run leaves the rotation with a warning on screen
/// and the other finishes every image. Wide enough for every server's full segment (narrower,
/// the shares shorten first: see `view::status`).
#[test]
fn two_servers_share_the_run_and_the_status_line_shows_each() {
    require_tmux();
    let env = Env::new(3);
    let steady = FakeServer::start_in_thread(FakeConfig {
        answers: model_answers(&env),
        default_answer: UNPARSEABLE.to_owned(),
        token_delay: Duration::from_millis(2),
        ..FakeConfig::default()
    });
    let failing = FakeServer::start_in_thread(FakeConfig {
        answers: model_answers(&env),
        default_answer: UNPARSEABLE.to_owned(),
        token_delay: Duration::from_millis(2),
        down_after_chats: Some(4),
        ..FakeConfig::default()
    });
    let flags = format!(
        "--image-protocol halfblocks --theme dark --concurrency 2 --host '{}'",
        failing.url
    );
    let mut tmux = Tmux::start(
        240,
        48,
        env.dir.path(),
        &env.script_with(&steady.url, &flags),
    );
    tmux.wait_for("0/30");
    tmux.keys(&["r"]);
    let name = |url: &str| url.trim_start_matches("http://").to_owned();
    let screen = tmux.wait_until("the run to finish with both servers listed", |s| {
        let status = s.lines().last().unwrap_or_default();
        s.contains("30/30")
            && status.contains("finished")
            && status.contains(&name(&steady.url))
            && status.contains(&name(&failing.url))
    });
    let status = screen.lines().last().unwrap_or_default();
    assert!(
        status.contains("err 0") && status.contains(" err out"),
        "no item failed; the failed server is out of rotation: {status}"
    );
    for row in MATRIX {
        let label = &row[..row.find(' ').unwrap_or_default()];
        assert_eq!(matrix_row(&screen, label), row, "matrix:\n{screen}");
    }
    assert_eq!(steady.chat_count() + failing.chat_count(), 30);
    quit_and_check_restored(&mut tmux, &env);
}

/// The calibrated view through the real binary, at 80x24 and 160x48: a run whose true 5s are
/// answered "3" (5 close behind), `P` (the model says "3" to blank images: prior 3 0.6, 8 0.3,
/// 5 0.1), `K` (both 5s calibrated back to 5: accuracy 90% → 100%, macro-F1 0.867 → 1.000),
/// `K` again, quit with the terminal restored.
#[test]
fn k_calibrates_the_run_with_the_probes_prior_at_both_sizes() {
    require_tmux();
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let env = Env::new(2);
        let mut answers = HashMap::new();
        let mut answer_probs = HashMap::new();
        for (path, truth) in &env.images {
            let sha = sha256_hex(&std::fs::read(path).expect("read image"));
            let (answer, probs) = if truth == "5" {
                ("3", vec![("3".to_owned(), 0.5), ("5".to_owned(), 0.4)])
            } else {
                (truth.as_str(), vec![(truth.clone(), 0.9)])
            };
            answers.insert(sha.clone(), answer.to_owned());
            answer_probs.insert(sha, probs);
        }
        let prior = [("3", 0.6), ("8", 0.3), ("5", 0.1)];
        answer_probs.insert(
            "3".to_owned(),
            prior.iter().map(|(l, p)| ((*l).to_owned(), *p)).collect(),
        );
        let server = FakeServer::start_in_thread(FakeConfig {
            answers,
            answer_probs,
            default_answer: "3".to_owned(),
            ..FakeConfig::default()
        });
        let mut tmux = Tmux::start(w, h, env.dir.path(), &env.script(&server.url));
        tmux.wait_for("0/20");
        tmux.keys(&["r"]);
        tmux.wait_until("the run to finish", |s| {
            s.contains("20/20") && s.contains("finished")
        });
        tmux.keys(&["P"]);
        tmux.wait_for("done: 40/40 asked");
        tmux.keys(&["Escape"]);
        tmux.wait_until("the probe closed", |s| !s.contains("Prompt prior"));
        tmux.keys(&["K"]);
        let (accuracy, macro_f1) = if w >= 160 {
            (
                "accuracy  90.0% → 100.0%  +10.0",
                "macro-F1  0.867 → 1.000  +0.133",
            )
        } else {
            ("acc 90.0→100.0% +10.0", "mF1 0.867→1.000 +0.133")
        };
        // A capture can catch a frame half written: wait for the whole calibrated screen (its
        // scores, notice, status line and matrix), then say what is missing if it never comes.
        let notice = "calibrated view on: calibrated 20 of 20";
        let calibrated_row = "5 · · · · · 2 · · · · · 2";
        let on = tmux.wait_until("the calibrated view, drawn whole", |s| {
            s.contains(accuracy)
                && s.contains(macro_f1)
                && s.contains(notice)
                && s.lines().last().is_some_and(|l| l.contains("calibrated"))
                && matrix_row(s, "5") == calibrated_row
        });
        assert!(on.contains(macro_f1), "{w}x{h}:\n{on}");
        // The true-5 row of the matrix: both on 5 now.
        assert_eq!(matrix_row(&on, "5"), calibrated_row, "{w}x{h}:\n{on}");
        tmux.keys(&["K"]);
        let raw_row = "5 · · · 2 · · · · · · · 2";
        let off = tmux.wait_until("the raw view again", |s| {
            s.contains("calibrated view off") && matrix_row(s, "5") == raw_row
        });
        assert_eq!(matrix_row(&off, "5"), raw_row, "{off}");
        quit_and_check_restored(&mut tmux, &env);
    }
}
