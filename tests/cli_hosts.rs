//! One run over several model servers (`--host` repeated, `URL#N`): items spread in
//! proportion to the servers' slots, a failing server taken out of rotation while the others
//! finish the run, a server down at start left out until it answers, a run that stops when
//! every server is gone (and continues later), and the refusal to mix servers holding
//! different versions of the model. The real binary against
//! two and three of the project's fake servers.

// A failed unwrap here is a failed test with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::fake_server::{FakeConfig, FakeModel, FakeServer, dead_url};
use support::lab::{Lab, MODEL, correct_answers, results, stderr, stdout};

/// A fake server that answers every digit right, `slots` at a time, each after `latency`.
fn server(images: &[(PathBuf, String)], slots: usize, latency_ms: u64) -> FakeServer {
    FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(images),
        slots,
        latency: Duration::from_millis(latency_ms),
        ..FakeConfig::default()
    })
}

/// All ten digits: with 14 of each and one slot at 60 ms, a server alone takes 8.4 s, long
/// enough for a server out of rotation to be checked again (5 s after it left).
const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// A server like [`server`] (1 slot, 60 ms) that fails (HTTP 500) from its request number
/// `broken_after` (0: its check at start) and works again 1 s later, holding `models` (the
/// default model when empty).
fn breaking_server(
    images: &[(PathBuf, String)],
    broken_after: usize,
    models: Vec<FakeModel>,
) -> FakeServer {
    let defaults = FakeConfig::default();
    FakeServer::start_in_thread(FakeConfig {
        models: if models.is_empty() {
            defaults.models.clone()
        } else {
            models
        },
        answers: correct_answers(images),
        slots: 1,
        latency: Duration::from_millis(60),
        down_after_chats: Some(broken_after),
        recover_after: Some(Duration::from_secs(1)),
        ..defaults
    })
}

/// `squint run --json` over `hosts` (each `URL` or `URL#N`), plus `extra`.
fn run_over(
    lab: &Lab,
    hosts: &[String],
    dataset: &str,
    out: &Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args: Vec<String> = vec!["run".into(), "--json".into(), "--no-cache".into()];
    for host in hosts {
        args.extend(["--host".into(), host.clone()]);
    }
    args.extend(
        ["--model", MODEL, "--dataset", dataset, "--out"]
            .iter()
            .map(|s| (*s).to_owned()),
    );
    args.push(out.to_string_lossy().into_owned());
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    lab.run(&refs)
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(output))
        .unwrap_or_else(|e| panic!("JSON report: {e}\n{}\n{}", stdout(output), stderr(output)))
}

/// Every image has exactly one result, answered and right.
fn assert_complete_and_correct(out: &Path, images: &[(PathBuf, String)]) {
    let results = results(out);
    assert_eq!(results.len(), images.len(), "one result per image");
    for r in &results {
        assert!(r["error"].is_null(), "no failed item: {r}");
        assert_eq!(r["label"], r["truth"], "{r}");
    }
    let mut seen: Vec<&str> = results
        .iter()
        .map(|r| r["image"].as_str().unwrap())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), images.len(), "no image twice");
}

/// The JSON report's `hosts` entry for `url`.
fn host_entry<'a>(report: &'a Value, url: &str) -> &'a Value {
    report["hosts"]
        .as_array()
        .and_then(|hosts| hosts.iter().find(|h| h["url"] == url))
        .unwrap_or_else(|| panic!("no {url} in {}", report["hosts"]))
}

#[test]
fn items_spread_over_two_servers_in_proportion_to_their_slots() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], 4);
    // Same speed per request; A takes three at once, B one: A should answer ~3 in 4.
    let a = server(&images, 3, 40);
    let b = server(&images, 1, 40);
    let out = lab.path("s");
    let output = run_over(
        &lab,
        &[format!("{}#3", a.url), format!("{}#1", b.url)],
        &dataset,
        &out,
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_complete_and_correct(&out, &images);
    let (asked_a, asked_b) = (a.chat_count(), b.chat_count());
    assert_eq!(asked_a + asked_b, images.len(), "each image asked once");
    let share_a = asked_a as f64 / images.len() as f64;
    assert!(
        (0.6..=0.9).contains(&share_a),
        "A's share {share_a} (A {asked_a}, B {asked_b})"
    );
    let report = json_of(&output);
    assert_eq!(host_entry(&report, &a.url)["answered"], asked_a as u64);
    assert_eq!(host_entry(&report, &b.url)["answered"], asked_b as u64);
    assert_eq!(host_entry(&report, &a.url)["slots"], 3);
    assert_eq!(host_entry(&report, &b.url)["errors"], 0);
    assert!(
        a.state
            .max_in_flight
            .load(std::sync::atomic::Ordering::SeqCst)
            <= 3
    );
    assert!(
        b.state
            .max_in_flight
            .load(std::sync::atomic::Ordering::SeqCst)
            <= 1
    );
}

#[test]
fn three_servers_share_by_slots_and_the_text_report_lists_them() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], 4);
    let servers = [
        server(&images, 2, 40),
        server(&images, 1, 40),
        server(&images, 1, 40),
    ];
    let out = lab.path("s");
    // --concurrency is the slot count of a host without #N.
    let hosts = [
        format!("{}#2", servers[0].url),
        servers[1].url.clone(),
        servers[2].url.clone(),
    ];
    let args: Vec<String> = [
        "run",
        "--no-cache",
        "--concurrency",
        "1",
        "--model",
        MODEL,
        "--dataset",
        &dataset,
        "--out",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([out.to_string_lossy().into_owned()])
    .chain(hosts.iter().flat_map(|h| ["--host".to_owned(), h.clone()]))
    .collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = lab.run(&refs);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_complete_and_correct(&out, &images);
    let counts: Vec<usize> = servers.iter().map(FakeServer::chat_count).collect();
    assert_eq!(counts.iter().sum::<usize>(), images.len());
    let first = counts[0] as f64 / images.len() as f64;
    assert!(
        (0.35..=0.65).contains(&first),
        "the #2 server's share {first}: {counts:?}"
    );
    assert!(counts[1] > 0 && counts[2] > 0, "{counts:?}");
    let text = stdout(&output);
    assert!(text.contains("answers/s"), "{text}");
    for (server, n) in servers.iter().zip(&counts) {
        let row = text
            .lines()
            .find(|l| l.starts_with(&server.url))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            row.split_whitespace().nth(2) == Some(&n.to_string()),
            "{row}: {n}"
        );
    }
}

#[test]
fn a_server_that_fails_mid_run_leaves_the_rotation_and_the_others_finish() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], 3);
    let a = server(&images, 1, 20);
    let c = server(&images, 1, 20);
    // B answers three images, then every request gets HTTP 500.
    let b = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        slots: 1,
        latency: Duration::from_millis(20),
        down_after_chats: Some(3),
        ..FakeConfig::default()
    });
    let out = lab.path("s");
    let output = run_over(
        &lab,
        &[a.url.clone(), b.url.clone(), c.url.clone()],
        &dataset,
        &out,
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains(&format!("{} taken out of rotation", b.url)),
        "{err}"
    );
    assert_complete_and_correct(&out, &images);
    let report = json_of(&output);
    let b_entry = host_entry(&report, &b.url);
    assert_eq!(b_entry["answered"], 3, "{b_entry}");
    assert_eq!(b_entry["in_rotation"], false, "{b_entry}");
    assert!(b_entry["errors"].as_u64() >= Some(1), "{b_entry}");
    assert_eq!(
        a.chat_count() + c.chat_count() + 3,
        images.len(),
        "the rest went to A and C"
    );
    assert_eq!(report["counts"]["errors"], 0, "{report}");
    // The session remembers its servers, so a resume asks them again.
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("session.json")).unwrap()).unwrap();
    let recorded =
        [a.url.clone(), b.url.clone(), c.url.clone()].map(|u| Value::from(format!("{u}#1")));
    assert_eq!(
        meta["backend"]["hosts"],
        Value::from(recorded.to_vec()),
        "{meta}"
    );
}

#[test]
fn when_every_server_is_gone_the_run_stops_and_continues_later_with_nothing_lost() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], 4);
    let a = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        slots: 1,
        latency: Duration::from_millis(30),
        down_after_chats: Some(4),
        ..FakeConfig::default()
    });
    let mut b = server(&images, 1, 30);
    let out = lab.path("s");
    let mut cmd = lab.cmd(&[
        "run",
        "--json",
        "--no-cache",
        "--host",
        &a.url,
        "--host",
        &b.url,
        "--model",
        MODEL,
        "--dataset",
        &dataset,
        "--out",
        out.to_str().unwrap(),
    ]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("spawn squint");
    // B goes away (connection refused) after it answered a few.
    let deadline = Instant::now() + Duration::from_secs(60);
    while b.chat_count() < 8 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    b.stop();
    let output = child.wait_with_output().expect("squint ends");
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(3),
        "every server gone is a server failure: {err}"
    );
    assert!(
        err.contains("run stopped: every model server failed"),
        "{err}"
    );
    assert!(
        err.contains(&format!("squint run --resume {}", out.display())),
        "{err}"
    );
    // Everything answered is journaled, once, and right.
    let kept = results(&out);
    assert!(
        !kept.is_empty() && kept.len() < images.len(),
        "{} of {}",
        kept.len(),
        images.len()
    );
    for r in &kept {
        assert!(
            r["error"].is_null(),
            "a server failure is not an item failure: {r}"
        );
        assert_eq!(r["label"], r["truth"], "{r}");
    }
    assert!(kept.len() >= a.chat_count().min(4), "A's answers are kept");
    // A working server finishes the session: the answered items are not asked again.
    let fresh = server(&images, 2, 0);
    let output = lab.run(&[
        "run",
        "--json",
        "--no-cache",
        "--resume",
        out.to_str().unwrap(),
        "--host",
        &fresh.url,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_complete_and_correct(&out, &images);
    assert_eq!(
        fresh.chat_count(),
        images.len() - kept.len(),
        "only the rest is asked"
    );
}

#[test]
fn servers_with_different_model_digests_are_refused_before_anything_is_asked() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 2);
    let a = server(&images, 1, 0);
    let mut other = FakeModel::new(MODEL, true);
    other.digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into();
    let b = FakeServer::start_in_thread(FakeConfig {
        models: vec![other],
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let out = lab.path("s");
    let output = run_over(&lab, &[a.url.clone(), b.url.clone()], &dataset, &out, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!("different versions of model '{MODEL}'")),
        "{err}"
    );
    assert!(
        err.contains(&b.url) && err.contains("0123456789ab"),
        "names the servers and digests: {err}"
    );
    assert_eq!(a.chat_count() + b.chat_count(), 0, "nothing asked");
    assert!(!out.join("results.jsonl").exists(), "no session started");
    // The same model on both: accepted.
    let c = server(&images, 1, 0);
    let output = run_over(
        &lab,
        &[a.url.clone(), c.url.clone()],
        &dataset,
        &lab.path("t"),
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn an_openai_compatible_server_without_the_model_id_is_refused() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 2);
    let a = server(&images, 1, 0);
    let b = FakeServer::start_in_thread(FakeConfig {
        models: vec![FakeModel::new("some-other-model", true)],
        ..FakeConfig::default()
    });
    let out = lab.path("s");
    let hosts = [a.openai_url(), b.openai_url()];
    let output = run_over(&lab, &hosts, &dataset, &out, &["--backend", "openai"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(
        err.contains("not found on") && err.contains(&b.url),
        "{err}"
    );
    // (The preflight's one tiny test image may reach the servers; no run does.)
    assert!(!out.join("results.jsonl").exists(), "no session started");
}

#[test]
fn hosts_in_the_config_file_spread_the_run() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2", "3"], 3);
    let a = server(&images, 2, 10);
    let b = server(&images, 2, 10);
    std::fs::create_dir_all(lab.path("config")).unwrap();
    std::fs::write(
        lab.path("config").join("config.toml"),
        format!(
            "hosts = [\"{}#2\", \"{}#2\"]\nmodel = \"{MODEL}\"\n",
            a.url, b.url
        ),
    )
    .unwrap();
    let out = lab.path("s");
    let output = lab.run(&[
        "run",
        "--json",
        "--no-cache",
        "--dataset",
        &dataset,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_complete_and_correct(&out, &images);
    assert!(
        a.chat_count() > 0 && b.chat_count() > 0,
        "{} {}",
        a.chat_count(),
        b.chat_count()
    );
    assert_eq!(json_of(&output)["hosts"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_server_that_answers_again_rejoins_the_rotation() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&DIGITS, 14);
    // B breaks after 2 answers and works again 1 s later, so the first check (5 s after it
    // left) brings it back for the rest of the run.
    let a = server(&images, 1, 60);
    let b = breaking_server(&images, 2, Vec::new());
    let out = lab.path("s");
    let output = run_over(&lab, &[a.url.clone(), b.url.clone()], &dataset, &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains(&format!("{} taken out of rotation", b.url)),
        "{err}"
    );
    assert!(
        err.contains(&format!("{} answers again: back in rotation", b.url)),
        "{err}"
    );
    assert_complete_and_correct(&out, &images);
    assert!(
        b.chat_count() > 2,
        "B answered again after it rejoined: {}",
        b.chat_count()
    );
    let report = json_of(&output);
    assert_eq!(host_entry(&report, &b.url)["in_rotation"], true, "{report}");
}

#[test]
fn a_server_down_at_start_leaves_the_run_to_the_others() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2"], 3);
    let a = server(&images, 2, 0);
    let down = dead_url();
    let out = lab.path("s");
    let output = run_over(&lab, &[a.url.clone(), down.clone()], &dataset, &out, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("{down} does not answer")) && err.contains("joins once it answers"),
        "says which server is left out and why: {err}"
    );
    assert_complete_and_correct(&out, &images);
    let report = json_of(&output);
    let entry = host_entry(&report, &down);
    assert_eq!(entry["answered"], 0, "{report}");
    assert_eq!(entry["in_rotation"], false, "{report}");
    assert_eq!(
        host_entry(&report, &a.url)["answered"],
        images.len(),
        "{report}"
    );
    // Every server down: the run does not start, and says why.
    let output = run_over(
        &lab,
        &[dead_url(), dead_url()],
        &dataset,
        &lab.path("t"),
        &[],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cannot reach"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_server_failing_at_start_joins_the_rotation_once_it_answers() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&DIGITS, 14);
    // B fails from its first request (the check at start) for 1 s, so its first check (5 s
    // after the start) brings it in.
    let a = server(&images, 1, 60);
    let b = breaking_server(&images, 0, Vec::new());
    let out = lab.path("s");
    let output = run_over(&lab, &[a.url.clone(), b.url.clone()], &dataset, &out, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains(&format!("{} does not answer", b.url)), "{err}");
    assert!(
        err.contains(&format!("{} answers again: back in rotation", b.url)),
        "{err}"
    );
    assert_complete_and_correct(&out, &images);
    assert!(b.chat_count() > 0, "B answered once it joined");
    let report = json_of(&output);
    assert_eq!(host_entry(&report, &b.url)["in_rotation"], true, "{report}");
}

#[test]
fn an_openai_compatible_server_failing_at_start_leaves_the_run_to_the_others() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 2);
    let a = server(&images, 1, 0);
    // Every request fails with HTTP 500 (the model listing and the test image alike).
    let b = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        down_after_chats: Some(0),
        ..FakeConfig::default()
    });
    let out = lab.path("s");
    let hosts = [a.openai_url(), b.openai_url()];
    let output = run_over(&lab, &hosts, &dataset, &out, &["--backend", "openai"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("{} does not answer", b.openai_url())),
        "{err}"
    );
    assert_complete_and_correct(&out, &images);
}

#[test]
fn a_server_back_with_another_version_of_the_model_stays_out_and_says_so() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&DIGITS, 14);
    // B fails its check at start, then answers from 1 s on, with another digest; it is
    // checked again (5 s after the start) while A is still at work.
    let a = server(&images, 1, 60);
    let mut other = FakeModel::new(MODEL, true);
    other.digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into();
    let b = breaking_server(&images, 0, vec![other]);
    let out = lab.path("s");
    let output = run_over(&lab, &[a.url.clone(), b.url.clone()], &dataset, &out, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "{} answers, but holds another version of the model",
            b.url
        )),
        "{err}"
    );
    assert_eq!(b.chat_count(), 0, "nothing asked of the other version");
    assert_complete_and_correct(&out, &images);
    let report = json_of(&output);
    assert_eq!(
        host_entry(&report, &b.url)["in_rotation"],
        false,
        "{report}"
    );
}
