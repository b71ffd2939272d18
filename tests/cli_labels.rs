//! Label corrections through the real binary: `squint labels` in all three formats on a
//! hand-made session with corrections (made, undone, reloaded), the ImageFolder tree read back
//! by squint's own folder layout, the refusals (non-empty target, not a session), and
//! `squint report --with-corrections` against the same session without them.

// A failed unwrap here is a failed test with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use squint::dataset::{Layout, scan};
use squint::domain::corrections::{CorrectionEntry, Verdict};
use squint::session::{append_correction, read_corrections};

/// Images (path, truth, model's label): two `a.png` in one class, in different folders.
const ITEMS: [(&str, &str, &str); 4] = [
    ("cat/a.png", "cat", "cat"),
    ("cat/more/a.png", "cat", "dog"),
    ("dog/b.png", "dog", "cat"),
    ("dog/c.png", "dog", "dog"),
];

struct Lab {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    data: PathBuf,
    session: PathBuf,
}

impl Lab {
    fn new() -> Lab {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let data = root.join("data");
        for (image, _, _) in ITEMS {
            let path = data.join(image);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("pixels of {image}")).unwrap();
        }
        let session = root.join("session");
        std::fs::create_dir_all(&session).unwrap();
        let meta = json!({
            "squint_version": "0.1.0",
            "id": "session",
            "dataset": {"path": data, "layout": "folders", "total": ITEMS.len(),
                        "labels": ["cat", "dog"], "seed": 0},
            "template": {"name": "t", "source": "bundled:t", "text": "prompt = \"x\"\n", "hash": "h"},
            "backend": {"kind": "ollama", "host": "http://127.0.0.1:11434", "model": "llava",
                        "logprobs": false, "concurrency": 1, "timeout_s": 120, "retries": 3},
            "started_at": "2026-11-29T10:00:00Z",
            "status": "finished"
        });
        std::fs::write(session.join("session.json"), meta.to_string()).unwrap();
        let lines: String = ITEMS
            .iter()
            .map(|(image, truth, label)| {
                let line = json!({
                    "image": image, "sha256": "00", "truth": truth, "answer": label,
                    "label": label, "parse": "exact", "confidence": null, "latency_ms": 5,
                    "eval_count": 1, "attempts": 1, "error": null,
                });
                format!("{line}\n")
            })
            .collect();
        std::fs::write(session.join("results.jsonl"), lines).unwrap();
        Lab {
            _tmp: tmp,
            root,
            data,
            session,
        }
    }

    /// The model was right on dog/b.png, dog/c.png is doubtful; a slip on cat/a.png undone.
    fn correct(&self) {
        let fix = |image: &str, old: &str, v: Verdict| {
            let e = CorrectionEntry::correct(image, old, &v, "2026-11-29T11:00:00Z".into());
            append_correction(&self.session, &e).unwrap();
            e
        };
        fix("dog/b.png", "dog", Verdict::Label("cat".into()));
        fix("dog/c.png", "dog", Verdict::Doubtful);
        let slip = fix("cat/a.png", "cat", Verdict::Label("dog".into()));
        let undo = CorrectionEntry::undo_of(&slip, "2026-11-29T11:00:05Z".into());
        append_correction(&self.session, &undo).unwrap();
    }

    fn squint(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_squint"))
            .args(args)
            .env("SQUINT_DATA_DIR", self.root.join("data-dir"))
            .env("SQUINT_CONFIG_DIR", self.root.join("config-dir"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn labels(&self, format: &str, out: &Path, extra: &[&str]) -> Output {
        let (session, out) = (s(&self.session), s(out));
        let mut args = vec!["labels", &session, "--format", format, "-o", &out];
        args.extend_from_slice(extra);
        self.squint(&args)
    }
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    text(&o.stderr)
}

#[test]
fn corrections_round_trip_into_every_labels_format() {
    let lab = Lab::new();
    lab.correct();
    let log = read_corrections(&lab.session).unwrap();
    assert_eq!(log.entries.len(), 4, "append-only: the undo is a line too");
    assert_eq!(log.corrections().len(), 2);

    let csv_path = lab.root.join("labels.csv");
    let said = ok(&lab.labels("csv", &csv_path, &["--with-corrections"]));
    assert!(said.contains("3 labels written"), "{said}");
    assert!(
        said.contains("1 corrected by a person; 1 doubtful left out"),
        "{said}"
    );
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["path", "label", "source"]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let want = [
        ("cat/a.png", "cat", "dataset"),
        ("cat/more/a.png", "cat", "dataset"),
        ("dog/b.png", "cat", "person"),
    ];
    assert_eq!(rows.len(), want.len());
    for (row, (image, label, source)) in rows.iter().zip(want) {
        assert_eq!(Path::new(&row[0]), lab.data.join(image));
        assert_eq!((row[1].as_str(), row[2].as_str()), (label, source));
    }
    // The manifest is one squint accepts: scanned, it gives the corrected labels.
    let scanned = scan(&csv_path, None).unwrap();
    assert_eq!(scanned.layout, Layout::Manifest);
    assert_eq!(scanned.items.len(), 3);
    assert_eq!(scanned.class_counts(), [("cat".to_owned(), 3)]);

    // Without corrections: the dataset's own labels, all four.
    let plain = lab.root.join("plain.jsonl");
    ok(&lab.labels("jsonl", &plain, &[]));
    let lines: Vec<Value> = std::fs::read_to_string(&plain)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[2]["label"], "dog");
    assert_eq!(lines[2]["source"], "dataset");
    let scanned = scan(&plain, None).unwrap();
    assert_eq!(scanned.items.len(), 4);

    // ImageFolder: same names in one class made unique and said; read back as folders.
    let tree = lab.root.join("tree");
    let said = ok(&lab.labels("imagefolder", &tree, &[]));
    assert!(said.contains("4 labels written"), "{said}");
    assert!(said.contains("4 hard-linked, 0 copied"), "{said}");
    assert!(
        said.contains("2 files share a name")
            && said.contains("cat/more/a.png -> cat/cat__more__a.png"),
        "{said}"
    );
    for (file, from) in [
        ("cat/cat__a.png", "cat/a.png"),
        ("cat/cat__more__a.png", "cat/more/a.png"),
        ("dog/b.png", "dog/b.png"),
        ("dog/c.png", "dog/c.png"),
    ] {
        assert_eq!(
            std::fs::read_to_string(tree.join(file)).unwrap(),
            format!("pixels of {from}")
        );
    }
    let back = scan(&tree, Some(Layout::Folders)).unwrap();
    let got: Vec<(String, String)> = back
        .items
        .iter()
        .map(|i| (i.rel.to_string(), i.truth.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("cat/cat__a.png".to_owned(), "cat".to_owned()),
            ("cat/cat__more__a.png".to_owned(), "cat".to_owned()),
            ("dog/b.png".to_owned(), "dog".to_owned()),
            ("dog/c.png".to_owned(), "dog".to_owned()),
        ]
    );
    let manifest = std::fs::read_to_string(tree.join("labels.csv")).unwrap();
    assert!(
        manifest.starts_with("path,label,source,original\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains("cat/cat__more__a.png,cat,dataset,"),
        "{manifest}"
    );
    // The originals are untouched.
    assert!(lab.data.join("cat/more/a.png").is_file());

    // A non-empty target is refused; with --force nothing there is overwritten.
    let o = lab.labels("imagefolder", &tree, &["--with-corrections"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("is not empty"),
        "{}",
        text(&o.stderr)
    );
    let o = lab.labels("csv", &csv_path, &[]);
    assert_eq!(o.status.code(), Some(2));
    let said = ok(&lab.labels("imagefolder", &tree, &["--with-corrections", "--force"]));
    assert!(said.contains("3 labels written"), "{said}");
    assert_eq!(
        std::fs::read_to_string(tree.join("dog/b.png")).unwrap(),
        "pixels of dog/b.png"
    );
    assert!(
        tree.join("cat/b.png").is_file(),
        "the corrected one goes to cat"
    );
    assert!(
        tree.join("cat/cat__a-2.png").is_file(),
        "a taken name gets a suffix"
    );
    assert!(tree.join("labels.csv").is_file());

    let o = lab.squint(&[
        "labels",
        &s(&lab.data),
        "--format",
        "csv",
        "-o",
        &s(&lab.root.join("x.csv")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("is not a squint session folder"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn reports_with_and_without_corrections() {
    let lab = Lab::new();
    lab.correct();
    let session = s(&lab.session);
    let plain: Value = serde_json::from_str(&text(
        &lab.squint(&["report", &session, "--format", "json"]).stdout,
    ))
    .unwrap();
    assert_eq!(plain["accuracy"].as_f64(), Some(0.5));
    assert!(plain.get("corrections").is_none());
    let o = lab.squint(&["report", &session, "--format", "json", "--with-corrections"]);
    ok(&o);
    let fixed: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        fixed["corrections"],
        json!({"relabelled": 1, "doubtful": 1})
    );
    assert_eq!(fixed["counts"]["answered"], 3);
    assert_eq!(fixed["accuracy"].as_f64(), Some(2.0 / 3.0));
    assert_eq!(fixed["per_class"]["cat"]["support"], 3);
    let md = text(
        &lab.squint(&["report", &session, "--with-corrections"])
            .stdout,
    );
    assert!(
        md.contains("With label corrections: 1 image(s) relabelled by a person, 1 doubtful image(s) left out of every figure."),
        "{md}"
    );
}

#[test]
fn an_unlabeled_sessions_reviews_export_with_the_models_proposals_marked() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let data = root.join("scans");
    // (image, the model's label): truth unknown for all three.
    let items = [
        ("a.png", Some("cat")),
        ("b.png", Some("dog")),
        ("c.png", None),
    ];
    std::fs::create_dir_all(&data).unwrap();
    for (image, _) in items {
        std::fs::write(data.join(image), format!("pixels of {image}")).unwrap();
    }
    let session = root.join("session");
    std::fs::create_dir_all(&session).unwrap();
    let meta = json!({
        "squint_version": "0.1.0", "id": "session",
        "dataset": {"path": data, "layout": "unlabeled", "total": 3, "labels": ["cat", "dog"], "seed": 0},
        "template": {"name": "t", "source": "bundled:t", "text": "prompt = \"x\"\n", "hash": "h"},
        "backend": {"kind": "ollama", "host": "http://127.0.0.1:11434", "model": "llava",
                    "logprobs": false, "concurrency": 1, "timeout_s": 120, "retries": 3},
        "started_at": "2026-11-29T10:00:00Z", "status": "finished"
    });
    std::fs::write(session.join("session.json"), meta.to_string()).unwrap();
    let lines: String = items
        .iter()
        .map(|(image, label)| {
            let parse = if label.is_some() { "exact" } else { "unparsed" };
            let line = json!({
                "image": image, "sha256": "00", "truth": "", "answer": label.unwrap_or("hmm"),
                "label": label, "parse": parse, "confidence": null, "latency_ms": 5,
                "attempts": 1, "error": null,
            });
            format!("{line}\n")
        })
        .collect();
    std::fs::write(session.join("results.jsonl"), lines).unwrap();
    // A person reviewed a.png: it is a dog.
    let review = CorrectionEntry::correct("a.png", "", &Verdict::Label("dog".into()), "t".into());
    append_correction(&session, &review).unwrap();
    let run = |format: &str, out: &Path, extra: &[&str]| {
        let (session, out) = (s(&session), s(out));
        let mut args = vec!["labels", &session, "--format", format, "-o", &out];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_squint"))
            .args(&args)
            .env("SQUINT_DATA_DIR", root.join("data-dir"))
            .env("SQUINT_CONFIG_DIR", root.join("config-dir"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // What has been reviewed, and nothing else.
    let csv = root.join("reviewed.csv");
    ok(&run("csv", &csv, &[]));
    let rows: Vec<String> = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1], format!("{},dog,person", s(&data.join("a.png"))));
    // With the model's proposals for the rest, marked; an unparsed answer proposes nothing.
    let jsonl = root.join("all.jsonl");
    let said = ok(&run("jsonl", &jsonl, &["--include-unreviewed"]));
    let got: Vec<Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(String, &str, &str)> = got
        .iter()
        .map(|v| {
            let path = v["path"].as_str().unwrap();
            let name = Path::new(path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (
                name,
                v["label"].as_str().unwrap(),
                v["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a.png".to_owned(), "dog", "person"),
            ("b.png".to_owned(), "dog", "model")
        ]
    );
    assert!(said.contains("2 labels written"), "{said}");
    let csv = root.join("all.csv");
    ok(&run("csv", &csv, &["--include-unreviewed"]));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("path,label,source\n") && text.contains(",dog,model"),
        "{text}"
    );
}
