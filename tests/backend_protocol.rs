//! Both backends against the fake server: streaming, request bodies, constrained output,
//! logprobs, error statuses, retries, cut/mid-stream failures, timeouts, auth and preflight.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};
use squint::backend::{
    Backend, BackendConfig, BackendError, BackendKind, ClassifyRequest, Completion, TokenEvent,
    label_confidence,
};
use squint::domain::template::GenOptions;
use squint::imaging::ImagePayload;
use support::fake_server::{FakeConfig, FakeModel, FakeServer, Fault, sha256_hex};

const KINDS: [BackendKind; 2] = [BackendKind::Ollama, BackendKind::Openai];
const IMG: &[u8] = b"\x89PNG\r\n\x1a\nfake image bytes";

fn backend_with(
    server: &FakeServer,
    kind: BackendKind,
    tweak: impl FnOnce(&mut BackendConfig),
) -> Backend {
    backend_env(server, kind, &[], tweak)
}

fn backend_env(
    server: &FakeServer,
    kind: BackendKind,
    env: &[(&str, &str)],
    tweak: impl FnOnce(&mut BackendConfig),
) -> Backend {
    let mut cfg = BackendConfig::new(kind);
    cfg.host = Some(match kind {
        BackendKind::Ollama => server.url.clone(),
        BackendKind::Openai => server.openai_url(),
    });
    cfg.timeout = Duration::from_secs(10);
    cfg.connect_timeout = Duration::from_secs(2);
    tweak(&mut cfg);
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Backend::with_env(cfg, move |name| {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .expect("backend config")
}

fn backend(server: &FakeServer, kind: BackendKind) -> Backend {
    backend_with(server, kind, |_| {})
}

fn request(model: &str, labels: Option<&[&str]>, logprobs: bool) -> ClassifyRequest {
    ClassifyRequest {
        model: model.to_owned(),
        system: Some("You classify images.".to_owned()),
        prompt: "Which animal is this?".to_owned(),
        image: ImagePayload {
            bytes: Bytes::from_static(IMG),
            mime: "image/png",
        },
        options: GenOptions {
            temperature: Some(0.0),
            seed: Some(42),
            num_predict: Some(64),
            top_k: Some(1),
            top_p: Some(0.9),
            num_ctx: Some(4096),
        },
        constrained_labels: labels.map(|l| l.iter().map(|s| (*s).to_owned()).collect()),
        logprobs,
    }
}

async fn classify(
    b: &Backend,
    req: &ClassifyRequest,
) -> (Result<Completion, BackendError>, Vec<String>) {
    let mut pieces = Vec::new();
    let result = b
        .classify(req, &mut |t: &str| pieces.push(t.to_owned()))
        .await;
    (result, pieces)
}

/// Runs with retries and records events as `T:<token>` / `R:<attempt>`.
async fn classify_retry(
    b: &Backend,
    req: &ClassifyRequest,
) -> (Result<Completion, BackendError>, u32, Vec<String>) {
    let mut events = Vec::new();
    let attempted = b
        .classify_with_retry(req, &mut |e: TokenEvent<'_>| match e {
            TokenEvent::Token(t) => events.push(format!("T:{t}")),
            TokenEvent::Retrying { attempt, .. } => events.push(format!("R:{attempt}")),
        })
        .await;
    (attempted.result, attempted.attempts, events)
}

fn config_answering(answer: &str) -> FakeConfig {
    FakeConfig {
        default_answer: answer.to_owned(),
        ..FakeConfig::default()
    }
}

#[tokio::test]
async fn streams_token_by_token_on_both_protocols() {
    let answer = "It looks like a tabby cat to me.";
    let server = FakeServer::start(config_answering(answer)).await;
    for kind in KINDS {
        let (result, pieces) =
            classify(&backend(&server, kind), &request("llava:7b", None, false)).await;
        let c = result.unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(c.text, answer, "{kind:?}");
        assert!(pieces.len() >= 10, "{kind:?}: only {} pieces", pieces.len());
        assert_eq!(pieces.concat(), answer);
        assert_eq!(c.done_reason.as_deref(), Some("stop"));
        assert_eq!(c.eval_count, Some(pieces.len() as u64), "{kind:?}");
        assert!(c.prompt_eval_count.is_some(), "{kind:?}");
        if kind == BackendKind::Ollama {
            assert!(c.eval_duration_ns.is_some() && c.total_duration_ns.is_some());
        }
    }
}

#[tokio::test]
async fn answers_depend_on_the_image_hash() {
    let mut cfg = config_answering("cat");
    cfg.answers.insert(sha256_hex(IMG), "owl".to_owned());
    let server = FakeServer::start(cfg).await;
    for kind in KINDS {
        let b = backend(&server, kind);
        let (result, _) = classify(&b, &request("llava:7b", None, false)).await;
        assert_eq!(
            result.map(|c| c.text).ok().as_deref(),
            Some("owl"),
            "{kind:?}"
        );
        let mut other = request("llava:7b", None, false);
        other.image.bytes = Bytes::from_static(b"another image");
        let (result, _) = classify(&b, &other).await;
        assert_eq!(
            result.map(|c| c.text).ok().as_deref(),
            Some("cat"),
            "{kind:?}"
        );
    }
}

#[tokio::test]
async fn ollama_request_body_fields() {
    let server = FakeServer::start(FakeConfig::default()).await;
    let (result, _) = classify(
        &backend(&server, BackendKind::Ollama),
        &request("llava:7b", Some(&["cat", "dog"]), true),
    )
    .await;
    assert!(result.is_ok(), "{result:?}");
    let body = server.requests().pop().expect("one request");
    assert_eq!(body["model"], "llava:7b");
    assert_eq!(body["stream"], true);
    assert_eq!(body["think"], false);
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "You classify images."})
    );
    assert_eq!(body["messages"][1]["role"], "user");
    assert_eq!(body["messages"][1]["content"], "Which animal is this?");
    let b64 = base64_std(IMG);
    assert_eq!(body["messages"][1]["images"], json!([b64]));
    assert_eq!(
        body["options"],
        json!({"temperature": 0.0, "seed": 42, "num_predict": 64, "top_k": 1, "top_p": 0.9, "num_ctx": 4096})
    );
    assert_eq!(
        body["format"],
        json!({"type": "object", "properties": {"label": {"type": "string", "enum": ["cat", "dog"]}}, "required": ["label"]})
    );
    assert_eq!(body["logprobs"], true);
    assert_eq!(body["top_logprobs"], 5);
}

#[tokio::test]
async fn openai_request_body_fields() {
    let server = FakeServer::start(FakeConfig::default()).await;
    let req = request("llava:7b", Some(&["cat", "dog"]), true);
    let (result, _) = classify(&backend(&server, BackendKind::Openai), &req).await;
    assert!(result.is_ok(), "{result:?}");
    let body = server.requests().pop().expect("one request");
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "You classify images."})
    );
    let parts = &body["messages"][1]["content"];
    assert_eq!(
        parts[0],
        json!({"type": "text", "text": "Which animal is this?"})
    );
    let url = format!("data:image/png;base64,{}", base64_std(IMG));
    assert_eq!(
        parts[1],
        json!({"type": "image_url", "image_url": {"url": url}})
    );
    assert_eq!(body["max_tokens"], 64);
    assert_eq!(body["temperature"], 0.0);
    assert_eq!(body["seed"], 42);
    assert_eq!(body["top_p"], 0.9);
    assert!(
        body.get("top_k").is_none() && body.get("num_ctx").is_none() && body.get("think").is_none()
    );
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(
        body["response_format"]["json_schema"]["name"],
        "classification"
    );
    assert_eq!(body["response_format"]["json_schema"]["strict"], true);
    assert_eq!(
        body["response_format"]["json_schema"]["schema"]["additionalProperties"],
        false
    );
    assert_eq!(
        body["response_format"]["json_schema"]["schema"]["properties"]["label"]["enum"],
        json!(["cat", "dog"])
    );
    assert_eq!(body["logprobs"], true);
    assert_eq!(body["top_logprobs"], 5);
}

fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn constrained_output_and_logprob_confidence() {
    let server = FakeServer::start(config_answering("dog")).await;
    let labels = ["cat", "dog", "bird"];
    let owned: Vec<String> = labels.iter().map(|s| (*s).to_owned()).collect();
    for kind in KINDS {
        let b = backend_with(&server, kind, |c| c.logprobs = true);
        let (result, _) = classify(&b, &request("llava:7b", Some(&labels), true)).await;
        let c = result.unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(c.text, r#"{"label":"dog"}"#, "{kind:?}");
        assert!(c.logprobs.len() > 3, "{kind:?}: {:?}", c.logprobs);
        let answer = c
            .logprobs
            .iter()
            .find(|t| t.token == "dog")
            .expect("answer token");
        assert_eq!(answer.top.first().map(|t| t.0.as_str()), Some("dog"));
        assert!(
            answer.top.iter().any(|t| t.0 == "cat"),
            "{kind:?}: alternatives {:?}",
            answer.top
        );
        let conf = label_confidence(&c.logprobs, "dog", &owned).expect("confidence");
        assert!((conf - 0.8).abs() < 1e-9, "{kind:?}: {conf}");
        assert_eq!(label_confidence(&c.logprobs, "cat", &owned), None);

        let (result, _) = classify(&b, &request("llava:7b", None, true)).await;
        let c = result.unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(c.text, "dog");
        let conf = label_confidence(&c.logprobs, "dog", &owned).expect("free confidence");
        assert!((conf - 0.8).abs() < 1e-9, "{kind:?}: {conf}");
    }
}

#[tokio::test]
async fn ollama_logprobs_gated_on_server_version() {
    for (version, expected) in [("0.12.10", false), ("0.12.11", true)] {
        let server = FakeServer::start(FakeConfig {
            version: version.to_owned(),
            ..FakeConfig::default()
        })
        .await;
        let b = backend(&server, BackendKind::Ollama);
        let info = b
            .preflight("llava:7b")
            .await
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        assert_eq!(info.logprobs, expected, "{version}");
        assert_eq!(info.server_version.as_deref(), Some(version));
        let (result, _) = classify(&b, &request("llava:7b", None, true)).await;
        assert!(result.is_ok());
        let body = server.requests().pop().expect("request");
        assert_eq!(
            body.get("logprobs").is_some(),
            expected,
            "{version}: {body}"
        );
    }
}

#[tokio::test]
async fn unknown_model_is_model_not_found() {
    let server = FakeServer::start(FakeConfig::default()).await;
    for kind in KINDS {
        let b = backend(&server, kind);
        let (result, _, _) = classify_retry(&b, &request("nope:1b", None, false)).await;
        match result {
            Err(e @ BackendError::ModelNotFound { .. }) => {
                let text = e.to_string();
                let hint = if kind == BackendKind::Ollama {
                    "ollama pull nope:1b"
                } else {
                    "squint models --backend openai"
                };
                assert!(text.contains(hint) && text.contains(&server.url), "{text}");
                assert!(e.is_fatal() && !e.is_retryable());
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
    assert_eq!(server.chat_count(), 2, "not retried");
    let err = backend(&server, BackendKind::Ollama)
        .preflight("nope:1b")
        .await
        .err();
    assert!(
        matches!(err, Some(BackendError::ModelNotFound { .. })),
        "{err:?}"
    );
    // Not in /v1/models and refused by a test request: the run never starts.
    let err = backend(&server, BackendKind::Openai)
        .preflight("nope:1b")
        .await
        .err();
    let Some(e @ BackendError::ModelNotFound { .. }) = &err else {
        panic!("{err:?}")
    };
    let text = e.to_string();
    assert!(
        text.contains("not in /models") && text.contains("llava:7b"),
        "{text}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    for kind in KINDS {
        for status in [500u16, 503, 429] {
            let cfg = FakeConfig {
                faults: vec![Fault::Status(status)],
                ..config_answering("cat")
            };
            let server = FakeServer::start(cfg).await;
            let (result, attempts, events) =
                classify_retry(&backend(&server, kind), &request("llava:7b", None, false)).await;
            assert_eq!(
                result.map(|c| c.text).ok().as_deref(),
                Some("cat"),
                "{kind:?} {status}"
            );
            assert_eq!(attempts, 2, "{kind:?} {status}");
            assert_eq!(
                events.first().map(String::as_str),
                Some("R:2"),
                "{kind:?} {status}: {events:?}"
            );
            assert_eq!(server.chat_count(), 2);
        }
    }
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    for kind in KINDS {
        let server = FakeServer::start(FakeConfig {
            faults: vec![Fault::Status(400)],
            ..FakeConfig::default()
        })
        .await;
        let (result, attempts, _) =
            classify_retry(&backend(&server, kind), &request("llava:7b", None, false)).await;
        assert!(
            matches!(result, Err(BackendError::Http { status: 400, .. })),
            "{kind:?}: {result:?}"
        );
        assert_eq!((attempts, server.chat_count()), (1, 1), "{kind:?}");
    }
}

#[tokio::test]
async fn retries_give_up_after_the_budget() {
    let faults = vec![
        Fault::Status(503),
        Fault::Status(503),
        Fault::Status(503),
        Fault::Status(503),
    ];
    let server = FakeServer::start(FakeConfig {
        faults,
        ..FakeConfig::default()
    })
    .await;
    let b = backend_with(&server, BackendKind::Ollama, |c| c.retries = 3);
    let started = Instant::now();
    let (result, attempts, events) = classify_retry(&b, &request("llava:7b", None, false)).await;
    assert!(
        matches!(result, Err(BackendError::Http { status: 503, .. })),
        "{result:?}"
    );
    assert_eq!(attempts, 3);
    assert_eq!(events, ["R:2", "R:3"]);
    assert!(
        started.elapsed() >= Duration::from_millis(370),
        "backoff 250 + 500 ms, jittered down to half at most"
    );
}

#[tokio::test]
async fn cut_and_mid_stream_failures() {
    let answer = "a fluffy grey cat";
    for kind in KINDS {
        for (fault, check) in [
            (Fault::CutStream, is_cut as fn(&BackendError) -> bool),
            (Fault::MidStreamError, is_mid_stream),
            (Fault::BadJson, is_bad_response),
        ] {
            let cfg = FakeConfig {
                faults: vec![fault.clone()],
                ..config_answering(answer)
            };
            let server = FakeServer::start(cfg).await;
            let b = backend(&server, kind);
            let (result, pieces) = classify(&b, &request("llava:7b", None, false)).await;
            let err = result.expect_err("fault must fail the attempt");
            assert!(check(&err), "{kind:?} {fault:?}: {err:?}");
            assert!(err.is_retryable() && !err.is_fatal());
            assert!(
                !pieces.is_empty(),
                "{kind:?} {fault:?}: tokens before the failure"
            );
            // the next attempt gets a normal answer; with retries the UI sees a reset
            let (result, attempts, events) =
                classify_retry(&b, &request("llava:7b", None, false)).await;
            assert_eq!(
                result.map(|c| c.text).ok().as_deref(),
                Some(answer),
                "{kind:?} {fault:?}"
            );
            assert_eq!(attempts, 1);
            assert!(!events.iter().any(|e| e.starts_with("R:")));

            let cfg = FakeConfig {
                faults: vec![fault.clone()],
                ..config_answering(answer)
            };
            let server = FakeServer::start(cfg).await;
            let (result, attempts, events) =
                classify_retry(&backend(&server, kind), &request("llava:7b", None, false)).await;
            assert_eq!(
                result.map(|c| c.text).ok().as_deref(),
                Some(answer),
                "{kind:?} {fault:?}"
            );
            assert_eq!(attempts, 2, "{kind:?} {fault:?}");
            let reset = events.iter().position(|e| e == "R:2").expect("retry event");
            let after: String = events[reset + 1..]
                .iter()
                .map(|e| e.trim_start_matches("T:"))
                .collect();
            assert_eq!(after, answer, "{kind:?} {fault:?}: text after the reset");
        }
    }
}

fn is_cut(e: &BackendError) -> bool {
    matches!(e, BackendError::CutStream { .. })
}

fn is_mid_stream(e: &BackendError) -> bool {
    matches!(e, BackendError::MidStream { message, .. } if message.contains("error was encountered"))
}

fn is_bad_response(e: &BackendError) -> bool {
    matches!(e, BackendError::BadResponse { .. })
}

#[tokio::test]
async fn slow_answers_time_out() {
    for kind in KINDS {
        let cfg = FakeConfig {
            faults: vec![Fault::Slow(Duration::from_secs(3))],
            ..FakeConfig::default()
        };
        let server = FakeServer::start(cfg).await;
        let b = backend_with(&server, kind, |c| {
            c.timeout = Duration::from_millis(400);
            c.retries = 1;
        });
        let started = Instant::now();
        let (result, _) = classify(&b, &request("llava:7b", None, false)).await;
        assert!(
            matches!(result, Err(BackendError::Timeout { .. })),
            "{kind:?}: {result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));

        // tokens keep coming but the whole stream is too slow
        let cfg = FakeConfig {
            token_delay: Duration::from_millis(150),
            ..config_answering("a very slow answer indeed")
        };
        let server = FakeServer::start(cfg).await;
        let b = backend_with(&server, kind, |c| c.timeout = Duration::from_millis(500));
        let (result, pieces) = classify(&b, &request("llava:7b", None, false)).await;
        assert!(
            matches!(result, Err(BackendError::Timeout { .. })),
            "{kind:?}: {result:?}"
        );
        assert!(
            !pieces.is_empty(),
            "{kind:?}: some tokens arrived before the timeout"
        );
    }
}

#[tokio::test]
async fn slow_answer_within_timeout_succeeds() {
    let cfg = FakeConfig {
        faults: vec![Fault::Slow(Duration::from_millis(200))],
        ..FakeConfig::default()
    };
    let server = FakeServer::start(cfg).await;
    let (result, _) = classify(
        &backend(&server, BackendKind::Ollama),
        &request("llava:7b", None, false),
    )
    .await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    for (kind, host, hint) in [
        (
            BackendKind::Ollama,
            format!("http://127.0.0.1:{port}"),
            "ollama serve",
        ),
        (
            BackendKind::Openai,
            format!("http://127.0.0.1:{port}/v1"),
            "OPENAI_BASE_URL",
        ),
    ] {
        let mut cfg = BackendConfig::new(kind);
        cfg.host = Some(host.clone());
        cfg.retries = 2;
        let b = Backend::with_env(cfg, |_| None).expect("config");
        let err = b.preflight("llava:7b").await.expect_err("nothing listens");
        assert!(
            matches!(err, BackendError::Unreachable { .. }),
            "{kind:?}: {err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(&host) && text.contains(hint), "{text}");
        assert!(err.is_fatal());
        let (result, attempts, _) = classify_retry(&b, &request("llava:7b", None, false)).await;
        assert!(
            matches!(result, Err(BackendError::Unreachable { .. })),
            "{result:?}"
        );
        assert_eq!(attempts, 2);
        let listed = b.list_models().await;
        assert!(
            matches!(listed, Err(BackendError::Unreachable { .. })),
            "{listed:?}"
        );
    }
}

#[tokio::test]
async fn api_key_is_sent_as_bearer() {
    let cfg = FakeConfig {
        require_api_key: Some("sk-test-123".to_owned()),
        ..FakeConfig::default()
    };
    let server = FakeServer::start(cfg).await;
    let good = backend_env(
        &server,
        BackendKind::Openai,
        &[("MY_KEY", "sk-test-123")],
        |c| c.api_key_env = "MY_KEY".into(),
    );
    assert!(good.preflight("llava:7b").await.is_ok());
    let (result, _) = classify(&good, &request("llava:7b", None, false)).await;
    assert_eq!(result.map(|c| c.text).ok().as_deref(), Some("cat"));

    for env in [&[("MY_KEY", "sk-wrong")][..], &[][..]] {
        let bad = backend_env(&server, BackendKind::Openai, env, |c| {
            c.api_key_env = "MY_KEY".into()
        });
        let err = bad.preflight("llava:7b").await.expect_err("rejected");
        assert!(
            matches!(err, BackendError::Auth { status: 401, .. }),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("MY_KEY") && !text.contains("sk-wrong"),
            "{text}"
        );
        let (result, attempts, _) = classify_retry(&bad, &request("llava:7b", None, false)).await;
        assert!(
            matches!(result, Err(BackendError::Auth { .. })),
            "{result:?}"
        );
        assert_eq!(attempts, 1);
    }
}

#[tokio::test]
async fn preflight_reports_model_facts_and_vision() {
    let server = FakeServer::start(FakeConfig::default()).await;
    let b = backend(&server, BackendKind::Ollama);
    let info = b.preflight("llava:7b").await.expect("preflight");
    assert_eq!(info.vision, Some(true));
    assert_eq!(info.digest, Some(FakeModel::new("llava:7b", true).digest));
    assert_eq!(info.server_version.as_deref(), Some("0.12.11"));
    assert!(info.logprobs && info.warnings.is_empty(), "{info:?}");

    let err = b.preflight("llama3.2:3b").await.expect_err("not vision");
    assert!(
        matches!(err, BackendError::NotVision { .. }) && err.is_fatal(),
        "{err:?}"
    );

    // servers without `capabilities` (< 0.6.4): projector / clip heuristic
    let old = FakeServer::start(FakeConfig {
        version: "0.5.7".into(),
        ..FakeConfig::default()
    })
    .await;
    let b = backend(&old, BackendKind::Ollama);
    assert_eq!(
        b.preflight("llava:7b").await.ok().and_then(|i| i.vision),
        Some(true)
    );
    let info = b
        .preflight("llama3.2:3b")
        .await
        .expect("heuristic negative is only a warning");
    assert_eq!(info.vision, None);
    assert!(!info.warnings.is_empty());

    // OpenAI-compatible: the server refuses the image
    let b = backend(&server, BackendKind::Openai);
    let info = b.preflight("llava:7b").await.expect("openai preflight");
    assert!(
        info.vision.is_none() && info.warnings.is_empty(),
        "{info:?}"
    );
    let (result, attempts, _) = classify_retry(&b, &request("llama3.2:3b", None, false)).await;
    assert!(
        matches!(result, Err(BackendError::NotVision { .. })),
        "{result:?}"
    );
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn list_models_marks_vision() {
    for version in ["0.12.11", "0.30.0"] {
        let server = FakeServer::start(FakeConfig {
            version: version.into(),
            ..FakeConfig::default()
        })
        .await;
        let models = backend(&server, BackendKind::Ollama)
            .list_models()
            .await
            .expect("list");
        let got: Vec<(&str, Option<bool>)> =
            models.iter().map(|m| (m.name.as_str(), m.vision)).collect();
        assert_eq!(
            got,
            [("llava:7b", Some(true)), ("llama3.2:3b", Some(false))],
            "{version}"
        );
        assert!(
            models
                .iter()
                .all(|m| m.size.is_some() && m.digest.is_some())
        );
    }
    let server = FakeServer::start(FakeConfig::default()).await;
    let models = backend(&server, BackendKind::Openai)
        .list_models()
        .await
        .expect("list");
    let got: Vec<(&str, Option<bool>)> =
        models.iter().map(|m| (m.name.as_str(), m.vision)).collect();
    assert_eq!(got, [("llava:7b", None), ("llama3.2:3b", None)]);
}

#[tokio::test]
async fn num_predict_truncates_with_length_reason() {
    let server = FakeServer::start(config_answering("a long winded answer about cats")).await;
    for kind in KINDS {
        let mut req = request("llava:7b", None, false);
        req.options.num_predict = Some(3);
        let (result, pieces) = classify(&backend(&server, kind), &req).await;
        let c = result.unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(pieces.len(), 3, "{kind:?}");
        assert_eq!(c.done_reason.as_deref(), Some("length"), "{kind:?}");
    }
}

#[tokio::test]
async fn fake_server_queues_beyond_its_slots() {
    let cfg = FakeConfig {
        slots: 1,
        token_delay: Duration::from_millis(20),
        ..config_answering("one two three")
    };
    let server = FakeServer::start(cfg).await;
    let b = backend(&server, BackendKind::Ollama);
    let req = request("llava:7b", None, false);
    let run = || {
        let b = b.clone();
        let req = req.clone();
        async move { b.classify(&req, &mut |_: &str| {}).await }
    };
    let (r1, r2, r3) = tokio::join!(run(), run(), run());
    assert!(r1.is_ok() && r2.is_ok() && r3.is_ok());
    assert_eq!(
        server
            .state
            .max_in_flight
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
}

#[tokio::test]
async fn fake_server_rejects_data_urls_on_the_native_api() {
    let server = FakeServer::start(FakeConfig::default()).await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let body = json!({"model": "llava:7b", "messages": [{"role": "user", "content": "x",
        "images": ["data:image/png;base64,iVBORw0KGgo="]}]});
    let resp = client
        .post(format!("{}/api/chat", server.url))
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v, json!({"error": "illegal base64 data at input byte 4"}));
    let resp = client
        .post(format!("{}/api/chat", server.url))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
}

#[test]
fn fake_server_runs_in_its_own_thread() {
    let server = FakeServer::start_in_thread(FakeConfig::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let b = backend(&server, BackendKind::Openai);
    let result = rt.block_on(async {
        b.classify(&request("llava:7b", None, false), &mut |_: &str| {})
            .await
    });
    assert_eq!(result.map(|c| c.text).ok().as_deref(), Some("cat"));
    assert_eq!(server.chat_count(), 1);
}

#[tokio::test]
async fn sse_comment_pings_are_ignored() {
    let server = FakeServer::start(config_answering("a tabby cat")).await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let body = json!({"model": "llava:7b", "stream": true, "messages": [{"role": "user", "content": "x"}]});
    let raw = reqwest::Client::new()
        .post(format!("{}/chat/completions", server.openai_url()))
        .json(&body)
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("body");
    assert!(
        raw.contains("\n: ping\n"),
        "the fake must send a comment line: {raw}"
    );
    assert!(raw.ends_with("data: [DONE]\n\n"));
    let b = backend(&server, BackendKind::Openai);
    let (result, _) = classify(&b, &request("llava:7b", None, false)).await;
    assert_eq!(result.map(|c| c.text).ok().as_deref(), Some("a tabby cat"));
}
