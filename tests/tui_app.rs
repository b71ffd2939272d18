//! The whole workbench without a terminal: the real runtime, `update`, views and engine,
//! drawn into ratatui's `TestBackend`, driven by scripted keys against the fake server
//! (`support::app`). The tmux test stays the one true-terminal check.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use squint::setup::RunSpec;
use support::app::{App, journal_lines};
use support::fake_server::{FakeConfig, FakeServer, Fault, sha256_hex};

const MODEL: &str = "llava:7b";

/// The bundled digits, `per_class` of each, copied into `root` (with their template).
fn digits_dataset(root: &Path, per_class: usize) -> (PathBuf, Vec<(PathBuf, String)>) {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/digits");
    let dataset = root.join("digits");
    let mut images = Vec::new();
    for class in 0..10 {
        let mut files: Vec<PathBuf> = std::fs::read_dir(bundled.join(class.to_string()))
            .expect("bundled digits")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        let dir = dataset.join(class.to_string());
        std::fs::create_dir_all(&dir).expect("mkdir");
        for file in files.into_iter().take(per_class) {
            let copy = dir.join(file.file_name().expect("name"));
            std::fs::copy(&file, &copy).expect("copy image");
            images.push((copy, class.to_string()));
        }
    }
    std::fs::copy(bundled.join("template.toml"), dataset.join("template.toml")).expect("template");
    (dataset, images)
}

/// Every digit answered right except image 0 (answered "3").
fn answers(images: &[(PathBuf, String)]) -> HashMap<String, String> {
    images
        .iter()
        .enumerate()
        .map(|(i, (path, truth))| {
            let answer = if i == 0 {
                "3".to_owned()
            } else {
                truth.clone()
            };
            (sha256_hex(&std::fs::read(path).expect("image")), answer)
        })
        .collect()
}

/// Records in `session` that the one wrong answer was right (the label was wrong), as `a` in a
/// drill-down list would.
fn accept_the_wrong_answer(session: &Path) {
    use squint::domain::corrections::{CorrectionEntry, Verdict};
    let log = squint::session::Session::open(session)
        .unwrap()
        .read_results()
        .unwrap();
    let wrong = log
        .results
        .iter()
        .find(|r| r.label.as_deref() != Some(r.truth.as_str()))
        .expect("the wrong answer");
    let label = Verdict::Label(wrong.label.clone().unwrap());
    let entry = CorrectionEntry::correct(&wrong.image, &wrong.truth, &label, "t".into());
    squint::session::append_correction(session, &entry).unwrap();
}

fn spec(server: &FakeServer, dataset: Option<&Path>, concurrency: usize) -> RunSpec {
    let mut spec = RunSpec {
        dataset: dataset.map(Path::to_path_buf),
        model: Some(MODEL.to_owned()),
        concurrency,
        no_cache: true,
        ..RunSpec::default()
    };
    spec.backend.host = Some(server.url.clone());
    spec.backend.retries = 1;
    spec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_screen_run_drill_and_back() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, images) = digits_dataset(scratch.path(), 1);
    let server = FakeServer::start(FakeConfig {
        answers: answers(&images),
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, None, 1), 120, 40).await;
    app.wait_for("llava:7b").await; // the start screen listed the server's models
    // Replace whatever dataset the form preselected with ours, then run.
    for _ in 0..300 {
        app.press("backspace");
    }
    app.type_text(&dataset.to_string_lossy());
    app.press("ctrl-r");
    let done = app.wait_for_status("· finished").await;
    assert!(done.contains("10/10"), "{done}");
    // Open the whole "0" row from its header (left of the first cell): image 0 went to "3".
    app.press("left");
    app.press("enter");
    let drill = app.wait_for("true 0 · 1/1").await;
    assert!(
        drill.contains("0→3"),
        "the drill-down lists the wrong answer: {drill}"
    );
    app.press("esc");
    app.wait_until("the run screen again", |s| {
        s.contains("Confusion matrix") && !s.contains("Esc back")
    })
    .await;
    assert_eq!(app.sessions().len(), 1);
    assert_eq!(journal_lines(&app.sessions()[0]), 10);
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume_against_the_real_engine() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, images) = digits_dataset(scratch.path(), 2);
    let server = FakeServer::start(FakeConfig {
        answers: answers(&images),
        latency: Duration::from_millis(60),
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, Some(&dataset), 1), 120, 40).await;
    app.wait_for("ready").await;
    app.press("r");
    app.wait_for("running").await;
    app.press("space");
    // "paused" comes from the engine, not from the key.
    app.wait_for("paused").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = server.chat_count();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(server.chat_count(), asked, "no request starts while paused");
    assert!(asked < 20, "paused before the end ({asked} asked)");
    app.press("space");
    let done = app.wait_for_status("· finished").await;
    assert!(done.contains("20/20"), "{done}");
    assert_eq!(server.chat_count(), 20);
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_while_connecting_leaves_no_session() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, _) = digits_dataset(scratch.path(), 1);
    // A server that accepts connections and never answers: the preflight hangs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let mut spec = RunSpec {
        dataset: Some(dataset),
        model: Some(MODEL.to_owned()),
        ..RunSpec::default()
    };
    spec.backend.host = Some(url);
    let app = App::start(spec, 100, 30).await;
    app.wait_for("ready").await;
    app.press("r");
    app.wait_for("connecting").await;
    app.press("q");
    app.wait_for("stop and quit").await;
    app.press("y");
    let started = std::time::Instant::now();
    let sessions_root = app.data.path().join("sessions");
    assert_eq!(app.exit_code().await, 0);
    assert!(started.elapsed() < Duration::from_secs(2), "quitting hung");
    let sessions = std::fs::read_dir(&sessions_root).map_or(0, Iterator::count);
    assert_eq!(
        sessions, 0,
        "no session is created before the server answers"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_is_continued_with_r() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, images) = digits_dataset(scratch.path(), 1);
    // Three answers, then the model vanishes: the run stops with 3 of 10 done.
    let server = FakeServer::start(FakeConfig {
        answers: answers(&images),
        faults: vec![
            Fault::Slow(Duration::ZERO),
            Fault::Slow(Duration::ZERO),
            Fault::Slow(Duration::ZERO),
            Fault::Status(404),
        ],
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, Some(&dataset), 1), 120, 40).await;
    app.wait_for("ready").await;
    app.press("r");
    let stopped = app.wait_for_status("· stopped ·").await;
    assert!(stopped.contains("3/10"), "{stopped}");
    assert_eq!(app.sessions().len(), 1);
    app.press("esc"); // dismiss the error notice
    app.press("r");
    let done = app.wait_for_status("· finished").await;
    assert!(done.contains("10/10"), "{done}");
    let sessions = app.sessions();
    assert_eq!(
        sessions.len(),
        1,
        "r continued the stopped session: {sessions:?}"
    );
    assert_eq!(journal_lines(&sessions[0]), 10, "nothing asked twice");
    // 3 answered, the failed one, the 7 left; plus at most one request the stop abandoned.
    let asked = server.chat_count();
    assert!((11..=12).contains(&asked), "{asked} requests");
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_past_session_is_opened_and_rerun_with_its_own_settings() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, images) = digits_dataset(scratch.path(), 1);
    let server = FakeServer::start(FakeConfig {
        answers: answers(&images),
        ..FakeConfig::default()
    })
    .await;
    // A past session, run headless with a template only that session knows (a file that is
    // gone afterwards), so a re-run must use the session's own template text.
    let data = tempfile::tempdir().unwrap();
    let template = scratch.path().join("mine.toml");
    std::fs::copy(dataset.join("template.toml"), &template).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_squint"))
        .args(["run", "--dataset", &dataset.to_string_lossy(), "--template"])
        .arg(&template)
        .args(["--host", &server.url, "--model", MODEL, "--no-cache"])
        .env("SQUINT_DATA_DIR", data.path())
        .env("SQUINT_CONFIG_DIR", data.path().join("config"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(&template).unwrap();
    let session = std::fs::read_dir(data.path().join("sessions"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .next()
        .expect("the session folder");
    accept_the_wrong_answer(&session);
    // The workbench's form points elsewhere: another dataset, model and template.
    let mut spec = spec(&server, None, 1);
    spec.model = Some("llama3.2:3b".into());
    spec.template = Some("animals".into());
    let app = App::start_in(data, spec, 120, 40).await;
    app.wait_for("llava:7b").await;
    for _ in 0..300 {
        app.press("backspace");
    }
    app.type_text("/nowhere/else");
    // Down past template, backend, host, model, concurrency, per class and sample.
    for _ in 0..8 {
        app.press("down");
    }
    app.wait_until("the past session listed", |s| !s.contains("(none yet)"))
        .await;
    app.press("enter");
    let opened = app.wait_for_status("past session").await;
    // Its figures at once: every result, the accuracy (9 of 10 right), and its correction.
    assert!(
        opened.contains("10/10") && opened.contains("acc 90%"),
        "{opened}"
    );
    app.wait_for_status("1 corrections off").await;
    app.press("T");
    let corrected = app.wait_for_status("1 corrections on").await;
    assert!(corrected.contains("acc 100%"), "{corrected}");
    app.press("r"); // prepares the session's own dataset, template and model
    app.wait_for_status("· ready").await;
    // The new session on the same dataset is offered the correction; y takes it.
    app.wait_for("has 1 label corrections (1 relabelled, 0 doubtful) for this dataset.")
        .await;
    app.press("y");
    app.wait_until("the offer answered", |s| !s.contains(" Label corrections "))
        .await;
    app.press("r");
    let done = app.wait_for_status("· finished").await;
    assert!(
        done.contains("10/10") && done.contains("llava:7b"),
        "{done}"
    );
    let done = app.wait_for_status("1 corrections on").await;
    assert!(done.contains("acc 100%"), "{done}");
    let sessions = app.sessions();
    assert_eq!(
        sessions.len(),
        2,
        "a finished session is re-run as a new one"
    );
    assert_eq!(journal_lines(&sessions[1]), 10);
    let carried = squint::session::read_corrections(&sessions[1]).unwrap();
    assert_eq!(
        carried.corrections().len(),
        1,
        "copied into the new session"
    );
    assert_eq!(server.chat_count(), 20);
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_above_one_runs_requests_in_parallel() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, images) = digits_dataset(scratch.path(), 3);
    // Several tokens per answer, so requests take long enough to overlap.
    let mut answers = answers(&images);
    for answer in answers.values_mut() {
        *answer = format!("The digit in this image is {answer}.");
    }
    let server = FakeServer::start(FakeConfig {
        answers,
        token_delay: Duration::from_millis(15),
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, Some(&dataset), 4), 120, 40).await;
    app.wait_for("ready").await;
    app.press("r");
    let done = app.wait_for_status("· finished").await;
    assert!(done.contains("30/30"), "{done}");
    let most = server.state.max_in_flight.load(Ordering::SeqCst);
    let meta = std::fs::read_to_string(app.sessions()[0].join("session.json")).unwrap();
    assert!(
        (2..=4).contains(&most),
        "{most} requests in flight at most; {meta}"
    );
    assert_eq!(journal_lines(&app.sessions()[0]), 30);
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_session_resumed_shows_its_figures_before_any_key() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, images) = digits_dataset(scratch.path(), 1);
    let server = FakeServer::start(FakeConfig {
        answers: answers(&images),
        ..FakeConfig::default()
    })
    .await;
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_squint"))
        .args(["run", "--dataset", &dataset.to_string_lossy()])
        .args(["--host", &server.url, "--model", MODEL, "--no-cache"])
        .env("SQUINT_DATA_DIR", data.path())
        .env("SQUINT_CONFIG_DIR", data.path().join("config"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let session = std::fs::read_dir(data.path().join("sessions"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .next()
        .expect("the session folder");
    // The model was right about the image it got "wrong": a correction made earlier.
    accept_the_wrong_answer(&session);
    // `squint tui --resume DIR`: the session's own settings, as the command line builds them.
    let meta = squint::session::Session::open(&session).unwrap().meta;
    let spec = RunSpec::from_session(&session, &meta);
    let asked = server.chat_count();
    let app = App::start_in(data, spec, 120, 40).await;
    // No key pressed: the journaled results are on screen, 10/10 with the accuracy (9 of 10),
    // and the session's correction is loaded (off until T).
    let shown = app.wait_for_status("10/10").await;
    assert!(shown.contains("acc 90%"), "{shown}");
    let screen = app.wait_for_status("1 corrections off").await;
    assert!(
        screen.contains(&format!("session {}", session.display())) || screen.contains("session …"),
        "the session folder is shown: {screen}"
    );
    app.press("T");
    let corrected = app.wait_for_status("1 corrections on").await;
    assert!(corrected.contains("acc 100%"), "{corrected}");
    assert_eq!(server.chat_count(), asked, "nothing was asked");
    assert_eq!(app.quit().await, 0);
}

/// Draw on change: an idle workbench draws nothing at all, a key draws at once (without
/// waiting for a frame tick), and a finished run stops the clock-driven redraws.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_workbench_draws_nothing_and_a_key_draws_at_once() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, images) = digits_dataset(scratch.path(), 1);
    let server = FakeServer::start(FakeConfig {
        answers: answers(&images),
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, Some(&dataset), 1), 100, 30).await;
    app.wait_for_status("ready").await;
    let settled = quiet(&app).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        app.frames_drawn(),
        settled,
        "the idle workbench drew frames with nothing changing"
    );

    // A key is drawn within a frame's time of being handled, not on a later tick.
    let before = app.frames_drawn();
    let pressed = std::time::Instant::now();
    app.press("?");
    app.wait_until("the help overlay", |_| app.frames_drawn() > before)
        .await;
    let shown = pressed.elapsed();
    assert!(app.screen().contains("Keys"), "{}", app.screen());
    assert!(
        shown < Duration::from_millis(500),
        "the key took {shown:?} to reach the screen"
    );
    app.press("esc");

    app.press("r");
    app.wait_for_status("finished").await;
    let settled = quiet(&app).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.frames_drawn(), settled, "a finished run kept redrawing");
    assert_eq!(app.quit().await, 0);
}

/// Waits until no frame was drawn for half a second (start-up replies and notices settle);
/// returns the frame count then.
async fn quiet(app: &App) -> usize {
    let mut last = app.frames_drawn();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = app.frames_drawn();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("the workbench never stopped drawing:\n{}", app.screen());
}

/// The thumbnail grid through the whole app: `t` on a drill-down shows each image (drawn
/// with half-blocks by the preview worker) with its predicted label; `l`/`h` move the cursor,
/// Enter opens the item as the list shows it, Esc returns to the grid, and `a` corrects the
/// tile under the cursor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_thumbnail_grid_moves_opens_and_corrects() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, images) = digits_dataset(scratch.path(), 3);
    let server = FakeServer::start(FakeConfig {
        answers: answers(&images),
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, Some(&dataset), 1), 120, 40).await;
    app.wait_for("ready").await;
    app.press("r");
    app.wait_for_status("· finished").await;
    // The "0" row (left of its first cell): the wrong answer first, then two right ones.
    app.press("left");
    app.press("enter");
    app.wait_for("true 0 · 1/3").await;
    app.press("t");
    let grid = app
        .wait_until("three thumbnails drawn", |s| {
            s.contains("t list") && s.matches('▀').count() + s.matches('▄').count() > 60
        })
        .await;
    // One row of labels: the wrong tile says 3, the two right ones 0.
    let labels = grid
        .lines()
        .find(|l| l.matches(".png").count() == 3)
        .unwrap_or_else(|| panic!("a row of three labels: {grid}"));
    let predicted: Vec<&str> = labels
        .trim_matches('│')
        .split_whitespace()
        .step_by(2)
        .collect();
    assert_eq!(predicted, ["3", "0", "0"], "{labels}");
    app.press("l");
    app.wait_for("true 0 · 2/3").await;
    app.press("enter");
    let item = app
        .wait_until("the item as the list shows it", |s| {
            s.contains("Answer · J/K scroll") && s.contains("true 0 · 2/3")
        })
        .await;
    assert!(!item.contains("t list"), "{item}");
    app.press("esc");
    app.wait_for("t list").await;
    app.press("h");
    app.wait_for("true 0 · 1/3").await;
    app.press("a");
    app.wait_for("true label 0 → 3").await;
    let corrections = app.sessions()[0].join("corrections.jsonl");
    let written = std::fs::read_to_string(&corrections).expect("corrections.jsonl");
    assert_eq!(written.lines().count(), 1, "{written}");
    app.press("esc"); // dismisses the notice
    app.wait_until("the notice gone", |s| !s.contains("true label 0 → 3"))
        .await;
    app.press("esc");
    app.wait_until("the run screen again", |s| {
        s.contains("Confusion matrix") && !s.contains("t list")
    })
    .await;
    assert_eq!(app.quit().await, 0);
}

/// The bundled digits, one of each, copied flat into `root/scans` (no labels) with the digits
/// template; the model answers image 0 with "3" and image 1 with nothing it can parse.
fn unlabeled_scans(root: &Path) -> (PathBuf, HashMap<String, String>) {
    let (labelled, images) = digits_dataset(root, 1);
    let flat = root.join("scans");
    std::fs::create_dir_all(&flat).unwrap();
    let mut answers = HashMap::new();
    for (i, (path, truth)) in images.iter().enumerate() {
        let copy = flat.join(format!("scan{i:02}.png"));
        std::fs::copy(path, &copy).unwrap();
        let answer = match i {
            0 => "3".to_owned(),
            1 => "no idea".to_owned(),
            _ => truth.clone(),
        };
        answers.insert(sha256_hex(&std::fs::read(&copy).unwrap()), answer);
    }
    std::fs::copy(labelled.join("template.toml"), flat.join("template.toml")).unwrap();
    (flat, answers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlabeled_folder_shows_proposals_instead_of_a_matrix() {
    let scratch = tempfile::tempdir().unwrap();
    let (flat, answers) = unlabeled_scans(scratch.path());
    let server = FakeServer::start(FakeConfig {
        answers,
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, Some(&flat), 1), 120, 40).await;
    app.wait_for("ready").await;
    app.press("r");
    let done = app.wait_for_status("· finished").await;
    assert!(done.contains("10/10") && done.contains("unp 1"), "{done}");
    let screen = app.screen();
    assert!(
        screen.contains("Proposals · truth unknown · 10 answered")
            && !screen.contains("Confusion matrix"),
        "{screen}"
    );
    // The distribution (3 proposed twice) and the parse steps.
    assert!(
        screen
            .lines()
            .any(|l| l.contains("│3 ") && l.contains(" 2 ") && l.contains("20.0%")),
        "{screen}"
    );
    assert!(
        screen.contains("Parse steps")
            && screen
                .lines()
                .any(|l| l.contains("exact") && l.contains(" 9 ")),
        "{screen}"
    );
    // Each finished line: truth unknown (?), the proposal and its parse step.
    assert!(screen.contains("? → 3"), "{screen}");
    assert_eq!(app.quit().await, 0);
}

/// `/` search through the whole app: each typed character jumps to the first match from the
/// selection and narrows the count, by file name and by answer text; Enter keeps the query,
/// `n`/`N` go to the next and previous match (wrapping), Esc drops it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_jumps_incrementally_by_file_name_and_answer_with_n_and_shift_n() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, images) = digits_dataset(scratch.path(), 4);
    // The four threes answer in words (short: the template caps an answer at 8 tokens); two
    // of them mention a stroke, one a loop.
    let threes: Vec<&PathBuf> = (images.iter())
        .filter(|(_, truth)| truth == "3")
        .map(|(path, _)| path)
        .collect();
    let mut answers = answers(&images);
    for (path, text) in threes
        .iter()
        .zip(["3, stroke", "a 3 loop", "3 stroke.", "3"])
    {
        let sha = sha256_hex(&std::fs::read(path).unwrap());
        answers.insert(sha, text.to_owned());
    }
    let name = |path: &PathBuf| format!("3/{}", path.file_name().unwrap().to_string_lossy());
    let server = FakeServer::start(FakeConfig {
        answers,
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, Some(&dataset), 1), 120, 40).await;
    app.wait_for("ready").await;
    app.press("r");
    app.wait_for_status("· finished").await;
    // The "3" column from its header: the 0 answered "3" first (wrong first), then the threes.
    app.press("up");
    for _ in 0..3 {
        app.press("right");
    }
    app.press("enter");
    app.wait_for("predicted 3 · 1/5").await;

    // By file name, one character at a time: the count narrows to the one image.
    let stem = threes[2]
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    app.press("/");
    app.wait_for("/▏ (0 matches)").await;
    let mut typed = String::new();
    for c in stem.chars() {
        typed.push(c);
        app.type_text(&c.to_string());
        let frame = app.wait_for(&format!("/{typed}▏ (")).await;
        if typed.len() == 1 {
            // Every file name here starts with 0: all five match, the selection stays.
            assert!(frame.contains("/0▏ (5 matches)"), "{frame}");
        }
    }
    let found = app.wait_for(&format!("/{stem}▏ (1 match)")).await;
    assert!(
        found.contains(&format!("{} · o: full size", name(threes[2]))),
        "the selection jumped to {stem}: {found}"
    );
    app.press("esc");
    app.wait_until("the search dropped", |s| {
        !s.contains("/▏") && !s.contains("match")
    })
    .await;

    // By answer text: "loop" is one answer; the first letters already jump there.
    app.press("/");
    app.type_text("lo");
    let found = app.wait_for("/lo▏ (1 match)").await;
    assert!(found.contains(&name(threes[1])), "{found}");
    app.press("esc");

    // Two answers say "stroke": Enter keeps the query, n and N go back and forth.
    app.press("g");
    app.press("/");
    app.type_text("stroke");
    app.press("enter");
    let kept = app.wait_for("/stroke (2 matches)").await;
    let first = name(threes[0]);
    let second = name(threes[2]);
    assert!(kept.contains(&format!("{first} · o:")), "{kept}");
    app.press("n");
    app.wait_for(&format!("{second} · o:")).await;
    app.press("n"); // wraps to the first
    app.wait_for(&format!("{first} · o:")).await;
    app.press("N"); // and back, wrapping the other way
    app.wait_for(&format!("{second} · o:")).await;
    app.press("esc"); // a kept query does not hold Esc: it leaves the list
    app.wait_until("the run screen again", |s| {
        s.contains("Confusion matrix") && !s.contains("Esc back")
    })
    .await;
    assert_eq!(app.quit().await, 0);
}

/// The review queue of an unlabeled folder: least confident first (no logprobs here: the
/// unparsed answer, then by parse step and name), Enter/a accepts, a class key relabels, d
/// marks doubtful, s skips, the title counts; the reviewed labels become the truth, so the
/// matrix appears for the reviewed part, and they are corrections in the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_queue_orders_proposals_and_records_decisions() {
    let scratch = tempfile::tempdir().unwrap();
    let (flat, answers) = unlabeled_scans(scratch.path());
    let server = FakeServer::start(FakeConfig {
        answers,
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, Some(&flat), 1), 120, 40).await;
    app.wait_for("ready").await;
    app.press("r");
    app.wait_for_status("· finished").await;
    app.press("R");
    let queue = app.wait_for("Review · reviewed 0 of 10, 0 accepted").await;
    assert!(
        queue.contains("scan01.png · o:"),
        "the unparsed answer first: {queue}"
    );
    // Nothing to accept on an unparsed answer: it stays; its class key labels it.
    app.press("enter");
    app.wait_for("no label from the model to accept").await;
    app.press("7");
    let next = app.wait_for("reviewed 1 of 10, 0 accepted").await;
    assert!(next.contains("scan00.png · o:"), "then by name: {next}");
    app.press("a");
    let next = app.wait_for("reviewed 2 of 10, 1 accepted").await;
    assert!(next.contains("scan02.png · o:"), "{next}");
    app.press("d");
    let next = app.wait_for("reviewed 3 of 10, 1 accepted").await;
    assert!(next.contains("scan03.png · o:"), "{next}");
    app.press("s");
    let next = app.wait_for("scan04.png · o:").await;
    assert!(next.contains("reviewed 3 of 10, 1 accepted"), "{next}");
    // The help shows the queue's own keys.
    app.press("?");
    let help = app.wait_for("Review queue").await;
    assert!(help.contains("skip: the next proposal"), "{help}");
    app.press("esc");
    app.wait_until("the help closed", |s| !s.contains("Review queue"))
        .await;
    // Back on the run screen: the matrix of the reviewed part (scan01 is a 7 the model could
    // not read, scan00 a 3 it read right; scan02 doubtful, left out).
    app.press("esc");
    app.press("esc");
    let run = app
        .wait_until("the run screen", |s| {
            !s.contains("Review ·") && s.contains("Confusion matrix")
        })
        .await;
    let status = app
        .wait_for_status("3 corrections on, 1 doubtful left out")
        .await;
    assert!(status.contains("acc 50%"), "{run}\n{status}");
    let session = &app.sessions()[0];
    let log = squint::session::read_corrections(session).unwrap();
    let got: Vec<(String, String, Option<String>, bool)> = log
        .entries
        .iter()
        .map(|e| (e.image.clone(), e.old.clone(), e.new.clone(), e.doubtful))
        .collect();
    assert_eq!(
        got,
        [
            ("scan01.png".into(), String::new(), Some("7".into()), false),
            ("scan00.png".into(), String::new(), Some("3".into()), false),
            ("scan02.png".into(), String::new(), None, true),
        ]
    );
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_down_at_start_is_named_and_the_run_goes_on_without_it() {
    let scratch = tempfile::tempdir().unwrap();
    let (dataset, images) = digits_dataset(scratch.path(), 1);
    let server = FakeServer::start(FakeConfig {
        answers: answers(&images),
        ..FakeConfig::default()
    })
    .await;
    let down = support::fake_server::dead_url();
    let mut spec = spec(&server, Some(&dataset), 1);
    spec.hosts = [server.url.clone(), down.clone()]
        .into_iter()
        .map(|url| squint::setup::HostSlots { url, slots: None })
        .collect();
    let app = App::start(spec, 160, 40).await;
    app.wait_for("ready").await;
    app.press("r");
    let warned = app.wait_for("does not answer").await;
    assert!(
        warned.contains(&down),
        "names the server left out: {warned}"
    );
    let done = app.wait_for_status("· finished").await;
    assert!(done.contains("10/10"), "{done}");
    assert_eq!(journal_lines(&app.sessions()[0]), 10);
    assert_eq!(app.quit().await, 0);
}
