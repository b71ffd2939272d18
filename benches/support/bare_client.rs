//! The bare client the benchmark compares squint with: what a user would write by hand to ask an
//! Ollama server about every image of a folder (read the file, base64 it, POST `/api/chat`,
//! read the streamed NDJSON to its end and join the tokens), with the same HTTP stack as squint
//! (reqwest, hyper) and nothing else: no checks, no parsing into labels, no journal, no cache.
//! Never used by squint itself; it only sets the floor squint's figures are divided by.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use futures_util::StreamExt as _;

/// The image files of a dataset folder (any depth), sorted.
pub(crate) fn image_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "jpg" || e == "png" || e == "jpeg")
        })
        .collect();
    files.sort();
    files
}

/// A plain HTTP client (reqwest is built without a default TLS provider; installing it twice
/// is harmless).
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Asks about one image; returns the joined answer.
async fn ask(client: &reqwest::Client, url: &str, model: &str, path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read image");
    let body = serde_json::json!({
        "model": model,
        "stream": true,
        "options": {"temperature": 0.0},
        "messages": [{
            "role": "user",
            "content": "Which digit is this? Answer with one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9.",
            "images": [base64::engine::general_purpose::STANDARD.encode(&bytes)],
        }],
    });
    let response = client
        .post(format!("{url}/api/chat"))
        .json(&body)
        .send()
        .await
        .expect("send");
    assert!(
        response.status().is_success(),
        "bare client: {}",
        response.status()
    );
    let mut stream = response.bytes_stream();
    let mut pending = Vec::new();
    let mut answer = String::new();
    while let Some(chunk) = stream.next().await {
        pending.extend_from_slice(&chunk.expect("body chunk"));
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let value: serde_json::Value = serde_json::from_slice(&line).expect("NDJSON line");
            if let Some(token) = value["message"]["content"].as_str() {
                answer.push_str(token);
            }
        }
    }
    answer
}

/// One image after the other on a single-threaded runtime (the blocking way): returns how
/// many answers came back non-empty.
pub(crate) fn sequential(url: &str, model: &str, files: &[PathBuf]) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = client();
        let mut answered = 0;
        for path in files {
            answered += usize::from(!ask(&client, url, model, path).await.is_empty());
        }
        answered
    })
}

/// `concurrency` requests in flight at once on the given runtime: returns the answers.
pub(crate) fn concurrent(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    model: &str,
    files: &[PathBuf],
    concurrency: usize,
) -> usize {
    concurrent_over(runtime, &[url.to_owned()], model, files, concurrency)
}

/// `per_host` requests in flight on each of `urls` at once, every worker taking the next image
/// from one shared list (so a faster server takes more): returns the answers.
pub(crate) fn concurrent_over(
    runtime: &tokio::runtime::Runtime,
    urls: &[String],
    model: &str,
    files: &[PathBuf],
    per_host: usize,
) -> usize {
    let files = Arc::new(files.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    runtime.block_on(async {
        let client = client();
        let workers: Vec<_> = urls
            .iter()
            .flat_map(|url| std::iter::repeat_n(url, per_host))
            .map(|url| {
                let (client, files, next) = (client.clone(), files.clone(), next.clone());
                let (url, model) = (url.to_owned(), model.to_owned());
                tokio::spawn(async move {
                    let mut answered = 0;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        answered += usize::from(!ask(&client, &url, &model, path).await.is_empty());
                    }
                    answered
                })
            })
            .collect();
        let mut answered = 0;
        for worker in workers {
            answered += worker.await.expect("worker");
        }
        answered
    })
}
