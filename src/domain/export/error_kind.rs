//! Groups failed items by what went wrong: the `ErrorKind` each result records, under its
//! `results.jsonl` name. Only a result written before squint recorded the kind (older journals,
//! imports) is grouped by matching squint's own message text (`backend::BackendError`,
//! `imaging::ImageError` and the engine's) onto the same kinds. Never parses server text.

use crate::domain::result::{ErrorKind, ItemResult};

/// The group of a result whose error neither records a kind nor matches a known message.
const OTHER: &str = "other";

/// The name a report groups the failed `result` under: its recorded kind's name (`timeout`,
/// `server`, `bad_answer`...; [`ErrorKind::name`]), else the kind its message reads as, else
/// `other`.
pub(crate) fn error_kind_name(result: &ItemResult) -> &'static str {
    result
        .error_kind
        .or_else(|| result.error.as_deref().and_then(kind_from_message))
        .map_or(OTHER, ErrorKind::name)
}

/// The kind of one of squint's own error messages, for results that do not record it; the
/// same kind `BackendError::kind` and the engine give the error that writes this message.
fn kind_from_message(message: &str) -> Option<ErrorKind> {
    const KINDS: [(&str, ErrorKind); 19] = [
        ("there is no room to write the session", ErrorKind::DiskFull),
        ("cannot write results", ErrorKind::Journal),
        ("rejected the API key", ErrorKind::Auth),
        ("refused the request (HTTP", ErrorKind::Auth),
        ("cannot reach the model server", ErrorKind::Unreachable),
        ("was taken out of rotation", ErrorKind::Unreachable),
        ("network error talking to", ErrorKind::Network),
        ("did not finish answering within", ErrorKind::Timeout),
        ("failed while generating", ErrorKind::Server),
        ("answered HTTP", ErrorKind::Server),
        ("answer stream from", ErrorKind::BadAnswer),
        ("unexpected response from", ErrorKind::BadAnswer),
        ("bytes; stopped reading", ErrorKind::BadAnswer),
        ("has no vision support", ErrorKind::Model),
        ("not found on", ErrorKind::Model),
        ("not a readable image", ErrorKind::Image),
        ("cannot re-encode image", ErrorKind::Image),
        ("megapixels squint decodes", ErrorKind::Image),
        (
            "internal error in a classification task",
            ErrorKind::Internal,
        ),
    ];
    if message.starts_with("cannot read ") {
        return Some(ErrorKind::Image);
    }
    if message.starts_with("image task failed") {
        return Some(ErrorKind::Internal);
    }
    KINDS
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map(|&(_, kind)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(message: &str, kind: Option<ErrorKind>) -> ItemResult {
        ItemResult {
            error: Some(message.into()),
            error_kind: kind,
            ..ItemResult::blank("a.png", "1")
        }
    }

    #[test]
    fn the_recorded_kind_wins_over_the_message_text() {
        let cases = [
            // Text that reads as another kind, or as none: the recorded kind decides.
            ("cannot read a.png: timed out", ErrorKind::Timeout),
            (
                "http://h answered HTTP 500: model not found on disk",
                ErrorKind::Server,
            ),
            ("model 'x' not found on http://h: pull it", ErrorKind::Model),
            ("something else entirely", ErrorKind::Config),
            ("cannot write results: No space left", ErrorKind::DiskFull),
        ];
        for (message, kind) in cases {
            assert_eq!(
                error_kind_name(&failed(message, Some(kind))),
                kind.name(),
                "{message}"
            );
        }
    }

    #[test]
    fn results_without_a_kind_fall_back_to_squint_messages_in_the_same_names() {
        let cases = [
            (
                "cannot reach the model server at http://h:1 (refused); start it",
                ErrorKind::Unreachable,
            ),
            (
                "http://h:1 was taken out of rotation",
                ErrorKind::Unreachable,
            ),
            (
                "network error talking to http://h: reset; the request will be retried",
                ErrorKind::Network,
            ),
            (
                "http://h did not finish answering within 120 s; raise --timeout",
                ErrorKind::Timeout,
            ),
            ("http://h answered HTTP 500: boom", ErrorKind::Server),
            (
                "http://h failed while generating: oom; the request will be retried",
                ErrorKind::Server,
            ),
            (
                "http://h rejected the API key (HTTP 401: bad); set X",
                ErrorKind::Auth,
            ),
            (
                "http://h refused the request (HTTP 403: no); the server or a proxy",
                ErrorKind::Auth,
            ),
            (
                "the answer stream from http://h ended early (eof); the server may have crashed",
                ErrorKind::BadAnswer,
            ),
            (
                "unexpected response from http://h: junk; is --backend right for this server?",
                ErrorKind::BadAnswer,
            ),
            (
                "the answer from http://h is longer than 65536 bytes; stopped reading (raise",
                ErrorKind::BadAnswer,
            ),
            ("not a readable image (bad magic)", ErrorKind::Image),
            ("cannot read /x/y.png: No such file", ErrorKind::Image),
            (
                "image is 9000x9000 pixels, more than the 24 megapixels squint decodes; shrink it",
                ErrorKind::Image,
            ),
            ("model 'x' not found on http://h: pull it", ErrorKind::Model),
            (
                "cannot write results: No space left on device; there is no room to write the session (disk full)",
                ErrorKind::DiskFull,
            ),
            (
                "cannot write results: the journal writer stopped",
                ErrorKind::Journal,
            ),
            ("image task failed: panicked", ErrorKind::Internal),
        ];
        for (message, kind) in cases {
            assert_eq!(
                error_kind_name(&failed(message, None)),
                kind.name(),
                "{message}"
            );
        }
        assert_eq!(
            error_kind_name(&failed("something else entirely", None)),
            "other"
        );
    }
}
