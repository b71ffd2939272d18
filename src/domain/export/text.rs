//! Small formatting helpers shared by the report renderers (durations, shares, options).
//! Pure; the results are plain text that still has to be escaped for the format.

/// `2 h 3 min`, `15 min 8 s`, `42 s`.
pub(crate) fn duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min {s} s"),
        _ => format!("{h} h {m} min"),
    }
}

/// `n` over `total` as a percentage with one decimal (`0.0%` when `total` is 0).
pub(crate) fn percent(n: u64, total: u64) -> String {
    if total == 0 {
        return "0.0%".to_owned();
    }
    format!("{:.1}%", n as f64 * 100.0 / total as f64)
}

/// Generation options as `temperature=0, seed=42`; `server defaults` when none were set.
pub(crate) fn options_line(options: &serde_json::Value) -> String {
    let Some(map) = options.as_object().filter(|m| !m.is_empty()) else {
        return "server defaults".to_owned();
    };
    map.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `ollama at http://host:11434`; `not recorded` when the session has no server (an import).
pub(crate) fn backend_line(backend: &str, host: &str) -> String {
    if host.is_empty() {
        "not recorded".to_owned()
    } else {
        format!("{backend} at {host}")
    }
}

/// The proposals of a truth-unknown session, most proposed label first (then by name).
pub(crate) fn proposal_rows(
    p: &crate::domain::proposals::Proposals,
) -> Vec<(&String, &crate::domain::proposals::LabelProposals)> {
    let mut rows: Vec<_> = p.by_label.iter().collect();
    rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(duration(42), "42 s");
        assert_eq!(duration(908), "15 min 8 s");
        assert_eq!(duration(7380), "2 h 3 min");
        assert_eq!(percent(115, 500), "23.0%");
        assert_eq!(percent(1, 0), "0.0%");
        let options = serde_json::json!({"temperature": 0.0, "seed": 42});
        assert_eq!(options_line(&options), "seed=42, temperature=0.0");
        assert_eq!(options_line(&serde_json::Value::Null), "server defaults");
        assert_eq!(options_line(&serde_json::json!({})), "server defaults");
    }
}
