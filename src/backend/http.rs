//! State shared by both protocols (one reqwest client, base URL, API key) and the mapping of
//! transport failures to `BackendError`. Never logs, prints or formats the API key.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{RequestBuilder, Response, StatusCode};

use super::BackendKind;
use super::error::{BackendError, parse_error_body};

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
    /// Base URL without trailing slash.
    pub base: String,
    /// The one HTTP client (connection pool) of the process.
    pub client: reqwest::Client,
    /// Bearer token, OpenAI-compatible servers only.
    pub api_key: Option<ApiKey>,
    /// Name of the variable the key comes from (for messages).
    pub api_key_env: String,
    /// Whole-request timeout (for messages).
    pub timeout: Duration,
    /// Attempts per request.
    pub retries: u32,
    /// `--logprobs` (OpenAI-compatible only).
    pub logprobs: bool,
    /// Ollama server version learnt in preflight.
    pub server_version: Mutex<Option<String>>,
}

impl Shared {
    /// Full URL of an endpoint path such as `/api/chat`.
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Adds the bearer token (when there is one) and sends the request.
    pub(super) async fn send(&self, builder: RequestBuilder) -> Result<Response, BackendError> {
        let builder = match &self.api_key {
            Some(key) => builder.header(AUTHORIZATION, key.0.clone()),
            None => builder,
        };
        builder.send().await.map_err(|e| self.transport_error(&e))
    }

    /// Maps a reqwest failure to the matching `BackendError`.
    pub(super) fn transport_error(&self, err: &reqwest::Error) -> BackendError {
        let detail = error_chain(err);
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
            detail: err.to_string(),
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
        let body = resp.text().await.unwrap_or_default();
        (status, parse_error_body(&body))
    }

    fn unreachable_hint(&self) -> &'static str {
        match self.kind {
            BackendKind::Ollama => "start it with `ollama serve`, or set OLLAMA_HOST / --host",
            BackendKind::Openai => "start the server, or check --host / OPENAI_BASE_URL",
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
