//! The smaller hostile and unlucky inputs, each through the real binary: bidi controls in
//! names, a torn journal tail, CRLF and byte-order-marked manifests, unlabelled rows and empty
//! class folders, bad Modelfiles and options, a tampered session, an unwritable data dir, and
//! the workbench started without a terminal.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use support::fake_server::{FakeConfig, FakeServer, Fault};
use support::lab::{Lab, MODEL, correct_answers, results, run_args, sha_of, stderr, stdout};

#[test]
fn bidi_controls_in_names_never_reach_the_terminal() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0"], 2);
    let class = Path::new(&dataset).join("evil\u{202e}gnp.exe");
    std::fs::create_dir_all(&class).unwrap();
    let odd = class.join("x\u{2066}y.png");
    std::fs::copy(&images[0].0, &odd).unwrap();
    let mut cfg = FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    };
    // The copy has the same bytes as images[0]: fail it by its content, so its name is printed.
    cfg.fault_for_image.insert(sha_of(&odd), Fault::Status(400));
    let server = FakeServer::start_in_thread(cfg);
    let out = lab.path("bidi").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &out, &[]));
    let all = stderr(&o) + &stdout(&o);
    assert!(all.contains("evilgnp.exe"), "{all}");
    for c in ['\u{202e}', '\u{2066}'] {
        assert!(!all.contains(c), "{c:?} reached the terminal: {all:?}");
    }
}

#[test]
fn a_torn_journal_tail_is_cut_before_appending_and_reported() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 2);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let out = lab.path("torn");
    let out_s = out.to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &out_s, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Simulate kill -9 mid-write: drop the last line, leave half of it.
    let journal = out.join("results.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let torn = format!("{}\n{}", lines[..3].join("\n"), &lines[3][..40]);
    std::fs::write(&journal, torn).unwrap();
    let o = lab.run(&["run", "--resume", &out_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("torn line (40 bytes"),
        "the repair is reported: {}",
        stderr(&o)
    );
    let after = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(after.lines().count(), 4, "{after}");
    assert_eq!(
        results(&out).len(),
        4,
        "every line is valid: nothing torn in the middle"
    );
}

#[test]
fn manifests_with_crlf_and_a_byte_order_mark() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 1);
    let root = Path::new(&dataset);
    let rel = |i: usize| {
        images[i]
            .0
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    // CRLF: a bad row on line 3 is reported as line 3.
    let csv = root.join("m.csv");
    std::fs::write(
        &csv,
        format!("path,label\r\n{},0\r\n{},1,extra\r\n", rel(0), rel(1)),
    )
    .unwrap();
    let o = lab.run(&["run", "--dataset", &csv.to_string_lossy(), "--model", MODEL]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("line 3"), "{}", stderr(&o));
    // A byte-order mark and CRLF in JSONL, with a row without a label: accepted, warned.
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let jsonl = root.join("m.jsonl");
    std::fs::write(
        &jsonl,
        format!(
            "\u{feff}{{\"path\": \"{}\", \"label\": \"0\"}}\r\n{{\"path\": \"{}\", \"label\": \"1\"}}\r\n{{\"path\": \"{}\", \"label\": \"\"}}\r\n",
            rel(0),
            rel(1),
            rel(1)
        ),
    )
    .unwrap();
    std::fs::remove_file(&csv).unwrap();
    let out = lab.path("bom").to_string_lossy().into_owned();
    let o = lab.run(&run_args(
        &server.url,
        &jsonl.to_string_lossy(),
        &out,
        &["--json"],
    ));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("line 3") && stderr(&o).contains("has no label"),
        "{}",
        stderr(&o)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["counts"]["done"], 2);
}

#[test]
fn class_folders_without_images_are_named() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 1);
    std::fs::create_dir_all(Path::new(&dataset).join("7")).unwrap();
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let out = lab.path("empty-class").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &out, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("class folder 7 has no images"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_modelfiles_and_options_are_refused_naming_the_key() {
    let lab = Lab::new();
    let (dataset, _) = lab.digits(&["0", "1"], 1);
    let cases: &[(&str, &str)] = &[
        ("", "no FROM line"),
        ("SYSTEM \"\"\"You classify digits.\"\"\"\n", "no FROM line"),
        ("FROM llava\nPARAMETER num_predict -1\n", "num_predict"),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let path = lab.path(&format!("m{i}.Modelfile"));
        std::fs::write(&path, text).unwrap();
        let o = lab.run(&[
            "run",
            "--dataset",
            &dataset,
            "--modelfile",
            &path.to_string_lossy(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{text:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{text:?}: {}", stderr(&o));
    }
    for (options, key) in [
        ("num_predict = 0", "num_predict"),
        ("temperature = nan", "temperature"),
    ] {
        let path = lab.path("t.toml");
        std::fs::write(
            &path,
            format!("name = \"t\"\nprompt = \"Which digit?\"\n[options]\n{options}\n"),
        )
        .unwrap();
        let o = lab.run(&[
            "run",
            "--dataset",
            &dataset,
            "--template",
            &path.to_string_lossy(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{options}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(key) && stderr(&o).contains("t.toml"),
            "{options}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_tampered_session_says_what_differs_and_how_to_start_fresh() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let out = lab.path("tamper");
    let out_s = out.to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &out_s, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let meta_path = out.join("session.json");
    let meta = std::fs::read_to_string(&meta_path).unwrap();
    std::fs::write(
        &meta_path,
        meta.replace("Which digit is this?", "Which letter is this?"),
    )
    .unwrap();
    let o = lab.run(&["run", "--resume", &out_s]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let text = stderr(&o);
    assert!(
        text.contains("no longer matches its recorded hash"),
        "{text}"
    );
    assert!(
        text.contains(&format!("start fresh: squint run --dataset {dataset}")),
        "{text}"
    );
    assert!(!text.contains("plain `squint run --resume"), "{text}");
}

#[test]
fn an_unwritable_data_dir_runs_without_the_cache() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    // A data dir below a plain file cannot be created, whoever runs the test (root included).
    let blocker = lab.path("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let out = lab.path("elsewhere").to_string_lossy().into_owned();
    let o = lab
        .cmd(&run_args(&server.url, &dataset, &out, &[]))
        .env("SQUINT_DATA_DIR", blocker.join("data"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("running without the answer cache"),
        "{}",
        stderr(&o)
    );
    assert_eq!(results(Path::new(&out)).len(), 2);
}

#[test]
fn the_workbench_without_a_terminal_says_so() {
    let lab = Lab::new();
    let (dataset, _) = lab.digits(&["0"], 1);
    let o = lab.run(&["tui", "--dataset", &dataset]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let text = stderr(&o);
    assert!(
        text.contains("needs a terminal") && text.contains("squint run"),
        "{text}"
    );
    assert!(!text.contains("os error 6"), "{text}");
}
