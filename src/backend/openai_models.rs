//! OpenAI-compatible model facts from `GET {base}/models`. Vision cannot be read from this
//! endpoint, so it stays unknown. Never fails preflight only because a name is not listed
//! (servers alias names).

use serde::Deserialize;

use super::error::BackendError;
use super::http::Shared;
use super::openai::status_error;
use super::types::{ModelEntry, ModelInfo};

#[derive(Debug, Deserialize)]
struct ModelList {
    #[serde(default)]
    data: Vec<ModelId>,
}

#[derive(Debug, Deserialize)]
struct ModelId {
    id: String,
}

/// Checks that the server answers and the key is accepted; unknown models become warnings.
pub(crate) async fn preflight(shared: &Shared, model: &str) -> Result<ModelInfo, BackendError> {
    let mut info = ModelInfo {
        name: model.to_owned(),
        logprobs: shared.logprobs,
        ..ModelInfo::default()
    };
    match fetch(shared).await {
        Ok(ids) if ids.iter().any(|id| id == model) => {}
        Ok(ids) => info.warnings.push(format!(
            "model '{model}' is not in {}/models ({}); continuing in case the server aliases it",
            shared.base,
            preview(&ids)
        )),
        Err(
            e @ (BackendError::Unreachable { .. }
            | BackendError::Auth { .. }
            | BackendError::Timeout { .. }),
        ) => {
            return Err(e);
        }
        Err(e) => info.warnings.push(format!("could not list models: {e}")),
    }
    Ok(info)
}

/// Lists the served models (vision unknown).
pub(crate) async fn list_models(shared: &Shared) -> Result<Vec<ModelEntry>, BackendError> {
    let ids = fetch(shared).await?;
    Ok(ids
        .into_iter()
        .map(|name| ModelEntry {
            name,
            vision: None,
            size: None,
            digest: None,
        })
        .collect())
}

async fn fetch(shared: &Shared) -> Result<Vec<String>, BackendError> {
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
    let list: ModelList = resp
        .json()
        .await
        .map_err(|e| shared.bad_response(format!("GET /models: {e}")))?;
    Ok(list.data.into_iter().map(|m| m.id).collect())
}

fn preview(ids: &[String]) -> String {
    const SHOWN: usize = 5;
    match ids.len() {
        0 => "the list is empty".to_owned(),
        n if n <= SHOWN => format!("it has {}", ids.join(", ")),
        n => format!("it has {}, … ({n} in all)", ids[..SHOWN].join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_lists() {
        let ids: Vec<String> = (0..7).map(|i| format!("m{i}")).collect();
        assert_eq!(preview(&[]), "the list is empty");
        assert_eq!(preview(&ids[..2]), "it has m0, m1");
        assert_eq!(preview(&ids), "it has m0, m1, m2, m3, m4, … (7 in all)");
    }
}
