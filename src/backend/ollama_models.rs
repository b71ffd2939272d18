//! Ollama model facts: `/api/version`, `/api/show` (vision check) and `/api/tags` (listing,
//! digests). Decides whether the server is new enough for logprobs. Never pulls models.

use std::sync::atomic::Ordering;

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::BackendError;
use super::http::Shared;
use super::ollama::status_error;
use super::types::{ModelEntry, ModelInfo};

/// First Ollama release with `logprobs` / `top_logprobs`.
const LOGPROBS_SINCE: (u64, u64, u64) = (0, 12, 11);

#[derive(Debug, Deserialize)]
struct VersionResponse {
    version: String,
}

#[derive(Debug, Default, Deserialize)]
struct ShowResponse {
    #[serde(default)]
    capabilities: Option<Vec<String>>,
    #[serde(default)]
    projector_info: Option<Value>,
    #[serde(default)]
    details: Option<Details>,
}

#[derive(Debug, Default, Deserialize)]
struct Details {
    #[serde(default)]
    families: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct TagsResponse {
    #[serde(default)]
    models: Vec<TagEntry>,
}

#[derive(Debug, Deserialize)]
struct TagEntry {
    name: String,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    capabilities: Option<Vec<String>>,
}

impl TagEntry {
    fn is(&self, model: &str) -> bool {
        let latest = format!("{model}:latest");
        [Some(self.name.as_str()), self.model.as_deref()]
            .into_iter()
            .flatten()
            .any(|n| n == model || n == latest)
    }
}

/// True when an Ollama version string is at least 0.12.11 (dev builds report 0.0.0 and
/// unparseable versions are given the benefit of the doubt: old servers ignore the field).
pub(crate) fn supports_logprobs(version: &str) -> bool {
    match parse_version(version) {
        Some((0, 0, 0)) | None => true,
        Some(v) => v >= LOGPROBS_SINCE,
    }
}

fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let core = v.trim().trim_start_matches('v').split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
        parts.next().flatten().unwrap_or(0),
    ))
}

/// Checks server, model and vision support; remembers the server version.
pub(crate) async fn preflight(shared: &Shared, model: &str) -> Result<ModelInfo, BackendError> {
    let version = fetch_version(shared).await?;
    shared
        .predates_logprobs
        .store(!supports_logprobs(&version), Ordering::Relaxed);
    let mut info = ModelInfo {
        name: model.to_owned(),
        logprobs: supports_logprobs(&version),
        server_version: Some(version.clone()),
        ..ModelInfo::default()
    };
    let show = show(shared, model).await?;
    match (&show.capabilities, heuristic_vision(&show)) {
        (Some(caps), _) if caps.iter().any(|c| c == "vision") => info.vision = Some(true),
        (Some(caps), _) => {
            return Err(BackendError::NotVision {
                host: shared.base.clone(),
                model: model.to_owned(),
                detail: format!("its capabilities are: {}", caps.join(", ")),
            });
        }
        (None, true) => info.vision = Some(true),
        (None, false) => info.warnings.push(format!(
            "Ollama {version} does not report model capabilities; could not confirm that '{model}' takes images \
             (upgrade Ollama to 0.6.4 or newer for a reliable check)"
        )),
    }
    if !info.logprobs {
        info.warnings.push(format!(
            "Ollama {version} has no logprobs (needs 0.12.11); confidences will be empty"
        ));
    }
    match tags(shared).await {
        Ok(entries) => {
            info.digest = entries
                .into_iter()
                .find(|e| e.is(model))
                .and_then(|e| e.digest)
        }
        Err(e) => info
            .warnings
            .push(format!("could not read the model digest: {e}")),
    }
    Ok(info)
}

/// Lists the installed models; vision from `/api/tags` capabilities when the server sends
/// them, else one `/api/show` per model.
pub(crate) async fn list_models(shared: &Shared) -> Result<Vec<ModelEntry>, BackendError> {
    let entries = tags(shared).await?;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let vision = match &e.capabilities {
            Some(caps) => Some(caps.iter().any(|c| c == "vision")),
            None => show(shared, &e.name)
                .await
                .ok()
                .and_then(|s| match s.capabilities {
                    Some(caps) => Some(caps.iter().any(|c| c == "vision")),
                    None => heuristic_vision(&s).then_some(true),
                }),
        };
        out.push(ModelEntry {
            name: e.name,
            vision,
            size: e.size,
            digest: e.digest,
        });
    }
    Ok(out)
}

/// Servers older than 0.6.4 have no `capabilities`: a projector or a `clip` family means vision.
fn heuristic_vision(show: &ShowResponse) -> bool {
    show.projector_info.as_ref().is_some_and(|p| !p.is_null())
        || show
            .details
            .as_ref()
            .and_then(|d| d.families.as_ref())
            .is_some_and(|f| f.iter().any(|x| x == "clip"))
}

async fn fetch_version(shared: &Shared) -> Result<String, BackendError> {
    let resp = shared
        .send(shared.client.get(shared.url("/api/version")))
        .await?;
    if !resp.status().is_success() {
        let (status, message) = shared.error_message(resp).await;
        // Refused, or a server that is there but failing (a 5xx): said as such, not as a
        // server of another kind.
        if matches!(status.as_u16(), 401 | 403) || status.is_server_error() {
            return Err(status_error(shared, status.as_u16(), message, ""));
        }
        return Err(shared.bad_response(format!(
            "GET /api/version answered HTTP {status} ({message}); is this an Ollama server? \
             for OpenAI-compatible servers use --backend openai"
        )));
    }
    let v: VersionResponse = shared
        .read_json(resp, "GET /api/version (is this an Ollama server?)")
        .await?;
    Ok(v.version)
}

async fn show(shared: &Shared, model: &str) -> Result<ShowResponse, BackendError> {
    let req = shared
        .client
        .post(shared.url("/api/show"))
        .json(&json!({"model": model}));
    let resp = shared.send(req).await?;
    if !resp.status().is_success() {
        let (status, message) = shared.error_message(resp).await;
        return Err(status_error(shared, status.as_u16(), message, model));
    }
    shared.read_json(resp, "POST /api/show").await
}

async fn tags(shared: &Shared) -> Result<Vec<TagEntry>, BackendError> {
    let resp = shared
        .send(shared.client.get(shared.url("/api/tags")))
        .await?;
    if !resp.status().is_success() {
        let (status, message) = shared.error_message(resp).await;
        return Err(status_error(shared, status.as_u16(), message, ""));
    }
    let tags: TagsResponse = shared.read_json(resp, "GET /api/tags").await?;
    Ok(tags.models)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logprob_support_by_version() {
        let cases = [
            ("0.12.11", true),
            ("0.12.10", false),
            ("0.13.0", true),
            ("0.6.4", false),
            ("0.33.0-rc2", true),
            ("v1.0", true),
            ("0.0.0", true),
            ("garbage", true),
            ("0.12", false),
        ];
        for (v, want) in cases {
            assert_eq!(supports_logprobs(v), want, "{v}");
        }
    }

    #[test]
    fn heuristic_vision_cases() {
        let parse = |v: Value| serde_json::from_value::<ShowResponse>(v).unwrap_or_default();
        assert!(heuristic_vision(&parse(
            json!({"projector_info": {"clip.has_vision_encoder": true}})
        )));
        assert!(heuristic_vision(&parse(
            json!({"details": {"families": ["llama", "clip"]}})
        )));
        assert!(!heuristic_vision(&parse(
            json!({"details": {"families": ["llama"]}})
        )));
        assert!(!heuristic_vision(&parse(json!({"projector_info": null}))));
    }

    #[test]
    fn tag_entry_matching() {
        let e = TagEntry {
            name: "llava:latest".into(),
            model: None,
            size: None,
            digest: None,
            capabilities: None,
        };
        assert!(e.is("llava") && e.is("llava:latest") && !e.is("llava:7b"));
    }
}
