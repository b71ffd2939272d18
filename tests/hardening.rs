//! Attacks on the real `squint` binary, each reproduced against the project's fake server (or
//! with hostile files): endless answers, credentials in the URL, two runs of one session,
//! escape sequences as answers, non-UTF-8 file names, decompression bombs, foreign output
//! folders, and the exit codes a CI job relies on.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::fake_server::{AuthProxy, FakeConfig, FakeServer, Fault};

use support::lab::{
    Lab, MODEL, correct_answers, results, run_measured, sha_of, stderr, stdout, wait_for_lines,
};

// ------------------------------------------------------------------- 1. endless answers

#[test]
fn endless_answer_is_cut_at_the_cap_and_memory_stays_flat() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2", "3"], 2);
    for (kind, base) in [("ollama", false), ("openai", true)] {
        let mut cfg = FakeConfig::default();
        for (path, _) in &images {
            cfg.fault_for_image.insert(sha_of(path), Fault::Endless);
        }
        let server = FakeServer::start_in_thread(cfg);
        let host = if base {
            server.openai_url()
        } else {
            server.url.clone()
        };
        let out = lab.path(&format!("endless-{kind}"));
        let out_s = out.to_string_lossy().into_owned();
        let started = Instant::now();
        let (o, peak_kib) = run_measured(lab.cmd(&[
            "run",
            "--backend",
            kind,
            "--host",
            &host,
            "--model",
            MODEL,
            "--dataset",
            &dataset,
            "--out",
            &out_s,
            "--concurrency",
            "4",
            "--no-cache",
            "--json",
        ]));
        let took = started.elapsed();
        assert_eq!(
            o.status.code(),
            Some(3),
            "{kind}: every item failed: {}",
            stderr(&o)
        );
        let lines = results(&out);
        assert_eq!(lines.len(), 8, "{kind}");
        for line in &lines {
            let error = line["error"].as_str().unwrap_or_default();
            assert!(error.contains("longer than 65536 bytes"), "{kind}: {error}");
            assert!(
                line["label"].is_null(),
                "{kind}: a cut answer is no prediction"
            );
            assert_eq!(line["attempts"], 1, "{kind}: not retried");
        }
        assert!(
            took < Duration::from_secs(30),
            "{kind}: stopped reading at once ({took:?})"
        );
        eprintln!(
            "{kind}: 8 endless answers at --concurrency 4: peak RSS {} MiB, {took:?}",
            peak_kib / 1024
        );
        if cfg!(target_os = "linux") {
            assert!(
                peak_kib > 0 && peak_kib < 120 * 1024,
                "{kind}: peak {peak_kib} KiB"
            );
        }
        let sent = server
            .state
            .endless_bytes
            .load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            sent < 64 * 1024 * 1024,
            "{kind}: the server was not read on ({sent} bytes)"
        );
    }
    // The cap is a flag.
    let mut cfg = FakeConfig::default();
    cfg.fault_for_image
        .insert(sha_of(&images[0].0), Fault::Endless);
    let server = FakeServer::start_in_thread(cfg);
    let out = lab.path("endless-flag");
    let out_s = out.to_string_lossy().into_owned();
    let o = lab.run(&[
        "run",
        "--host",
        &server.url,
        "--model",
        MODEL,
        "--dataset",
        &dataset,
        "--out",
        &out_s,
        "--max-answer-bytes",
        "500",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let failed: Vec<Value> = results(&out)
        .into_iter()
        .filter(|l| !l["error"].is_null())
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("longer than 500 bytes")),
        "{failed:?}"
    );
}

// ------------------------------------------------------------ 2. credentials in --host

#[test]
fn credentials_and_query_in_host_are_sent_but_never_shown() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 2);
    let mut cfg = FakeConfig {
        answers: correct_answers(&images),
        auth_proxy: Some(AuthProxy {
            user: "alice".into(),
            password: "s3cret-pw".into(),
            status: 401,
        }),
        require_query: Some("token=T0K3N".into()),
        ..FakeConfig::default()
    };
    // One item fails, so an error message with the host lands in the journal.
    cfg.fault_for_image
        .insert(sha_of(&images[0].0), Fault::Status(500));
    let server = FakeServer::start_in_thread(cfg);
    let port = server.url.trim_start_matches("http://127.0.0.1:");
    let host = format!("http://alice:s3cret-pw@127.0.0.1:{port}?token=T0K3N");
    let out = lab.path("creds");
    let out_s = out.to_string_lossy().into_owned();
    let o = lab.run(&[
        "run",
        "--host",
        &host,
        "--model",
        MODEL,
        "--dataset",
        &dataset,
        "--out",
        &out_s,
        "--retries",
        "1",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let seen = server
        .state
        .seen
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    assert!(seen.len() > 4, "{seen:?}");
    for (uri, auth) in &seen {
        assert!(
            uri.ends_with("?token=T0K3N"),
            "query kept on every request: {uri}"
        );
        assert_eq!(
            auth.len(),
            1,
            "exactly one Authorization header: {uri} {auth:?}"
        );
    }
    let mut everything = stderr(&o) + &stdout(&o);
    for file in ["session.json", "results.jsonl"] {
        everything += &std::fs::read_to_string(out.join(file)).expect("session file");
    }
    let journal = std::fs::read_to_string(out.join("results.jsonl")).expect("journal");
    assert!(
        journal.contains("HTTP 500") && journal.contains("127.0.0.1"),
        "{journal}"
    );
    for secret in ["s3cret-pw", "T0K3N", "alice:"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{everything}"
        );
    }

    // Wrong password: the run stops before it starts, and says so without the password.
    let bad = format!("http://alice:wrong-pw@127.0.0.1:{port}?token=T0K3N");
    let o = lab.run(&[
        "run",
        "--host",
        &bad,
        "--model",
        MODEL,
        "--dataset",
        &dataset,
        "--out",
        &lab.path("creds-bad").to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let text = stderr(&o);
    assert!(
        text.contains("HTTP 401") && text.contains("credentials"),
        "{text}"
    );
    assert!(
        !text.contains("wrong-pw") && !text.contains("T0K3N"),
        "{text}"
    );

    // OpenAI-compatible with user info and an API key: one Authorization header (the key).
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        require_api_key: Some("sk-test".into()),
        ..FakeConfig::default()
    });
    let port = server.url.trim_start_matches("http://127.0.0.1:");
    let o = lab
        .cmd(&[
            "run",
            "--backend",
            "openai",
            "--host",
            &format!("http://bob:pw-bob-123@127.0.0.1:{port}/v1"),
            "--model",
            MODEL,
            "--dataset",
            &dataset,
            "--out",
            &lab.path("creds-oa").to_string_lossy(),
        ])
        .env("OPENAI_API_KEY", "sk-test")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let seen = server
        .state
        .seen
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    for (uri, auth) in &seen {
        assert_eq!(auth, &["Bearer sk-test".to_owned()], "{uri}");
    }
    assert!(!stderr(&o).contains("pw-bob-123"));
}

// ------------------------------------------------------------- 3. one run per session

#[test]
fn a_second_run_of_a_running_session_is_refused() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2"], 3);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        latency: Duration::from_millis(150),
        ..FakeConfig::default()
    });
    let out = lab.path("locked");
    let out_s = out.to_string_lossy().into_owned();
    let first = lab
        .cmd(&[
            "run",
            "--host",
            &server.url,
            "--model",
            MODEL,
            "--dataset",
            &dataset,
            "--out",
            &out_s,
            "--no-cache",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for_lines(&out.join("results.jsonl"), 1);
    let asked = server.chat_count();
    let o = lab.run(&["run", "--resume", &out_s, "--no-cache"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("in use by process {}", first.id())),
        "{}",
        stderr(&o)
    );
    let o = first.wait_with_output().expect("first run");
    assert_eq!(o.status.code(), Some(0));
    assert!(server.chat_count() <= 9 && server.chat_count() >= asked);
    let lines = results(&out);
    assert_eq!(lines.len(), 9, "no duplicate lines");
    // Once the first run ended the session can be resumed again.
    let o = lab.run(&["run", "--resume", &out_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// ------------------------------------------------------ 4. escape sequences as answers

#[test]
fn labels_are_read_from_visible_text_and_the_raw_answer_is_kept() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "7"], 1);
    let mut answers = HashMap::new();
    answers.insert(sha_of(&images[0].0), "\x1b]0;title\x07".to_owned());
    answers.insert(sha_of(&images[1].0), "\x1b[2J\x1b[1;1H".to_owned());
    answers.insert(sha_of(&images[2].0), "\x1b[1m7\x1b[0m".to_owned());
    let server = FakeServer::start_in_thread(FakeConfig {
        answers,
        ..FakeConfig::default()
    });
    let out = lab.path("esc");
    let out_s = out.to_string_lossy().into_owned();
    let o = lab.run(&[
        "run",
        "--host",
        &server.url,
        "--model",
        MODEL,
        "--dataset",
        &dataset,
        "--out",
        &out_s,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let by_truth: HashMap<String, Value> = results(&out)
        .into_iter()
        .map(|l| (l["truth"].as_str().unwrap_or_default().to_owned(), l))
        .collect();
    assert_eq!(
        by_truth["0"]["label"],
        Value::Null,
        "an OSC title is no label"
    );
    assert_eq!(
        by_truth["0"]["answer"], "\x1b]0;title\x07",
        "the raw answer is journaled"
    );
    assert_eq!(
        by_truth["1"]["label"],
        Value::Null,
        "a screen clear is no label"
    );
    assert_eq!(by_truth["7"]["label"], "7", "bold 7 is 7");
    assert_eq!(by_truth["7"]["answer"], "\x1b[1m7\x1b[0m");
    assert!(!stdout(&o).contains('\x1b') && !stderr(&o).contains('\x1b'));
}

// ------------------------------------------------------------- 5. non-UTF-8 names

#[cfg(unix)]
#[test]
fn latin1_file_names_stay_distinct_through_a_resume() {
    use std::os::unix::ffi::OsStrExt;
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["3"], 1);
    let class = Path::new(&dataset).join("3");
    for raw in [&b"caf\xe9.png"[..], &b"caf\xe8.png"[..]] {
        std::fs::copy(&images[0].0, class.join(std::ffi::OsStr::from_bytes(raw))).expect("copy");
    }
    let server = FakeServer::start_in_thread(FakeConfig {
        default_answer: "3".into(),
        ..FakeConfig::default()
    });
    let out = lab.path("latin1");
    let out_s = out.to_string_lossy().into_owned();
    let o = lab.run(&[
        "run",
        "--host",
        &server.url,
        "--model",
        MODEL,
        "--dataset",
        &dataset,
        "--out",
        &out_s,
        "--no-cache",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let keys = |lines: &[Value]| -> Vec<String> {
        let mut k: Vec<String> = lines
            .iter()
            .map(|l| l["image"].as_str().unwrap_or_default().to_owned())
            .collect();
        k.sort();
        k
    };
    let all = keys(&results(&out));
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(
        all.contains(&"3/caf\\xE9.png".to_owned()) && all.contains(&"3/caf\\xE8.png".to_owned()),
        "{all:?}"
    );
    // Interrupt: drop the last line, then resume.
    let text = std::fs::read_to_string(out.join("results.jsonl")).expect("journal");
    let kept: Vec<&str> = text.lines().take(2).collect();
    std::fs::write(out.join("results.jsonl"), kept.join("\n") + "\n").expect("write");
    let asked = server.chat_count();
    let o = lab.run(&["run", "--resume", &out_s, "--json", "--no-cache"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        server.chat_count() - asked,
        1,
        "only the missing item is asked"
    );
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["counts"]["done"], 3);
    assert_eq!(keys(&results(&out)), all);
}

// -------------------------------------------------------------- 6. decompression bombs

#[test]
fn a_decompression_bomb_fails_its_item_and_memory_stays_bounded() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0"], 3);
    let bomb = Path::new(&dataset).join("0").join("bomb.png");
    {
        let file = std::io::BufWriter::new(std::fs::File::create(&bomb).expect("bomb"));
        let side = 20_000u32;
        let mut encoder = png::Encoder::new(file, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().expect("header");
        let mut stream = writer.stream_writer().expect("stream");
        let row = vec![0u8; side as usize / 8];
        for _ in 0..side {
            std::io::Write::write_all(&mut stream, &row).expect("row");
        }
        stream.finish().expect("finish");
    }
    let on_disk = std::fs::metadata(&bomb).expect("bomb").len();
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let out = lab.path("bomb");
    let out_s = out.to_string_lossy().into_owned();
    let (o, peak_kib) = run_measured(lab.cmd(&[
        "run",
        "--host",
        &server.url,
        "--model",
        MODEL,
        "--dataset",
        &dataset,
        "--out",
        &out_s,
        "--concurrency",
        "4",
        "--max-side",
        "64",
        "--no-cache",
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let failed: Vec<Value> = results(&out)
        .into_iter()
        .filter(|l| !l["error"].is_null())
        .collect();
    assert_eq!(failed.len(), 1);
    let error = failed[0]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("20000x20000") && error.contains("megapixels"),
        "{error}"
    );
    eprintln!("bomb of {on_disk} bytes: peak RSS {} MiB", peak_kib / 1024);
    if cfg!(target_os = "linux") {
        assert!(peak_kib > 0 && peak_kib < 100 * 1024, "peak {peak_kib} KiB");
    }
    assert_eq!(server.chat_count(), 3, "the bomb was never sent");
}

// ------------------------------------------------------------ 7. foreign --out folder

#[test]
fn out_into_a_foreign_folder_is_refused() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0"], 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let foreign = lab.path("theirs");
    std::fs::create_dir_all(&foreign).expect("mkdir");
    std::fs::write(foreign.join("results.jsonl"), "{\"theirs\": 1}\n").expect("write");
    let o = lab.run(&[
        "run",
        "--host",
        &server.url,
        "--model",
        MODEL,
        "--dataset",
        &dataset,
        "--out",
        &foreign.to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not empty") && stderr(&o).contains("--out"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("results.jsonl")).expect("read"),
        "{\"theirs\": 1}\n"
    );
    assert!(!foreign.join("session.json").exists());
    assert_eq!(server.chat_count(), 0);
}
