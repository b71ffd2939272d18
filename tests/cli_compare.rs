//! `squint compare` and `squint report --compare` on hand-made session folders: the JSON keys
//! and figures, the verdict in words, the report sections, and the refusals (different
//! datasets, nothing in common, not a session, a format without room for it) with exit 2.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

/// Writes a session folder classifying `dataset` with `results` as (image, truth, label)
/// where label `None` is unparsed and `Some("!")` a failed request.
fn session(
    root: &Path,
    name: &str,
    dataset: &str,
    results: &[(&str, &str, Option<&str>)],
) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let meta = json!({
        "squint_version": "0.1.0",
        "id": name,
        "dataset": {"path": dataset, "layout": "folders", "total": results.len(),
                    "labels": ["cat", "dog"], "seed": 0},
        "template": {"name": "t", "source": "bundled:t", "text": "prompt = \"x\"\n", "hash": "h"},
        "backend": {"kind": "ollama", "host": "http://127.0.0.1:11434", "model": "llava",
                    "logprobs": false, "concurrency": 1, "timeout_s": 120, "retries": 3},
        "started_at": "2026-11-29T10:00:00Z",
        "status": "finished"
    });
    std::fs::write(dir.join("session.json"), meta.to_string()).expect("write session.json");
    let lines: String = results
        .iter()
        .map(|(image, truth, label)| {
            let failed = *label == Some("!");
            let line = json!({
                "image": image, "sha256": "00", "truth": truth,
                "answer": label.unwrap_or("hmm"),
                "label": if failed { None } else { *label },
                "parse": if failed { Value::Null } else if label.is_some() { json!("exact") } else { json!("unparsed") },
                "confidence": null, "latency_ms": 5, "eval_count": 1, "attempts": 1,
                "error": if failed { json!("HTTP 500 from the server") } else { Value::Null },
            });
            format!("{line}\n")
        })
        .collect();
    std::fs::write(dir.join("results.jsonl"), lines).expect("write results.jsonl");
    dir
}

fn squint(args: &[&Path], json: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_squint"));
    cmd.arg("compare").args(args);
    if json {
        cmd.arg("--json");
    }
    cmd.stdin(Stdio::null()).output().expect("run squint")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A: 12 of 20 right; B fixes 7 of A's mistakes and breaks 1; one image only in A.
fn pair(root: &Path) -> (PathBuf, PathBuf) {
    let mut a = Vec::new();
    let mut b = Vec::new();
    let names: Vec<String> = (0..20).map(|i| format!("cat/{i:02}.png")).collect();
    for (i, name) in names.iter().enumerate() {
        let (ra, rb) = match i {
            0..=10 => (Some("cat"), Some("cat")),
            11 => (Some("cat"), Some("dog")),
            12..=17 => (Some("dog"), Some("cat")),
            18 => (None, Some("cat")),
            _ => (Some("dog"), None),
        };
        a.push((name.as_str(), "cat", ra));
        b.push((name.as_str(), "cat", rb));
    }
    a.push(("dog/only-a.png", "dog", Some("dog")));
    (
        session(root, "a", "/data/pets", &a),
        session(root, "b", "/data/pets", &b),
    )
}

#[test]
fn json_report_pairs_the_runs() {
    let root = tempfile::tempdir().expect("tempdir");
    let (a, b) = pair(root.path());
    let o = squint(&[&a, &b], true);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(v["common"], 20);
    assert_eq!(
        (
            &v["both_right"],
            &v["a_only"],
            &v["b_only"],
            &v["both_wrong"]
        ),
        (&json!(11), &json!(1), &json!(7), &json!(1))
    );
    // Exact two-sided binomial: 2 * (1 + 8) / 2^8.
    assert_eq!(v["mcnemar_p"].as_f64(), Some(0.0703125));
    assert_eq!(v["a"]["session"], a.to_string_lossy().as_ref());
    assert_eq!(v["a"]["accuracy"].as_f64(), Some(12.0 / 20.0));
    assert_eq!(v["b"]["accuracy"].as_f64(), Some(18.0 / 20.0));
    assert!(v["b"]["macro_f1"].as_f64() > v["a"]["macro_f1"].as_f64());
    assert!(v["per_class"]["cat"]["f1_a"].is_number() && v["per_class"]["dog"]["f1_b"].is_number());
    assert_eq!(
        v["confusion_delta"]["labels"],
        json!(["cat", "dog", "(unparsed)"])
    );
    // cat row: B +6 cat, -6 dog... precisely A: cat 12, dog 7, unparsed 1; B: cat 18, dog 1, unparsed 1.
    assert_eq!(v["confusion_delta"]["matrix"][0], json!([6, -6, 0]));
    let flipped = v["flipped"].as_array().expect("flipped");
    assert_eq!(flipped.len(), 8);
    assert_eq!(
        flipped[0],
        json!({"image": "cat/12.png", "truth": "cat", "a": "dog", "b": "cat"})
    );
    assert_eq!(
        flipped[6],
        json!({"image": "cat/18.png", "truth": "cat", "a": "(unparsed)", "b": "cat"})
    );
    assert_eq!(
        flipped[7],
        json!({"image": "cat/11.png", "truth": "cat", "a": "cat", "b": "dog"})
    );
    assert!(text(&o.stderr).contains("1 image with a result only in A left out"));
}

#[test]
fn text_report_says_it_in_words() {
    let root = tempfile::tempdir().expect("tempdir");
    let (a, b) = pair(root.path());
    let o = squint(&[&a, &b], false);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("B is right on 7 images A got wrong and wrong on 1 that A got right; p = 0.0703: could well be chance."),
        "{out}"
    );
    assert!(
        out.contains("20 images in both runs: 11 right in both, 1 in neither."),
        "{out}"
    );
    assert!(out.contains("accuracy   0.6000   0.9000  +0.3000"), "{out}");
    assert!(
        out.contains("Fixed by B (7):\n  cat/12.png  truth cat  A: dog  B: cat"),
        "{out}"
    );
    assert!(
        out.contains("Broken by B (1):\n  cat/11.png  truth cat  A: cat  B: dog"),
        "{out}"
    );
}

#[test]
fn failed_items_are_said_to_be_failed() {
    let root = tempfile::tempdir().expect("tempdir");
    let a = session(
        root.path(),
        "a",
        "/d",
        &[("x.png", "cat", Some("cat")), ("y.png", "dog", Some("dog"))],
    );
    let b = session(
        root.path(),
        "b",
        "/d",
        &[("x.png", "cat", Some("!")), ("y.png", "dog", Some("dog"))],
    );
    let o = squint(&[&a, &b], false);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("x.png  truth cat  A: cat  B: (failed)"),
        "{out}"
    );
    assert!(
        out.contains("Failed requests among them: 0 in A, 1 in B"),
        "{out}"
    );
}

#[test]
fn refusals_exit_2_with_a_clear_message() {
    let root = tempfile::tempdir().expect("tempdir");
    let a = session(
        root.path(),
        "a",
        "/data/pets",
        &[("x.png", "cat", Some("cat"))],
    );
    let other = session(
        root.path(),
        "other",
        "/data/birds",
        &[("x.png", "cat", Some("cat"))],
    );
    let disjoint = session(
        root.path(),
        "disjoint",
        "/data/pets",
        &[("y.png", "cat", Some("cat"))],
    );
    let empty = root.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");

    let o = squint(&[&a, &other], true);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("classified different datasets (/data/pets and /data/birds)"),
        "{err}"
    );
    assert!(o.stdout.is_empty());

    let o = squint(&[&a, &disjoint], false);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("share no image"),
        "{}",
        text(&o.stderr)
    );

    let o = squint(&[&a, &empty], false);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("is not a squint session folder"),
        "{}",
        text(&o.stderr)
    );
}

fn report(session: &Path, other: &Path, format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_squint"))
        .arg("report")
        .arg(session)
        .arg("--compare")
        .arg(other)
        .args(["--format", format])
        .stdin(Stdio::null())
        .output()
        .expect("run squint")
}

#[test]
fn report_compare_says_everything_compare_says() {
    let root = tempfile::tempdir().expect("tempdir");
    let (a, b) = pair(root.path());
    // The reported session is B; the one compared with is A, the baseline.
    let o = report(&b, &a, "json");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    let c = &v["compare"];
    let alone: Value = serde_json::from_slice(&squint(&[&a, &b], true).stdout).expect("json");
    for key in [
        "a",
        "b",
        "common",
        "both_right",
        "a_only",
        "b_only",
        "both_wrong",
        "mcnemar_p",
        "per_class",
        "confusion_delta",
        "flipped",
        "failed",
    ] {
        assert_eq!(c[key], alone[key], "{key}");
    }
    assert!((c["accuracy_delta"].as_f64().unwrap() - 0.3).abs() < 1e-12);
    assert!(c["macro_f1_delta"].as_f64().unwrap() > 0.0);
    assert_eq!(
        c["verdict"],
        "B is right on 7 images A got wrong and wrong on 1 that A got right; p = 0.0703: could well be chance."
    );
    assert_eq!(
        c["notes"],
        json!(["1 image with a result only in A left out"])
    );

    let md = text(&report(&b, &a, "md").stdout);
    for want in [
        "## Comparison",
        "20 images have a result in both runs: 11 right in both, 1 right only in A, 7 right only in B, 1 right in neither.",
        "| accuracy | 0.6000 | 0.9000 | +0.3000 |",
        "| 11 | 1 | 7 | 1 |",
        "**McNemar's exact test**: B is right on 7 images A got wrong and wrong on 1 that A got right; p = 0.0703: could well be chance.",
        "### F1 per class",
        "| cat | +6 | -6 | 0 |",
        "### Fixed by B (7)",
        "| cat/12.png | cat | dog | cat |",
        "| cat/18.png | cat | (unparsed) | cat |",
        "### Broken by B (1)",
        "| cat/11.png | cat | cat | dog |",
        "> 1 image with a result only in A left out",
    ] {
        assert!(md.contains(want), "{want}\n---\n{md}");
    }
    assert!(!md.contains("```json"), "no JSON dump: {md}");

    let html = text(&report(&b, &a, "html").stdout);
    for want in [
        "<h2>Comparison</h2>",
        "<strong>McNemar's exact test:</strong> B is right on 7 images",
        "<td class=\"n better\">+6</td><td class=\"n better\">-6</td>",
        "<h3>Fixed by B (7)</h3>",
        "<tr><td>cat&#x2F;11.png</td><td>cat</td><td>cat</td><td>dog</td></tr>",
    ] {
        assert!(html.contains(want), "{want}\n---\n{html}");
    }
}

#[test]
fn report_compare_refusals_exit_2() {
    let root = tempfile::tempdir().expect("tempdir");
    let a = session(
        root.path(),
        "a",
        "/data/pets",
        &[("x.png", "cat", Some("cat"))],
    );
    let other = session(
        root.path(),
        "other",
        "/data/birds",
        &[("x.png", "cat", Some("cat"))],
    );
    let disjoint = session(
        root.path(),
        "disjoint",
        "/data/pets",
        &[("y.png", "cat", Some("cat"))],
    );
    for (with, format, want) in [
        (
            &other,
            "md",
            "classified different datasets (/data/birds and /data/pets)",
        ),
        (&disjoint, "html", "share no image"),
        (&disjoint, "csv", "--compare"),
        (&a, "svg", "works with --format md, html or json, not svg"),
    ] {
        let o = report(&a, with, format);
        assert_eq!(o.status.code(), Some(2), "{format}");
        assert!(
            text(&o.stderr).contains(want),
            "{want}: {}",
            text(&o.stderr)
        );
        assert!(o.stdout.is_empty());
    }
}
