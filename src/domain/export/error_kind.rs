//! Groups failed items by what went wrong, from the error text the engine recorded.
//! Pure string matching on squint's own messages (`backend::BackendError`, `imaging::ImageError`
//! and the engine's); never parses server text beyond that.

/// The kind of a recorded item error: `unreachable`, `network`, `timeout`, `auth`, `http`,
/// `model`, `mid_stream`, `cut_stream`, `bad_response`, `image` or `other`.
pub(crate) fn error_kind(message: &str) -> &'static str {
    const KINDS: [(&str, &str); 12] = [
        ("rejected the API key", "auth"),
        ("cannot reach the model server", "unreachable"),
        ("network error talking to", "network"),
        ("did not finish answering within", "timeout"),
        ("failed while generating", "mid_stream"),
        ("answer stream from", "cut_stream"),
        ("unexpected response from", "bad_response"),
        ("has no vision support", "model"),
        ("not found on", "model"),
        ("not a readable image", "image"),
        ("cannot re-encode image", "image"),
        ("answered HTTP", "http"),
    ];
    if message.starts_with("cannot read ") {
        return "image";
    }
    KINDS
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or("other", |(_, kind)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squint_messages_map_to_kinds() {
        let cases = [
            (
                "cannot reach the model server at http://h:1 (refused); start it",
                "unreachable",
            ),
            (
                "network error talking to http://h: reset; the request will be retried",
                "network",
            ),
            (
                "http://h did not finish answering within 120 s; raise --timeout",
                "timeout",
            ),
            ("http://h answered HTTP 500: boom", "http"),
            (
                "http://h rejected the API key (HTTP 401: bad); set X",
                "auth",
            ),
            (
                "http://h failed while generating: oom; the request will be retried",
                "mid_stream",
            ),
            (
                "the answer stream from http://h ended early (eof); the server may have crashed",
                "cut_stream",
            ),
            (
                "unexpected response from http://h: junk; is --backend right for this server?",
                "bad_response",
            ),
            ("not a readable image (bad magic)", "image"),
            ("cannot read /x/y.png: No such file", "image"),
            ("model 'x' not found on http://h: pull it", "model"),
            ("something else entirely", "other"),
        ];
        for (message, kind) in cases {
            assert_eq!(error_kind(message), kind, "{message}");
        }
    }
}
