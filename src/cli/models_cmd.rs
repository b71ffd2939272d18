//! `squint models`: lists the server's models and marks the vision-capable ones.

use std::time::Duration;

use super::args::ServerArgs;
use super::{EXIT_OK, EXIT_SERVER, EXIT_USAGE};
use crate::backend::{Backend, BackendKind};
use crate::setup::RunSpec;

/// Runs the command and returns the exit code.
pub async fn run(server: ServerArgs) -> i32 {
    let mut config = RunSpec::default().backend;
    config.kind = server.backend.unwrap_or(BackendKind::Ollama);
    config.host = server.host;
    config.api_key_env = server.api_key_env;
    config.timeout = Duration::from_secs(30);
    let backend = match Backend::new(config) {
        Ok(backend) => backend,
        Err(e) => {
            eprintln!("squint: {e}");
            return EXIT_USAGE;
        }
    };
    let models = match backend.list_models().await {
        Ok(models) => models,
        Err(e) => {
            eprintln!("squint: {e}");
            return EXIT_SERVER;
        }
    };
    if models.is_empty() {
        eprintln!(
            "no models on {}; pull one with `ollama pull llava`",
            backend.host()
        );
    }
    let width = models.iter().map(|m| m.name.len()).max().unwrap_or(0);
    for model in &models {
        let vision = match model.vision {
            Some(true) => "vision",
            Some(false) => "-",
            None => "unknown",
        };
        let size = model
            .size
            .map(|s| format!("{:.1} GB", s as f64 / 1e9))
            .unwrap_or_default();
        println!("{:<width$}  {:<7}  {}", model.name, vision, size);
    }
    EXIT_OK
}
