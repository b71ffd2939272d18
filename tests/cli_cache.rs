//! The answer cache through the real binary: one SQLite file shared by runs, `squint cache
//! stats` and `prune`, the old per-file cache converted on first use, and a cache that cannot
//! be opened costing only the cache (the run goes on, with a warning).

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::Value;
use support::fake_server::{FakeConfig, FakeServer};
use support::lab::{Lab, MODEL, correct_answers, results, stderr, stdout};

fn run_args<'a>(url: &'a str, dataset: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "run",
        "--dataset",
        dataset,
        "--host",
        url,
        "--model",
        MODEL,
        "--out",
        out,
        "--json",
    ]
}

fn stats(lab: &Lab) -> Value {
    let o = lab.run(&["cache", "stats", "--json"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("stats json")
}

#[test]
fn runs_share_one_database_and_stats_and_prune_manage_it() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["1", "2", "3"], 2);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let first = lab.path("first").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &first));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(server.chat_count(), 6);

    let cache = lab.path("data").join("cache");
    let db = cache.join("answers.sqlite3");
    assert!(db.is_file(), "no database at {}", db.display());
    let files: Vec<_> = std::fs::read_dir(&cache).unwrap().flatten().collect();
    assert!(
        files.iter().all(|f| f
            .file_name()
            .to_string_lossy()
            .starts_with("answers.sqlite3")),
        "the cache is one database, not a file per answer: {files:?}"
    );
    let s = stats(&lab);
    assert_eq!(s["path"], db.to_string_lossy().as_ref(), "{s}");
    assert_eq!(s["answers"], 6, "{s}");
    assert!(s["bytes"].as_u64().unwrap() > 0, "{s}");
    assert!(s["oldest"].is_string() && s["newest"].is_string(), "{s}");
    let text = stdout(&lab.run(&["cache", "stats"]));
    assert!(text.contains("answers       6"), "{text}");

    let second = lab.path("second").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &second));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(
        server.chat_count(),
        6,
        "the re-run was answered from the cache"
    );
    assert!(
        results(std::path::Path::new(&second))
            .iter()
            .all(|l| l["cached"] == true)
    );

    let o = lab.run(&["cache", "prune", "--older-than", "30d"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(
        stdout(&o).contains("deleted 0 cached answers; 6 left"),
        "{}",
        stdout(&o)
    );
    let o = lab.run(&["cache", "prune"]);
    assert!(
        stdout(&o).contains("deleted 6 cached answers; 0 left"),
        "{}",
        stdout(&o)
    );
    assert_eq!(stats(&lab)["answers"], 0);

    let o = lab.run(&["cache", "prune", "--older-than", "soon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--older-than"), "{}", stderr(&o));
}

/// With no cache yet, `stats` and `prune` say so, naming the database file a run would create
/// (`stats --json`'s `path` is that file, as with a cache), and create nothing: no database, no
/// cache folder, no log; a cache folder holding neither the database nor an old per-file cache
/// (empty, or only a stray file) counts as no cache too.
#[test]
fn without_a_cache_stats_and_prune_say_so_and_create_nothing() {
    let lab = Lab::new();
    let data = lab.path("data");
    let cache = data.join("cache");
    let db = cache.join("answers.sqlite3");
    let entries = |dir: &std::path::Path| -> Vec<String> {
        match std::fs::read_dir(dir) {
            Ok(list) => list
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    };
    let o = lab.run(&["cache", "stats"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(&format!("no answer cache yet at {}", db.display())),
        "{text}"
    );
    let s = stats(&lab);
    assert_eq!(s["path"], db.to_string_lossy().as_ref(), "{s}");
    assert_eq!(s["answers"], 0, "{s}");
    assert_eq!(s["bytes"], 0, "{s}");
    assert!(s["oldest"].is_null() && s["newest"].is_null(), "{s}");
    let o = lab.run(&["cache", "prune"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("nothing to prune"), "{}", stdout(&o));
    let o = lab.run(&["cache", "prune", "--older-than", "30d"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(
        !data.exists(),
        "the data dir was created: {:?}",
        entries(&data)
    );

    std::fs::create_dir_all(&cache).unwrap();
    let o = lab.run(&["cache", "stats"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(
        stdout(&o).contains("no answer cache yet at "),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        entries(&data),
        ["cache"],
        "nothing besides the empty folder"
    );
    assert!(entries(&cache).is_empty(), "{:?}", entries(&cache));

    std::fs::write(cache.join(".DS_Store"), "stray").unwrap();
    std::fs::create_dir_all(cache.join("not-a-shard")).unwrap();
    for args in [
        &["cache", "stats"][..],
        &["cache", "prune"][..],
        &["cache", "prune", "--older-than", "30d"][..],
    ] {
        let o = lab.run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?} stderr: {}", stderr(&o));
        assert!(
            stdout(&o).contains("no answer cache yet at "),
            "{args:?}: {}",
            stdout(&o)
        );
    }
    let s = stats(&lab);
    assert_eq!(s["answers"], 0, "{s}");
    assert_eq!(s["path"], db.to_string_lossy().as_ref(), "{s}");
    assert_eq!(entries(&data), ["cache"], "no log folder or file");
    let mut left = entries(&cache);
    left.sort();
    assert_eq!(
        left,
        [".DS_Store", "not-a-shard"],
        "no database, WAL or SHM"
    );
}

#[test]
fn the_old_per_file_cache_is_converted_on_first_use() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["4", "5"], 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let first = lab.path("first").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &first));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    // Turn the database back into the old layout: one JSON file per answer, plus a torn one.
    let cache = lab.path("data").join("cache");
    assert_eq!(old_layout(&cache), 2);

    let second = lab.path("second").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &second));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("converted the old per-file answer cache"),
        "{err}"
    );
    assert!(err.contains("2 answers imported"), "{err}");
    assert!(err.contains("1 unreadable entries skipped"), "{err}");
    assert_eq!(server.chat_count(), 2, "the converted answers were used");
    let left: Vec<_> = std::fs::read_dir(&cache).unwrap().flatten().collect();
    assert!(
        left.iter().all(|f| f
            .file_name()
            .to_string_lossy()
            .starts_with("answers.sqlite3")),
        "old files left: {left:?}"
    );
}

/// A folder holding only the old per-file cache is a cache: `stats` converts it and counts it.
#[test]
fn stats_converts_an_old_per_file_cache() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["8", "9"], 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let first = lab.path("first").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &first));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let cache = lab.path("data").join("cache");
    assert_eq!(old_layout(&cache), 2);
    assert!(!cache.join("answers.sqlite3").exists());

    let o = lab.run(&["cache", "stats", "--json"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("converted the old per-file answer cache"),
        "{}",
        stderr(&o)
    );
    let s: Value = serde_json::from_str(&stdout(&o)).expect("stats json");
    assert_eq!(s["answers"], 2, "{s}");
    let db = cache.join("answers.sqlite3");
    assert_eq!(s["path"], db.to_string_lossy().as_ref(), "{s}");
}

/// Rewrites the cache database in the old per-file layout (same keys, one JSON file each,
/// plus one torn entry) and removes the database; returns how many answers were written.
fn old_layout(cache: &std::path::Path) -> usize {
    let keys = database_keys(cache);
    for entry in std::fs::read_dir(cache).unwrap().flatten() {
        std::fs::remove_file(entry.path()).unwrap();
    }
    for key in &keys {
        let shard = cache.join(&key[..2]);
        std::fs::create_dir_all(&shard).unwrap();
        let json = serde_json::json!({"answer": "converted", "eval_count": 1, "prompt_eval_count": null,
            "eval_duration_ns": null, "confidence": null, "logprobs": null});
        std::fs::write(shard.join(format!("{key}.json")), json.to_string()).unwrap();
    }
    let torn = cache.join("ff");
    std::fs::create_dir_all(&torn).unwrap();
    std::fs::write(
        torn.join(format!("{}.json", "f".repeat(64))),
        "{\"answer\": ",
    )
    .unwrap();
    keys.len()
}

/// The keys (lowercase hex) in the cache database.
fn database_keys(cache: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(cache.join("answers.sqlite3")).unwrap();
    let mut stmt = conn.prepare("SELECT hex(key) FROM answers").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|k| k.unwrap().to_lowercase())
        .collect()
}

#[test]
fn a_cache_that_cannot_be_opened_costs_only_the_cache() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["6", "7"], 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let cache = lab.path("data").join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join("answers.sqlite3"), vec![b'#'; 8192]).unwrap();
    let out = lab.path("out").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &out));
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("running without the answer cache"), "{err}");
    assert!(err.contains("answers.sqlite3"), "{err}");
    assert_eq!(
        results(std::path::Path::new(&out)).len(),
        2,
        "every result journaled"
    );
    let o = lab.run(&["cache", "stats"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("delete that file"), "{}", stderr(&o));
}

/// With logprobs (the fake Ollama serves them), every answered line of results.jsonl carries
/// each label's probability at the answer token, and a re-run answered from the cache carries
/// the same ones.
#[test]
fn label_probabilities_are_written_and_survive_the_cache() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["1", "2", "3"], 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let template = lab.path("constrained.toml");
    std::fs::write(
        &template,
        "name = \"digits-json\"\nprompt = \"Which digit?\"\noutput = \"constrained\"\n[options]\ntemperature = 0.0\nseed = 42\n",
    )
    .unwrap();
    let template = template.to_string_lossy().into_owned();
    let probs_of = |out: &str| -> Vec<(String, Value, Value)> {
        let mut lines: Vec<(String, Value, Value)> = results(std::path::Path::new(out))
            .into_iter()
            .map(|l| {
                (
                    l["truth"].as_str().unwrap().to_owned(),
                    l["label_probs"].clone(),
                    l["cached"].clone(),
                )
            })
            .collect();
        lines.sort_by(|a, b| a.0.cmp(&b.0));
        lines
    };
    let first = lab.path("first").to_string_lossy().into_owned();
    let mut args = run_args(&server.url, &dataset, &first);
    args.extend(["--template", &template]);
    let o = lab.run(&args);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let fresh = probs_of(&first);
    // The fake server gives the answer 0.8 and the other labels (in the schema's order)
    // 0.1, then 0.05.
    let want = [
        ("1", [0.8, 0.1, 0.05]),
        ("2", [0.1, 0.8, 0.05]),
        ("3", [0.1, 0.05, 0.8]),
    ];
    for ((truth, probs, cached), (want_truth, want_probs)) in fresh.iter().zip(want) {
        assert_eq!((truth.as_str(), cached), (want_truth, &Value::Bool(false)));
        for (label, p) in ["1", "2", "3"].iter().zip(want_probs) {
            let got = probs[label].as_f64().unwrap_or(f64::NAN);
            assert!(
                (got - p).abs() < 1e-9,
                "{truth}: {label} {got} != {p}: {probs}"
            );
        }
    }

    let second = lab.path("second").to_string_lossy().into_owned();
    let mut args = run_args(&server.url, &dataset, &second);
    args.extend(["--template", &template]);
    let o = lab.run(&args);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(
        server.chat_count(),
        3,
        "the re-run was answered from the cache"
    );
    let cached = probs_of(&second);
    for ((truth, probs, was_cached), (_, fresh_probs, _)) in cached.iter().zip(&fresh) {
        assert_eq!(was_cached, &Value::Bool(true), "{truth}");
        assert_eq!(
            probs, fresh_probs,
            "{truth}: the cache gives the same probabilities"
        );
    }
}
