//! `squint probe` against the fake server: the content-free images it sends (proved by the
//! request log), the label shares per kind of image, logprob priors, and the run's errors for
//! a model without vision.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::fake_server::{FakeConfig, FakeServer};

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
