//! State shared by both protocols (one reqwest client, base URL, API key) and the mapping of
//! transport failures to `BackendError`. Never logs, prints or formats the API key.

use std::error::Error as StdError;
use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{RequestBuilder, Response, StatusCode};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use super::BackendKind;
use super::body::BodyMemo;
use super::endpoint::Secrets;
use super::error::{BackendError, parse_error_body};

/// Longest error body read from a failed response; the rest is not read.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Longest non-streamed JSON body (model lists, model facts) read from a server.
pub(crate) const MAX_JSON_BODY: usize = 16 * 1024 * 1024;

/// An `Authorization: Bearer ...` header value, marked sensitive. Its `Debug` is redacted.
#[derive(Clone)]
pub(crate) struct ApiKey(HeaderValue);

impl ApiKey {
    /// Builds the bearer header from a key read from `env_var`.
    pub(crate) fn new(key: &str, env_var: &str) -> Result<Self, BackendError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", key.trim())).map_err(|_| BackendError::Config {
            message: format!("the API key in ${env_var} contains characters not allowed in an HTTP header; check the variable"),
        })?;
        value.set_sensitive(true);
        Ok(Self(value))
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Everything a protocol module needs to talk to the server.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Which protocol.
    pub kind: BackendKind,
    /// Base URL without trailing slash, user info or query: the form shown in every message.
    pub base: String,
    /// User info and query taken out of the configured URL (sent, never shown).
    pub secrets: Secrets,
    /// The one HTTP client (connection pool) of the process.
    pub client: reqwest::Client,
    /// Bearer token (OpenAI-compatible servers only), else `Basic` from the URL's user info:
    /// exactly one `Authorization` header, never two.
    pub api_key: Option<ApiKey>,
    /// Name of the variable the key comes from (for messages).
    pub api_key_env: String,
    /// Whole-request timeout (for messages).
    pub timeout: Duration,
    /// Attempts per request.
    pub retries: u32,
    /// `--logprobs` (OpenAI-compatible only).
    pub logprobs: bool,
    /// Longest answer text accepted (`--max-answer-bytes`); reading stops there.
    pub max_answer: usize,
    /// Set in preflight when the Ollama server's version predates logprobs (asked for
    /// otherwise, as a server of unknown version may have them).
    pub predates_logprobs: AtomicBool,
    /// The JSON around the image of the last request shape sent.
    pub bodies: BodyMemo,
    /// Endpoint URLs asked once per image, parsed once (see [`Shared::post`]).
    pub endpoints: Mutex<Vec<(&'static str, reqwest::Url)>>,
}

impl Shared {
    /// Full URL of an endpoint path such as `/api/chat`, with the configured query string.
    pub(super) fn url(&self, path: &str) -> String {
        self.secrets.with_query(format!("{}{}", self.base, path))
    }

    /// A POST to the endpoint at `path` (see [`Shared::url`]), its URL parsed once per run
    /// instead of once per request.
    pub(super) fn post(&self, path: &'static str) -> RequestBuilder {
        let mut parsed = self
            .endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, url)) = parsed.iter().find(|(known, _)| *known == path) {
            return self.client.post(url.clone());
        }
        let text = self.url(path);
        match reqwest::Url::parse(&text) {
            Ok(url) => {
                parsed.push((path, url.clone()));
                self.client.post(url)
            }
            // reqwest names the bad URL when the request is sent, as it always did.
            Err(_) => self.client.post(text),
        }
    }

    /// Full URL of a path at the server's root (the base URL without a trailing `/v1`), for
    /// endpoints some OpenAI-compatible servers add there (`/model/info`, `/api/v0/models`).
    pub(super) fn root_url(&self, path: &str) -> String {
        let root = self.base.strip_suffix("/v1").unwrap_or(&self.base);
        self.secrets.with_query(format!("{root}{path}"))
    }

    /// Most bytes one streamed answer may take on the wire (tokens come wrapped in JSON and
    /// logprobs): past this the stream is dropped, however the server behaves.
    pub(super) fn max_stream_bytes(&self) -> u64 {
        (self.max_answer as u64)
            .saturating_mul(256)
            .max(4 * 1024 * 1024)
    }

    /// The error for an answer that passed `--max-answer-bytes` (or its wire budget).
    pub(super) fn too_long(&self) -> BackendError {
        BackendError::AnswerTooLong {
            host: self.base.clone(),
            limit: self.max_answer,
        }
    }

    /// A response body as a stream of chunks that fails with [`BodyError::TooLong`] once more
    /// than [`Shared::max_stream_bytes`] arrived, so nothing downstream can grow without bound.
    pub(super) fn capped<S>(
        &self,
        body: S,
    ) -> impl Stream<Item = Result<Bytes, BodyError>> + Send + 'static
    where
        S: Stream<Item = Result<Bytes, reqwest::Error>> + Send + 'static,
    {
        let limit = self.max_stream_bytes();
        let mut seen = 0u64;
        body.map(move |chunk| {
            let chunk = chunk.map_err(BodyError::Transport)?;
            seen = seen.saturating_add(chunk.len() as u64);
            if seen > limit {
                return Err(BodyError::TooLong);
            }
            Ok(chunk)
        })
    }

    /// Reads a whole (non-streamed) body, refusing more than `limit` bytes.
    pub(super) async fn read_capped(
        &self,
        resp: Response,
        limit: usize,
    ) -> Result<Vec<u8>, BackendError> {
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.transport_error(&e))?;
            if body.len() + chunk.len() > limit {
                return Err(self.bad_response(format!(
                    "the response is longer than {limit} bytes; stopped reading"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Reads and decodes a JSON body of at most [`MAX_JSON_BODY`] bytes; `what` names the
    /// endpoint in messages.
    pub(super) async fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        resp: Response,
        what: &str,
    ) -> Result<T, BackendError> {
        let body = self.read_capped(resp, MAX_JSON_BODY).await?;
        serde_json::from_slice(&body).map_err(|e| self.bad_response(format!("{what}: {e}")))
    }

    /// Adds the bearer token (when there is one) and sends the request.
    pub(super) async fn send(&self, builder: RequestBuilder) -> Result<Response, BackendError> {
        let builder = match (&self.api_key, self.secrets.basic_auth()) {
            (Some(key), _) => builder.header(AUTHORIZATION, key.0.clone()),
            (None, Some(basic)) => match HeaderValue::from_str(&basic) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    builder.header(AUTHORIZATION, value)
                }
                Err(_) => builder,
            },
            (None, None) => builder,
        };
        builder.send().await.map_err(|e| self.transport_error(&e))
    }

    /// Maps a reqwest failure to the matching `BackendError`.
    pub(super) fn transport_error(&self, err: &reqwest::Error) -> BackendError {
        let detail = self.secrets.redact(&error_chain(err));
        if err.is_timeout() {
            BackendError::timeout(&self.base, self.timeout)
        } else if err.is_connect() {
            BackendError::Unreachable {
                host: self.base.clone(),
                detail,
                hint: self.unreachable_hint().to_owned(),
            }
        } else if err.is_body() || err.is_decode() {
            BackendError::CutStream {
                host: self.base.clone(),
                detail,
            }
        } else {
            BackendError::Network {
                host: self.base.clone(),
                detail,
            }
        }
    }

    /// Maps an IO error raised while reading a streamed body.
    pub(super) fn stream_io_error(&self, err: &std::io::Error) -> BackendError {
        if let Some(inner) = err.get_ref().and_then(|e| e.downcast_ref::<BodyError>()) {
            return self.body_error(inner);
        }
        if let Some(inner) = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<reqwest::Error>())
        {
            return self.transport_error(inner);
        }
        if err.kind() == std::io::ErrorKind::InvalidData {
            return self.bad_response(format!("stream is not valid UTF-8 ({err})"));
        }
        BackendError::CutStream {
            host: self.base.clone(),
            detail: self.secrets.redact(&err.to_string()),
        }
    }

    /// Maps a failure of [`Shared::capped_stream`].
    pub(super) fn body_error(&self, err: &BodyError) -> BackendError {
        match err {
            BodyError::Transport(e) => self.transport_error(e),
            BodyError::TooLong => self.too_long(),
        }
    }

    /// A `BadResponse` for this host.
    pub(super) fn bad_response(&self, detail: String) -> BackendError {
        BackendError::BadResponse {
            host: self.base.clone(),
            detail,
        }
    }

    /// Reads a non-success response and returns its status and parsed error message.
    pub(super) async fn error_message(&self, resp: Response) -> (StatusCode, String) {
        let status = resp.status();
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(Ok(chunk)) = stream.next().await {
            let room = MAX_ERROR_BODY.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= MAX_ERROR_BODY {
                break;
            }
        }
        let text = String::from_utf8_lossy(&body);
        (status, self.secrets.redact(&parse_error_body(&text)))
    }

    /// A `Throttled` error for a 429 or 503 that carried a readable `Retry-After`.
    pub(super) fn throttled(
        &self,
        status: u16,
        message: &str,
        retry_after: Option<Duration>,
    ) -> Option<BackendError> {
        let after = retry_after.filter(|_| status == 429 || status == 503)?;
        Some(BackendError::Throttled {
            host: self.base.clone(),
            status,
            message: message.to_owned(),
            retry_after_ms: u64::try_from(after.as_millis()).unwrap_or(u64::MAX),
        })
    }

    fn unreachable_hint(&self) -> &'static str {
        match self.kind {
            BackendKind::Ollama => "start it with `ollama serve`, or set OLLAMA_HOST / --host",
            BackendKind::Openai => "start the server, or check --host / OPENAI_BASE_URL",
        }
    }
}

/// The wait a response's `Retry-After` header asks for, if it has a readable one.
pub(crate) fn retry_after(resp: &Response) -> Option<Duration> {
    let value = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    super::retry::parse_retry_after(value, std::time::SystemTime::now())
}

/// Why reading a capped response stream stopped.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The connection failed.
    Transport(reqwest::Error),
    /// More bytes arrived than one answer may take.
    TooLong,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "{e}"),
            Self::TooLong => f.write_str("the answer stream is longer than allowed"),
        }
    }
}

impl StdError for BodyError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::TooLong => None,
        }
    }
}

/// An error and its sources joined with ": " (reqwest's own message is terse).
pub(crate) fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Cuts long protocol lines for error messages.
pub(crate) fn excerpt(line: &str) -> String {
    const MAX: usize = 120;
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_debug_is_redacted() {
        let key = ApiKey::new("sk-secret-123", "OPENAI_API_KEY").ok();
        let text = format!("{key:?}");
        assert!(!text.contains("sk-secret"), "{text}");
        assert!(text.contains("redacted"));
    }

    #[test]
    fn api_key_with_newline_is_a_config_error() {
        let err = ApiKey::new("a\nb", "MY_KEY")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("$MY_KEY") && !err.contains("a\nb"), "{err}");
    }

    #[test]
    fn excerpt_cuts_on_char_boundary() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(200);
        assert_eq!(excerpt(&long).chars().count(), 121);
    }
}
