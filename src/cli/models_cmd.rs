//! `squint models`: lists the server's models and marks the vision-capable ones. Never sends
//! an image or changes anything on the server.

use std::time::Duration;

use super::args::ServerArgs;
use super::out::{err_line, out};
use super::{EXIT_OK, EXIT_SERVER, EXIT_USAGE};
use crate::backend::{Backend, BackendKind};
use crate::domain::sanitize::one_line;
use crate::setup::RunSpec;

/// Runs the command and returns the exit code.
pub(super) async fn run(server: ServerArgs, json: bool) -> i32 {
    let mut config = RunSpec::default().backend;
    config.kind = server.backend.unwrap_or(BackendKind::Ollama);
    config.host = match server.first_host() {
        Ok(host) => host,
        Err(e) => {
            err_line(&format!("squint: {e}"));
            return EXIT_USAGE;
        }
    };
    if let Some(var) = server.api_key_env {
        config.api_key_env = var;
    }
    config.timeout = Duration::from_secs(30);
    let backend = match Backend::new(config) {
        Ok(backend) => backend,
        Err(e) => {
            err_line(&format!("squint: {e}"));
            return EXIT_USAGE;
        }
    };
    let models = match backend.list_models().await {
        Ok(models) => models,
        Err(e) => {
            err_line(&format!("squint: {e}"));
            return EXIT_SERVER;
        }
    };
    if json {
        // serde_json escapes every control character: the names stay data.
        let text = serde_json::to_string_pretty(&models).unwrap_or_else(|_| "[]".to_owned());
        out(&format!("{text}\n"));
        return EXIT_OK;
    }
    if models.is_empty() {
        err_line(&format!(
            "no models on {}; pull one with `ollama pull llava`",
            backend.host()
        ));
    }
    let names: Vec<String> = models.iter().map(|m| one_line(&m.name)).collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (model, name) in models.iter().zip(&names) {
        let vision = match model.vision {
            Some(true) => "vision",
            Some(false) => "-",
            None => "unknown",
        };
        let size = model
            .size
            .map(|s| format!("{:.1} GB", s as f64 / 1e9))
            .unwrap_or_default();
        if !out(&format!("{name:<width$}  {vision:<7}  {size}\n")) {
            break;
        }
    }
    EXIT_OK
}
