//! OpenAI-compatible model facts: `GET {base}/models` checks the model name; vision comes from
//! whichever server says (`/models` entry fields, LiteLLM's `/model/info` `supports_vision`,
//! LM Studio's `/api/v0/models` `type`); where none does, or the model is not listed (servers
//! alias names), one tiny test image is sent before the run and a refusal stops it.

use serde::Deserialize;
use serde_json::Value;

use super::error::BackendError;
use super::http::Shared;
use super::openai::status_error;
use super::types::{ClassifyRequest, ModelEntry, ModelInfo};
use crate::domain::template::GenOptions;

#[derive(Debug, Deserialize)]
struct ModelList {
    #[serde(default)]
    data: Vec<ModelId>,
}

#[derive(Debug, Deserialize)]
struct ModelId {
    id: String,
    /// llama.cpp's router: `["completion", "multimodal"]`.
    #[serde(default)]
    capabilities: Option<Vec<String>>,
    /// Newest llama.cpp and OpenRouter: `architecture.input_modalities` ⊇ `["image"]`.
    #[serde(default)]
    architecture: Option<Value>,
}

impl ModelId {
    /// Whether this entry says the model takes images (`None`: it does not say).
    fn vision(&self) -> Option<bool> {
        if let Some(caps) = &self.capabilities {
            return Some(caps.iter().any(|c| c == "multimodal" || c == "vision"));
        }
        let modalities = self
            .architecture
            .as_ref()?
            .get("input_modalities")?
            .as_array()?;
        Some(modalities.iter().any(|m| m.as_str() == Some("image")))
    }
}

/// Checks the server, the key, the model name and vision (see the module header).
pub(crate) async fn preflight(shared: &Shared, model: &str) -> Result<ModelInfo, BackendError> {
    let mut info = ModelInfo {
        name: model.to_owned(),
        logprobs: shared.logprobs,
        ..ModelInfo::default()
    };
    let listed = match fetch(shared).await {
        Ok(entries) => Some(entries),
        Err(
            e @ (BackendError::Unreachable { .. }
            | BackendError::Auth { .. }
            | BackendError::Denied { .. }
            | BackendError::Timeout { .. }),
        ) => return Err(e),
        Err(e) => {
            info.warnings.push(format!("could not list models: {e}"));
            None
        }
    };
    let entry = listed
        .as_ref()
        .and_then(|entries| entries.iter().find(|e| e.id == model));
    let (vision, said_by) = match entry.and_then(ModelId::vision) {
        Some(v) => (Some(v), "/models"),
        None => match litellm_vision(shared, model).await {
            Some(v) => (Some(v), "LiteLLM /model/info"),
            None => (
                lmstudio_vision(shared, model).await,
                "LM Studio /api/v0/models",
            ),
        },
    };
    if vision == Some(false) {
        return Err(BackendError::NotVision {
            host: shared.base.clone(),
            model: model.to_owned(),
            detail: format!("{said_by} says it does not take images"),
        });
    }
    info.vision = vision;
    let unlisted = listed.as_ref().filter(|_| entry.is_none());
    if vision.is_some() && unlisted.is_none() {
        return Ok(info);
    }
    // Nobody said, or the name is not listed: one tiny image tells.
    match probe(shared, model).await {
        Ok(()) => {
            if let Some(ids) = unlisted {
                info.warnings.push(format!(
                    "model '{model}' is not in {}/models ({}), but the server answered a test request with it (an alias?)",
                    shared.base,
                    preview(ids)
                ));
            }
            Ok(info)
        }
        Err(e) => Err(probe_failure(shared, model, e, unlisted)),
    }
}

/// What a refused test request means before the run.
fn probe_failure(
    shared: &Shared,
    model: &str,
    error: BackendError,
    unlisted: Option<&Vec<ModelId>>,
) -> BackendError {
    match (error, unlisted) {
        (BackendError::ModelNotFound { host, model, hint }, Some(ids)) => {
            BackendError::ModelNotFound {
                host,
                model,
                hint: format!("it is not in /models ({}); {hint}", preview(ids)),
            }
        }
        (e @ (BackendError::NotVision { .. } | BackendError::ModelNotFound { .. }), _) => e,
        (
            BackendError::Http {
                status, message, ..
            },
            Some(ids),
        ) if (400..500).contains(&status) => BackendError::ModelNotFound {
            host: shared.base.clone(),
            model: model.to_owned(),
            hint: format!(
                "it is not in /models ({}) and a test request was refused (HTTP {status}: {message}); check --model and `squint models --backend openai`",
                preview(ids)
            ),
        },
        (
            BackendError::Http {
                status, message, ..
            },
            None,
        ) if (400..500).contains(&status) => BackendError::NotVision {
            host: shared.base.clone(),
            model: model.to_owned(),
            detail: format!("a test image was refused with HTTP {status}: {message}"),
        },
        // A server that is down or failing (a 5xx, the network, the time-out) says so as it
        // is, so a run over several servers can start without it.
        (e, _) if e.is_fatal() || e.is_server_failure() => e,
        (e, _) => BackendError::BadResponse {
            host: shared.base.clone(),
            detail: format!("a test request before the run failed ({e})"),
        },
    }
}

/// Sends a one-token request with a tiny image.
async fn probe(shared: &Shared, model: &str) -> Result<(), BackendError> {
    let req = ClassifyRequest {
        model: model.to_owned(),
        system: None,
        prompt: "What is in this image? Answer in one word.".to_owned(),
        image: crate::imaging::probe_image(),
        options: GenOptions {
            temperature: Some(0.0),
            num_predict: Some(1),
            ..GenOptions::default()
        },
        constrained_labels: None,
        logprobs: false,
    };
    tracing::debug!(host = %shared.base, model, "test image before the run");
    super::openai::classify(shared, &req, &mut |_| {})
        .await
        .map(|_| ())
}

/// LiteLLM's `/model/info` (at the server root): `model_info.supports_vision` of `model`.
async fn litellm_vision(shared: &Shared, model: &str) -> Option<bool> {
    let body: Value = optional_json(shared, "/model/info").await?;
    body.get("data")?
        .as_array()?
        .iter()
        .find(|m| m.get("model_name").and_then(Value::as_str) == Some(model))?
        .get("model_info")?
        .get("supports_vision")?
        .as_bool()
}

/// LM Studio's `/api/v0/models` (at the server root): `type` is `vlm` for vision models.
async fn lmstudio_vision(shared: &Shared, model: &str) -> Option<bool> {
    let body: Value = optional_json(shared, "/api/v0/models").await?;
    let kind = body
        .get("data")?
        .as_array()?
        .iter()
        .find(|m| m.get("id").and_then(Value::as_str) == Some(model))?
        .get("type")?
        .as_str()?
        .to_owned();
    Some(kind == "vlm")
}

/// A JSON document from an endpoint some servers have; `None` for anything else.
async fn optional_json(shared: &Shared, path: &str) -> Option<Value> {
    let resp = shared
        .send(shared.client.get(shared.root_url(path)))
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    shared.read_json(resp, path).await.ok()
}

/// Lists the served models (vision unknown).
pub(crate) async fn list_models(shared: &Shared) -> Result<Vec<ModelEntry>, BackendError> {
    let entries = fetch(shared).await?;
    Ok(entries
        .into_iter()
        .map(|m| ModelEntry {
            vision: m.vision(),
            name: m.id,
            size: None,
            digest: None,
        })
        .collect())
}

async fn fetch(shared: &Shared) -> Result<Vec<ModelId>, BackendError> {
    let resp = shared
        .send(shared.client.get(shared.url("/models")))
        .await?;
    if !resp.status().is_success() {
        let (status, message) = shared.error_message(resp).await;
        return Err(match status_error(shared, status.as_u16(), message, "") {
            // a 404 here is about the endpoint, not a model
            BackendError::ModelNotFound { host, hint, .. } => BackendError::Http {
                host,
                status: 404,
                message: hint,
            },
            other => other,
        });
    }
    let list: ModelList = shared.read_json(resp, "GET /models").await?;
    Ok(list.data)
}

fn preview(entries: &[ModelId]) -> String {
    const SHOWN: usize = 5;
    let ids: Vec<&str> = entries.iter().take(SHOWN).map(|e| e.id.as_str()).collect();
    match entries.len() {
        0 => "the list is empty".to_owned(),
        n if n <= SHOWN => format!("it has {}", ids.join(", ")),
        n => format!("it has {}, … ({n} in all)", ids.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_lists() {
        let ids: Vec<ModelId> = (0..7)
            .map(|i| ModelId {
                id: format!("m{i}"),
                capabilities: None,
                architecture: None,
            })
            .collect();
        assert_eq!(preview(&[]), "the list is empty");
        assert_eq!(preview(&ids[..2]), "it has m0, m1");
        assert_eq!(preview(&ids), "it has m0, m1, m2, m3, m4, … (7 in all)");
    }
}
