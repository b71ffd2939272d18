//! The real `squint` binary's offline commands: `report` in every format on a session made by
//! a run against the fake server (then stopped), on damaged and moved sessions; `import` of a
//! results file in the original experiment's format; `sessions`; and that the commands which
//! only read leave the data dir as they found it (no log file unless something is logged).

// A failed unwrap here is a failed test with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::fake_server::{FakeConfig, FakeServer, sha256_hex};
use support::lab::{Lab, digit_images};
use support::seed_data::seed_data;

const MODEL: &str = "llava:7b";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    text(&o.stdout)
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A class-folder dataset of 2 digits per class with the bundled template; returns its path
/// and (path in the dataset, truth) per image.
fn folder_dataset(env: &Lab) -> (PathBuf, Vec<(PathBuf, String)>) {
    let root = env.path("digits");
    let mut images = Vec::new();
    for (src, label) in digit_images(2) {
        let dir = root.join(&label);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let dst = dir.join(src.file_name().expect("name"));
        std::fs::copy(&src, &dst).expect("copy image");
        images.push((dst, label));
    }
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/digits/template.toml");
    std::fs::copy(template, root.join("template.toml")).expect("copy template");
    (root, images)
}

/// Runs the 20-image dataset to the end against a fake server that gets a few wrong (every
/// true 5 answered "3", one true 7 unparseable), then stops the server.
fn finished_session(env: &Lab) -> (PathBuf, PathBuf) {
    let (dataset, images) = folder_dataset(env);
    let mut answers: HashMap<String, String> = HashMap::new();
    for (i, (path, truth)) in images.iter().enumerate() {
        let sha = sha256_hex(&std::fs::read(path).expect("read image"));
        let answer = match (truth.as_str(), i % 2) {
            ("5", _) => "3".to_owned(),
            ("7", 0) => "<b>x</b>".to_owned(),
            _ => truth.clone(),
        };
        answers.insert(sha, answer);
    }
    let server = FakeServer::start_in_thread(FakeConfig {
        answers,
        ..FakeConfig::default()
    });
    let out = env.path("session");
    let o = env.run(&[
        "run",
        "--dataset",
        &s(&dataset),
        "--host",
        &server.url,
        "--model",
        MODEL,
        "--out",
        &s(&out),
    ]);
    ok(&o);
    drop(server);
    (out, dataset)
}

#[test]
fn reports_a_finished_run_offline_in_every_format() {
    let env = Lab::new();
    let (session, _) = finished_session(&env);
    let dir = s(&session);

    let md = ok(&env.run(&["report", &dir, "--format", "md"]));
    assert!(md.starts_with("# squint report: session\n"), "{md}");
    assert!(
        md.contains("**Accuracy 0.850** (95% CI 0.640 to 0.948)"),
        "{md}"
    );
    assert!(md.contains("17 of 20 answered images correct"), "{md}");
    assert!(
        md.contains("| 5 | 3 | 2 | 100.0% |"),
        "most confused pair: {md}"
    );
    assert!(
        md.contains("  accuracy                           0.85        20"),
        "{md}"
    );
    assert!(md.contains("“\\<b\\>x\\</b\\>”"), "answer escaped: {md}");

    let json: Value = serde_json::from_str(&ok(&env.run(&["report", &dir, "--format", "json"])))
        .expect("one JSON object");
    assert_eq!(json["version"], 1);
    assert_eq!(json["counts"]["done"], 20);
    assert_eq!(json["counts"]["unparsed"], 1);
    assert_eq!(json["session"]["status"], "finished");
    assert_eq!(json["run"]["model"], MODEL);
    assert_eq!(json["confused_pairs"][0]["truth"], "5");
    assert!(
        json["run"]["template"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("digit"))
    );

    let csv_text = ok(&env.run(&["report", &dir, "--format", "csv"]));
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    assert_eq!(
        headers.iter().take(4).collect::<Vec<_>>(),
        ["image_name", "actual", "predicted", "score"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 20);
    assert_eq!(rows.iter().filter(|r| &r[3] == "pass").count(), 17);

    let svg = ok(&env.run(&["report", &dir, "--format", "svg"]));
    assert!(
        svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );

    let html_path = env.path("out/report.html");
    std::fs::create_dir_all(env.path("out")).expect("mkdir");
    let o = env.run(&["report", &dir, "--format", "html", "-o", &s(&html_path)]);
    assert_eq!(ok(&o), "", "nothing on stdout with -o");
    assert!(
        text(&o.stderr).contains("report.html"),
        "{}",
        text(&o.stderr)
    );
    let html = std::fs::read_to_string(&html_path).expect("report written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Three wrong images (two 5s, one 7): each embedded as a thumbnail.
    assert_eq!(
        html.matches("<img src=\"data:image/png;base64,").count(),
        3,
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("https:"),
        "self-contained, inert"
    );
}

#[test]
fn a_session_whose_images_moved_still_renders_and_counts_them() {
    let env = Lab::new();
    let (session, dataset) = finished_session(&env);
    std::fs::rename(&dataset, env.path("moved")).expect("move dataset");
    let html = ok(&env.run(&["report", &s(&session), "--format", "html"]));
    assert_eq!(html.matches("<img ").count(), 0);
    assert!(
        html.contains("3 example image(s) could not be read"),
        "{html}"
    );
}

/// Every path under `dir`, sorted, with each file's length.
fn tree(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut paths = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("read dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::metadata(&path).expect("metadata");
            if meta.is_dir() {
                pending.push(path.clone());
            }
            paths.push((path, if meta.is_dir() { 0 } else { meta.len() }));
        }
    }
    paths.sort();
    paths
}

#[test]
fn the_read_only_commands_leave_the_data_dir_untouched_and_log_only_when_asked() {
    let env = Lab::new();
    let (made, dataset) = finished_session(&env);
    let data = env.path("data");
    let session = data.join("sessions").join("listed");
    std::fs::create_dir_all(session.parent().expect("parent")).expect("mkdir");
    std::fs::rename(&made, &session).expect("move the session into the data dir");
    let _ = std::fs::remove_dir_all(data.join("logs"));
    let before = tree(&data);
    let dir = s(&session);

    assert!(ok(&env.run(&["sessions"])).contains("20/20"));
    ok(&env.run(&["sessions", "--json"]));
    for format in ["md", "json", "csv", "html"] {
        ok(&env.run(&["report", &dir, "--format", format]));
    }
    let manifest = env.path("labels.csv");
    ok(&env.run(&["labels", &dir, "--format", "csv", "-o", &s(&manifest)]));
    assert!(manifest.exists());
    ok(&env.run(&["config", "path"]));
    ok(&env.run(&["completions", "bash"]));
    ok(&env.run(&["man"]));
    assert_eq!(
        tree(&data),
        before,
        "nothing created or changed in the data dir"
    );
    assert!(!data.join("logs").exists());

    // Something to log (example images that cannot be decoded) with the filter open: the log
    // file appears, holding the line.
    for (path, _) in tree(&dataset) {
        if path.extension().is_some_and(|e| e == "png") {
            std::fs::write(&path, "not a png").expect("spoil an image");
        }
    }
    let mut report = env.cmd(&["report", &dir, "--format", "html"]);
    let o = report
        .env("SQUINT_LOG", "debug")
        .output()
        .expect("run squint");
    ok(&o);
    let log = std::fs::read_to_string(data.join("logs").join("squint.log")).expect("the log");
    assert!(log.contains("thumbnail of"), "{log}");
}

#[test]
fn a_torn_last_line_is_skipped_and_said_and_an_interrupted_run_says_so() {
    let env = Lab::new();
    let (session, _) = finished_session(&env);
    let results = session.join("results.jsonl");
    let mut journal = std::fs::read_to_string(&results).expect("results");
    journal.push_str("{\"image\": \"9/torn.png\", \"sha2");
    std::fs::write(&results, journal).expect("tear");
    let meta_path = session.join("session.json");
    let meta = std::fs::read_to_string(&meta_path).expect("meta");
    let meta = meta
        .replace("\"finished\"", "\"interrupted\"")
        .replace("\"total\": 20", "\"total\": 25");
    std::fs::write(&meta_path, meta).expect("edit meta");

    let md = ok(&env.run(&["report", &s(&session)]));
    assert!(
        md.contains("The last line of results.jsonl was torn"),
        "{md}"
    );
    assert!(
        md.contains("interrupted: this report covers the 20 of 25 selected images"),
        "{md}"
    );
}

#[test]
fn a_folder_that_is_not_a_session_exits_2_naming_it() {
    let env = Lab::new();
    let empty = env.path("nothing-here");
    std::fs::create_dir_all(&empty).expect("mkdir");
    for format in ["md", "html"] {
        let o = env.run(&["report", &s(&empty), "--format", format]);
        assert_eq!(o.status.code(), Some(2));
        let err = text(&o.stderr);
        assert!(
            err.contains("nothing-here") && err.contains("not a squint session"),
            "{err}"
        );
    }
    let o = env.run(&["report", &s(&empty), "--format", "pdf"]);
    assert_eq!(o.status.code(), Some(2), "clap rejects an unknown format");
}

/// A prefix-layout dataset (`3_img_0023.png`) like the original MNIST set.
fn prefix_dataset(env: &Lab) -> PathBuf {
    let root = env.path("mnist");
    std::fs::create_dir_all(&root).expect("mkdir");
    for (src, label) in digit_images(2) {
        let name = format!(
            "{label}_img_{}",
            src.file_name().expect("name").to_string_lossy()
        );
        std::fs::copy(&src, root.join(name)).expect("copy");
    }
    root
}

#[test]
fn imports_a_results_file_in_the_original_format() {
    let env = Lab::new();
    let dataset = prefix_dataset(&env);
    let mut csv = String::from("#image_name, actual, predicted, score\n");
    let mut names: Vec<String> = std::fs::read_dir(&dataset)
        .expect("dataset")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let truth = &name[..1];
        // Every 4 answered "3", like the original's bias.
        let predicted = if truth == "4" { "3" } else { truth };
        let score = if predicted == truth { "pass" } else { "fail" };
        csv.push_str(&format!("{name}, {truth}, {predicted}, {score}\n"));
    }
    csv.push_str("9_img_missing.jpg, 9, 9, pass\n");
    let results = env.path("mnist-res.csv");
    std::fs::write(&results, csv).expect("write csv");

    let o = env.run(&["import", &s(&results), "--dataset", &s(&dataset)]);
    let dir = ok(&o);
    let err = text(&o.stderr);
    assert!(
        err.contains("line 22: 9_img_missing.jpg is not in the dataset"),
        "{err}"
    );
    assert!(
        err.contains("imported 20 results (1 rows skipped)"),
        "{err}"
    );
    let dir = dir.trim();
    assert!(Path::new(dir).join("session.json").is_file(), "{dir}");

    let json: Value =
        serde_json::from_str(&ok(&env.run(&["report", dir, "--format", "json"]))).expect("json");
    assert_eq!(json["counts"]["answered"], 20);
    assert_eq!(json["accuracy"].as_f64(), Some(18.0 / 20.0));
    assert_eq!(json["parsing"]["steps"]["imported"], 20);
    assert_eq!(json["session"]["status"], "finished");
    assert!(
        json["session"]["imported_from"]
            .as_str()
            .is_some_and(|p| p.ends_with("mnist-res.csv"))
    );
    assert_eq!(json["confusion"]["matrix"][4][3], 2);

    let listed: Value =
        serde_json::from_str(&ok(&env.run(&["sessions", "--json"]))).expect("sessions json");
    assert_eq!(listed[0]["done"], 20);
    assert_eq!(listed[0]["accuracy"].as_f64(), Some(0.9));
    assert_eq!(listed[0]["imported"], true);
    let table = ok(&env.run(&["sessions"]));
    assert!(table.starts_with("started "), "{table}");
    assert!(
        table.contains("20/20") && table.contains("0.900") && table.contains("imported"),
        "{table}"
    );

    // An import records answers, not the prompt: continuing it says so and what to do.
    let o = env.run(&["run", "--resume", dir]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("records no prompt template") && err.contains("--template"),
        "{err}"
    );
}

#[test]
fn an_import_file_with_the_wrong_columns_names_the_line() {
    let env = Lab::new();
    let dataset = prefix_dataset(&env);
    let results = env.path("bad.csv");
    std::fs::write(&results, "path,label\n0_img_1.png,0\n").expect("write");
    let o = env.run(&["import", &s(&results), "--dataset", &s(&dataset)]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains(
            "bad.csv: line 1: expected the columns `image_name, actual, predicted, score`"
        ),
        "{err}"
    );
    std::fs::write(
        &results,
        "#image_name, actual, predicted, score\n0_img_1.png, 0\n",
    )
    .expect("write");
    let err = text(
        &env.run(&["import", &s(&results), "--dataset", &s(&dataset)])
            .stderr,
    );
    assert!(err.contains("line 2: expected 4 columns"), "{err}");
}

#[test]
fn importing_the_published_results_reproduces_the_published_report() {
    let Some(seed) = seed_data("") else { return };
    let env = Lab::new();
    let out = env.path("mnist-session");
    ok(&env.run(&[
        "import",
        &s(&seed.join("llava-answers/mnist-res.csv")),
        "--dataset",
        &s(&seed.join("mnist-500")),
        "--modelfile",
        &s(&seed.join("ollama-modelfiles/mnist-number-classifier.Modelfile")),
        "--out",
        &s(&out),
    ]));
    let md = ok(&env.run(&["report", &s(&out), "--digits", "6"]));
    for line in [
        "           3   0.434783  1.000000  0.606061        50",
        "    accuracy                       0.792000       500",
        "   macro avg   0.857410  0.792000  0.804210       500",
        "weighted avg   0.857410  0.792000  0.804210       500",
    ] {
        assert!(md.contains(line), "{line:?} missing from:\n{md}");
    }
    assert!(
        md.contains("| 3 | 50 | 10.0% | 115 | 23.0% |"),
        "the over-predicted 3: {md}"
    );
    assert!(
        md.contains("**Bias lint**"),
        "the Modelfile's example answer is linted: {md}"
    );
}
