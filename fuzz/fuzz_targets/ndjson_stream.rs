//! Ollama's NDJSON answer stream decoder: any bytes, cut anywhere, end in a completion within
//! the answer cap or an error; never a panic or unbounded growth.
#![no_main]

use libfuzzer_sys::fuzz_target;
use squint::backend::BackendKind;

#[path = "stream.rs"]
mod stream;

fuzz_target!(|data: &[u8]| stream::check(BackendKind::Ollama, data));
