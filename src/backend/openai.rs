//! OpenAI-compatible chat: builds `POST {base}/chat/completions` and reads the SSE stream
//! (llama.cpp, vLLM, LM Studio, Ollama `/v1`, hosted APIs). One attempt only. Never logs the
//! API key or image data.

use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use super::body;
use super::error::{BackendError, message_from_value};
use super::http::{Shared, excerpt, retry_after};
use super::logprobs::WireLogprob;
use super::types::{ClassifyRequest, Completion, label_schema};

/// Alternatives asked for per token.
const TOP_LOGPROBS: u32 = 5;

/// One SSE `data:` payload (or a whole non-streamed response).
#[derive(Debug, Deserialize)]
struct Chunk {
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Content>,
    #[serde(default)]
    message: Option<Content>,
    #[serde(default)]
    logprobs: Option<ChoiceLogprobs>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Content {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ChoiceLogprobs {
    #[serde(default)]
    content: Option<Vec<WireLogprob>>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
}

#[cfg(test)]
/// The JSON body of `POST /chat/completions` for one classification, the image inlined.
pub(crate) fn chat_body(req: &ClassifyRequest) -> Value {
    chat_body_with(
        req,
        &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &req.image.bytes),
    )
}

/// The body with `image` as the image's base64 text (or [`body::IMAGE_SLOT`]).
fn chat_body_with(req: &ClassifyRequest, image: &str) -> Value {
    let mut messages = Vec::with_capacity(2);
    if let Some(system) = &req.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    let data_url = format!("data:{};base64,{image}", req.image.mime);
    messages.push(json!({"role": "user", "content": [
        {"type": "text", "text": req.prompt},
        {"type": "image_url", "image_url": {"url": data_url}},
    ]}));
    let mut body = json!({
        "model": req.model,
        "messages": messages,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    let o = &req.options;
    if let Some(n) = o.num_predict.filter(|n| *n > 0) {
        body["max_tokens"] = json!(n);
    }
    if let Some(t) = o.temperature {
        body["temperature"] = json!(t);
    }
    if let Some(s) = o.seed {
        body["seed"] = json!(s);
    }
    if let Some(p) = o.top_p {
        body["top_p"] = json!(p);
    }
    if let Some(labels) = &req.constrained_labels {
        body["response_format"] = json!({
            "type": "json_schema",
            "json_schema": {"name": "classification", "strict": true, "schema": label_schema(labels, true)},
        });
    }
    if req.logprobs {
        body["logprobs"] = json!(true);
        body["top_logprobs"] = json!(TOP_LOGPROBS);
    }
    body
}

/// Sends one chat request and streams the answer, calling `on_token` per non-empty piece.
pub(crate) async fn classify(
    shared: &Shared,
    req: &ClassifyRequest,
    on_token: &mut (dyn FnMut(&str) + Send),
) -> Result<Completion, BackendError> {
    tracing::debug!(host = %shared.base, model = %req.model, logprobs = req.logprobs, "POST /chat/completions");
    let body = shared
        .bodies
        .body(req, req.logprobs, || chat_body_with(req, body::IMAGE_SLOT));
    let resp = shared
        .send(body.attach(shared.post("/chat/completions")))
        .await?;
    if !resp.status().is_success() {
        let wait = retry_after(&resp);
        let (status, message) = shared.error_message(resp).await;
        let status = status.as_u16();
        return Err(shared
            .throttled(status, &message, wait)
            .unwrap_or_else(|| status_error(shared, status, message, &req.model)));
    }
    let is_json = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let mut completion = Completion::default();
    if is_json {
        // A server that ignored `stream: true` and sent one whole response.
        let body = shared
            .read_capped(
                resp,
                usize::try_from(shared.max_stream_bytes()).unwrap_or(usize::MAX),
            )
            .await
            .map_err(|e| match e {
                BackendError::BadResponse { .. } => shared.too_long(),
                other => other,
            })?;
        apply_data(
            shared,
            &String::from_utf8_lossy(&body),
            &mut completion,
            on_token,
        )?;
        return Ok(completion);
    }
    read_events(shared, resp.bytes_stream(), on_token).await
}

/// Reads an SSE answer stream (live or recorded) into a completion, calling `on_token` per
/// non-empty piece; the size caps apply.
pub(super) async fn read_events<S>(
    shared: &Shared,
    body: S,
    on_token: &mut (dyn FnMut(&str) + Send),
) -> Result<Completion, BackendError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, reqwest::Error>> + Send + 'static,
{
    let mut completion = Completion::default();
    let mut events = Box::pin(shared.capped(body)).eventsource();
    let mut finished = false;
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| match e {
            EventStreamError::Transport(t) => shared.body_error(&t),
            EventStreamError::Utf8(u) => {
                shared.bad_response(format!("stream is not valid UTF-8 ({u})"))
            }
            EventStreamError::Parser(p) => shared.bad_response(format!("malformed SSE ({p})")),
        })?;
        let data = event.data.trim();
        if data.starts_with("[DONE]") {
            return Ok(completion);
        }
        if event.event == "error" {
            return Err(BackendError::MidStream {
                host: shared.base.clone(),
                message: excerpt(data),
            });
        }
        if !data.is_empty() {
            finished |= apply_data(shared, data, &mut completion, on_token)?;
        }
    }
    if finished {
        Ok(completion)
    } else {
        Err(BackendError::CutStream {
            host: shared.base.clone(),
            detail: "the stream closed without `data: [DONE]` or a finish_reason".to_owned(),
        })
    }
}

/// Applies one data payload; `Ok(true)` when it carried a `finish_reason`.
fn apply_data(
    shared: &Shared,
    data: &str,
    completion: &mut Completion,
    on_token: &mut (dyn FnMut(&str) + Send),
) -> Result<bool, BackendError> {
    let chunk: Chunk = serde_json::from_str(data).map_err(|e| {
        shared.bad_response(format!("unparseable stream data ({e}): {}", excerpt(data)))
    })?;
    if let Some(err) = chunk.error.filter(|e| !e.is_null()) {
        let message = message_from_value(&json!({"error": err})).unwrap_or_default();
        return Err(BackendError::MidStream {
            host: shared.base.clone(),
            message,
        });
    }
    if let Some(usage) = chunk.usage {
        completion.prompt_eval_count = usage.prompt_tokens.or(completion.prompt_eval_count);
        completion.eval_count = usage.completion_tokens.or(completion.eval_count);
    }
    let mut finished = false;
    if let Some(choice) = chunk.choices.into_iter().next() {
        let piece = choice
            .delta
            .or(choice.message)
            .and_then(|c| c.content)
            .filter(|c| !c.is_empty());
        if let Some(piece) = piece {
            completion
                .push_piece(&piece, shared.max_answer, on_token)
                .map_err(|()| shared.too_long())?;
        }
        completion.push_logprobs(choice.logprobs.and_then(|l| l.content).unwrap_or_default());
        if let Some(reason) = choice.finish_reason {
            completion.done_reason = Some(reason);
            finished = true;
        }
    }
    Ok(finished)
}

/// Maps a non-success status of any OpenAI-compatible endpoint.
pub(crate) fn status_error(
    shared: &Shared,
    status: u16,
    message: String,
    model: &str,
) -> BackendError {
    let host = shared.base.clone();
    let lower = message.to_lowercase();
    if lower.contains("image input is not supported") || lower.contains("not a multimodal model") {
        return BackendError::NotVision {
            host,
            model: model.to_owned(),
            detail: message,
        };
    }
    match status {
        401 | 403 => BackendError::Auth {
            host,
            status,
            message,
            env_var: shared.api_key_env.clone(),
        },
        404 if lower.contains("model") => BackendError::ModelNotFound {
            host,
            model: model.to_owned(),
            hint: format!("{message}; check --model and `squint models --backend openai`"),
        },
        404 => BackendError::Http {
            host,
            status,
            message: format!(
                "{message} (check that --host / OPENAI_BASE_URL ends in the API prefix, usually /v1)"
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
    use crate::domain::template::GenOptions;
    use crate::imaging::ImagePayload;

    fn request() -> ClassifyRequest {
        ClassifyRequest {
            model: "m".into(),
            system: None,
            prompt: "what?".into(),
            image: ImagePayload {
                bytes: bytes::Bytes::from_static(b"\xff\xd8\xff"),
                mime: "image/jpeg",
            },
            options: GenOptions {
                temperature: Some(0.0),
                num_predict: Some(8),
                top_k: Some(1),
                num_ctx: Some(4096),
                ..GenOptions::default()
            },
            constrained_labels: Some(vec!["cat".into()]),
            logprobs: false,
        }
    }

    #[test]
    fn chat_body_has_openai_fields() {
        let body = chat_body(&request());
        assert_eq!(
            body["messages"][0]["content"][1]["image_url"]["url"],
            json!("data:image/jpeg;base64,/9j/")
        );
        assert_eq!(body["max_tokens"], json!(8));
        assert_eq!(body["stream_options"], json!({"include_usage": true}));
        assert_eq!(
            body["response_format"]["json_schema"]["strict"],
            json!(true)
        );
        assert_eq!(
            body["response_format"]["json_schema"]["schema"]["additionalProperties"],
            json!(false)
        );
        for key in ["top_k", "num_ctx", "seed", "logprobs", "top_logprobs"] {
            assert!(body.get(key).is_none(), "{key} must not be sent");
        }
    }
}
