//! `squint probe` against the fake server: the content-free images it sends (proved by the
//! request log), the label shares per kind of image, logprob priors, and the run's errors for
//! a model without vision.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::fake_server::{FakeConfig, FakeServer, dead_url};

/// `squint probe --host URL` plus `args`, with the bundled digits template and llava:7b
/// unless `args` name others.
fn probe(server: &FakeServer, args: &[&str]) -> Output {
    let data = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_squint"));
    cmd.args(["probe", "--host", &server.url]).args(args);
    if !args.contains(&"--template") {
        cmd.args(["--template", "digits"]);
    }
    if !args.contains(&"--model") {
        cmd.args(["--model", "llava:7b"]);
    }
    cmd.env("SQUINT_DATA_DIR", data.path())
        .env("SQUINT_CONFIG_DIR", data.path().join("config"))
        .env_remove("OLLAMA_HOST")
        .stdin(Stdio::null())
        .output()
        .expect("run squint")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The decoded RGB pixels of every image the server was sent, in order.
fn sent_images(server: &FakeServer) -> Vec<image::RgbImage> {
    use base64::Engine as _;
    server
        .requests()
        .iter()
        .map(|body| {
            let b64 = body["messages"][1]["images"][0].as_str().expect("an image");
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("base64");
            image::load_from_memory(&bytes).expect("an image").to_rgb8()
        })
        .collect()
}

#[test]
fn probe_sends_blank_and_noise_images_and_reports_label_shares() {
    let server = FakeServer::start_in_thread(FakeConfig {
        default_answer: "3".into(),
        ..FakeConfig::default()
    });
    let o = probe(&server, &["--n", "3", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(v["labels"]["3"].as_f64(), Some(1.0));
    assert_eq!(v["labels"]["0"].as_f64(), Some(0.0));
    for kind in ["white", "black", "grey", "noise"] {
        assert_eq!(v["per_image"][kind]["3"], 3, "{kind}: {v}");
    }
    assert_eq!(v["unparsed"], 0);
    // Ollama 0.12.11 serves logprobs: the content-free prior is all on "3".
    assert_eq!(v["content_free"]["3"].as_f64(), Some(1.0));

    let images = sent_images(&server);
    assert_eq!(images.len(), 12);
    let solid = |img: &image::RgbImage, value: u8| img.pixels().all(|p| p.0 == [value; 3]);
    assert!(images[..3].iter().all(|i| solid(i, 255)), "white first");
    assert!(images[3..6].iter().all(|i| solid(i, 0)), "then black");
    assert!(images[6..9].iter().all(|i| solid(i, 128)), "then grey");
    assert!(
        images[9..]
            .iter()
            .all(|i| !solid(i, i.get_pixel(0, 0).0[0])),
        "then noise"
    );
    assert_ne!(images[9], images[10], "each noise image has its own seed");
    assert_eq!(images[0].dimensions(), (224, 224));
    // Repeats carry different seeds, so a sampling model shows its spread.
    let seeds: Vec<i64> = server.requests()[..3]
        .iter()
        .filter_map(|b| b["options"]["seed"].as_i64())
        .collect();
    assert_eq!(seeds, [42, 43, 44]);

    // A second server that answers "8" to black images and nonsense to one noise image.
    let shas = server.asked_images();
    let mut answers: std::collections::HashMap<String, String> = shas[3..6]
        .iter()
        .map(|s| (s.clone(), "8".to_owned()))
        .collect();
    answers.insert(shas[11].clone(), "a blank square".into());
    let second = FakeServer::start_in_thread(FakeConfig {
        default_answer: "3".into(),
        answers,
        ..FakeConfig::default()
    });
    let o = probe(&second, &["--n", "3", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["per_image"]["black"]["8"], 3);
    assert_eq!(v["per_image"]["noise"]["(unparsed)"], 1);
    assert_eq!(v["unparsed"], 1);
    assert_eq!(v["labels"]["3"].as_f64(), Some(8.0 / 12.0));
    assert_eq!(v["labels"]["8"].as_f64(), Some(3.0 / 12.0));

    let o = probe(&second, &["--n", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("The prompt leans toward \"3\": 67% of answers"),
        "{out}"
    );
    assert!(
        out.contains("\n8            25.0%      0      3      0      0\n"),
        "{out}"
    );
}

#[test]
fn probe_refuses_a_model_without_vision_like_a_run() {
    let server = FakeServer::start_in_thread(FakeConfig::default());
    let o = probe(&server, &["--model", "llama3.2:3b"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("has no vision support"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(server.chat_count(), 0);

    let o = probe(&server, &["--model", "missing:1b"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("model 'missing:1b' not found"),
        "{}",
        text(&o.stderr)
    );

    let o = probe(&server, &["--template", "no-such-template"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("no-such-template"),
        "{}",
        text(&o.stderr)
    );
}

/// `squint probe` with the servers `hosts` given as `--host` flags, or (`in_config`) as the
/// config file's `hosts = [...]`.
fn probe_hosts(hosts: &[&str], in_config: bool) -> Output {
    let data = tempfile::tempdir().expect("tempdir");
    let config = data.path().join("config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_squint"));
    cmd.args(["probe", "--template", "digits", "--model", "llava:7b"]);
    cmd.args(["--n", "2", "--retries", "1", "--timeout", "10"]);
    if in_config {
        std::fs::create_dir_all(&config).unwrap();
        let list = hosts
            .iter()
            .map(|h| format!("\"{h}\""))
            .collect::<Vec<_>>()
            .join(", ");
        std::fs::write(config.join("config.toml"), format!("hosts = [{list}]\n")).unwrap();
    } else {
        for host in hosts {
            cmd.args(["--host", host]);
        }
    }
    cmd.env("SQUINT_DATA_DIR", data.path())
        .env("SQUINT_CONFIG_DIR", &config)
        .env_remove("OLLAMA_HOST")
        .stdin(Stdio::null())
        .output()
        .expect("run squint")
}

#[test]
fn with_several_servers_the_probe_asks_the_first_that_checks_out_and_names_it() {
    let cfg = || FakeConfig {
        default_answer: "3".into(),
        ..FakeConfig::default()
    };
    let (a, b) = (
        FakeServer::start_in_thread(cfg()),
        FakeServer::start_in_thread(cfg()),
    );
    // Both up: the first in rotation order is asked, every request.
    let o = probe_hosts(&[&a.url, &b.url], false);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("probing llava:7b on {} with template", a.url)),
        "{err}"
    );
    assert!(!err.contains("passed over"), "{err}");
    assert_eq!((a.chat_count(), b.chat_count()), (8, 0));
    assert!(text(&o.stdout).contains("3"), "{}", text(&o.stdout));

    // The first down: said, and the next one is asked (flags or the config file alike).
    let dead = dead_url();
    for in_config in [false, true] {
        let before = b.chat_count();
        let o = probe_hosts(&[&dead, &b.url], in_config);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{err}");
        assert!(
            err.contains(&format!(
                "warning: passed over: cannot reach the model server at {dead}"
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!("probing llava:7b on {} with template", b.url)),
            "{err}"
        );
        assert_eq!(b.chat_count() - before, 8, "config file: {in_config}");
    }
    assert_eq!(a.chat_count(), 8);

    // The first without the model: passed over too, with the run's reason.
    let c = FakeServer::start_in_thread(FakeConfig {
        models: vec![support::fake_server::FakeModel::new("qwen:1b", true)],
        ..FakeConfig::default()
    });
    let before = b.chat_count();
    let o = probe_hosts(&[&c.url, &b.url], false);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("model 'llava:7b' not found"), "{err}");
    assert_eq!((c.chat_count(), b.chat_count() - before), (0, 8));

    // None checks out: the run's server exit code, each server named.
    let other_dead = dead_url();
    let o = probe_hosts(&[&dead, &other_dead], false);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("none of the 2 servers could be probed")
            && err.contains(&dead)
            && err.contains(&other_dead),
        "{err}"
    );
}
