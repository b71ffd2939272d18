//! Typed backend errors, their retry/fatal classification, and parsing of server error bodies.
//! Every message names the server and says what to do. Never put an API key in a message.

use std::time::Duration;

use serde_json::Value;

use crate::domain::result::{ErrorKind, ItemError};

/// Everything that can go wrong talking to a model server.
///
/// Messages are stored as `String`s so the error is `Clone` and can travel in run events.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BackendError {
    /// The backend could not be configured (bad host, missing base URL, TLS setup).
    #[error("{message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Nothing answered at the host (connection refused, DNS failure, connect timeout).
    #[error("cannot reach the model server at {host} ({detail}); {hint}")]
    Unreachable {
        /// Base URL that was tried.
        host: String,
        /// What the network layer said.
        detail: String,
        /// What to do about it, depending on the backend.
        hint: String,
    },
    /// The connection broke while sending the request or waiting for the response head.
    #[error("network error talking to {host}: {detail}")]
    Network {
        /// Base URL of the server.
        host: String,
        /// What the network layer said.
        detail: String,
    },
    /// The request (including the whole answer stream) took longer than `--timeout`.
    #[error(
        "{host} did not finish answering within {secs:.0} s; raise --timeout or lower --concurrency"
    )]
    Timeout {
        /// Base URL of the server.
        host: String,
        /// The configured timeout in seconds.
        secs: f64,
    },
    /// The server answered with an unexpected HTTP status.
    #[error("{host} answered HTTP {status}: {message}{}", status_hint(*.status))]
    Http {
        /// Base URL of the server.
        host: String,
        /// HTTP status code.
        status: u16,
        /// The server's error message (parsed from its JSON body when possible).
        message: String,
    },
    /// HTTP 429 or 503 with a `Retry-After` header: retried, no sooner than asked.
    #[error("{host} answered HTTP {status}: {message}{}; it asked to wait {:.1} s", status_hint(*.status), *.retry_after_ms as f64 / 1000.0)]
    Throttled {
        /// Base URL of the server.
        host: String,
        /// HTTP status code (429 or 503).
        status: u16,
        /// The server's error message.
        message: String,
        /// The wait the server asked for, in milliseconds.
        retry_after_ms: u64,
    },
    /// The server does not know the model.
    #[error("model '{model}' not found on {host}: {hint}")]
    ModelNotFound {
        /// Base URL of the server.
        host: String,
        /// The model name that was asked for.
        model: String,
        /// What to do, e.g. "run `ollama pull llava`".
        hint: String,
    },
    /// The model cannot see images.
    #[error(
        "model '{model}' on {host} has no vision support ({detail}); pick a vision model (see `squint models`)"
    )]
    NotVision {
        /// Base URL of the server.
        host: String,
        /// The model name.
        model: String,
        /// Why we think so.
        detail: String,
    },
    /// The server rejected the credentials.
    #[error(
        "{host} rejected the API key (HTTP {status}: {message}); set {env_var} to a valid key or pass --api-key-env NAME"
    )]
    Auth {
        /// Base URL of the server.
        host: String,
        /// HTTP status (401 or 403).
        status: u16,
        /// The server's error message.
        message: String,
        /// Name of the environment variable the key is read from.
        env_var: String,
    },
    /// An Ollama server (or an authenticating proxy in front of it) refused the request.
    #[error(
        "{host} refused the request (HTTP {status}: {message}); the server or a proxy in front of it wants credentials: put them in the URL (--host http://USER:PASSWORD@HOST) or ask its administrator"
    )]
    Denied {
        /// Base URL of the server.
        host: String,
        /// HTTP status (401 or 403).
        status: u16,
        /// The server's error message.
        message: String,
    },
    /// The server reported an error inside an already started (HTTP 200) stream.
    #[error("{host} failed while generating: {message}")]
    MidStream {
        /// Base URL of the server.
        host: String,
        /// The error the server sent.
        message: String,
    },
    /// The answer stream ended before the server said it was done.
    #[error(
        "the answer stream from {host} ended early ({detail}); the server may have crashed or restarted"
    )]
    CutStream {
        /// Base URL of the server.
        host: String,
        /// What was observed.
        detail: String,
    },
    /// The answer passed `--max-answer-bytes`; reading stopped there.
    #[error(
        "the answer from {host} is longer than {limit} bytes; stopped reading (raise --max-answer-bytes, or limit the answer with num_predict / max_tokens in the template)"
    )]
    AnswerTooLong {
        /// Base URL of the server.
        host: String,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The server sent something that is not the expected protocol.
    #[error("unexpected response from {host}: {detail}; is --backend right for this server?")]
    BadResponse {
        /// Base URL of the server.
        host: String,
        /// What could not be understood.
        detail: String,
    },
}

fn status_hint(status: u16) -> &'static str {
    match status {
        429 => " (rate limited; lower --concurrency)",
        503 => " (server busy or queue full; lower --concurrency)",
        500..=599 => " (server error; check the server's log)",
        400 => {
            " (the server rejected the request; check --model, the template options and the server version)"
        }
        _ => "",
    }
}

impl BackendError {
    /// True when trying the same request again may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable { .. }
            | Self::Network { .. }
            | Self::Timeout { .. }
            | Self::MidStream { .. }
            | Self::CutStream { .. }
            | Self::BadResponse { .. } => true,
            Self::Http { status, .. } => *status == 429 || (500..=599).contains(status),
            Self::Throttled { .. } => true,
            Self::Config { .. }
            | Self::ModelNotFound { .. }
            | Self::NotVision { .. }
            | Self::Auth { .. }
            | Self::Denied { .. }
            | Self::AnswerTooLong { .. } => false,
        }
    }

    /// True when every further request would fail the same way: the engine stops the run.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Self::Config { .. }
                | Self::Unreachable { .. }
                | Self::ModelNotFound { .. }
                | Self::NotVision { .. }
                | Self::Auth { .. }
                | Self::Denied { .. }
        )
    }

    /// True when the server itself failed (unreachable, the connection broke, too slow, an
    /// HTTP 5xx other than a busy server's `Retry-After`), not the request or its answer: with
    /// several servers, this one is taken out of rotation and the item asked elsewhere.
    pub fn is_server_failure(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::Network { .. } | Self::Timeout { .. } => true,
            Self::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// Which kind of failure this is, for consumers that must tell them apart.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Config { .. } => ErrorKind::Config,
            Self::Unreachable { .. } => ErrorKind::Unreachable,
            Self::Network { .. } => ErrorKind::Network,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Http { .. } | Self::Throttled { .. } | Self::MidStream { .. } => {
                ErrorKind::Server
            }
            Self::ModelNotFound { .. } | Self::NotVision { .. } => ErrorKind::Model,
            Self::Auth { .. } | Self::Denied { .. } => ErrorKind::Auth,
            Self::CutStream { .. } | Self::BadResponse { .. } | Self::AnswerTooLong { .. } => {
                ErrorKind::BadAnswer
            }
        }
    }

    /// The error with its kind, as the engine hands it on.
    pub fn to_item_error(&self) -> ItemError {
        ItemError::new(self.kind(), self.to_string())
    }

    /// The wait a server asked for with `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { retry_after_ms, .. } => Some(Duration::from_millis(*retry_after_ms)),
            _ => None,
        }
    }

    /// Builds a `Timeout` from the configured duration.
    pub(crate) fn timeout(host: &str, after: Duration) -> Self {
        Self::Timeout {
            host: host.to_owned(),
            secs: after.as_secs_f64(),
        }
    }
}

/// Longest server message kept in an error.
const MAX_MESSAGE: usize = 300;

/// Extracts the human message from an error body in any of the shapes servers use:
/// OpenAI/llama.cpp `{"error":{"message":...}}`, Ollama `{"error":"..."}`, vLLM
/// `{"object":"error","message":...}`. Anything else is returned as (shortened) text.
pub fn parse_error_body(body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| message_from_value(&v))
        .or_else(|| html_title(body))
        .unwrap_or_else(|| body.trim().to_owned());
    let message = if message.is_empty() {
        "no error message".to_owned()
    } else {
        message
    };
    shorten(&message)
}

/// The message of an error JSON value, if it has one of the known shapes.
pub(crate) fn message_from_value(v: &Value) -> Option<String> {
    match v.get("error") {
        Some(Value::String(s)) => return Some(s.clone()),
        Some(Value::Object(o)) => {
            return Some(match o.get("message") {
                Some(Value::String(s)) => s.clone(),
                _ => Value::Object(o.clone()).to_string(),
            });
        }
        Some(other) if !other.is_null() => return Some(other.to_string()),
        _ => {}
    }
    if v.get("object").and_then(Value::as_str) == Some("error") {
        return v.get("message").and_then(Value::as_str).map(str::to_owned);
    }
    None
}

/// The `<title>` of an HTML error page (what proxies such as nginx send), e.g. `401
/// Authorization Required`.
fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    if !lower.trim_start().starts_with('<') {
        return None;
    }
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    let title = body.get(start..end)?.trim();
    (!title.is_empty()).then(|| format!("{title} (an HTML page, likely from a proxy)"))
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(MAX_MESSAGE) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_error_body_shape() {
        let cases = [
            (
                r#"{"error":{"message":"bad model","type":"invalid_request_error","param":null,"code":null}}"#,
                "bad model",
            ),
            (r#"{"error":"model 'x' not found"}"#, "model 'x' not found"),
            (
                r#"{"object":"error","message":"x is not a multimodal model None","type":"BadRequestError","param":null,"code":400}"#,
                "x is not a multimodal model None",
            ),
            (
                r#"{"error":{"code":503,"type":"unavailable_error"}}"#,
                r#"{"code":503,"type":"unavailable_error"}"#,
            ),
            ("404 page not found", "404 page not found"),
            ("  ", "no error message"),
            (r#"{"detail":"nope"}"#, r#"{"detail":"nope"}"#),
            (
                "<html>\r\n<head><title>401 Authorization Required</title></head><body>nginx</body></html>",
                "401 Authorization Required (an HTML page, likely from a proxy)",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(parse_error_body(body), want, "body {body}");
        }
    }

    #[test]
    fn long_bodies_are_shortened() {
        let body = "x".repeat(1000);
        let got = parse_error_body(&body);
        assert_eq!(got.chars().count(), MAX_MESSAGE + 1);
        assert!(got.ends_with('…'));
    }

    #[test]
    fn retryable_and_fatal_classification() {
        let h = || "http://h:1".to_owned();
        let http = |status| BackendError::Http {
            host: h(),
            status,
            message: String::new(),
        };
        let cases: Vec<(BackendError, bool, bool)> = vec![
            (
                BackendError::Unreachable {
                    host: h(),
                    detail: String::new(),
                    hint: String::new(),
                },
                true,
                true,
            ),
            (
                BackendError::Network {
                    host: h(),
                    detail: String::new(),
                },
                true,
                false,
            ),
            (
                BackendError::timeout("h", Duration::from_secs(1)),
                true,
                false,
            ),
            (http(500), true, false),
            (http(503), true, false),
            (http(429), true, false),
            (http(400), false, false),
            (http(404), false, false),
            (
                BackendError::ModelNotFound {
                    host: h(),
                    model: "m".into(),
                    hint: String::new(),
                },
                false,
                true,
            ),
            (
                BackendError::NotVision {
                    host: h(),
                    model: "m".into(),
                    detail: String::new(),
                },
                false,
                true,
            ),
            (
                BackendError::Auth {
                    host: h(),
                    status: 401,
                    message: String::new(),
                    env_var: "K".into(),
                },
                false,
                true,
            ),
            (
                BackendError::MidStream {
                    host: h(),
                    message: String::new(),
                },
                true,
                false,
            ),
            (
                BackendError::CutStream {
                    host: h(),
                    detail: String::new(),
                },
                true,
                false,
            ),
            (
                BackendError::BadResponse {
                    host: h(),
                    detail: String::new(),
                },
                true,
                false,
            ),
            (
                BackendError::Config {
                    message: String::new(),
                },
                false,
                true,
            ),
        ];
        for (err, retry, fatal) in cases {
            assert_eq!(err.is_retryable(), retry, "{err:?}");
            assert_eq!(err.is_fatal(), fatal, "{err:?}");
        }
    }

    #[test]
    fn messages_name_the_host_and_what_to_do() {
        let err = BackendError::Auth {
            host: "http://h:1/v1".into(),
            status: 401,
            message: "bad key".into(),
            env_var: "MY_KEY".into(),
        };
        let text = err.to_string();
        assert!(
            text.contains("http://h:1/v1") && text.contains("MY_KEY"),
            "{text}"
        );
        let text = BackendError::Http {
            host: "http://h".into(),
            status: 503,
            message: "queue full".into(),
        }
        .to_string();
        assert!(text.contains("lower --concurrency"), "{text}");
    }
}
