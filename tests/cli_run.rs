//! The real `squint` binary against the project's fake server: reports, session files, the
//! cache, resume after `kill -9`, Ctrl-C, item failures and the documented exit codes.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::fake_server::{FakeConfig, FakeServer, Fault};
use support::lab::{Lab, digit_images, digits_dir, results, run_args, sha_of, stderr, stdout};
use support::seed_data::seed_data;

use support::lab::MODEL;

/// Copies those images (and the bundled template) into a dataset folder of the test's own.
fn digits_dataset(env: &Lab, per_class: usize) -> (String, Vec<(PathBuf, String)>) {
    let root = env.path("digits");
    let images = digit_images(per_class);
    for (path, label) in &images {
        let dir = root.join(label);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::copy(path, dir.join(path.file_name().expect("name"))).expect("copy image");
    }
    std::fs::copy(
        digits_dir().join("template.toml"),
        root.join("template.toml"),
    )
    .expect("copy template");
    (root.to_string_lossy().into_owned(), images)
}

/// A fake model that answers every digit correctly, except the given overrides (by path).
fn answers_for(
    images: &[(PathBuf, String)],
    overrides: &[(usize, &str)],
) -> HashMap<String, String> {
    let mut answers: HashMap<String, String> = images
        .iter()
        .map(|(p, truth)| (sha_of(p), truth.clone()))
        .collect();
    for (index, answer) in overrides {
        answers.insert(sha_of(&images[*index].0), (*answer).to_string());
    }
    answers
}

/// `squint run` on `dataset` against `server`, writing the session to `out`, plus `extra`.
fn digits_run<'a>(
    server: &'a FakeServer,
    dataset: &'a str,
    out: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    run_args(&server.url, dataset, out, extra)
}

#[test]
fn json_report_counts_and_session_files() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 2);
    let answers = answers_for(
        &images,
        &[
            (0, "3"),
            (2, "The digit is 3."),
            (4, "I cannot tell, sorry."),
            (6, "seven"),
        ],
    );
    let server = FakeServer::start_in_thread(FakeConfig {
        answers,
        ..FakeConfig::default()
    });
    let out = env.path("s1");
    let out_s = out.to_string_lossy().into_owned();
    let o = env.run(&digits_run(&server, &dataset, &out_s, &["--json"]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("stdout is one JSON object");
    assert_eq!(json["counts"]["total"], 20);
    assert_eq!(json["counts"]["done"], 20);
    assert_eq!(json["counts"]["errors"], 0);
    assert_eq!(json["counts"]["unparsed"], 1);
    // 20 items: 0 -> "3" twice wrong (0 and 2 are class 0 and class 1), unparsed one, "seven" for a 3.
    assert_eq!(json["accuracy"].as_f64(), Some(16.0 / 20.0));
    // The 95% Wilson interval on 16 of 20: 0.5840 to 0.9193.
    let ci: Vec<String> = json["accuracy_ci95"]
        .as_array()
        .expect("accuracy_ci95 is [low, high]")
        .iter()
        .map(|v| format!("{:.4}", v.as_f64().unwrap_or(-1.0)))
        .collect();
    assert_eq!(ci, ["0.5840", "0.9193"]);
    assert_eq!(json["per_class"]["3"]["support"], 2);
    let labels: Vec<&str> = json["confusion"]["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(labels.last(), Some(&"(unparsed)"));
    assert_eq!(labels.len(), 11);
    let matrix = json["confusion"]["matrix"].as_array().expect("matrix");
    assert_eq!(matrix[0][3], 1, "a true 0 answered 3");
    assert_eq!(matrix[3][7], 1, "a true 3 answered seven");
    assert!(json["macro_avg"]["f1"].is_number() && json["weighted_avg"]["support"] == 20);
    assert_eq!(json["session"].as_str(), Some(out_s.as_str()));

    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("session.json")).expect("session.json"),
    )
    .expect("json");
    assert_eq!(meta["backend"]["model"], MODEL);
    assert_eq!(meta["backend"]["kind"], "ollama");
    assert_eq!(meta["status"], "finished");
    assert!(meta["ended_at"].is_string());
    assert!(
        meta["template"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Which digit"))
    );
    assert_eq!(meta["dataset"]["labels"].as_array().map(Vec::len), Some(10));
    let lines = results(&out);
    assert_eq!(lines.len(), 20);
    let unparsed = lines
        .iter()
        .find(|l| l["parse"] == "unparsed")
        .expect("unparsed line");
    assert!(
        unparsed["answer"]
            .as_str()
            .is_some_and(|a| a.starts_with("I cannot")),
        "{unparsed}"
    );
    assert_eq!(unparsed["label"], Value::Null);
    assert_eq!(unparsed["parse"], "unparsed");
    assert_eq!(unparsed["error"], Value::Null);
    let alias = lines
        .iter()
        .find(|l| l["answer"] == "seven")
        .expect("alias line");
    assert_eq!(alias["label"], "7");
    assert_eq!(alias["parse"], "alias");
    for line in &lines {
        for key in [
            "image",
            "sha256",
            "truth",
            "answer",
            "label",
            "parse",
            "confidence",
            "latency_ms",
            "eval_count",
            "attempts",
            "error",
        ] {
            assert!(line.get(key).is_some(), "results line lacks {key}: {line}");
        }
    }
}

#[test]
fn text_report_has_sklearn_layout_and_matrix() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &[(1, "3")]),
        ..FakeConfig::default()
    });
    let out = env.path("text");
    let out_s = out.to_string_lossy().into_owned();
    let o = env.run(&digits_run(&server, &dataset, &out_s, &["--digits", "4"]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("              precision    recall  f1-score   support\n\n"),
        "{text}"
    );
    assert!(
        text.contains("\n    accuracy                         0.9000        10\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\naccuracy 0.9000, 95% interval 0.5958-0.9821 (Wilson, ±0.1931), 10 answered images\n"
        ),
        "{text}"
    );
    assert!(text.contains("   macro avg "), "{text}");
    assert!(text.contains("weighted avg "), "{text}");
}

#[test]
fn cache_answers_unchanged_reruns_and_no_cache_bypasses_it() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &[]),
        ..FakeConfig::default()
    });
    let first = env.path("c1").to_string_lossy().into_owned();
    let o = env.run(&digits_run(
        &server,
        &dataset,
        &first,
        &["--limit-per-class", "1"],
    ));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(server.chat_count(), 10);
    let second = env.path("c2").to_string_lossy().into_owned();
    let o = env.run(&digits_run(&server, &dataset, &second, &["--json"]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(
        server.chat_count(),
        10,
        "an unchanged re-run sends no request"
    );
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["accuracy"].as_f64(), Some(1.0));
    assert!(
        results(Path::new(&second))
            .iter()
            .all(|l| l["cached"] == true && l["attempts"] == 0)
    );
    let third = env.path("c3").to_string_lossy().into_owned();
    let o = env.run(&digits_run(&server, &dataset, &third, &["--no-cache"]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(server.chat_count(), 20, "--no-cache asks again");
}

fn wait_for_lines(path: &Path, n: usize) {
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

#[test]
fn resume_after_kill_finishes_without_reasking() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 2);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &[]),
        latency: Duration::from_millis(60),
        ..FakeConfig::default()
    });
    let out = env.path("r1");
    let out_s = out.to_string_lossy().into_owned();
    let mut child = env
        .cmd(&digits_run(&server, &dataset, &out_s, &["--no-cache"]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for_lines(&out.join("results.jsonl"), 5);
    child.kill().expect("kill -9");
    let _ = child.wait();
    let before = results(&out).len();
    assert!((5..20).contains(&before), "killed mid-run: {before} lines");
    let asked_before = server.chat_count();

    let o = env.run(&["run", "--resume", &out_s, "--json"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["counts"]["done"], 20);
    assert_eq!(json["accuracy"].as_f64(), Some(1.0));
    let asked_now = server.chat_count() - asked_before;
    assert_eq!(
        asked_now,
        20 - before,
        "only unfinished items are asked again"
    );
    let mut seen: Vec<String> = results(&out)
        .iter()
        .map(|l| l["image"].as_str().unwrap_or_default().to_string())
        .collect();
    // The resumed run kept the order it started with: the journal is the asking order of a
    // fresh run with the same seed.
    let fresh = env.path("r1-fresh").to_string_lossy().into_owned();
    let o = env.run(&digits_run(&server, &dataset, &fresh, &[]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let fresh_order: Vec<String> = results(Path::new(&fresh))
        .iter()
        .map(|l| l["image"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(seen, fresh_order, "resume keeps the session's order");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 20);
}

/// A folders dataset of `sizes[c]` tiny distinct PNGs for digit class `c`, with the bundled
/// digits template.
fn uneven_digits_dataset(env: &Lab, sizes: &[usize; 10]) -> String {
    let root = env.path("uneven");
    let mut n: u32 = 0;
    for (class, &size) in sizes.iter().enumerate() {
        let dir = root.join(class.to_string());
        std::fs::create_dir_all(&dir).expect("mkdir");
        for i in 0..size {
            n += 1;
            let pixel = image::Rgb([(n % 256) as u8, (n / 256) as u8, class as u8]);
            image::RgbImage::from_pixel(2, 2, pixel)
                .save(dir.join(format!("{i:03}.png")))
                .expect("write png");
        }
    }
    std::fs::copy(
        digits_dir().join("template.toml"),
        root.join("template.toml"),
    )
    .expect("copy template");
    root.to_string_lossy().into_owned()
}

fn journal_order(dir: &str) -> Vec<(String, String)> {
    results(Path::new(dir))
        .iter()
        .map(|l| {
            let text = |k: &str| l[k].as_str().unwrap_or_default().to_owned();
            (text("image"), text("truth"))
        })
        .collect()
}

#[test]
fn any_prefix_of_a_500_image_journal_holds_every_class_in_proportion() {
    let env = Lab::new();
    let sizes = [95, 80, 70, 60, 50, 45, 40, 30, 20, 10];
    let dataset = uneven_digits_dataset(&env, &sizes);
    let server = FakeServer::start_in_thread(FakeConfig {
        default_answer: "3".to_owned(),
        ..FakeConfig::default()
    });
    let run = |name: &str, extra: &[&str]| {
        let out = env.path(name).to_string_lossy().into_owned();
        let o = env.run(&digits_run(&server, &dataset, &out, extra));
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        journal_order(&out)
    };
    let journal = run("seed7", &["--seed", "7"]);
    assert_eq!(journal.len(), 500);
    let mut seen = [0usize; 10];
    for (i, (_, truth)) in journal.iter().enumerate() {
        seen[truth.parse::<usize>().expect("digit label")] += 1;
        let prefix = (i + 1) as f64;
        for (class, (&got, &size)) in seen.iter().zip(&sizes).enumerate() {
            let share = prefix * size as f64 / 500.0;
            assert!(
                (got as f64 - share).abs() <= 1.0,
                "after {prefix} items class {class} has {got}, its share is {share:.2}"
            );
        }
    }
    // Within a class the order is shuffled, not file order.
    let zeros: Vec<&str> = journal
        .iter()
        .filter(|(_, t)| t == "0")
        .map(|(image, _)| image.as_str())
        .collect();
    assert!(zeros.windows(2).any(|w| w[0] > w[1]), "{zeros:?}");
    // The seed makes it repeatable (answers now come from the cache, the order must not change).
    assert_eq!(run("seed7-again", &["--seed", "7"]), journal);
    assert_ne!(run("seed8", &["--seed", "8"]), journal);
    // `--order dataset` keeps file order: all the 0s first.
    let files = run("files", &["--order", "dataset"]);
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(env.path("files").join("session.json")).expect("meta"),
    )
    .expect("json");
    assert_eq!(meta["dataset"]["order"], "dataset");
}

#[test]
fn ctrl_c_stops_cleanly_with_exit_130_and_says_how_to_resume() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 2);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &[]),
        latency: Duration::from_millis(100),
        ..FakeConfig::default()
    });
    let out = env.path("int");
    let out_s = out.to_string_lossy().into_owned();
    let child = env
        .cmd(&digits_run(&server, &dataset, &out_s, &["--no-cache"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_for_lines(&out.join("results.jsonl"), 3);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(130), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("squint run --resume {out_s}")),
        "{}",
        stderr(&o)
    );
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("session.json")).expect("meta"))
            .expect("json");
    assert_eq!(meta["status"], "interrupted");
}

#[test]
fn failed_items_are_counted_not_predicted() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 1);
    let mut cfg = FakeConfig {
        answers: answers_for(&images, &[]),
        ..FakeConfig::default()
    };
    cfg.fault_for_image
        .insert(sha_of(&images[3].0), Fault::Status(400));
    let server = FakeServer::start_in_thread(cfg);
    let out_s = env.path("f").to_string_lossy().into_owned();
    let o = env.run(&digits_run(&server, &dataset, &out_s, &["--json"]));
    assert_eq!(
        o.status.code(),
        Some(0),
        "item errors are allowed: {}",
        stderr(&o)
    );
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["counts"]["errors"], 1);
    assert_eq!(json["counts"]["done"], 10);
    assert_eq!(
        json["accuracy"].as_f64(),
        Some(1.0),
        "the failed item is not a wrong label"
    );
    assert_eq!(
        json["per_class"]["3"],
        Value::Null,
        "no prediction row for the failed 3"
    );
    let failed: Vec<Value> = results(Path::new(&out_s))
        .into_iter()
        .filter(|l| !l["error"].is_null())
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["attempts"], 1, "a 400 is never retried");
}

#[test]
fn transient_server_errors_are_retried() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 1);
    let cfg = FakeConfig {
        answers: answers_for(&images, &[]),
        faults: vec![Fault::Status(503), Fault::CutStream, Fault::MidStreamError],
        ..FakeConfig::default()
    };
    let server = FakeServer::start_in_thread(cfg);
    let out_s = env.path("t").to_string_lossy().into_owned();
    let o = env.run(&digits_run(
        &server,
        &dataset,
        &out_s,
        &["--json", "--retries", "4"],
    ));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["counts"]["errors"], 0);
    assert_eq!(json["accuracy"].as_f64(), Some(1.0));
    assert_eq!(server.chat_count(), 13);
    // The headless command logs like the workbench does, to a file in the data dir.
    let log = std::fs::read_to_string(env.path("data").join("logs/squint.log")).expect("log");
    assert!(log.contains("retrying"), "{log}");
}

/// An item whose every attempt failed is journaled with the reason, and the reason never
/// promises a retry that will not happen.
#[test]
fn the_last_failure_is_journaled_without_promising_a_retry() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 1);
    let cfg = FakeConfig {
        answers: answers_for(&images, &[]),
        faults: vec![Fault::MidStreamError; 4],
        ..FakeConfig::default()
    };
    let server = FakeServer::start_in_thread(cfg);
    let out_s = env.path("failed").to_string_lossy().into_owned();
    let o = env.run(&digits_run(
        &server,
        &dataset,
        &out_s,
        &["--json", "--retries", "1"],
    ));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let errors: Vec<String> = results(Path::new(&out_s))
        .iter()
        .filter_map(|r| r["error"].as_str().map(str::to_owned))
        .collect();
    assert!(!errors.is_empty(), "no item failed: {}", stderr(&o));
    for error in &errors {
        assert!(error.contains("failed while generating"), "{error}");
        assert!(!error.contains("retried"), "journaled: {error}");
    }
    // The kind travels with the message into the journal (an error inside the stream is the
    // server's); answered items carry no kind.
    for r in results(Path::new(&out_s)) {
        let want = if r["error"].is_string() {
            serde_json::json!("server")
        } else {
            serde_json::Value::Null
        };
        assert_eq!(
            r.get("error_kind").cloned().unwrap_or_default(),
            want,
            "{r}"
        );
    }
}

#[test]
fn corrupt_image_is_a_failed_item_with_its_reason() {
    let env = Lab::new();
    let dataset = env.path("tiny");
    std::fs::create_dir_all(&dataset).expect("mkdir");
    let (good, _) = &digit_images(1)[0];
    std::fs::copy(good, dataset.join("0_good.png")).expect("copy");
    std::fs::write(dataset.join("1_broken.png"), b"\x89PNG\r\n\x1a\nnot really").expect("write");
    std::fs::write(
        dataset.join("template.toml"),
        "name = \"t\"\nprompt = \"Which digit?\"\n[options]\ntemperature = 0.0\n",
    )
    .expect("template");
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&digit_images(1)[..1], &[]),
        ..FakeConfig::default()
    });
    let out_s = env.path("corrupt").to_string_lossy().into_owned();
    let o = env.run(&[
        "run",
        "--dataset",
        &dataset.to_string_lossy(),
        "--host",
        &server.url,
        "--model",
        MODEL,
        "--out",
        &out_s,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["counts"]["errors"], 1);
    let failed = results(Path::new(&out_s))
        .into_iter()
        .find(|l| !l["error"].is_null())
        .expect("failed line");
    assert_eq!(failed["image"], "1_broken.png");
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a readable image")),
        "{failed}"
    );
}

#[test]
fn openai_compatible_backend_runs_over_sse() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 1);
    let cfg = FakeConfig {
        answers: answers_for(&images, &[(5, "**5**")]),
        require_api_key: Some("sk-test".into()),
        ..FakeConfig::default()
    };
    let server = FakeServer::start_in_thread(cfg);
    let out_s = env.path("oa").to_string_lossy().into_owned();
    let base = server.openai_url();
    let o = env
        .cmd(&[
            "run",
            "--backend",
            "openai",
            "--host",
            &base,
            "--model",
            MODEL,
            "--dataset",
            &dataset,
            "--out",
            &out_s,
            "--json",
        ])
        .env("OPENAI_API_KEY", "sk-test")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["accuracy"].as_f64(), Some(1.0));
    let meta = std::fs::read_to_string(Path::new(&out_s).join("session.json")).expect("meta");
    assert!(
        !meta.contains("sk-test"),
        "the API key is never written to disk"
    );
    assert!(meta.contains("OPENAI_API_KEY"));
}

#[test]
fn server_and_model_problems_exit_3_with_what_to_do() {
    let env = Lab::new();
    let dataset = digits_dir().to_string_lossy().into_owned();
    // Nothing listens on port 9 of loopback.
    let o = env.run(&["run", "--dataset", &dataset, "--host", "http://127.0.0.1:9"]);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("127.0.0.1:9") && stderr(&o).contains("ollama serve"),
        "{}",
        stderr(&o)
    );

    let server = FakeServer::start_in_thread(FakeConfig::default());
    let o = env.run(&[
        "run",
        "--dataset",
        &dataset,
        "--host",
        &server.url,
        "--model",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("ollama pull nope"), "{}", stderr(&o));

    let o = env.run(&[
        "run",
        "--dataset",
        &dataset,
        "--host",
        &server.url,
        "--model",
        "llama3.2:3b",
    ]);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).to_lowercase().contains("vision"),
        "{}",
        stderr(&o)
    );
    assert_eq!(server.chat_count(), 0);
}

#[test]
fn bad_input_exits_2_naming_the_problem() {
    let env = Lab::new();
    let server = FakeServer::start_in_thread(FakeConfig::default());
    let o = env.run(&[
        "run",
        "--dataset",
        "/definitely/not/here",
        "--host",
        &server.url,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/definitely/not/here"),
        "{}",
        stderr(&o)
    );

    let template = env.path("bad.toml");
    std::fs::write(
        &template,
        "name = \"bad\"\nprompt = \"Pick one of {classes}\"\n",
    )
    .expect("write");
    let dataset = digits_dir().to_string_lossy().into_owned();
    let o = env.run(&[
        "run",
        "--dataset",
        &dataset,
        "--template",
        &template.to_string_lossy(),
        "--host",
        &server.url,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("{classes}") || stderr(&o).contains("classes"),
        "{}",
        stderr(&o)
    );

    let o = env.run(&["run", "--dataset", &dataset, "--concurrency", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(server.chat_count(), 0);
}

#[test]
fn modelfile_import_lints_the_example_answer() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &[]),
        ..FakeConfig::default()
    });
    let modelfile = env.path("digits.Modelfile");
    std::fs::write(
        &modelfile,
        "FROM llava:7b\nPARAMETER temperature 0.0\nSYSTEM \"\"\"\nYou classify handwritten digits 0 to 9. Reply with the digit only. For example if you see a 3, respond only with \"3\".\n\"\"\"\n",
    )
    .expect("write");
    let out_s = env.path("mf").to_string_lossy().into_owned();
    let o = env.run(&[
        "run",
        "--dataset",
        &dataset,
        "--modelfile",
        &modelfile.to_string_lossy(),
        "--host",
        &server.url,
        "--out",
        &out_s,
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("warning:") && stderr(&o).contains("\"3\""),
        "{}",
        stderr(&o)
    );
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(&out_s).join("session.json")).expect("meta"),
    )
    .expect("json");
    assert_eq!(
        meta["backend"]["model"], MODEL,
        "the Modelfile's FROM names the model"
    );
    assert!(meta["warnings"].as_array().is_some_and(|w| {
        w.iter()
            .any(|m| m.as_str().unwrap_or_default().contains("\"3\""))
    }));
    let body = &server.requests()[0];
    assert_eq!(body["options"]["temperature"], 0.0);
    assert_eq!(body["think"], false);
}

#[test]
fn models_lists_and_marks_vision() {
    let server = FakeServer::start_in_thread(FakeConfig::default());
    let env = Lab::new();
    let o = env.run(&["models", "--host", &server.url]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let text = stdout(&o);
    let llava = text
        .lines()
        .find(|l| l.starts_with("llava:7b"))
        .expect("llava listed");
    assert!(llava.contains("vision"));
    let text_only = text
        .lines()
        .find(|l| l.starts_with("llama3.2:3b"))
        .expect("text model listed");
    assert!(!text_only.contains("vision"));
}

/// The original experiment, replayed end to end: the fake server gives LLaVA's recorded answer
/// for each of the 500 MNIST images and squint must reproduce the published report. Runs where
/// the reference data sits beside the checkout (`../shared/seed-data`, as on CI); the data is
/// read in place, never copied into the repository.
#[test]
fn reproduces_the_published_mnist_experiment_end_to_end() {
    let (Some(images), Some(answers_csv)) = (
        seed_data("mnist-500"),
        seed_data("llava-answers/mnist-res.csv"),
    ) else {
        return;
    };
    let mut answers = HashMap::new();
    for line in std::fs::read_to_string(&answers_csv)
        .expect("answers csv")
        .lines()
        .filter(|l| !l.starts_with('#'))
    {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if let [name, _, predicted, ..] = fields[..] {
            answers.insert(sha_of(&images.join(name)), predicted.to_string());
        }
    }
    assert_eq!(answers.len(), 500);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers,
        ..FakeConfig::default()
    });
    let env = Lab::new();
    let out = env.path("mnist").to_string_lossy().into_owned();
    let o = env.run(&[
        "run",
        "--dataset",
        &images.to_string_lossy(),
        "--template",
        "digits",
        "--host",
        &server.url,
        "--model",
        MODEL,
        "--concurrency",
        "4",
        "--out",
        &out,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["counts"]["done"], 500);
    assert_eq!(json["counts"]["unparsed"], 0);
    let close = |v: &Value, want: f64| (v.as_f64().unwrap_or(f64::NAN) - want).abs() < 5e-7;
    assert!(close(&json["accuracy"], 0.792), "{}", json["accuracy"]);
    // Published (scikit-learn, six decimals): digit -> precision, recall, f1.
    let published = [
        ("0", 0.769231, 0.600, 0.674157),
        ("1", 0.750000, 0.660, 0.702128),
        ("2", 0.972222, 0.700, 0.813953),
        ("3", 0.434783, 1.000, 0.606061),
        ("4", 1.000000, 0.880, 0.936170),
        ("5", 0.979167, 0.940, 0.959184),
        ("6", 0.954545, 0.840, 0.893617),
        ("7", 0.793103, 0.920, 0.851852),
        ("8", 0.921053, 0.700, 0.795455),
        ("9", 1.000000, 0.680, 0.809524),
    ];
    for (digit, p, r, f) in published {
        let row = &json["per_class"][digit];
        assert!(
            close(&row["precision"], p) && close(&row["recall"], r) && close(&row["f1"], f),
            "{digit}: {row}"
        );
        assert_eq!(row["support"], 50);
    }
    assert!(
        close(&json["macro_avg"]["precision"], 0.857410)
            && close(&json["macro_avg"]["f1"], 0.804210)
    );
    assert!(
        close(&json["weighted_avg"]["precision"], 0.857410)
            && close(&json["weighted_avg"]["f1"], 0.804210)
    );
    let labels = json["confusion"]["labels"].as_array().expect("labels");
    let three = labels.iter().position(|l| l == "3").expect("3");
    let predicted_three: u64 = json["confusion"]["matrix"]
        .as_array()
        .expect("matrix")
        .iter()
        .filter_map(|row| row[three].as_u64())
        .sum();
    assert_eq!(
        predicted_three, 115,
        "the example answer's pull: 115 of 500 answers were 3"
    );
}

#[test]
fn resume_refuses_a_different_model_or_template() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &[]),
        ..FakeConfig::default()
    });
    let out = env.path("rr").to_string_lossy().into_owned();
    let o = env.run(&digits_run(&server, &dataset, &out, &[]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let asked = server.chat_count();
    let o = env.run(&["run", "--resume", &out, "--model", "llava:13b"]);
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("the model") && stderr(&o).contains(&out),
        "{}",
        stderr(&o)
    );
    let o = env.run(&["run", "--resume", &out, "--template", "chess"]);
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    assert_eq!(server.chat_count(), asked, "nothing was asked");
    assert_eq!(
        results(Path::new(&out)).len(),
        10,
        "the session's results are untouched"
    );
    // The same settings resume fine (nothing left to ask).
    let o = env.run(&["run", "--resume", &out, "--json"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(server.chat_count(), asked);
}

/// The bundled digits template with another user prompt: an edited prompt version.
fn edited_template(env: &Lab) -> String {
    let original =
        std::fs::read_to_string(digits_dir().join("template.toml")).expect("bundled template");
    let edited = original.replace(
        "Which digit is shown in this image?",
        "Look closely: which single digit is written here?",
    );
    assert_ne!(edited, original);
    let path = env.path("edited.toml");
    std::fs::write(&path, edited).expect("write template");
    path.to_string_lossy().into_owned()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn from_only_wrong_asks_exactly_the_misclassified_and_reports_the_whole_dataset() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 2);
    // Two wrong labels, one unparsed answer and one alias that is wrong (a 3 read as "seven").
    let wrong = [
        (0, "3"),
        (2, "The digit is 3."),
        (4, "I cannot tell, sorry."),
        (6, "seven"),
    ];
    let first = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &wrong),
        ..FakeConfig::default()
    });
    let parent = env.path("parent").to_string_lossy().into_owned();
    let o = env.run(&digits_run(&first, &dataset, &parent, &["--json"]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["accuracy"].as_f64(), Some(16.0 / 20.0));
    assert!(json.get("parent").is_none() && json.get("asked").is_none());

    // The edited prompt, against a model that now gets everything right.
    let second = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &[]),
        ..FakeConfig::default()
    });
    let template = edited_template(&env);
    let child = env.path("child");
    let child_s = child.to_string_lossy().into_owned();
    let o = env.run(&[
        "run",
        "--from",
        &parent,
        "--only",
        "wrong",
        "--template",
        &template,
        "--host",
        &second.url,
        "--out",
        &child_s,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let want: Vec<String> = wrong.iter().map(|(i, _)| sha_of(&images[*i].0)).collect();
    assert_eq!(
        sorted(second.asked_images()),
        sorted(want),
        "exactly the misclassified images are asked"
    );
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["asked"], 4);
    assert_eq!(json["parent"].as_str(), Some(parent.as_str()));
    assert_eq!(json["counts"]["total"], 20);
    assert_eq!(json["counts"]["done"], 20);
    assert_eq!(json["counts"]["unparsed"], 0);
    assert_eq!(json["accuracy"].as_f64(), Some(1.0));
    assert_eq!(json["confusion"]["matrix"][3][3], 2, "both 3s right now");
    assert!(
        stderr(&o).contains("(--only wrong): asking 4 of 20 images, keeping 16 results"),
        "{}",
        stderr(&o)
    );

    // The child stands on its own: all 20 results, the parent named, the new prompt kept.
    assert_eq!(results(&child).len(), 20);
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(child.join("session.json")).expect("meta"))
            .expect("json");
    assert_eq!(meta["parent"]["session"].as_str(), Some(parent.as_str()));
    assert_eq!(meta["parent"]["only"], "wrong");
    assert_eq!(meta["parent"]["kept"], 16);
    assert!(
        meta["template"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Look closely"))
    );

    // And the comparison sees the four fixes.
    let o = env.run(&["compare", &parent, &child_s, "--json"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let cmp: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(
        (&cmp["b_only"], &cmp["a_only"]),
        (&serde_json::json!(4), &serde_json::json!(0))
    );
    assert_eq!(cmp["common"], 20);
}

#[test]
fn from_reports_vanished_images_and_asks_new_ones() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 2);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &[(1, "8")]),
        ..FakeConfig::default()
    });
    let parent = env.path("p").to_string_lossy().into_owned();
    let o = env.run(&digits_run(&server, &dataset, &parent, &[]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let before = server.chat_count();

    // One image is deleted, one added (the third class-5 image of the bundled set).
    let root = Path::new(&dataset);
    let gone = images[0]
        .0
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    std::fs::remove_file(root.join("0").join(&gone)).expect("remove");
    let (third_five, _) = &digit_images(3)[17];
    std::fs::copy(third_five, root.join("5").join("new-five.png")).expect("copy");

    let child = env.path("c").to_string_lossy().into_owned();
    let o = env.run(&[
        "run", "--from", &parent, "--only", "cell:0:8", "--out", &child, "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("1 of the parent session's images are no longer in the dataset and are left out: 0/{gone}")),
        "{err}"
    );
    assert!(err.contains("are asked: 5/new-five.png"), "{err}");
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    // The cell 0 -> 8 (images[1]) and the new image; the answer cache holds neither.
    assert_eq!(
        json["asked"], 1,
        "the cell's image comes from the cache: {json}"
    );
    assert_eq!(
        server.chat_count() - before,
        1,
        "only the new image is sent"
    );
    assert_eq!(json["counts"]["total"], 20);
    assert_eq!(results(Path::new(&child)).len(), 20);

    // A cell naming no label is refused before anything is asked.
    let o = env.run(&["run", "--from", &parent, "--only", "cell:0:x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--only cell:0:x"), "{}", stderr(&o));
    let o = env.run(&["run", "--only", "wrong", "--dataset", &dataset]);
    assert_eq!(o.status.code(), Some(2), "--only needs --from");
}

/// The 95% Wilson half width on `correct` of `n` (the formula, written out independently).
fn wilson_half_width(correct: usize, n: usize) -> f64 {
    let (z, n, p) = (
        1.959_963_984_540_054_f64,
        n as f64,
        correct as f64 / n as f64,
    );
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    let low = (centre - half).max(0.0);
    let high = (centre + half).min(1.0);
    (high - low) / 2.0
}

#[test]
fn until_ci_stops_where_the_interval_first_gets_narrow_enough() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 20);
    // Every fifth image answered wrong: about 80% accuracy.
    let wrong: Vec<(usize, &str)> = (0..images.len()).step_by(5).map(|i| (i, "x")).collect();
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &wrong),
        latency: Duration::from_millis(15),
        ..FakeConfig::default()
    });
    let out = env.path("until");
    let out_s = out.to_string_lossy().into_owned();
    let o = env.run(&digits_run(
        &server,
        &dataset,
        &out_s,
        &["--until-ci", "0.15", "--no-cache"],
    ));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let journal = results(&out);
    // Where the interval first got narrower than ±0.15, replaying the journal's verdicts.
    let mut correct = 0;
    let mut first_narrow = None;
    for (i, line) in journal.iter().enumerate() {
        correct += usize::from(line["label"] == line["truth"]);
        if wilson_half_width(correct, i + 1) < 0.15 {
            first_narrow = Some(i + 1);
            break;
        }
    }
    let first_narrow = first_narrow.expect("the interval got narrow enough");
    assert_eq!(journal.len(), first_narrow, "stopped right there");
    assert!((20..60).contains(&first_narrow), "{first_narrow}");
    let text = stdout(&o);
    assert!(
        text.contains(&format!(
            "stopped early (--until-ci): covers {first_narrow} of 200 images"
        )),
        "{text}"
    );
    assert!(stderr(&o).contains("stopped early"), "{}", stderr(&o));
    let meta = |dir: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("session.json")).expect("meta"))
            .expect("json")
    };
    assert_eq!(meta(&out)["status"], "stopped_early");

    // Continued later without the condition: every image, each asked once.
    let o = env.run(&["run", "--resume", &out_s, "--json", "--no-cache"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["counts"]["done"], 200);
    assert_eq!(json["stopped_early"], false);
    assert_eq!(meta(&out)["status"], "finished");
    // The request in flight when it stopped was abandoned and asked again: at most one extra.
    assert!(
        (200..=201).contains(&server.chat_count()),
        "{}",
        server.chat_count()
    );

    // A bad width is refused, naming the flag.
    let o = env.run(&digits_run(&server, &dataset, &out_s, &["--until-ci", "2"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--until-ci"), "{}", stderr(&o));
}

#[test]
fn until_ci_reports_as_many_answers_as_it_journaled_with_requests_in_flight() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 5);
    // Every fourth image answered wrong; four requests finishing about together.
    let wrong: Vec<(usize, &str)> = (0..images.len()).step_by(4).map(|i| (i, "x")).collect();
    for (round, latency) in [1, 20, 60].into_iter().enumerate() {
        let server = FakeServer::start_in_thread(FakeConfig {
            answers: answers_for(&images, &wrong),
            latency: Duration::from_millis(latency),
            ..FakeConfig::default()
        });
        let out = env.path(&format!("until4-{round}"));
        let out_s = out.to_string_lossy().into_owned();
        let o = env.run(&digits_run(
            &server,
            &dataset,
            &out_s,
            &["--until-ci", "0.2", "--concurrency", "4", "--no-cache"],
        ));
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        let journal = results(&out);
        let n = journal.len();
        assert!(n < 50, "stopped early: {n}");
        let correct = journal
            .iter()
            .filter(|line| line["label"] == line["truth"])
            .count();
        // The interval the journal supports, as the message says it.
        let half = wilson_half_width(correct, n);
        let err = stderr(&o);
        assert!(
            err.contains(&format!("±{half:.4} after {n} answers")),
            "latency {latency} ms: the journal holds {n} answers, {correct} right: {err}"
        );
        assert!(
            stdout(&o).contains(&format!("covers {n} of 50 images")),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn an_unreadable_image_keeps_the_asking_order_at_concurrency_one() {
    let env = Lab::new();
    let (dataset, _) = digits_dataset(&env, 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        latency: Duration::from_millis(150),
        ..FakeConfig::default()
    });
    let run = |out: &str| {
        let o = env.run(&digits_run(
            &server,
            &dataset,
            out,
            &["--concurrency", "1", "--no-cache"],
        ));
        let images: Vec<String> = results(Path::new(out))
            .iter()
            .map(|line| line["image"].as_str().unwrap_or_default().to_string())
            .collect();
        (o, images)
    };
    let readable = env.path("readable").to_string_lossy().into_owned();
    let (o, asked) = run(&readable);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(asked.len(), 10);
    // The same plan with one image (not the first) emptied: it fails where it was asked.
    let broken = asked[4].clone();
    std::fs::write(Path::new(&dataset).join(&broken), b"").expect("empty the image");
    let unreadable = env.path("unreadable").to_string_lossy().into_owned();
    let (o, journaled) = run(&unreadable);
    let failed: Vec<Value> = results(Path::new(&unreadable))
        .into_iter()
        .filter(|line| line["error"].is_string())
        .collect();
    assert_eq!(failed.len(), 1, "stderr: {}", stderr(&o));
    assert_eq!(failed[0]["image"], broken.as_str());
    assert_eq!(journaled, asked, "the journal is in asking order");
}

#[test]
fn retry_failed_asks_again_only_the_items_whose_last_attempt_failed() {
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 1);
    let mut cfg = FakeConfig {
        answers: answers_for(&images, &[]),
        ..FakeConfig::default()
    };
    for i in [3, 7] {
        cfg.fault_for_image
            .insert(sha_of(&images[i].0), Fault::Status(400));
    }
    let failing = FakeServer::start_in_thread(cfg);
    let out_s = env.path("retry").to_string_lossy().into_owned();
    let o = env.run(&digits_run(&failing, &dataset, &out_s, &["--json"]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["counts"]["errors"], 2);

    let healthy = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &[]),
        ..FakeConfig::default()
    });
    let resume = |extra: &[&str]| {
        let mut args = vec!["run", "--resume", &out_s, "--host", &healthy.url, "--json"];
        args.extend_from_slice(extra);
        let o = env.run(&args);
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        serde_json::from_str::<Value>(&stdout(&o)).expect("json")
    };
    // A plain resume leaves failed items alone.
    assert_eq!(resume(&[])["counts"]["errors"], 2);
    assert_eq!(healthy.chat_count(), 0);
    // --retry-failed asks exactly those two again; their new answers replace the failures.
    let json = resume(&["--retry-failed"]);
    assert_eq!(healthy.chat_count(), 2);
    assert_eq!(json["counts"]["errors"], 0);
    assert_eq!(json["counts"]["done"], 10);
    assert_eq!(json["accuracy"].as_f64(), Some(1.0));
    assert_eq!(
        results(Path::new(&out_s)).len(),
        12,
        "appended, never rewritten"
    );
    // Nothing failed any more: a second --retry-failed asks nothing.
    resume(&["--retry-failed"]);
    assert_eq!(healthy.chat_count(), 2);

    let o = env.run(&digits_run(&healthy, &dataset, &out_s, &["--retry-failed"]));
    assert_eq!(o.status.code(), Some(2), "--retry-failed needs --resume");
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
}

#[test]
fn corrections_carry_over_to_linked_and_new_runs_when_asked() {
    use squint::domain::corrections::{CorrectionEntry, Verdict};
    let env = Lab::new();
    let (dataset, images) = digits_dataset(&env, 1);
    // Image 0 (a 0) answered "3", image 1 (a 1) answered "7": wrong, by the dataset's labels.
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&images, &[(0, "3"), (1, "7")]),
        ..FakeConfig::default()
    });
    let first = [
        "run",
        "--host",
        &server.url,
        "--model",
        MODEL,
        "--dataset",
        &dataset,
        "--json",
    ];
    let o = env.run(&first);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let parent = std::fs::read_dir(env.path("data").join("sessions"))
        .expect("sessions")
        .flatten()
        .map(|e| e.path())
        .next()
        .expect("the first session");
    // A person said the model was right about image 0, and image 1 is doubtful.
    let rel = |i: usize| {
        format!(
            "{}/{}",
            images[i].1,
            images[i].0.file_name().unwrap().to_string_lossy()
        )
    };
    for entry in [
        CorrectionEntry::correct(&rel(0), "0", &Verdict::Label("3".into()), "t1".into()),
        CorrectionEntry::correct(&rel(1), "1", &Verdict::Doubtful, "t2".into()),
    ] {
        squint::session::append_correction(&parent, &entry).expect("correction");
    }
    let parent_s = parent.to_string_lossy().into_owned();

    // Linked without the flag: the dataset's labels, and stderr says which flag would use them.
    let child = env.path("child").to_string_lossy().into_owned();
    let o = env.run(&["run", "--from", &parent_s, "--out", &child, "--json"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["accuracy"].as_f64(), Some(0.8));
    assert!(json.get("corrections").is_none());
    assert!(
        stderr(&o).contains("2 label corrections (1 relabelled, 1 doubtful)")
            && stderr(&o).contains("add --with-corrections"),
        "{}",
        stderr(&o)
    );
    assert!(!Path::new(&child).join("corrections.jsonl").exists());

    // With it: the corrected labels are the truth, the doubtful image is left out and counted.
    let fixed = env.path("fixed");
    let fixed_s = fixed.to_string_lossy().into_owned();
    let args = [
        "run",
        "--from",
        &parent_s,
        "--with-corrections",
        "--out",
        &fixed_s,
    ];
    let o = env.run(&[&args[..], &["--json"]].concat());
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["accuracy"].as_f64(), Some(1.0), "{json}");
    assert_eq!(json["confusion"]["matrix"][3][3], 2, "image 0 is a 3 now");
    assert_eq!(json["counts"]["done"], 10, "every image was asked");
    assert_eq!(
        json["corrections"],
        serde_json::json!({"relabelled": 1, "doubtful": 1})
    );
    assert!(
        stderr(&o).contains("carried into this session")
            && stderr(&o).contains("1 image(s) relabelled, 1 doubtful image(s) left out"),
        "{}",
        stderr(&o)
    );
    // They are the new session's own corrections: its report agrees without the parent.
    let o = env.run(&["report", &fixed_s, "--with-corrections", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(report["accuracy"].as_f64(), Some(1.0), "{report}");
    // The text report has the same figures.
    let text = env.path("text").to_string_lossy().into_owned();
    let o = env.run(&[&args[..4], &["--out", &text]].concat());
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(
        stdout(&o).contains("accuracy                           1.00"),
        "{}",
        stdout(&o)
    );

    // A new, unlinked session on the same dataset is told about them, with the flag to use.
    let o = env.run(&first);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("add --corrections-from {parent_s}")),
        "{}",
        stderr(&o)
    );
    let o = env.run(&[&first[..], &["--corrections-from", &parent_s]].concat());
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["accuracy"].as_f64(), Some(1.0), "{json}");
    // --with-corrections means the linked session's: without --from it is refused.
    let o = env.run(&[&first[..], &["--with-corrections"]].concat());
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
}

#[test]
fn an_unlabeled_folder_gets_proposals_not_a_matrix() {
    let env = Lab::new();
    let images = digit_images(1);
    let flat = env.path("flat");
    std::fs::create_dir_all(&flat).expect("mkdir");
    let mut copies = Vec::new();
    for (i, (path, truth)) in images.iter().enumerate() {
        let copy = flat.join(format!("scan{i:02}.png"));
        std::fs::copy(path, &copy).expect("copy");
        copies.push((copy, truth.clone()));
    }
    let dataset = flat.to_string_lossy().into_owned();
    // Without labels in the template there is nothing to propose: refused, saying what to add.
    std::fs::write(
        flat.join("template.toml"),
        "name = \"scans\"\nprompt = \"Which digit is this?\"\n",
    )
    .expect("template");
    let o = env.run(&[
        "run",
        "--dataset",
        &dataset,
        "--host",
        "http://127.0.0.1:9",
        "--model",
        MODEL,
    ]);
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("add `labels = [...]` to the template"),
        "{}",
        stderr(&o)
    );
    std::fs::copy(
        digits_dir().join("template.toml"),
        flat.join("template.toml"),
    )
    .expect("template");
    // Image 0 answered "3", image 1 unparsed: the model is not told any truth.
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: answers_for(&copies, &[(0, "3"), (1, "no idea")]),
        ..FakeConfig::default()
    });
    let out = env.path("s").to_string_lossy().into_owned();
    let o = env.run(&digits_run(&server, &dataset, &out, &["--json"]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("layout unlabeled: 10 image(s) directly inside"),
        "{}",
        stderr(&o)
    );
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["accuracy"], Value::Null, "{json}");
    assert_eq!(json["counts"]["done"], 10);
    assert_eq!(json["counts"]["unparsed"], 1);
    let p = &json["proposals"];
    assert_eq!(p["total"], 10);
    assert_eq!(p["labels"]["3"]["count"], 2, "the 3 and the 0 answered 3");
    assert_eq!(p["labels"]["(unparsed)"]["count"], 1);
    assert_eq!(p["parse_steps"]["exact"], 9);
    assert_eq!(p["parse_steps"]["unparsed"], 1);
    let items = p["items"].as_array().expect("items");
    assert_eq!(items.len(), 10);
    assert_eq!(items[0]["image"], "scan00.png");
    assert_eq!(items[0]["label"], "3");
    assert_eq!(items[0]["parse"], "exact");
    assert_eq!(items[1]["label"], Value::Null);
    assert!(items[0].get("confidence").is_some());
    // The journal says the truth is unknown.
    assert!(results(Path::new(&out)).iter().all(|r| r["truth"] == ""));
    // Text: the distribution, the steps, each image's proposal; no matrix.
    let out2 = env.path("s2").to_string_lossy().into_owned();
    let o = env.run(&digits_run(&server, &dataset, &out2, &[]));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("truth unknown (an unlabeled folder): the model's proposals for 10 images"),
        "{text}"
    );
    assert!(text.contains("parse steps: exact 9, unparsed 1"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("scan00.png") && l.contains(" 3 ") && l.contains("exact")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("scan01.png") && l.contains("(unparsed)")),
        "{text}"
    );
    assert!(
        !text.contains("precision"),
        "no classification report: {text}"
    );
}
