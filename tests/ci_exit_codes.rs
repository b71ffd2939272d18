//! What a CI job sees from `squint run`: the exit codes (every item failed, `--max-errors`,
//! `--fail-under`), fatal server answers that stop a run at once, `Retry-After`, plain progress
//! lines when stderr is not a terminal, and a JSON report that names what produced it. Each
//! case runs the real binary against the fake server misbehaving the way real servers do.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::fake_server::{AuthProxy, FakeConfig, FakeModel, FakeServer, Fault};
use support::lab::{Lab, MODEL, correct_answers, results, run_args, sha_of, stderr, stdout};

// ------------------------------------------------------------------ 8. exit status

#[test]
fn every_item_failed_exits_3_with_null_accuracy() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 2);
    let mut cfg = FakeConfig::default();
    for (path, _) in &images {
        cfg.fault_for_image.insert(sha_of(path), Fault::Status(400));
    }
    let server = FakeServer::start_in_thread(cfg);
    let out = lab.path("allfail").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &out, &["--json"]));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(json["accuracy"], Value::Null);
    assert_eq!(json["counts"]["errors"], 4);
    assert!(stderr(&o).contains("every item failed"), "{}", stderr(&o));
}

#[test]
fn max_errors_stops_the_run_early_with_exit_3() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2", "3", "4"], 4);
    let mut cfg = FakeConfig {
        answers: correct_answers(&images),
        latency: Duration::from_millis(20),
        ..FakeConfig::default()
    };
    for (path, _) in images.iter().take(8) {
        cfg.fault_for_image.insert(sha_of(path), Fault::Status(400));
    }
    let server = FakeServer::start_in_thread(cfg);
    for (bound, name) in [("3", "count"), ("10%", "percent")] {
        let out = lab.path(&format!("maxerr-{name}"));
        let out_s = out.to_string_lossy().into_owned();
        let o = lab.run(&run_args(
            &server.url,
            &dataset,
            &out_s,
            &["--max-errors", bound, "--no-cache"],
        ));
        assert_eq!(o.status.code(), Some(3), "{bound}: {}", stderr(&o));
        let text = stderr(&o);
        assert!(
            text.contains(&format!("more than --max-errors {bound}")),
            "{text}"
        );
        assert!(text.contains("squint run --resume"), "{text}");
        let done = results(&out).len();
        assert!(done < 20, "{bound}: stopped early, {done} of 20 done");
        let meta: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("session.json")).expect("meta"))
                .expect("json");
        assert_eq!(meta["status"], "interrupted", "{bound}: resumable");
    }
    // Within the bound the run finishes normally.
    let out = lab.path("maxerr-ok").to_string_lossy().into_owned();
    let o = lab.run(&run_args(
        &server.url,
        &dataset,
        &out,
        &["--max-errors", "50%"],
    ));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Bad values are usage errors.
    for bad in ["ten", "150%"] {
        let o = lab.run(&run_args(
            &server.url,
            &dataset,
            &out,
            &["--max-errors", bad],
        ));
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
    }
}

#[test]
fn fail_under_exits_1_when_accuracy_is_below() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 2);
    let mut answers = correct_answers(&images);
    answers.insert(sha_of(&images[0].0), "1".into());
    let server = FakeServer::start_in_thread(FakeConfig {
        answers,
        ..FakeConfig::default()
    });
    let out = lab.path("fu1").to_string_lossy().into_owned();
    let o = lab.run(&run_args(
        &server.url,
        &dataset,
        &out,
        &["--fail-under", "0.9"],
    ));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("below --fail-under 0.9"),
        "{}",
        stderr(&o)
    );
    let out = lab.path("fu2").to_string_lossy().into_owned();
    let o = lab.run(&run_args(
        &server.url,
        &dataset,
        &out,
        &["--fail-under", "0.75"],
    ));
    assert_eq!(
        o.status.code(),
        Some(0),
        "0.75 is not below 0.75: {}",
        stderr(&o)
    );
    let o = lab.run(&run_args(
        &server.url,
        &dataset,
        &out,
        &["--fail-under", "85%"],
    ));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn help_documents_the_exit_codes() {
    let lab = Lab::new();
    let o = lab.run(&["run", "--help"]);
    let text = stdout(&o);
    for needle in [
        "Exit codes:",
        "1    finished, but the accuracy is below --fail-under",
        "3    the run failed",
        "4    the disk is full",
        "--max-errors <N|P%>",
        "--fail-under <ACC>",
        "--max-answer-bytes <BYTES>",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
}

// --------------------------------------------------------- 9. fatal means fatal

#[test]
fn an_auth_proxy_in_front_of_ollama_stops_the_run() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 2);
    for status in [401u16, 403] {
        let server = FakeServer::start_in_thread(FakeConfig {
            answers: correct_answers(&images),
            auth_proxy: Some(AuthProxy {
                user: "u".into(),
                password: "p".into(),
                status,
            }),
            ..FakeConfig::default()
        });
        let out = lab
            .path(&format!("proxy{status}"))
            .to_string_lossy()
            .into_owned();
        let o = lab.run(&run_args(&server.url, &dataset, &out, &[]));
        assert_eq!(o.status.code(), Some(3), "{status}: {}", stderr(&o));
        let text = stderr(&o);
        assert!(
            text.contains(&format!("HTTP {status}")) && text.contains("credentials"),
            "{text}"
        );
        assert_eq!(server.chat_count(), 0);
    }
    // The proxy starts refusing mid-run: the run stops at the first refusal.
    let mut cfg = FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    };
    cfg.faults = vec![Fault::Status(403)];
    let server = FakeServer::start_in_thread(cfg);
    let out = lab.path("proxy-mid").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &out, &["--no-cache"]));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("run stopped") && stderr(&o).contains("HTTP 403"),
        "{}",
        stderr(&o)
    );
    assert_eq!(server.chat_count(), 1, "not retried, not continued");
}

#[test]
fn openai_model_typo_and_missing_vision_stop_before_the_run() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 2);
    // LiteLLM: an unknown model is a 400 "Invalid model name".
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        litellm: true,
        ..FakeConfig::default()
    });
    let out = lab.path("typo").to_string_lossy().into_owned();
    let base = server.openai_url();
    let o = lab.run(&[
        "run",
        "--backend",
        "openai",
        "--host",
        &base,
        "--model",
        "lava:7b",
        "--dataset",
        &dataset,
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let text = stderr(&o);
    assert!(
        text.contains("lava:7b") && text.contains("not in /models") && text.contains("llava:7b"),
        "{text}"
    );
    assert!(server.chat_count() <= 1, "at most the test request");
    // LiteLLM says which models see images.
    let o = lab.run(&[
        "run",
        "--backend",
        "openai",
        "--host",
        &base,
        "--model",
        "llama3.2:3b",
        "--dataset",
        &dataset,
        "--out",
        &lab.path("litellm-text").to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("LiteLLM /model/info"), "{}", stderr(&o));
    // LM Studio says so in /api/v0/models.
    let server = FakeServer::start_in_thread(FakeConfig {
        lmstudio: true,
        ..FakeConfig::default()
    });
    let o = lab.run(&[
        "run",
        "--backend",
        "openai",
        "--host",
        &server.openai_url(),
        "--model",
        "llama3.2:3b",
        "--dataset",
        &dataset,
        "--out",
        &lab.path("lms").to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("LM Studio"), "{}", stderr(&o));
    assert_eq!(server.chat_count(), 0);
    // Nobody says: one tiny test image, refused by a text-only model.
    let server = FakeServer::start_in_thread(FakeConfig {
        models: vec![
            FakeModel::new("llava:7b", true),
            FakeModel::new("text-only", false),
        ],
        ..FakeConfig::default()
    });
    let o = lab.run(&[
        "run",
        "--backend",
        "openai",
        "--host",
        &server.openai_url(),
        "--model",
        "text-only",
        "--dataset",
        &dataset,
        "--out",
        &lab.path("probe").to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("vision"), "{}", stderr(&o));
    assert_eq!(server.chat_count(), 1, "exactly one test request");
}

// ------------------------------------------------------------------ 10. Retry-After

#[test]
fn retry_after_is_honoured_and_retries_are_logged() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0"], 1);
    for status in [429u16, 503] {
        // Seconds for the 429, an HTTP date (computed now, just before the run) for the 503.
        let after = match status {
            429 => "2".to_owned(),
            _ => httpdate_in(2),
        };
        let server = FakeServer::start_in_thread(FakeConfig {
            answers: correct_answers(&images),
            faults: vec![Fault::RetryAfter(status, after.clone())],
            ..FakeConfig::default()
        });
        let out = lab
            .path(&format!("ra{status}"))
            .to_string_lossy()
            .into_owned();
        let started = Instant::now();
        let o = lab.run(&run_args(&server.url, &dataset, &out, &["--no-cache"]));
        let took = started.elapsed();
        assert_eq!(o.status.code(), Some(0), "{status}: {}", stderr(&o));
        // An HTTP date has whole seconds: it may be up to 1 s less than asked.
        assert!(
            took >= Duration::from_millis(1000),
            "{status} {after:?}: retried after {took:?}: {}",
            stderr(&o)
        );
        let text = stderr(&o);
        assert!(
            text.contains("retrying:") && text.contains(&format!("HTTP {status}")),
            "{text}"
        );
        assert!(text.contains("asked to wait"), "{text}");
        assert_eq!(server.chat_count(), 2);
        assert_eq!(results(std::path::Path::new(&out))[0]["attempts"], 2);
    }
}

/// An HTTP date `secs` seconds from now.
fn httpdate_in(secs: u64) -> String {
    let at = std::time::SystemTime::now() + Duration::from_secs(secs);
    let unix = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // RFC 9110 IMF-fixdate, computed by hand to keep the test free of date crates.
    let days = unix / 86_400;
    let (h, m, s) = (unix / 3600 % 24, unix / 60 % 60, unix % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (y, mo, d) = civil_from_days(days as i64);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(mo - 1) as usize];
    format!("{weekday}, {d:02} {month} {y} {h:02}:{m:02}:{s:02} GMT")
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

// ---------------------------------------------- 11. progress without a terminal

#[test]
fn plain_progress_lines_when_stderr_is_not_a_terminal() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2", "3", "4"], 2);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let out = lab.path("plain").to_string_lossy().into_owned();
    let o = lab.run(&run_args(&server.url, &dataset, &out, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<String> = stderr(&o)
        .lines()
        .filter(|l| l.starts_with("progress: "))
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 10, "one per tenth of 10 items: {lines:?}");
    let last = lines.last().cloned().unwrap_or_default();
    assert!(
        last.starts_with("progress: 10/10 (100%), accuracy 1.000, 0 errors,")
            && last.contains("images/s, ETA 0s"),
        "{last}"
    );
}

#[test]
fn a_stalled_server_still_shows_progress_every_10_seconds() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0"], 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        faults: vec![Fault::Stall],
        ..FakeConfig::default()
    });
    let out = lab.path("stall").to_string_lossy().into_owned();
    let o = lab.run(&run_args(
        &server.url,
        &dataset,
        &out,
        &["--timeout", "12", "--retries", "1"],
    ));
    assert_eq!(
        o.status.code(),
        Some(3),
        "the only item timed out: {}",
        stderr(&o)
    );
    let text = stderr(&o);
    assert!(
        text.contains("progress: 0/1 (0%), accuracy -, 0 errors"),
        "{text}"
    );
    assert!(
        text.contains("did not finish answering within 12 s"),
        "{text}"
    );
}

// ------------------------------------------------------- 12. what produced the report

#[test]
fn json_report_names_what_produced_it() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1"], 1);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let port = server.url.trim_start_matches("http://127.0.0.1:");
    let host = format!("http://ci:hunter22@127.0.0.1:{port}?key=abc123");
    let out = lab.path("prov").to_string_lossy().into_owned();
    let o = lab.run(&run_args(
        &host,
        &dataset,
        &out,
        &["--json", "--fail-under", "0.5", "--max-errors", "5%"],
    ));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json");
    let run = &json["run"];
    assert_eq!(run["squint_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["model"], MODEL);
    assert_eq!(run["backend"], "ollama");
    assert_eq!(run["host"], format!("http://127.0.0.1:{port}"));
    assert_eq!(run["template"]["name"], "digits-subset");
    assert!(
        run["template"]["hash"]
            .as_str()
            .is_some_and(|h| h.len() >= 16),
        "{run}"
    );
    assert_eq!(run["options"]["temperature"], 0.0);
    assert_eq!(run["settings"]["fail_under"], 0.5);
    assert_eq!(run["settings"]["max_errors"], "5%");
    assert!(
        run["started_at"].is_string() && run["finished_at"].is_string(),
        "{run}"
    );
    assert_eq!(run["status"], "finished");
    let text = stdout(&o);
    assert!(
        !text.contains("hunter22") && !text.contains("abc123"),
        "{text}"
    );
}

// ------------------------------------------------------------------ disk full (exit 4)

/// A journal write that fails for want of room mid-run: exit 4 with the disk message, stdout
/// still one JSON document, every line written before the failure kept, and a resume (with
/// room again) finishes the rest with no image lost or asked twice.
///
/// The room runs out through `RLIMIT_FSIZE` with `SIGXFSZ` ignored, so the write that crosses
/// the limit is cut short and the next fails with EFBIG, as ENOSPC does on a full disk. It
/// needs no root, mount or loop device, so it runs the same on any Linux CI machine (a tiny
/// tmpfs would need privileges a CI job rarely has; `/dev/full` fails the first write, never
/// one in the middle of a run).
#[cfg(target_os = "linux")]
#[test]
fn a_write_failing_for_room_mid_run_exits_4_and_loses_nothing() {
    const LIMIT: u64 = 4096;

    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2", "3", "4"], 8);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let out = lab.path("full");
    let out_s = out.to_string_lossy().into_owned();
    let extra = ["--json", "--no-cache", "--concurrency", "1"];
    let mut cmd = lab.cmd(&run_args(&server.url, &dataset, &out_s, &extra));
    limit_file_size(&mut cmd, LIMIT);
    let o = cmd.output().expect("run squint");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("no room to write the session"), "{err}");
    assert!(err.contains("squint run --resume"), "{err}");
    let summary: Value = serde_json::from_str(&stdout(&o)).expect("stdout is one JSON document");
    let journal = std::fs::read_to_string(out.join("results.jsonl")).expect("journal");
    assert!(journal.len() as u64 <= LIMIT, "{} bytes", journal.len());
    let kept: Vec<Value> = journal
        .split_inclusive('\n')
        .filter(|l| l.ends_with('\n'))
        .map(|l| serde_json::from_str(l).expect("a complete line is a valid result"))
        .collect();
    assert!(
        !kept.is_empty() && kept.len() < images.len(),
        "the limit should hit mid-run: {} of {} lines",
        kept.len(),
        images.len()
    );
    assert_eq!(summary["counts"]["done"], kept.len(), "{summary}");

    // With room again, the resume keeps every line and asks only for the rest.
    let asked_before = server.chat_count();
    let o = lab.run(&[
        "run",
        "--resume",
        &out_s,
        "--host",
        &server.url,
        "--no-cache",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = results(&out);
    assert_eq!(
        after[..kept.len()],
        kept[..],
        "lines written before are kept as they were"
    );
    let mut seen: Vec<&str> = after.iter().filter_map(|r| r["image"].as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), images.len(), "every image exactly once");
    assert_eq!(after.len(), images.len());
    assert_eq!(
        server.chat_count() - asked_before,
        images.len() - kept.len()
    );
    assert!(
        after.iter().all(|r| r["error"].is_null()),
        "no failure was journaled"
    );
}

/// Files the command writes may not grow past `limit` bytes (`RLIMIT_FSIZE`, with `SIGXFSZ`
/// ignored so the crossing write is cut short and the next fails with EFBIG, as on a full disk).
#[cfg(target_os = "linux")]
fn limit_file_size(cmd: &mut std::process::Command, limit: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec the closure only makes two async-signal-safe calls.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// The run's last result fails to be written (the journal writer writes the last batch after
/// every request is over): the run still ends as a failed write does mid-run, exit 4, the
/// session `interrupted`, never `finished` with a torn last line; a resume asks that image again.
#[cfg(target_os = "linux")]
#[test]
fn a_write_failing_for_room_on_the_last_result_exits_4_not_finished() {
    let lab = Lab::new();
    let (dataset, images) = lab.digits(&["0", "1", "2", "3"], 6);
    let server = FakeServer::start_in_thread(FakeConfig {
        answers: correct_answers(&images),
        ..FakeConfig::default()
    });
    let full = lab.path("full");
    let full_s = full.to_string_lossy().into_owned();
    let extra = ["--no-cache", "--concurrency", "1"];
    let o = lab.run(&run_args(&server.url, &dataset, &full_s, &extra));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A copy of that session with its last line taken off: resuming it asks one image, whose
    // line is the only write that crosses the limit.
    let journal = std::fs::read_to_string(full.join("results.jsonl")).expect("journal");
    let last = journal
        .trim_end_matches('\n')
        .rfind('\n')
        .expect("two lines or more")
        + 1;
    let cut = lab.path("cut");
    std::fs::create_dir_all(&cut).expect("session copy");
    for entry in std::fs::read_dir(&full).expect("session folder") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), cut.join(entry.file_name())).expect("copy");
        }
    }
    std::fs::write(cut.join("results.jsonl"), &journal[..last]).expect("cut journal");
    let cut_s = cut.to_string_lossy().into_owned();
    let resume = [
        "run",
        "--resume",
        &cut_s,
        "--host",
        &server.url,
        "--no-cache",
    ];
    let session_json = std::fs::metadata(cut.join("session.json"))
        .expect("session.json")
        .len();
    let limit = last as u64 + 40;
    assert!(
        limit < journal.len() as u64,
        "the last line must cross the limit"
    );
    assert!(
        session_json < limit,
        "session.json must fit under the limit"
    );
    let mut cmd = lab.cmd(&resume);
    limit_file_size(&mut cmd, limit);
    let o = cmd.output().expect("run squint");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("no room to write the session"), "{err}");
    let session: Value = serde_json::from_str(
        &std::fs::read_to_string(cut.join("session.json")).expect("session.json"),
    )
    .expect("session.json is JSON");
    assert_eq!(session["status"], "interrupted", "{session}");

    // With room again, the resume asks that image once more and the session is whole.
    let o = lab.run(&resume);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut seen: Vec<String> = results(&cut)
        .iter()
        .filter_map(|r| r["image"].as_str().map(str::to_owned))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), images.len(), "every image exactly once");
}
