//! Shared by the two stream targets: a backend that never connects anywhere, a runtime, and
//! the fuzz input cut into the chunks a network would deliver.

use std::sync::OnceLock;

use bytes::Bytes;
use squint::backend::{Backend, BackendConfig, BackendKind};

/// Answer cap for the targets: small, so the cap itself is exercised often.
pub const MAX_ANSWER: usize = 4096;

/// A backend of `kind` aimed at a closed port (nothing is ever sent) and a runtime to drive it.
pub fn backend(kind: BackendKind) -> &'static (Backend, tokio::runtime::Runtime) {
    static OLLAMA: OnceLock<(Backend, tokio::runtime::Runtime)> = OnceLock::new();
    static OPENAI: OnceLock<(Backend, tokio::runtime::Runtime)> = OnceLock::new();
    let slot = match kind {
        BackendKind::Ollama => &OLLAMA,
        BackendKind::Openai => &OPENAI,
    };
    slot.get_or_init(|| {
        let mut cfg = BackendConfig::new(kind);
        cfg.host = Some("http://127.0.0.1:9/v1".to_owned());
        cfg.max_answer_bytes = MAX_ANSWER;
        let backend = Backend::with_env(cfg, |_| None).unwrap_or_else(|e| panic!("backend: {e}"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        (backend, runtime)
    })
}

/// The input's first byte chooses a chunk size (1..=256); the rest is cut into such chunks.
pub fn chunks(data: &[u8]) -> Vec<Bytes> {
    let Some((&first, body)) = data.split_first() else {
        return Vec::new();
    };
    let size = usize::from(first) + 1;
    body.chunks(size).map(Bytes::copy_from_slice).collect()
}

/// Decodes `data` as a `kind` answer stream and checks what any outcome must satisfy.
pub fn check(kind: BackendKind, data: &[u8]) {
    let (backend, runtime) = backend(kind);
    let outcome = runtime.block_on(backend.decode_recorded(chunks(data)));
    if let Ok(completion) = outcome {
        assert!(completion.text.len() <= MAX_ANSWER, "the answer cap held");
    }
}
