//! Ollama native chat: builds the `POST /api/chat` body and reads the NDJSON answer stream.
//! One attempt only (retries live in `mod.rs`). Never sends the API key to Ollama and never
//! logs image data.

use futures_util::StreamExt;
use std::sync::atomic::Ordering;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};
use tokio_util::io::StreamReader;

use super::body;
use super::error::{BackendError, message_from_value};
use super::http::{Shared, excerpt, retry_after};
use super::logprobs::WireLogprob;
use super::types::{ClassifyRequest, Completion, label_schema};
use crate::domain::template::GenOptions;

/// Longest NDJSON line accepted (a line carries one token plus its logprobs).
const MAX_LINE: usize = 1024 * 1024;
/// Alternatives asked for per token.
const TOP_LOGPROBS: u32 = 5;

/// One NDJSON line of `/api/chat`.
#[derive(Debug, Deserialize)]
struct ChatChunk {
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    message: Option<ChunkMessage>,
    #[serde(default)]
    done: bool,
    done_reason: Option<String>,
    eval_count: Option<u64>,
    prompt_eval_count: Option<u64>,
    eval_duration: Option<u64>,
    total_duration: Option<u64>,
    #[serde(default)]
    logprobs: Option<Vec<WireLogprob>>,
}

#[derive(Debug, Deserialize)]
struct ChunkMessage {
    #[serde(default)]
    content: Option<String>,
}

#[cfg(test)]
/// The JSON body of `POST /api/chat` for one classification, the image inlined.
pub(crate) fn chat_body(req: &ClassifyRequest, logprobs: bool) -> Value {
    chat_body_with(
        req,
        logprobs,
        &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &req.image.bytes),
    )
}

/// The body with `image` as the image's base64 text (or [`body::IMAGE_SLOT`]).
fn chat_body_with(req: &ClassifyRequest, logprobs: bool, image: &str) -> Value {
    let mut messages = Vec::with_capacity(2);
    if let Some(system) = &req.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    messages.push(json!({
        "role": "user",
        "content": req.prompt,
        "images": [image],
    }));
    let mut body = json!({
        "model": req.model,
        "messages": messages,
        "stream": true,
        "think": false,
    });
    let options = options_map(&req.options);
    if !options.is_empty() {
        body["options"] = Value::Object(options);
    }
    if let Some(labels) = &req.constrained_labels {
        body["format"] = label_schema(labels, false);
    }
    if logprobs {
        body["logprobs"] = Value::Bool(true);
        body["top_logprobs"] = json!(TOP_LOGPROBS);
    }
    body
}

/// Ollama `options`: only the options that are set, under Ollama's names.
fn options_map(o: &GenOptions) -> Map<String, Value> {
    let mut map = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(v) = value {
            map.insert(key.to_owned(), v);
        }
    };
    put("temperature", o.temperature.map(Value::from));
    put("seed", o.seed.map(Value::from));
    put("num_predict", o.num_predict.map(Value::from));
    put("top_k", o.top_k.map(Value::from));
    put("top_p", o.top_p.map(Value::from));
    put("num_ctx", o.num_ctx.map(Value::from));
    map
}

/// Sends one chat request and streams the answer, calling `on_token` per non-empty piece.
pub(crate) async fn classify(
    shared: &Shared,
    req: &ClassifyRequest,
    on_token: &mut (dyn FnMut(&str) + Send),
) -> Result<Completion, BackendError> {
    let logprobs = req.logprobs && !shared.predates_logprobs.load(Ordering::Relaxed);
    let body = shared.bodies.body(req, logprobs, || {
        chat_body_with(req, logprobs, body::IMAGE_SLOT)
    });
    tracing::debug!(host = %shared.base, model = %req.model, logprobs, "POST /api/chat");
    let resp = shared.send(body.attach(shared.post("/api/chat"))).await?;
    if !resp.status().is_success() {
        let wait = retry_after(&resp);
        let (status, message) = shared.error_message(resp).await;
        let status = status.as_u16();
        return Err(shared
            .throttled(status, &message, wait)
            .unwrap_or_else(|| status_error(shared, status, message, &req.model)));
    }
    read_stream(shared, resp.bytes_stream(), on_token).await
}

/// Reads an NDJSON answer stream (live or recorded) into a completion, calling `on_token` per
/// non-empty piece; the size caps apply.
pub(super) async fn read_stream<S>(
    shared: &Shared,
    body: S,
    on_token: &mut (dyn FnMut(&str) + Send),
) -> Result<Completion, BackendError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, reqwest::Error>> + Send + 'static,
{
    let reader = StreamReader::new(Box::pin(
        shared
            .capped(body)
            .map(|r| r.map_err(std::io::Error::other)),
    ));
    let mut lines = FramedRead::new(reader, LinesCodec::new_with_max_length(MAX_LINE));
    let mut completion = Completion::default();
    while let Some(line) = lines.next().await {
        let line = line.map_err(|e| match e {
            LinesCodecError::Io(io) => shared.stream_io_error(&io),
            LinesCodecError::MaxLineLengthExceeded => {
                shared.bad_response("stream line too long".to_owned())
            }
        })?;
        if line.trim().is_empty() {
            continue;
        }
        if apply_line(shared, &line, &mut completion, on_token)? {
            return Ok(completion);
        }
    }
    Err(BackendError::CutStream {
        host: shared.base.clone(),
        detail: "the stream closed without a final `\"done\": true` line".to_owned(),
    })
}

/// Applies one NDJSON line; `Ok(true)` when it was the final `done` line.
fn apply_line(
    shared: &Shared,
    line: &str,
    completion: &mut Completion,
    on_token: &mut (dyn FnMut(&str) + Send),
) -> Result<bool, BackendError> {
    let chunk: ChatChunk = serde_json::from_str(line).map_err(|e| {
        shared.bad_response(format!("unparseable stream line ({e}): {}", excerpt(line)))
    })?;
    if let Some(err) = chunk.error.filter(|e| !e.is_null()) {
        let message = message_from_value(&json!({"error": err})).unwrap_or_default();
        return Err(BackendError::MidStream {
            host: shared.base.clone(),
            message,
        });
    }
    if let Some(piece) = chunk
        .message
        .and_then(|m| m.content)
        .filter(|c| !c.is_empty())
    {
        completion
            .push_piece(&piece, shared.max_answer, on_token)
            .map_err(|()| shared.too_long())?;
    }
    completion.push_logprobs(chunk.logprobs.unwrap_or_default());
    if chunk.done {
        completion.done_reason = chunk.done_reason;
        completion.eval_count = chunk.eval_count;
        completion.prompt_eval_count = chunk.prompt_eval_count;
        completion.eval_duration_ns = chunk.eval_duration;
        completion.total_duration_ns = chunk.total_duration;
    }
    Ok(chunk.done)
}

/// Maps a non-success status of `/api/chat` or `/api/show`.
pub(crate) fn status_error(
    shared: &Shared,
    status: u16,
    message: String,
    model: &str,
) -> BackendError {
    let host = shared.base.clone();
    match status {
        401 | 403 => BackendError::Denied {
            host,
            status,
            message,
        },
        404 if message.contains("not found") && !message.contains("page not found") => {
            BackendError::ModelNotFound {
                host,
                model: model.to_owned(),
                hint: format!("run `ollama pull {model}`, or pick one from `squint models`"),
            }
        }
        404 => BackendError::Http {
            host,
            status,
            message: format!(
                "{message} (is this an Ollama server? for OpenAI-compatible servers use --backend openai)"
            ),
        },
        _ => BackendError::Http {
            host,
            status,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::ImagePayload;

    fn request() -> ClassifyRequest {
        ClassifyRequest {
            model: "llava:7b".into(),
            system: Some("sys".into()),
            prompt: "what?".into(),
            image: ImagePayload {
                bytes: bytes::Bytes::from_static(b"\x89PNG"),
                mime: "image/png",
            },
            options: GenOptions {
                temperature: Some(0.0),
                seed: Some(7),
                num_ctx: Some(4096),
                ..GenOptions::default()
            },
            constrained_labels: Some(vec!["cat".into(), "dog".into()]),
            logprobs: true,
        }
    }

    #[test]
    fn chat_body_has_protocol_fields() {
        let body = chat_body(&request(), true);
        assert_eq!(body["stream"], json!(true));
        assert_eq!(body["think"], json!(false));
        assert_eq!(
            body["messages"][0],
            json!({"role": "system", "content": "sys"})
        );
        assert_eq!(body["messages"][1]["images"], json!(["iVBORw=="]));
        assert_eq!(
            body["options"],
            json!({"temperature": 0.0, "seed": 7, "num_ctx": 4096})
        );
        assert_eq!(
            body["format"]["properties"]["label"]["enum"],
            json!(["cat", "dog"])
        );
        assert_eq!(body["top_logprobs"], json!(5));
    }

    #[test]
    fn chat_body_omits_unset_parts() {
        let mut req = request();
        req.system = None;
        req.options = GenOptions::default();
        req.constrained_labels = None;
        let body = chat_body(&req, false);
        assert_eq!(body["messages"].as_array().map(Vec::len), Some(1));
        for key in ["options", "format", "logprobs", "top_logprobs"] {
            assert!(body.get(key).is_none(), "{key} should be absent");
        }
    }
}
