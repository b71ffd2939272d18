//! Model server backends: Ollama's native `/api/chat` (NDJSON) and OpenAI-compatible
//! `/chat/completions` (SSE), behind one cheap-to-clone `Backend` with a shared HTTP client,
//! preflight checks, model listing, streamed classification and retries.
//! Never logs, prints, serialises or stores the API key; never parses answers into labels.

mod body;
mod endpoint;
mod error;
mod host;
mod http;
mod logprobs;
mod ollama;
mod ollama_models;
mod openai;
mod openai_models;
mod retry;
mod types;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use endpoint::{mask_url, redact_url};
pub use error::{BackendError, parse_error_body};
pub use host::{resolve_ollama_host, resolve_openai_base};
pub use logprobs::{
    LabelTokens, answer_logprobs, label_confidence, label_distribution, label_probabilities,
};
pub use retry::{MAX_RETRY_AFTER, RetryPolicy, backoff, jittered, parse_retry_after};
pub use types::{
    Attempted, ClassifyRequest, Completion, ModelEntry, ModelInfo, TokenEvent, TokenLogprob,
};

use http::{ApiKey, Shared};

/// Which wire protocol the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Ollama's native API (`/api/chat`, NDJSON).
    Ollama,
    /// An OpenAI-compatible API (`/chat/completions`, SSE): llama.cpp, vLLM, LM Studio, hosted.
    Openai,
}

/// True when a host address carries a user name, password or query string: such an address
/// is sent with requests but never written to a file.
pub(crate) fn host_has_secrets(raw: &str) -> bool {
    let (_, secrets) = endpoint::split_secrets(raw);
    secrets.userinfo.is_some() || secrets.query.is_some()
}

impl BackendKind {
    /// The environment variable that names the server when `--host` is not given.
    pub fn host_env_var(self) -> &'static str {
        match self {
            BackendKind::Ollama => "OLLAMA_HOST",
            BackendKind::Openai => "OPENAI_BASE_URL",
        }
    }
}

/// How to reach the server. Holds the *name* of the key variable, never the key.
#[derive(Debug, Clone)]
pub struct BackendConfig {
    /// Protocol.
    pub kind: BackendKind,
    /// `--host`; `None` means `OLLAMA_HOST` / `OPENAI_BASE_URL`.
    pub host: Option<String>,
    /// Environment variable holding the API key (OpenAI-compatible only).
    pub api_key_env: String,
    /// Limit for one whole request including the streamed answer.
    pub timeout: Duration,
    /// Limit for establishing the connection.
    pub connect_timeout: Duration,
    /// Attempts per request (including the first).
    pub retries: u32,
    /// `--logprobs` for OpenAI-compatible servers; Ollama decides from its version.
    pub logprobs: bool,
    /// Longest answer text accepted (`--max-answer-bytes`); the item fails past it.
    pub max_answer_bytes: usize,
}

/// Default `--max-answer-bytes`: 64 KiB of answer text.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 64 * 1024;

impl Default for BackendConfig {
    /// The one set of defaults: Ollama, host from the environment, 120 s timeout, 5 s connect
    /// timeout, 3 attempts, key in `OPENAI_API_KEY`, no logprobs.
    fn default() -> Self {
        Self {
            kind: BackendKind::Ollama,
            host: None,
            api_key_env: "OPENAI_API_KEY".to_owned(),
            timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(5),
            retries: 3,
            logprobs: false,
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
        }
    }
}

impl BackendConfig {
    /// The defaults for the protocol `kind`.
    pub fn new(kind: BackendKind) -> Self {
        Self {
            kind,
            ..Self::default()
        }
    }
}

/// A connection to one model server. Clones share the HTTP client and its connection pool.
#[derive(Debug, Clone)]
pub struct Backend {
    shared: Arc<Shared>,
}

impl Backend {
    /// Resolves the base URL and API key from the process environment and builds the client.
    pub fn new(cfg: BackendConfig) -> Result<Backend, BackendError> {
        Self::with_env(cfg, |name| std::env::var(name).ok())
    }

    /// Like [`Backend::new`] with an explicit environment lookup (used by tests).
    pub fn with_env(
        cfg: BackendConfig,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Backend, BackendError> {
        let flag = cfg.host.as_deref().map(str::trim).filter(|h| !h.is_empty());
        let variable = cfg.kind.host_env_var();
        let raw = flag
            .map(str::to_owned)
            .or_else(|| env(variable).filter(|v| !v.trim().is_empty()));
        // User info and query never reach the resolvers, messages or files: they are sent
        // with every request and shown nowhere.
        let (raw, secrets) = match raw.as_deref() {
            Some(raw) => {
                let (stripped, secrets) = endpoint::split_secrets(raw);
                (Some(stripped), secrets)
            }
            None => (None, endpoint::Secrets::default()),
        };
        let base = match cfg.kind {
            BackendKind::Ollama => resolve_ollama_host(raw.as_deref())
                .trim_end_matches('/')
                .to_owned(),
            BackendKind::Openai => resolve_openai_base(raw.as_deref(), None)?,
        };
        // Ollama never gets the key: OPENAI_API_KEY must not leak to another host.
        let api_key = match cfg.kind {
            BackendKind::Openai => env(&cfg.api_key_env)
                .filter(|k| !k.trim().is_empty())
                .map(|k| ApiKey::new(&k, &cfg.api_key_env))
                .transpose()?,
            BackendKind::Ollama => None,
        };
        // reqwest is built without a default rustls provider; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.timeout)
            .user_agent(concat!("squint/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BackendError::Config {
                message: format!("cannot set up the HTTP client: {e}"),
            })?;
        if api_key.is_some() && secrets.userinfo.is_some() {
            tracing::warn!(host = %base, "the URL's user info is not sent: the API key is the one Authorization header");
        }
        tracing::debug!(kind = ?cfg.kind, host = %base, api_key = api_key.is_some(), "backend ready");
        let shared = Shared {
            kind: cfg.kind,
            base,
            secrets,
            max_answer: cfg.max_answer_bytes.max(1),
            client,
            api_key,
            api_key_env: cfg.api_key_env,
            timeout: cfg.timeout,
            retries: cfg.retries,
            logprobs: cfg.logprobs,
            predates_logprobs: AtomicBool::new(false),
            bodies: body::BodyMemo::default(),
            endpoints: std::sync::Mutex::new(Vec::new()),
        };
        Ok(Backend {
            shared: Arc::new(shared),
        })
    }

    /// The protocol.
    pub fn kind(&self) -> BackendKind {
        self.shared.kind
    }

    /// The resolved base URL (e.g. `http://127.0.0.1:11434` or `http://host:8080/v1`) without
    /// user info or query string: safe to print and store.
    pub fn host(&self) -> &str {
        &self.shared.base
    }

    /// Checks that the server answers, the model exists and (Ollama) takes images.
    pub async fn preflight(&self, model: &str) -> Result<ModelInfo, BackendError> {
        match self.shared.kind {
            BackendKind::Ollama => ollama_models::preflight(&self.shared, model).await,
            BackendKind::Openai => openai_models::preflight(&self.shared, model).await,
        }
    }

    /// Lists the models the server offers.
    pub async fn list_models(&self) -> Result<Vec<ModelEntry>, BackendError> {
        match self.shared.kind {
            BackendKind::Ollama => ollama_models::list_models(&self.shared).await,
            BackendKind::Openai => openai_models::list_models(&self.shared).await,
        }
    }

    /// One streamed attempt; `on_token` gets every non-empty piece of answer text.
    pub async fn classify(
        &self,
        req: &ClassifyRequest,
        on_token: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, BackendError> {
        match self.shared.kind {
            BackendKind::Ollama => ollama::classify(&self.shared, req, on_token).await,
            BackendKind::Openai => openai::classify(&self.shared, req, on_token).await,
        }
    }

    /// Decodes a recorded response body, split into `chunks` as it arrived, exactly as a live
    /// answer stream of this backend's protocol (NDJSON or SSE): the same decoder, size caps
    /// and errors. Sends nothing; for the fuzz targets and tests.
    pub async fn decode_recorded(
        &self,
        chunks: Vec<bytes::Bytes>,
    ) -> Result<Completion, BackendError> {
        let body = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, reqwest::Error>));
        let mut ignore = |_: &str| {};
        match self.shared.kind {
            BackendKind::Ollama => ollama::read_stream(&self.shared, body, &mut ignore).await,
            BackendKind::Openai => openai::read_events(&self.shared, body, &mut ignore).await,
        }
    }

    /// Classifies with retries per [`RetryPolicy`]; before each new attempt `on_token` gets
    /// [`TokenEvent::Retrying`] so the UI can drop the text streamed so far.
    pub async fn classify_with_retry(
        &self,
        req: &ClassifyRequest,
        on_token: &mut (dyn FnMut(TokenEvent<'_>) + Send),
    ) -> Attempted {
        let policy = RetryPolicy::new(self.shared.retries);
        let mut attempt = 1;
        loop {
            let result = {
                let mut forward = |piece: &str| on_token(TokenEvent::Token(piece));
                self.classify(req, &mut forward).await
            };
            let error = match result {
                Ok(completion) => {
                    return Attempted {
                        result: Ok(completion),
                        attempts: attempt,
                    };
                }
                Err(error) => error,
            };
            let Some(wait) = policy.after_failure(attempt, &error, rand::random::<f64>()) else {
                return Attempted {
                    result: Err(error),
                    attempts: attempt,
                };
            };
            tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, %error, "request failed, retrying");
            attempt += 1;
            on_token(TokenEvent::Retrying {
                attempt,
                error: &error,
                wait,
            });
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn ollama_host_from_flag_then_env_then_default() {
        let mut cfg = BackendConfig::new(BackendKind::Ollama);
        let b = Backend::with_env(cfg.clone(), env_of(&[])).ok();
        assert_eq!(
            b.as_ref().map(Backend::host),
            Some("http://127.0.0.1:11434")
        );
        let b = Backend::with_env(cfg.clone(), env_of(&[("OLLAMA_HOST", "0.0.0.0:9999")])).ok();
        assert_eq!(b.as_ref().map(Backend::host), Some("http://127.0.0.1:9999"));
        cfg.host = Some("http://gpu-box:11434/".into());
        let b = Backend::with_env(cfg, env_of(&[("OLLAMA_HOST", "0.0.0.0:9999")])).ok();
        assert_eq!(b.as_ref().map(Backend::host), Some("http://gpu-box:11434"));
    }

    #[test]
    fn openai_needs_a_base_url_and_hides_the_key() {
        let cfg = BackendConfig::new(BackendKind::Openai);
        let err = Backend::with_env(cfg.clone(), env_of(&[])).err();
        assert!(matches!(err, Some(BackendError::Config { .. })), "{err:?}");
        let env = env_of(&[
            ("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1/"),
            ("OPENAI_API_KEY", "sk-topsecret"),
        ]);
        let backend = Backend::with_env(cfg, env);
        let text = format!("{backend:?}");
        assert!(!text.contains("sk-topsecret"), "{text}");
        assert_eq!(
            backend.as_ref().ok().map(Backend::host),
            Some("http://127.0.0.1:8080/v1")
        );
    }
}
