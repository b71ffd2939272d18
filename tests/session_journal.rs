//! Crash test for the results journal: a child process appending lines is killed with
//! SIGKILL, and the file must still read with at most the torn tail lost.
//!
//! The child is this test binary re-invoked with `SQUINT_TEST_JOURNAL_CHILD` set, running the
//! ignored `child_writer` helper (it is not a test of its own and never counts as one).

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use squint::domain::parse::ParseStep;
use squint::domain::result::ItemResult;
use squint::session::{Journal, read_results};

const CHILD_ENV: &str = "SQUINT_TEST_JOURNAL_CHILD";
const MODE_ENV: &str = "SQUINT_TEST_JOURNAL_MODE";

fn item(i: usize) -> ItemResult {
    ItemResult {
        image: format!("class_{}/img_{i:06}.png", i % 10),
        sha256: format!("{i:064x}"),
        truth: (i % 10).to_string(),
        // Long enough that a line takes a moment to write.
        answer: format!("The digit is {}. {}", i % 10, "reasoning ".repeat(200)),
        label: Some((i % 10).to_string()),
        parse: Some(ParseStep::WholeWord),
        confidence: Some(0.5),
        latency_ms: i as u64,
        eval_count: Some(7),
        prompt_eval_count: Some(90),
        eval_duration_ns: Some(1_000),
        total_duration_ns: None,
        attempts: 1,
        cached: false,
        error: None,
        error_kind: None,
        label_probs: None,
    }
}

/// Runs only in the child: appends forever (or leaves a half line) until killed.
#[test]
#[ignore = "a helper the kill -9 tests re-execute as their child process, not a test"]
fn child_writer() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        panic!("child_writer is the kill -9 tests' child process; it runs only when they start it");
    };
    let path = PathBuf::from(path);
    let mut journal = Journal::open(&path).expect("child: open journal");
    if std::env::var(MODE_ENV).as_deref() == Ok("half-line") {
        for i in 0..5 {
            journal.append(&item(i)).expect("child: append");
        }
        // A crash in the middle of a line: write half of one, then wait to be killed.
        use std::io::Write;
        let line = serde_json::to_string(&item(5)).expect("child: encode");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("child: reopen");
        f.write_all(&line.as_bytes()[..line.len() / 2])
            .expect("child: half write");
        loop {
            sleep(Duration::from_secs(1));
        }
    }
    for i in 0.. {
        journal.append(&item(i)).expect("child: append");
    }
}

fn spawn_child(path: &Path, mode: &str) -> Child {
    Command::new(std::env::current_exe().expect("test binary path"))
        .args([
            "--exact",
            "child_writer",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, path)
        .env(MODE_ENV, mode)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child")
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Waits until `path` is at least `min` bytes, failing after 30 s.
fn wait_for_len(path: &Path, min: u64) {
    let start = Instant::now();
    while file_len(path) < min {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "child wrote too little"
        );
        sleep(Duration::from_millis(5));
    }
}

/// SIGKILLs the child (Child::kill sends SIGKILL on Unix) and reaps it.
fn kill_9(mut child: Child) {
    child.kill().expect("kill child");
    child.wait().expect("reap child");
}

#[test]
fn kill_9_mid_run_loses_at_most_the_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.jsonl");
    let child = spawn_child(&path, "forever");
    wait_for_len(&path, 2_000_000);
    kill_9(child);

    let bytes = std::fs::read(&path).unwrap();
    let complete_lines = bytes.iter().filter(|&&b| b == b'\n').count();
    let log = read_results(&path).unwrap();
    assert!(log.bad_lines.is_empty(), "bad lines {:?}", log.bad_lines);
    assert_eq!(
        log.results.len(),
        complete_lines,
        "every complete line is read"
    );
    assert!(complete_lines > 100, "only {complete_lines} lines");
    for (i, r) in log.results.iter().enumerate() {
        assert_eq!(r, &item(i), "line {}", i + 1);
    }
    assert_eq!(log.torn_tail, bytes.last() != Some(&b'\n'));

    // Resuming appends after whatever the crash left.
    let n = log.results.len();
    Journal::open(&path).unwrap().append(&item(n)).unwrap();
    let log = read_results(&path).unwrap();
    assert_eq!(log.results.len(), n + 1);
    assert_eq!(log.results[n], item(n));
    assert!(!log.torn_tail);
}

#[test]
fn kill_9_during_a_half_written_line_is_repaired_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.jsonl");
    let child = spawn_child(&path, "half-line");
    let five_lines: u64 = (0..5)
        .map(|i| serde_json::to_string(&item(i)).unwrap().len() as u64 + 1)
        .sum();
    wait_for_len(&path, five_lines + 100);
    kill_9(child);

    let log = read_results(&path).unwrap();
    assert_eq!(log.results, (0..5).map(item).collect::<Vec<_>>());
    assert!(log.torn_tail);
    assert!(log.bad_lines.is_empty());

    let mut journal = Journal::open(&path).unwrap();
    assert!(
        journal.torn_bytes() >= 100,
        "the torn line is cut off and counted"
    );
    journal.append(&item(5)).unwrap();
    journal.append(&item(6)).unwrap();
    let log = read_results(&path).unwrap();
    assert_eq!(log.results, (0..7).map(item).collect::<Vec<_>>());
    assert!(!log.torn_tail);
    assert!(
        log.bad_lines.is_empty(),
        "the torn line is not left in the middle: {:?}",
        log.bad_lines
    );
}
