//! A fake model server for tests, benchmarks and end-to-end runs: speaks Ollama's native API
//! (NDJSON) and the OpenAI-compatible API (SSE) faithfully, token by token, with scripted
//! faults (error statuses, cut streams, mid-stream errors, malformed lines, slow answers).
//! Self-contained so benches can include it with `#[path]`. Binds only to 127.0.0.1.
#![allow(dead_code, unreachable_pub)]

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// A model the fake server offers.
#[derive(Debug, Clone)]
pub struct FakeModel {
    /// Name as listed (`llava:7b`).
    pub name: String,
    /// Whether it reports the `vision` capability.
    pub vision: bool,
    /// Digest listed by `/api/tags`.
    pub digest: String,
}

impl FakeModel {
    /// A model with a digest derived from its name.
    pub fn new(name: &str, vision: bool) -> Self {
        Self {
            name: name.to_owned(),
            vision,
            digest: sha256_hex(name.as_bytes()),
        }
    }
}

/// A scripted failure for one chat request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this status and the protocol's error body.
    Status(u16),
    /// Stop mid-answer without the final `done` line / `[DONE]`.
    CutStream,
    /// Send an error inside the 200 stream.
    MidStreamError,
    /// Send a malformed line in the middle of the stream.
    BadJson,
    /// Wait this long before answering, then answer normally.
    Slow(Duration),
    /// Stream tokens as fast as possible and never finish.
    Endless,
    /// Answer with this status, the protocol's error body and `Retry-After: <value>`.
    RetryAfter(u16, String),
    /// Send the first token, then nothing more (the connection stays open).
    Stall,
}

/// An authenticating reverse proxy in front of the server (nginx `auth_basic` style): every
/// request without these Basic credentials gets `status` and a plain-text body.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthProxy {
    /// The user name it accepts.
    pub user: String,
    /// The password it accepts.
    pub password: String,
    /// 401 (no or wrong credentials) or 403 (forbidden).
    pub status: u16,
}

/// How the fake server behaves.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// Reported by `/api/version`; gates `capabilities` (0.6.4) and tags capabilities (0.30.0).
    pub version: String,
    /// Models offered.
    pub models: Vec<FakeModel>,
    /// Answer per SHA-256 (hex) of the decoded image bytes.
    pub answers: HashMap<String, String>,
    /// Answer for images not in `answers`.
    pub default_answer: String,
    /// Pause between tokens.
    pub token_delay: Duration,
    /// Pause before the first byte of a chat answer.
    pub latency: Duration,
    /// Parallel slots; further chat requests wait (like `OLLAMA_NUM_PARALLEL`).
    pub slots: usize,
    /// Faults applied to the next chat requests, one each, in order.
    pub faults: Vec<Fault>,
    /// Faults always applied for an image SHA-256.
    pub fault_for_image: HashMap<String, Fault>,
    /// Whether logprobs are returned when asked for.
    pub logprobs: bool,
    /// When set, OpenAI endpoints require `Authorization: Bearer <key>`.
    pub require_api_key: Option<String>,
    /// When set, every request must carry these Basic credentials.
    pub auth_proxy: Option<AuthProxy>,
    /// When set, every request URL must carry this query string (`token=...`).
    pub require_query: Option<String>,
    /// Behave like a LiteLLM proxy: an unknown model is a 400 "Invalid model name", and
    /// `/model/info` says which models support vision.
    pub litellm: bool,
    /// Behave like LM Studio: `/api/v0/models` lists models with `type` `vlm` or `llm`.
    pub lmstudio: bool,
    /// Prompt-dependent answers: when a chat request's text contains the needle, that map's
    /// answer for the image (by SHA-256) wins over `answers` (a prompt edit that helps).
    pub prompt_answers: Vec<(String, HashMap<String, String>)>,
    /// Count chat requests without keeping them (their bodies, URLs and headers: a benchmark of a million requests
    /// would otherwise hold every image it was sent).
    pub forget_requests: bool,
    /// After this many chat requests the server is broken: every request (chat, tags, show)
    /// gets HTTP 500, as a server whose GPU fell over.
    pub down_after_chats: Option<usize>,
    /// With `down_after_chats`: the server works again this long after it broke (a restart).
    pub recover_after: Option<Duration>,
    /// The probabilities at the token carrying the answer, by image SHA-256, or else by the
    /// answer's text: the answer token's own and its alternatives, in this order (instead of
    /// 0.8 for the answer and the constrained labels' 0.1, 0.05, ...).
    pub answer_probs: HashMap<String, Vec<(String, f64)>>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            version: "0.12.11".to_owned(),
            models: vec![
                FakeModel::new("llava:7b", true),
                FakeModel::new("llama3.2:3b", false),
            ],
            answers: HashMap::new(),
            default_answer: "cat".to_owned(),
            token_delay: Duration::ZERO,
            latency: Duration::ZERO,
            slots: 4,
            faults: Vec::new(),
            fault_for_image: HashMap::new(),
            logprobs: true,
            require_api_key: None,
            auth_proxy: None,
            require_query: None,
            litellm: false,
            lmstudio: false,
            prompt_answers: Vec::new(),
            forget_requests: false,
            down_after_chats: None,
            recover_after: None,
            answer_probs: HashMap::new(),
        }
    }
}

/// Shared server state, visible to tests.
#[derive(Debug)]
pub struct FakeState {
    /// The configuration.
    pub config: FakeConfig,
    /// Faults still to apply.
    pub faults: Mutex<VecDeque<Fault>>,
    /// Bodies received by the chat endpoints.
    pub requests: Mutex<Vec<Value>>,
    /// Chat requests received.
    pub chats: AtomicUsize,
    /// Most chat streams running at the same time.
    pub max_in_flight: AtomicUsize,
    /// Every request seen: path with query, and all its `Authorization` header values.
    pub seen: Mutex<Vec<(String, Vec<String>)>>,
    /// Bytes sent by endless streams so far.
    pub endless_bytes: AtomicUsize,
    /// When the server broke (`down_after_chats`), if it did.
    down_since: Mutex<Option<std::time::Instant>>,
    in_flight: AtomicUsize,
    slots: Arc<Semaphore>,
}

/// A running fake server; stops when dropped.
pub struct FakeServer {
    /// Base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    /// State shared with the handlers.
    pub state: Arc<FakeState>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl FakeServer {
    /// Starts on the current tokio runtime.
    pub async fn start(cfg: FakeConfig) -> FakeServer {
        let state = new_state(cfg);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let app = router(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(no_delay(listener), app)
                .with_graceful_shutdown(async { drop(rx.await) })
                .await;
        });
        FakeServer {
            url: format!("http://{addr}"),
            state,
            shutdown: Some(tx),
        }
    }

    /// Starts on its own runtime in a background thread (for sync tests and real binaries).
    pub fn start_in_thread(cfg: FakeConfig) -> FakeServer {
        let state = new_state(cfg);
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (tx, rx) = oneshot::channel::<()>();
        let app = router(state.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("fake server runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                addr_tx
                    .send(listener.local_addr().expect("local addr"))
                    .expect("report address");
                let _ = axum::serve(no_delay(listener), app)
                    .with_graceful_shutdown(async { drop(rx.await) })
                    .await;
            });
        });
        let addr = addr_rx.recv().expect("fake server thread started");
        FakeServer {
            url: format!("http://{addr}"),
            state,
            shutdown: Some(tx),
        }
    }

    /// Bodies received by the chat endpoints, in arrival order.
    pub fn requests(&self) -> Vec<Value> {
        self.state
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// SHA-256 of the image in each chat request received (Ollama's base64 `images`), in
    /// arrival order: the request log that proves which images a run asked.
    pub fn asked_images(&self) -> Vec<String> {
        self.requests()
            .iter()
            .flat_map(|body| {
                body["messages"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|m| m["images"].as_array().into_iter().flatten())
                    .filter_map(|img| STANDARD.decode(img.as_str().unwrap_or_default()).ok())
                    .map(|bytes| sha256_hex(&bytes))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Goes away: no new connection is accepted (answers already streaming finish).
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Number of chat requests received.
    pub fn chat_count(&self) -> usize {
        self.state.chats.load(Ordering::SeqCst)
    }

    /// The OpenAI-compatible base URL (`{url}/v1`).
    pub fn openai_url(&self) -> String {
        format!("{}/v1", self.url)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Accepted sockets get TCP_NODELAY, as Go's net package (Ollama) and most servers set it;
/// without it small streamed chunks wait on delayed ACKs (~40 ms each).
fn no_delay(
    listener: tokio::net::TcpListener,
) -> impl axum::serve::Listener<Addr = std::net::SocketAddr> {
    use axum::serve::ListenerExt;
    listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    })
}

/// An address where no server listens (a port bound, then let go): a server that is down.
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Hex SHA-256, the key of `FakeConfig::answers`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn new_state(config: FakeConfig) -> Arc<FakeState> {
    Arc::new(FakeState {
        faults: Mutex::new(config.faults.iter().cloned().collect()),
        slots: Arc::new(Semaphore::new(config.slots.max(1))),
        config,
        requests: Mutex::new(Vec::new()),
        chats: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
        seen: Mutex::new(Vec::new()),
        endless_bytes: AtomicUsize::new(0),
        down_since: Mutex::new(None),
        in_flight: AtomicUsize::new(0),
    })
}

fn router(state: Arc<FakeState>) -> Router {
    Router::new()
        .route("/", get(|| async { "Ollama is running" }))
        .route("/api/version", get(version))
        .route("/api/tags", get(tags))
        .route("/api/show", post(show))
        .route("/api/chat", post(ollama_chat))
        .route("/v1/models", get(openai_models))
        .route("/v1/chat/completions", post(openai_chat))
        .route("/model/info", get(litellm_model_info))
        .route("/api/v0/models", get(lmstudio_models))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gatekeeper,
        ))
        // Ollama takes photos of many megabytes (axum's default refuses bodies over 2 MB).
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024 * 1024))
        .with_state(state)
}

/// Records every request and plays the auth proxy and the query check in front of the routes.
async fn gatekeeper(
    State(st): State<Arc<FakeState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let uri = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let auth: Vec<String> = req
        .headers()
        .get_all(header::AUTHORIZATION)
        .iter()
        .map(|v| v.to_str().unwrap_or("<binary>").to_owned())
        .collect();
    if !st.config.forget_requests
        && let Ok(mut seen) = st.seen.lock()
    {
        seen.push((uri.clone(), auth.clone()));
    }
    if is_down(&st) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"error": "CUDA error: an illegal memory access was encountered"})),
        )
            .into_response();
    }
    if let Some(want) = &st.config.require_query
        && req.uri().query() != Some(want.as_str())
    {
        return (StatusCode::NOT_FOUND, "404 page not found").into_response();
    }
    if let Some(proxy) = &st.config.auth_proxy {
        let expected = format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", proxy.user, proxy.password))
        );
        if auth.len() != 1 || auth[0] != expected {
            let code = StatusCode::from_u16(proxy.status).unwrap_or(StatusCode::UNAUTHORIZED);
            let body = format!(
                "<html>\r\n<head><title>{code}</title></head>\r\n<body>\r\n<center><h1>{code}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            );
            return (
                code,
                [
                    (header::CONTENT_TYPE, "text/html"),
                    (header::WWW_AUTHENTICATE, "Basic realm=\"ollama\""),
                ],
                body,
            )
                .into_response();
        }
    }
    next.run(req).await
}

/// True while the server is broken: from its `down_after_chats`-th chat request until
/// `recover_after` (if any) has passed.
fn is_down(st: &FakeState) -> bool {
    let Some(n) = st.config.down_after_chats else {
        return false;
    };
    let Ok(mut since) = st.down_since.lock() else {
        return false;
    };
    match (*since, st.config.recover_after) {
        (Some(broke), Some(recovery)) => broke.elapsed() < recovery,
        (Some(_), None) => true,
        (None, _) if st.chats.load(Ordering::SeqCst) >= n => {
            *since = Some(std::time::Instant::now());
            true
        }
        (None, _) => false,
    }
}

/// LiteLLM's `/model/info`: per model, whether it supports vision.
async fn litellm_model_info(State(st): State<Arc<FakeState>>) -> Response {
    if !st.config.litellm {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"detail": "Not Found"})),
        )
            .into_response();
    }
    let data: Vec<Value> = st
        .config
        .models
        .iter()
        .map(|m| json!({"model_name": m.name, "litellm_params": {"model": format!("ollama/{}", m.name)},
                        "model_info": {"id": sha256_hex(m.name.as_bytes()), "mode": "chat", "supports_vision": m.vision}}))
        .collect();
    axum::Json(json!({"data": data})).into_response()
}

/// LM Studio's native `/api/v0/models`: `type` is `vlm` for vision models.
async fn lmstudio_models(State(st): State<Arc<FakeState>>) -> Response {
    if !st.config.lmstudio {
        return (StatusCode::NOT_FOUND, "Unexpected endpoint or method.").into_response();
    }
    let data: Vec<Value> = st
        .config
        .models
        .iter()
        .map(|m| {
            json!({"id": m.name, "object": "model", "type": if m.vision { "vlm" } else { "llm" },
                        "publisher": "fake", "arch": "llama", "compatibility_type": "gguf",
                        "quantization": "Q4_K_M", "state": "loaded", "max_context_length": 4096})
        })
        .collect();
    axum::Json(json!({"object": "list", "data": data})).into_response()
}

/// An endless stream: `line(i)` for i = 0, 1, 2, ... until the client goes away.
fn endless(
    st: Arc<FakeState>,
    content_type: &'static str,
    line: impl Fn(usize) -> String + Send + 'static,
) -> Response {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let _flight = InFlight::new(st.clone());
        for i in 0.. {
            let text = line(i);
            st.endless_bytes.fetch_add(text.len(), Ordering::SeqCst);
            if tx.send(text).await.is_err() {
                return;
            }
        }
    });
    streamed(content_type, rx)
}

/// The first line, then silence with the connection open (until the client gives up).
fn stalled(content_type: &'static str, first: String) -> Response {
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        if tx.send(first).await.is_err() {
            return;
        }
        tx.closed().await;
    });
    streamed(content_type, rx)
}

fn with_retry_after(mut resp: Response, value: &str) -> Response {
    if let Ok(v) = header::HeaderValue::from_str(value) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

// ---------------------------------------------------------------- shared helpers

/// `(major, minor, patch)` of a version string.
fn version_tuple(v: &str) -> (u64, u64, u64) {
    let mut it = v
        .split(['-', '+'])
        .next()
        .unwrap_or("")
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or(0));
    (
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}

impl FakeState {
    fn model(&self, name: &str) -> Option<&FakeModel> {
        let latest = format!("{name}:latest");
        self.config
            .models
            .iter()
            .find(|m| m.name == name || m.name == latest)
    }

    fn record(&self, body: &Value) {
        self.chats.fetch_add(1, Ordering::SeqCst);
        if self.config.forget_requests {
            return;
        }
        if let Ok(mut r) = self.requests.lock() {
            r.push(body.clone());
        }
    }

    /// The fault for this request: per-image faults win, else the next queued one.
    fn fault_for(&self, sha: Option<&str>) -> Option<Fault> {
        if let Some(f) = sha.and_then(|s| self.config.fault_for_image.get(s)) {
            return Some(f.clone());
        }
        self.faults.lock().ok().and_then(|mut q| q.pop_front())
    }

    /// The answer token's probabilities for `answer` to the image `sha`, when configured.
    fn answer_probs(&self, answer: &str, sha: Option<&str>) -> Option<Vec<(String, f64)>> {
        sha.and_then(|s| self.config.answer_probs.get(s))
            .or_else(|| self.config.answer_probs.get(answer))
            .cloned()
    }

    fn answer_for(&self, req: &Value, sha: Option<&str>) -> String {
        let text = req.to_string();
        let by_prompt = self
            .config
            .prompt_answers
            .iter()
            .filter(|(needle, _)| text.contains(needle.as_str()))
            .find_map(|(_, answers)| sha.and_then(|s| answers.get(s)));
        by_prompt
            .or_else(|| sha.and_then(|s| self.config.answers.get(s)))
            .cloned()
            .unwrap_or_else(|| self.config.default_answer.clone())
    }
}

/// Go's base64 error for a string that is not standard base64, as Ollama reports it.
fn base64_error(s: &str) -> Option<String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '\r' | '\n');
    if let Some(pos) = s.char_indices().find(|(_, c)| !ok(*c)).map(|(i, _)| i) {
        return Some(format!("illegal base64 data at input byte {pos}"));
    }
    let clean: String = s.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    STANDARD
        .decode(clean)
        .err()
        .map(|_| format!("illegal base64 data at input byte {}", s.len()))
}

/// Splits text like a tokenizer would: runs of letters/digits and runs of other characters,
/// each cut into pieces of at most 3 characters.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    let mut run_alnum = None;
    let flush = |run: &mut String, out: &mut Vec<String>| {
        let chars: Vec<char> = run.chars().collect();
        out.extend(chars.chunks(3).map(|c| c.iter().collect::<String>()));
        run.clear();
    };
    for c in text.chars() {
        let alnum = c.is_alphanumeric();
        if run_alnum.is_some_and(|a| a != alnum) {
            flush(&mut run, &mut out);
        }
        run_alnum = Some(alnum);
        run.push(c);
    }
    flush(&mut run, &mut out);
    out
}

/// The tokens of an answer and the index of the token that carries the answer itself.
fn answer_tokens(answer: &str, constrained: bool) -> (Vec<String>, usize) {
    if !constrained {
        let tokens = tokenize(answer);
        let first = tokens
            .iter()
            .position(|t| !t.trim().is_empty())
            .unwrap_or(0);
        return (tokens, first);
    }
    let prefix = tokenize("{\"label\":\"");
    let first = prefix.len();
    let mut tokens = prefix;
    tokens.extend(tokenize(answer));
    tokens.extend(tokenize("\"}"));
    (tokens, first)
}

/// A logprob entry in the shape both protocols use; `probs` (see `FakeConfig::answer_probs`)
/// replaces the answer token's made-up probabilities.
fn logprob_entry(
    token: &str,
    is_answer: bool,
    alternatives: &[String],
    top_n: usize,
    probs: Option<&[(String, f64)]>,
) -> Value {
    if let (true, Some(probs)) = (is_answer, probs) {
        let own = probs
            .iter()
            .find(|(t, _)| t == token)
            .map_or(-0.001, |(_, p)| p.ln());
        let mut top = vec![json!({"token": token, "logprob": own, "bytes": token.as_bytes()})];
        for (alt, p) in probs.iter().filter(|(t, _)| t != token) {
            top.push(json!({"token": alt, "logprob": p.ln(), "bytes": alt.as_bytes()}));
        }
        top.truncate(top_n);
        let mut entry = json!({"token": token, "logprob": own, "bytes": token.as_bytes()});
        if top_n > 0 {
            entry["top_logprobs"] = Value::Array(top);
        }
        return entry;
    }
    let logprob = if is_answer { 0.8f64.ln() } else { -0.001 };
    let mut top = vec![json!({"token": token, "logprob": logprob, "bytes": token.as_bytes()})];
    if is_answer {
        let mut p = 0.1f64;
        for alt in alternatives.iter().filter(|a| a.as_str() != token) {
            top.push(json!({"token": alt, "logprob": p.ln(), "bytes": alt.as_bytes()}));
            p /= 2.0;
        }
    }
    top.truncate(top_n);
    let mut entry = json!({"token": token, "logprob": logprob, "bytes": token.as_bytes()});
    if top_n > 0 {
        entry["top_logprobs"] = Value::Array(top);
    }
    entry
}

/// Lines produced by a background task and sent as the response body.
fn streamed(content_type: &'static str, rx: mpsc::Receiver<String>) -> Response {
    let mut rx = rx;
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
        .map(|s| Ok::<Bytes, Infallible>(s.into()));
    (
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(stream),
    )
        .into_response()
}

/// Tracks how many streams run at once.
struct InFlight(Arc<FakeState>);

impl InFlight {
    fn new(state: Arc<FakeState>) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(state)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------- Ollama native

fn ollama_error(status: u16, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, axum::Json(json!({"error": message}))).into_response()
}

async fn version(State(st): State<Arc<FakeState>>) -> Response {
    axum::Json(json!({"version": st.config.version})).into_response()
}

async fn tags(State(st): State<Arc<FakeState>>) -> Response {
    let with_caps = version_tuple(&st.config.version) >= (0, 30, 0);
    let models: Vec<Value> = st
        .config
        .models
        .iter()
        .map(|m| {
            let mut e = json!({
                "name": m.name, "model": m.name, "modified_at": "2025-11-01T10:00:00Z",
                "size": 4_700_000_000u64, "digest": m.digest,
                "details": {"format": "gguf", "family": "llama", "families": families(m),
                            "parameter_size": "7B", "quantization_level": "Q4_K_M"},
            });
            if with_caps {
                e["capabilities"] = capabilities(m);
            }
            e
        })
        .collect();
    axum::Json(json!({"models": models})).into_response()
}

fn families(m: &FakeModel) -> Value {
    if m.vision {
        json!(["llama", "clip"])
    } else {
        json!(["llama"])
    }
}

fn capabilities(m: &FakeModel) -> Value {
    if m.vision {
        json!(["completion", "vision"])
    } else {
        json!(["completion", "tools"])
    }
}

async fn show(State(st): State<Arc<FakeState>>, body: Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return ollama_error(400, "missing request body");
    };
    let name = v
        .get("model")
        .or_else(|| v.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(m) = st.model(name) else {
        return ollama_error(404, &format!("model '{name}' not found"));
    };
    let mut out = json!({
        "modelfile": format!("FROM {}\n", m.name), "parameters": "", "template": "{{ .Prompt }}",
        "details": {"format": "gguf", "family": "llama", "families": families(m)},
        "model_info": {"general.architecture": "llama"},
    });
    if version_tuple(&st.config.version) >= (0, 6, 4) {
        out["capabilities"] = capabilities(m);
    }
    if m.vision {
        out["projector_info"] = json!({"clip.has_vision_encoder": true});
    }
    axum::Json(out).into_response()
}

async fn ollama_chat(State(st): State<Arc<FakeState>>, body: Bytes) -> Response {
    if body.is_empty() {
        return ollama_error(400, "missing request body");
    }
    let req: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return ollama_error(400, &format!("invalid character in request body: {e}")),
    };
    st.record(&req);
    let model_name = req["model"].as_str().unwrap_or("");
    if model_name.is_empty() {
        return ollama_error(400, "model is required");
    }
    let Some(model) = st.model(model_name).cloned() else {
        return ollama_error(404, &format!("model '{model_name}' not found"));
    };
    if req["think"] == json!(true) {
        return ollama_error(400, &format!("\"{model_name}\" does not support thinking"));
    }
    let mut image_sha = None;
    for msg in req["messages"].as_array().into_iter().flatten() {
        for img in msg["images"].as_array().into_iter().flatten() {
            let s = img.as_str().unwrap_or("");
            if let Some(err) = base64_error(s) {
                return ollama_error(400, &err);
            }
            image_sha = STANDARD
                .decode(s.replace(['\r', '\n'], ""))
                .ok()
                .map(|b| sha256_hex(&b));
        }
    }
    let fault = st.fault_for(image_sha.as_deref());
    let status_fault = match &fault {
        Some(Fault::Status(code)) => Some((*code, None)),
        Some(Fault::RetryAfter(code, after)) => Some((*code, Some(after.clone()))),
        _ => None,
    };
    if let Some((code, after)) = status_fault {
        let msg = match code {
            503 => "server busy, please try again.  maximum pending requests exceeded".to_owned(),
            404 => format!("model '{model_name}' not found"),
            _ => format!("fake failure with status {code}"),
        };
        let resp = ollama_error(code, &msg);
        return match after {
            Some(after) => with_retry_after(resp, &after),
            None => resp,
        };
    }
    if fault == Some(Fault::Endless) {
        let name = model.name.clone();
        return endless(st.clone(), "application/x-ndjson", move |i| {
            format!(
                "{}\n",
                json!({"model": name, "created_at": "2025-11-20T10:00:00Z",
                       "message": {"role": "assistant", "content": format!("{i} lorem ipsum dolor ")}, "done": false})
            )
        });
    }
    if fault == Some(Fault::Stall) {
        let first = json!({"model": model.name, "created_at": "2025-11-20T10:00:00Z",
                           "message": {"role": "assistant", "content": "The"}, "done": false});
        return stalled("application/x-ndjson", format!("{first}\n"));
    }
    let permit = st.slots.clone().acquire_owned().await;
    if let Some(Fault::Slow(d)) = fault {
        tokio::time::sleep(d).await;
    }
    tokio::time::sleep(st.config.latency).await;
    let constrained = req["format"].is_object();
    let answer = if model.vision {
        st.answer_for(&req, image_sha.as_deref())
    } else {
        "I cannot see any image.".to_owned()
    };
    let probs = st.answer_probs(&answer, image_sha.as_deref());
    let (mut tokens, answer_at) = answer_tokens(&answer, constrained);
    let limit = req["options"]["num_predict"]
        .as_i64()
        .filter(|n| *n >= 0)
        .map(|n| n as usize);
    let truncated = limit.is_some_and(|n| tokens.len() > n);
    if let Some(n) = limit {
        tokens.truncate(n);
    }
    let want_logprobs = st.config.logprobs && req["logprobs"] == json!(true);
    let top_n = req["top_logprobs"].as_u64().unwrap_or(0) as usize;
    let alternatives: Vec<String> = req["format"]["properties"]["label"]["enum"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let prompt_len = req.to_string().len() as u64;
    let (tx, rx) = mpsc::channel(16);
    let state = st.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let _flight = InFlight::new(state.clone());
        let delay = state.config.token_delay;
        let created = |i: usize| {
            format!(
                "2025-11-20T10:00:{:02}.{:06}Z",
                (i / 1000) % 60,
                (i % 1000) * 1000
            )
        };
        for (i, tok) in tokens.iter().enumerate() {
            if i > 0 && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let mut chunk = json!({"model": model.name, "created_at": created(i),
                "message": {"role": "assistant", "content": tok}, "done": false});
            if want_logprobs {
                chunk["logprobs"] = json!([logprob_entry(
                    tok,
                    i == answer_at,
                    &alternatives,
                    top_n,
                    probs.as_deref()
                )]);
            }
            if tx.send(format!("{chunk}\n")).await.is_err() {
                return;
            }
            let half = tokens.len() / 2;
            match fault {
                Some(Fault::CutStream) if i + 1 >= half.max(1) => return,
                Some(Fault::MidStreamError) if i + 1 >= half.max(1) => {
                    let _ = tx
                        .send(
                            "{\"error\":\"an error was encountered while running the model\"}\n"
                                .into(),
                        )
                        .await;
                    return;
                }
                Some(Fault::BadJson) if i == 0 => {
                    let _ = tx
                        .send(format!(
                            "{{\"model\":\"{}\",\"message\":{{\"content\":\n",
                            model.name
                        ))
                        .await;
                }
                _ => {}
            }
        }
        let n = tokens.len() as u64;
        let eval_ns = (delay.as_nanos() as u64).max(20_000_000) * n.max(1);
        let done = json!({"model": model.name, "created_at": created(tokens.len()),
            "message": {"role": "assistant", "content": ""}, "done": true,
            "done_reason": if truncated { "length" } else { "stop" },
            "total_duration": eval_ns + 300_000_000u64, "load_duration": 1_500_000u64,
            "prompt_eval_count": 20 + prompt_len / 400, "prompt_eval_duration": 250_000_000u64,
            "eval_count": n, "eval_duration": eval_ns});
        let _ = tx.send(format!("{done}\n")).await;
    });
    streamed("application/x-ndjson", rx)
}

// ---------------------------------------------------------------- OpenAI-compatible

fn openai_error(status: u16, message: &str, kind: &str, code: Value) -> Response {
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    (status_code, axum::Json(body)).into_response()
}

fn check_key(st: &FakeState, headers: &HeaderMap) -> Option<Response> {
    let want = st.config.require_api_key.as_ref()?;
    let got = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if got == Some(format!("Bearer {want}").as_str()) {
        return None;
    }
    Some(openai_error(
        401,
        "Incorrect API key provided.",
        "invalid_request_error",
        json!("invalid_api_key"),
    ))
}

async fn openai_models(State(st): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    if let Some(denied) = check_key(&st, &headers) {
        return denied;
    }
    let data: Vec<Value> = st
        .config
        .models
        .iter()
        .map(|m| json!({"id": m.name, "object": "model", "created": 1_735_142_223, "owned_by": "library"}))
        .collect();
    axum::Json(json!({"object": "list", "data": data})).into_response()
}

/// Decoded image bytes of an `image_url` part, or the error response a server would send.
#[allow(clippy::result_large_err)] // the error is the HTTP response itself, built once per request
fn openai_image(part: &Value) -> Result<Vec<u8>, Response> {
    let url = part["image_url"]["url"]
        .as_str()
        .or_else(|| part["image_url"].as_str())
        .unwrap_or("");
    if url.starts_with("http://") || url.starts_with("https://") {
        let msg = "image URLs are not currently supported, please use base64 encoded data instead";
        return Err(openai_error(400, msg, "invalid_request_error", Value::Null));
    }
    url.strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
        .and_then(|(_, b64)| STANDARD.decode(b64).ok())
        .ok_or_else(|| {
            openai_error(
                400,
                "invalid image input",
                "invalid_request_error",
                Value::Null,
            )
        })
}

fn sse(v: &Value) -> String {
    format!("data: {v}\n\n")
}

async fn openai_chat(
    State(st): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(denied) = check_key(&st, &headers) {
        return denied;
    }
    let req: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return openai_error(
                400,
                &format!("invalid JSON body: {e}"),
                "invalid_request_error",
                Value::Null,
            );
        }
    };
    st.record(&req);
    let model_name = req["model"].as_str().unwrap_or("").to_owned();
    let messages = req["messages"].as_array().cloned().unwrap_or_default();
    if messages.is_empty() {
        return openai_error(
            400,
            "[] is too short - 'messages'",
            "invalid_request_error",
            Value::Null,
        );
    }
    let Some(model) = st.model(&model_name).cloned() else {
        if st.config.litellm {
            let msg = format!(
                "{{'error': '/chat/completions: Invalid model name passed in model={model_name}. Call `/v1/models` to view available models for your key.'}}"
            );
            return openai_error(400, &msg, "None", json!("400"));
        }
        let msg =
            format!("The model `{model_name}` does not exist or you do not have access to it.");
        return openai_error(404, &msg, "invalid_request_error", json!("model_not_found"));
    };
    let mut image_sha = None;
    for part in messages
        .iter()
        .filter_map(|m| m["content"].as_array())
        .flatten()
    {
        if part["type"] == "image_url" {
            match openai_image(part) {
                Ok(bytes) => image_sha = Some(sha256_hex(&bytes)),
                Err(resp) => return resp,
            }
        }
    }
    if image_sha.is_some() && !model.vision {
        let msg = "image input is not supported - hint: if this is unexpected, you may need to provide the mmproj";
        return openai_error(500, msg, "server_error", json!(500));
    }
    let fault = st.fault_for(image_sha.as_deref());
    let status_fault = match &fault {
        Some(Fault::Status(code)) => Some((*code, None)),
        Some(Fault::RetryAfter(code, after)) => Some((*code, Some(after.clone()))),
        _ => None,
    };
    if let Some((code, after)) = status_fault {
        let kind = if code >= 500 {
            "server_error"
        } else {
            "invalid_request_error"
        };
        let resp = openai_error(
            code,
            &format!("fake failure with status {code}"),
            kind,
            json!(code),
        );
        return match after {
            Some(after) => with_retry_after(resp, &after),
            None => resp,
        };
    }
    if fault == Some(Fault::Endless) {
        let name = model.name.clone();
        return endless(st.clone(), "text/event-stream", move |i| {
            sse(
                &json!({"id": "chatcmpl-endless", "object": "chat.completion.chunk", "created": 1_735_142_223,
                        "model": name, "choices": [{"index": 0, "delta": {"content": format!("{i} lorem ipsum dolor ")}, "finish_reason": null}]}),
            )
        });
    }
    if fault == Some(Fault::Stall) {
        let first = json!({"id": "chatcmpl-stall", "object": "chat.completion.chunk", "created": 1_735_142_223,
                           "model": model.name, "choices": [{"index": 0, "delta": {"content": "The"}, "finish_reason": null}]});
        return stalled("text/event-stream", sse(&first));
    }
    let permit = st.slots.clone().acquire_owned().await;
    if let Some(Fault::Slow(d)) = fault {
        tokio::time::sleep(d).await;
    }
    tokio::time::sleep(st.config.latency).await;
    let constrained = req["response_format"]["type"] == "json_schema";
    let answer = st.answer_for(&req, image_sha.as_deref());
    let probs = st.answer_probs(&answer, image_sha.as_deref());
    let (mut tokens, answer_at) = answer_tokens(&answer, constrained);
    let limit = req["max_tokens"].as_u64().map(|n| n as usize);
    let truncated = limit.is_some_and(|n| tokens.len() > n);
    if let Some(n) = limit {
        tokens.truncate(n);
    }
    let want_logprobs = st.config.logprobs && req["logprobs"] == json!(true);
    let top_n = req["top_logprobs"].as_u64().unwrap_or(0) as usize;
    let alternatives: Vec<String> =
        req["response_format"]["json_schema"]["schema"]["properties"]["label"]["enum"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
    let include_usage = req["stream_options"]["include_usage"] == json!(true);
    let (tx, rx) = mpsc::channel(16);
    let state = st.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let _flight = InFlight::new(state.clone());
        let delay = state.config.token_delay;
        let id = format!("chatcmpl-{}", state.chats.load(Ordering::SeqCst));
        let chunk = |choices: Value| {
            json!({"id": id, "object": "chat.completion.chunk", "created": 1_735_142_223,
                   "model": model.name, "system_fingerprint": "fp_fake", "choices": choices})
        };
        let role = chunk(
            json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]),
        );
        if tx.send(sse(&role)).await.is_err() {
            return;
        }
        for (i, tok) in tokens.iter().enumerate() {
            if i > 0 && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let mut choice = json!({"index": 0, "delta": {"content": tok}, "finish_reason": null});
            if want_logprobs {
                choice["logprobs"] = json!({"content": [logprob_entry(tok, i == answer_at, &alternatives, top_n, probs.as_deref())], "refusal": null});
            }
            if tx.send(sse(&chunk(json!([choice])))).await.is_err() {
                return;
            }
            if i == 1 {
                let _ = tx.send(": ping\n\n".to_owned()).await;
            }
            let half = tokens.len() / 2;
            match fault {
                Some(Fault::CutStream) if i + 1 >= half.max(1) => return,
                Some(Fault::MidStreamError) if i + 1 >= half.max(1) => {
                    let err = json!({"error": {"message": "an error was encountered while running the model",
                                               "type": "server_error", "param": null, "code": null}});
                    let _ = tx.send(sse(&err)).await;
                    return;
                }
                Some(Fault::BadJson) if i == 0 => {
                    let _ = tx
                        .send(format!("data: {{\"id\":\"{id}\",\"choices\":[{{\n\n"))
                        .await;
                }
                _ => {}
            }
        }
        let reason = if truncated { "length" } else { "stop" };
        let _ = tx
            .send(sse(&chunk(
                json!([{"index": 0, "delta": {}, "finish_reason": reason}]),
            )))
            .await;
        if include_usage {
            let n = tokens.len();
            let mut usage = chunk(json!([]));
            usage["usage"] =
                json!({"prompt_tokens": 120, "completion_tokens": n, "total_tokens": 120 + n});
            let _ = tx.send(sse(&usage)).await;
        }
        let _ = tx.send("data: [DONE]\n\n".to_owned()).await;
    });
    streamed("text/event-stream", rx)
}
