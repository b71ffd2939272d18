//! Prompt iteration in the whole workbench (real runtime, update, views and engine under
//! `TestBackend`, scripted keys, the fake server): the in-app editor's save, cancel and
//! bad-TOML paths, `E` handing the template to `$VISUAL` (a small shell script written by the
//! test), and `r` on a finished run asking which images to re-run.

// A failed unwrap here is a failed test with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use squint::setup::RunSpec;
use support::app::App;
use support::fake_server::{FakeConfig, FakeServer};
use support::lab::{Lab, MODEL, correct_answers, sha_of};

fn spec(server: &FakeServer, dataset: &str) -> RunSpec {
    let mut spec = RunSpec {
        dataset: Some(PathBuf::from(dataset)),
        model: Some(MODEL.to_owned()),
        no_cache: true,
        ..RunSpec::default()
    };
    spec.backend.host = Some(server.url.clone());
    spec.backend.retries = 1;
    spec
}

/// Digits 0, 1, 2 with two images each; every answer right except the first image's ("1").
async fn lab_and_server() -> (Lab, String, Vec<(PathBuf, String)>, FakeServer) {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2"], 2);
    let mut answers = correct_answers(&images);
    answers.insert(sha_of(&images[0].0), "1".to_owned());
    let server = FakeServer::start(FakeConfig {
        answers,
        ..FakeConfig::default()
    })
    .await;
    (lab, dataset, images, server)
}

/// The saved prompt versions under the app's data dir.
fn versions(app: &App) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = app.data.path().join("prompts");
    for dir in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push(file.path());
        }
    }
    out.sort();
    out
}

/// Writes an executable shell script `name` in `dir` and returns its path.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Points `$VISUAL` (which wins over `$EDITOR`) at `editor`.
fn use_editor(editor: &Path) {
    // SAFETY: the running App holds the environment lock of this test binary.
    unsafe {
        std::env::set_var("VISUAL", editor);
        std::env::set_var("EDITOR", editor);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editor_save_cancel_and_bad_toml() {
    let (_lab, dataset, _images, server) = lab_and_server().await;
    let app = App::start(spec(&server, &dataset), 120, 40).await;
    app.wait_for_status("· ready").await;

    // Cancel: the edit is kept as a draft, nothing is saved, p brings it back.
    app.press("p");
    app.wait_for("What the model gets").await;
    app.type_text("# a note\n");
    app.wait_for("edited, not saved").await;
    app.press("esc");
    app.wait_for("edit kept as a draft").await;
    assert!(versions(&app).is_empty());
    app.press("p");
    let screen = app.wait_for("edited, not saved").await;
    assert!(screen.contains("# a note"), "{screen}");

    // Bad TOML: says where, is not saved, the text stays.
    app.type_text("prompt = \"unclosed\n");
    app.wait_for("not valid yet").await;
    app.press("ctrl-s");
    app.wait_for("not saved:").await;
    assert!(
        versions(&app).is_empty(),
        "a broken template is never saved"
    );
    for _ in 0..19 {
        app.press("backspace");
    }
    app.wait_until("the template parses again", |s| {
        !s.contains("not valid yet")
    })
    .await;

    // Save: a version file with the text, then the scope question; Esc makes it active.
    app.press("ctrl-s");
    app.wait_for("Saved v1").await;
    let saved = versions(&app);
    assert_eq!(saved.len(), 1, "{saved:?}");
    let text = std::fs::read_to_string(&saved[0]).unwrap();
    assert!(text.starts_with("# a note\n"), "{text}");
    app.press("esc");
    app.wait_for("v1").await;
    app.wait_for_status("· ready").await;
    assert_eq!(server.chat_count(), 0, "nothing ran");
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_editor_text_comes_back_and_failures_keep_everything() {
    let (lab, dataset, _images, server) = lab_and_server().await;
    let app = App::start(spec(&server, &dataset), 120, 40).await;
    app.wait_for_status("· ready").await;

    // An editor that fails after changing the file: nothing saved, the text kept.
    let failing = script(
        &lab.path(""),
        "failing-editor",
        "echo '# from the failed editor' >> \"$1\"\nexit 1",
    );
    use_editor(&failing);
    app.press("E");
    // (The notice wraps; "exited with status 1" may be split over two lines.)
    let screen = app.wait_for("nothing was saved").await;
    assert!(screen.contains("failing-editor` exited with"), "{screen}");
    assert!(screen.contains("# from the failed editor"), "{screen}");
    assert!(screen.contains("edited, not saved"), "{screen}");
    assert!(versions(&app).is_empty());

    // An editor leaving a template that does not parse: said, not saved, kept.
    let breaking = script(
        &lab.path(""),
        "breaking-editor",
        "echo 'prompt = \"unclosed' >> \"$1\"",
    );
    use_editor(&breaking);
    app.press("alt-e");
    app.wait_for("does not parse").await;
    app.press("ctrl-s");
    app.wait_for("not saved:").await;
    assert!(versions(&app).is_empty());

    // A good edit (the editor rewrites the whole file): loaded, Ctrl-S saves it as usual.
    let good = script(
        &lab.path(""),
        "good-editor",
        "printf 'name = \"digits-subset\"\\nprompt = \"Which digit is shown? One of {labels}.\"\\n' > \"$1\"",
    );
    use_editor(&good);
    app.press("alt-e");
    let screen = app.wait_for("text from the external editor loaded").await;
    assert!(screen.contains("Which digit is shown?"), "{screen}");
    app.press("ctrl-s");
    app.wait_for("Saved v1").await;
    let saved = versions(&app);
    assert_eq!(saved.len(), 1);
    assert!(
        std::fs::read_to_string(&saved[0])
            .unwrap()
            .contains("Which digit is shown?")
    );
    app.press("esc");
    app.wait_for_status("· ready").await;
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_on_a_finished_run_asks_the_scope_and_reports_dataset_changes() {
    let (_lab, dataset, images, server) = lab_and_server().await;
    let app = App::start(spec(&server, &dataset), 120, 40).await;
    app.wait_for_status("· ready").await;
    app.press("r");
    let done = app.wait_for_status("· finished ·").await;
    assert!(done.contains("6/6"), "{done}");
    assert_eq!(server.chat_count(), 6);

    // The dataset changes on disk: one right image vanishes, a new one appears.
    std::fs::remove_file(&images[5].0).unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/digits/2");
    let mut spare: Vec<PathBuf> = std::fs::read_dir(&bundled)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    spare.sort();
    let new_image = Path::new(&dataset).join("2").join("new.jpg");
    std::fs::copy(&spare[2], &new_image).unwrap();

    app.press("r");
    let screen = app.wait_for(" Re-run ").await;
    assert!(screen.contains("misclassified (1)"), "{screen}");
    app.press("w");
    // The notice: "1 of the parent session's images are no longer in the dataset ..." (wrapped).
    app.wait_for("of the parent session's images").await;
    let done = app
        .wait_until("the linked run finished", |s| {
            s.contains("· finished ·") && s.contains("new.jpg")
        })
        .await;
    assert!(done.contains("6/6") || done.contains("2/2"), "{done}");
    // Only the misclassified image and the new one were asked.
    let asked = server.asked_images();
    let again: Vec<&String> = asked[6..].iter().collect();
    let mut want = vec![sha_of(&images[0].0), sha_of(&new_image)];
    want.sort();
    let mut got: Vec<String> = again.into_iter().cloned().collect();
    got.sort();
    assert_eq!(got, want);
    let sessions = app.sessions();
    assert_eq!(sessions.len(), 2, "the re-run is a new session");
    let meta = std::fs::read_to_string(sessions[1].join("session.json")).unwrap();
    assert!(
        meta.contains(&*sessions[0].file_name().unwrap().to_string_lossy()),
        "{meta}"
    );
    assert_eq!(app.quit().await, 0);
}

/// In the open editor, appends `words` inside the `prompt = "..."` string (the template's
/// fourth line: name, description, system, prompt), a change of content (comments are not).
fn edit_prompt_line(app: &App, words: &str) {
    for key in ["down", "down", "down", "end", "left"] {
        app.press(key);
    }
    app.type_text(words);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_list_shows_runs_and_reactivates_a_version() {
    let (_lab, dataset, _images, server) = lab_and_server().await;
    let app = App::start(spec(&server, &dataset), 120, 40).await;
    app.wait_for_status("· ready").await;
    app.press("V");
    app.wait_for("no saved prompt versions for this dataset yet")
        .await;

    // v1, run on everything (nothing has run yet, so any scope runs all).
    app.press("p");
    app.wait_for("What the model gets").await;
    edit_prompt_line(&app, " Look closely.");
    app.press("ctrl-s");
    app.wait_for("Saved v1").await;
    app.press("a");
    let done = app.wait_for_status("· finished ·").await;
    assert!(
        done.contains("6/6") && done.contains("prompt digits-subset v1"),
        "{done}"
    );

    // v2, saved and made active without running.
    app.press("p");
    app.wait_for("What the model gets").await;
    edit_prompt_line(&app, " Really.");
    app.press("ctrl-s");
    app.wait_for("Saved v2").await;
    app.press("esc");
    app.wait_for("prompt digits-subset v2").await;
    app.wait_for_status("· ready").await;

    app.press("V");
    let list = app.wait_for("Prompt versions").await;
    let v1 = list
        .lines()
        .find(|l| l.contains(" v1   "))
        .unwrap_or_default();
    assert!(
        v1.contains("   1 ") && v1.contains("83.3%") && v1.contains("llava:7b"),
        "{list}"
    );
    let v2 = list
        .lines()
        .find(|l| l.contains(" v2   "))
        .unwrap_or_default();
    assert!(
        v2.contains("not run yet") && v2.contains("(active)"),
        "{list}"
    );
    assert!(
        v2.contains('›'),
        "the active version is selected first:\n{list}"
    );

    // Enter on v1 makes it the active prompt again.
    app.press("k");
    app.press("enter");
    app.wait_for("v1 is the active prompt").await;
    app.wait_for("prompt digits-subset v1").await;
    app.wait_for_status("· ready").await;
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_with_the_earlier_session_shows_the_fixed_image() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2"], 2);
    let mut answers = correct_answers(&images);
    answers.insert(sha_of(&images[0].0), "1".to_owned());
    // "Look closely" in the prompt fixes image 0.
    let server = FakeServer::start(FakeConfig {
        answers,
        prompt_answers: vec![("Look closely".to_owned(), correct_answers(&images))],
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, &dataset), 120, 40).await;
    app.wait_for_status("· ready").await;
    app.press("C");
    app.wait_for("nothing to compare yet").await;
    app.press("r");
    app.wait_for_status("· finished ·").await;
    app.press("p");
    app.wait_for("What the model gets").await;
    edit_prompt_line(&app, " Look closely.");
    app.press("ctrl-s");
    app.wait_for("Saved v1").await;
    app.press("a");
    app.wait_until("the second run finished right", |s| {
        support::app::status_line(s).contains("· finished ·") && s.contains("acc 100%")
    })
    .await;
    // The recent-sessions list (which C offers) refreshes after the run.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.press("C");
    let picker = app.wait_for("Compare this run (B)").await;
    assert!(picker.contains("acc 0.833"), "{picker}");
    app.press("enter");
    let view = app.wait_for("Δ matrix").await;
    assert!(
        view.contains("B is right on 1 image A got wrong and wrong on 0 that A got right"),
        "{view}"
    );
    assert!(view.contains("A 83.3%   B 100.0%   Δ +16.7"), "{view}");
    assert!(
        view.contains("1 fixed by B (✓), 0 broken by B (✗)"),
        "{view}"
    );
    let flipped = format!(
        "✓ {}",
        images[0].0.strip_prefix(&dataset).unwrap().display()
    );
    assert!(
        view.contains(flipped.trim_end_matches('/')) || view.contains("true 0  A 1  B 0"),
        "{view}"
    );
    // Enter: the fixed image in a drill-down list, with its preview and both answers.
    app.press("enter");
    let drill = app.wait_for("fixed by B (A wrong)").await;
    for want in [
        "A · the other session",
        "B · this run",
        "parsed 1",
        "parsed 0",
    ] {
        assert!(drill.contains(want), "{want:?} missing:\n{drill}");
    }
    let name = images[0]
        .0
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(drill.contains(&name), "{drill}");
    // Esc goes back to the comparison (a first Esc dismisses notices still up), then closes it.
    for _ in 0..3 {
        if !app.screen().contains("fixed by B (A wrong)") {
            break;
        }
        app.press("esc");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    app.wait_for("Δ matrix").await;
    app.press("esc");
    app.wait_until("the comparison closed", |s| !s.contains("Δ matrix"))
        .await;
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v_shows_the_prompt_read_only_with_the_bias_lint() {
    let (lab, dataset, _images, server) = lab_and_server().await;
    // An example answer in the system prompt: the bias lint warns about it.
    let template = lab.path("biased.toml");
    std::fs::write(
        &template,
        "name = \"biased\"\nsystem = \"Answer with one of: {labels}. For example, respond only with \\\"1\\\".\"\nprompt = \"Which digit is this? \\u001b[31mred\"\n[options]\ntemperature = 0.0\nseed = 7\n",
    )
    .unwrap();
    let mut spec = spec(&server, &dataset);
    spec.template = Some(template.display().to_string());
    let app = App::start(spec, 120, 40).await;
    app.wait_for_status("· ready").await;
    app.press("v");
    let view = app.wait_for("Prompt · biased · read-only").await;
    for want in [
        "system",
        "Answer with one of: 0, 1, 2. For example, respond only with \"1\".",
        "user",
        "Which digit is this? red",
        "labels 0, 1, 2",
        "options temperature = 0, seed = 7",
        "output free",
        "bias lint",
        "⚠",
    ] {
        assert!(view.contains(want), "{want:?} missing:\n{view}");
    }
    assert!(!view.contains('\u{1b}'), "escape sequences are stripped");
    // Read-only: typing changes nothing; p hands over to the editor.
    app.type_text("xyz");
    app.press("p");
    let editor = app.wait_for("What the model gets").await;
    assert!(!editor.contains("xyz"), "{editor}");
    app.press("esc");
    app.wait_until("the editor closed", |s| !s.contains("What the model gets"))
        .await;
    app.press("v");
    app.wait_for("read-only").await;
    app.press("esc");
    app.wait_until("the overlay closed", |s| !s.contains("read-only"))
        .await;
    assert_eq!(server.chat_count(), 0, "nothing ran");
    assert_eq!(app.quit().await, 0);
}

/// The A/B line's figures: (asked, fixed, broken), read from `re-asked N/M · fixed F · broken B`.
fn ab_figures(screen: &str) -> Option<(u32, u32, u32)> {
    let line = screen.lines().find(|l| l.contains("A/B vs parent"))?;
    let after = |word: &str| -> Option<u32> {
        let rest = &line[line.find(word)? + word.len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    Some((after("re-asked ")?, after("fixed ")?, after("broken ")?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_run_streams_against_its_parent() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2"], 4);
    // The parent gets images 0 and 4 wrong (10/12); "Look closely" fixes both and breaks 8.
    let mut answers = correct_answers(&images);
    answers.insert(sha_of(&images[0].0), "1".to_owned());
    answers.insert(sha_of(&images[4].0), "2".to_owned());
    let mut closely = correct_answers(&images);
    closely.insert(sha_of(&images[8].0), "0".to_owned());
    let server = FakeServer::start(FakeConfig {
        answers,
        prompt_answers: vec![("Look closely".to_owned(), closely)],
        latency: std::time::Duration::from_millis(120),
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, &dataset), 160, 48).await;
    app.wait_for_status("· ready").await;
    app.press("r");
    let parent = app.wait_for_status("· finished ·").await;
    assert!(!parent.contains("A/B vs parent"), "{parent}");
    app.press("p");
    app.wait_for("What the model gets").await;
    edit_prompt_line(&app, " Look closely.");
    app.press("ctrl-s");
    app.wait_for("Saved v1").await;
    app.press("a");

    // Every frame while it streams: the figures only grow, and are seen between 0 and 12.
    let mut seen: Vec<(u32, u32, u32)> = Vec::new();
    let deadline = tokio::time::Instant::now() + support::app::WAIT;
    let last = loop {
        let screen = app.screen();
        if let Some(figures) = ab_figures(&screen)
            && seen.last() != Some(&figures)
        {
            seen.push(figures);
        }
        let done = support::app::status_line(&screen).contains("· finished ·")
            && seen.last().is_some_and(|f| f.0 == 12);
        if done {
            break screen;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the linked run did not finish; seen {seen:?}; last frame:\n{screen}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    assert!(
        seen.windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1 && w[0].2 <= w[1].2),
        "{seen:?}"
    );
    let between = seen.iter().filter(|f| f.0 > 0 && f.0 < 12).count();
    assert!(between >= 3, "the numbers move as answers arrive: {seen:?}");
    assert_eq!(seen.last(), Some(&(12, 2, 1)), "{last}");

    // The verdict: 10/12 before, 11/12 now, on the re-asked images and on the whole dataset.
    assert!(
        last.contains("on those A 83.3% B 91.7% (+8.3)")
            && last.contains("whole dataset A 83.3% B 91.7% (+8.3)"),
        "{last}"
    );
    // The delta matrix: row 0 gained its diagonal (+1) from column 1 (-1), row 1 from
    // column 2; row 2 lost one to column 0.
    assert!(last.contains("Δ (B − A) vs parent, 12 re-asked"), "{last}");
    let row = |label: &str| -> Vec<String> {
        let line = last
            .lines()
            .find(|l| l.starts_with(&format!("│{label} ")))
            .unwrap_or_default();
        line.split('│')
            .nth(1)
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(row("0"), ["0", "+1", "-1", "·", "·", "·"], "{last}");
    assert_eq!(row("1"), ["1", "·", "+1", "-1", "·", "·"], "{last}");
    assert_eq!(row("2"), ["2", "+1", "·", "-1", "·", "·"], "{last}");
    // The margins are deltas too: column 0 predicted twice more, column 2 twice less, and the
    // corner is B's count minus A's (the same 12 images on both sides: no change).
    assert_eq!(row("Σ"), ["Σ", "+2", "·", "-2", "·", "·"], "{last}");
    // m cycles: the run's own matrix, the pairs, the delta again.
    app.press("m");
    let full = app.wait_for("Confusion matrix · true").await;
    assert!(full.contains("A/B vs parent"), "the A/B line stays: {full}");
    app.press("m");
    app.wait_for("Most confused pairs").await;
    app.press("m");
    app.wait_for("Δ (B − A) vs parent").await;
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p_probes_the_prompt_prior_off_the_ui_thread() {
    let lab = Lab::new();
    let (dataset, _images) = lab.digits(&["0", "1", "2"], 2);
    // Blank and noise images are in no answer map: the model says "1" to every one.
    let server = FakeServer::start(FakeConfig {
        default_answer: "1".to_owned(),
        latency: std::time::Duration::from_millis(20),
        ..FakeConfig::default()
    })
    .await;
    let app = App::start(spec(&server, &dataset), 120, 40).await;
    app.wait_for_status("· ready").await;
    app.press("P");
    app.wait_for("asking…").await;
    // The UI stays live while it asks: help opens and closes over nothing.
    let done = app.wait_for("done: 40/40 asked").await;
    for want in [
        "Prompt prior · content-free images",
        "prompt digits-subset · model llava:7b",
        "white, black, mid-grey and noise images: 10 each, ",
        "1      100.0%     10     10     10     10",
        "40 answers to content-free images, 0 unparsed, 0 failed.",
    ] {
        assert!(done.contains(want), "{want:?} missing:\n{done}");
    }
    assert_eq!(server.chat_count(), 40);
    assert!(app.sessions().is_empty(), "a probe never writes a session");
    app.press("esc");
    app.wait_until("the probe closed", |s| !s.contains("Prompt prior"))
        .await;

    // Closing a probe that is still asking stops it.
    app.press("P");
    app.wait_until("the second probe asking", |s| {
        s.contains("asking… 2/40") || s.contains("asking… 3/40")
    })
    .await;
    app.press("esc");
    app.wait_until("the probe closed", |s| !s.contains("Prompt prior"))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let stopped_at = server.chat_count();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(server.chat_count(), stopped_at, "no request after closing");
    assert!(stopped_at < 80, "{stopped_at}");
    assert_eq!(app.quit().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_refuses_a_model_without_vision_as_a_run_does() {
    let (_lab, dataset, _images, server) = lab_and_server().await;
    let mut spec = spec(&server, &dataset);
    spec.model = Some("llama3.2:3b".to_owned());
    let app = App::start(spec, 120, 40).await;
    app.wait_for_status("· ready").await;
    app.press("P");
    let probe = app.wait_for("✗ ").await;
    let refusal = probe
        .lines()
        .find_map(|l| l.split("✗ ").nth(1))
        .unwrap()
        .trim_end_matches(['│', ' '])
        .to_owned();
    assert!(refusal.contains("has no vision support"), "{probe}");
    app.press("esc");
    app.wait_until("the probe closed", |s| !s.contains("Prompt prior"))
        .await;
    app.press("r");
    // The run's notice says the same (its first words, before the notice wraps).
    let run = app.wait_for("vision support (its capabilities").await;
    let start: String = refusal.chars().take(30).collect();
    assert!(run.contains(&start), "{start:?} not in:\n{run}");
    assert_eq!(server.chat_count(), 0);
    assert_eq!(app.quit().await, 0);
}

/// The calibrated view end to end: a run whose answers carry label probabilities, `K` before
/// any estimate (it says to press P), `P` (the probe's content-free estimate), `K` (matrix,
/// metrics and lists follow the calibrated labels, raw and calibrated side by side), `K`
/// again (raw). Hand-computed: the prior is 1 0.3, 2 0.1, 3 0.6 (the model says "3" to blank
/// images); raw 4 of 6 right (accuracy 66.7%, macro-F1 0.667), calibrated 5 of 6 (83.3%,
/// macro-F1 (1 + 0.8 + 0.667) / 3 = 0.822).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn k_shows_the_run_calibrated_by_the_probes_prior() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["1", "2", "3"], 2);
    let of = |truth: &str, k: usize| {
        let path = &images.iter().filter(|(_, t)| t == truth).nth(k).unwrap().0;
        sha_of(path)
    };
    let p = |pairs: &[(&str, f64)]| -> Vec<(String, f64)> {
        pairs.iter().map(|(l, p)| ((*l).to_owned(), *p)).collect()
    };
    // (image, answer, the answer token's probabilities); scores are p / prior.
    let items = [
        // 0.4/0.3 = 1.33 beats 0.5/0.6 = 0.83: fixed to "1".
        (of("1", 0), "3", p(&[("3", 0.5), ("1", 0.4), ("2", 0.1)])),
        (of("1", 1), "1", p(&[("1", 0.7), ("3", 0.2), ("2", 0.1)])),
        // 0.3/0.1 = 3 beats 0.5/0.6: fixed to "2".
        (of("2", 0), "3", p(&[("3", 0.5), ("2", 0.3), ("1", 0.2)])),
        (of("2", 1), "2", p(&[("2", 0.9), ("3", 0.05), ("1", 0.05)])),
        // 0.7/0.6 = 1.17 beats 0.2/0.3 and 0.1/0.1: stays "3".
        (of("3", 0), "3", p(&[("3", 0.7), ("1", 0.2), ("2", 0.1)])),
        // 0.25/0.1 = 2.5 beats 0.4/0.6: broken to "2".
        (of("3", 1), "3", p(&[("3", 0.4), ("1", 0.35), ("2", 0.25)])),
    ];
    let mut answers = std::collections::HashMap::new();
    let mut answer_probs = std::collections::HashMap::new();
    for (sha, answer, probs) in items {
        answers.insert(sha.clone(), answer.to_owned());
        answer_probs.insert(sha, probs);
    }
    // Every blank and noise image: "3" at 0.6, "1" 0.3, "2" 0.1.
    answer_probs.insert("3".to_owned(), p(&[("3", 0.6), ("1", 0.3), ("2", 0.1)]));
    let server = FakeServer::start(FakeConfig {
        answers,
        answer_probs,
        default_answer: "3".to_owned(),
        ..FakeConfig::default()
    })
    .await;
    let template = lab.path("digits-123.toml");
    std::fs::write(
        &template,
        "name = \"digits-123\"\nprompt = \"Which digit?\"\n",
    )
    .unwrap();
    let mut spec = spec(&server, &dataset);
    spec.template = Some(template.to_string_lossy().into_owned());
    let app = App::start(spec.clone(), 120, 40).await;
    app.wait_for_status("· ready").await;
    app.press("r");
    app.wait_for_status("· finished ·").await;

    // No estimate yet: K says what to do.
    app.press("K");
    let notice = app
        .wait_for("no content-free estimate for this prompt yet: press P")
        .await;
    assert!(
        notice.contains("logprobs (--logprobs for OpenAI-compatible"),
        "{notice}"
    );
    app.press("esc");

    app.press("P");
    let probe = app.wait_for("done: 40/40 asked").await;
    assert!(
        probe.contains("K on the matrix: the run calibrated by this content-free estimate"),
        "{probe}"
    );
    app.press("esc");
    app.wait_until("the probe closed", |s| !s.contains("Prompt prior"))
        .await;

    app.press("K");
    let on = app.wait_for("raw → calibrated").await;
    for want in [
        "calibrated view on: calibrated 6 of 6",
        "raw → calibrated (6 of 6 calibrated)",
        "accuracy  66.7% → 83.3%  +16.7",
        "macro-F1  0.667 → 0.822  +0.156",
        "Classes · calibrated",
    ] {
        assert!(on.contains(want), "{want:?} missing:\n{on}");
    }
    assert!(
        support::app::status_line(&on).contains("calibrated"),
        "{on}"
    );
    // The estimate was saved under the data folder, for the next workbench.
    let priors = app.data.path().join("priors");
    let saved = wait_for_file(&priors).await;
    let saved_bytes = std::fs::read(&saved).unwrap();
    let prior: serde_json::Value = serde_json::from_slice(&saved_bytes).unwrap();
    assert_eq!(prior["model"], "llava:7b", "{prior}");
    assert!(
        (prior["content_free"]["3"].as_f64().unwrap() - 0.6).abs() < 1e-9,
        "{prior}"
    );
    // Esc dismisses the notice first.
    app.press("esc");
    app.wait_until("the notice dismissed", |s| {
        !s.contains("calibrated view on")
    })
    .await;
    // The drill-down follows the calibrated labels: true 3 → predicted 2 holds the broken one.
    // Row "3" is the third true label, column "2" the second predicted.
    for key in ["j", "j", "l"] {
        app.press(key);
    }
    app.press("enter");
    let drill = app.wait_for("true 3 → predicted 2").await;
    assert!(drill.contains("2 (raw 3)"), "{drill}");
    assert!(drill.contains("parsed 3  calibrated 2"), "{drill}");
    app.press("esc");
    app.wait_for("Confusion matrix").await;

    app.press("K");
    let off = app.wait_for("calibrated view off").await;
    assert!(!off.contains("raw → calibrated"), "{off}");
    assert_eq!(app.quit().await, 0);

    // Another workbench (its own data folder, holding the saved estimate): K calibrates the
    // same model and prompt without a probe.
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(data.path().join("priors")).unwrap();
    let copy = data.path().join("priors").join(saved.file_name().unwrap());
    std::fs::write(copy, &saved_bytes).unwrap();
    let chats = server.chat_count();
    let app = App::start_in(data, spec, 120, 40).await;
    app.wait_for_status("· ready").await;
    app.press("r");
    app.wait_for_status("· finished ·").await;
    app.press("K");
    let on = app.wait_for("calibrated view on (the estimate saved").await;
    assert!(on.contains("accuracy  66.7% → 83.3%  +16.7"), "{on}");
    assert_eq!(server.chat_count(), chats + 6, "the run only: no probe");
    assert_eq!(app.quit().await, 0);
}

/// Polls until `dir` holds a file; returns it.
async fn wait_for_file(dir: &Path) -> PathBuf {
    for _ in 0..200 {
        let file = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_file());
        if let Some(file) = file {
            return file;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("nothing written in {}", dir.display());
}
